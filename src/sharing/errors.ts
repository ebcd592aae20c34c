// Sharing error codes. consent_missing is identity's code: the gateway re-checks consent with it.
import type { CatalogErrorCode } from '../catalog/errors.ts';
import type { IdentityErrorCode } from '../identity/errors.ts';
import { type CommonErrorCode, type ErrorSpecs, typedErrors } from '../kernel/index.ts';

export const sharingErrors = {
  policy_invalid: {
    status: 400,
    meaning:
      'A field policy names a treatment its field does not allow, or shares the real phone before booking.',
  },
  share_source_missing: { status: 404, meaning: 'The application or its customer does not exist.' },
  relay_pool_exhausted: {
    status: 503,
    meaning: 'The relay provider has no free contact point of this channel; add addresses to the pool.',
  },
  relay_address_invalid: {
    status: 400,
    meaning: 'A relay pool address is not a mainland mobile number or an email address.',
  },
  prescreen_not_configured: {
    status: 404,
    meaning: 'The funder has no live pre-screen set and OPRF endpoint.',
  },
  prescreen_set_invalid: { status: 400, meaning: 'The uploaded pre-screen set is not a valid set file.' },
  prescreen_unavailable: {
    status: 502,
    meaning: 'The funder’s OPRF service did not answer correctly; the check did not happen.',
  },
  oprf_malformed: {
    status: 400,
    meaning: 'The OPRF request is not well formed (JSON, base64, element length).',
  },
  oprf_point_invalid: {
    status: 400,
    meaning: 'An element is not the canonical encoding of a ristretto255 group element, or is the identity.',
  },
  oprf_batch_too_large: {
    status: 400,
    meaning: 'The OPRF request carries more elements than the batch limit.',
  },
  oprf_key_invalid: {
    status: 400,
    meaning: 'The OPRF key file is not a Shoujia ristretto255 key (armour, suite, key id or scalar).',
  },
  identifier_invalid: {
    status: 400,
    meaning: 'A pre-screen identifier is not a mainland mobile number or an 18-character ID number.',
  },
  oprf_key_unknown: { status: 400, meaning: 'The OPRF request names a key id this service does not hold.' },
} as const satisfies ErrorSpecs;

export type SharingErrorCode = keyof typeof sharingErrors;

/**
 * What sharing may throw: its own codes, the shared ones, catalog's unknown funder and identity's
 * consent_missing (the gateway re-checks consent).
 */
export type SharingThrownCode =
  | SharingErrorCode
  | CommonErrorCode
  | Extract<CatalogErrorCode, 'funder_not_found'>
  | Extract<IdentityErrorCode, 'consent_missing'>;

export const { DomainError, unwrap } = typedErrors<SharingThrownCode>();

// Identity's error codes (STYLE §2): ID number and phone validation, age, consent. The HTTP
// catalog (src/http/error-catalog.ts) lists them with every other module's.
import type { CatalogErrorCode } from '../catalog/errors.ts';
import { type CommonErrorCode, type ErrorSpecs, typedErrors } from '../kernel/index.ts';

export const identityErrors = {
  id_number_format: { status: 400, meaning: 'The ID number is not 17 digits and a check character.' },
  id_number_checksum: { status: 400, meaning: 'The ID number’s GB 11643 MOD 11-2 check character is wrong.' },
  id_number_birth_date: {
    status: 400,
    meaning: 'The birth date in the ID number is not a real date, or is in the future.',
  },
  id_number_region: {
    status: 400,
    meaning: 'The region code in the ID number is not a well-formed division code.',
  },
  applicant_under_age: { status: 400, meaning: 'The applicant is under 18 at the time of application.' },
  phone_invalid: { status: 400, meaning: 'Not a mainland mobile number (^1[3-9]\\d{9}$, optional +86).' },
  consent_missing: {
    status: 409,
    meaning: 'No live separate consent (PIPL art. 23) for sharing with this funder.',
  },
} as const satisfies ErrorSpecs;

export type IdentityErrorCode = keyof typeof identityErrors;

/**
 * What identity may throw: its own codes, the shared ones, and catalog's for a consent naming an
 * unknown funder.
 */
export type IdentityThrownCode =
  | IdentityErrorCode
  | CommonErrorCode
  | Extract<CatalogErrorCode, 'funder_not_found'>;

export const { DomainError, unwrap } = typedErrors<IdentityThrownCode>();

// Routing's error codes (STYLE §2): offers, choice, signed callbacks, configuration. The HTTP
// catalog (src/http/error-catalog.ts) lists them with every other module's.
import type { CatalogErrorCode } from '../catalog/errors.ts';
import type { IdentityErrorCode } from '../identity/errors.ts';
import type { IntakeErrorCode } from '../intake/errors.ts';
import type { PricingErrorCode } from '../pricing/errors.ts';
import { type CommonErrorCode, type ErrorSpecs, typedErrors } from '../kernel/index.ts';

export const routingErrors = {
  product_not_offered: {
    status: 409,
    meaning: 'The product was not among the offers made for this application.',
  },
  choice_not_allowed: {
    status: 409,
    meaning: 'The application is not waiting for a choice (already sent, decided, or closed).',
  },
  signature_invalid: {
    status: 401,
    meaning: 'The Shoujia-Signature header is missing, malformed or does not match the body.',
  },
  signature_expired: {
    status: 401,
    meaning: 'The signature timestamp is outside the 5-minute replay window.',
  },
  signature_replayed: { status: 409, meaning: 'This exact signed callback was received before.' },
  decision_already_recorded: {
    status: 409,
    meaning: 'A decision for this application and funder is already recorded.',
  },
  routing_config_invalid: {
    status: 400,
    meaning:
      'The routing configuration is inconsistent (bands out of order, a budget for an unknown band, …); `field` names it.',
  },
  routing_not_found: { status: 404, meaning: 'The application has not been routed yet.' },
} as const satisfies ErrorSpecs;

export type RoutingErrorCode = keyof typeof routingErrors;

/**
 * What routing may throw: its own codes, the shared ones, pricing's (offers and bookings are priced
 * and capped there) and the other modules' codes for what it looks up in them.
 */
export type RoutingThrownCode =
  | RoutingErrorCode
  | CommonErrorCode
  | PricingErrorCode
  | Extract<CatalogErrorCode, 'funder_not_found'>
  | Extract<IdentityErrorCode, 'consent_missing'>
  | Extract<IntakeErrorCode, 'application_not_found'>;

export const { DomainError, unwrap } = typedErrors<RoutingThrownCode>();

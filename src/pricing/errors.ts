// Pricing's error codes (STYLE §2). The pure core returns them as Result values; services throw them.
import type { CatalogErrorCode } from '../catalog/errors.ts';
import { type CommonErrorCode, type ErrorSpec, typedErrors } from '../kernel/index.ts';
import type { PricingErrorCode } from './model.ts';

export const pricingErrors = {
  quote_invalid: {
    status: 400,
    meaning: 'An amount, term, rate, method, fee or cap is out of range; `field` names it.',
  },
  cap_invalid: {
    status: 400,
    meaning:
      'A cap setting is out of range (a cap rate not above 0, a basis other than nominal/effective, a default penalty rate outside 0..24%); `field` names it.',
  },
  cap_above_legal_maximum: {
    status: 400,
    meaning:
      'A cap above the legal 24% a year (on either basis) was asked for; a cap may only be lowered (ADR 0065). Nothing is stored.',
  },
  cap_above_configured: {
    status: 400,
    meaning:
      'A quote asked for a cap looser than the routing configuration’s; a request may only lower it. details.configured names the cap in force.',
  },
  fees_exceed_principal: {
    status: 400,
    meaning: 'Upfront fees leave nothing to disburse, so no annual cost exists.',
  },
  apr_unsolvable: {
    status: 422,
    meaning:
      'The cash flows have no annual cost within the solver’s range (a period rate above 10^15); a quote within MAX_FEN cannot reach it.',
  },
  apr_exceeds_cap: {
    status: 422,
    meaning: 'The comprehensive annual cost is above the cap; details carry both figures.',
  },
  judicial_ceiling_exceeded: {
    status: 422,
    meaning:
      'Annual cost plus the contract’s maximum penalty interest is above the judicial 24% ceiling; details carry the figures.',
  },
} as const satisfies Record<PricingErrorCode, ErrorSpec>;

// The core's union (model.ts, in order of precedence) is the list's type: the `satisfies` above
// refuses a code on one side only.
export type { PricingErrorCode };

/**
 * What pricing may throw: its own codes, the shared ones, and catalog's for the funders and
 * products it vets.
 */
export type PricingThrownCode =
  | PricingErrorCode
  | CommonErrorCode
  | Extract<CatalogErrorCode, 'funder_not_found' | 'product_invalid'>;

export const { DomainError, unwrap } = typedErrors<PricingThrownCode>();

// Catalog's error codes (STYLE §2): funders, products and contracts. The HTTP catalog
// (src/http/error-catalog.ts) lists them with every other module's.
import { type CommonErrorCode, type ErrorSpecs, typedErrors } from '../kernel/index.ts';

export const catalogErrors = {
  funder_not_found: { status: 404, meaning: 'No such funder (or not visible to this key).' },
  funder_exists: { status: 409, meaning: 'A funder with this id exists already.' },
  funder_webhook_invalid: {
    status: 400,
    meaning: 'A webhook needs both its URL and its secret (or both null to remove it).',
  },
  product_not_found: { status: 404, meaning: 'No such product.' },
  product_invalid: {
    status: 400,
    meaning: 'The product’s ranges are inconsistent (min above max, empty terms, …).',
  },
  region_prefix_invalid: {
    status: 400,
    meaning: 'A licensed region must be a 2-, 4- or 6-digit GB/T 2260 prefix, or "*" alone.',
  },
  funder_terminated: {
    status: 409,
    meaning:
      'A termination is in force for the funder (settlement): only its recorded lift reactivates the funder.',
  },
  contract_invalid: { status: 400, meaning: 'The contract terms are inconsistent.' },
  contract_alters_issued_statement: {
    status: 409,
    meaning:
      'The contract would take effect inside a month whose statement is already issued: issued statements never change (settle a correction as an adjustment instead).',
  },
} as const satisfies ErrorSpecs;

export type CatalogErrorCode = keyof typeof catalogErrors;

/** What catalog may throw: its own codes and the shared ones. */
export type CatalogThrownCode = CatalogErrorCode | CommonErrorCode;

export const { DomainError, unwrap } = typedErrors<CatalogThrownCode>();

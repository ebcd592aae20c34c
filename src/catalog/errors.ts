import { defineErrors } from '../kernel/index.ts';

export const catalogErrors = defineErrors('catalog', {
  funder_not_found: { status: 404, meaning: 'No such funder (or not visible to this key).' },
  funder_exists: { status: 409, meaning: 'A funder with this id exists already.' },
  product_not_found: { status: 404, meaning: 'No such product.' },
  product_invalid: {
    status: 400,
    meaning: 'The product’s ranges are inconsistent (min above max, empty terms, …).',
  },
  region_prefix_invalid: {
    status: 400,
    meaning: 'A licensed region must be a 2-, 4- or 6-digit GB/T 2260 prefix, or "*" alone.',
  },
  contract_invalid: { status: 400, meaning: 'The contract terms are inconsistent.' },
});

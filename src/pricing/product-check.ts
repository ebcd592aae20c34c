// Product vetting: a product whose cheapest configuration already costs more than the cap can never
// make a lawful offer, so it may not be created.
import type { FeeLine, RepaymentMethod } from '../catalog/model.ts';
import { type Result, assert, err, ok } from '../kernel/index.ts';
import { boundCap, costOn, DEFAULT_CAP, withinCap } from './cap.ts';
import { percent } from './format.ts';
import type { Apr, Cap, PricingErrorCode } from './model.ts';
import { quote } from './quote.ts';

/** What pricing needs of a product (both catalog's Product and ProductInput fit). */
export interface PricedProduct {
  minAmountFen: number;
  maxAmountFen: number;
  termsMonths: readonly number[];
  rateAnnualMin: number;
  methods: readonly RepaymentMethod[];
  fees?: readonly FeeLine[];
}

export interface CheapestConfiguration {
  principalFen: number;
  termMonths: number;
  rateAnnual: number;
  method: RepaymentMethod;
  apr: Apr;
}

/** Catalog limits products to 36 terms and 4 methods; we price 2 amounts × these. */
const CONFIGURATIONS_MAX = 2 * 36 * 4;

/**
 * The configuration with the lowest cost on `basis`: the lowest rate, over every term and method,
 * at the smallest and largest amount. Fixed-fen fees weigh less on a larger loan and rate-based fees
 * weigh the same, so apart from a fen of rounding the cost is monotone in the amount and the two
 * ends of the range contain the cheapest. Configurations that cannot be priced (a one-off fee after
 * a short term, upfront fees above a small amount) are skipped; none left is an error.
 */
export function cheapestApr(
  product: PricedProduct,
  basis: Cap['basis'] = DEFAULT_CAP.basis,
): Result<CheapestConfiguration, PricingErrorCode> {
  assert(
    product.termsMonths.length * product.methods.length * 2 <= CONFIGURATIONS_MAX,
    'product within catalog limits',
  );
  const fees = product.fees ?? [];
  const amounts =
    product.minAmountFen === product.maxAmountFen
      ? [product.minAmountFen]
      : [product.minAmountFen, product.maxAmountFen];
  let best: CheapestConfiguration | null = null;
  let firstError: Result<never, PricingErrorCode> | null = null;
  for (const principalFen of amounts) {
    for (const termMonths of product.termsMonths) {
      for (const method of product.methods) {
        const priced = quote(
          { principalFen, termMonths, rateAnnual: product.rateAnnualMin, method, fees },
          { schedule: false },
        );
        if (!priced.ok) {
          firstError ??= priced;
          continue;
        }
        if (best === null || costOn(priced.value.apr, basis) < costOn(best.apr, basis)) {
          best = {
            principalFen,
            termMonths,
            rateAnnual: product.rateAnnualMin,
            method,
            apr: priced.value.apr,
          };
        }
      }
    }
  }
  if (best) return ok(best);
  assert(firstError, 'a product has at least one configuration');
  return firstError;
}

/** Refuse a product whose cheapest configuration is above the cap (`apr_exceeds_cap`, both figures). */
export function checkProductCap(
  product: PricedProduct,
  cap: Cap = DEFAULT_CAP,
): Result<CheapestConfiguration, PricingErrorCode> {
  const bounded = boundCap(cap);
  const cheapest = cheapestApr(product, bounded.basis);
  if (!cheapest.ok) return cheapest;
  if (withinCap(cheapest.value.apr, bounded)) return cheapest;
  const cost = costOn(cheapest.value.apr, bounded.basis);
  const c = cheapest.value;
  return err(
    'apr_exceeds_cap',
    `even the cheapest configuration (${c.principalFen} fen, ${c.termMonths} months, ${c.method}, rate ${c.rateAnnual}) costs ${percent(cost)} a year (${bounded.basis}), above the cap of ${percent(bounded.rate)}`,
    'rateAnnualMin',
    { apr: cost, cap: bounded.rate, basis: bounded.basis, cheapest: c },
  );
}

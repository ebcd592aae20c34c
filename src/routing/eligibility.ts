// Eligibility rules, checked in the precedence order of INELIGIBILITY_CODES so an explanation always
// names the first rule that failed. Funder-level facts (here) are computed once per decision, for the
// funders it needs; the product-level ones (region, age, amount, term, score) are bitsets compiled
// once per table (eligibility-masks.ts), with decide()'s loop over flat columns for odd inputs.
import type { Fen } from '../kernel/index.ts';
import {
  type FunderState,
  INELIGIBILITY_CODES,
  type IneligibilityCode,
  type RoutingConfig,
  type RoutingFunder,
} from './model.ts';

/**
 * Outcome codes as numbers, derived from INELIGIBILITY_CODES (model.ts), the one list: 0 is
 * eligible, code i is 1 + its index there. Stored outcome strings (decide.ts encodeOutcomes) hold
 * these numbers, so codes are only ever appended to that list (never reordered or removed).
 */
export const OUTCOME: { readonly eligible: 0 } & { readonly [Code in IneligibilityCode]: number } =
  Object.freeze({
    eligible: 0 as const,
    ...(Object.fromEntries(INELIGIBILITY_CODES.map((code, index) => [code, index + 1])) as Record<
      IneligibilityCode,
      number
    >),
  });

export const NATIONWIDE = '*';

/** Licensed regions as a prefix set: GB/T 2260 prefixes of 2, 4 or 6 digits, or '*' for nationwide. */
export function compileRegions(licensedRegions: readonly string[]): {
  nationwide: boolean;
  prefixes: ReadonlySet<string>;
} {
  return { nationwide: licensedRegions.includes(NATIONWIDE), prefixes: new Set(licensedRegions) };
}

export function regionLicensed(
  regions: { nationwide: boolean; prefixes: ReadonlySet<string> },
  regionCode: string,
  province = regionCode.slice(0, 2),
  prefecture = regionCode.slice(0, 4),
): boolean {
  if (regions.nationwide) return true;
  const p = regions.prefixes;
  return p.has(province) || p.has(prefecture) || p.has(regionCode);
}

/** A funder's monthly amount quota: null = no quota. The request must fit in what is left. */
export function capacityLeft(
  funder: Pick<RoutingFunder, 'monthlyQuotaFen'>,
  state: FunderState | undefined,
  amountFen: Fen,
): boolean {
  if (funder.monthlyQuotaFen === null) return true;
  return (state?.monthlyUsedFen ?? 0) + amountFen <= funder.monthlyQuotaFen;
}

/**
 * The monthly exposure budget for a top band, scaled by trust: floor(budget × trust). A band
 * without a budget is not a top band and is never limited (returns Infinity).
 */
export function exposureBudget(
  config: RoutingConfig['rotation'],
  funderId: string,
  band: string,
  trust: number,
): number {
  const base = config.budgetOverrides?.[funderId]?.[band] ?? config.exposureBudgetPerMonth[band];
  if (base === undefined) return Number.POSITIVE_INFINITY;
  const clampedTrust = Math.max(0, Math.min(1, trust));
  return Math.floor(base * clampedTrust);
}

export function exposureLeft(
  config: RoutingConfig['rotation'],
  funderId: string,
  band: string,
  state: FunderState | undefined,
): boolean {
  const budget = exposureBudget(config, funderId, band, state?.trust ?? 1);
  if (budget === Number.POSITIVE_INFINITY) return true;
  return (state?.exposureUsedByBand[band] ?? 0) < budget;
}

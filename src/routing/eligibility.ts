// Eligibility rules, checked in the precedence order of INELIGIBILITY_CODES so an explanation always
// names the first rule that failed. Funder-level facts (here) are computed once per decision, for the
// funders it needs; the product-level ones (region, age, amount, term, score) are bitsets compiled
// once per table (eligibility-masks.ts), with decide()'s loop over flat columns for odd inputs.
import { assert, type Fen } from '../kernel/index.ts';
import {
  type FunderState,
  type RoutingDecision,
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
 * The most applications of `band` a funder may be shared this month (ADR 0073): the lower of its
 * share of its own flow and the optional absolute cap, both scaled by trust (clamped to [0, 1]).
 *
 *   share part = floor(share × trust × flow) + burst   (flow counts the application being decided)
 *              = Infinity when share × trust ≥ 1 (a share of 1 at trust 1 is no budget)
 *              = 0 when share × trust is 0 (trust 0 is a deliberate exclusion: no burst either)
 *   cap part   = floor(cap × trust), cap from budgetOverrides[funder][band] ?? exposureBudgetPerMonth[band]
 *
 * `flow` undefined (a caller that does not count flow) leaves only the cap, and trust 0 still
 * excludes. Infinity: no limit.
 */
export function exposureAllowance(
  config: RoutingConfig['rotation'],
  funderId: string,
  band: string,
  trust: number,
  flow: number | undefined,
): number {
  const clampedTrust = trust > 0 ? Math.min(trust, 1) : 0; // NaN: 0
  const scaled = (config.exposureShareByBand[band] ?? 1) * clampedTrust;
  // Nothing at share × trust 0, whether or not the caller counts flow: a deliberate exclusion.
  if (!(scaled > 0)) return 0;
  let allowance = Number.POSITIVE_INFINITY;
  // The epsilon keeps 0.29 × 100 (28.999…96 in binary) at 29.
  if (flow !== undefined && scaled < 1) allowance = Math.floor(scaled * flow + 1e-9) + config.exposureBurst;
  const cap = config.budgetOverrides?.[funderId]?.[band] ?? config.exposureBudgetPerMonth?.[band];
  if (cap !== undefined) allowance = Math.min(allowance, Math.floor(cap * clampedTrust));
  return allowance;
}

/**
 * Whether the funder may be shared one more application of `band`. `uncounted` is how many of the
 * applications being checked are not yet in state.flowByBand: 1 when deciding (decide() reports the
 * flow, the caller records it after), 0 at dispatch of an application counted this month.
 */
export function exposureLeft(
  config: RoutingConfig['rotation'],
  funderId: string,
  band: string,
  state: FunderState | undefined,
  uncounted: 0 | 1,
): boolean {
  const flowByBand = state ? state.flowByBand : undefined;
  const flow =
    state === undefined
      ? uncounted
      : flowByBand === undefined
        ? undefined
        : (flowByBand[band] ?? 0) + uncounted;
  const allowance = exposureAllowance(config, funderId, band, state?.trust ?? 1, flow);
  if (allowance === Number.POSITIVE_INFINITY) return true;
  return (state?.exposureUsedByBand[band] ?? 0) < allowance;
}

/**
 * A caller's bookkeeping after a decision (the simulator's; the service counts through its
 * FlowCounter): one more application of the decision's band in the flow of each funder it names.
 * Every such funder must have a state; one without flowByBand starts counting at this decision.
 */
export function recordFlow(
  funderStates: ReadonlyMap<string, { flowByBand?: Record<string, number> | undefined }>,
  decision: Pick<RoutingDecision, 'band' | 'flowFunderIds'>,
): void {
  const band = decision.band;
  for (const funderId of decision.flowFunderIds) {
    const state = funderStates.get(funderId);
    assert(state, `recordFlow: funder ${funderId} has no state to count its flow in`);
    state.flowByBand ??= {};
    state.flowByBand[band] = (state.flowByBand[band] ?? 0) + 1;
  }
}

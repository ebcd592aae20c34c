// The canary program's allocation planner (金丝雀 / 神秘客户, issue 14 item 1): which single funder
// each mystery-shopper application is shown to. Pure: production's canary service and the market
// simulator call the same function, so what the benchmark measures is what the platform runs.
//
// What the direct-marketing trade's seed addresses teach, and how the planner follows it:
// - a seed must look like the records it hides among: a canary is placed only with a funder for
//   which it passes every exclusion a careful poacher applies (a good band, a region the funder is
//   licensed in — both the ID card's and the phone number's province — and an employer that is
//   neither the platform nor a partner), so no exclusion filters it out;
// - a seed goes to exactly one recipient: a canary is dedicated to the first funder it is placed
//   with and only ever shown to that one again (a repeat application, as a real repeat customer
//   would make), so a contact at its contact point names one funder (attributeCanaryContact);
// - seeds follow suspicion: funders whose score detection has raised get proportionally more of
//   them (weight × (1 + suspicionBoost × suspicion)), without starving the others, since a careful
//   poacher is exactly the one the statistics do not flag.
import { assert } from '../kernel/index.ts';

export interface CanaryProfile {
  canaryId: string;
  /** the band routing gives this application (A, B, …) */
  band: string;
  /** the province of the ID card (two-digit GB/T 2260 code) */
  region: string;
  /** the province of the phone number, when known; a strict poacher checks both */
  phoneRegion?: string | undefined;
  /** the platform's or a partner's staff: such a canary passes no careful poacher's exclusion */
  employerIsPlatformOrPartner: boolean;
  /** the funder this canary was placed with before: it is only ever shown to that one */
  dedicatedTo?: string | undefined;
}

export interface CanaryFunderTarget {
  funderId: string;
  /** provinces the funder may lend in; '*' is everywhere */
  licensedRegions: readonly string[];
  /** the bands a poacher would take (the good ones); a canary outside them is not shown to this funder */
  goodBands: readonly string[];
  /** how much of the platform's flow the funder sees (e.g. its dispatches last month), > 0 */
  flowWeight: number;
  /** detection's suspicion of the funder, 0 (none) … 1 (suspect) */
  suspicion: number;
}

export interface CanaryPlanInput {
  canaries: readonly CanaryProfile[];
  funders: readonly CanaryFunderTarget[];
  /** what is left of this month's canary budget, fen */
  budgetFen: number;
  /** what one placement costs (expected reimbursed interest, fees), fen */
  costPerPlacementFen: number;
  /** seeded, uniform in [0, 1) */
  random: () => number;
  /** how much more weight full suspicion gives a funder; default DEFAULT_SUSPICION_BOOST */
  suspicionBoost?: number;
}

export interface CanaryPlacement {
  canaryId: string;
  funderId: string;
  costFen: number;
}

export type UnplacedReason =
  | 'budget-exhausted'
  | 'no-eligible-funder'
  | 'dedicated-funder-unavailable'
  | 'staff-profile';

export interface CanaryPlan {
  placements: CanaryPlacement[];
  unplaced: Array<{ canaryId: string; reason: UnplacedReason }>;
}

/**
 * Full suspicion makes a funder four times as likely to receive a canary as an unflagged funder of
 * the same flow: enough to concentrate seeds where the statistics point, while three quarters of
 * an unflagged market's seeds still go to funders the statistics cannot see (ADR 0075).
 */
export const DEFAULT_SUSPICION_BOOST = 3;

/**
 * Suspicion the planner reads from a funder's detection level: a `watch` funder gets half the
 * boost, a `suspect` one all of it. A `confirmed` funder is excluded from routing (trust 0), so no
 * application, canary or not, reaches it.
 */
export const SUSPICION_BY_LEVEL = { none: 0, watch: 0.5, suspect: 1, confirmed: 1 } as const;

/** Whether a canary passes every exclusion a careful poacher in this funder's position would apply. */
export function canaryFits(canary: CanaryProfile, funder: CanaryFunderTarget): boolean {
  if (canary.employerIsPlatformOrPartner) return false;
  if (!funder.goodBands.includes(canary.band)) return false;
  const everywhere = funder.licensedRegions.includes('*');
  if (!everywhere && !funder.licensedRegions.includes(canary.region)) return false;
  if (!everywhere && canary.phoneRegion !== undefined && !funder.licensedRegions.includes(canary.phoneRegion))
    return false;
  return true;
}

/**
 * Place each canary with one funder, in the order given, until the budget runs out. A canary with
 * a dedicated funder goes there or nowhere; a new one goes to a funder it fits, drawn with weight
 * flowWeight × (1 + boost × suspicion).
 */
export function planCanaries(input: CanaryPlanInput): CanaryPlan {
  const boost = input.suspicionBoost ?? DEFAULT_SUSPICION_BOOST;
  assert(Number.isFinite(boost) && boost >= 0, 'suspicionBoost must be a finite number ≥ 0');
  assert(Number.isSafeInteger(input.budgetFen), 'budgetFen must be integer fen');
  assert(
    Number.isSafeInteger(input.costPerPlacementFen) && input.costPerPlacementFen >= 0,
    'costPerPlacementFen must be integer fen ≥ 0',
  );
  for (const f of input.funders) {
    assert(Number.isFinite(f.flowWeight) && f.flowWeight > 0, `flowWeight of ${f.funderId} must be > 0`);
    assert(f.suspicion >= 0 && f.suspicion <= 1, `suspicion of ${f.funderId} must be in [0, 1]`);
  }
  const byId = new Map(input.funders.map((f) => [f.funderId, f]));
  const placements: CanaryPlacement[] = [];
  const unplaced: CanaryPlan['unplaced'] = [];
  let budget = input.budgetFen;
  const weights = new Float64Array(input.funders.length);
  for (const canary of input.canaries) {
    if (canary.employerIsPlatformOrPartner) {
      unplaced.push({ canaryId: canary.canaryId, reason: 'staff-profile' });
      continue;
    }
    let chosen: CanaryFunderTarget | undefined;
    if (canary.dedicatedTo !== undefined) {
      const funder = byId.get(canary.dedicatedTo);
      if (funder === undefined || !canaryFits(canary, funder)) {
        unplaced.push({ canaryId: canary.canaryId, reason: 'dedicated-funder-unavailable' });
        continue;
      }
      chosen = funder;
    } else {
      let total = 0;
      input.funders.forEach((f, i) => {
        const w = canaryFits(canary, f) ? f.flowWeight * (1 + boost * f.suspicion) : 0;
        weights[i] = w;
        total += w;
      });
      if (total === 0) {
        unplaced.push({ canaryId: canary.canaryId, reason: 'no-eligible-funder' });
        continue;
      }
      let u = input.random() * total;
      for (let i = 0; i < input.funders.length; i++) {
        const w = weights[i]!;
        if (w === 0) continue;
        chosen = input.funders[i];
        u -= w;
        if (u < 0) break;
      }
    }
    if (budget < input.costPerPlacementFen) {
      unplaced.push({ canaryId: canary.canaryId, reason: 'budget-exhausted' });
      continue;
    }
    budget -= input.costPerPlacementFen;
    placements.push({
      canaryId: canary.canaryId,
      funderId: chosen!.funderId,
      costFen: input.costPerPlacementFen,
    });
  }
  return { placements, unplaced };
}

/**
 * Who a contact at a canary's contact point is attributable to: the one funder the canary was shown
 * to. Shown to none (the number leaked some other way) or to several (a planning error, or a
 * canary recruited from real customers), it proves nothing alone.
 */
export function attributeCanaryContact(
  exposedTo: readonly string[],
):
  | { funderId: string; attributable: true }
  | { attributable: false; reason: 'never-exposed' | 'exposed-to-several' } {
  const distinct = new Set(exposedTo);
  if (distinct.size === 0) return { attributable: false, reason: 'never-exposed' };
  if (distinct.size > 1) return { attributable: false, reason: 'exposed-to-several' };
  const [funderId] = distinct;
  return { funderId: funderId!, attributable: true };
}

// What a poaching funder decides, as pure functions of what it can see: whom it targets (its three
// exclusions), whether its throttle lets it take one more customer this month, how it reaches a
// person, and how likely the person is to take its direct offer.
import type { SeededRandom } from '../kernel/index.ts';
import type { ContactChannel, CustomerParams, PoacherOffer, PoacherStrategy } from './model.ts';
import { EMPLOYER_ORDINARY, type Population, RISK_FLAGS } from './population.ts';

/**
 * True when the poacher's exclusions let it approach this customer. A canary passes every
 * exclusion by construction (ordinary employer, no risk flags, phone in the ID province, and routed
 * only inside the funder's licence).
 */
export function isTargeted(
  strategy: PoacherStrategy,
  population: Population,
  customer: number,
  directProvinces: Uint8Array | null,
  random: SeededRandom,
): boolean {
  const { personnel, risk, region } = strategy.exclusions;
  // Personnel: the platform's own staff and the partners' staff on the list the platform shared. The
  // list and the employer on file go stale: the exclusion misses personnelMissShare of them.
  if (
    personnel &&
    population.employer[customer] !== EMPLOYER_ORDINARY &&
    !random.chance(strategy.personnelMissShare)
  )
    return false;
  // Risk: overdue, multi-lender (多头借贷) or high debt: not worth the exposure.
  if (risk && (population.flags[customer]! & RISK_FLAGS) !== 0) return false;
  // Region, the strict practice: both the ID card's and the phone number's province must be licensed.
  if (region && directProvinces !== null) {
    if (directProvinces[population.province[customer]!] === 0) return false;
    if (directProvinces[population.phoneProvince[customer]!] === 0) return false;
  }
  return true;
}

/** Per-province mask of the poacher's direct-lending licence, or null for everywhere. */
export function directProvinceMask(
  strategy: PoacherStrategy,
  provinces: readonly string[],
): Uint8Array | null {
  if (strategy.directRegions.includes('*')) return null;
  const mask = new Uint8Array(provinces.length);
  provinces.forEach((p, i) => {
    if (strategy.directRegions.includes(p)) mask[i] = 1;
  });
  return mask;
}

/**
 * The throttle: customers poached this calendar month stay within maxMonthlyShare of the applicants
 * it approved through the platform this month that passed its exclusions (the pool it poaches
 * from), so the platform's pass rate and confirm rate barely move.
 */
export function throttleAllows(
  strategy: PoacherStrategy,
  poachedThisMonth: number,
  targetedApprovalsThisMonth: number,
): boolean {
  if (strategy.maxMonthlyShare === null) return true;
  return poachedThisMonth + 1 <= strategy.maxMonthlyShare * targetedApprovalsThisMonth;
}

/**
 * How the poacher reaches a person, trying its contact sources in order: the number it already
 * holds (own-data: the person is in its own base, found by the name and ID number the application
 * share carries), a number bought from a broker, or the relay point. Without relay contacts the
 * application share carried the real number, so it simply calls it. null: it could not reach them.
 */
export function reachChannel(
  strategy: PoacherStrategy,
  ownDataShare: number,
  relayContacts: boolean,
  random: SeededRandom,
): ContactChannel | null {
  if (!relayContacts) return 'real-number';
  for (const source of strategy.contactSources) {
    if (source === 'relay') return 'relay';
    if (source === 'own-data' ? random.chance(ownDataShare) : random.chance(strategy.brokerSuccess))
      return 'real-number';
  }
  return null;
}

/**
 * Probability a real customer takes the direct offer: a base for the situation (at the confirm step,
 * or dormant) plus what the offer adds: rate points cut, limit uplift, coupon. Clamped to [0, 1].
 */
export function acceptanceProbability(
  base: number,
  offer: PoacherOffer,
  rateCutPoints: number,
  params: CustomerParams,
): number {
  const p =
    base +
    params.acceptPerRatePoint * rateCutPoints +
    params.acceptPerLimitUplift * offer.limitUplift +
    params.acceptPerCoupon100Yuan * (offer.couponFen / 10_000);
  return Math.max(0, Math.min(1, p));
}

/** Days from `fromDay` to the reawakening contact: a campaign month is 30 days; each month the customer is picked with `rate`. */
export function reawakeningDelayDays(rate: number, uniform1: number, uniform2: number): number {
  if (rate <= 0) return Number.POSITIVE_INFINITY;
  // Months until picked: geometric on {0, 1, …} by inversion, then a uniform day within that month.
  // log1p keeps a tiny rate from rounding to log(1) = 0; a delay past any horizon is Infinity.
  const months = rate >= 1 ? 0 : Math.floor(Math.log1p(-uniform1) / Math.log1p(-rate));
  if (!Number.isFinite(months) || months < 0 || months > 1e6) return Number.POSITIVE_INFINITY;
  return months * 30 + Math.floor(uniform2 * 30);
}

// The legal cost cap, in one place: the 24% line no configuration can raise, the configured cap
// (lower only), and the judicial check with the contract's penalty interest or the platform default.
// Routing eligibility, offers, bookings, product vetting, quotes and PUT /v1/routing/config all call
// these functions (ADR 0065); nothing else compares a cost with a cap.
import { type Result, err, ok } from '../kernel/index.ts';
import { percent } from './format.ts';
import type { Apr, Cap, CapBasis, CapCheck, PricingErrorCode, Quote } from './model.ts';

/**
 * The legal line: interest + fees + penalty interest above 24% a year may be cut by the courts
 * (最高人民法院 2017《关于进一步加强金融审判工作的若干意见》(法发〔2017〕22号) art. 2), and 金规〔2025〕9号
 * art. 6 (as reported) holds 助贷 loans' comprehensive financing cost to it (domain-facts:
 * Regulation). It is a simple annual rate, i.e. the nominal figure (period IRR × 12). Not
 * configurable: a configured cap may only be lower.
 */
export const LEGAL_CAP_ANNUAL = 0.24;

/**
 * Float noise allowed when comparing a cost with a cap: a loan priced at exactly the cap solves to
 * 0.24 ± 1e-16, which must pass. Anything a fen of rounding adds is far above this and counts (1e-9
 * a year on ¥10,000,000 is 1 fen a year).
 */
export const CAP_TOLERANCE = 1e-9;

/**
 * Penalty interest assumed for the judicial check when a funder has no contract in force (the
 * contract's `maxPenaltyRateAnnual` otherwise). PBOC 银发〔2003〕251号 art. 3 sets overdue penalty
 * interest at the contract rate plus 30%–50%. A flat surcharge d is never more lenient than the top
 * of that band for any loan that can pass the check (rate x with x + d ≤ 24% needs d ≥ 0.5·x, so
 * d ≥ 0.5·(24% − d)) when d ≥ 8%: contract-less offers stay at or below 16% nominal. Configurable
 * (routing config `pricing.defaultPenaltyRateAnnual`, within 0..LEGAL_CAP_ANNUAL).
 */
export const DEFAULT_PENALTY_RATE_ANNUAL = 0.08;

/** The cap settings in force: the routing configuration's, bounded by the legal line. */
export interface CapPolicy {
  cap: Cap;
  /** penalty interest for the judicial check when a funder has no contract in force */
  defaultPenaltyRateAnnual: number;
}

export const DEFAULT_CAP: Cap = { rate: LEGAL_CAP_ANNUAL, basis: 'nominal' };
export const DEFAULT_CAP_POLICY: CapPolicy = {
  cap: DEFAULT_CAP,
  defaultPenaltyRateAnnual: DEFAULT_PENALTY_RATE_ANNUAL,
};

/** The routing configuration's `pricing` section, as far as the cap is concerned. */
export interface CapSettings {
  capAnnual: number;
  capBasis: CapBasis;
  defaultPenaltyRateAnnual?: number | undefined;
}

/** A cap setting out of range, or above the legal line. */
export type CapSettingError = Extract<PricingErrorCode, 'cap_above_legal_maximum' | 'cap_invalid'>;
type CapError = CapSettingError | 'cap_above_configured';

const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/** The cost figure a cap applies to. */
export function costOn(apr: Apr, basis: CapBasis): number {
  return basis === 'nominal' ? apr.nominal : apr.effective;
}

/**
 * A cap rate someone asks for (configuration, quote request, CLI): positive, and not above the legal
 * line on either basis. The effective figure is never below the nominal one for a cost ≥ 0, so a
 * 24% effective cap is the stricter of the two and both keep every offer within 24% nominal.
 */
export function checkCapRate(
  rate: unknown,
  basis: unknown,
  fields: { rate: string; basis: string },
): Result<Cap, CapSettingError> {
  const field = fields.rate;
  if (basis !== 'nominal' && basis !== 'effective')
    return err('cap_invalid', 'cap basis must be nominal or effective', fields.basis);
  if (!isFiniteNumber(rate) || rate <= 0)
    return err('cap_invalid', 'a cap rate must be a number above 0', field);
  if (rate > LEGAL_CAP_ANNUAL) {
    return err(
      'cap_above_legal_maximum',
      `a cap of ${percent(rate)} (${basis}) is above the legal ${percent(LEGAL_CAP_ANNUAL)} a year; a cap may only be lowered`,
      field,
      { cap: rate, basis, legalCap: LEGAL_CAP_ANNUAL },
    );
  }
  return ok({ rate, basis });
}

const QUOTE_CAP_FIELDS = { rate: 'cap.rate', basis: 'cap.basis' };

/** Validate the routing configuration's cap settings (PUT /v1/routing/config); fields under `prefix`. */
export function checkCapSettings(
  settings: CapSettings,
  prefix = 'pricing',
): Result<CapPolicy, CapSettingError> {
  const cap = checkCapRate(settings.capAnnual, settings.capBasis, {
    rate: `${prefix}.capAnnual`,
    basis: `${prefix}.capBasis`,
  });
  if (!cap.ok) return cap;
  const penalty = settings.defaultPenaltyRateAnnual ?? DEFAULT_PENALTY_RATE_ANNUAL;
  if (!isFiniteNumber(penalty) || penalty < 0 || penalty > LEGAL_CAP_ANNUAL) {
    return err(
      'cap_invalid',
      `the default penalty rate must be within 0..${LEGAL_CAP_ANNUAL}`,
      `${prefix}.defaultPenaltyRateAnnual`,
    );
  }
  return ok({ cap: cap.value, defaultPenaltyRateAnnual: penalty });
}

/**
 * The policy a configuration puts in force. Configurations are validated when stored, but one stored
 * before the legal line was enforced, or built in memory (simulator, tests), may still ask for more:
 * the legal line wins, so no configuration can lift an offer above it.
 */
export function capPolicyOf(settings: CapSettings): CapPolicy {
  const penalty = settings.defaultPenaltyRateAnnual;
  return {
    cap: boundCap({ rate: settings.capAnnual, basis: settings.capBasis }),
    defaultPenaltyRateAnnual:
      isFiniteNumber(penalty) && penalty >= 0
        ? Math.min(penalty, LEGAL_CAP_ANNUAL)
        : DEFAULT_PENALTY_RATE_ANNUAL,
  };
}

/** A cap no looser than the legal line (a non-finite or non-positive rate means the legal line). */
export function boundCap(cap: Cap): Cap {
  const basis: CapBasis = cap.basis === 'effective' ? 'effective' : 'nominal';
  const rate =
    isFiniteNumber(cap.rate) && cap.rate > 0 ? Math.min(cap.rate, LEGAL_CAP_ANNUAL) : LEGAL_CAP_ANNUAL;
  return rate === cap.rate && basis === cap.basis ? cap : { rate, basis };
}

/** The largest monthly IRR a cap allows: both bases are increasing in the period rate. */
function periodRateLimit(cap: Cap): number {
  return cap.basis === 'nominal' ? cap.rate / 12 : (1 + cap.rate) ** (1 / 12) - 1;
}

/**
 * Does this cost pass the cap? On the cap's basis, and always within the legal line on the nominal
 * figure too, whatever cap a caller hands in.
 */
export function withinCap(apr: Apr, cap: Cap): boolean {
  return (
    costOn(apr, cap.basis) <= cap.rate + CAP_TOLERANCE && apr.nominal <= LEGAL_CAP_ANNUAL + CAP_TOLERANCE
  );
}

export function checkCap(apr: Apr, cap: Cap = DEFAULT_CAP): CapCheck {
  const bounded = boundCap(cap);
  return { cap: bounded.rate, basis: bounded.basis, ok: withinCap(apr, bounded) };
}

/**
 * The cap a quote is checked against: the configured one, or a stricter one the request asks for (a
 * what-if). A looser request is refused, never honoured: the cap may be lowered, not raised.
 */
export function narrowCap(configured: Cap, requested: Cap | undefined): Result<Cap, CapError> {
  if (requested === undefined) return ok(configured);
  const checked = checkCapRate(requested.rate, requested.basis, QUOTE_CAP_FIELDS);
  if (!checked.ok) return checked;
  if (periodRateLimit(checked.value) > periodRateLimit(configured) * (1 + CAP_TOLERANCE)) {
    return err(
      'cap_above_configured',
      `a cap of ${percent(requested.rate)} (${requested.basis}) is looser than the configured ${percent(configured.rate)} (${configured.basis}); a cap may only be lowered`,
      'cap.rate',
      { cap: requested.rate, basis: requested.basis, configured },
    );
  }
  return checked;
}

/** Refuse a quote above its cap: `apr_exceeds_cap` with both figures (the cost and the cap). */
export function enforceCap(priced: Quote): Result<Quote, PricingErrorCode> {
  if (priced.capCheck.ok) return ok(priced);
  const basis = priced.capCheck.basis;
  const cost = costOn(priced.apr, basis);
  return err(
    'apr_exceeds_cap',
    `comprehensive annual cost ${percent(cost)} (${basis}) is above the cap of ${percent(priced.capCheck.cap)}`,
    'rateAnnual',
    { apr: cost, cap: priced.capCheck.cap, basis },
  );
}

export type PenaltySource = 'contract' | 'platform-default' | 'request';

/**
 * The penalty interest the judicial check adds: the contract's in force, or without one the
 * platform default. A request may name a higher rate (a what-if), never a lower one.
 */
export function penaltyInForce(
  policy: CapPolicy,
  contractPenaltyRateAnnual: number | undefined,
  requestedPenaltyRateAnnual?: number,
): { rate: number; source: PenaltySource } {
  const base: { rate: number; source: PenaltySource } =
    contractPenaltyRateAnnual === undefined
      ? { rate: policy.defaultPenaltyRateAnnual, source: 'platform-default' }
      : { rate: contractPenaltyRateAnnual, source: 'contract' };
  if (requestedPenaltyRateAnnual !== undefined && requestedPenaltyRateAnnual > base.rate)
    return { rate: requestedPenaltyRateAnnual, source: 'request' };
  return base;
}

/**
 * The judicial check: the nominal cost plus the maximum penalty interest (罚息) must stay within the
 * legal line, which the courts apply to interest, penalty interest and fees together (法发〔2017〕22号
 * art. 2). The line is fixed: no caller passes its own.
 */
export function checkJudicialCeiling(
  apr: Apr,
  maxPenaltyRateAnnual: number,
): Result<{ total: number; ceiling: number }, PricingErrorCode> {
  const ceiling = LEGAL_CAP_ANNUAL;
  if (!isFiniteNumber(maxPenaltyRateAnnual) || maxPenaltyRateAnnual < 0 || maxPenaltyRateAnnual >= 1)
    return err('quote_invalid', 'penalty rate must be in [0, 1)', 'maxPenaltyRateAnnual');
  const total = apr.nominal + maxPenaltyRateAnnual;
  if (withinJudicialCeiling(apr, maxPenaltyRateAnnual)) return ok({ total, ceiling });
  return err(
    'judicial_ceiling_exceeded',
    `annual cost ${percent(apr.nominal)} plus penalty interest ${percent(maxPenaltyRateAnnual)} is ${percent(total)}, above the judicial ceiling of ${percent(ceiling)}`,
    'maxPenaltyRateAnnual',
    { apr: apr.nominal, penaltyRateAnnual: maxPenaltyRateAnnual, total, ceiling },
  );
}

/**
 * The one test an offer must pass (routing eligibility, offers, bookings): within the policy's cap
 * and, with the funder's contract penalty or the platform default, within the judicial ceiling.
 * Returns the first rule broken, or null.
 */
/**
 * The judicial ceiling as a predicate (the rule checkJudicialCeiling explains): annual cost plus
 * penalty interest within LEGAL_CAP_ANNUAL. Routing asks it for every eligible product of every
 * application, so it builds no message; a penalty outside [0, 1) never passes.
 */
export function withinJudicialCeiling(apr: Apr, maxPenaltyRateAnnual: number): boolean {
  if (!isFiniteNumber(maxPenaltyRateAnnual) || maxPenaltyRateAnnual < 0 || maxPenaltyRateAnnual >= 1)
    return false;
  return apr.nominal + maxPenaltyRateAnnual <= LEGAL_CAP_ANNUAL + CAP_TOLERANCE;
}

export function offerCostRefusal(
  apr: Apr,
  policy: CapPolicy,
  contractPenaltyRateAnnual: number | undefined,
): 'apr_exceeds_cap' | 'judicial_ceiling_exceeded' | null {
  if (!withinCap(apr, policy.cap)) return 'apr_exceeds_cap';
  const penalty = penaltyInForce(policy, contractPenaltyRateAnnual).rate;
  return withinJudicialCeiling(apr, penalty) ? null : 'judicial_ceiling_exceeded';
}

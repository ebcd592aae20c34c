// The pricing module's public API: pure functions other modules (routing, engagement, settlement)
// call directly. Everything here is deterministic and allocation-light.
export {
  boundCap,
  CAP_TOLERANCE,
  type CapPolicy,
  type CapSettings,
  capPolicyOf,
  checkCapRate,
  checkCapSettings,
  DEFAULT_CAP,
  DEFAULT_CAP_POLICY,
  DEFAULT_PENALTY_RATE_ANNUAL,
  LEGAL_CAP_ANNUAL,
  narrowCap,
  offerCostRefusal,
  type PenaltySource,
  penaltyInForce,
  withinCap,
  withinJudicialCeiling,
} from './cap.ts';
export { disclosure, type Disclosure } from './disclosure.ts';
export { MAX_PERIOD_RATE, solvePeriodRate, solvePeriodRateBisection, UNSOLVABLE } from './irr.ts';
export * from './model.ts';
export {
  type CheapestConfiguration,
  checkProductCap,
  cheapestApr,
  type PricedProduct,
} from './product-check.ts';
export {
  aprOf,
  checkCap,
  checkJudicialCeiling,
  costOn,
  enforceCap,
  percent,
  quote,
  validateQuoteInput,
} from './quote.ts';
export { equalInstallmentFen } from './schedule.ts';

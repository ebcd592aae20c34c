// The pricing module's public API: pure functions other modules (routing, engagement, settlement)
// call directly. Everything here is deterministic and allocation-light.
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
  CAP_TOLERANCE,
  checkCap,
  checkJudicialCeiling,
  costOn,
  enforceCap,
  percent,
  quote,
  validateQuoteInput,
} from './quote.ts';
export { equalInstallmentFen } from './schedule.ts';

// The routing core's public surface: pure functions over plain data (no I/O). The simulator and
// the service both use exactly these.
export { DEFAULT_ROUTING_CONFIG } from './defaults.ts';
export {
  catalogSnapshot,
  compileRoutingTable,
  decide,
  decodeOutcomes,
  encodeOutcomes,
  type ExplainContext,
  explainDecision,
  explainOutcomes,
  rateForScore,
  type RoutingTable,
  type SnapshotProduct,
} from './decide.ts';
export {
  capacityLeft,
  exposureAllowance,
  exposureLeft,
  OUTCOME,
  recordFlow,
  regionLicensed,
} from './eligibility.ts';
export * from './model.ts';
export { compareRankKeys, rankingCostAnnual } from './ranking.ts';
export { deferLastFunder, seedOf, tieBreak } from './rotation.ts';
export {
  bandOf,
  classifyEmployer,
  computeScore,
  DEFAULT_BANDS,
  DEFAULT_SCORECARD,
  estimatedInstallmentFen,
} from './scorecard.ts';

// The detection module's public API. For now the pure credit-report cross-check, called by the
// market simulator (issue 13) and, with storage and routes, by issue 14's detection service.
export {
  attributeCanaryContact,
  type CanaryFunderTarget,
  type CanaryPlacement,
  type CanaryPlan,
  type CanaryPlanInput,
  type CanaryProfile,
  canaryFits,
  DEFAULT_SUSPICION_BOOST,
  planCanaries,
  SUSPICION_BY_LEVEL,
  type UnplacedReason,
} from './canaries.ts';
export { DEFAULT_MATCH_TOLERANCES, matchCreditReport, parseCreditReport } from './credit-report.ts';
export { chinaDayOf, dayOf, dayOfIsoDate, daysFromCivil, isoOfDay } from './days.ts';
export {
  type CreditReportErrorCode,
  type DetectionErrorCode,
  type DetectionThrownCode,
  detectionErrors,
  type InstitutionAliasErrorCode,
} from './errors.ts';
export {
  buildInstitutionAliases,
  normaliseInstitutionCode,
  normaliseInstitutionName,
  resolveInstitution,
} from './institutions.ts';
export * from './model.ts';
export * from './cohorts.ts';
export * from './cusum.ts';
export * from './fusion.ts';
export { binomialUpperTail, comparePoissonRates, logGamma, type RateComparison } from './stats.ts';

// The default routing configuration. Every number is a documented, tunable default (ADR 0030), not law.
import { DEFAULT_PENALTY_RATE_ANNUAL, LEGAL_CAP_ANNUAL } from '../pricing/cap.ts';
import type { RoutingConfig } from './model.ts';
import { DEFAULT_BANDS, DEFAULT_SCORECARD } from './scorecard.ts';

export const DEFAULT_ROUTING_CONFIG: RoutingConfig = {
  scorecard: DEFAULT_SCORECARD,
  bands: DEFAULT_BANDS,
  // 最高人民法院 2017 opinion: total cost above 24% a year may be cut (domain-facts: Regulation). The
  // cap may be lowered, never raised; the default penalty applies to funders without a contract.
  pricing: {
    capAnnual: LEGAL_CAP_ANNUAL,
    capBasis: 'nominal',
    defaultPenaltyRateAnnual: DEFAULT_PENALTY_RATE_ANNUAL,
    preferredMethods: ['equal-installment', 'equal-principal', 'interest-first', 'bullet'],
  },
  ranking: { serviceFeeWeight: 0, approvalWeight: 0, maxAdjustmentAnnual: 0.005, defaultApprovalRate: 0.5 },
  rotation: {
    enabled: true,
    sameFunderMarginAnnual: 0.01,
    exposureBudgetPerMonth: { A: 2000, B: 5000 },
  },
};

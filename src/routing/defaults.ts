// The default routing configuration. Every number is a documented, tunable default (ADR 0030), not law.
import { DEFAULT_PENALTY_RATE_ANNUAL, LEGAL_CAP_ANNUAL } from '../pricing/cap.ts';
import type { DetectionLevel } from '../detection/model.ts';
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
    // ADR 0073: a funder may be shared at most half of its band-A flow and 70% of its band-B flow
    // (with rotation and several eligible funders none should hold most of the best customers);
    // lower bands are limited only by trust. One application of burst so a month starts open.
    exposureShareByBand: { A: 0.5, B: 0.7 },
    exposureBurst: 1,
  },
};

/**
 * A configuration as submitted or stored, with the rotation fields added by ADR 0073 filled from the
 * defaults when absent (configurations saved before it have none): the shares and the burst.
 */
export function withRotationDefaults(
  config: Omit<RoutingConfig, 'rotation'> & {
    rotation: Omit<RoutingConfig['rotation'], 'exposureShareByBand' | 'exposureBurst'> &
      Partial<Pick<RoutingConfig['rotation'], 'exposureShareByBand' | 'exposureBurst'>>;
  },
): RoutingConfig {
  const rotation = config.rotation;
  if (rotation.exposureShareByBand !== undefined && rotation.exposureBurst !== undefined)
    return config as RoutingConfig;
  return {
    ...config,
    rotation: {
      ...rotation,
      exposureShareByBand:
        rotation.exposureShareByBand ?? DEFAULT_ROUTING_CONFIG.rotation.exposureShareByBand,
      exposureBurst: rotation.exposureBurst ?? DEFAULT_ROUTING_CONFIG.rotation.exposureBurst,
    },
  };
}

/**
 * The trust a funder's detection level sets (ADR 0076; routing's option `detectionTrust`). Trust
 * scales the funder's budget in every band (ADR 0073), so its share of the best customers shrinks
 * as suspicion grows: `watch` costs a fifth (a statistic moved; most are noise, so the cost to an
 * honest funder stays small), `suspect` leaves under a third (direct evidence or a sustained signal),
 * `confirmed` shuts it out. Tunable; each must be in [0, 1] and none above the level before it.
 */
export const DEFAULT_DETECTION_TRUST: Readonly<Record<DetectionLevel, number>> = Object.freeze({
  none: 1,
  watch: 0.8,
  suspect: 0.3,
  confirmed: 0,
});

// The dashboard's read models (issue 17, ADR 0101): the overview's days and the funders' scorecards.
// Calendar days are Asia/Shanghai (YYYY-MM-DD), money integer fen, rates fractions in [0, 1] or
// null when their denominator is 0.
import type { DetectionLevel } from '../detection/model.ts';

/** The longest range one request reads, in calendar days (both ends included). */
export const RANGE_DAYS_MAX = 366;
/** The range when none is given: the last 30 days, today included. */
export const RANGE_DAYS_DEFAULT = 30;
/** Funders one scorecard request shows at most (a platform has tens). */
export const FUNDERS_MAX = 500;

export interface OverviewDay {
  date: string;
  applications: number;
  approvals: number;
  bookings: number;
  feeIncomeFen: number;
}

export interface Overview {
  days: OverviewDay[];
  totals: Omit<OverviewDay, 'date'>;
}

export interface Rates {
  approvalRate: number | null;
  confirmationRate: number | null;
  abandonmentRate: number | null;
  repeatBorrowingRate: number | null;
}

/** What each rate is counted from, per funder, over the window (ADR 0101 defines each). */
export interface FunderCounts {
  /** application-stage shares (exposure receipts) */
  exposures: number;
  /** the funder's decisions: approvals (a parallel dispatch's superseded one included) and declines */
  approvedDecisions: number;
  declinedDecisions: number;
  /** applications moved to `approved` with this funder, and what they have become since */
  approved: number;
  confirmed: number;
  abandoned: number;
  /** customers whose first platform loan this funder booked in the window, and those who borrowed again */
  firstBorrowers: number;
  repeatBorrowers: number;
}

export interface ScorePoint {
  date: string;
  /** the level's rank: none 0, watch 1, suspect 2, confirmed 3 (detection stores levels, not daily scores) */
  score: number;
  level: DetectionLevel;
}

export interface FunderScorecard extends Rates {
  funderId: string;
  name: string;
  exposures: number;
  peer: Rates;
  level: DetectionLevel;
  trust: number;
  evidenceCount: number;
  scoreTrend: ScorePoint[];
}

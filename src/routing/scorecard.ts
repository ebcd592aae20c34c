// The built-in scorecard: a points table over age, income, the request's debt-to-income, employer
// type and region, used when the application carries no score from the platform's risk system.
// The default points are illustrative placeholders in the usual shape of an application scorecard,
// not a calibrated model [unverified]: a platform replaces them with its own (RoutingConfig.scorecard).
import { assert, type Fen, roundFen } from '../kernel/index.ts';
import type { ApplicantFeatures, EmployerType, ScoreBand, ScorecardConfig } from './model.ts';

export const SCORE_MIN = 0;
export const SCORE_MAX = 1000;

export const DEFAULT_SCORECARD: ScorecardConfig = {
  basePoints: 200,
  agePoints: [
    { min: 18, max: 21, points: 40 },
    { min: 22, max: 25, points: 80 },
    { min: 26, max: 35, points: 140 },
    { min: 36, max: 45, points: 150 },
    { min: 46, max: 55, points: 110 },
    { min: 56, max: 65, points: 60 },
  ],
  incomePoints: [
    { minFen: 3_000_000, points: 200 },
    { minFen: 1_500_000, points: 160 },
    { minFen: 800_000, points: 120 },
    { minFen: 500_000, points: 80 },
    { minFen: 300_000, points: 40 },
  ],
  debtToIncomePoints: [
    { maxRatio: 0.2, points: 200 },
    { maxRatio: 0.35, points: 150 },
    { maxRatio: 0.5, points: 90 },
    { maxRatio: 0.7, points: 40 },
  ],
  debtToIncomeReferenceRateAnnual: 0.12,
  employerPoints: { government: 120, 'state-owned': 100, private: 60, 'self-employed': 30, unknown: 20 },
  regionPoints: { '11': 80, '31': 80, '44': 70, '32': 70, '33': 70 },
  regionDefaultPoints: 60,
};

/** Score bands, from the best down; the top bands carry exposure budgets (rotation.ts). */
export const DEFAULT_BANDS: ScoreBand[] = [
  { band: 'A', minScore: 750 },
  { band: 'B', minScore: 650 },
  { band: 'C', minScore: 550 },
  { band: 'D', minScore: 450 },
  { band: 'E', minScore: 0 },
];

export interface ScoreBreakdown {
  score: number;
  points: {
    base: number;
    age: number;
    income: number;
    debtToIncome: number;
    employer: number;
    region: number;
  };
  /** the request's estimated equal installment over the monthly income */
  debtToIncomeRatio: number;
}

/**
 * The equal-installment payment at the reference rate, an estimate used only for the ratio:
 * P·r / (1 − (1 + r)^−n), rounded once to the fen.
 */
export function estimatedInstallmentFen(amountFen: Fen, termMonths: number, rateAnnual: number): Fen {
  assert(termMonths >= 1, 'term must be at least one month');
  const r = rateAnnual / 12;
  if (r === 0) return roundFen(amountFen / termMonths);
  return roundFen((amountFen * r) / (1 - (1 + r) ** -termMonths));
}

export function computeScore(
  applicant: ApplicantFeatures,
  config: ScorecardConfig = DEFAULT_SCORECARD,
): ScoreBreakdown {
  const age =
    config.agePoints.find((row) => applicant.ageYears >= row.min && applicant.ageYears <= row.max)?.points ??
    0;
  const income = config.incomePoints.find((row) => applicant.monthlyIncomeFen >= row.minFen)?.points ?? 0;
  const installmentFen = estimatedInstallmentFen(
    applicant.amountFen,
    applicant.termMonths,
    config.debtToIncomeReferenceRateAnnual,
  );
  // No stated income means the ratio is unbounded: no debt-to-income points.
  const ratio =
    applicant.monthlyIncomeFen > 0 ? installmentFen / applicant.monthlyIncomeFen : Number.POSITIVE_INFINITY;
  const debtToIncome = config.debtToIncomePoints.find((row) => ratio <= row.maxRatio)?.points ?? 0;
  const employer = config.employerPoints[applicant.employerType] ?? 0;
  const region = regionPointsFor(applicant.regionCode, config);
  const total = config.basePoints + age + income + debtToIncome + employer + region;
  return {
    score: Math.max(SCORE_MIN, Math.min(SCORE_MAX, Math.round(total))),
    points: { base: config.basePoints, age, income, debtToIncome, employer, region },
    debtToIncomeRatio: ratio,
  };
}

function regionPointsFor(regionCode: string, config: ScorecardConfig): number {
  for (const length of [6, 4, 2]) {
    const points = config.regionPoints[regionCode.slice(0, length)];
    if (points !== undefined) return points;
  }
  return config.regionDefaultPoints;
}

export function bandOf(score: number, bands: readonly ScoreBand[] = DEFAULT_BANDS): string {
  for (const band of bands) if (score >= band.minScore) return band.band;
  assert(false, `no band covers score ${score}: the lowest band must start at 0`);
}

// Keyword classification of the employer the borrower typed. 机关事业单位 (government bodies and
// public institutions) first, then central/state-owned enterprises, then self-employment markers.
const GOVERNMENT = [
  '政府',
  '人民法院',
  '检察院',
  '公安',
  '税务',
  '委员会',
  '街道办',
  '机关',
  '事业单位',
  '学校',
  '大学',
  '学院',
  '中学',
  '小学',
  '医院',
  '卫生院',
  '局',
];
const STATE_OWNED = [
  '国家电网',
  '南方电网',
  '中国石油',
  '中国石化',
  '中国移动',
  '中国电信',
  '中国联通',
  '中国铁路',
  '中铁',
  '中建',
  '中交',
  '央企',
  '国企',
  '国有',
  '银行',
];
const SELF_EMPLOYED = ['个体', '自由职业', '自雇', '个人经营', '无固定'];

export function classifyEmployer(employer: string | null | undefined): EmployerType {
  const name = employer?.trim() ?? '';
  if (name === '') return 'unknown';
  if (SELF_EMPLOYED.some((word) => name.includes(word))) return 'self-employed';
  if (STATE_OWNED.some((word) => name.includes(word))) return 'state-owned';
  if (GOVERNMENT.some((word) => name.includes(word))) return 'government';
  return 'private';
}

// Simulation types: the normalised scenario (every default filled in), the evidence stream the
// simulator records, the Detector interface the detection module will implement, and the report.
import type { RepaymentMethod } from '../catalog/model.ts';
import type { Fen } from '../kernel/index.ts';

export const BANDS = ['A', 'B', 'C', 'D', 'E'] as const;
export type Band = (typeof BANDS)[number];

export const EXCLUSION_KINDS = ['personnel', 'risk', 'region'] as const;

export interface CustomerParams {
  count: number;
  scoreMean: number;
  scoreSd: number;
  ageMin: number;
  ageMax: number;
  incomeMedianFen: Fen;
  incomeSigma: number;
  /** province prefix → weight; filled with the census default when absent */
  regionWeights: Record<string, number>;
  migrantShare: number;
  platformEmployeeShare: number;
  partnerEmployeeShare: number;
  multiLenderShare: number;
  overdueShare: number;
  highDebtShare: number;
  amountIncomeMultipleMin: number;
  amountIncomeMultipleMax: number;
  termWeights: Record<string, number>;
  abandonAfterApproval: number;
  earlyPayoffShare: number;
  repeatBorrowShare: number;
  dormancyMeanDays: number;
  reapplyAfterDeclineShare: number;
  reapplyMeanDays: number;
  waterfallDepth: number;
  returnAfterPoachShare: number;
  reportShare: number;
  interceptionAcceptBase: number;
  reawakeningAcceptBase: number;
  acceptPerRatePoint: number;
  acceptPerLimitUplift: number;
  acceptPerCoupon100Yuan: number;
  organicDirectShare: number;
  misattributedReportShare: number;
}

export interface PlatformParams {
  rotation: boolean;
  canaryShare: number;
  relayContacts: boolean;
  creditReportOnReapply: boolean;
  serviceFeeRate: number;
  trustByLevel: Record<AlertLevel, number>;
  /** overrides of routing's rotation settings */
  routing: { sameFunderMarginAnnual?: number; exposureBudgetPerMonth?: Record<string, number> };
}

export interface PoacherOffer {
  limitUplift: number;
  rateCutPointsMin: number;
  rateCutPointsMax: number;
  couponFen: Fen;
}

export interface PoacherStrategy {
  kind: 'poacher';
  startDay: number;
  interceptionRate: number;
  reawakeningRate: number;
  exclusions: { personnel: boolean; risk: boolean; region: boolean };
  /** null: no throttle */
  maxMonthlyShare: number | null;
  contactSource: 'relay' | 'broker';
  brokerSuccess: number;
  /** province prefixes where it may lend directly, or ['*'] */
  directRegions: string[];
  offer: PoacherOffer;
}

export type Strategy = { kind: 'honest' } | PoacherStrategy;

export interface SimProduct {
  id: string;
  minAmountFen: Fen;
  maxAmountFen: Fen;
  termsMonths: number[];
  rateAnnualMin: number;
  rateAnnualMax: number;
  methods: RepaymentMethod[];
  ageMin: number;
  ageMax: number;
  minScore: number;
}

export interface SimFunder {
  id: string;
  type: 'bank' | 'consumer-finance' | 'other';
  licensedRegions: string[];
  rateBase: number;
  minScore: number;
  monthlyQuotaFen: Fen | null;
  serviceFeeRate: number;
  approval: Record<Band, number>;
  products: SimProduct[];
  strategy: Strategy;
}

export interface Scenario {
  seed: number;
  days: number;
  startDate: string;
  customers: CustomerParams;
  platform: PlatformParams;
  funders: SimFunder[];
}

// ---- Evidence: what the platform could observe, recorded faithfully day by day ----

export const ALERT_LEVELS = ['none', 'watch', 'suspect', 'confirmed'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];

/** How a poacher's contact reached the person (ground truth; the evidence carries only what is observable). */
export type ContactVia = 'relay' | 'broker' | 'direct';
export type ContactKind = 'interception' | 'reawakening';

/**
 * Where the person stood with the platform when contacted, as the platform's own records show:
 * an applicant before confirming, borrowing through the platform, or dormant.
 */
export type CustomerStage = 'applicant' | 'borrowing' | 'dormant';
/** Which number was called, as the called person sees it: the relay point, or their real number. */
export type ContactChannel = 'relay' | 'real-number';

/** A canary (synthetic, real-looking customer) received a contact from a funder and reported it. */
export interface CanaryContact {
  funderId: string;
  customer: number;
  stage: CustomerStage;
  channel: ContactChannel;
}
/** A call through the relay point handed to a funder, made outside the consented purpose (a direct offer). */
export interface RelayContact {
  funderId: string;
  customer: number;
}
/** On re-application, the credit report shows a loan opened by the funder after the platform's referral and not booked through it. */
export interface CreditReportHit {
  funderId: string;
  customer: number;
  /** day the direct loan was opened (the report's account open date) */
  openedDay: number;
}
/** A real customer reported an unsolicited offer naming a funder (possibly the wrong one). */
export interface BorrowerReport {
  funderId: string;
  customer: number;
  stage: CustomerStage;
}
/** Per-funder counts for the day, the raw material of cohort statistics. */
export interface CohortCounts {
  /** applications dispatched (shared) to the funder */
  dispatched: number;
  approved: number;
  booked: number;
  /** approved but never confirmed on the platform (baseline abandonment and interceptions alike) */
  abandonedAfterApproval: number;
  paidOff: number;
  /** applications on the platform by customers whose previous platform loan was with this funder */
  returned: number;
}

export interface DayEvidence {
  day: number;
  /** ISO date of the virtual day */
  date: string;
  canaryContacts: CanaryContact[];
  relayContacts: RelayContact[];
  creditReportHits: CreditReportHit[];
  borrowerReports: BorrowerReport[];
  /** indexed like scenario.funders */
  cohorts: CohortCounts[];
}

export interface FunderAssessment {
  funderId: string;
  score: number;
  level: AlertLevel;
}

/**
 * What the detection module implements (a later issue). The simulator calls observeDay once per
 * virtual day, in order, after the day's market activity, and feeds the returned levels back to
 * routing as trust (platform.trustByLevel) from the next day on.
 */
export interface Detector {
  readonly name: string;
  start(context: {
    funderIds: readonly string[];
    startDate: string;
    days: number;
    canaryCount: number;
  }): void;
  observeDay(evidence: DayEvidence): readonly FunderAssessment[];
}

// ---- Report ----

export interface FunderReport {
  id: string;
  truth: 'honest' | 'poacher';
  poached: number;
  poachedByInterception: number;
  poachedByReawakening: number;
  contacts: number;
  firstPoachDay: number | null;
  alertDay: { watch: number | null; suspect: number | null; confirmed: number | null };
  /** customers poached before the day the funder reached `confirmed` (all of them if it never did) */
  poachedBeforeConfirmed: number;
  dispatched: number;
  approved: number;
  /** approved through the platform but never confirmed there (baseline abandonment and interceptions) */
  abandonedAfterApproval: number;
  booked: number;
  serviceFeeFen: Fen;
  evidence: {
    canaryContacts: number;
    relayContacts: number;
    creditReportHits: number;
    borrowerReports: number;
  };
  /**
   * Ground truth the platform does not see: how many of the observed items above were not poaching
   * (credit-report hits from loans the customer took directly on their own, reports naming the wrong funder).
   */
  falseEvidence: { creditReportHits: number; borrowerReports: number };
}

export interface PlatformReport {
  applications: number;
  /** applications with at least one approval */
  approvedApplications: number;
  booked: number;
  bookedAmountFen: Fen;
  serviceFeeFen: Fen;
  customersLost: number;
  declined: number;
  canaries: number;
  /** loans booked by canaries: the platform's own test traffic, left out of bookedAmountFen and serviceFeeFen */
  canaryBooked: number;
  customers: number;
}

export interface Series {
  /** bucket width in days and the first day of each bucket */
  bucketDays: number;
  bucketStartDays: number[];
  platform: { serviceFeeFen: number[]; customersLost: number[]; booked: number[] };
  /** indexed like report.funders */
  funders: Array<{
    poached: number[];
    canaryContacts: number[];
    relayContacts: number[];
    creditReportHits: number[];
    borrowerReports: number[];
    /** approvals through the platform, and those never confirmed: the cohort rate interception moves */
    approved: number[];
    abandonedAfterApproval: number[];
    /** last assessment in each bucket (null without a detector) */
    score: Array<number | null>;
    level: Array<AlertLevel | null>;
  }>;
}

export interface RunReport {
  funders: FunderReport[];
  platform: PlatformReport;
  series: Series;
}

export interface Report extends RunReport {
  scenario: {
    sha256: string;
    seed: number;
    days: number;
    startDate: string;
    customers: number;
    funders: number;
  };
  detector: string | null;
  /** what a reader must know to read the figures (e.g. that no detector ran) */
  notes: string[];
  /** the same scenario with rotation, canaries, relay contacts, credit-report checks and detection off */
  baseline?: RunReport | undefined;
  runtimeMs: number;
}

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
  /** abandonment after approval, driven by the offer's economics (replaces a constant rate) */
  abandonment: AbandonmentParams;
  /** approval is multiplied by these for a flagged applicant (each flag it carries) */
  riskApprovalFactor: { multiLender: number; overdue: number; highDebt: number };
  earlyPayoffShare: number;
  repeatBorrowShare: number;
  dormancyMeanDays: number;
  reapplyAfterDeclineShare: number;
  reapplyMeanDays: number;
  waterfallDepth: number;
  returnAfterPoachShare: number;
  /** a real customer who received an unsolicited direct offer reports it to the platform */
  reportShare: number;
  interceptionAcceptBase: number;
  reawakeningAcceptBase: number;
  acceptPerRatePoint: number;
  acceptPerLimitUplift: number;
  acceptPerCoupon100Yuan: number;
  /**
   * Noise: per funder that saw the customer (any exposure: booked, declined, abandoned, waterfall),
   * the probability the customer takes a loan directly from it on their own within a year
   * (payroll bank, branch, card holder); banks higher
   */
  organicDirectShareByType: Record<SimFunderType, number>;
  /** noise: a booked borrower reports an offer that came from elsewhere, naming the loan's funder */
  misattributedReportShare: number;
  /** noise: a borrower reports an honest contact (verification, servicing, collection) as an unsolicited offer */
  misreportHonestContactShare: number;
}

export interface AbandonmentParams {
  /** approved applicants who never confirm even at a competitive, fast offer */
  base: number;
  /** added per annual percentage point the offer's APR exceeds the borrower's best alternative */
  perRatePoint: number;
  /** added per day the funder took to decide */
  perDecisionDay: number;
  max: number;
  /** the borrower's best alternative offer off the platform, by score band (annual rate) */
  outsideRateByBand: Record<Band, number>;
  /** spread of that alternative between borrowers of a band (annual rate, normal) */
  outsideRateSd: number;
}

/** What honest funders (and poachers, when they act honestly) leave in the relay records. */
export interface TraceParams {
  /** approvals followed by a verification call (核实电话) before the borrower confirms */
  verificationCallShare: number;
  /** mean servicing contacts over one loan (due-date SMS, account notices), Poisson */
  servicingContactsPerLoan: number;
  servicingSmsShare: number;
  /** loans that fall overdue at some point, by band */
  overdueShareByBand: Record<Band, number>;
  /** a flagged borrower (overdue, multi-lender, high debt) is this many times as likely to fall overdue */
  overdueRiskFactor: number;
  /** contacts per overdue episode (催收) */
  collectionContactsPerOverdue: number;
  collectionSmsShare: number;
  /** after booking the funder holds the real number: the share of its contacts still made through the relay point */
  afterBookingRelayShare: number;
  /** the relay provider's SMS content category is wrong (marketing ↔ servicing, verification ↔ marketing) */
  classificationErrorRate: number;
  /** relay voice calls the platform asks the borrower about (only then is a call's content known) */
  borrowerAskedShare: number;
}

export interface CanaryParams {
  /** what the platform spends on its canary program a month, fen; 0 = no canaries */
  budgetFenPerMonth: Fen;
  /** one-off payment to a recruited mystery shopper */
  recruitmentFen: Fen;
  /** monthly retainer for keeping the contact point and reporting every contact */
  monthlyFeeFen: Fen;
  /** planning estimate of the loan interest the platform reimburses per canary over a year */
  expectedInterestFenPerYear: Fen;
}

export interface PlatformParams {
  rotation: boolean;
  canaries: CanaryParams;
  relayContacts: boolean;
  creditReportOnReapply: boolean;
  serviceFeeRate: number;
  trustByLevel: Record<AlertLevel, number>;
  /** what settlement levies per poached customer it can prove (no-backflow clause), fen */
  penaltyPerCustomerFen: Fen;
  /** overrides of routing's rotation settings */
  routing: {
    sameFunderMarginAnnual?: number;
    /** per band, the share of its own flow a funder may be shown a month (before trust) */
    exposureShareByBand?: Record<string, number>;
  };
}

export interface PoacherOffer {
  limitUplift: number;
  rateCutPointsMin: number;
  rateCutPointsMax: number;
  couponFen: Fen;
}

/**
 * How a poacher reaches a person it knows from the platform: `own-data` — it already holds the
 * number (the person is in its own customer or data base; it matches the name and ID number the
 * application share carries, `SimFunder.ownDataShare`); `broker` — it buys the number by ID number
 * (`brokerSuccess`); `relay` — it calls the relay point the platform gave it (recorded).
 */
export type ContactSource = 'own-data' | 'broker' | 'relay';

export interface PoacherStrategy {
  kind: 'poacher';
  startDay: number;
  interceptionRate: number;
  reawakeningRate: number;
  exclusions: { personnel: boolean; risk: boolean; region: boolean };
  /** null: no throttle; else poached a month ≤ this share of its approved-and-targeted applicants that month */
  maxMonthlyShare: number | null;
  /** tried in order until one reaches the person */
  contactSources: ContactSource[];
  brokerSuccess: number;
  /** the personnel exclusion misses this share of staff (stale employer data, an incomplete list) */
  personnelMissShare: number;
  /** share of its marketing contacts sent as SMS (the rest are voice calls) */
  smsShare: number;
  /** province prefixes where it may lend directly, or ['*'] */
  directRegions: string[];
  /** who it may re-awaken: everyone whose data it ever received, or only those it lent to */
  reawakenFrom: 'exposed' | 'lent';
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

export type SimFunderType = 'bank' | 'consumer-finance' | 'other';

export interface SimFunder {
  id: string;
  type: SimFunderType;
  /** the name its loans carry on a credit report (机构名称), for the institution alias table */
  institutionName: string;
  licensedRegions: string[];
  rateBase: number;
  minScore: number;
  monthlyQuotaFen: Fen | null;
  serviceFeeRate: number;
  approval: Record<Band, number>;
  /** days from the application reaching it to its decision (abandonment grows with it) */
  decisionDays: number;
  /** share of platform applicants it already holds a phone number for (own customers, data partners) */
  ownDataShare: number;
  products: SimProduct[];
  strategy: Strategy;
}

/** How funders differ when a scenario leaves a field out: drawn per funder from these (seeded). */
export interface FunderDefaults {
  approvalByType: Record<SimFunderType, Record<Band, number>>;
  /** each band's approval is multiplied by a uniform draw in [1 − jitter, 1 + jitter] */
  approvalJitter: number;
  rateBaseRangeByType: Record<SimFunderType, [number, number]>;
  decisionDaysRangeByType: Record<SimFunderType, [number, number]>;
  ownDataShareByType: Record<SimFunderType, number>;
  /** a bank without licensedRegions is regional (1..regionalProvincesMax provinces) with this probability */
  regionalBankShare: number;
  regionalProvincesMax: number;
}

export interface Scenario {
  seed: number;
  days: number;
  startDate: string;
  customers: CustomerParams;
  traces: TraceParams;
  platform: PlatformParams;
  funderDefaults: FunderDefaults;
  funders: SimFunder[];
}

// ---- Evidence: what the platform could observe, recorded faithfully day by day ----

export const ALERT_LEVELS = ['none', 'watch', 'suspect', 'confirmed'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];

/** The kinds of evidence the report tallies (issue 13): each with its total and, as ground truth, how much came from poaching. */
export const EVIDENCE_KINDS = [
  'relayContact',
  'canaryContact',
  'creditReportAccount',
  'creditReportQuery',
  'borrowerReport',
  'staffContact',
] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** How a contact reached the person, as the person sees it: the relay point, or their real number. */
export type ContactChannel = 'relay' | 'real-number';
/** What kind of contact it was, as the relay provider records it. */
export type ContactMedium = 'sms' | 'voice';
/** The relay provider's (or, for a voice call, the borrower's) content category; null when unknown. */
export type RecordedCategory = 'verification' | 'servicing' | 'collection' | 'marketing' | 'other' | null;

/**
 * A contact through a relay point, as production records it (sharing's relay webhook) and judges it
 * with production's contact-purpose classifier (`classifyContact`): in purpose or not, and why.
 */
export interface RelayContactRecord {
  funderId: string;
  customer: number;
  medium: ContactMedium;
  /** hour of the day, Asia/Shanghai */
  hour: number;
  /** the SMS text (voice calls: empty) */
  summary: string;
  category: RecordedCategory;
  verdict: 'in-purpose' | 'out-of-purpose';
  reason: string;
}

/** A contact at a canary's contact point (used for nothing else): attributable to the funders that saw it. */
export interface CanaryContact {
  funderId: string;
  customer: number;
  channel: ContactChannel;
  medium: ContactMedium;
}

/** A marketing contact to a member of the platform's (or a partner's) staff, who reports it (the article's incident). */
export interface StaffContact {
  funderId: string;
  customer: number;
  channel: ContactChannel;
  medium: ContactMedium;
}

/** What the credit-report cross-check found on a re-application (production's matcher, src/detection). */
export interface CreditReportFinding {
  funderId: string;
  customer: number;
  kind: 'creditReportAccount' | 'creditReportQuery';
  /** the account's open date or the query's date, as a day of the run */
  onDay: number;
  /** the exposure (day the funder first saw the customer's data) it follows */
  exposureDay: number;
}

/** Where the borrower stood with the platform when they report, as the platform's records show. */
export type CustomerStage = 'applicant' | 'borrowing' | 'dormant';

/** A customer reported an unsolicited offer naming a funder (possibly wrongly). */
export interface BorrowerReport {
  funderId: string;
  customer: number;
  stage: CustomerStage;
  medium: ContactMedium;
}

/** One step of a customer's history with the platform, per funder (what intake and routing record). */
export interface HistoryEvent {
  customer: number;
  funderId: string;
  kind: 'dispatched' | 'approved' | 'declined' | 'abandoned' | 'booked' | 'overdue' | 'paid-off';
}

/** Per-funder counts for the day, the raw material of cohort statistics. */
export interface CohortCounts {
  /** applications dispatched (shared) to the funder */
  dispatched: number;
  approved: number;
  booked: number;
  /** approved but never confirmed on the platform (economic abandonment and interceptions alike) */
  abandonedAfterApproval: number;
  paidOff: number;
  /** applications on the platform by customers whose previous platform loan was with this funder */
  returned: number;
}

export interface DayEvidence {
  day: number;
  /** ISO date of the virtual day */
  date: string;
  relayContacts: RelayContactRecord[];
  canaryContacts: CanaryContact[];
  staffContacts: StaffContact[];
  creditReportFindings: CreditReportFinding[];
  borrowerReports: BorrowerReport[];
  /** the exposure register: every share of a customer's data with a funder today */
  exposures: Array<{ customer: number; funderId: string }>;
  /** which canaries were exposed to which funder today (the platform knows its canaries) */
  canaryExposures: Array<{ customer: number; funderId: string }>;
  history: HistoryEvent[];
  /** indexed like scenario.funders */
  cohorts: CohortCounts[];
}

export interface FunderAssessment {
  funderId: string;
  score: number;
  level: AlertLevel;
}

/** What a detector may know about a funder before the run: its public profile, never its strategy. */
export interface PublicFunder {
  id: string;
  type: SimFunderType;
  licensedRegions: readonly string[];
}

/**
 * What the detection module implements (a later issue). The simulator calls observeDay once per
 * virtual day, in order, after the day's market activity, and feeds the returned levels back to
 * routing as trust (platform.trustByLevel) from the next day on. It receives only what production
 * knows (test/simulation no-truth test): no strategy, no ground truth of any item.
 */
export interface Detector {
  readonly name: string;
  start(context: {
    funders: readonly PublicFunder[];
    startDate: string;
    days: number;
    /** the platform's canaries (customer numbers): it recruited them */
    canaries: readonly number[];
  }): void;
  observeDay(evidence: DayEvidence): readonly FunderAssessment[];
}

// ---- Report ----

/** One kind of evidence about a funder: how many items, and (ground truth, report only) how many came from poaching. */
export interface EvidenceTally {
  total: number;
  fromPoaching: number;
}

export interface FunderReport {
  id: string;
  truth: 'honest' | 'poacher';
  type: SimFunderType;
  poached: number;
  poachedByInterception: number;
  poachedByReawakening: number;
  /** of those reawakened, people it only ever received data about (declined, waterfall, never lent to) */
  poachedFromDataOnly: number;
  /** marketing contacts it made (ground truth) */
  contacts: number;
  /** its approvals through the platform that passed its exclusions: what its throttle is a share of */
  targetedApprovals: number;
  firstPoachDay: number | null;
  alertDay: { watch: number | null; suspect: number | null; confirmed: number | null };
  /** customers poached before the day the funder reached `confirmed` (all of them if it never did) */
  poachedBeforeConfirmed: number;
  dispatched: number;
  approved: number;
  /** approved through the platform but never confirmed there (economic abandonment and interceptions) */
  abandonedAfterApproval: number;
  booked: number;
  serviceFeesFen: Fen;
  /** the platform's lost lifetime service fees on the customers it poached (docs/simulation.md) */
  poachingLossFen: Fen;
  /** what settlement would levy on it: penaltyPerCustomerFen per poached customer with evidence, once confirmed */
  penaltiesFen: Fen;
  /** relay contacts it made that production recorded (in purpose or not) */
  relayContactsRecorded: number;
  evidence: Record<EvidenceKind, EvidenceTally>;
}

export interface PlatformEconomics {
  serviceFeesFen: Fen;
  poachingLossFen: Fen;
  canaryCostFen: Fen;
  penaltiesFen: Fen;
  customersLost: number;
  booked: number;
}

export interface PlatformReport extends PlatformEconomics {
  applications: number;
  /** applications with at least one approval */
  approvedApplications: number;
  bookedAmountFen: Fen;
  declined: number;
  canaries: number;
  /** loans booked by canaries: real loans (the funder pays the service fee); their interest is in canaryCostFen */
  canaryBooked: number;
  customers: number;
  /** the same market without the platform's defences (with --compare-baseline) */
  baseline?: PlatformEconomics | undefined;
}

export interface Series {
  /** bucket width in days and the first day of each bucket */
  bucketDays: number;
  bucketStartDays: number[];
  platform: { serviceFeesFen: number[]; customersLost: number[]; booked: number[] };
  /** indexed like report.funders */
  funders: Array<{
    poached: number[];
    /** evidence items of every kind, per bucket */
    evidence: Record<EvidenceKind, number[]>;
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

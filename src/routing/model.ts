// Routing types: the plain data the pure routing core takes and returns. No I/O here; the service
// loads these from the database, the simulator builds them in memory, and both call decide().
import type { ContractTerms, FeeLine, Funder, Product, RepaymentMethod } from '../catalog/model.ts';
import type { Fen } from '../kernel/index.ts';

/**
 * Why a product is not offered, in precedence order: the explanation names the FIRST rule that
 * failed (PIPL art. 24, the right to an explanation of automated decisions). Never renamed.
 */
export const INELIGIBILITY_CODES = [
  'region_not_licensed',
  'age_out_of_range',
  'amount_out_of_range',
  'term_unsupported',
  'score_below_minimum',
  'funder_suspended',
  'funder_capacity_exhausted',
  'apr_exceeds_cap',
  'exposure_budget_exhausted',
  'rotation_deferred',
  'consent_missing',
] as const;
export type IneligibilityCode = (typeof INELIGIBILITY_CODES)[number];

export const EMPLOYER_TYPES = ['government', 'state-owned', 'private', 'self-employed', 'unknown'] as const;
export type EmployerType = (typeof EMPLOYER_TYPES)[number];

/** What routing knows about the applicant. Derived from the application; no names or ID numbers. */
export interface ApplicantFeatures {
  ageYears: number;
  /** GB/T 2260 six-digit county code (from the ID number: the strict practice, 银保监办发〔2021〕24号). */
  regionCode: string;
  amountFen: Fen;
  termMonths: number;
  monthlyIncomeFen: Fen;
  employerType: EmployerType;
  /** 0–1000 from the platform's own risk system; absent: the built-in scorecard computes one. */
  score?: number | undefined;
}

/** The slice of a funder routing reads. */
export type RoutingFunder = Pick<Funder, 'id' | 'status' | 'licensedRegions' | 'monthlyQuotaFen'> & {
  /** the platform's service fee from the contract in force; absent = no contract, no fee */
  serviceFee?: ContractTerms['serviceFee'] | undefined;
  /**
   * The contract's maximum penalty interest (annual). Interest, fees and penalty interest together
   * must stay within the judicial 24% ceiling (金规〔2025〕9号 art. 6 with the Supreme People's
   * Court's 2017 opinion), so an offer whose cost plus this rate passes it fails `apr_exceeds_cap`.
   * Absent = no contract in force: the configuration's `pricing.defaultPenaltyRateAnnual` is used
   * instead (src/pricing/cap.ts, ADR 0065).
   */
  maxPenaltyRateAnnual?: number | undefined;
};

/** The slice of a product routing reads. */
export type RoutingProduct = Pick<
  Product,
  | 'id'
  | 'funderId'
  | 'status'
  | 'minAmountFen'
  | 'maxAmountFen'
  | 'termsMonths'
  | 'rateAnnualMin'
  | 'rateAnnualMax'
  | 'methods'
  | 'fees'
  | 'ageMin'
  | 'ageMax'
  | 'minScore'
>;

/** Per-funder state that changes during the month (loaded by the service, simulated by the simulator). */
export interface FunderState {
  /** amount booked with the funder this calendar month, against its monthly quota */
  monthlyUsedFen: Fen;
  /** applications of each band shared with the funder this month (counted at dispatch), against its exposure budget */
  exposureUsedByBand: Readonly<Record<string, number>>;
  /**
   * The funder's flow this month: per band, the applications for which it had an otherwise-eligible
   * offer (every rule before the budget passed), counted when decided (RoutingDecision.flowFunderIds,
   * recordFlow). The exposure budget is a share of it (ADR 0073). Absent: the caller does not count
   * flow, and only the optional absolute caps apply (callers from before ADR 0073 keep their behaviour).
   */
  flowByBand?: Readonly<Record<string, number>> | undefined;
  /** in [0, 1]: 1 = no poaching suspicion (default); the detection module lowers it. Scales every band's budget (ADR 0073). */
  trust: number;
  /** in [0, 1]: the funder's recent approval rate, for the ranking weight; absent = config default */
  approvalRate?: number | undefined;
}

export interface ScoreBand {
  band: string;
  /** inclusive lower bound; bands are listed from the highest minScore down, the last one at 0 */
  minScore: number;
}

/** The built-in scorecard (points add up; the total is clamped to 0–1000). See scorecard.ts. */
export interface ScorecardConfig {
  basePoints: number;
  /** [minAge, maxAge] inclusive → points; first match wins */
  agePoints: Array<{ min: number; max: number; points: number }>;
  /** monthly income at or above minFen → points; first match wins (list from high to low) */
  incomePoints: Array<{ minFen: Fen; points: number }>;
  /** the request's estimated monthly installment / monthly income at or below maxRatio → points; first match wins */
  debtToIncomePoints: Array<{ maxRatio: number; points: number }>;
  /** annual rate used only to estimate the installment for debt-to-income (not an offer) */
  debtToIncomeReferenceRateAnnual: number;
  employerPoints: Record<EmployerType, number>;
  /** division-code prefix → points; the longest matching prefix wins; no match: regionDefaultPoints */
  regionPoints: Record<string, number>;
  regionDefaultPoints: number;
}

export interface RoutingConfig {
  scorecard: ScorecardConfig;
  bands: ScoreBand[];
  pricing: {
    /**
     * comprehensive annual cost ceiling: at most the legal 24% (最高人民法院 2017 opinion; LEGAL_CAP_ANNUAL
     * in src/pricing/cap.ts), lower if the operator wants; routing, quotes and product vetting all use it
     */
    capAnnual: number;
    /** which pricing figure the cap applies to: the displayed nominal (period IRR × 12) or the effective one */
    capBasis: 'nominal' | 'effective';
    /**
     * penalty interest (annual) the judicial check assumes for a funder with no contract in force;
     * absent: DEFAULT_PENALTY_RATE_ANNUAL (8%, reasoning in src/pricing/cap.ts); within 0..24%
     */
    defaultPenaltyRateAnnual?: number | undefined;
    /** the first of these that a product supports is quoted */
    preferredMethods: RepaymentMethod[];
  };
  ranking: {
    /** annual-rate points the platform trades for one unit of service fee rate on the amount (0 = ignore) */
    serviceFeeWeight: number;
    /** annual-rate points traded for approval likelihood going from 0 to 1 (0 = ignore) */
    approvalWeight: number;
    /** the weights never move an offer by more than this much annual cost: borrower value comes first */
    maxAdjustmentAnnual: number;
    /** approval likelihood assumed for a funder without a history */
    defaultApprovalRate: number;
  };
  rotation: {
    enabled: boolean;
    /** the last funder keeps a repeat borrower only if its best annual cost is lower by at least this */
    sameFunderMarginAnnual: number;
    /**
     * Per band, the share in [0, 1] of a funder's own flow in that band (FunderState.flowByBand) it
     * may be shared in a month, before trust: the budget is floor(share × trust × flow) + burst,
     * flow counting the application being decided (eligibility.ts exposureAllowance, ADR 0073).
     * Bands not listed have share 1; share × trust ≥ 1 is no budget at all.
     */
    exposureShareByBand: Record<string, number>;
    /** applications a funder may be shared beyond its share, so the first of a month is not refused; none at trust 0 */
    exposureBurst: number;
    /**
     * Optional absolute monthly cap per band (applications shared per funder), scaled by trust:
     * floor(cap × trust); absent: none (the default). Before ADR 0073 this was the only budget.
     */
    exposureBudgetPerMonth?: Record<string, number> | undefined;
    /** per-funder absolute cap overrides, band → applications a month (scaled by trust like the cap) */
    budgetOverrides?: Record<string, Record<string, number>> | undefined;
  };
}

/** What pricing's quote() takes (src/pricing): the routing core calls it for every otherwise-eligible product. */
export interface QuoteRequest {
  principalFen: Fen;
  termMonths: number;
  rateAnnual: number;
  method: RepaymentMethod;
  fees: readonly FeeLine[];
  cap?: { rate: number; basis: 'nominal' | 'effective' };
}

/** The part of pricing's quote result the core relies on (structural, so pricing's richer type fits). */
export type QuoteOutcome =
  | {
      ok: true;
      value: {
        apr: { periodRate: number; nominal: number; effective: number };
        capCheck: { ok: boolean };
        totals?: { interestFen: Fen } | undefined;
      };
    }
  | { ok: false; code: string; message: string; field?: string };

export type QuoteFunction = (request: QuoteRequest) => QuoteOutcome;

/**
 * Everything decide() needs to ask which products an applicant is eligible for now, apart from the
 * amount and the term (RoutingService.eligibilityFor; the financing plan tries several of each).
 */
export interface EligibilityContext {
  table: import('./decide.ts').RoutingTable;
  applicant: Omit<ApplicantFeatures, 'amountFen' | 'termMonths'>;
  funderStates: ReadonlyMap<string, FunderState>;
  lastFunderId: string | null;
  seed: number;
}

export interface RoutingInput {
  applicant: ApplicantFeatures;
  /** per funder id; a funder without an entry has used nothing and has trust 1 */
  funderStates: ReadonlyMap<string, FunderState>;
  /** the funder of the customer's previous loan through the platform (客户轮换), if any */
  lastFunderId?: string | null | undefined;
  /** funders the customer has a live separate consent for; absent = consent not yet asked (offer stage) */
  consentedFunderIds?: ReadonlySet<string> | undefined;
  /** tie-breaks between equal offers are drawn from this seed (the service uses a hash of the application id) */
  seed: number;
}

export interface Offer {
  rank: number;
  productId: string;
  funderId: string;
  amountFen: Fen;
  termMonths: number;
  rateAnnual: number;
  method: RepaymentMethod;
  apr: { periodRate: number; nominal: number; effective: number };
  /** the platform's service fee on this loan, for economics (never charged to the borrower) */
  serviceFeeFen: Fen;
  approvalLikelihood: number;
  /** the annual cost the ranking used: apr.nominal adjusted by the bounded weights */
  rankingCostAnnual: number;
  /** pricing's totals for this loan (interest, fees, payments, amount disbursed) */
  totals: { interestFen: Fen } | undefined;
}

export type ProductExplanation =
  | { productId: string; funderId: string; eligible: true; rank: number }
  | { productId: string; funderId: string; eligible: false; code: IneligibilityCode; reason: string };

/** Outcome code per table product: ELIGIBLE, or 1 + the index of the failing rule in INELIGIBILITY_CODES. */
export const ELIGIBLE = 0;

export interface RoutingDecision {
  score: number;
  scoreSource: 'provided' | 'scorecard';
  band: string;
  /** ranked, best first */
  offers: Offer[];
  /**
   * One outcome per product of the routing table, in table order (compact, so the simulator can
   * run millions of decisions); explainDecision() turns it into readable explanations.
   */
  outcomes: Uint8Array;
  /**
   * The funders this application counts in the flow of (band `band`): each had an offer that passed
   * every rule before the exposure budget, whether or not the budget then refused it. The caller
   * adds one to each one's flowByBand[band] (recordFlow; the service's FlowCounter). Table order.
   */
  flowFunderIds: readonly string[];
}

/** A funder answered an application sent to it (the ledger records a decision entry: ADR 0069). */
export interface FunderDecided {
  readonly topic: 'funder.decided';
  readonly aggregateId: string;
  readonly payload: {
    applicationId: string;
    funderId: string;
    decision: 'approved' | 'declined' | 'timeout' | 'error';
  };
  readonly at: Date;
  readonly customerId: string | null;
}

/** Routing's own levers changed: the compiled table is dropped after commit (services.ts). */
export type RoutingEvent =
  | { topic: 'routing.configured'; aggregateId: string; payload: { version: number }; at: Date }
  | {
      topic: 'routing.trust_set';
      aggregateId: string;
      payload: { funderId: string; trust: number };
      at: Date;
    };

export const ROUTING_TABLE_TOPICS = ['routing.configured', 'routing.trust_set'] as const;

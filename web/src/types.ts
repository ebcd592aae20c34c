// The answers the dashboard reads, as the route schemas declare them (src/*/routes.ts) and as the
// dashboard API contract says for the routes of issue 17 (applications list, timeline, overview,
// funder scorecards). Only the fields the pages show.
export type DetectionLevel = 'none' | 'watch' | 'suspect' | 'confirmed';

export interface Me {
  keyId: string;
  role: string;
  funderId: string | null;
  customerId: string | null;
}

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

export interface ApplicationRow {
  id: string;
  status: string;
  submittedAt: string;
  amountFen: number;
  termMonths: number;
  funderId: string | null;
  productId: string | null;
}
export interface ApplicationPage {
  items: ApplicationRow[];
  nextCursor: string | null;
}
export interface Application {
  id: string;
  status: string;
  amountFen: number;
  termMonths: number;
  purpose?: string;
  channel?: string;
  score?: number;
  funderId: string | null;
  productId: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface Timeline {
  events: Array<{ at: string; type: string; detail?: unknown }>;
  shares: Array<{ funderId: string; at: string; fields: string[]; ledgerIndex: number | null }>;
  ledgerEntries: Array<{ index: number | null; kind: string; at: string }>;
}
export interface Offer {
  rank: number;
  productId: string;
  funderId: string;
  amountFen: number;
  termMonths: number;
  rateAnnual: number;
  apr: { effective: number; nominal: number };
  serviceFeeFen: number;
  approvalLikelihood: number;
}
export interface Offers {
  applicationId: string;
  offers: Offer[];
}
export type Explanation =
  | { productId: string; funderId: string; eligible: true; rank: number }
  | { productId: string; funderId: string; eligible: false; code: string; reason: string };
export interface RoutingExplanation {
  applicationId: string;
  status: string;
  score: number | null;
  band: string | null;
  decidedAt: string | null;
  explanations: Explanation[];
  dispatches: Array<{ id: string; funderId: string; productId: string; status: string; attempts: number }>;
}

export interface FunderScorecard {
  funderId: string;
  name: string;
  exposures: number;
  approvalRate: number | null;
  confirmationRate: number | null;
  abandonmentRate: number | null;
  repeatBorrowingRate: number | null;
  peer: {
    approvalRate: number | null;
    confirmationRate: number | null;
    abandonmentRate: number | null;
    repeatBorrowingRate: number | null;
  };
  level: DetectionLevel;
  trust: number;
  evidenceCount: number;
  scoreTrend: Array<{ date: string; score: number }>;
}
export interface CatalogFunder {
  id: string;
  name: string;
  type: string;
  status: string;
  licensedRegions: string[];
  transport: string;
}

export interface Alert {
  funderId: string;
  level: DetectionLevel;
  changedAt: string;
  change: {
    from: DetectionLevel;
    level: DetectionLevel;
    actor: string;
    reasons: Array<{ rule: string; text: string }>;
  };
}
export interface Evidence {
  id: string;
  kind: string;
  customerId: string | null;
  occurredAt: string;
  source: string;
  proves: string;
  exposureEntryId: string | null;
  status: string;
}
export interface EvidencePackage {
  funderId: string;
  generatedAt: string;
  origin: string;
  treeSize: number;
  checkpoint: string;
  records: Array<{ id: string; kind: string; proves: string; exposureEntryId?: string }>;
  exposures: Array<{
    entryId: string;
    index: number;
    leafHash: string;
    entry: Record<string, unknown>;
    proof: string[];
  }>;
}

export interface RoutingConfig {
  version: number;
  config: {
    bands: Array<{ band: string; minScore: number }>;
    pricing: { capAnnual: number; capBasis: string };
    rotation: {
      enabled: boolean;
      sameFunderMarginAnnual: number;
      exposureShareByBand?: Record<string, number>;
      exposureBurst?: number;
      exposureBudgetPerMonth?: Record<string, number>;
      budgetOverrides?: Record<string, unknown>;
    };
  };
}

export interface Canary {
  id: string;
  status: string;
  band: string;
  regionCode: string;
  dedicatedFunderId: string | null;
  contactPoints: Array<{ id: string; channel: string; masked: string }>;
  createdAt: string;
}

export interface LedgerEntryAnswer {
  index: number;
  leafHash: string;
  entry: Record<string, unknown> & { kind: string; at: string };
}
export interface InclusionProof {
  index: number;
  treeSize: number;
  leafHash: string;
  proof: string[];
}
export interface ConsistencyProof {
  from: number;
  to: number;
  proof: string[];
}

export interface SimulationRun {
  id: string;
  status: string;
  seed: number;
  days: number;
  customers: number;
  funders: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}
export interface SimulationReport {
  funders: Array<{
    id: string;
    truth: string;
    poached: number;
    booked: number;
    alertDay: Record<string, number | null>;
  }>;
  platform: { serviceFeesFen: number; poachingLossFen: number; customersLost: number; booked: number };
  series: {
    bucketDays: number;
    bucketStartDays: number[];
    platform: { serviceFeesFen: number[]; customersLost: number[]; booked: number[] };
    /** indexed like `funders` */
    funders: Array<{ poached: number[]; score: Array<number | null>; level: Array<DetectionLevel | null> }>;
  };
}

export interface Statement {
  id: string;
  funderId: string;
  period: string;
  status: string;
  totalFen: number;
  owedBy: string;
  lineCount: number;
  issuedAt: string | null;
}
export interface StatementDetail {
  statement: Statement;
  document: {
    lines: Array<{ lineNo: number; kind: string; source: string; customerRef: string; amountFen: number }>;
  };
  disputes: Array<{ id: string; lineNo: number; reason: string; status: string; openedAt: string }>;
}

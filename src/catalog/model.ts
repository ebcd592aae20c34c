// Catalog types: what a funder offers and on which contract terms.
import type { Fen } from '../kernel/index.ts';

export const FUNDER_TYPES = ['bank', 'consumer-finance', 'other'] as const;
export type FunderType = (typeof FUNDER_TYPES)[number];
export const FUNDER_STATUSES = ['active', 'suspended'] as const;
export type FunderStatus = (typeof FUNDER_STATUSES)[number];
export const TRANSPORTS = ['direct', 'via-bureau'] as const;
export type Transport = (typeof TRANSPORTS)[number];
export const REPAYMENT_METHODS = [
  'equal-installment',
  'equal-principal',
  'interest-first',
  'bullet',
] as const;
export type RepaymentMethod = (typeof REPAYMENT_METHODS)[number];

/** A fee the borrower pays; every kind counts toward the comprehensive annual cost (金规〔2025〕9号 art. 6). */
export type FeeLine =
  | { kind: 'upfront'; amountFen: Fen; label?: string } // deducted from the amount disbursed
  | { kind: 'monthly'; amountFen: Fen; label?: string } // fixed fen each period
  | { kind: 'monthly-rate'; rate: number; label?: string } // rate × original principal each period
  | { kind: 'once'; period: number; amountFen: Fen; label?: string }; // one-off at a given period

export interface Funder {
  id: string;
  name: string;
  type: FunderType;
  status: FunderStatus;
  licensedRegions: string[];
  webhookUrl: string | null;
  transport: Transport;
  monthlyQuotaFen: Fen | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Product {
  id: string;
  funderId: string;
  name: string;
  status: 'active' | 'retired';
  minAmountFen: Fen;
  maxAmountFen: Fen;
  termsMonths: number[];
  rateAnnualMin: number;
  rateAnnualMax: number;
  methods: RepaymentMethod[];
  fees: FeeLine[];
  ageMin: number;
  ageMax: number;
  minScore: number;
  createdAt: Date;
}

export const SERVICE_FEE_BASES = ['disbursed', 'interest', 'fixed'] as const;
export type ServiceFeeBasis = (typeof SERVICE_FEE_BASES)[number];

/** The termination trigger's window when a contract names none: N confirmed findings in 90 days. */
export const TERMINATION_WINDOW_DAYS_DEFAULT = 90;
/** The longest window a contract may name (a year). */
export const TERMINATION_WINDOW_DAYS_MAX = 366;

export interface ContractTerms {
  /**
   * Platform service fee per booked loan: a rate on the principal disbursed (charged the month the
   * loan is booked), a rate on the interest the funder collects (charged the month it is collected),
   * or a fixed amount per loan booked (`fixedFen`, charged the month it is booked; `rate` unused).
   */
  serviceFee: { basis: ServiceFeeBasis; rate: number; fixedFen?: Fen };
  /** 禁止交叉回流条款: the no-backflow clause and what a breach costs. */
  noBackflow: {
    enabled: boolean;
    penaltyPerCustomerFen: Fen;
    /** penalty = multiple × service fees earned on the poached customer, added to the fixed part */
    serviceFeeMultiple: number;
    /**
     * The termination trigger (issue 16 item 5, ADR 0093): this many confirmed findings (one per
     * customer a confirmation cites) within `terminationWindowDays` suspend routing to the funder
     * until an admin lifts it, with a recorded reason.
     */
    terminationThreshold: number;
    /** the trigger's window in days (default TERMINATION_WINDOW_DAYS_DEFAULT, 90) */
    terminationWindowDays?: number;
    /** the most penalties may add up to in one statement month under this contract; absent: no cap */
    penaltyCapPerPeriodFen?: Fen;
  };
  /** What a funder pays to convert a platform customer openly (the cooperative path). */
  conversionFeeFen: Fen;
  /** Penalty interest the contract allows, as an annual rate, for the judicial 24% ceiling check. */
  maxPenaltyRateAnnual: number;
  auditRights: { creditReportCrossCheck: boolean; canaries: boolean; relayContacts: boolean };
}

export interface Contract {
  id: string;
  funderId: string;
  terms: ContractTerms;
  effectiveFrom: Date;
  effectiveTo: Date | null;
  createdAt: Date;
}

/** What changes the catalogue (routing recompiles its table when one commits: ADR 0069). */
export type CatalogEvent =
  | { topic: 'funder.created'; aggregateId: string; payload: { funderId: string }; at: Date }
  | {
      topic: 'funder.status_changed';
      aggregateId: string;
      payload: { funderId: string; status: string };
      at: Date;
    }
  | {
      topic: 'product.created';
      aggregateId: string;
      payload: { funderId: string; productId: string };
      at: Date;
    }
  | {
      topic: 'contract.created';
      aggregateId: string;
      payload: { funderId: string; contractId: string };
      at: Date;
    };

export const CATALOG_TOPICS = [
  'funder.created',
  'funder.status_changed',
  'product.created',
  'contract.created',
] as const;

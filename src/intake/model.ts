// Application intake types.
import type { Applicant } from '../identity/model.ts';
import type { LookupRef, Lookups } from '../db/lookups.ts';
import type { JsonWith, Ref, UnitOfWork } from '../db/unit-of-work.ts';
import type { ApplicationStatus } from './status.ts';

/** 互联网贷款暂行办法 (2020): consumer credit capped at ¥200,000 per borrower [final text unverified]; configurable. */
export const DEFAULT_MAX_REQUEST_FEN = 20_000_000;

export interface ApplicationInput {
  applicant: Applicant;
  request: { amountFen: number; termMonths: number; purpose: string };
  channel: string;
  /** 0–1000 from the platform's own risk system; absent: the routing scorecard computes one. */
  score?: number;
}

export interface Application {
  id: string;
  status: ApplicationStatus;
  customerId: string;
  amountFen: number;
  termMonths: number;
  purpose: string;
  channel: string;
  monthlyIncomeFen: number;
  score: number | null;
  funderId: string | null;
  productId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a funder may see of an application sent to it; the sharing gateway governs the rest. */
export type FunderApplicationView = Pick<
  Application,
  'id' | 'status' | 'amountFen' | 'termMonths' | 'funderId' | 'productId' | 'createdAt' | 'updatedAt'
>;

export interface ApplicationEvent {
  fromStatus: ApplicationStatus | null;
  toStatus: ApplicationStatus;
  reason: string | null;
  at: Date;
}

/**
 * Raised when an application is stored. `customer.created` is known when the unit commits (a
 * concurrent first application of the same person may have created the customer instead); the
 * ledger's origination entry is written only if it holds (ADR 0069).
 */
export interface ApplicationSubmitted {
  readonly topic: 'application.submitted';
  readonly aggregateId: string;
  readonly payload: JsonWith;
  readonly at: Date;
  readonly application: { id: string; channel: string };
  /** the id drawn for a new customer (the customer's id whenever `created` holds) */
  readonly customer: { drawnId: string; created: Ref<boolean> };
}

/** Raised on every status change after submission: `application.<to>`. */
export interface ApplicationMoved {
  readonly topic: `application.${Exclude<ApplicationStatus, 'submitted'>}`;
  readonly aggregateId: string;
  readonly payload: { applicationId: string; from: ApplicationStatus; to: ApplicationStatus };
  readonly at: Date;
}

/** A loan was booked through the platform (the ledger records a booking entry). */
export interface LoanBooked {
  readonly topic: 'loan.booked';
  readonly aggregateId: string;
  readonly payload: {
    applicationId: string;
    customerId: string;
    funderId: string;
    loanId: string;
    amountFen: number;
  };
  readonly at: Date;
  /**
   * Not in the outbox payload (nor the ledger's booking entry): the schedule's payment per
   * installment, installment 1 first, for the reminders planned in the same unit (engagement).
   */
  readonly loan: { readonly paymentsFen: readonly number[] };
}

/**
 * A repayment event was accepted (ADR 0080; the ledger records a `repayment` entry, the reminders
 * subscribe). `at` is when it happened (the funder's paidAt, ISO 8601 UTC); the event's own `at` is
 * when the platform recorded it.
 */
export interface RepaymentRecorded {
  readonly topic: 'repayment.recorded';
  readonly aggregateId: string;
  readonly payload: {
    loanId: string;
    funderId: string;
    customerId: string;
    repaymentId: string;
    kind: 'installment' | 'partial' | 'early-payoff' | 'write-off';
    /** the installment named (null for an early payoff) */
    installmentNo: number | null;
    amountFen: number;
    /** the amount divided fee first, then interest, then principal (先费后息再本, ADR 0091) */
    allocation: { feeFen: number; interestFen: number; principalFen: number };
    at: string;
  };
  readonly at: Date;
}

/**
 * An installment became fully paid, was closed by an early payoff or written off, raised in the
 * same unit as the repayment that settled it; `at` is that repayment's paidAt (ISO 8601 UTC).
 */
export interface InstallmentSettled {
  readonly topic: 'installment.settled';
  readonly aggregateId: string;
  readonly payload: {
    loanId: string;
    installmentNo: number;
    state: 'paid' | 'closed' | 'written-off';
    at: string;
  };
  readonly at: Date;
}

export type IntakeEvent =
  | ApplicationSubmitted
  | ApplicationMoved
  | LoanBooked
  | RepaymentRecorded
  | InstallmentSettled;

/** The application a submission is about to store, before routing decides its first status. */
export function draftApplication(
  id: string,
  customerId: string,
  input: ApplicationInput,
  monthlyIncomeFen: number,
  now: Date,
): Application {
  return {
    id,
    status: 'submitted',
    customerId,
    amountFen: input.request.amountFen,
    termMonths: input.request.termMonths,
    purpose: input.request.purpose,
    channel: input.channel,
    monthlyIncomeFen,
    score: input.score ?? null,
    funderId: null,
    productId: null,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * Decides the first status of an application at submission (routing), before it is stored, so the
 * application is inserted in that status with both events in the same unit.
 */
export interface SubmitRouter {
  /** A value read with the customer lookup, before routing (routing: the customer's last funder). */
  lookup?: (lookups: Lookups, customerId: LookupRef<string | null>) => LookupRef<unknown>;
  /** `draft` is the application as it will be stored; `looked` is what `lookup` read. */
  route: (
    draft: Application,
    looked: unknown,
  ) => Promise<{
    to: ApplicationStatus;
    score: number;
    reason: string;
    /** the router's own rows, as intents of the submission's unit (the customer's id as written) */
    alongside?: (unit: UnitOfWork, customer: { id: Ref<string> }) => void;
  }>;
}

/** A submission that keeps its own idempotency record, written in the same statement. */
export interface SubmitIdempotency {
  scope: string;
  key: string;
  hash: string;
  /**
   * The answer to keep and send, from the application as stored. Its top-level `customerId` and
   * `customerCreated` are what the statement itself found (they differ from the prediction only
   * when the same person's first application ran concurrently).
   */
  respond: (application: Application, customerCreated: boolean) => Record<string, unknown>;
}

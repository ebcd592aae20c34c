// Settlement's types: journal accounts and postings, statement lines, the statement lifecycle and
// the events settlement raises. Money is integer fen; a posting's amounts are signed (debit +,
// credit −) and always sum to zero.
import type { Fen } from '../kernel/index.ts';
import type { Receipt } from '../db/unit-of-work.ts';

/** The accounts kept per funder (资方往来). Receivable: what the funder owes the platform. */
export const FUNDER_ACCOUNTS = [
  'receivable',
  'service-fee-income',
  'penalty-income',
  'conversion-income',
  'adjustments',
] as const;
export type FunderAccount = (typeof FUNDER_ACCOUNTS)[number];

/** `funder/<funderId>/<account>`: one name per account, so a balance is a sum over one name. */
export function accountName(funderId: string, account: FunderAccount): string {
  return `funder/${funderId}/${account}`;
}

export const LINE_KINDS = ['service-fee', 'penalty', 'conversion', 'adjustment'] as const;
export type LineKind = (typeof LINE_KINDS)[number];

/** One statement line: one balanced posting whose receivable leg is the line's amount. */
export interface StatementLine {
  lineNo: number;
  kind: LineKind;
  /** what the line charges for, unique per funder across all statements: no line is counted twice */
  source: string;
  /** internal: kept in the journal, never shown to the funder nor hashed */
  customerId: string | null;
  /** the customer as this funder knows it (its pseudonym, as in shared payloads and ledger entries) */
  customerRef: string | null;
  loanId: string | null;
  /** the receivable leg: positive, the funder owes more; negative, the platform owes the funder */
  amountFen: Fen;
  /** posting legs: account names and signed amounts (debit +, credit −), summing to zero */
  accounts: string[];
  amountsFen: Fen[];
  /** how the amount was computed (basis, rate, base amount, contract), hashed with the line */
  memo: { [key: string]: string | number };
}

/** Who owes whom once the statement's lines are summed. */
export type OwedBy = 'funder' | 'platform' | 'nobody';

/** A line as the funder sees it and as the statement hash covers it. */
export type FunderLine = Omit<StatementLine, 'customerId'>;

export interface StatementDocument {
  statementId: string;
  funderId: string;
  /** Asia/Shanghai calendar month, YYYY-MM */
  period: string;
  lines: StatementLine[];
  totalFen: Fen;
  owedBy: OwedBy;
}

export const STATEMENT_STATUSES = ['posted', 'issued', 'disputed', 'resolved'] as const;
export type StatementStatus = (typeof STATEMENT_STATUSES)[number];

export interface Statement {
  id: string;
  funderId: string;
  period: string;
  status: StatementStatus;
  statementHash: string;
  totalFen: Fen;
  owedBy: OwedBy;
  lineCount: number;
  ledgerEntryId: string | null;
  postedAt: Date;
  issuedAt: Date | null;
}

export const DISPUTE_OUTCOMES = ['upheld', 'withdrawn'] as const;
export type DisputeOutcome = (typeof DISPUTE_OUTCOMES)[number];

export interface Dispute {
  id: string;
  statementId: string;
  funderId: string;
  lineNo: number;
  reason: string;
  status: 'open' | DisputeOutcome;
  openedAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
}

/** Inputs the statement core reads (each already restricted to the funder and the month). */
export interface FeeLoan {
  loanId: string;
  customerId: string;
  principalFen: Fen;
  bookedAt: Date;
}
export interface Collection {
  repaymentId: string;
  loanId: string;
  customerId: string;
  interestFen: Fen;
  collectedAt: Date;
}
export interface Finding {
  findingId: string;
  customerId: string;
  confirmedAt: Date;
}
export interface Conversion {
  conversionId: string;
  customerId: string;
  feeFen: Fen;
  declaredAt: Date;
}
/** A withdrawn dispute's refund of the disputed line, settled on the next statement. */
export interface Adjustment {
  disputeId: string;
  statementId: string;
  lineNo: number;
  /** the disputed line's amount: the adjustment is its negation */
  lineAmountFen: Fen;
}

/** A statement was issued: the ledger records its canonical hash as a `statement` entry. */
export interface StatementIssued {
  readonly topic: 'statement.issued';
  readonly aggregateId: string;
  readonly payload: {
    funderId: string;
    statementId: string;
    period: string;
    statementHash: string;
    totalFen: Fen;
  };
  readonly at: Date;
  /** the ledger's entry id for the statement */
  readonly receipt: Receipt<string>;
}

export interface StatementDisputed {
  readonly topic: 'statement.disputed';
  readonly aggregateId: string;
  readonly payload: { funderId: string; statementId: string; lineNos: number[] };
  readonly at: Date;
}

export interface DisputeResolved {
  readonly topic: 'statement.dispute_resolved';
  readonly aggregateId: string;
  readonly payload: { funderId: string; statementId: string; disputeId: string; outcome: DisputeOutcome };
  readonly at: Date;
}

/**
 * A funder declared it converts a platform customer and accepted the contract's fee: the ledger
 * records a `conversion` entry; detection is to treat later evidence about this customer and
 * funder as explained (a declared conversion is never penalised).
 */
export interface ConversionDeclared {
  readonly topic: 'conversion.declared';
  readonly aggregateId: string;
  readonly payload: { funderId: string; customerId: string; conversionId: string; feeFen: Fen };
  readonly at: Date;
}

export interface DeclaredConversion {
  id: string;
  funderId: string;
  customerRef: string;
  feeFen: Fen;
  declaredAt: Date;
}

/**
 * A termination trigger (ADR 0093): the funder's confirmed findings reached its contract's
 * threshold within the window and routing to it is suspended (catalog subscribes, in this unit).
 */
export interface TerminationTriggered {
  readonly topic: 'settlement.termination_triggered';
  readonly aggregateId: string;
  readonly payload: {
    funderId: string;
    terminationId: string;
    contractId: string;
    findings: number;
    threshold: number;
    windowDays: number;
  };
  readonly at: Date;
}

/** An admin lifted a termination, with a reason: routing to the funder resumes (catalog subscribes). */
export interface TerminationLifted {
  readonly topic: 'settlement.termination_lifted';
  readonly aggregateId: string;
  readonly payload: { funderId: string; terminationId: string; liftedBy: string; reason: string };
  readonly at: Date;
}

export interface Termination {
  id: string;
  funderId: string;
  contractId: string;
  findingId: string;
  findings: number;
  threshold: number;
  windowDays: number;
  triggeredAt: Date;
  status: 'in-force' | 'lifted';
  liftedAt: Date | null;
  liftedBy: string | null;
  liftReason: string | null;
}

export type SettlementEvent =
  | StatementIssued
  | StatementDisputed
  | DisputeResolved
  | ConversionDeclared
  | TerminationTriggered
  | TerminationLifted;

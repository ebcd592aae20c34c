// Settlement's tables: the journal (postings, append-only, each balanced by a CHECK), statements
// and their lifecycle, disputes, and the facts settlement charges for that no other module keeps
// in the shape a statement needs (interest collected, confirmed findings, declared conversions).
import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { StatementLine } from './model.ts';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * One posting per statement line: its legs held in the row (accounts[i] gets amounts_fen[i], debit
 * +, credit −), so the database checks the balance of every posting as it is written
 * (settlement_balanced, migration 0013) and never needs a deferred check. Append-only (triggers).
 */
export const settlementPostings = pgTable(
  'settlement_postings',
  {
    id: text('id').primaryKey(),
    statementId: text('statement_id').notNull(),
    funderId: text('funder_id').notNull(),
    lineNo: integer('line_no').notNull(),
    kind: text('kind').$type<StatementLine['kind']>().notNull(),
    source: text('source').notNull(),
    customerId: text('customer_id'),
    customerRef: text('customer_ref'),
    loanId: text('loan_id'),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    accounts: text('accounts').array().notNull(),
    amountsFen: bigint('amounts_fen', { mode: 'number' }).array().notNull(),
    memo: jsonb('memo').$type<StatementLine['memo']>().notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    // no line is counted twice, across statements and reruns
    uniqueIndex('settlement_postings_source').on(t.funderId, t.source),
    uniqueIndex('settlement_postings_line').on(t.statementId, t.lineNo),
    index('settlement_postings_customer').on(t.funderId, t.customerId),
    // service-fee income per day (the dashboard's overview, ADR 0101)
    index('settlement_postings_kind_created').on(t.kind, t.createdAt),
    check('settlement_postings_balanced', sql`settlement_balanced(${t.amountsFen})`),
    check('settlement_postings_legs', sql`cardinality(${t.accounts}) = cardinality(${t.amountsFen})`),
    check('settlement_postings_line_no', sql`${t.lineNo} >= 1`),
  ],
);

export const settlementStatements = pgTable(
  'settlement_statements',
  {
    id: text('id').primaryKey(),
    funderId: text('funder_id').notNull(),
    period: text('period').notNull(),
    status: text('status').notNull(),
    statementHash: text('statement_hash').notNull(),
    totalFen: bigint('total_fen', { mode: 'number' }).notNull(),
    lineCount: integer('line_count').notNull(),
    /** exclusive end of the month: catalog refuses a contract taking effect before it */
    periodEnd: at('period_end').notNull(),
    ledgerEntryId: text('ledger_entry_id'),
    postedAt: at('posted_at').notNull(),
    issuedAt: at('issued_at'),
  },
  (t) => [uniqueIndex('settlement_statements_month').on(t.funderId, t.period)],
);

export const settlementDisputes = pgTable(
  'settlement_disputes',
  {
    id: text('id').primaryKey(),
    statementId: text('statement_id').notNull(),
    funderId: text('funder_id').notNull(),
    lineNo: integer('line_no').notNull(),
    reason: text('reason').notNull(),
    status: text('status').notNull(),
    openedAt: at('opened_at').notNull(),
    resolvedAt: at('resolved_at'),
    resolvedBy: text('resolved_by'),
  },
  (t) => [
    uniqueIndex('settlement_disputes_line').on(t.statementId, t.lineNo),
    index('settlement_disputes_funder').on(t.funderId, t.status),
  ],
);

/** Interest collected on a funder's loans (the interest fee basis), one row per repayment. */
export const settlementCollections = pgTable(
  'settlement_collections',
  {
    repaymentId: text('repayment_id').primaryKey(),
    loanId: text('loan_id').notNull(),
    funderId: text('funder_id').notNull(),
    customerId: text('customer_id').notNull(),
    interestFen: bigint('interest_fen', { mode: 'number' }).notNull(),
    collectedAt: at('collected_at').notNull(),
  },
  (t) => [index('settlement_collections_funder').on(t.funderId, t.collectedAt)],
);

/** A confirmed poaching finding about one customer (the penalty basis), from detection. */
export const settlementFindings = pgTable(
  'settlement_findings',
  {
    findingId: text('finding_id').notNull(),
    customerId: text('customer_id').notNull(),
    funderId: text('funder_id').notNull(),
    confirmedAt: at('confirmed_at').notNull(),
  },
  (t) => [
    uniqueIndex('settlement_findings_key').on(t.findingId, t.customerId),
    index('settlement_findings_funder').on(t.funderId, t.confirmedAt),
  ],
);

/** A conversion a funder declared and the fee it accepted. */
export const settlementConversions = pgTable(
  'settlement_conversions',
  {
    id: text('id').primaryKey(),
    funderId: text('funder_id').notNull(),
    customerId: text('customer_id').notNull(),
    feeFen: bigint('fee_fen', { mode: 'number' }).notNull(),
    declaredAt: at('declared_at').notNull(),
  },
  (t) => [
    uniqueIndex('settlement_conversions_customer').on(t.funderId, t.customerId),
    index('settlement_conversions_funder').on(t.funderId, t.declaredAt),
  ],
);

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
  primaryKey,
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

/**
 * What each repayment collected, divided fee, interest, principal (先费后息再本, ADR 0091): the
 * interest basis charges on `interest_fen`. One row per repayment, keyed as repayments are (a
 * repaymentId is the funder's own, unique per funder).
 */
export const settlementCollections = pgTable(
  'settlement_collections',
  {
    funderId: text('funder_id').notNull(),
    repaymentId: text('repayment_id').notNull(),
    loanId: text('loan_id').notNull(),
    customerId: text('customer_id').notNull(),
    feeFen: bigint('fee_fen', { mode: 'number' }).notNull().default(0),
    interestFen: bigint('interest_fen', { mode: 'number' }).notNull(),
    principalFen: bigint('principal_fen', { mode: 'number' }).notNull().default(0),
    collectedAt: at('collected_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.funderId, t.repaymentId] }),
    index('settlement_collections_funder').on(t.funderId, t.collectedAt),
    check(
      'settlement_collections_parts',
      sql`${t.feeFen} >= 0 AND ${t.interestFen} >= 0 AND ${t.principalFen} >= 0`,
    ),
  ],
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

/**
 * A termination trigger that fired (issue 16 item 5, ADR 0093): the contract's threshold of
 * confirmed findings was reached within its window, routing to the funder was suspended and an
 * alert raised. Lifting it is an admin's recorded act (who, when, why); a lifted row stays.
 */
export const settlementTerminations = pgTable(
  'settlement_terminations',
  {
    id: text('id').primaryKey(),
    funderId: text('funder_id').notNull(),
    contractId: text('contract_id').notNull(),
    /** the confirmation whose findings reached the threshold */
    findingId: text('finding_id').notNull(),
    findings: integer('findings').notNull(),
    threshold: integer('threshold').notNull(),
    windowDays: integer('window_days').notNull(),
    triggeredAt: at('triggered_at').notNull(),
    /** in-force | lifted */
    status: text('status').$type<'in-force' | 'lifted'>().notNull(),
    liftedAt: at('lifted_at'),
    liftedBy: text('lifted_by'),
    liftReason: text('lift_reason'),
  },
  (t) => [
    // one trigger per confirmation: a replayed confirmation fires nothing new
    uniqueIndex('settlement_terminations_finding').on(t.funderId, t.findingId),
    index('settlement_terminations_funder').on(t.funderId, t.triggeredAt),
    check('settlement_terminations_status', sql`${t.status} IN ('in-force', 'lifted')`),
    check(
      'settlement_terminations_lifted',
      sql`(${t.status} = 'lifted') = (${t.liftedAt} IS NOT NULL AND ${t.liftedBy} IS NOT NULL AND ${t.liftReason} IS NOT NULL)`,
    ),
  ],
);

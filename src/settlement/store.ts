// Over 500 lines because it is settlement's only SQL (STYLE §4, DESIGN principle 8): the journal,
// statements, disputes, the fee-basis facts and the terminations; splitting it would split the module's store.
// Settlement's queries: postings (insert only: the table refuses anything else), statements and
// their status, disputes, and the fee-basis facts. Every read of a growing table is bounded (STYLE §8).
import { and, asc, desc, eq, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import type { UnitOfWork } from '../db/unit-of-work.ts';
import { chinaDaySql } from '../db/days.ts';
import type {
  Adjustment,
  Collection,
  Conversion,
  Dispute,
  Finding,
  Statement,
  StatementLine,
  Termination,
} from './model.ts';
import {
  settlementCollections,
  settlementConversions,
  settlementDisputes,
  settlementFindings,
  settlementPostings,
  settlementStatements,
  settlementTerminations,
} from './schema.ts';
import { owedBy } from './statement.ts';

/** The most lines one statement holds: 200k loans a month for one funder, with room to spare. */
export const STATEMENT_LINES_MAX = 500_000;
/** Rows per multi-row INSERT of facts (6 columns: well under PostgreSQL's 65,535 parameters). */
const INSERT_CHUNK = 2_000;
/** Postings per JSON chunk (a few MB of JSON at most). */
const POSTING_CHUNK = 10_000;
/** The most rows one fact read returns (a month of one funder's repayments, findings, …). */
export const FACTS_READ_MAX = 2_000_000;
export const STATEMENT_PAGE_MAX = 500;
export const ADJUSTMENTS_MAX = 10_000;

type StatementRow = typeof settlementStatements.$inferSelect;

export function toStatement(row: StatementRow): Statement {
  return {
    id: row.id,
    funderId: row.funderId,
    period: row.period,
    status: row.status as Statement['status'],
    statementHash: row.statementHash,
    totalFen: row.totalFen,
    owedBy: owedBy(row.totalFen),
    lineCount: row.lineCount,
    ledgerEntryId: row.ledgerEntryId,
    postedAt: row.postedAt,
    issuedAt: row.issuedAt,
  };
}

/** Insert the statement row unless the month has one; true when this call inserted it. */
export async function insertStatement(
  tx: Executor,
  row: typeof settlementStatements.$inferInsert,
): Promise<boolean> {
  const inserted = await tx
    .insert(settlementStatements)
    .values(row)
    .onConflictDoNothing()
    .returning({ id: settlementStatements.id });
  return inserted.length === 1;
}

/**
 * The postings of one statement, a chunk at a time as one JSON parameter expanded by
 * jsonb_to_recordset: a multi-row INSERT with 14 parameters a row spent most of a month's issue
 * building and parsing parameters (bench/settlement.ts).
 */
export async function insertPostings(
  tx: Executor,
  statementId: string,
  funderId: string,
  lines: readonly StatementLine[],
  createdAt: Date,
): Promise<void> {
  for (let i = 0; i < lines.length; i += POSTING_CHUNK) {
    const rows = lines.slice(i, i + POSTING_CHUNK).map((l) => ({
      id: `${statementId}/${l.lineNo}`,
      line_no: l.lineNo,
      kind: l.kind,
      source: l.source,
      customer_id: l.customerId,
      customer_ref: l.customerRef,
      loan_id: l.loanId,
      amount_fen: l.amountFen,
      accounts: l.accounts,
      amounts_fen: l.amountsFen,
      memo: l.memo,
    }));
    await tx.execute(sql`
      INSERT INTO settlement_postings (id, statement_id, funder_id, line_no, kind, source, customer_id,
        customer_ref, loan_id, amount_fen, accounts, amounts_fen, memo, created_at)
      SELECT r.id, ${statementId}, ${funderId}, r.line_no, r.kind, r.source, r.customer_id, r.customer_ref,
        r.loan_id, r.amount_fen, r.accounts, r.amounts_fen, r.memo, ${createdAt.toISOString()}::timestamptz
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(id text, line_no integer, kind text,
          source text, customer_id text, customer_ref text, loan_id text, amount_fen bigint, accounts text[],
          amounts_fen bigint[], memo jsonb)`);
  }
}

/** What the journal holds for a statement: its line count and the sum of its lines. */
export async function journalTotals(
  tx: Executor,
  statementId: string,
): Promise<{ lineCount: number; totalFen: number }> {
  const [row] = await tx
    .select({
      lineCount: sql<string>`count(*)`,
      totalFen: sql<string>`coalesce(sum(${settlementPostings.amountFen}), 0)`,
    })
    .from(settlementPostings)
    .where(eq(settlementPostings.statementId, statementId));
  return { lineCount: Number(row!.lineCount), totalFen: Number(row!.totalFen) };
}

export async function getStatement(tx: Executor, id: string, lock = false): Promise<Statement | undefined> {
  const query = tx.select().from(settlementStatements).where(eq(settlementStatements.id, id)).limit(1);
  const [row] = lock ? await query.for('update') : await query;
  return row ? toStatement(row) : undefined;
}

export async function setStatementStatus(
  tx: Executor,
  id: string,
  status: Statement['status'],
  extra: { ledgerEntryId?: string; issuedAt?: Date } = {},
): Promise<void> {
  await tx
    .update(settlementStatements)
    .set({ status, ...extra })
    .where(eq(settlementStatements.id, id));
}

export async function listStatements(
  tx: Executor,
  filter: { funderId?: string; period?: string },
  limit: number,
): Promise<Statement[]> {
  const rows = await tx
    .select()
    .from(settlementStatements)
    .where(
      and(
        filter.funderId === undefined ? undefined : eq(settlementStatements.funderId, filter.funderId),
        filter.period === undefined ? undefined : eq(settlementStatements.period, filter.period),
      ),
    )
    .orderBy(asc(settlementStatements.period), asc(settlementStatements.funderId))
    .limit(Math.min(limit, STATEMENT_PAGE_MAX));
  return rows.map(toStatement);
}

/** The end of the funder's last month with a statement (posted or later), or null. */
export async function postedUntil(tx: Executor, funderId: string): Promise<Date | null> {
  const [row] = await tx
    .select({ end: sql<Date | string | null>`max(${settlementStatements.periodEnd})` })
    .from(settlementStatements)
    .where(eq(settlementStatements.funderId, funderId));
  return row?.end ? new Date(row.end) : null;
}

/** A statement's lines, read back from the journal in line order. */
export async function statementLines(tx: Executor, statementId: string): Promise<StatementLine[]> {
  const rows = await tx
    .select()
    .from(settlementPostings)
    .where(eq(settlementPostings.statementId, statementId))
    .orderBy(asc(settlementPostings.lineNo))
    .limit(STATEMENT_LINES_MAX);
  return rows.map((r) => ({
    lineNo: r.lineNo,
    kind: r.kind,
    source: r.source,
    customerId: r.customerId,
    customerRef: r.customerRef,
    loanId: r.loanId,
    amountFen: r.amountFen,
    accounts: r.accounts,
    amountsFen: r.amountsFen.map(Number),
    memo: r.memo,
  }));
}

export async function lineAmounts(
  tx: Executor,
  statementId: string,
  lineNos: readonly number[],
): Promise<Map<number, number>> {
  const rows = await tx
    .select({ lineNo: settlementPostings.lineNo, amountFen: settlementPostings.amountFen })
    .from(settlementPostings)
    .where(
      and(eq(settlementPostings.statementId, statementId), inArray(settlementPostings.lineNo, [...lineNos])),
    );
  return new Map(rows.map((r) => [r.lineNo, r.amountFen]));
}

/** Service fees posted per customer for a funder (the penalty multiple's base). */
export async function serviceFeesByCustomer(
  tx: Executor,
  funderId: string,
  customerIds: readonly string[],
): Promise<Map<string, number>> {
  if (customerIds.length === 0) return new Map();
  const rows = await tx
    .select({
      customerId: settlementPostings.customerId,
      fen: sql<string>`sum(${settlementPostings.amountFen})`,
    })
    .from(settlementPostings)
    .where(
      and(
        eq(settlementPostings.funderId, funderId),
        eq(settlementPostings.kind, 'service-fee'),
        inArray(settlementPostings.customerId, [...customerIds]),
      ),
    )
    .groupBy(settlementPostings.customerId);
  return new Map(rows.map((r) => [r.customerId!, Number(r.fen)]));
}

// ---- disputes ----

type DisputeRow = typeof settlementDisputes.$inferSelect;
const toDispute = (r: DisputeRow): Dispute => ({ ...r, status: r.status as Dispute['status'] });

export async function disputesOf(tx: Executor, statementId: string): Promise<Dispute[]> {
  const rows = await tx
    .select()
    .from(settlementDisputes)
    .where(eq(settlementDisputes.statementId, statementId))
    .orderBy(asc(settlementDisputes.lineNo))
    .limit(STATEMENT_LINES_MAX);
  return rows.map(toDispute);
}

export async function getDispute(tx: Executor, id: string, lock = false): Promise<Dispute | undefined> {
  const query = tx.select().from(settlementDisputes).where(eq(settlementDisputes.id, id)).limit(1);
  const [row] = lock ? await query.for('update') : await query;
  return row ? toDispute(row) : undefined;
}

export async function insertDisputes(
  tx: Executor,
  rows: Array<typeof settlementDisputes.$inferInsert>,
): Promise<void> {
  if (rows.length > 0) await tx.insert(settlementDisputes).values(rows);
}

export async function resolveDispute(
  tx: Executor,
  id: string,
  outcome: 'upheld' | 'withdrawn',
  by: string,
  at: Date,
): Promise<void> {
  await tx
    .update(settlementDisputes)
    .set({ status: outcome, resolvedAt: at, resolvedBy: by })
    .where(eq(settlementDisputes.id, id));
}

/** Withdrawn disputes of a funder whose refund no statement has posted yet (oldest first). */
export async function pendingAdjustments(tx: Executor, funderId: string): Promise<Adjustment[]> {
  const rows = await tx
    .select({
      disputeId: settlementDisputes.id,
      statementId: settlementDisputes.statementId,
      lineNo: settlementDisputes.lineNo,
      lineAmountFen: settlementPostings.amountFen,
    })
    .from(settlementDisputes)
    .innerJoin(
      settlementPostings,
      and(
        eq(settlementPostings.statementId, settlementDisputes.statementId),
        eq(settlementPostings.lineNo, settlementDisputes.lineNo),
      ),
    )
    .where(
      and(
        eq(settlementDisputes.funderId, funderId),
        eq(settlementDisputes.status, 'withdrawn'),
        sql`NOT EXISTS (SELECT 1 FROM settlement_postings p WHERE p.funder_id = ${funderId} AND p.source = 'adjustment:' || ${settlementDisputes.id})`,
      ),
    )
    .orderBy(asc(settlementDisputes.resolvedAt), asc(settlementDisputes.id))
    .limit(ADJUSTMENTS_MAX);
  return rows;
}

// ---- fee-basis facts ----

export async function recordCollections(
  tx: Executor,
  rows: Array<typeof settlementCollections.$inferInsert>,
) {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK)
    await tx
      .insert(settlementCollections)
      .values(rows.slice(i, i + INSERT_CHUNK))
      .onConflictDoNothing();
}

/**
 * A repayment's collection as an intent of the unit that records the repayment (ADR 0091): it
 * commits with the repayment or not at all. A replayed repayment raises no event, so no conflict.
 */
export function collectionIntent(unit: UnitOfWork, row: typeof settlementCollections.$inferInsert): void {
  unit.insert(settlementCollections, row);
}

export async function recordFindings(tx: Executor, rows: Array<typeof settlementFindings.$inferInsert>) {
  if (rows.length > 0) await tx.insert(settlementFindings).values(rows).onConflictDoNothing();
}

/** Record a declared conversion unless the funder declared this customer already; true when inserted. */
export async function recordConversion(
  tx: Executor,
  row: typeof settlementConversions.$inferInsert,
): Promise<boolean> {
  const inserted = await tx
    .insert(settlementConversions)
    .values(row)
    .onConflictDoNothing()
    .returning({ id: settlementConversions.id });
  return inserted.length === 1;
}

export async function conversionOf(
  tx: Executor,
  funderId: string,
  customerId: string,
): Promise<typeof settlementConversions.$inferSelect | undefined> {
  const [row] = await tx
    .select()
    .from(settlementConversions)
    .where(
      and(eq(settlementConversions.funderId, funderId), eq(settlementConversions.customerId, customerId)),
    )
    .limit(1);
  return row;
}

export async function collectionsBetween(
  tx: Executor,
  funderId: string,
  from: Date,
  to: Date,
): Promise<Collection[]> {
  return tx
    .select({
      repaymentId: settlementCollections.repaymentId,
      loanId: settlementCollections.loanId,
      customerId: settlementCollections.customerId,
      interestFen: settlementCollections.interestFen,
      collectedAt: settlementCollections.collectedAt,
    })
    .from(settlementCollections)
    .where(
      and(
        eq(settlementCollections.funderId, funderId),
        gte(settlementCollections.collectedAt, from),
        lt(settlementCollections.collectedAt, to),
      ),
    )
    .limit(FACTS_READ_MAX);
}

export async function findingsBetween(
  tx: Executor,
  funderId: string,
  from: Date,
  to: Date,
): Promise<Finding[]> {
  return tx
    .select({
      findingId: settlementFindings.findingId,
      customerId: settlementFindings.customerId,
      confirmedAt: settlementFindings.confirmedAt,
    })
    .from(settlementFindings)
    .where(
      and(
        eq(settlementFindings.funderId, funderId),
        gte(settlementFindings.confirmedAt, from),
        lt(settlementFindings.confirmedAt, to),
      ),
    )
    .limit(FACTS_READ_MAX);
}

export async function conversionsBetween(
  tx: Executor,
  funderId: string,
  from: Date,
  to: Date,
): Promise<Conversion[]> {
  return tx
    .select({
      conversionId: settlementConversions.id,
      customerId: settlementConversions.customerId,
      feeFen: settlementConversions.feeFen,
      declaredAt: settlementConversions.declaredAt,
    })
    .from(settlementConversions)
    .where(
      and(
        eq(settlementConversions.funderId, funderId),
        gte(settlementConversions.declaredAt, from),
        lt(settlementConversions.declaredAt, to),
      ),
    )
    .limit(FACTS_READ_MAX);
}

/**
 * Service-fee income per Asia/Shanghai day of posting in [from, to): the credit to the funders'
 * `service-fee-income` accounts, i.e. the amount of every `service-fee` posting (ADR 0101).
 */
export async function serviceFeeIncomeByDay(
  tx: Executor,
  from: Date,
  to: Date,
): Promise<Map<number, number>> {
  const day = chinaDaySql(settlementPostings.createdAt);
  const rows = await tx
    .select({ day, fen: sql<string>`sum(${settlementPostings.amountFen})` })
    .from(settlementPostings)
    .where(
      and(
        eq(settlementPostings.kind, 'service-fee'),
        gte(settlementPostings.createdAt, from),
        lt(settlementPostings.createdAt, to),
      ),
    )
    .groupBy(day);
  return new Map(rows.map((r) => [Number(r.day), Number(r.fen)]));
}

/** Declared conversions of one customer, with every funder (detection's "explained"). */
export async function conversionsOfCustomer(
  tx: Executor,
  customerId: string,
): Promise<Array<{ conversionId: string; funderId: string; declaredAt: Date }>> {
  return tx
    .select({
      conversionId: settlementConversions.id,
      funderId: settlementConversions.funderId,
      declaredAt: settlementConversions.declaredAt,
    })
    .from(settlementConversions)
    .where(eq(settlementConversions.customerId, customerId))
    .orderBy(asc(settlementConversions.declaredAt))
    .limit(CONVERSIONS_PER_CUSTOMER_MAX);
}

/** At most one a funder per customer: the funders of the platform, bounded. */
const CONVERSIONS_PER_CUSTOMER_MAX = 1_000;

// ---- terminations (ADR 0093) ----

export const TERMINATIONS_PAGE_MAX = 500;

/** Confirmed findings of a funder in [from, to]. */
export async function findingsCount(tx: Executor, funderId: string, from: Date, to: Date): Promise<number> {
  const [row] = await tx
    .select({ n: sql<string>`count(*)` })
    .from(settlementFindings)
    .where(
      and(
        eq(settlementFindings.funderId, funderId),
        gte(settlementFindings.confirmedAt, from),
        lte(settlementFindings.confirmedAt, to),
      ),
    );
  return Number(row!.n);
}

type TerminationRow = typeof settlementTerminations.$inferSelect;
const toTermination = (r: TerminationRow): Termination => ({ ...r });

/** The funder's termination in force, if any. */
export async function terminationInForce(tx: Executor, funderId: string): Promise<Termination | undefined> {
  const [row] = await tx
    .select()
    .from(settlementTerminations)
    .where(and(eq(settlementTerminations.funderId, funderId), eq(settlementTerminations.status, 'in-force')))
    .limit(1);
  return row ? toTermination(row) : undefined;
}

/** When the funder's latest termination was lifted (findings before it were answered by it). */
export async function lastLiftedAt(tx: Executor, funderId: string): Promise<Date | null> {
  const [row] = await tx
    .select({ at: sql<Date | string | null>`max(${settlementTerminations.liftedAt})` })
    .from(settlementTerminations)
    .where(eq(settlementTerminations.funderId, funderId));
  return row?.at ? new Date(row.at) : null;
}

/** Insert unless this confirmation fired one already; true when inserted. */
export async function insertTermination(tx: Executor, row: Termination): Promise<boolean> {
  const inserted = await tx
    .insert(settlementTerminations)
    .values(row)
    .onConflictDoNothing()
    .returning({ id: settlementTerminations.id });
  return inserted.length === 1;
}

export async function getTermination(
  tx: Executor,
  id: string,
  lock = false,
): Promise<Termination | undefined> {
  const query = tx.select().from(settlementTerminations).where(eq(settlementTerminations.id, id)).limit(1);
  const [row] = lock ? await query.for('update') : await query;
  return row ? toTermination(row) : undefined;
}

export async function liftTermination(
  tx: Executor,
  id: string,
  lift: { liftedAt: Date; liftedBy: string; liftReason: string },
): Promise<void> {
  await tx
    .update(settlementTerminations)
    .set({ status: 'lifted', ...lift })
    .where(eq(settlementTerminations.id, id));
}

/** Terminations, newest first (in force first when asked), at most `limit`. */
export async function listTerminations(
  tx: Executor,
  filter: { funderId?: string; status?: Termination['status'] },
  limit: number,
): Promise<Termination[]> {
  const rows = await tx
    .select()
    .from(settlementTerminations)
    .where(
      and(
        filter.funderId === undefined ? undefined : eq(settlementTerminations.funderId, filter.funderId),
        filter.status === undefined ? undefined : eq(settlementTerminations.status, filter.status),
      ),
    )
    .orderBy(desc(settlementTerminations.triggeredAt), asc(settlementTerminations.id))
    .limit(Math.min(limit, TERMINATIONS_PAGE_MAX));
  return rows.map(toTermination);
}

// Intake's tables: applications, their status history, and the loans booked from them
// (src/intake/booking.ts). The submission writes them as intents
// of its unit (ADR 0069); reads and status moves are typed queries.
import { and, asc, count, desc, eq, gt, gte, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { chinaDaySql } from '../db/days.ts';
import type { Ref, RowHandle, UnitOfWork } from '../db/unit-of-work.ts';
import type { Application } from './model.ts';
import { applicationEvents, applications, bookedLoans, customerFirstLoans, repayments } from './schema.ts';
import type { ApplicationStatus } from './status.ts';

export type ApplicationRow = typeof applications.$inferSelect;
export type EventRow = typeof applicationEvents.$inferSelect;
export type LoanRow = typeof bookedLoans.$inferSelect;
export type RepaymentRow = typeof repayments.$inferSelect;

export function insertApplication(
  unit: UnitOfWork,
  row: Omit<ApplicationRow, 'customerId' | 'funderId' | 'productId' | 'approvedAt'> & {
    customerId: Ref<string>;
  },
): RowHandle<typeof applications> {
  return unit.insert(applications, row);
}

export function insertEvent(unit: UnitOfWork, row: Omit<EventRow, 'seq'>): void {
  unit.insert(applicationEvents, row);
}

export async function getApplication(tx: Executor, id: string): Promise<ApplicationRow | undefined> {
  const [row] = await tx.select().from(applications).where(eq(applications.id, id));
  return row;
}

export async function getEmployerEnc(tx: Executor, id: string): Promise<string | null | undefined> {
  const [row] = await tx
    .select({ enc: applications.employerEnc })
    .from(applications)
    .where(eq(applications.id, id));
  return row?.enc;
}

export async function listEvents(tx: Executor, id: string, limit: number): Promise<EventRow[]> {
  return tx
    .select()
    .from(applicationEvents)
    .where(eq(applicationEvents.applicationId, id))
    .orderBy(asc(applicationEvents.seq))
    .limit(limit);
}

/** Move the application if it is still in `from` (two concurrent moves cannot both win). */
export async function moveApplication(
  tx: Executor,
  id: string,
  from: string,
  set: Partial<Pick<ApplicationRow, 'status' | 'updatedAt' | 'funderId' | 'productId' | 'score'>>,
): Promise<ApplicationRow | undefined> {
  const [row] = await tx
    .update(applications)
    .set(set)
    .where(and(eq(applications.id, id), eq(applications.status, from)))
    .returning();
  return row;
}

/** The primary key on application_id is what makes a second booking fail. */
export async function insertLoan(tx: Executor, row: typeof bookedLoans.$inferInsert): Promise<boolean> {
  const inserted = await tx
    .insert(bookedLoans)
    .values(row)
    .onConflictDoNothing()
    .returning({ id: bookedLoans.id });
  return inserted.length === 1;
}

/** Loans booked for one customer through the platform, newest first (detection's cross-check). */
export const LOANS_PER_CUSTOMER_LIMIT = 1_000;

/** The customer's newest application's id (the financing plan reads its routing decision). */
export async function latestApplicationIdOf(tx: Executor, customerId: string): Promise<string | undefined> {
  const [row] = await tx
    .select({ id: applications.id })
    .from(applications)
    .where(eq(applications.customerId, customerId))
    .orderBy(desc(applications.createdAt))
    .limit(1);
  return row?.id;
}

export async function loanOf(tx: Executor, applicationId: string): Promise<LoanRow | undefined> {
  const [row] = await tx.select().from(bookedLoans).where(eq(bookedLoans.applicationId, applicationId));
  return row;
}

// ---- repayments (ADR 0080) ----

/** The loan by its id; `lock`: FOR UPDATE, so one loan's repayments are checked one at a time. */
export async function loanById(tx: Executor, loanId: string, lock = false): Promise<LoanRow | undefined> {
  const query = tx.select().from(bookedLoans).where(eq(bookedLoans.id, loanId));
  const [row] = lock ? await query.for('update') : await query;
  return row;
}

/** A customer's loans, newest first, at most `limit` (detection's cross-check, the borrower's loans, the plan). */
export async function loansOfCustomer(
  tx: Executor,
  customerId: string,
  limit: number = LOANS_PER_CUSTOMER_LIMIT,
): Promise<LoanRow[]> {
  return tx
    .select()
    .from(bookedLoans)
    .where(eq(bookedLoans.customerId, customerId))
    .orderBy(desc(bookedLoans.bookedAt), asc(bookedLoans.id))
    .limit(limit);
}

/** The funder's repayment under this id, if any. */
export async function repaymentOf(
  tx: Executor,
  funderId: string,
  repaymentId: string,
): Promise<RepaymentRow | undefined> {
  const [row] = await tx
    .select()
    .from(repayments)
    .where(and(eq(repayments.funderId, funderId), eq(repayments.repaymentId, repaymentId)));
  return row;
}

/** A loan's repayment events in acceptance order, at most `limit`. */
export async function repaymentsOfLoan(tx: Executor, loanId: string, limit: number): Promise<RepaymentRow[]> {
  return tx
    .select()
    .from(repayments)
    .where(eq(repayments.loanId, loanId))
    .orderBy(asc(repayments.seq))
    .limit(limit);
}

/** The repayment events of several loans (a borrower's list), in acceptance order, at most `limit`. */
export async function repaymentsOfLoans(
  tx: Executor,
  loanIds: readonly string[],
  limit: number,
): Promise<RepaymentRow[]> {
  if (loanIds.length === 0) return [];
  return tx
    .select()
    .from(repayments)
    .where(inArray(repayments.loanId, [...loanIds]))
    .orderBy(asc(repayments.seq))
    .limit(limit);
}

/** An accepted repayment, as an intent of the unit that raises its events. */
export function insertRepayment(unit: UnitOfWork, row: Omit<RepaymentRow, 'seq'>): void {
  unit.insert(repayments, row);
}

/** Whether an error is the repayments primary key refusing a second (funder, repaymentId). */
export function isRepaymentIdConflict(error: unknown): boolean {
  const e = error as { code?: unknown; constraint?: unknown; cause?: unknown } | null;
  const cause = (e?.cause ?? e) as { code?: unknown; constraint?: unknown } | null;
  return (
    (e?.code === '23505' && e.constraint === 'repayments_funder_id_repayment_id_pk') ||
    (cause?.code === '23505' && cause.constraint === 'repayments_funder_id_repayment_id_pk')
  );
}

/** An application row as the domain type. */
export function toApplication(row: ApplicationRow): Application {
  return {
    id: row.id,
    status: row.status as ApplicationStatus,
    customerId: row.customerId,
    amountFen: row.amountFen,
    termMonths: row.termMonths,
    purpose: row.purpose,
    channel: row.channel,
    monthlyIncomeFen: row.monthlyIncomeFen,
    score: row.score,
    funderId: row.funderId,
    productId: row.productId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Loans booked per funder since `since` (detection's rescoring: its rates' denominators). */
export async function bookedCountsSince(tx: Executor, since: Date): Promise<Map<string, number>> {
  const rows = await tx
    .select({ funderId: bookedLoans.funderId, n: count() })
    .from(bookedLoans)
    .where(gte(bookedLoans.bookedAt, since))
    .groupBy(bookedLoans.funderId);
  return new Map(rows.map((r) => [r.funderId, Number(r.n)]));
}

/** One page of a funder's loans booked in [from, to), in (bookedAt, id) order after `after`. */
export async function loansBookedBetween(
  tx: Executor,
  funderId: string,
  from: Date,
  to: Date,
  after: { bookedAt: Date; id: string } | null,
  limit: number,
): Promise<Array<{ id: string; customerId: string; principalFen: number; bookedAt: Date }>> {
  const columns = {
    id: bookedLoans.id,
    customerId: bookedLoans.customerId,
    principalFen: bookedLoans.principalFen,
    bookedAt: bookedLoans.bookedAt,
  };
  const window = and(
    eq(bookedLoans.funderId, funderId),
    gte(bookedLoans.bookedAt, from),
    lt(bookedLoans.bookedAt, to),
  );
  return tx
    .select(columns)
    .from(bookedLoans)
    .where(
      after
        ? and(
            window,
            or(
              gt(bookedLoans.bookedAt, after.bookedAt),
              and(eq(bookedLoans.bookedAt, after.bookedAt), gt(bookedLoans.id, after.id)),
            ),
          )
        : window,
    )
    .orderBy(asc(bookedLoans.bookedAt), asc(bookedLoans.id))
    .limit(limit);
}

// ---- staff reads: the applications list and the dashboard's counts (ADR 0100, 0101) ----

/** What the staff list filters by; `before` is the keyset position of the previous page's last row. */
export interface ApplicationFilter {
  status?: ApplicationStatus;
  funderId?: string;
  /** submitted at or after */
  from?: Date;
  /** submitted before */
  to?: Date;
  before?: { submittedAt: Date; id: string };
}

export type ApplicationListRow = Pick<
  ApplicationRow,
  'id' | 'status' | 'createdAt' | 'amountFen' | 'termMonths' | 'funderId' | 'productId'
>;

/**
 * One page, newest first by (created_at, id): a keyset read (the row comparison is an index range on
 * applications_submitted, or its status/funder twin), so a deep page costs what the first does and a
 * row inserted while paging never shifts the pages after it.
 */
export async function applicationsPage(
  tx: Executor,
  filter: ApplicationFilter,
  limit: number,
): Promise<ApplicationListRow[]> {
  const where: SQL[] = [];
  if (filter.status !== undefined) where.push(eq(applications.status, filter.status));
  if (filter.funderId !== undefined) where.push(eq(applications.funderId, filter.funderId));
  if (filter.from !== undefined) where.push(gte(applications.createdAt, filter.from));
  if (filter.to !== undefined) where.push(lt(applications.createdAt, filter.to));
  if (filter.before !== undefined)
    where.push(
      sql`(${applications.createdAt}, ${applications.id}) < (${filter.before.submittedAt.toISOString()}::timestamptz, ${filter.before.id})`,
    );
  return tx
    .select({
      id: applications.id,
      status: applications.status,
      createdAt: applications.createdAt,
      amountFen: applications.amountFen,
      termMonths: applications.termMonths,
      funderId: applications.funderId,
      productId: applications.productId,
    })
    .from(applications)
    .where(and(...where))
    .orderBy(desc(applications.createdAt), desc(applications.id))
    .limit(limit);
}

/** Asia/Shanghai day number → count, from rows of a (day, n) grouping. */
function byDay(rows: Array<{ day: number; n: number }>): Map<number, number> {
  return new Map(rows.map((r) => [Number(r.day), Number(r.n)]));
}

/** Applications submitted per Asia/Shanghai day in [from, to). */
export async function submissionsByDay(tx: Executor, from: Date, to: Date): Promise<Map<number, number>> {
  const day = chinaDaySql(applications.createdAt);
  return byDay(
    await tx
      .select({ day, n: count() })
      .from(applications)
      .where(and(gte(applications.createdAt, from), lt(applications.createdAt, to)))
      .groupBy(day),
  );
}

/** Applications that reached `approved` per Asia/Shanghai day in [from, to) (one approval per application). */
export async function approvalsByDay(tx: Executor, from: Date, to: Date): Promise<Map<number, number>> {
  const day = chinaDaySql(applicationEvents.at);
  return byDay(
    await tx
      .select({ day, n: count() })
      .from(applicationEvents)
      .where(
        and(
          eq(applicationEvents.toStatus, 'approved'),
          gte(applicationEvents.at, from),
          lt(applicationEvents.at, to),
        ),
      )
      .groupBy(day),
  );
}

/** Loans booked per Asia/Shanghai day in [from, to). */
export async function bookingsByDay(tx: Executor, from: Date, to: Date): Promise<Map<number, number>> {
  const day = chinaDaySql(bookedLoans.bookedAt);
  return byDay(
    await tx
      .select({ day, n: count() })
      .from(bookedLoans)
      .where(and(gte(bookedLoans.bookedAt, from), lt(bookedLoans.bookedAt, to)))
      .groupBy(day),
  );
}

/** Per funder: applications approved in [from, to), and how many of them have since been confirmed / left. */
export interface ApprovalOutcomes {
  approved: number;
  confirmed: number;
  abandoned: number;
}

/**
 * After `approved` an application is confirmed (then booked), abandoned or expired, nothing else
 * (status.ts), and it keeps the approving funder: its status now says what became of the approval.
 * Read from `applications_approved` alone (approved_at, funder, status: an index-only scan, ADR 0104);
 * approved_at is the approval event's time, kept by a trigger (migration 0021).
 */
export async function approvalOutcomes(
  tx: Executor,
  from: Date,
  to: Date,
): Promise<Map<string, ApprovalOutcomes>> {
  const rows = await tx
    .select({
      funderId: applications.funderId,
      approved: count(),
      confirmed: sql<number>`count(*) FILTER (WHERE ${applications.status} IN ('confirmed', 'booked'))::int`,
      abandoned: sql<number>`count(*) FILTER (WHERE ${applications.status} IN ('abandoned', 'expired'))::int`,
    })
    .from(applications)
    .where(
      and(
        sql`${applications.approvedAt} IS NOT NULL`,
        gte(applications.approvedAt, from),
        lt(applications.approvedAt, to),
      ),
    )
    .groupBy(applications.funderId);
  const out = new Map<string, ApprovalOutcomes>();
  for (const r of rows)
    if (r.funderId !== null)
      out.set(r.funderId, {
        approved: Number(r.approved),
        confirmed: Number(r.confirmed),
        abandoned: Number(r.abandoned),
      });
  return out;
}

/**
 * Per funder: customers whose first loan through the platform it booked in [from, to) (`firsts`),
 * and how many of them have booked another loan through the platform since, with any funder, up to
 * now (`repeats`). Order is (booked_at, id), so two loans in the same instant still have a first.
 * customer_first_loans holds each customer's first loan and the next one's time (a trigger on
 * booked_loans keeps it, migration 0021), so this is one index range (ADR 0104).
 */
export async function repeatBorrowing(
  tx: Executor,
  from: Date,
  to: Date,
): Promise<Map<string, { firsts: number; repeats: number }>> {
  const rows = await tx
    .select({
      funderId: customerFirstLoans.funderId,
      firsts: count(),
      repeats: count(customerFirstLoans.repeatAt),
    })
    .from(customerFirstLoans)
    .where(and(gte(customerFirstLoans.bookedAt, from), lt(customerFirstLoans.bookedAt, to)))
    .groupBy(customerFirstLoans.funderId);
  return new Map(rows.map((r) => [r.funderId, { firsts: Number(r.firsts), repeats: Number(r.repeats) }]));
}

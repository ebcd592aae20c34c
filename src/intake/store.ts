// Intake's tables: applications, their status history, and the loans booked from them
// (src/intake/booking.ts). The submission writes them as intents
// of its unit (ADR 0069); reads and status moves are typed queries.
import { and, asc, eq, gt, gte, lt, or } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import type { Ref, RowHandle, UnitOfWork } from '../db/unit-of-work.ts';
import type { Application } from './model.ts';
import { applicationEvents, applications, bookedLoans } from './schema.ts';
import type { ApplicationStatus } from './status.ts';

export type ApplicationRow = typeof applications.$inferSelect;
export type EventRow = typeof applicationEvents.$inferSelect;
export type LoanRow = typeof bookedLoans.$inferSelect;

export function insertApplication(
  unit: UnitOfWork,
  row: Omit<ApplicationRow, 'customerId' | 'funderId' | 'productId'> & { customerId: Ref<string> },
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

export async function loanOf(tx: Executor, applicationId: string): Promise<LoanRow | undefined> {
  const [row] = await tx.select().from(bookedLoans).where(eq(bookedLoans.applicationId, applicationId));
  return row;
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

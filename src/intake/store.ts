// Intake's queries for the loans booked from its applications (src/intake/booking.ts).
import { eq } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { bookedLoans } from './schema.ts';

export type LoanRow = typeof bookedLoans.$inferSelect;

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

// Identity's tables: customers (PII encrypted, ADR 0062 for what is in clear) and consents. The
// submission reads and writes customers through lookups and intents (ADR 0069); everything else
// through these typed queries.
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import type { LookupRef, Lookups } from '../db/lookups.ts';
import type { UnitOfWork, UpsertHandle } from '../db/unit-of-work.ts';
import type { Consent } from './model.ts';
import { consents, customers } from './schema.ts';

export type CustomerRow = typeof customers.$inferSelect;

/** The id of the customer with this customer key, read with a submission's other lookups. */
export function customerIdByKey(lookups: Lookups, customerKey: string): LookupRef<string | null> {
  return lookups.scalar(customers, 'id', { customerKey });
}

/**
 * Find or create the customer as one upsert: a new person gets `row.id`; a known one (same customer
 * key) keeps its id and has name, phone and phone key refreshed. On PostgreSQL a concurrent first
 * application of the same person waits for the other's row and updates it: one customer per person.
 */
export function upsertCustomer(
  unit: UnitOfWork,
  row: Omit<CustomerRow, 'updatedAt'>,
): UpsertHandle<typeof customers> {
  unit.conflictsOn(`customer:${row.customerKey}`);
  return unit.upsert(
    customers,
    { ...row, updatedAt: row.createdAt },
    { target: ['customerKey'], update: ['nameEnc', 'phoneEnc', 'phoneKey', 'updatedAt'] },
  );
}

export async function getCustomer(tx: Executor, customerId: string): Promise<CustomerRow | undefined> {
  const [row] = await tx.select().from(customers).where(eq(customers.id, customerId));
  return row;
}

export async function getProfileRow(tx: Executor, customerId: string) {
  const [row] = await tx
    .select({
      id: customers.id,
      birthDate: customers.birthDate,
      gender: customers.gender,
      regionCode: customers.regionCode,
      createdAt: customers.createdAt,
    })
    .from(customers)
    .where(eq(customers.id, customerId));
  return row;
}

export function insertConsent(unit: UnitOfWork, consent: Consent): void {
  unit.insert(consents, consent);
}

/** Mark the live consents of (customer, funder) withdrawn; returns how many were live. */
export async function withdrawLiveConsents(
  tx: Executor,
  customerId: string,
  funderId: string,
  at: Date,
): Promise<number> {
  const rows = await tx
    .update(consents)
    .set({ withdrawnAt: at })
    .where(
      and(eq(consents.customerId, customerId), eq(consents.funderId, funderId), isNull(consents.withdrawnAt)),
    )
    .returning({ id: consents.id });
  return rows.length;
}

export async function latestLiveConsent(
  tx: Executor,
  customerId: string,
  funderId: string,
): Promise<Consent | undefined> {
  const [row] = await tx
    .select()
    .from(consents)
    .where(
      and(eq(consents.customerId, customerId), eq(consents.funderId, funderId), isNull(consents.withdrawnAt)),
    )
    .orderBy(desc(consents.grantedAt))
    .limit(1);
  return row ? (row as Consent) : undefined;
}

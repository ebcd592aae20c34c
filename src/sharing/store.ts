// Sharing queries. Every read of a growing table is bounded (STYLE §8).
import { and, asc, count, desc, eq, gt, gte, isNull, lt, lte, or } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import type { ContactEvent, ContactVerdict, ContactChannel, Field, SharingPolicy, Stage } from './model.ts';
import { contactEvents, prescreenSets, relayLeases, shares, sharingPolicies } from './schema.ts';

/** Shares of one customer with one funder that the purpose check reads (newest first). */
export const SHARES_PER_PAIR_LIMIT = 100;
export const CONTACT_EVENTS_PAGE_MAX = 500;
/** Shares of one customer detection's cross-check reads (newest first): years of re-applications. */
export const SHARES_PER_CUSTOMER_LIMIT = 1_000;

export type ShareRow = typeof shares.$inferSelect;
export type LeaseRow = typeof relayLeases.$inferSelect;
export type PrescreenSetRow = typeof prescreenSets.$inferSelect;

export async function readPolicy(
  tx: Executor,
  funderId: string,
): Promise<{ policy: SharingPolicy; version: number } | undefined> {
  const [row] = await tx.select().from(sharingPolicies).where(eq(sharingPolicies.funderId, funderId));
  return row ? { policy: row.policy, version: row.version } : undefined;
}

export async function writePolicy(
  tx: Executor,
  row: { funderId: string; policy: SharingPolicy; version: number; updatedBy: string; updatedAt: Date },
): Promise<void> {
  await tx
    .insert(sharingPolicies)
    .values(row)
    .onConflictDoUpdate({
      target: sharingPolicies.funderId,
      set: { policy: row.policy, version: row.version, updatedBy: row.updatedBy, updatedAt: row.updatedAt },
    });
}

export async function insertShare(tx: Executor, row: ShareRow): Promise<void> {
  await tx.insert(shares).values(row);
}

export async function sharesOfPair(tx: Executor, customerId: string, funderId: string): Promise<ShareRow[]> {
  return tx
    .select()
    .from(shares)
    .where(and(eq(shares.customerId, customerId), eq(shares.funderId, funderId)))
    .orderBy(desc(shares.sharedAt))
    .limit(SHARES_PER_PAIR_LIMIT);
}

/** One customer's shares with every funder, newest first (the credit-report cross-check). */
export async function sharesOfCustomer(tx: Executor, customerId: string): Promise<ShareRow[]> {
  return tx
    .select()
    .from(shares)
    .where(eq(shares.customerId, customerId))
    .orderBy(desc(shares.sharedAt))
    .limit(SHARES_PER_CUSTOMER_LIMIT);
}

export async function shareByApplicationRef(
  tx: Executor,
  funderId: string,
  applicationRef: string,
): Promise<ShareRow | undefined> {
  const [row] = await tx
    .select()
    .from(shares)
    .where(and(eq(shares.funderId, funderId), eq(shares.applicationRef, applicationRef)))
    .limit(1);
  return row;
}

/** The first payload that named this customer pseudonym to this funder (a shared customer). */
export async function shareByCustomerRef(
  tx: Executor,
  funderId: string,
  customerRef: string,
): Promise<ShareRow | undefined> {
  const [row] = await tx
    .select()
    .from(shares)
    .where(and(eq(shares.funderId, funderId), eq(shares.customerRef, customerRef)))
    .orderBy(asc(shares.sharedAt))
    .limit(1);
  return row;
}

export async function liveLease(
  tx: Executor,
  customerId: string,
  funderId: string,
  channel: string,
): Promise<LeaseRow | undefined> {
  const [row] = await tx
    .select()
    .from(relayLeases)
    .where(
      and(
        eq(relayLeases.customerId, customerId),
        eq(relayLeases.funderId, funderId),
        eq(relayLeases.channel, channel),
        isNull(relayLeases.releasedAt),
      ),
    )
    .limit(1);
  return row;
}

export async function insertLease(tx: Executor, row: LeaseRow): Promise<boolean> {
  const inserted = await tx
    .insert(relayLeases)
    .values(row)
    .onConflictDoNothing()
    .returning({ id: relayLeases.id });
  return inserted.length === 1;
}

/** The lease that held this address at that time (addresses are reused only after release). */
export async function leaseAt(tx: Executor, address: string, at: Date): Promise<LeaseRow | undefined> {
  const [row] = await tx
    .select()
    .from(relayLeases)
    .where(
      and(
        eq(relayLeases.address, address),
        lte(relayLeases.leasedAt, at),
        or(isNull(relayLeases.releasedAt), gt(relayLeases.releasedAt, at)),
      ),
    )
    .orderBy(desc(relayLeases.leasedAt))
    .limit(1);
  return row;
}

export async function releaseLeases(
  tx: Executor,
  customerId: string,
  funderId: string,
  at: Date,
): Promise<LeaseRow[]> {
  return tx
    .update(relayLeases)
    .set({ releasedAt: at })
    .where(
      and(
        eq(relayLeases.customerId, customerId),
        eq(relayLeases.funderId, funderId),
        isNull(relayLeases.releasedAt),
      ),
    )
    .returning();
}

type ContactRow = typeof contactEvents.$inferSelect;

export function toContactEvent(row: ContactRow): ContactEvent {
  return {
    id: row.id,
    relayPointId: row.leaseId,
    funderId: row.funderId,
    customerId: row.customerId,
    channel: row.channel as ContactChannel,
    occurredAt: row.occurredAt,
    receivedAt: row.receivedAt,
    verdict: row.verdict as ContactVerdict,
    reason: row.reason,
    summary: row.summary,
    providerEventId: row.providerEventId,
  };
}

export async function contactByProviderId(
  tx: Executor,
  providerEventId: string,
): Promise<ContactRow | undefined> {
  const [row] = await tx
    .select()
    .from(contactEvents)
    .where(eq(contactEvents.providerEventId, providerEventId))
    .limit(1);
  return row;
}

export async function insertContact(tx: Executor, row: ContactRow): Promise<ContactRow | undefined> {
  const [inserted] = await tx.insert(contactEvents).values(row).onConflictDoNothing().returning();
  return inserted;
}

export async function listContacts(
  tx: Executor,
  filter: { funderId?: string | undefined; verdict?: ContactVerdict | undefined; limit: number },
): Promise<ContactRow[]> {
  const conditions = [
    filter.funderId === undefined ? undefined : eq(contactEvents.funderId, filter.funderId),
    filter.verdict === undefined ? undefined : eq(contactEvents.verdict, filter.verdict),
  ].filter((c) => c !== undefined);
  return tx
    .select()
    .from(contactEvents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(contactEvents.occurredAt), desc(contactEvents.id))
    .limit(Math.min(filter.limit, CONTACT_EVENTS_PAGE_MAX));
}

export async function livePrescreenSet(tx: Executor, funderId: string): Promise<PrescreenSetRow | undefined> {
  const [row] = await tx
    .select()
    .from(prescreenSets)
    .where(and(eq(prescreenSets.funderId, funderId), isNull(prescreenSets.retiredAt)))
    .limit(1);
  return row;
}

export async function replacePrescreenSet(tx: Executor, row: PrescreenSetRow): Promise<void> {
  await tx
    .update(prescreenSets)
    .set({ retiredAt: row.uploadedAt })
    .where(and(eq(prescreenSets.funderId, row.funderId), isNull(prescreenSets.retiredAt)));
  await tx.insert(prescreenSets).values(row);
}

export type { Field, Stage };

/**
 * Per funder since `since`: shares (exposures) and relay contacts judged in purpose (the
 * denominator of the contact-purpose classifier's error; detection's rescoring reads them).
 */
export async function funderActivitySince(
  tx: Executor,
  since: Date,
): Promise<{ shares: Map<string, number>; inPurposeContacts: Map<string, number> }> {
  const shareRows = await tx
    .select({ funderId: shares.funderId, n: count() })
    .from(shares)
    .where(gte(shares.sharedAt, since))
    .groupBy(shares.funderId);
  const contactRows = await tx
    .select({ funderId: contactEvents.funderId, n: count() })
    .from(contactEvents)
    .where(and(eq(contactEvents.verdict, 'in-purpose'), gte(contactEvents.occurredAt, since)))
    .groupBy(contactEvents.funderId);
  const inPurposeContacts = new Map<string, number>();
  for (const row of contactRows)
    if (row.funderId !== null) inPurposeContacts.set(row.funderId, Number(row.n));
  return { shares: new Map(shareRows.map((r) => [r.funderId, Number(r.n)])), inPurposeContacts };
}

/** Shares of one application (through its customer's index), oldest first, at most SHARES_PER_CUSTOMER_LIMIT. */
export async function sharesOfApplication(
  tx: Executor,
  customerId: string,
  applicationId: string,
): Promise<ShareRow[]> {
  return tx
    .select()
    .from(shares)
    .where(and(eq(shares.customerId, customerId), eq(shares.applicationId, applicationId)))
    .orderBy(asc(shares.sharedAt), asc(shares.id))
    .limit(SHARES_PER_CUSTOMER_LIMIT);
}

/** Application-stage shares (exposures) per funder in [from, to) (the dashboard's rates, ADR 0101). */
export async function exposuresBetween(tx: Executor, from: Date, to: Date): Promise<Map<string, number>> {
  const rows = await tx
    .select({ funderId: shares.funderId, n: count() })
    .from(shares)
    .where(and(eq(shares.stage, 'application'), gte(shares.sharedAt, from), lt(shares.sharedAt, to)))
    .groupBy(shares.funderId);
  return new Map(rows.map((r) => [r.funderId, Number(r.n)]));
}

// The canary registry's queries. Every read is bounded (STYLE §8); only canary-service.ts calls
// these, and only for admin and analyst principals.
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import {
  canaries,
  canaryBudgets,
  canaryContactPoints,
  canaryContacts,
  canaryPlacements,
} from './canary-schema.ts';

export type CanaryRow = typeof canaries.$inferSelect;
export type ContactPointRow = typeof canaryContactPoints.$inferSelect;
export type PlacementRow = typeof canaryPlacements.$inferSelect;
export type CanaryContactRow = typeof canaryContacts.$inferSelect;
export type BudgetRow = typeof canaryBudgets.$inferSelect;

export async function insertCanary(
  tx: Executor,
  row: CanaryRow,
  points: readonly ContactPointRow[],
): Promise<void> {
  await tx.insert(canaries).values(row);
  if (points.length > 0) await tx.insert(canaryContactPoints).values([...points]);
}

export async function canaryById(tx: Executor, id: string): Promise<CanaryRow | undefined> {
  const [row] = await tx.select().from(canaries).where(eq(canaries.id, id)).limit(1);
  return row;
}

export async function canaryByCustomer(tx: Executor, customerId: string): Promise<CanaryRow | undefined> {
  const [row] = await tx.select().from(canaries).where(eq(canaries.customerId, customerId)).limit(1);
  return row;
}

export async function contactPointsByKeys(tx: Executor, keys: readonly string[]): Promise<ContactPointRow[]> {
  if (keys.length === 0) return [];
  return tx
    .select()
    .from(canaryContactPoints)
    .where(inArray(canaryContactPoints.addressKey, [...keys]))
    .limit(keys.length);
}

export async function contactPointsOf(
  tx: Executor,
  canaryIds: readonly string[],
  limit: number,
): Promise<ContactPointRow[]> {
  if (canaryIds.length === 0) return [];
  return tx
    .select()
    .from(canaryContactPoints)
    .where(inArray(canaryContactPoints.canaryId, [...canaryIds]))
    .orderBy(asc(canaryContactPoints.id))
    .limit(limit);
}

export async function listCanaries(
  tx: Executor,
  page: { after?: string | undefined; limit: number; status?: string | undefined },
): Promise<CanaryRow[]> {
  const conditions = [
    ...(page.after === undefined ? [] : [gt(canaries.id, page.after)]),
    ...(page.status === undefined ? [] : [eq(canaries.status, page.status)]),
  ];
  return tx
    .select()
    .from(canaries)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(asc(canaries.id))
    .limit(page.limit);
}

export async function setCanaryStatus(tx: Executor, ids: readonly string[], status: string, at: Date) {
  if (ids.length === 0) return;
  await tx
    .update(canaries)
    .set({ status, updatedAt: at })
    .where(inArray(canaries.id, [...ids]));
}

/** The canaries (of these) already placed this month. */
export async function placedInMonth(
  tx: Executor,
  month: string,
  canaryIds: readonly string[],
): Promise<Set<string>> {
  if (canaryIds.length === 0) return new Set();
  const rows = await tx
    .select({ canaryId: canaryPlacements.canaryId })
    .from(canaryPlacements)
    .where(and(eq(canaryPlacements.month, month), inArray(canaryPlacements.canaryId, [...canaryIds])))
    .limit(canaryIds.length);
  return new Set(rows.map((r) => r.canaryId));
}

export async function placementsOfCanary(
  tx: Executor,
  canaryId: string,
  limit: number,
): Promise<PlacementRow[]> {
  return tx
    .select()
    .from(canaryPlacements)
    .where(eq(canaryPlacements.canaryId, canaryId))
    .orderBy(asc(canaryPlacements.placedAt), asc(canaryPlacements.id))
    .limit(limit);
}

/**
 * Dedicate a canary to its funder: only if it has none yet or already this one (so a concurrent
 * plan cannot dedicate it to two). Returns whether the canary is now dedicated to `funderId`.
 */
export async function dedicate(tx: Executor, canaryId: string, funderId: string, at: Date): Promise<boolean> {
  const rows = await tx
    .update(canaries)
    .set({ dedicatedFunderId: funderId, status: 'active', updatedAt: at })
    .where(
      and(
        eq(canaries.id, canaryId),
        sql`(${canaries.dedicatedFunderId} IS NULL OR ${canaries.dedicatedFunderId} = ${funderId})`,
        sql`${canaries.status} <> 'retired'`,
      ),
    )
    .returning({ id: canaries.id });
  return rows.length === 1;
}

export async function insertPlacements(tx: Executor, rows: readonly PlacementRow[]): Promise<void> {
  if (rows.length > 0) await tx.insert(canaryPlacements).values([...rows]);
}

/** Record the ordinary application a canary's placement rode on, once it is known (first share). */
export async function setPlacementApplication(
  tx: Executor,
  canaryId: string,
  funderId: string,
  applicationId: string,
): Promise<void> {
  await tx
    .update(canaryPlacements)
    .set({ applicationId })
    .where(
      and(
        eq(canaryPlacements.canaryId, canaryId),
        eq(canaryPlacements.funderId, funderId),
        sql`${canaryPlacements.applicationId} IS NULL`,
      ),
    );
}

/** The month's budget row, locked so two plans of one month cannot both spend what is left. */
export async function budgetForUpdate(tx: Executor, month: string): Promise<BudgetRow | undefined> {
  const [row] = await tx.select().from(canaryBudgets).where(eq(canaryBudgets.month, month)).for('update');
  return row;
}

export async function upsertBudget(tx: Executor, row: BudgetRow): Promise<void> {
  await tx
    .insert(canaryBudgets)
    .values(row)
    .onConflictDoUpdate({
      target: canaryBudgets.month,
      set: {
        budgetFen: row.budgetFen,
        costPerPlacementFen: row.costPerPlacementFen,
        updatedAt: row.updatedAt,
      },
    });
}

export async function spentInMonth(tx: Executor, month: string): Promise<number> {
  const [row] = await tx
    .select({ spent: sql<string>`coalesce(sum(${canaryPlacements.costFen}), 0)` })
    .from(canaryPlacements)
    .where(eq(canaryPlacements.month, month));
  return Number(row?.spent ?? 0);
}

export async function contactBySource(tx: Executor, sourceId: string): Promise<CanaryContactRow | undefined> {
  const [row] = await tx.select().from(canaryContacts).where(eq(canaryContacts.sourceId, sourceId)).limit(1);
  return row;
}

export async function insertContact(tx: Executor, row: CanaryContactRow): Promise<void> {
  await tx.insert(canaryContacts).values(row);
}

/** Attributed contacts of one funder, oldest first: the canary evidence against it. */
export async function attributedContactsOf(
  tx: Executor,
  funderId: string,
  limit: number,
): Promise<CanaryContactRow[]> {
  return tx
    .select()
    .from(canaryContacts)
    .where(and(eq(canaryContacts.funderId, funderId), eq(canaryContacts.attributed, true)))
    .orderBy(asc(canaryContacts.occurredAt), asc(canaryContacts.id))
    .limit(limit);
}

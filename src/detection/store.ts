// Over 500 lines because every query of detection (evidence, registers, levels, the canary registry
// and the dashboard's funder columns) lives in this one store: SQL is rendered only in db/ and store.ts.
// Detection queries on detection's own tables (ADR 0076). Every read of a growing table is bounded
// (STYLE §8); evidence writes are insert-or-read on (kind, source), so a replay writes nothing.
import { and, asc, desc, eq, gt, gte, inArray, lt, ne, or, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import {
  canaries,
  canaryBudgets,
  canaryContactPoints,
  canaryContacts,
  canaryPlacements,
} from './canary-schema.ts';
import type { DetectionLevel, Evidence, LevelChange } from './model.ts';
import {
  detectionCreditReports,
  detectionEvidence,
  detectionInstitutionAliases,
  detectionLevelChanges,
  detectionLevels,
  detectionStaffContacts,
} from './schema.ts';

export type EvidenceRow = typeof detectionEvidence.$inferSelect;
export type AliasRow = typeof detectionInstitutionAliases.$inferSelect;
export type StaffContactRow = typeof detectionStaffContacts.$inferSelect;
export type CreditReportRow = typeof detectionCreditReports.$inferSelect;
export type LevelRow = typeof detectionLevels.$inferSelect;
export type LevelChangeRow = typeof detectionLevelChanges.$inferSelect;

/** Alias rows the service loads to build the table (the pure builder's own entry limit, 10,000). */
export const ALIAS_ROWS_MAX = 10_000;
export const EVIDENCE_PAGE_MAX = 500;
export const ALERTS_PAGE_MAX = 200;
export const STAFF_CONTACTS_PAGE_MAX = 500;
export const LEVEL_CHANGES_PAGE_MAX = 100;

export function toEvidence(row: EvidenceRow): Evidence {
  return { ...row };
}

/** Insert the evidence unless (kind, source) is known; either way the stored row, and whether it is new. */
export async function insertEvidence(
  tx: Executor,
  row: EvidenceRow,
): Promise<{ row: EvidenceRow; created: boolean }> {
  const [inserted] = await tx.insert(detectionEvidence).values(row).onConflictDoNothing().returning();
  if (inserted) return { row: inserted, created: true };
  const [stored] = await tx
    .select()
    .from(detectionEvidence)
    .where(and(eq(detectionEvidence.kind, row.kind), eq(detectionEvidence.source, row.source)));
  if (!stored) throw new Error(`evidence ${row.kind} ${row.source} conflicted but is not readable`);
  return { row: stored, created: false };
}

/** Evidence recorded about anything since `since`, newest first, at most `limit` (rescoring). */
export async function evidenceSince(tx: Executor, since: Date, limit: number): Promise<EvidenceRow[]> {
  return tx
    .select()
    .from(detectionEvidence)
    .where(gte(detectionEvidence.occurredAt, since))
    .orderBy(desc(detectionEvidence.occurredAt), desc(detectionEvidence.id))
    .limit(limit);
}

/** A funder's evidence, newest first; `before` is the previous page's last (occurredAt, id). */
export async function evidenceOfFunder(
  tx: Executor,
  funderId: string,
  page: { limit: number; before?: { at: Date; id: string } | undefined },
): Promise<EvidenceRow[]> {
  const before = page.before;
  return tx
    .select()
    .from(detectionEvidence)
    .where(
      and(
        eq(detectionEvidence.funderId, funderId),
        before
          ? or(
              lt(detectionEvidence.occurredAt, before.at),
              and(eq(detectionEvidence.occurredAt, before.at), lt(detectionEvidence.id, before.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(detectionEvidence.occurredAt), desc(detectionEvidence.id))
    .limit(Math.min(page.limit, EVIDENCE_PAGE_MAX));
}

export async function evidenceByIds(tx: Executor, ids: readonly string[]): Promise<EvidenceRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(detectionEvidence)
    .where(inArray(detectionEvidence.id, [...ids]));
}

// ---- institution aliases ----

export async function aliasRows(tx: Executor): Promise<AliasRow[]> {
  return tx
    .select()
    .from(detectionInstitutionAliases)
    .orderBy(detectionInstitutionAliases.funderId, detectionInstitutionAliases.id)
    .limit(ALIAS_ROWS_MAX + 1);
}

/** False when a concurrent writer claimed one of the keys first (the unique index decides). */
export async function insertAliases(tx: Executor, rows: AliasRow[]): Promise<boolean> {
  const inserted = await tx
    .insert(detectionInstitutionAliases)
    .values(rows)
    .onConflictDoNothing()
    .returning({ id: detectionInstitutionAliases.id });
  return inserted.length === rows.length;
}

export async function deleteAlias(tx: Executor, id: string): Promise<boolean> {
  const deleted = await tx
    .delete(detectionInstitutionAliases)
    .where(eq(detectionInstitutionAliases.id, id))
    .returning({ id: detectionInstitutionAliases.id });
  return deleted.length === 1;
}

// ---- staff contact points ----

export async function insertStaffContact(tx: Executor, row: StaffContactRow): Promise<boolean> {
  const inserted = await tx
    .insert(detectionStaffContacts)
    .values(row)
    .onConflictDoNothing()
    .returning({ id: detectionStaffContacts.id });
  return inserted.length === 1;
}

export async function staffContactByKey(
  tx: Executor,
  addressKey: string,
): Promise<StaffContactRow | undefined> {
  const [row] = await tx
    .select()
    .from(detectionStaffContacts)
    .where(eq(detectionStaffContacts.addressKey, addressKey));
  return row;
}

export async function listStaffContacts(
  tx: Executor,
  page: { after?: string | undefined; limit: number },
): Promise<StaffContactRow[]> {
  return tx
    .select()
    .from(detectionStaffContacts)
    .where(page.after ? lt(detectionStaffContacts.id, page.after) : undefined)
    .orderBy(desc(detectionStaffContacts.id))
    .limit(Math.min(page.limit, STAFF_CONTACTS_PAGE_MAX));
}

export async function deleteStaffContact(tx: Executor, id: string): Promise<boolean> {
  const deleted = await tx
    .delete(detectionStaffContacts)
    .where(eq(detectionStaffContacts.id, id))
    .returning({ id: detectionStaffContacts.id });
  return deleted.length === 1;
}

// ---- credit reports ----

export async function creditReportById(tx: Executor, reportId: string): Promise<CreditReportRow | undefined> {
  const [row] = await tx
    .select()
    .from(detectionCreditReports)
    .where(eq(detectionCreditReports.reportId, reportId));
  return row;
}

export async function insertCreditReport(tx: Executor, row: CreditReportRow): Promise<boolean> {
  const inserted = await tx
    .insert(detectionCreditReports)
    .values(row)
    .onConflictDoNothing()
    .returning({ id: detectionCreditReports.id });
  return inserted.length === 1;
}

// ---- levels ----

/** The funder's level row, locked for the change that reads it (PostgreSQL; PGlite is one connection). */
export async function levelOf(tx: Executor, funderId: string, lock = false): Promise<LevelRow | undefined> {
  const query = tx.select().from(detectionLevels).where(eq(detectionLevels.funderId, funderId));
  const [row] = lock ? await query.for('update') : await query;
  return row;
}

export async function writeLevel(tx: Executor, change: LevelChange): Promise<void> {
  await tx.insert(detectionLevelChanges).values({
    id: change.id,
    funderId: change.funderId,
    fromLevel: change.from,
    level: change.level,
    reasons: change.reasons,
    actor: change.actor,
    at: change.at,
  });
  await tx
    .insert(detectionLevels)
    .values({ funderId: change.funderId, level: change.level, changeId: change.id, changedAt: change.at })
    .onConflictDoUpdate({
      target: detectionLevels.funderId,
      set: { level: change.level, changeId: change.id, changedAt: change.at },
    });
}

export async function levelChange(tx: Executor, id: string): Promise<LevelChangeRow | undefined> {
  const [row] = await tx.select().from(detectionLevelChanges).where(eq(detectionLevelChanges.id, id));
  return row;
}

export async function changesOf(tx: Executor, funderId: string, limit: number): Promise<LevelChangeRow[]> {
  return tx
    .select()
    .from(detectionLevelChanges)
    .where(eq(detectionLevelChanges.funderId, funderId))
    .orderBy(desc(detectionLevelChanges.at), desc(detectionLevelChanges.id))
    .limit(Math.min(limit, LEVEL_CHANGES_PAGE_MAX));
}

/** Funders above `none`, newest change first; `before` is the previous page's last (changedAt, funderId). */
export async function alerts(
  tx: Executor,
  page: { limit: number; before?: { at: Date; funderId: string } | undefined },
): Promise<LevelRow[]> {
  const before = page.before;
  const none: DetectionLevel = 'none';
  return tx
    .select()
    .from(detectionLevels)
    .where(
      and(
        ne(detectionLevels.level, none),
        before
          ? or(
              lt(detectionLevels.changedAt, before.at),
              and(eq(detectionLevels.changedAt, before.at), lt(detectionLevels.funderId, before.funderId)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(detectionLevels.changedAt), desc(detectionLevels.funderId))
    .limit(Math.min(page.limit, ALERTS_PAGE_MAX));
}

export function toLevelChange(row: LevelChangeRow): LevelChange {
  return {
    id: row.id,
    funderId: row.funderId,
    from: row.fromLevel,
    level: row.level,
    reasons: row.reasons,
    actor: row.actor,
    at: row.at,
  };
}

// ---- the canary registry (ADR 0077): only canary-service.ts calls these, for admin and analyst ----

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

// ---- the dashboard's funder columns (ADR 0101) ----

/** The levels of these funders (a funder without a row is at `none`). */
export async function levelsOf(
  tx: Executor,
  funderIds: readonly string[],
): Promise<Map<string, DetectionLevel>> {
  if (funderIds.length === 0) return new Map();
  const rows = await tx
    .select({ funderId: detectionLevels.funderId, level: detectionLevels.level })
    .from(detectionLevels)
    .where(inArray(detectionLevels.funderId, [...funderIds]));
  return new Map(rows.map((r) => [r.funderId, r.level]));
}

/** Attributed (not explained) evidence per funder that occurred in [from, to). */
export async function attributedEvidenceCounts(
  tx: Executor,
  funderIds: readonly string[],
  from: Date,
  to: Date,
): Promise<Map<string, number>> {
  if (funderIds.length === 0) return new Map();
  const rows = await tx
    .select({ funderId: detectionEvidence.funderId, n: sql<number>`count(*)::int` })
    .from(detectionEvidence)
    .where(
      and(
        inArray(detectionEvidence.funderId, [...funderIds]),
        eq(detectionEvidence.status, 'attributed'),
        gte(detectionEvidence.occurredAt, from),
        lt(detectionEvidence.occurredAt, to),
      ),
    )
    .groupBy(detectionEvidence.funderId);
  const out = new Map<string, number>();
  for (const r of rows) if (r.funderId !== null) out.set(r.funderId, Number(r.n));
  return out;
}

/** These funders' level changes in [from, to), oldest first per funder, at most `limit` in all. */
export async function changesBetween(
  tx: Executor,
  funderIds: readonly string[],
  from: Date,
  to: Date,
  limit: number,
): Promise<LevelChangeRow[]> {
  if (funderIds.length === 0) return [];
  return tx
    .select()
    .from(detectionLevelChanges)
    .where(
      and(
        inArray(detectionLevelChanges.funderId, [...funderIds]),
        gte(detectionLevelChanges.at, from),
        lt(detectionLevelChanges.at, to),
      ),
    )
    .orderBy(
      asc(detectionLevelChanges.funderId),
      asc(detectionLevelChanges.at),
      asc(detectionLevelChanges.id),
    )
    .limit(limit);
}

/** The level each funder was at just before `at` (its last change before it; none: `none`). */
export async function levelsBefore(
  tx: Executor,
  funderIds: readonly string[],
  at: Date,
): Promise<Map<string, DetectionLevel>> {
  if (funderIds.length === 0) return new Map();
  const result = (await tx.execute(sql`
    SELECT DISTINCT ON (funder_id) funder_id, level FROM detection_level_changes
    WHERE funder_id = ANY(${sql.param([...funderIds])}::text[]) AND at < ${at.toISOString()}::timestamptz
    ORDER BY funder_id, at DESC, id DESC`)) as unknown as {
    rows: Array<{ funder_id: string; level: DetectionLevel }>;
  };
  return new Map(result.rows.map((r) => [r.funder_id, r.level]));
}

// Detection queries on detection's own tables (ADR 0076). Every read of a growing table is bounded
// (STYLE §8); evidence writes are insert-or-read on (kind, source), so a replay writes nothing.
import { and, desc, eq, inArray, lt, ne, or } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
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

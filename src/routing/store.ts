// Routing's queries. Every read of a growing table is bounded (STYLE §8).
import type { LookupRef, Lookups } from '../db/lookups.ts';
import type { Ref, UnitOfWork } from '../db/unit-of-work.ts';
import { and, asc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { assert } from '../kernel/index.ts';
import type { SnapshotProduct } from './decide.ts';
import { withRotationDefaults } from './defaults.ts';
import type { RoutingConfig } from './model.ts';
import {
  routingCatalogVersions,
  routingConfig,
  routingCustomerFunders,
  routingDecisions,
  routingDispatchSteps,
  routingDispatches,
  routingFunderSettings,
  routingFunderUsage,
} from './schema.ts';

export const MAX_FUNDERS = 5000;
export const MAX_DISPATCHES_PER_APPLICATION = 50;
export const EXPIRY_BATCH = 500;

export type DecisionRow = typeof routingDecisions.$inferSelect;
export type DispatchRow = typeof routingDispatches.$inferSelect;
export type StepRow = typeof routingDispatchSteps.$inferSelect;
export type UsageRow = typeof routingFunderUsage.$inferSelect;

/**
 * The decision row of a submission, as an intent of the submission's unit (ADR 0069). Columns the
 * submission never sets (mode, plan, approved_at, explanations) keep their defaults.
 */
export function addDecision(
  unit: UnitOfWork,
  row: Omit<
    typeof routingDecisions.$inferInsert,
    'mode' | 'plan' | 'approvedAt' | 'explanations' | 'customerId'
  > & {
    /** the customer's id as the submission's unit writes it */
    customerId: Ref<string>;
    catalogVersion: string;
    outcomes: string;
    features: NonNullable<(typeof routingDecisions.$inferInsert)['features']>;
  },
): void {
  unit.insert(routingDecisions, row);
}

export async function getDecision(
  tx: Executor,
  applicationId: string,
  lock = false,
): Promise<DecisionRow | undefined> {
  const query = tx.select().from(routingDecisions).where(eq(routingDecisions.applicationId, applicationId));
  const [row] = lock ? await query.for('update') : await query;
  return row;
}

export async function updateDecision(
  tx: Executor,
  applicationId: string,
  change: Partial<typeof routingDecisions.$inferInsert>,
): Promise<void> {
  await tx.update(routingDecisions).set(change).where(eq(routingDecisions.applicationId, applicationId));
}

export async function hasCatalogVersion(tx: Executor, id: string): Promise<boolean> {
  const rows = await tx
    .select({ id: routingCatalogVersions.id })
    .from(routingCatalogVersions)
    .where(eq(routingCatalogVersions.id, id));
  return rows.length === 1;
}

export async function insertCatalogVersion(
  tx: Executor,
  row: typeof routingCatalogVersions.$inferInsert,
): Promise<void> {
  await tx.insert(routingCatalogVersions).values(row).onConflictDoNothing();
}

export async function catalogVersion(tx: Executor, id: string): Promise<SnapshotProduct[] | undefined> {
  const [row] = await tx
    .select({ products: routingCatalogVersions.products })
    .from(routingCatalogVersions)
    .where(eq(routingCatalogVersions.id, id));
  return row?.products;
}

/** Usage rows of one month: one per funder at most. */
export async function usageForMonth(
  tx: Executor,
  month: string,
): Promise<Array<typeof routingFunderUsage.$inferSelect>> {
  return tx.select().from(routingFunderUsage).where(eq(routingFunderUsage.month, month)).limit(MAX_FUNDERS);
}

export async function usageOf(
  tx: Executor,
  funderId: string,
  month: string,
): Promise<typeof routingFunderUsage.$inferSelect | undefined> {
  const [row] = await tx
    .select()
    .from(routingFunderUsage)
    .where(and(eq(routingFunderUsage.funderId, funderId), eq(routingFunderUsage.month, month)));
  return row;
}

/** Atomic increments (an upsert), safe under concurrent dispatches on PostgreSQL. */
export async function addUsage(
  tx: Executor,
  funderId: string,
  month: string,
  delta: { bookedFen?: number; band?: string; decided?: number; approved?: number },
): Promise<void> {
  const exposure = delta.band ? { [delta.band]: 1 } : {};
  const bandPath = delta.band ? `{${delta.band}}` : null;
  await tx
    .insert(routingFunderUsage)
    .values({
      funderId,
      month,
      bookedFen: delta.bookedFen ?? 0,
      exposure,
      decided: delta.decided ?? 0,
      approved: delta.approved ?? 0,
    })
    .onConflictDoUpdate({
      target: [routingFunderUsage.funderId, routingFunderUsage.month],
      set: {
        bookedFen: sql`${routingFunderUsage.bookedFen} + ${delta.bookedFen ?? 0}`,
        decided: sql`${routingFunderUsage.decided} + ${delta.decided ?? 0}`,
        approved: sql`${routingFunderUsage.approved} + ${delta.approved ?? 0}`,
        exposure: bandPath
          ? sql`jsonb_set(${routingFunderUsage.exposure}, ${bandPath}::text[], to_jsonb(coalesce((${routingFunderUsage.exposure} ->> ${delta.band})::int, 0) + 1))`
          : sql`${routingFunderUsage.exposure}`,
      },
    });
}

/** The most funder rows one flow write touches (one per funder of a month: MAX_FUNDERS). */
export const MAX_FLOW_ROWS = MAX_FUNDERS;

/**
 * Add counted flow (ADR 0073) to each funder's usage row of `month`, band by band: one statement,
 * one row per funder (an upsert may not touch a row twice), summing into what other processes wrote.
 */
export async function addFlow(
  tx: Executor,
  month: string,
  byFunder: ReadonlyMap<string, Readonly<Record<string, number>>>,
): Promise<void> {
  if (byFunder.size === 0) return;
  assert(byFunder.size <= MAX_FLOW_ROWS, `at most ${MAX_FLOW_ROWS} funders in one flow write`);
  const rows = [...byFunder].map(([funderId, flow]) => ({ funderId, month, flow: { ...flow } }));
  const current = routingFunderUsage.flow;
  await tx
    .insert(routingFunderUsage)
    .values(rows)
    .onConflictDoUpdate({
      target: [routingFunderUsage.funderId, routingFunderUsage.month],
      set: {
        flow: sql`(SELECT coalesce(jsonb_object_agg(band, coalesce((${current} ->> band)::int, 0) + coalesce((excluded.flow ->> band)::int, 0)), '{}'::jsonb) FROM (SELECT jsonb_object_keys(${current}) UNION SELECT jsonb_object_keys(excluded.flow)) AS bands(band))`,
      },
    });
}

export async function trustSettings(tx: Executor): Promise<Map<string, number>> {
  const rows = await tx.select().from(routingFunderSettings).limit(MAX_FUNDERS);
  return new Map(rows.map((r) => [r.funderId, r.trust]));
}

export async function setTrust(tx: Executor, funderId: string, trust: number, at: Date): Promise<void> {
  await tx
    .insert(routingFunderSettings)
    .values({ funderId, trust, updatedAt: at })
    .onConflictDoUpdate({ target: routingFunderSettings.funderId, set: { trust, updatedAt: at } });
}

/** The same write as an intent of the caller's unit (detection's level change sets trust with it). */
export function setTrustIntent(unit: UnitOfWork, funderId: string, trust: number, at: Date): void {
  unit.upsert(
    routingFunderSettings,
    { funderId, trust, updatedAt: at },
    { target: ['funderId'], update: ['trust', 'updatedAt'] },
  );
}

/** The customer's last funder as a scalar subquery (NULL when none), for intake's lookup statement. */
/** The customer's last funder, read with the submission's lookups (null for a new customer). */
export function lastFunderOf(
  lookups: Lookups,
  customerId: LookupRef<string | null>,
): LookupRef<string | null> {
  return lookups.scalar(routingCustomerFunders, 'funderId', { customerId });
}

export async function setLastFunder(
  tx: Executor,
  customerId: string,
  funderId: string,
  at: Date,
): Promise<void> {
  await tx
    .insert(routingCustomerFunders)
    .values({ customerId, funderId, bookedAt: at })
    .onConflictDoUpdate({ target: routingCustomerFunders.customerId, set: { funderId, bookedAt: at } });
}

/** Returns false when the application already has a dispatch to this funder (the unique key). */
export async function insertDispatch(
  tx: Executor,
  row: typeof routingDispatches.$inferInsert,
): Promise<boolean> {
  const inserted = await tx
    .insert(routingDispatches)
    .values(row)
    .onConflictDoNothing()
    .returning({ id: routingDispatches.id });
  return inserted.length === 1;
}

export async function dispatchesOf(tx: Executor, applicationId: string): Promise<DispatchRow[]> {
  return tx
    .select()
    .from(routingDispatches)
    .where(eq(routingDispatches.applicationId, applicationId))
    .orderBy(asc(routingDispatches.createdAt), asc(routingDispatches.id))
    .limit(MAX_DISPATCHES_PER_APPLICATION);
}

export async function dispatchTo(
  tx: Executor,
  applicationId: string,
  funderId: string,
): Promise<DispatchRow | undefined> {
  const [row] = await tx
    .select()
    .from(routingDispatches)
    .where(and(eq(routingDispatches.applicationId, applicationId), eq(routingDispatches.funderId, funderId)))
    .for('update');
  return row;
}

/** Update a dispatch; with `fromStatuses`, only while it is still in one of them. Returns whether it changed. */
export async function updateDispatch(
  tx: Executor,
  id: string,
  change: Partial<typeof routingDispatches.$inferInsert>,
  fromStatuses?: readonly string[],
): Promise<boolean> {
  const condition = fromStatuses
    ? and(eq(routingDispatches.id, id), inArray(routingDispatches.status, [...fromStatuses]))
    : eq(routingDispatches.id, id);
  const rows = await tx
    .update(routingDispatches)
    .set(change)
    .where(condition)
    .returning({ id: routingDispatches.id });
  return rows.length === 1;
}

// ---- the dispatch step machine (dispatch.ts, ADR 0035) ----

/** The application's next dispatch step, locked for this transaction. */
export async function lockStep(tx: Executor, applicationId: string): Promise<StepRow | undefined> {
  const [row] = await tx
    .select()
    .from(routingDispatchSteps)
    .where(eq(routingDispatchSteps.applicationId, applicationId))
    .for('update');
  return row;
}

/**
 * Record the next step before it is taken. A new step starts at 0 attempts; the same step again
 * (a refreshed lease) keeps its count.
 */
export async function scheduleStep(
  tx: Executor,
  row: { applicationId: string; step: string; owner: string | null; dueAt: Date; updatedAt: Date },
): Promise<void> {
  await tx
    .insert(routingDispatchSteps)
    .values({ ...row, attempts: 0 })
    .onConflictDoUpdate({
      target: routingDispatchSteps.applicationId,
      set: {
        step: row.step,
        owner: row.owner,
        dueAt: row.dueAt,
        updatedAt: row.updatedAt,
        attempts: sql`CASE WHEN ${routingDispatchSteps.step} = ${row.step} THEN ${routingDispatchSteps.attempts} ELSE 0 END`,
      },
    });
}

export async function deleteStep(tx: Executor, applicationId: string): Promise<void> {
  await tx.delete(routingDispatchSteps).where(eq(routingDispatchSteps.applicationId, applicationId));
}

/**
 * Take up to `limit` steps that are due (oldest first) for `owner` until `leaseUntil`, counting the
 * attempt, in one statement. SKIP LOCKED: two sweepers never take the same step.
 */
export async function claimDueSteps(
  tx: Executor,
  claim: { now: Date; owner: string; leaseUntil: Date; limit: number; applicationId?: string },
): Promise<Array<{ applicationId: string; step: string; attempts: number }>> {
  const only = claim.applicationId ? sql`AND application_id = ${claim.applicationId}` : sql``;
  const result = (await tx.execute(sql`
    UPDATE routing_dispatch_steps SET owner = ${claim.owner}, attempts = attempts + 1,
      due_at = ${claim.leaseUntil.toISOString()}::timestamptz, updated_at = ${claim.now.toISOString()}::timestamptz
    WHERE application_id IN (
      SELECT application_id FROM routing_dispatch_steps
      WHERE due_at <= ${claim.now.toISOString()}::timestamptz ${only}
      ORDER BY due_at, application_id LIMIT ${claim.limit} FOR UPDATE SKIP LOCKED)
    RETURNING application_id, step, attempts`)) as unknown as {
    rows: Array<{ application_id: string; step: string; attempts: number }>;
  };
  return result.rows.map((r) => ({ applicationId: r.application_id, step: r.step, attempts: r.attempts }));
}

/** Decisions in a phase since before a time, oldest first, one batch. */
export async function stale(tx: Executor, phase: 'approved' | 'offered', before: Date): Promise<string[]> {
  const column = phase === 'approved' ? routingDecisions.approvedAt : routingDecisions.decidedAt;
  const rows = await tx
    .select({ id: routingDecisions.applicationId })
    .from(routingDecisions)
    .where(and(eq(routingDecisions.phase, phase), lt(column, before)))
    .orderBy(asc(column))
    .limit(EXPIRY_BATCH);
  return rows.map((r) => r.id);
}

/**
 * Dispatches still waiting since before a time, oldest first, one batch: for a callback the funder
 * promised, or (`pending`) for an answer a crashed process never recorded.
 */
export async function staleAwaiting(
  tx: Executor,
  before: Date,
): Promise<Array<{ applicationId: string; funderId: string }>> {
  return tx
    .select({ applicationId: routingDispatches.applicationId, funderId: routingDispatches.funderId })
    .from(routingDispatches)
    .where(
      and(
        inArray(routingDispatches.status, ['awaiting_callback', 'pending']),
        lt(routingDispatches.createdAt, before),
      ),
    )
    .orderBy(asc(routingDispatches.createdAt))
    .limit(EXPIRY_BATCH);
}

/**
 * Parallel fan-outs still dispatching that hold an approval while some funder, sent to before
 * `before`, has not answered: their decision window is over.
 */
export async function parallelPastWindow(tx: Executor, before: Date): Promise<string[]> {
  const result = (await tx.execute(sql`
    SELECT r.application_id FROM routing_decisions r
    WHERE r.phase = 'dispatching' AND r.mode = 'parallel'
      AND EXISTS (SELECT 1 FROM routing_dispatches a
        WHERE a.application_id = r.application_id AND a.status = 'approved')
      AND EXISTS (SELECT 1 FROM routing_dispatches w
        WHERE w.application_id = r.application_id AND w.status IN ('awaiting_callback', 'pending')
          AND w.created_at < ${before.toISOString()}::timestamptz)
    ORDER BY r.application_id
    LIMIT ${EXPIRY_BATCH}`)) as unknown as { rows: Array<{ application_id: string }> };
  return result.rows.map((row) => row.application_id);
}

export async function activeConfig(
  tx: Executor,
): Promise<{ config: RoutingConfig; version: number } | undefined> {
  const [row] = await tx.select().from(routingConfig).where(eq(routingConfig.id, 'active'));
  // Saved before ADR 0073, a configuration has no exposure shares: the defaults apply.
  return row ? { config: withRotationDefaults(row.config), version: row.version } : undefined;
}

export async function saveConfig(tx: Executor, config: RoutingConfig, at: Date): Promise<number> {
  const [row] = await tx
    .insert(routingConfig)
    .values({ id: 'active', config, version: 1, updatedAt: at })
    .onConflictDoUpdate({
      target: routingConfig.id,
      set: { config, version: sql`${routingConfig.version} + 1`, updatedAt: at },
    })
    .returning({ version: routingConfig.version });
  return row!.version;
}

/**
 * Funders' answers in [from, to) (decided_at), per funder: approvals (`superseded` is an approval a
 * parallel dispatch did not take) and declines. Timeouts and errors are no decision (ADR 0101).
 */
export async function decisionCounts(
  tx: Executor,
  from: Date,
  to: Date,
): Promise<Map<string, { approved: number; declined: number }>> {
  const rows = await tx
    .select({
      funderId: routingDispatches.funderId,
      approved: sql<number>`count(*) FILTER (WHERE ${routingDispatches.status} IN ('approved', 'superseded'))::int`,
      declined: sql<number>`count(*) FILTER (WHERE ${routingDispatches.status} = 'declined')::int`,
    })
    .from(routingDispatches)
    .where(and(gte(routingDispatches.decidedAt, from), lt(routingDispatches.decidedAt, to)))
    .groupBy(routingDispatches.funderId);
  return new Map(
    rows.map((r) => [r.funderId, { approved: Number(r.approved), declined: Number(r.declined) }]),
  );
}

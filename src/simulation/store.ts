// Simulation runs' queries. Every read of the growing table is bounded (STYLE §8).
import { and, asc, desc, eq, lt, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { simulationRuns } from './schema.ts';

export type RunRow = typeof simulationRuns.$inferSelect;

export async function insertRun(tx: Executor, row: typeof simulationRuns.$inferInsert): Promise<RunRow> {
  const [inserted] = await tx.insert(simulationRuns).values(row).returning();
  return inserted!;
}

export async function getRun(executor: Executor, id: string): Promise<RunRow | null> {
  const [row] = await executor.select().from(simulationRuns).where(eq(simulationRuns.id, id)).limit(1);
  return row ?? null;
}

export async function getReportText(
  executor: Executor,
  id: string,
): Promise<{ status: string; reportJson: string | null } | null> {
  const [row] = await executor
    .select({ status: simulationRuns.status, reportJson: simulationRuns.reportJson })
    .from(simulationRuns)
    .where(eq(simulationRuns.id, id))
    .limit(1);
  return row ?? null;
}

/** Newest first. */
export async function listRuns(executor: Executor, limit: number): Promise<RunRow[]> {
  return executor
    .select()
    .from(simulationRuns)
    .orderBy(desc(simulationRuns.createdAt), desc(simulationRuns.id))
    .limit(limit);
}

/** Take the oldest queued run: a conditional status change, so two runners never take the same one. */
export async function claimOldestQueued(executor: Executor, at: Date): Promise<RunRow | null> {
  const [next] = await executor
    .select({ id: simulationRuns.id })
    .from(simulationRuns)
    .where(eq(simulationRuns.status, 'queued'))
    .orderBy(asc(simulationRuns.createdAt), asc(simulationRuns.id))
    .limit(1);
  if (!next) return null;
  const [claimed] = await executor
    .update(simulationRuns)
    .set({ status: 'running', startedAt: at })
    .where(and(eq(simulationRuns.id, next.id), eq(simulationRuns.status, 'queued')))
    .returning();
  return claimed ?? null;
}

/** Runs `running` since before `startedBefore` lost their process: queue them again. */
export async function requeueStale(executor: Executor, startedBefore: Date): Promise<void> {
  await executor
    .update(simulationRuns)
    .set({ status: 'queued', startedAt: null })
    .where(and(eq(simulationRuns.status, 'running'), lt(simulationRuns.startedAt, startedBefore)));
}

export async function requeue(executor: Executor, id: string): Promise<void> {
  await executor
    .update(simulationRuns)
    .set({ status: 'queued', startedAt: null })
    .where(eq(simulationRuns.id, id));
}

export async function finishRun(
  executor: Executor,
  id: string,
  outcome: { status: 'done'; reportJson: string } | { status: 'failed'; error: string },
  at: Date,
): Promise<void> {
  await executor
    .update(simulationRuns)
    .set({
      status: outcome.status,
      ...(outcome.status === 'done' ? { reportJson: outcome.reportJson } : { error: outcome.error }),
      finishedAt: at,
    })
    .where(eq(simulationRuns.id, id));
}

export async function countByStatus(executor: Executor): Promise<Record<string, number>> {
  const rows = await executor
    .select({ status: simulationRuns.status, n: sql<number>`count(*)::int` })
    .from(simulationRuns)
    .groupBy(simulationRuns.status)
    .limit(10);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

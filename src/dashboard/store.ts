// The dashboard's one query of its own (ADR 0104): the funders page's counts summed over a range of
// Asia/Shanghai days from dashboard_funder_days, at most (days × funders × slots) rows, whatever the
// traffic. The per-row definitions stay with their owners (intake, routing, sharing): the storage
// test checks this table against them.
import { and, gte, lte, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Executor } from '../db/client.ts';
import type { FunderCounts } from './model.ts';
import { dashboardFunderDays as d } from './schema.ts';

const total = (column: AnyPgColumn) => sql<number>`coalesce(sum(${column}), 0)::int`;

/** Per funder, the counts of the days fromDay…toDay (both included). */
export async function funderDayCounts(
  tx: Executor,
  fromDay: number,
  toDay: number,
): Promise<Map<string, FunderCounts>> {
  const rows = await tx
    .select({
      funderId: d.funderId,
      exposures: total(d.exposures),
      approvedDecisions: total(d.approvedDecisions),
      declinedDecisions: total(d.declinedDecisions),
      approved: total(d.approved),
      confirmed: total(d.confirmed),
      abandoned: total(d.abandoned),
      firstBorrowers: total(d.firstBorrowers),
      repeatBorrowers: total(d.repeatBorrowers),
    })
    .from(d)
    .where(and(gte(d.day, fromDay), lte(d.day, toDay)))
    .groupBy(d.funderId);
  return new Map(
    rows.map(({ funderId, ...counts }) => [
      funderId,
      Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)])) as unknown as FunderCounts,
    ]),
  );
}

// Simulation runs submitted over the API: the normalised scenario that ran, and the report exactly
// as the CLI writes report.json (text, not jsonb: jsonb would reorder the keys).
import { boolean, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { Scenario } from './model.ts';

export const simulationRuns = pgTable(
  'simulation_runs',
  {
    id: text('id').primaryKey(),
    /** queued | running | done | failed */
    status: text('status').notNull(),
    scenario: jsonb('scenario').$type<Scenario>().notNull(),
    compareBaseline: boolean('compare_baseline').notNull(),
    reportJson: text('report_json'),
    error: text('error'),
    /** the API key that submitted the run */
    requestedBy: text('requested_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    index('simulation_runs_status_created').on(t.status, t.createdAt),
    index('simulation_runs_created').on(t.createdAt),
  ],
);

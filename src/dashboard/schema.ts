// The dashboard's one table (ADR 0104): the funders page's counts per funder per Asia/Shanghai day,
// derived, never written by code — triggers on shares, routing_dispatches, applications and
// customer_first_loans keep it in the same transaction as the fact (migration 0022). Each day's
// counts are spread over slots, one per concurrently open writer (an advisory lock picks a free
// one), so writers never wait on one another's row and cannot deadlock; a read sums the slots.
import { integer, pgTable, primaryKey, smallint, text } from 'drizzle-orm/pg-core';

export const dashboardFunderDays = pgTable(
  'dashboard_funder_days',
  {
    /** Asia/Shanghai day, days since 1970-01-01 (db/days.ts) */
    day: integer('day').notNull(),
    funderId: text('funder_id').notNull(),
    slot: smallint('slot').notNull(),
    /** application-stage shares by shared_at */
    exposures: integer('exposures').notNull().default(0),
    /** decisions by decided_at: approved (superseded included) and declined */
    approvedDecisions: integer('approved_decisions').notNull().default(0),
    declinedDecisions: integer('declined_decisions').notNull().default(0),
    /** applications by approved_at, and what they are now */
    approved: integer('approved').notNull().default(0),
    confirmed: integer('confirmed').notNull().default(0),
    abandoned: integer('abandoned').notNull().default(0),
    /** customers' first loans by booked_at, and those who booked again since */
    firstBorrowers: integer('first_borrowers').notNull().default(0),
    repeatBorrowers: integer('repeat_borrowers').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.funderId, t.slot] })],
);

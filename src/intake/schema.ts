// Applications and their status history, and the loans booked from them. Every transition is
// recorded with its time: detection later reads how long approved customers took to confirm or abandon.
import {
  bigint,
  bigserial,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { customers } from '../identity/schema.ts';

export const applications = pgTable(
  'applications',
  {
    id: text('id').primaryKey(),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id),
    status: text('status').notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    termMonths: integer('term_months').notNull(),
    purpose: text('purpose').notNull(),
    channel: text('channel').notNull(),
    employerEnc: text('employer_enc'),
    monthlyIncomeFen: bigint('monthly_income_fen', { mode: 'number' }).notNull(),
    /** 0–1000 from the platform's risk system, or from the built-in scorecard (routing). */
    score: integer('score'),
    funderId: text('funder_id'),
    productId: text('product_id'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    index('applications_customer').on(t.customerId),
    index('applications_status').on(t.status, t.updatedAt),
  ],
);

export const applicationEvents = pgTable(
  'application_events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    applicationId: text('application_id')
      .notNull()
      .references(() => applications.id),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    reason: text('reason'),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('application_events_app').on(t.applicationId, t.seq)],
);

/** One row per application at most: the primary key is what makes a second booking impossible. */
export const bookedLoans = pgTable(
  'booked_loans',
  {
    applicationId: text('application_id').primaryKey(),
    id: text('id').notNull().unique(),
    customerId: text('customer_id').notNull(),
    funderId: text('funder_id').notNull(),
    productId: text('product_id').notNull(),
    principalFen: bigint('principal_fen', { mode: 'number' }).notNull(),
    termMonths: integer('term_months').notNull(),
    rateAnnual: doublePrecision('rate_annual').notNull(),
    method: text('method').notNull(),
    aprNominal: doublePrecision('apr_nominal').notNull(),
    aprEffective: doublePrecision('apr_effective').notNull(),
    schedule: jsonb('schedule').$type<unknown[]>().notNull(),
    totals: jsonb('totals').$type<Record<string, number>>().notNull(),
    bookedAt: timestamp('booked_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    index('booked_loans_customer').on(t.customerId, t.bookedAt),
    index('booked_loans_funder').on(t.funderId, t.bookedAt),
  ],
);

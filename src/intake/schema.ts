// Applications and their status history. Every transition is recorded with its time: detection
// later reads how long approved customers took to confirm or abandon.
import { bigint, bigserial, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
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

// Engagement's tables: the reminders planned at booking, the installments whose reminders are
// cancelled, every delivery (the recording adapter's record, and the HTTP adapter's commitment
// before it sends), and each borrower's opt-outs. The job queue's own tables are pg-boss's
// (schema `pgboss`, created by pg-boss at start; ADR 0082).
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

export const reminders = pgTable(
  'reminders',
  {
    /** `${loanId}:${installmentNo}:${offsetDays}` (reminder-plan.ts reminderKey) */
    key: text('key').primaryKey(),
    loanId: text('loan_id').notNull(),
    customerId: text('customer_id').notNull(),
    installmentNo: integer('installment_no').notNull(),
    offsetDays: integer('offset_days').notNull(),
    kind: text('kind').notNull(),
    dueOn: date('due_on', { mode: 'string' }).notNull(),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    sendAt: timestamp('send_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** pending | delivered | cancelled | expired | opted-out (model.ts REMINDER_STATES) */
    state: text('state').notNull().default('pending'),
    /** when it left pending */
    closedAt: timestamp('closed_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    // the sweep: pending reminders by time
    index('reminders_pending').on(t.sendAt, t.key).where(sql`state = 'pending'`),
    index('reminders_loan').on(t.loanId, t.installmentNo),
    index('reminders_customer').on(t.customerId, t.sendAt),
  ],
);

/** An installment settled (paid, closed, written off): its pending reminders are cancelled. */
export const reminderCancellations = pgTable(
  'reminder_cancellations',
  {
    loanId: text('loan_id').notNull(),
    installmentNo: integer('installment_no').notNull(),
    /** the settlement that cancelled it: paid | closed | written-off */
    reason: text('reason').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.loanId, t.installmentNo] })],
);

/**
 * One row per (reminder, channel), ever: the primary key is what makes a second delivery after a
 * crash impossible. The recording adapter's delivery is this row (state `sent`, written with the
 * reminder's state change); an external adapter's row is written as `sending` before it sends and
 * becomes `sent` or `rejected` after.
 */
export const reminderDeliveries = pgTable(
  'reminder_deliveries',
  {
    reminderKey: text('reminder_key').notNull(),
    channel: text('channel').notNull(),
    customerId: text('customer_id').notNull(),
    /** the adapter's name: `recording`, `http-sms` */
    adapter: text('adapter').notNull(),
    /** sending | sent | rejected */
    state: text('state').notNull(),
    /** what went out: kind, due date, amount, the text */
    message: jsonb('message').$type<Record<string, unknown>>().notNull(),
    providerMessageId: text('provider_message_id'),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.reminderKey, t.channel] }),
    index('reminder_deliveries_sending').on(t.updatedAt).where(sql`state = 'sending'`),
    index('reminder_deliveries_customer').on(t.customerId, t.createdAt),
  ],
);

/** A borrower's choice per channel; no row: the channel is on. */
export const reminderSettings = pgTable(
  'reminder_settings',
  {
    customerId: text('customer_id').notNull(),
    channel: text('channel').notNull(),
    enabled: boolean('enabled').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.channel] })],
);

// Applications and their status history, the loans booked from them and their repayments. Every transition is
// recorded with its time: detection later reads how long approved customers took to confirm or abandon.
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
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
    /**
     * When it moved to `approved` (its one approval), set by a trigger on application_events
     * (migration 0021, ADR 0104) so every writer keeps it; null: never approved.
     */
    approvedAt: timestamp('approved_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    index('applications_customer').on(t.customerId),
    index('applications_status').on(t.status, t.updatedAt),
    // the staff list (GET /v1/applications): newest first by (submitted, id), filtered by status or
    // funder, read as keyset pages (ADR 0100); and the overview's submissions per day
    index('applications_submitted').on(t.createdAt, t.id),
    index('applications_status_submitted').on(t.status, t.createdAt, t.id),
    index('applications_funder_submitted').on(t.funderId, t.createdAt, t.id),
    // approvals in a window with their funder and what they became: the funders page reads this
    // index alone (an index-only scan, ADR 0104)
    index('applications_approved')
      .on(t.approvedAt, t.funderId, t.status)
      .where(sql`${t.approvedAt} IS NOT NULL`),
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
  (t) => [
    index('application_events_app').on(t.applicationId, t.seq),
    // approvals in a window (the dashboard's overview and funder rates, ADR 0101)
    index('application_events_to_status').on(t.toStatus, t.at),
  ],
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
    // bookings in a window across funders (the dashboard, ADR 0101)
    index('booked_loans_booked_at').on(t.bookedAt),
  ],
);

/**
 * Each customer's first platform loan by (booked_at, id), and when they booked the next one (null:
 * not yet): the funders page's repeat-borrowing rate read as one index range instead of two probes
 * per loan (ADR 0101, 0104). Derived, never written by code: a trigger on booked_loans keeps it
 * (migration 0021), whatever order loans arrive in, one upsert per loan.
 */
export const customerFirstLoans = pgTable(
  'customer_first_loans',
  {
    customerId: text('customer_id').primaryKey(),
    loanId: text('loan_id').notNull(),
    funderId: text('funder_id').notNull(),
    bookedAt: timestamp('booked_at', { withTimezone: true, mode: 'date' }).notNull(),
    repeatAt: timestamp('repeat_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('customer_first_loans_booked').on(t.bookedAt, t.funderId, t.repeatAt)],
);

/**
 * Repayment events as the booking funder reported them (ADR 0080): append-only, never updated. The
 * installments' states are derived from these rows and the loan's schedule (src/intake/repayments.ts),
 * so there is no second copy of the state to drift. The primary key makes the funder's repayment id
 * idempotent; `request_hash` and `response` answer a repeat with the first answer.
 */
export const repayments = pgTable(
  'repayments',
  {
    funderId: text('funder_id').notNull(),
    repaymentId: text('repayment_id').notNull(),
    /** acceptance order (the paidAt order too: a repayment dated before the loan's latest is refused) */
    seq: bigserial('seq', { mode: 'number' }).notNull().unique(),
    loanId: text('loan_id')
      .notNull()
      .references(() => bookedLoans.id),
    kind: text('kind').notNull(), // installment | partial | early-payoff | write-off
    installmentNo: integer('installment_no'),
    amountFen: bigint('amount_fen', { mode: 'number' }).notNull(),
    paidAt: timestamp('paid_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** SHA-256 of the canonical request body */
    requestHash: text('request_hash').notNull(),
    response: jsonb('response').$type<Record<string, unknown>>().notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.funderId, t.repaymentId] }), index('repayments_loan').on(t.loanId, t.seq)],
);

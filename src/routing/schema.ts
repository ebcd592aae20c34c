// Routing's tables: the decision made for each application (score, ranked offers, per-product
// explanation), dispatches to funders (one per application and funder: the funder-facing
// idempotency key), per-funder monthly usage (quota, exposure and flow by band), funder routing
// settings (trust), and each customer's last funder (rotation). Booked loans are intake's.
import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import type { SnapshotProduct } from './decide.ts';
import type { RoutingConfig } from './model.ts';

export const routingDecisions = pgTable(
  'routing_decisions',
  {
    applicationId: text('application_id').primaryKey(),
    customerId: text('customer_id').notNull(),
    score: integer('score').notNull(),
    scoreSource: text('score_source').notNull(), // provided | scorecard
    band: text('band').notNull(),
    /** ranked offers as decided, best first, compact JSON text (offers-codec.ts: decodeOffers) */
    offers: text('offers').notNull(),
    /** superseded by catalog_version + outcomes (rendered on read); always null now, kept so no data is dropped */
    explanations: jsonb('explanations'),
    /** the catalogue snapshot the outcomes index into (routing_catalog_versions) */
    catalogVersion: text('catalog_version').notNull().default(''),
    /** one character per snapshot product: '0' eligible, else the failing rule (decide.ts encodeOutcomes) */
    outcomes: text('outcomes').notNull().default(''),
    /** the applicant facts the explanations quote (age, region, amount, term): no PII */
    features: jsonb('features')
      .$type<{ ageYears: number; regionCode: string; amountFen: number; termMonths: number }>()
      .notNull()
      .default({ ageYears: 0, regionCode: '', amountFen: 0, termMonths: 0 }),
    lastFunderId: text('last_funder_id'),
    seed: bigint('seed', { mode: 'number' }).notNull(),
    /** offered | declined | dispatching | approved | booked | closed */
    phase: text('phase').notNull(),
    /** how the borrower chose: product | auto (waterfall) | parallel */
    mode: text('mode'),
    /** product ids still to try, in order (waterfall) */
    plan: jsonb('plan').$type<string[]>(),
    approvedAt: timestamp('approved_at', { withTimezone: true, mode: 'date' }),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('routing_decisions_phase').on(t.phase, t.approvedAt)],
);

export const routingDispatches = pgTable(
  'routing_dispatches',
  {
    id: text('id').primaryKey(),
    applicationId: text('application_id').notNull(),
    funderId: text('funder_id').notNull(),
    productId: text('product_id').notNull(),
    /** webhook | simulated */
    adapter: text('adapter').notNull(),
    /** pending | awaiting_callback | approved | declined | timeout | error | superseded */
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** what the funder approved: amount, rate, its own reference */
    decision: jsonb('decision').$type<Record<string, unknown>>(),
    band: text('band').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    /**
     * the message sent to the funder, sealed with the vault (it carries the gateway's payload, PII
     * included where the policy lets it leave): a resumed send repeats exactly these bytes, which
     * the exposure receipt hashed; null for rows from before migration 0011 and unsent rows
     */
    messageSealed: text('message_sealed'),
  },
  (t) => [
    unique('routing_dispatches_app_funder').on(t.applicationId, t.funderId),
    index('routing_dispatches_status').on(t.status, t.createdAt),
    // funders' decisions in a window (the dashboard's approval rates, ADR 0101), index-only (ADR 0104)
    index('routing_dispatches_decided_funder_status').on(t.decidedAt, t.funderId, t.status),
  ],
);

/**
 * The dispatch step machine's cursor (ADR 0035): one row per application while its dispatch is
 * unfinished, written in the same transaction as the state it follows from, before the step runs.
 * The per-funder half of the state is the dispatch row (`pending`: the send is the next step).
 */
export const routingDispatchSteps = pgTable(
  'routing_dispatch_steps',
  {
    applicationId: text('application_id').primaryKey(),
    /** prepare | send | await (dispatch.ts DISPATCH_STEPS) */
    step: text('step').notNull(),
    /** times this step was taken up, interrupted ones included; back to 0 when the step changes */
    attempts: integer('attempts').notNull().default(0),
    /** the process running the step (its lease), null when nobody holds it */
    owner: text('owner'),
    /** when the sweeper may take the step up: now, the end of the owner's lease, or the await deadline */
    dueAt: timestamp('due_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('routing_dispatch_steps_due').on(t.dueAt)],
);

export const routingFunderUsage = pgTable(
  'routing_funder_usage',
  {
    funderId: text('funder_id').notNull(),
    /** calendar month in UTC+8, 'YYYY-MM' */
    month: text('month').notNull(),
    bookedFen: bigint('booked_fen', { mode: 'number' }).notNull().default(0),
    /** band → applications shared with the funder this month */
    exposure: jsonb('exposure').$type<Record<string, number>>().notNull().default({}),
    /**
     * band → applications this month for which the funder had an otherwise-eligible offer (its flow,
     * counted when decided: ADR 0073); the exposure budget is a share of it
     */
    flow: jsonb('flow').$type<Record<string, number>>().notNull().default({}),
    decided: integer('decided').notNull().default(0),
    approved: integer('approved').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.funderId, t.month] })],
);

export const routingFunderSettings = pgTable(
  'routing_funder_settings',
  {
    funderId: text('funder_id').primaryKey(),
    trust: doublePrecision('trust').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [check('routing_funder_settings_trust', sql`${t.trust} >= 0 AND ${t.trust} <= 1`)],
);

export const routingCustomerFunders = pgTable('routing_customer_funders', {
  customerId: text('customer_id').primaryKey(),
  funderId: text('funder_id').notNull(),
  bookedAt: timestamp('booked_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/** Each distinct compiled catalogue, stored once: decisions point at it instead of copying it. */
export const routingCatalogVersions = pgTable('routing_catalog_versions', {
  /** hex SHA-256 of the snapshot's canonical JSON */
  id: text('id').primaryKey(),
  products: jsonb('products').$type<SnapshotProduct[]>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/** The routing configuration operators set (one row, id 'active'); absent: the defaults in code. */
export const routingConfig = pgTable('routing_config', {
  id: text('id').primaryKey(),
  config: jsonb('config').$type<RoutingConfig>().notNull(),
  version: integer('version').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});

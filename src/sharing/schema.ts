// Sharing tables: field policies per funder, the share register (which pseudonyms a funder holds),
// the relay contact pool and its leases, contact events (evidence for detection), and the funders'
// OPRF pre-screen sets.
import { sql } from 'drizzle-orm';
import {
  bigint,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { Field, SharingPolicy } from './model.ts';

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

export const sharingPolicies = pgTable('sharing_policies', {
  funderId: text('funder_id').primaryKey(),
  policy: jsonb('policy').$type<SharingPolicy>().notNull(),
  /** bumped on every change; the share register records which version applied */
  version: integer('version').notNull(),
  updatedBy: text('updated_by').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/** One row per payload that left: the receipt's body lives in the ledger, this is the index. */
export const shares = pgTable(
  'shares',
  {
    id: text('id').primaryKey(),
    funderId: text('funder_id').notNull(),
    customerId: text('customer_id').notNull(),
    applicationId: text('application_id').notNull(),
    stage: text('stage').notNull(),
    customerRef: text('customer_ref').notNull(),
    applicationRef: text('application_ref').notNull(),
    fields: jsonb('fields').$type<Field[]>().notNull(),
    payloadHash: text('payload_hash').notNull(),
    consentId: text('consent_id').notNull(),
    policyVersion: integer('policy_version').notNull(),
    exposureEntryId: text('exposure_entry_id').notNull(),
    sharedAt: timestamp('shared_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    index('shares_funder_customer_ref').on(t.funderId, t.customerRef),
    index('shares_funder_application_ref').on(t.funderId, t.applicationRef),
    index('shares_customer_funder').on(t.customerId, t.funderId, t.sharedAt),
    // exposures per funder in a window (rescoring's denominators, the dashboard's rates, ADR 0101):
    // funder and stage in the index, so the counts are index-only scans (ADR 0104)
    index('shares_shared_funder_stage').on(t.sharedAt, t.funderId, t.stage),
  ],
);

/** Addresses the built-in relay provider may lease (virtual numbers, email tokens). */
export const relayPool = pgTable(
  'relay_pool',
  {
    address: text('address').primaryKey(),
    channel: text('channel').notNull(), // phone | email
    /** free | leased */
    status: text('status').notNull(),
    addedAt: timestamp('added_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** a released address is not leased again before this time (quarantine); null: never leased */
    restUntil: timestamp('rest_until', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('relay_pool_free').on(t.channel, t.status, t.address)],
);

/** A relay point leased to one (customer, funder): at most one live lease per address and per pair. */
export const relayLeases = pgTable(
  'relay_leases',
  {
    id: text('id').primaryKey(),
    channel: text('channel').notNull(),
    address: text('address').notNull(),
    provider: text('provider').notNull(),
    customerId: text('customer_id').notNull(),
    funderId: text('funder_id').notNull(),
    leasedAt: timestamp('leased_at', { withTimezone: true, mode: 'date' }).notNull(),
    releasedAt: timestamp('released_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('relay_leases_live_address').on(t.address).where(sql`released_at IS NULL`),
    uniqueIndex('relay_leases_live_pair')
      .on(t.customerId, t.funderId, t.channel)
      .where(sql`released_at IS NULL`),
    index('relay_leases_address').on(t.address, t.leasedAt),
  ],
);

/**
 * Inbound contacts through relay points, as the provider reported them. Detection reads the
 * out-of-purpose rows as evidence; unattributed rows (unknown relay address) are kept too.
 */
export const contactEvents = pgTable(
  'contact_events',
  {
    id: text('id').primaryKey(),
    providerEventId: text('provider_event_id').notNull().unique(),
    relayAddress: text('relay_address').notNull(),
    leaseId: text('lease_id'),
    funderId: text('funder_id'),
    customerId: text('customer_id'),
    applicationId: text('application_id'),
    channel: text('channel').notNull(),
    /** HMAC of the caller's number/address: matchable across events, not readable */
    callerKey: text('caller_key').notNull(),
    summary: text('summary').notNull(),
    category: text('category'),
    verdict: text('verdict').notNull(), // in-purpose | out-of-purpose | unattributed
    reason: text('reason').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    index('contact_events_funder_verdict').on(t.funderId, t.verdict, t.occurredAt),
    index('contact_events_customer').on(t.customerId, t.occurredAt),
  ],
);

/** A funder's encoded pre-screen set (sorted truncated OPRF outputs) and where its OPRF service runs. */
export const prescreenSets = pgTable(
  'prescreen_sets',
  {
    id: text('id').primaryKey(),
    funderId: text('funder_id').notNull(),
    keyId: text('key_id').notNull(),
    elementCount: bigint('element_count', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    data: bytea('data').notNull(),
    endpointUrl: text('endpoint_url').notNull(),
    /** vault-encrypted bearer token for the funder's OPRF service, if it requires one */
    endpointTokenEnc: text('endpoint_token_enc'),
    uploadedAt: timestamp('uploaded_at', { withTimezone: true, mode: 'date' }).notNull(),
    retiredAt: timestamp('retired_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [uniqueIndex('prescreen_sets_live_funder').on(t.funderId).where(sql`retired_at IS NULL`)],
);

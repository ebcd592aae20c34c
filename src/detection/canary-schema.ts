// The canary registry (金丝雀 / 神秘客户, ADR 0077): recruited mystery-shopper applicants, their
// dedicated contact points (sealed like identity's contact data), the monthly budget, placements
// (each canary with exactly one funder, ever) and the contacts received at canary contact points.
// Restricted: only detection's canary service reads these tables, and only admin and analyst
// reach it; nothing here enters a ledger body or a payload a funder receives.
import { bigint, boolean, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const canaries = pgTable(
  'canaries',
  {
    /** the registry's pseudonymous id (cny_…); it never leaves the registry */
    id: text('id').primaryKey(),
    /** the recruited person as an ordinary customer (identity); one registry entry per person */
    customerId: text('customer_id').notNull(),
    /** recruited | active | retired */
    status: text('status').notNull(),
    /** the score band the recruited person's applications fall in (routing's bands) */
    band: text('band').notNull(),
    /** GB/T 2260 region of the person (from identity's profile) */
    regionCode: text('region_code').notNull(),
    /** a careful poacher skips platform or partner staff: such a canary would be filtered out */
    employerIsPlatformOrPartner: boolean('employer_is_platform_or_partner').notNull(),
    /**
     * the one funder this canary is ever shown to, set by its first placement and never changed:
     * a contact at its contact point then names one funder (canaries.ts attributeCanaryContact)
     */
    dedicatedFunderId: text('dedicated_funder_id'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [uniqueIndex('canaries_customer').on(t.customerId), index('canaries_status').on(t.status, t.id)],
);

/** A contact point used for nothing else: a dedicated phone number or relay address. */
export const canaryContactPoints = pgTable(
  'canary_contact_points',
  {
    id: text('id').primaryKey(),
    canaryId: text('canary_id')
      .notNull()
      .references(() => canaries.id),
    /** phone | email */
    channel: text('channel').notNull(),
    /** the address sealed with the vault (AES-256-GCM, key id), as identity seals phones */
    addressEnc: text('address_enc').notNull(),
    /** HMAC of the normalised address: matched without decrypting; one canary per address */
    addressKey: text('address_key').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    uniqueIndex('canary_contact_points_key').on(t.addressKey),
    index('canary_contact_points_canary').on(t.canaryId),
  ],
);

/** The canary budget of one month (Asia/Shanghai calendar month, 'YYYY-MM'). */
export const canaryBudgets = pgTable('canary_budgets', {
  month: text('month').primaryKey(),
  budgetFen: bigint('budget_fen', { mode: 'number' }).notNull(),
  costPerPlacementFen: bigint('cost_per_placement_fen', { mode: 'number' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/**
 * A canary's application shown to its funder in a month: always its dedicated funder (a repeat
 * application, as a real repeat customer makes); at most one placement per canary and month.
 */
export const canaryPlacements = pgTable(
  'canary_placements',
  {
    id: text('id').primaryKey(),
    canaryId: text('canary_id')
      .notNull()
      .references(() => canaries.id),
    funderId: text('funder_id').notNull(),
    month: text('month').notNull(),
    costFen: bigint('cost_fen', { mode: 'number' }).notNull(),
    /** the ordinary application the canary's exposure rode on; known once it was shared */
    applicationId: text('application_id'),
    placedAt: timestamp('placed_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    uniqueIndex('canary_placements_canary_month').on(t.canaryId, t.month),
    index('canary_placements_month').on(t.month),
  ],
);

/** A contact received at a canary contact point, attributed (or not) to the one funder that saw it. */
export const canaryContacts = pgTable(
  'canary_contacts',
  {
    id: text('id').primaryKey(),
    canaryId: text('canary_id')
      .notNull()
      .references(() => canaries.id),
    contactPointId: text('contact_point_id').notNull(),
    /** the reporter's id for this contact (telephony event, staff report): idempotency per source */
    sourceId: text('source_id').notNull(),
    /** SHA-256 of the canonical report, so a reused source id with other content is refused */
    reportHash: text('report_hash').notNull(),
    /** call | sms | email */
    channel: text('channel').notNull(),
    /** what the contact was about, as reported (sharing's contact categories) */
    category: text('category').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull(),
    summary: text('summary').notNull(),
    attributed: boolean('attributed').notNull(),
    funderId: text('funder_id'),
    /** why not attributable: never-exposed | exposed-to-several; null when attributed */
    reason: text('reason'),
    /** the exposure ledger entry that carried the contact point to the funder */
    exposureEntryId: text('exposure_entry_id'),
    /** the funder's own pseudonym of the canary (its payloads' customerRef), for the evidence record */
    customerRef: text('customer_ref'),
    /**
     * Attributed contacts only: sharing's contact-purpose verdict (in-purpose | out-of-purpose) and
     * its reason. Only an out-of-purpose contact is evidence: a funder verifying an application it
     * was sent is doing its job, canary or not (ADR 0077).
     */
    purposeVerdict: text('purpose_verdict'),
    purposeReason: text('purpose_reason'),
    /** how many funders had seen the canary when the contact arrived */
    exposedCount: integer('exposed_count').notNull(),
  },
  (t) => [
    uniqueIndex('canary_contacts_source').on(t.sourceId),
    index('canary_contacts_funder').on(t.funderId, t.occurredAt),
  ],
);

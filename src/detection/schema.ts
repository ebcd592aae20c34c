// Detection tables (issue 14): the evidence register (one row per piece of evidence, idempotent on
// its source), the institution alias table the credit-report cross-check resolves names with, the
// platform's and partners' staff contact points, credit reports received, and each funder's
// detection level with every change and its reasons.
import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { DetectionLevel, EvidenceKind, EvidenceStatus, LevelReason } from './model.ts';

/**
 * One piece of evidence. Unique on (kind, source): a replayed event or a re-uploaded report names
 * the same source and writes nothing new. `funder_id` is null when the evidence names nobody the
 * platform can hold to account (status `unattributed`).
 */
export const detectionEvidence = pgTable(
  'detection_evidence',
  {
    id: text('id').primaryKey(),
    kind: text('kind').$type<EvidenceKind>().notNull(),
    funderId: text('funder_id'),
    customerId: text('customer_id'),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** stable external id: a relay contact id, `reportId#account-3`, a borrower report id */
    source: text('source').notNull(),
    /** what it proves, in one line */
    proves: text('proves').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull(),
    /** the ledger entry of the exposure this follows (credit-report and contact evidence) */
    exposureEntryId: text('exposure_entry_id'),
    status: text('status').$type<EvidenceStatus>().notNull(),
  },
  (t) => [
    uniqueIndex('detection_evidence_kind_source').on(t.kind, t.source),
    index('detection_evidence_funder').on(t.funderId, t.occurredAt),
    index('detection_evidence_customer').on(t.customerId, t.occurredAt),
    // an attributed finding names its funder; the others may not accuse anyone by a column
    check(
      'detection_evidence_status',
      sql`${t.status} IN ('attributed', 'explained') OR (${t.status} = 'unattributed' AND ${t.funderId} IS NULL)`,
    ),
    check('detection_evidence_attributed', sql`${t.status} <> 'attributed' OR ${t.funderId} IS NOT NULL`),
  ],
);

/** Institution name or code → funder; loaded into the pure buildInstitutionAliases. */
export const detectionInstitutionAliases = pgTable(
  'detection_institution_aliases',
  {
    id: text('id').primaryKey(),
    funderId: text('funder_id').notNull(),
    /** name | code */
    kind: text('kind').$type<'name' | 'code'>().notNull(),
    /** as the operator entered it */
    value: text('value').notNull(),
    /** normalised (institutions.ts): what a second funder may not claim */
    normalised: text('normalised').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    uniqueIndex('detection_institution_aliases_key').on(t.kind, t.normalised),
    index('detection_institution_aliases_funder').on(t.funderId),
  ],
);

/**
 * Contact points of the platform's and partners' staff (a phone or a relay address), stored only
 * as a keyed hash: a funder's marketing reaching one is `staff-contact` evidence.
 */
export const detectionStaffContacts = pgTable(
  'detection_staff_contacts',
  {
    id: text('id').primaryKey(),
    /** HMAC-SHA256 (a key derived from the master key) of the normalised address */
    addressKey: text('address_key').notNull(),
    /** phone | relay-address | email */
    channel: text('channel').notNull(),
    /** `platform` or the partner's name */
    owner: text('owner').notNull(),
    label: text('label').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [uniqueIndex('detection_staff_contacts_address').on(t.addressKey)],
);

/** Credit reports received for a customer, with the authorisation that allowed reading them. */
export const detectionCreditReports = pgTable(
  'detection_credit_reports',
  {
    id: text('id').primaryKey(),
    /** 报告编号 as the bureau printed it */
    reportId: text('report_id').notNull(),
    customerId: text('customer_id').notNull(),
    /** the customer's authorisation (授权书) reference: without one the report is refused */
    authorisationRef: text('authorisation_ref').notNull(),
    generatedOn: text('generated_on').notNull(),
    accountCount: integer('account_count').notNull(),
    queryCount: integer('query_count').notNull(),
    unmatchedInstitutions: jsonb('unmatched_institutions').$type<string[]>().notNull(),
    receivedBy: text('received_by').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    uniqueIndex('detection_credit_reports_report').on(t.reportId),
    index('detection_credit_reports_customer').on(t.customerId, t.receivedAt),
  ],
);

/** Each funder's level now; a funder without a row is at `none`. */
export const detectionLevels = pgTable(
  'detection_levels',
  {
    funderId: text('funder_id').primaryKey(),
    level: text('level').$type<DetectionLevel>().notNull(),
    changeId: text('change_id').notNull(),
    changedAt: timestamp('changed_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    index('detection_levels_changed').on(t.changedAt, t.funderId),
    check('detection_levels_level', sql`${t.level} IN ('none', 'watch', 'suspect', 'confirmed')`),
  ],
);

/** Every level change, with its reasons and who made it (an analyst, an admin, the rescoring step). */
export const detectionLevelChanges = pgTable(
  'detection_level_changes',
  {
    id: text('id').primaryKey(),
    funderId: text('funder_id').notNull(),
    fromLevel: text('from_level').$type<DetectionLevel>().notNull(),
    level: text('level').$type<DetectionLevel>().notNull(),
    reasons: jsonb('reasons').$type<LevelReason[]>().notNull(),
    actor: text('actor').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('detection_level_changes_funder').on(t.funderId, t.at)],
);

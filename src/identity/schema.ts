// Customers (one per person, found by customer key) and per-funder consents (PIPL art. 23).
import { date, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const customers = pgTable('customers', {
  id: text('id').primaryKey(),
  /** HMAC-SHA256(normalised ID number) under a key derived from the master key, hex. */
  customerKey: text('customer_key').notNull().unique(),
  nameEnc: text('name_enc').notNull(),
  idNumberEnc: text('id_number_enc').notNull(),
  phoneEnc: text('phone_enc').notNull(),
  /** HMAC of the normalised phone, so a phone can be matched (relay, reports) without decrypting. */
  phoneKey: text('phone_key').notNull(),
  // In clear on purpose (ADR 0062): read only by the sharing gateway, through getProfile, so a
  // pre-screen payload (birth year, province) needs no decryption. Together a quasi-identifier.
  birthDate: date('birth_date', { mode: 'string' }).notNull(),
  gender: text('gender').notNull(), // male | female
  regionCode: text('region_code').notNull(), // GB/T 2260 six digits from the ID number
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});

export const consents = pgTable(
  'consents',
  {
    id: text('id').primaryKey(),
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id),
    funderId: text('funder_id').notNull(),
    purpose: text('purpose').notNull(),
    dataCategories: jsonb('data_categories').$type<string[]>().notNull(),
    /** SHA-256 of the exact consent text version the borrower saw. */
    textVersionHash: text('text_version_hash').notNull(),
    channel: text('channel').notNull(),
    grantedAt: timestamp('granted_at', { withTimezone: true, mode: 'date' }).notNull(),
    withdrawnAt: timestamp('withdrawn_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('consents_customer_funder').on(t.customerId, t.funderId)],
);

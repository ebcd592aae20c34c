// API keys: only a SHA-256 of the secret is stored (keys are 256-bit random, so a slow hash adds nothing).
import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    secretHash: text('secret_hash').notNull().unique(),
    role: text('role').notNull(), // admin | analyst | funder | borrower | system
    funderId: text('funder_id'),
    customerId: text('customer_id'),
    label: text('label').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('api_keys_funder').on(t.funderId)],
);

/**
 * Borrower tokens (ADR 0081): short-lived bearer tokens bound to one customer, issued by the
 * platform's app back end. Only SHA-256 of the 256-bit secret is stored, as for API keys.
 */
export const borrowerTokens = pgTable(
  'borrower_tokens',
  {
    id: text('id').primaryKey(),
    secretHash: text('secret_hash').notNull().unique(),
    customerId: text('customer_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('borrower_tokens_customer').on(t.customerId)],
);

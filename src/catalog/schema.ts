// Funders (资方), their products and contracts. Rates are fractions stored as double precision;
// amounts are bigint fen.
import {
  bigint,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import type { ContractTerms, FeeLine } from './model.ts';

export const funders = pgTable('funders', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  type: text('type').notNull(), // bank | consumer-finance | other
  status: text('status').notNull(), // active | suspended
  /** GB/T 2260 division-code prefixes the funder may lend in; ['*'] = nationwide. */
  licensedRegions: jsonb('licensed_regions').$type<string[]>().notNull(),
  webhookUrl: text('webhook_url'),
  webhookSecretEnc: text('webhook_secret_enc'),
  /** 断直连: credit-related data reaches the funder directly or through a licensed bureau. */
  transport: text('transport').notNull(), // direct | via-bureau
  monthlyQuotaFen: bigint('monthly_quota_fen', { mode: 'number' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});

export const products = pgTable(
  'products',
  {
    id: text('id').primaryKey(),
    funderId: text('funder_id')
      .notNull()
      .references(() => funders.id),
    name: text('name').notNull(),
    status: text('status').notNull(), // active | retired
    minAmountFen: bigint('min_amount_fen', { mode: 'number' }).notNull(),
    maxAmountFen: bigint('max_amount_fen', { mode: 'number' }).notNull(),
    termsMonths: jsonb('terms_months').$type<number[]>().notNull(),
    rateAnnualMin: doublePrecision('rate_annual_min').notNull(),
    rateAnnualMax: doublePrecision('rate_annual_max').notNull(),
    methods: jsonb('methods').$type<string[]>().notNull(),
    fees: jsonb('fees').$type<FeeLine[]>().notNull(),
    ageMin: integer('age_min').notNull(),
    ageMax: integer('age_max').notNull(),
    minScore: integer('min_score').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('products_funder').on(t.funderId)],
);

export const contracts = pgTable(
  'contracts',
  {
    id: text('id').primaryKey(),
    funderId: text('funder_id')
      .notNull()
      .references(() => funders.id),
    terms: jsonb('terms').$type<ContractTerms>().notNull(),
    effectiveFrom: timestamp('effective_from', { withTimezone: true, mode: 'date' }).notNull(),
    effectiveTo: timestamp('effective_to', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('contracts_funder').on(t.funderId)],
);

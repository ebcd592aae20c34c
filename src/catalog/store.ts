// Catalog's queries: funders, products and contracts. The service keeps the rules (checks, events,
// row mapping); every read of a growing table is bounded here (STYLE §8).
import { and, asc, eq, gt, isNull, lt, or } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { contracts, funders, products } from './schema.ts';

/** The most funders one page lists. */
export const FUNDER_PAGE_MAX = 500;
/** The most products one read returns (routing's catalogue snapshot reads them all in one go). */
export const PRODUCT_READ_MAX = 5000;

export type FunderRow = typeof funders.$inferSelect;
export type ProductRow = typeof products.$inferSelect;
export type ContractRow = typeof contracts.$inferSelect;

/** The new funder, or undefined when one with this id exists already. */
export async function insertFunder(
  tx: Executor,
  row: typeof funders.$inferInsert,
): Promise<FunderRow | undefined> {
  const [inserted] = await tx.insert(funders).values(row).onConflictDoNothing().returning();
  return inserted;
}

/** The funder after the change, or undefined when there is no such funder. */
export async function updateFunderStatus(
  tx: Executor,
  funderId: string,
  status: string,
  updatedAt: Date,
): Promise<FunderRow | undefined> {
  const [row] = await tx
    .update(funders)
    .set({ status, updatedAt })
    .where(eq(funders.id, funderId))
    .returning();
  return row;
}

/** The funder after its webhook changed, or undefined when there is no such funder. */
export async function updateFunderWebhook(
  tx: Executor,
  funderId: string,
  webhook: { webhookUrl: string | null; webhookSecretEnc: string | null },
  updatedAt: Date,
): Promise<FunderRow | undefined> {
  const [row] = await tx
    .update(funders)
    .set({ ...webhook, updatedAt })
    .where(eq(funders.id, funderId))
    .returning();
  return row;
}

export async function getFunderRow(tx: Executor, funderId: string): Promise<FunderRow | undefined> {
  const [row] = await tx.select().from(funders).where(eq(funders.id, funderId));
  return row;
}

/** The encrypted webhook secret: undefined for no such funder, null for a funder without one. */
export async function getWebhookSecretEnc(
  tx: Executor,
  funderId: string,
): Promise<string | null | undefined> {
  const [row] = await tx
    .select({ enc: funders.webhookSecretEnc })
    .from(funders)
    .where(eq(funders.id, funderId));
  return row?.enc;
}

/** Funders by id, after `after`, at most FUNDER_PAGE_MAX. */
export async function listFunderRows(
  tx: Executor,
  page: { after?: string; limit: number },
): Promise<FunderRow[]> {
  return tx
    .select()
    .from(funders)
    .where(page.after ? gt(funders.id, page.after) : undefined)
    .orderBy(asc(funders.id))
    .limit(Math.min(page.limit, FUNDER_PAGE_MAX));
}

/** The new product, or undefined when one with this id exists already. */
export async function insertProduct(
  tx: Executor,
  row: typeof products.$inferInsert,
): Promise<ProductRow | undefined> {
  const [inserted] = await tx.insert(products).values(row).onConflictDoNothing().returning();
  return inserted;
}

/** Products by id, at most PRODUCT_READ_MAX. */
export async function listProductRows(
  tx: Executor,
  filter: { funderId?: string; activeOnly?: boolean; limit: number },
): Promise<ProductRow[]> {
  const conditions = [
    filter.funderId ? eq(products.funderId, filter.funderId) : undefined,
    filter.activeOnly ? eq(products.status, 'active') : undefined,
  ];
  return tx
    .select()
    .from(products)
    .where(and(...conditions))
    .orderBy(asc(products.id))
    .limit(Math.min(filter.limit, PRODUCT_READ_MAX));
}

export async function getProductRow(tx: Executor, productId: string): Promise<ProductRow | undefined> {
  const [row] = await tx.select().from(products).where(eq(products.id, productId));
  return row;
}

/** End the contract in force (if any) at `at`: history stays, one contract is in force. */
export async function endCurrentContract(tx: Executor, funderId: string, at: Date): Promise<void> {
  await tx
    .update(contracts)
    .set({ effectiveTo: at })
    .where(and(eq(contracts.funderId, funderId), isNull(contracts.effectiveTo)));
}

export async function insertContract(tx: Executor, row: typeof contracts.$inferInsert): Promise<void> {
  await tx.insert(contracts).values(row);
}

export async function getCurrentContract(tx: Executor, funderId: string): Promise<ContractRow | undefined> {
  const [row] = await tx
    .select()
    .from(contracts)
    .where(and(eq(contracts.funderId, funderId), isNull(contracts.effectiveTo)))
    .limit(1);
  return row;
}

/** The most contracts one funder may have had in force within one window (STYLE §8). */
export const CONTRACTS_IN_WINDOW_MAX = 1_000;

/** Contracts of a funder in force at some instant of [from, to), oldest first. */
export async function contractsInForceBetween(
  tx: Executor,
  funderId: string,
  from: Date,
  to: Date,
): Promise<ContractRow[]> {
  return tx
    .select()
    .from(contracts)
    .where(
      and(
        eq(contracts.funderId, funderId),
        lt(contracts.effectiveFrom, to),
        or(isNull(contracts.effectiveTo), gt(contracts.effectiveTo, from)),
      ),
    )
    .orderBy(asc(contracts.effectiveFrom), asc(contracts.id))
    .limit(CONTRACTS_IN_WINDOW_MAX);
}

// Access's queries: API keys, looked up by the hash of their secret. The service keeps the rules
// (who may hold which key, the verified-key memory).
import { and, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { apiKeys, borrowerTokens } from './schema.ts';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function insertApiKey(tx: Executor, row: typeof apiKeys.$inferInsert): Promise<void> {
  await tx.insert(apiKeys).values(row);
}

/** Whether any unrevoked key has this role (reads one row at most). */
export async function hasLiveKeyWithRole(tx: Executor, role: string): Promise<boolean> {
  const rows = await tx
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.role, role), isNull(apiKeys.revokedAt)))
    .limit(1);
  return rows.length > 0;
}

/** The id of the key with this secret hash, revoked or not. */
export async function keyIdBySecretHash(tx: Executor, secretHash: string): Promise<string | undefined> {
  const [row] = await tx.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.secretHash, secretHash));
  return row?.id;
}

/** The unrevoked key with this secret hash (the hash is unique). */
export async function liveKeyBySecretHash(tx: Executor, secretHash: string): Promise<ApiKeyRow | undefined> {
  const [row] = await tx
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.secretHash, secretHash), isNull(apiKeys.revokedAt)));
  return row;
}

/** Mark a key revoked; false when there is no such key. */
export async function revokeKey(tx: Executor, keyId: string, revokedAt: Date): Promise<boolean> {
  const rows = await tx
    .update(apiKeys)
    .set({ revokedAt })
    .where(eq(apiKeys.id, keyId))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

// ---- borrower tokens (ADR 0081) ----

export type BorrowerTokenRow = typeof borrowerTokens.$inferSelect;

export async function insertBorrowerToken(
  tx: Executor,
  row: typeof borrowerTokens.$inferInsert,
): Promise<void> {
  await tx.insert(borrowerTokens).values(row);
}

/** The unrevoked token with this secret hash (expiry is the service's to judge, with its clock). */
export async function liveTokenBySecretHash(
  tx: Executor,
  secretHash: string,
): Promise<BorrowerTokenRow | undefined> {
  const [row] = await tx
    .select()
    .from(borrowerTokens)
    .where(and(eq(borrowerTokens.secretHash, secretHash), isNull(borrowerTokens.revokedAt)));
  return row;
}

/** Mark a token revoked (the first revocation's time stays); false when there is no such token. */
export async function revokeBorrowerToken(tx: Executor, tokenId: string, revokedAt: Date): Promise<boolean> {
  const rows = await tx
    .update(borrowerTokens)
    .set({ revokedAt })
    .where(and(eq(borrowerTokens.id, tokenId), isNull(borrowerTokens.revokedAt)))
    .returning({ id: borrowerTokens.id });
  if (rows.length > 0) return true;
  const [exists] = await tx
    .select({ id: borrowerTokens.id })
    .from(borrowerTokens)
    .where(eq(borrowerTokens.id, tokenId));
  return exists !== undefined;
}

// Idempotent writes (STYLE §3): the idempotency record and the write commit in one transaction.
// Same key + same body → the first answer again; same key + different body → idempotency_key_reused.
// A rejected request rolls back entirely, key included, so a corrected retry may reuse the key.
import type { LookupRef, Lookups } from './lookups.ts';
import type { JsonWith, TransactionUnit, UnitOfWork, Units } from './unit-of-work.ts';
import { plainSql } from './render.ts';
import { and, eq, type SQL, sql } from 'drizzle-orm';
import { canonicalJson, type Clock, sha256Hex } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import type { Tx } from './client.ts';
import { idempotencyKeys } from './infra-schema.ts';

export const IDEMPOTENCY_KEY_MAX_LENGTH = 200;

export interface StoredResponse<T = unknown> {
  status: number;
  body: T;
  replayed: boolean;
}

export function requestHash(method: string, path: string, body: unknown): string {
  return sha256Hex(canonicalJson({ method, path, body: body ?? null }));
}

export function checkIdempotencyKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    throw new DomainError(
      'idempotency_key_invalid',
      `Idempotency-Key header is required (1..${IDEMPOTENCY_KEY_MAX_LENGTH} characters)`,
      'Idempotency-Key',
    );
  }
  return key;
}

/** What a statement that writes its own idempotency record reads first (see `recordLookup`). */
export interface IdempotencyRecord {
  hash: string;
  status: number;
  body: unknown;
}

/**
 * A scalar subquery: the record for (scope, key) as JSON, or NULL. For writes that are one
 * statement on their own (intake's submit) and read before they write, without a transaction.
 */
export function recordLookup(scope: string, key: string): SQL {
  return plainSql`(SELECT json_build_object('hash', request_hash, 'status', response_status, 'body', response_body)
    FROM idempotency_keys WHERE scope = ${scope} AND key = ${key})`;
}

export function isClaimConflict(error: unknown): boolean {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && e.constraint === 'idempotency_keys_scope_key_pk';
}

/** The stored answer for a repeat of the same request, or idempotency_key_reused for another one. */
export function replay<T>(record: IdempotencyRecord, hash: string): StoredResponse<T> {
  if (record.hash !== hash) {
    throw new DomainError(
      'idempotency_key_reused',
      'this Idempotency-Key was used with a different request',
      'Idempotency-Key',
    );
  }
  return { status: record.status, body: record.body as T, replayed: true };
}

/** node-postgres and PGlite both answer `execute` with `{ rows }`. */
async function rows(tx: Tx, query: ReturnType<typeof sql>): Promise<unknown[]> {
  return ((await tx.execute(query)) as unknown as { rows: unknown[] }).rows;
}

export async function withIdempotency<T>(
  units: Units,
  clock: Clock,
  scope: string,
  key: string,
  hash: string,
  work: (tx: Tx, unit: TransactionUnit) => Promise<{ status: number; body: T }>,
): Promise<StoredResponse<T>> {
  return units.run(async (unit) => {
    const tx = unit.tx;
    // Raw SQL for the two statements every idempotent write makes: drizzle's builder showed up in
    // the submit path's profile (docs/notes/routing.md, performance pass).
    const inserted = await rows(
      tx,
      sql`INSERT INTO idempotency_keys (scope, key, request_hash, response_status, response_body, created_at)
          VALUES (${scope}, ${key}, ${hash}, 0, '{}'::jsonb, ${clock.now().toISOString()}::timestamptz)
          ON CONFLICT DO NOTHING RETURNING key`,
    );
    if (inserted.length === 0) {
      // On PostgreSQL a concurrent first request holds the row lock until it commits; we read its answer.
      const [existing] = await tx
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
      if (!existing) throw new DomainError('conflict', 'idempotency record vanished; retry');
      return replay<T>(
        { hash: existing.requestHash, status: existing.responseStatus, body: existing.responseBody },
        hash,
      );
    }
    const result = await work(tx, unit);
    await tx.execute(
      sql`UPDATE idempotency_keys SET response_status = ${result.status},
          response_body = ${JSON.stringify(result.body)}::jsonb WHERE scope = ${scope} AND key = ${key}`,
    );
    return { ...result, replayed: false };
  });
}

/** The record for (scope, key), read with a write's other lookups (ADR 0069). */
export function lookupRecord(
  lookups: Lookups,
  scope: string,
  key: string,
): LookupRef<IdempotencyRecord | null> {
  return lookups.custom(
    'idempotency-record',
    recordLookup(scope, key),
    (value) => (value ?? null) as IdempotencyRecord | null,
  );
}

/**
 * The finished record as an intent of the write's own unit (no ON CONFLICT: a concurrent claim of
 * the key fails the whole unit with a unique violation, `isClaimConflict`, and the caller replays).
 * Units holding the same key never share a grouped statement.
 */
export function recordIntent(
  unit: UnitOfWork,
  record: { scope: string; key: string; hash: string; status: number; body: JsonWith; at: Date },
): void {
  unit.conflictsOn(`idempotency:${record.scope}\u0000${record.key}`);
  unit.insert(idempotencyKeys, {
    scope: record.scope,
    key: record.key,
    requestHash: record.hash,
    responseStatus: record.status,
    responseBody: record.body,
    createdAt: record.at,
  });
}

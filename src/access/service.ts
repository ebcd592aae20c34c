// API keys: "sj_<random>" secrets shown once; only SHA-256(secret) is stored.
import { randomBytes } from 'node:crypto';
import type { Executor } from '../db/client.ts';
import type { TransactionUnit } from '../db/unit-of-work.ts';
import { type Clock, type IdGenerator, assert, sha256Hex } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import type { KeyRevoked, Principal, Role } from './model.ts';
import {
  hasLiveKeyWithRole,
  insertApiKey,
  insertBorrowerToken,
  keyIdBySecretHash,
  liveKeyBySecretHash,
  liveTokenBySecretHash,
  revokeBorrowerToken,
  revokeKey,
} from './store.ts';

export interface IssuedKey {
  id: string;
  secret: string;
  role: Role;
  funderId: string | null;
}

/** How long a verified key is trusted without asking the database again (ADR 0007). */
export const DEFAULT_KEY_CACHE_MS = 2_000;
/** The most keys remembered at once; past it the memory starts over (a burst of distinct keys). */
export const KEY_CACHE_MAX = 10_000;

/** Borrower tokens (ADR 0081): a session of the platform's app, 15 minutes unless asked otherwise. */
export const BORROWER_TOKEN_TTL_DEFAULT_S = 15 * 60;
/** The longest a borrower token may live: one hour; the app back end issues a new one after. */
export const BORROWER_TOKEN_TTL_MAX_S = 60 * 60;
/** Borrower token secrets start with this, API keys with `sj_`: authenticate() knows where to look. */
export const BORROWER_TOKEN_PREFIX = 'sjb_';

export interface IssuedBorrowerToken {
  id: string;
  /** shown once: only its SHA-256 is stored */
  token: string;
  customerId: string;
  expiresAt: Date;
}

export class AccessService {
  /** verified keys by secret hash: every request names its key, and a lookup was a round trip each */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();
  private readonly keyCacheMs: number;

  constructor(private readonly deps: { clock: Clock; ids: IdGenerator; keyCacheMs?: number }) {
    this.keyCacheMs = deps.keyCacheMs ?? DEFAULT_KEY_CACHE_MS;
  }

  async issueKey(
    tx: Executor,
    input: {
      role: Role;
      funderId?: string | null;
      customerId?: string | null;
      label: string;
      secret?: string;
    },
  ): Promise<IssuedKey> {
    assert(
      (input.role === 'funder') === Boolean(input.funderId),
      'funder keys, and only they, carry a funderId',
    );
    const secret = input.secret ?? `sj_${randomBytes(32).toString('base64url')}`;
    const id = this.deps.ids.next('key');
    await insertApiKey(tx, {
      id,
      secretHash: sha256Hex(secret),
      role: input.role,
      funderId: input.funderId ?? null,
      customerId: input.customerId ?? null,
      label: input.label,
      createdAt: this.deps.clock.now(),
    });
    return { id, secret, role: input.role, funderId: input.funderId ?? null };
  }

  /** Whether any unrevoked admin key exists: `serve` tells an operator without one how to get one. */
  async hasLiveAdmin(tx: Executor): Promise<boolean> {
    return hasLiveKeyWithRole(tx, 'admin');
  }

  /** Make sure a key with exactly this secret exists as admin (SHOUJIA_BOOTSTRAP_ADMIN_KEY). */
  async ensureBootstrapAdmin(tx: Executor, secret: string): Promise<void> {
    const existing = await keyIdBySecretHash(tx, sha256Hex(secret));
    if (existing === undefined) await this.issueKey(tx, { role: 'admin', label: 'bootstrap admin', secret });
  }

  /**
   * The principal of a live key, or null. A key verified in the last keyCacheMs is trusted without
   * a database round trip: a revocation takes effect at once in this process (revoke() forgets the
   * key) and within keyCacheMs in the others. Unknown and revoked keys are never remembered.
   */
  async authenticate(tx: Executor, secret: string): Promise<Principal | null> {
    if (secret.length === 0 || secret.length > 200) return null;
    const hash = sha256Hex(secret);
    const now = this.deps.clock.now().getTime();
    const known = this.verified.get(hash);
    if (known && known.until > now) return known.principal;
    if (secret.startsWith(BORROWER_TOKEN_PREFIX)) return this.authenticateToken(tx, hash, now);
    const row = await liveKeyBySecretHash(tx, hash);
    if (!row) {
      this.verified.delete(hash);
      return null;
    }
    const principal: Principal = {
      keyId: row.id,
      role: row.role as Role,
      funderId: row.funderId,
      customerId: row.customerId,
    };
    if (this.keyCacheMs > 0) {
      if (this.verified.size >= KEY_CACHE_MAX) this.verified.clear();
      this.verified.set(hash, { principal, until: now + this.keyCacheMs });
    }
    return principal;
  }

  /** A borrower token bound to one customer, living `ttlSeconds` (1..BORROWER_TOKEN_TTL_MAX_S). */
  async issueBorrowerToken(
    tx: Executor,
    input: { customerId: string; ttlSeconds?: number },
  ): Promise<IssuedBorrowerToken> {
    const ttlSeconds = input.ttlSeconds ?? BORROWER_TOKEN_TTL_DEFAULT_S;
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > BORROWER_TOKEN_TTL_MAX_S)
      throw new DomainError(
        'invalid_request',
        `ttlSeconds must be 1..${BORROWER_TOKEN_TTL_MAX_S}`,
        'ttlSeconds',
      );
    const token = `${BORROWER_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const id = this.deps.ids.next('btk');
    const now = this.deps.clock.now();
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
    await insertBorrowerToken(tx, {
      id,
      secretHash: sha256Hex(token),
      customerId: input.customerId,
      createdAt: now,
      expiresAt,
    });
    return { id, token, customerId: input.customerId, expiresAt };
  }

  /**
   * Revoke a borrower token; raises api-key.revoked with the token's id, so every API process forgets
   * it as it forgets a revoked key. Revoking a revoked token again is not an error.
   */
  async revokeBorrowerToken(unit: TransactionUnit, tokenId: string): Promise<void> {
    const at = this.deps.clock.now();
    if (!(await revokeBorrowerToken(unit.tx, tokenId, at)))
      throw new DomainError('not_found', 'no such borrower token', 'id');
    this.forget(tokenId);
    unit.publish({
      topic: 'api-key.revoked',
      aggregateId: tokenId,
      payload: { keyId: tokenId },
      at,
    } satisfies KeyRevoked);
  }

  /** A live, unexpired borrower token's principal; remembered no longer than it lives. */
  private async authenticateToken(tx: Executor, hash: string, now: number): Promise<Principal | null> {
    const row = await liveTokenBySecretHash(tx, hash);
    if (!row || row.expiresAt.getTime() <= now) {
      this.verified.delete(hash);
      return null;
    }
    const principal: Principal = {
      keyId: row.id,
      role: 'borrower',
      funderId: null,
      customerId: row.customerId,
    };
    if (this.keyCacheMs > 0) {
      if (this.verified.size >= KEY_CACHE_MAX) this.verified.clear();
      this.verified.set(hash, { principal, until: Math.min(now + this.keyCacheMs, row.expiresAt.getTime()) });
    }
    return principal;
  }

  /** Revoke a key; raises api-key.revoked (other API processes forget it when it commits). */
  async revoke(unit: TransactionUnit, keyId: string): Promise<void> {
    const at = this.deps.clock.now();
    if (!(await revokeKey(unit.tx, keyId, at))) throw new DomainError('not_found', 'no such key', 'keyId');
    this.forget(keyId);
    unit.publish({
      topic: 'api-key.revoked',
      aggregateId: keyId,
      payload: { keyId },
      at,
    } satisfies KeyRevoked);
  }

  /** Forget every verified key (the notices from other processes may have been missed). */
  forgetAll(): void {
    this.verified.clear();
  }

  /** Drop a key from this process's memory of verified keys (revocation). */
  forget(keyId: string): void {
    for (const [hash, entry] of this.verified)
      if (entry.principal.keyId === keyId) this.verified.delete(hash);
  }
}

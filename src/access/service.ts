// API keys: "sj_<random>" secrets shown once; only SHA-256(secret) is stored.
import { randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { type Clock, DomainError, type IdGenerator, assert, sha256Hex } from '../kernel/index.ts';
import type { Principal, Role } from './model.ts';
import { apiKeys } from './schema.ts';

export interface IssuedKey {
  id: string;
  secret: string;
  role: Role;
  funderId: string | null;
}

export class AccessService {
  constructor(private readonly deps: { clock: Clock; ids: IdGenerator }) {}

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
    await tx.insert(apiKeys).values({
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

  /** Make sure a key with exactly this secret exists as admin (SHOUJIA_BOOTSTRAP_ADMIN_KEY). */
  async ensureBootstrapAdmin(tx: Executor, secret: string): Promise<void> {
    const [existing] = await tx
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(eq(apiKeys.secretHash, sha256Hex(secret)));
    if (!existing) await this.issueKey(tx, { role: 'admin', label: 'bootstrap admin', secret });
  }

  async authenticate(tx: Executor, secret: string): Promise<Principal | null> {
    if (secret.length === 0 || secret.length > 200) return null;
    const [row] = await tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.secretHash, sha256Hex(secret)), isNull(apiKeys.revokedAt)));
    if (!row) return null;
    return { keyId: row.id, role: row.role as Role, funderId: row.funderId, customerId: row.customerId };
  }

  async revoke(tx: Executor, keyId: string): Promise<void> {
    const rows = await tx
      .update(apiKeys)
      .set({ revokedAt: this.deps.clock.now() })
      .where(eq(apiKeys.id, keyId))
      .returning({ id: apiKeys.id });
    if (rows.length === 0) throw new DomainError('not_found', 'no such key', 'keyId');
  }
}

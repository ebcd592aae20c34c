// Relay contact points (虚拟号 / email relay): the funder gets an address that forwards to the
// borrower, unique to (customer, funder), so every contact is seen and attributed. Addresses come
// from a provider behind this interface: a virtual-number service in production, the built-in pool
// (a table the admin fills) for the demo and tests.
import { randomBytes } from 'node:crypto';
import { and, asc, eq, isNull, lte, or } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import type { Clock } from '../kernel/index.ts';
import { normalisePhone } from '../identity/phone.ts';
import { relayPool } from './schema.ts';

/**
 * A contact address in the one form relay points are stored and matched in: a mainland mobile as
 * 11 digits, anything else (an email token) trimmed and lower case. Detection's staff contact points
 * use it too, so a registered address matches the relay webhook's.
 */
export function normaliseContactAddress(raw: string): string {
  return normalisePhone(raw) ?? raw.trim().toLowerCase();
}

export type RelayChannel = 'phone' | 'email';

export interface RelayProvider {
  readonly name: string;
  /** Reserve one address for a new lease; null when none is free. Runs in the caller's transaction. */
  acquire(tx: Executor, channel: RelayChannel): Promise<string | null>;
  /** Give an address back (the lease ended). */
  release(tx: Executor, address: string): Promise<void>;
}

/** Rows scanned to find a free address under concurrency (SKIP LOCKED takes the next). */
const ACQUIRE_CANDIDATES = 1;

/**
 * The built-in provider: addresses from the relay_pool table. FOR UPDATE SKIP LOCKED lets concurrent
 * leases on PostgreSQL take different rows instead of waiting on the same one.
 */
export interface PoolOptions {
  /**
   * Demo and tests: when the pool has no free address, mint a synthetic one (phone 170xxxxxxxx,
   * email r…@relay.shoujia.invalid) that forwards nowhere. Production passes a real provider, or
   * a filled pool with minting off, so a funder never receives an address that reaches no one.
   */
  mintWhenEmpty?: boolean;
  /**
   * How long a released address rests before it is leased again (default 90 days): a funder that
   * kept the old address and calls it must not reach, or be attributed to, another borrower.
   */
  quarantineMs?: number;
  random?: (bytes: number) => Uint8Array;
}

export const DEFAULT_RELAY_QUARANTINE_MS = 90 * 24 * 60 * 60 * 1000;

/** Attempts to mint an address not yet in the pool (random collisions are rare; bounded anyway). */
const MINT_ATTEMPTS = 8;

export class PoolRelayProvider implements RelayProvider {
  readonly name: string;
  private readonly random: (bytes: number) => Uint8Array;
  constructor(
    private readonly clock: Clock,
    private readonly options: PoolOptions = {},
  ) {
    this.name = options.mintWhenEmpty ? 'builtin-pool+mint' : 'builtin-pool';
    this.random = options.random ?? randomBytes;
  }

  async acquire(tx: Executor, channel: RelayChannel): Promise<string | null> {
    const [row] = await tx
      .select({ address: relayPool.address })
      .from(relayPool)
      .where(
        and(
          eq(relayPool.channel, channel),
          eq(relayPool.status, 'free'),
          or(isNull(relayPool.restUntil), lte(relayPool.restUntil, this.clock.now())),
        ),
      )
      .orderBy(asc(relayPool.address))
      .limit(ACQUIRE_CANDIDATES)
      .for('update', { skipLocked: true });
    if (row) {
      await tx.update(relayPool).set({ status: 'leased' }).where(eq(relayPool.address, row.address));
      return row.address;
    }
    return this.options.mintWhenEmpty ? this.mint(tx, channel) : null;
  }

  private async mint(tx: Executor, channel: RelayChannel): Promise<string | null> {
    for (let attempt = 0; attempt < MINT_ATTEMPTS; attempt++) {
      const bytes = Buffer.from(this.random(8));
      const address =
        channel === 'phone'
          ? `170${String(bytes.readUInt32BE(0) % 100_000_000).padStart(8, '0')}`
          : `r${bytes.toString('hex')}@relay.shoujia.invalid`;
      const inserted = await tx
        .insert(relayPool)
        .values({ address, channel, status: 'leased', addedAt: this.clock.now() })
        .onConflictDoNothing()
        .returning({ address: relayPool.address });
      if (inserted.length === 1) return address;
    }
    return null;
  }

  /** The address returns to the pool, resting for quarantineMs before anyone may lease it again. */
  async release(tx: Executor, address: string): Promise<void> {
    const restUntil = new Date(
      this.clock.now().getTime() + (this.options.quarantineMs ?? DEFAULT_RELAY_QUARANTINE_MS),
    );
    await tx.update(relayPool).set({ status: 'free', restUntil }).where(eq(relayPool.address, address));
  }

  /** Add addresses to the pool (admin); existing ones are left as they are. Returns how many were new. */
  async add(tx: Executor, channel: RelayChannel, addresses: readonly string[]): Promise<number> {
    if (addresses.length === 0) return 0;
    const now = this.clock.now();
    const inserted = await tx
      .insert(relayPool)
      .values(addresses.map((address) => ({ address, channel, status: 'free', addedAt: now })))
      .onConflictDoNothing()
      .returning({ address: relayPool.address });
    return inserted.length;
  }
}

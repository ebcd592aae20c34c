// Relay contact points (虚拟号 / email relay): the funder gets an address that forwards to the
// borrower, unique to (customer, funder), so every contact is seen and attributed. Addresses come
// from a provider behind this interface: a virtual-number service in production, the built-in pool
// (a table the admin fills) for the demo and tests.
import { and, asc, eq } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import type { Clock } from '../kernel/index.ts';
import { relayPool } from './schema.ts';

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
export class PoolRelayProvider implements RelayProvider {
  readonly name = 'builtin-pool';
  constructor(private readonly clock: Clock) {}

  async acquire(tx: Executor, channel: RelayChannel): Promise<string | null> {
    const [row] = await tx
      .select({ address: relayPool.address })
      .from(relayPool)
      .where(and(eq(relayPool.channel, channel), eq(relayPool.status, 'free')))
      .orderBy(asc(relayPool.address))
      .limit(ACQUIRE_CANDIDATES)
      .for('update', { skipLocked: true });
    if (!row) return null;
    await tx.update(relayPool).set({ status: 'leased' }).where(eq(relayPool.address, row.address));
    return row.address;
  }

  async release(tx: Executor, address: string): Promise<void> {
    await tx.update(relayPool).set({ status: 'free' }).where(eq(relayPool.address, address));
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

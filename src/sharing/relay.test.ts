// The built-in relay pool: a released address rests (quarantine) before another (customer,
// funder) may lease it, so a funder that kept it cannot reach, or be blamed for, another borrower.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, freshDatabase, type TestDatabase } from '../../test/support/engines.ts';
import { ManualClock } from '../kernel/index.ts';
import { DEFAULT_RELAY_QUARANTINE_MS, PoolRelayProvider } from './relay.ts';

describe.each(ENGINES)('relay pool on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(engine);
  });
  afterAll(async () => database?.close());

  it('rests a released address for the quarantine time; without minting, nothing else is leased', async () => {
    const clock = new ManualClock('2026-03-01T00:00:00Z');
    const pool = new PoolRelayProvider(clock);
    const tx = database.db;
    expect(await pool.add(tx, 'phone', ['17000000011'])).toBe(1);
    expect(await pool.acquire(tx, 'phone')).toBe('17000000011');
    expect(await pool.acquire(tx, 'phone')).toBeNull(); // leased
    await pool.release(tx, '17000000011');
    expect(await pool.acquire(tx, 'phone')).toBeNull(); // resting
    clock.advance(DEFAULT_RELAY_QUARANTINE_MS - 1);
    expect(await pool.acquire(tx, 'phone')).toBeNull();
    clock.advance(1);
    expect(await pool.acquire(tx, 'phone')).toBe('17000000011');
  });

  it('a pool that may mint gives a new address while the released one rests', async () => {
    const clock = new ManualClock('2026-03-01T00:00:00Z');
    const pool = new PoolRelayProvider(clock, { mintWhenEmpty: true, quarantineMs: 60_000 });
    const tx = database.db;
    await pool.add(tx, 'email', ['r9@relay.shoujia.test']);
    expect(await pool.acquire(tx, 'email')).toBe('r9@relay.shoujia.test');
    await pool.release(tx, 'r9@relay.shoujia.test');
    const minted = await pool.acquire(tx, 'email');
    expect(minted).toMatch(/@relay\.shoujia\.invalid$/);
    clock.advance(60_000);
    expect(await pool.acquire(tx, 'email')).toBe('r9@relay.shoujia.test');
  });
});

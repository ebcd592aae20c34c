// Two API processes on one PostgreSQL database (here: two service instances): a key revoked through
// one, and a funder suspended through one, reach the other's caches when the change commits,
// well inside the caches' own time limits.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoCatalog } from '../../src/catalog/demo.ts';
import { createServices, type Services } from '../../src/services.ts';
import { ManualClock } from '../../src/kernel/index.ts';
import { freshDatabase, PG_URL, type TestDatabase } from '../support/engines.ts';
import { applicationBody, makeIdNumber } from '../support/fixtures.ts';

/** Wait (bounded) for a condition another process's notice should bring about. */
async function eventually(check: () => Promise<boolean>, attempts = 100): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

describe.skipIf(!PG_URL)('cache notices between processes on postgres', () => {
  let database: TestDatabase;
  let other: TestDatabase;
  let a: Services;
  let b: Services;
  const clock = new ManualClock('2026-03-01T02:00:00Z');
  beforeAll(async () => {
    database = await freshDatabase('postgres');
    const { openDatabase } = await import('../../src/db/client.ts');
    other = { ...(await openDatabase({ url: database.url!, poolMax: 2 })), url: database.url! };
    const masterKey = randomBytes(32);
    // the cache limits are far longer than the test: only a notice can explain a change seen
    const options = { masterKey, clock, apiKeyCacheMs: 3_600_000, routing: { catalogCacheMs: 3_600_000 } };
    a = createServices({ ...options, database });
    b = createServices({ ...options, database: other });
    await a.units.run((unit) => seedDemoCatalog(unit, a.catalog));
  });
  afterAll(async () => {
    for (const s of [a, b]) for (const hook of s?.stopHooks ?? []) await hook();
    await other?.close();
    await database?.close();
  });

  it('a key revoked in one process stops working in the other', async () => {
    const issued = await a.access.issueKey(database.db, { role: 'analyst', label: 'two processes' });
    expect(await a.access.authenticate(database.db, issued.secret)).not.toBeNull(); // remembered by a
    await b.units.run((unit) => b.access.revoke(unit, issued.id));
    expect(
      await eventually(async () => (await a.access.authenticate(database.db, issued.secret)) === null),
    ).toBe(true);
  });

  it('a funder suspended in one process is no longer offered by the other', async () => {
    let sequence = 100;
    const offeredFunders = async () => {
      const { application } = await database.db.transaction((tx) =>
        a.routing.submitAndRoute(
          tx,
          applicationBody({ idNumber: makeIdNumber('110105', '19900307', String(sequence++)) }),
        ),
      );
      const offers = await a.routing.offers(database.db, application.id);
      return new Set(offers.map((o) => o.funderId));
    };
    const before = await offeredFunders();
    expect(before.size).toBeGreaterThan(0);
    const funderId = [...before][0]!;
    await b.units.run((unit) => b.catalog.setFunderStatus(unit, funderId, 'suspended'));
    expect(await eventually(async () => !(await offeredFunders()).has(funderId), 40)).toBe(true);
  });
});

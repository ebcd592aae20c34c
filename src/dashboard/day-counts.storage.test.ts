// Concurrent writers of dashboard_funder_days never wait on one another (ADR 0104, migration 0022),
// on PostgreSQL (PGlite has one connection): two open transactions each record exposures to two
// funders in opposite orders — with one shared counter row per (day, funder) the second would wait
// for the first and the last insert would deadlock — and both commit, the sums exact.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL } from '../../test/support/engines.ts';
import { createHarness, type Harness } from '../../test/support/harness.ts';
import { chinaDayOf } from '../detection/days.ts';
import { funderDayCounts } from './store.ts';

const SHARED_AT = '2026-03-02T03:00:00Z';

describe.skipIf(!PG_URL)('dashboard_funder_days under concurrent writers on postgres', () => {
  let h: Harness;
  const clients: pg.Client[] = [];

  beforeAll(async () => {
    h = await createHarness('postgres');
    for (let i = 0; i < 2; i++) {
      const client = new pg.Client({ connectionString: h.database.url! });
      await client.connect();
      // a wait on another's row would show as this error instead of a hang
      await client.query(`SET lock_timeout = '3s'`);
      clients.push(client);
    }
  });
  afterAll(async () => {
    for (const client of clients) await client.end();
    await h?.close();
  });

  const share = (client: pg.Client, id: string, funderId: string) =>
    client.query(
      `INSERT INTO shares (id, funder_id, customer_id, application_id, stage, customer_ref, application_ref,
         fields, payload_hash, consent_id, policy_version, exposure_entry_id, shared_at)
       VALUES ($1, $2, 'c1', 'a1', 'application', 'cr', 'ar', '[]', 'h', 'cns', 1, $1, $3)`,
      [id, funderId, SHARED_AT],
    );

  it('two transactions, two funders, opposite orders: neither waits, both count', async () => {
    const [t1, t2] = clients as [pg.Client, pg.Client];
    await t1.query('BEGIN');
    await t2.query('BEGIN');
    await share(t1, 's1a', 'fa');
    await share(t2, 's2b', 'fb');
    await share(t1, 's1b', 'fb');
    await share(t2, 's2a', 'fa');
    await t1.query('COMMIT');
    await t2.query('COMMIT');
    const day = chinaDayOf(new Date(SHARED_AT));
    const counts = await funderDayCounts(h.database.db, day, day);
    expect(counts.get('fa')?.exposures).toBe(2);
    expect(counts.get('fb')?.exposures).toBe(2);
  });
});

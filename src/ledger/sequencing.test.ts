// The integrator takes every committed entry exactly once, in numeric (xid, seq) order, also when a
// batch spans a power of ten in transaction ids (issue 11 item 7, ADR 0025): once with the exact
// rows built by hand, once with real single-entry transactions whose ids cross 10^k.
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES, freshDatabase, type TestDatabase } from '../../test/support/engines.ts';
import { ManualClock } from '../kernel/index.ts';
import { AUDIT_PAGE_ENTRIES, auditLedger } from './audit.ts';
import { commitEntry, entryIdOf, SALT_BYTES } from './entry.ts';
import type { LedgerEntryInput } from './model.ts';
import { LedgerService } from './service.ts';

/** Transaction ids the real-xid test may burn to reach the next power of ten (a fresh cluster is below 10^5). */
const MAX_XID_BURN = 100_000;
/** How far below the power of ten the burn stops, so other sessions of a shared cluster cannot jump past it. */
const BURN_MARGIN = 40;
/** Single-entry transactions the real-xid test appends at most while waiting to cross the power of ten. */
const MAX_CROSSING_APPENDS = 400;

const clock = new ManualClock('2026-03-01T02:00:00Z');
const masterKey = randomBytes(32);

const decision = (i: number): LedgerEntryInput => ({
  kind: 'decision',
  funderId: 'fund-a',
  applicationId: `app_${i}`,
  decision: 'approved',
});

/** A deterministic salt per entry (tests are seeded, STYLE §9). */
const saltOf = (i: number) => createHash('sha256').update(`salt-${i}`).digest().subarray(0, SALT_BYTES);

function ledger(database: TestDatabase, batchSize: number): LedgerService {
  return new LedgerService({ database, clock, masterKey, origin: 'shoujia.test/ledger', batchSize });
}

/**
 * Insert one entry as if transaction `xid` had appended it: the exact state the integrator sees
 * once those transactions have committed (xid8 values below the current one are all finished).
 */
async function insertEntryWithXid(database: TestDatabase, i: number, xid: bigint): Promise<string> {
  const { body, leafHash } = commitEntry(decision(i), clock.now(), saltOf(i));
  const entryId = entryIdOf(leafHash, clock.now());
  await database.query(
    `INSERT INTO ledger_entries (entry_id, kind, funder_id, customer_id, body, leaf_hash, created_at, xid)
     VALUES ($1, 'decision', 'fund-a', NULL, $2, $3, $4, $5::xid8)`,
    [entryId, body, leafHash, clock.now().toISOString(), xid.toString()],
  );
  return entryId;
}

async function currentXid(database: TestDatabase): Promise<bigint> {
  const [row] = await database.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x');
  return BigInt(row!.x);
}

/** The tree's leaves in index order with their entries' xids, checking there is no gap. */
async function treeLeaves(
  database: TestDatabase,
): Promise<Array<{ entryId: string; xid: bigint; seq: bigint }>> {
  const rows = await database.query<{ leaf_index: string; entry_id: string; xid: string; seq: string }>(
    `SELECT l.leaf_index, l.entry_id, e.xid::text AS xid, e.seq FROM ledger_leaves l JOIN ledger_entries e USING (entry_id)
     ORDER BY l.leaf_index LIMIT 100000`,
  );
  for (const [i, r] of rows.entries()) expect(Number(r.leaf_index)).toBe(i);
  return rows.map((r) => ({ entryId: r.entry_id, xid: BigInt(r.xid), seq: BigInt(r.seq) }));
}

function expectNumericOrder(leaves: Array<{ xid: bigint; seq: bigint }>): void {
  for (let i = 1; i < leaves.length; i++) {
    const a = leaves[i - 1]!;
    const b = leaves[i]!;
    expect(
      a.xid < b.xid || (a.xid === b.xid && a.seq < b.seq),
      `leaf ${i} after leaf ${i - 1} in (xid, seq)`,
    ).toBe(true);
  }
}

/** The largest power of ten at or below n (n >= 10). */
function powerOfTenBelow(n: bigint): bigint {
  let p = 10n;
  while (p * 10n <= n) p *= 10n;
  return p;
}

describe.each(ENGINES)('ledger sequencing across a power of ten in transaction ids on %s', (engine) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  it('takes every entry exactly once when one batch holds xids on both sides of 10^k (no duplicate)', async () => {
    database = await freshDatabase(engine);
    // xids 98, 99, 100, 101 (or the same around 1000, …): in text order "100" < "101" < "98" < "99".
    const boundary = powerOfTenBelow(await currentXid(database));
    const ids: string[] = [];
    for (const [i, xid] of [boundary - 2n, boundary - 1n, boundary, boundary + 1n].entries())
      ids.push(await insertEntryWithXid(database, i, xid));
    const service = ledger(database, 100);
    expect(await service.integrate()).toEqual({ treeSize: 4, integrated: 4 });
    // Before the fix the watermark was the text-last xid (boundary − 1), so this call took the
    // entries of xids boundary and boundary + 1 again: unique violation on ledger_leaves.entry_id.
    expect(await service.integrate()).toEqual({ treeSize: 4, integrated: 0 });
    await insertEntryWithXid(database, 4, boundary + 2n);
    expect(await service.integrate()).toEqual({ treeSize: 5, integrated: 1 });
    const leaves = await treeLeaves(database);
    expect(leaves.slice(0, 4).map((l) => l.entryId)).toEqual(ids);
    expectNumericOrder(leaves);
  });

  it('never skips the lower side when a full batch spans 10^k (no entry left behind the watermark)', async () => {
    database = await freshDatabase(engine);
    const boundary = powerOfTenBelow(await currentXid(database));
    const xids = [boundary - 3n, boundary - 2n, boundary - 1n, boundary, boundary + 1n, boundary + 2n];
    const ids: string[] = [];
    for (const [i, xid] of xids.entries()) ids.push(await insertEntryWithXid(database, i, xid));
    // Batches of 2: before the fix the first batch took the text-smallest ("100", "101"), the
    // watermark jumped to 101, and 97, 98, 99 stayed behind it forever.
    const service = ledger(database, 2);
    expect(await service.integrate()).toEqual({ treeSize: 6, integrated: 6 });
    const leaves = await treeLeaves(database);
    expect(leaves.map((l) => l.entryId)).toEqual(ids);
    expectNumericOrder(leaves);
  });

  it('resumes a log whose stored watermark the text-order bug left behind its own leaves', async () => {
    database = await freshDatabase(engine);
    const boundary = powerOfTenBelow(await currentXid(database));
    for (const [i, xid] of [boundary - 1n, boundary, boundary + 1n].entries())
      await insertEntryWithXid(database, i, xid);
    const service = ledger(database, 100);
    await service.integrate();
    // What the old code stored after that batch: the text-last xid, below two of its own leaves.
    await database.query('ALTER TABLE ledger_checkpoints DISABLE TRIGGER ledger_checkpoints_append_only');
    await database.query(`UPDATE ledger_checkpoints SET watermark_xid = '${boundary - 1n}'::xid8`);
    await database.query('ALTER TABLE ledger_checkpoints ENABLE TRIGGER ledger_checkpoints_append_only');
    const stale = await auditLedger(database.db, service);
    expect(stale.ok).toBe(false);
    expect(stale.problems.join('\n')).toMatch(/in the tree at index 1 but after the checkpoint's watermark/);
    const late = await insertEntryWithXid(database, 3, boundary + 2n);
    expect(await service.integrate()).toEqual({ treeSize: 4, integrated: 1 });
    expect((await auditLedger(database.db, service)).ok).toBe(true);
    const leaves = await treeLeaves(database);
    expect(leaves[3]!.entryId).toBe(late);
    expect(new Set(leaves.map((l) => l.entryId)).size).toBe(4);
  });

  it('audit: every committed entry the checkpoint covers has exactly one leaf (corrupted on purpose)', async () => {
    database = await freshDatabase(engine);
    const boundary = powerOfTenBelow(await currentXid(database));
    const ids: string[] = [];
    for (const [i, xid] of [boundary - 1n, boundary, boundary + 1n].entries())
      ids.push(await insertEntryWithXid(database, i, xid));
    const service = ledger(database, 100);
    await service.integrate();
    const clean = await auditLedger(database.db, service);
    expect(clean).toMatchObject({
      ok: true,
      entriesChecked: 3,
      entriesMissing: 0,
      entriesWithSeveralLeaves: 0,
    });
    // Appended after the last integration: waiting, not missing.
    await database.db.transaction((tx) => service.append(tx, decision(10)));
    expect(await auditLedger(database.db, service)).toMatchObject({
      ok: true,
      entriesChecked: 4,
      entriesPending: 1,
    });
    await service.integrate();

    // A skipped entry: committed, behind the watermark, never in the tree (what a text-ordered
    // full batch left behind).
    const skipped = await insertEntryWithXid(database, 20, boundary - 2n);
    const missing = await auditLedger(database.db, service);
    expect(missing).toMatchObject({ ok: false, entriesMissing: 1, entriesWithSeveralLeaves: 0 });
    expect(missing.problems.join('\n')).toMatch(new RegExp(`entry ${skipped}: missing from the tree`));

    // An entry taken twice: only possible once the unique index is gone, which is reported too.
    await database.query('ALTER TABLE ledger_leaves DROP CONSTRAINT ledger_leaves_entry_id_unique');
    await database.query(
      `INSERT INTO ledger_leaves (leaf_index, entry_id, leaf_hash) SELECT 4, entry_id, leaf_hash FROM ledger_leaves WHERE leaf_index = 1`,
    );
    const twice = await auditLedger(database.db, service);
    expect(twice).toMatchObject({ ok: false, entriesMissing: 1, entriesWithSeveralLeaves: 1 });
    const text = twice.problems.join('\n');
    expect(text).toMatch(new RegExp(`entry ${ids[1]}: 2 leaves \\(indexes 1, 4\\)`));
    expect(text).toMatch(/unique index ledger_leaves_entry_id_unique is missing/);
  });

  it('audit walks a ledger larger than one page of entries', async () => {
    database = await freshDatabase(engine);
    const service = ledger(database, 50_000);
    const total = AUDIT_PAGE_ENTRIES + 7;
    await database.db.transaction((tx) =>
      service.appendMany(
        tx,
        Array.from({ length: total }, (_, i) => decision(i)),
      ),
    );
    await service.integrate();
    // One more committed entry behind the watermark (an older xid: it sorts before the big batch).
    const [last] = await database.query<{ xid: string }>('SELECT max(xid)::text AS xid FROM ledger_entries');
    const skipped = await insertEntryWithXid(database, total, BigInt(last!.xid) - 1n);
    const report = await auditLedger(database.db, service);
    expect(report).toMatchObject({
      ok: false,
      entriesChecked: total + 1,
      entriesMissing: 1,
      leavesChecked: total,
    });
    expect(report.problems.join('\n')).toMatch(new RegExp(`entry ${skipped}: missing`));
  }, 120_000);

  it('integrates real single-entry transactions whose ids cross the next power of ten exactly once', async (context) => {
    database = await freshDatabase(engine);
    const start = await currentXid(database);
    const boundary = powerOfTenBelow(start) * 10n;
    const burn = boundary - BigInt(BURN_MARGIN) - start;
    if (burn > BigInt(MAX_XID_BURN)) {
      context.skip(`the cluster's next power of ten (${boundary}) is ${burn} transaction ids away`);
      return;
    }
    // Burn transaction ids server-side: one committed transaction per id, without waiting on fsync.
    await database.query(
      `CREATE PROCEDURE ledger_test_burn_xids(n bigint) LANGUAGE plpgsql AS $$
       BEGIN
         PERFORM set_config('synchronous_commit', 'off', false);
         FOR i IN 1..n LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP;
       END $$`,
    );
    if (burn > 0n) await database.query(`CALL ledger_test_burn_xids(${burn})`);
    const service = ledger(database, 1_000);
    const appended: string[] = [];
    let crossed = 0;
    for (let i = 0; i < MAX_CROSSING_APPENDS && crossed < 3; i++) {
      const [result] = await database.db.transaction((tx) => service.appendMany(tx, [decision(i)]));
      appended.push(result!.entryId);
      const [row] = await database.query<{ xid: string }>(
        'SELECT xid::text AS xid FROM ledger_entries WHERE entry_id = $1',
        [result!.entryId],
      );
      if (BigInt(row!.xid) >= boundary) crossed++;
    }
    const [below] = await database.query<{ n: string }>(
      `SELECT count(*) AS n FROM ledger_entries WHERE xid < '${boundary}'::xid8`,
    );
    // The precondition of the scenario: one batch will hold xids on both sides of the boundary.
    expect(crossed, 'entries at or above the boundary').toBe(3);
    expect(Number(below!.n), 'entries below the boundary').toBeGreaterThan(0);
    expect(await service.integrate()).toEqual({ treeSize: appended.length, integrated: appended.length });
    expect(await service.integrate()).toEqual({ treeSize: appended.length, integrated: 0 });
    const leaves = await treeLeaves(database);
    expect(leaves.map((l) => l.entryId)).toEqual(appended);
    expectNumericOrder(leaves);
  }, 120_000);
});

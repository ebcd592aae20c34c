// The stored ledger on both engines: batched integration checked against the recursive reference
// model, append-only triggers, same-transaction appends (origination, consent), and — on
// PostgreSQL — two independent pools appending and integrating at once.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicationBody, makeIdNumber } from '../../test/support/fixtures.ts';
import { ENGINES, freshDatabase, type TestDatabase } from '../../test/support/engines.ts';
import { openDatabase } from '../db/client.ts';
import { ManualClock } from '../kernel/index.ts';
import { createServices, type Services } from '../services.ts';
import { leafHashOfBody } from './entry.ts';
import { verifyConsistency, verifyInclusion } from './merkle.ts';
import { referenceRoot } from './merkle.reference.ts';
import type { LedgerEntryInput } from './model.ts';
import { parseVerifierKey, verifyCheckpointNote } from './note.ts';
import { LedgerService } from './service.ts';
import { verifyInclusionKit } from './verify.ts';
import { auditLedger } from './audit.ts';

const decision = (i: number, funderId = 'fund-a'): LedgerEntryInput => ({
  kind: 'decision',
  funderId,
  applicationId: `app_${i}`,
  decision: i % 3 === 0 ? 'declined' : 'approved',
});

async function storedLeafHashes(database: TestDatabase): Promise<Buffer[]> {
  const rows = await database.query<{ leaf_index: string; leaf_hash: Uint8Array; body: string }>(
    'SELECT l.leaf_index, e.leaf_hash, e.body FROM ledger_leaves l JOIN ledger_entries e USING (entry_id) ORDER BY l.leaf_index LIMIT 100000',
  );
  rows.forEach((r, i) => {
    expect(Number(r.leaf_index)).toBe(i);
    expect(leafHashOfBody(r.body).equals(Buffer.from(r.leaf_hash))).toBe(true);
  });
  return rows.map((r) => Buffer.from(r.leaf_hash));
}

describe.each(ENGINES)('ledger storage on %s', (engine) => {
  let database: TestDatabase;
  let services: Services;
  const clock = new ManualClock('2026-03-01T02:00:00Z');
  const masterKey = randomBytes(32);

  beforeAll(async () => {
    database = await freshDatabase(engine);
    services = createServices({ database, masterKey, clock });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('integrates appends in batches into one tree that the recursive MTH and every checkpoint agree with', async () => {
    const small = new LedgerService({
      database,
      clock,
      masterKey,
      origin: services.ledgerOrigin,
      batchSize: 7,
    });
    const vkey = parseVerifierKey(services.ledger.verifierKey);
    if (!vkey.ok) throw new Error(vkey.message);
    const notes: string[] = [];
    let appended = 0;
    for (const burst of [1, 5, 13, 2, 40]) {
      await database.db.transaction((tx) =>
        services.ledger.appendMany(
          tx,
          Array.from({ length: burst }, (_, i) => decision(appended + i)),
        ),
      );
      appended += burst;
      await small.integrate();
      notes.push(await services.ledger.checkpoint(database.db));
    }
    const leaves = await storedLeafHashes(database);
    expect(leaves).toHaveLength(appended);
    const sizes: number[] = [];
    for (const note of notes) {
      const checkpoint = verifyCheckpointNote(note, vkey.value);
      if (!checkpoint.ok) throw new Error(checkpoint.message);
      expect(checkpoint.value.origin).toBe('shoujia.local/ledger');
      expect(
        checkpoint.value.rootHash.equals(referenceRoot(leaves.slice(0, checkpoint.value.treeSize))),
      ).toBe(true);
      sizes.push(checkpoint.value.treeSize);
    }
    expect(sizes).toEqual([1, 6, 19, 21, 61]);
    // Every intermediate batch also got a checkpoint (batch size 7): one per integration transaction.
    const [{ count }] = (await database.query<{ count: string }>(
      'SELECT count(*) AS count FROM ledger_checkpoints',
    )) as [{ count: string }];
    expect(Number(count)).toBeGreaterThan(notes.length);
    // Proofs from the stored tree verify against the signed roots, for old and new sizes.
    const head = await services.ledger.head(database.db);
    for (const [index, size] of [
      [0, 1],
      [3, 6],
      [18, 19],
      [20, 61],
      [60, 61],
    ] as const) {
      const proof = await services.ledger.inclusionProof(database.db, index, size);
      expect(proof.leafHash.equals(leaves[index]!)).toBe(true);
      expect(
        verifyInclusion(index, size, proof.leafHash, proof.proof, referenceRoot(leaves.slice(0, size))),
      ).toEqual({ ok: true });
    }
    for (const from of [1, 6, 19, 21, 60]) {
      const proof = await services.ledger.consistencyProof(database.db, from, head.treeSize);
      expect(
        verifyConsistency(
          from,
          head.treeSize,
          referenceRoot(leaves.slice(0, from)),
          head.rootHash,
          proof.proof,
        ),
      ).toEqual({ ok: true });
    }
    expect((await auditLedger(database.db, services.ledger)).ok).toBe(true);
  });

  it('records origination on first sight of a customer and consent grant/withdrawal, in the same transaction', async () => {
    const idNumber = makeIdNumber('110105', '19880101', '731');
    const submit = () =>
      database.db.transaction((tx) => services.intake.submit(tx, applicationBody({ idNumber })));
    const first = await submit();
    await submit(); // the same customer again: no second origination
    const customerId = first.application.customerId;
    await services.units.run(async (unit) => {
      await services.identity.grantConsent(unit, {
        customerId,
        funderId: 'fund-b',
        purpose: 'credit-assessment',
        dataCategories: ['name', 'idNumber'],
        textVersionHash: 'a'.repeat(64),
        channel: 'app',
      });
    });
    expect(
      await services.units.run((unit) => services.identity.withdrawConsent(unit, customerId, 'fund-b')),
    ).toBe(1);
    expect(
      await services.units.run((unit) => services.identity.withdrawConsent(unit, customerId, 'fund-b')),
    ).toBe(0);
    const rows = await database.query<{ kind: string; body: string }>(
      'SELECT kind, body FROM ledger_entries WHERE customer_id = $1 ORDER BY created_at, kind LIMIT 10',
      [customerId],
    );
    expect(rows.map((r) => r.kind).sort()).toEqual(['consent-granted', 'consent-withdrawn', 'origination']);
    const origination = JSON.parse(rows.find((r) => r.kind === 'origination')!.body);
    expect(origination).toMatchObject({
      kind: 'origination',
      customerId,
      applicationId: first.application.id,
      channel: 'app',
      at: '2026-03-01T02:00:00.000Z',
    });
    expect(origination.salt).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });

  it('hands out an evidence bundle that the offline funder kit accepts, once the entry is integrated', async () => {
    const { entryId } = await database.db.transaction((tx) =>
      services.ledger.append(tx, {
        kind: 'booking',
        funderId: 'fund-c',
        applicationId: 'app_ev',
        customerId: 'cus_ev',
        amountFen: 1_234_500,
      }),
    );
    expect(await services.ledger.evidence(database.db, entryId)).toBeUndefined();
    await services.ledger.integrate();
    const evidence = await services.ledger.evidence(database.db, entryId);
    if (!evidence) throw new Error('not integrated');
    expect(evidence.entry).toMatchObject({ kind: 'booking', amountFen: 1_234_500 });
    const b64 = (b: Buffer) => b.toString('base64');
    const proof = {
      index: evidence.index,
      treeSize: evidence.treeSize,
      leafHash: b64(evidence.leafHash),
      proof: evidence.proof.map(b64),
    };
    expect(
      verifyInclusionKit({
        checkpoint: evidence.checkpoint,
        vkey: services.ledger.verifierKey,
        proof,
        entry: evidence.entry,
      }),
    ).toMatchObject({
      ok: true,
      value: { index: evidence.index, kind: 'booking' },
    });
  });

  it('leaves nothing behind when the caller’s transaction rolls back', async () => {
    const before = await database.query<{ count: string }>('SELECT count(*) AS count FROM ledger_entries');
    await expect(
      database.db.transaction(async (tx) => {
        await services.ledger.append(tx, decision(9_999));
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    const after = await database.query<{ count: string }>('SELECT count(*) AS count FROM ledger_entries');
    expect(after[0]!.count).toBe(before[0]!.count);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on every ledger table', async () => {
    await services.ledger.integrate();
    await database.db.transaction(async (tx) => {
      const { ledger } = services;
      const head = await ledger.head(tx);
      expect(head.treeSize).toBeGreaterThan(0);
    });
    const statements = [
      "UPDATE ledger_entries SET body = '{}'",
      'DELETE FROM ledger_entries',
      'UPDATE ledger_leaves SET leaf_index = leaf_index + 1',
      'DELETE FROM ledger_leaves WHERE leaf_index = 0',
      "UPDATE ledger_nodes SET hash = '\\x00'",
      'DELETE FROM ledger_nodes',
      "UPDATE ledger_checkpoints SET note = ''",
      'DELETE FROM ledger_checkpoints',
      'TRUNCATE ledger_entries CASCADE',
      'TRUNCATE ledger_nodes',
      'TRUNCATE ledger_checkpoints',
      'TRUNCATE ledger_leaves',
      'TRUNCATE ledger_cosignatures',
    ];
    const before = await database.query<{ n: string }>(
      'SELECT (SELECT count(*) FROM ledger_entries) + (SELECT count(*) FROM ledger_nodes) AS n',
    );
    for (const statement of statements)
      await expect(database.query(statement), statement).rejects.toThrow(/append-only/);
    // Cosignatures have no rows yet; the row trigger must still be there.
    const [{ count }] = (await database.query<{ count: string }>(
      "SELECT count(*) AS count FROM pg_trigger WHERE tgname = 'ledger_cosignatures_append_only'",
    )) as [{ count: string }];
    expect(Number(count)).toBe(1);
    const after = await database.query<{ n: string }>(
      'SELECT (SELECT count(*) FROM ledger_entries) + (SELECT count(*) FROM ledger_nodes) AS n',
    );
    expect(after[0]!.n).toBe(before[0]!.n);
    expect((await auditLedger(database.db, services.ledger)).ok).toBe(true);
  });

  it('audit detects a leaf whose body no longer matches (tampering past the triggers)', async () => {
    await services.ledger.integrate();
    // Someone with superuser rights disables the trigger and rewrites a body.
    await database.query('ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only');
    await database.query(
      `UPDATE ledger_entries SET body = replace(body, '"approved"', '"declined"') WHERE entry_id = (SELECT entry_id FROM ledger_leaves WHERE leaf_index = 1)`,
    );
    await database.query('ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only');
    const audit = await auditLedger(database.db, services.ledger);
    expect(audit.ok).toBe(false);
    expect(audit.problems.join(' ')).toMatch(/leaf 1/);
  });
});

describe.skipIf(!ENGINES.includes('postgres'))('two processes on one PostgreSQL', () => {
  it('two OS processes appending and integrating at once produce one log', async () => {
    const database = await freshDatabase('postgres');
    try {
      const masterKey = randomBytes(32);
      const child = (writer: string) =>
        new Promise<string>((resolve, reject) => {
          execFile(
            process.execPath,
            [
              '--import',
              'tsx',
              fileURLToPath(new URL('./concurrency.child.ts', import.meta.url)),
              database.url!,
              masterKey.toString('hex'),
              writer,
              '30',
            ],
            { timeout: 90_000 },
            (error, stdout, stderr) =>
              error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout.trim()),
          );
        });
      expect(await Promise.all([child('p1'), child('p2')])).toEqual(['ok', 'ok']);
      const services = createServices({ database, masterKey });
      await services.ledger.integrate();
      const total = 2 * 3 * 30 * 5;
      const [counts] = await database.query<{
        entries: string;
        leaves: string;
        distinct_entries: string;
        max_index: string;
      }>(
        `SELECT (SELECT count(*) FROM ledger_entries) AS entries, (SELECT count(*) FROM ledger_leaves) AS leaves,
                (SELECT count(DISTINCT entry_id) FROM ledger_leaves) AS distinct_entries, (SELECT max(leaf_index) FROM ledger_leaves) AS max_index`,
      );
      expect(counts).toEqual({
        entries: String(total),
        leaves: String(total),
        distinct_entries: String(total),
        max_index: String(total - 1),
      });
      const leaves = await storedLeafHashes(database);
      const checkpoints = await database.query<{ tree_size: string; root_hash: Uint8Array }>(
        'SELECT tree_size, root_hash FROM ledger_checkpoints ORDER BY tree_size LIMIT 10000',
      );
      for (const c of checkpoints)
        expect(Buffer.from(c.root_hash).equals(referenceRoot(leaves.slice(0, Number(c.tree_size))))).toBe(
          true,
        );
      expect((await auditLedger(database.db, services.ledger)).ok).toBe(true);
    } finally {
      await database.close();
    }
  }, 120_000);

  it('is not held back by a transaction open in another database of the same cluster', async () => {
    const database = await freshDatabase('postgres');
    const neighbour = await freshDatabase('postgres');
    let release!: () => void;
    const hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const begun = new Promise<void>((resolve) => {
      started = resolve;
    });
    const open = neighbour.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_current_xact_id()`);
      started();
      await hold;
    });
    try {
      await begun;
      const services = createServices({ database, masterKey: randomBytes(32) });
      await database.db.transaction((tx) => services.ledger.append(tx, decision(1)));
      expect((await services.ledger.integrate()).treeSize).toBe(1);
    } finally {
      release();
      await open;
      await neighbour.close();
      await database.close();
    }
  });

  it('never skips an entry whose transaction commits after a later one was integrated', async () => {
    const database = await freshDatabase('postgres');
    try {
      const services = createServices({ database, masterKey: randomBytes(32) });
      let appended!: () => void;
      const early = new Promise<void>((resolve) => {
        appended = resolve;
      });
      let release!: () => void;
      const hold = new Promise<void>((resolve) => {
        release = resolve;
      });
      // T1 takes its transaction id first (as a business transaction does with its first write),
      // appends only later, and commits last; T2 appends and commits in between.
      const slow = database.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT pg_current_xact_id()`);
        appended();
        await hold;
        await services.ledger.append(tx, decision(1));
      });
      await early;
      await database.db.transaction((tx) => services.ledger.append(tx, decision(2)));
      const whileOpen = await services.ledger.integrate();
      // T2's entry waits behind the still-running T1: integrating it now would let T1's land behind the watermark.
      expect(whileOpen.treeSize).toBe(0);
      release();
      await slow;
      expect((await services.ledger.integrate()).treeSize).toBe(2);
      const rows = await database.query<{ body: string }>(
        'SELECT e.body FROM ledger_leaves l JOIN ledger_entries e USING (entry_id) ORDER BY l.leaf_index LIMIT 10',
      );
      // decision entries name the application by the funder's pseudonym (entry.ts FUNDER_FACING_KINDS)
      const refOf = (app: string) => services.sharing.pseudonyms.applicationRef('fund-a', app);
      expect(rows.map((r) => JSON.parse(r.body).applicationRef)).toEqual([refOf('app_1'), refOf('app_2')]);
    } finally {
      await database.close();
    }
  });

  it('append and integrate concurrently through two pools and produce one log: no fork, no gap, no duplicate', async () => {
    const database = await freshDatabase('postgres');
    const second = await openDatabase({ url: database.url!, poolMax: 5 });
    try {
      const masterKey = randomBytes(32);
      const a = createServices({ database, masterKey });
      const b = createServices({ database: second, masterKey });
      const ledgers = [
        new LedgerService({
          database,
          clock: a.clock,
          masterKey,
          origin: a.ledgerOrigin,
          batchSize: 50,
        }),
        new LedgerService({
          database: second,
          clock: b.clock,
          masterKey,
          origin: b.ledgerOrigin,
          batchSize: 50,
        }),
      ];
      const writersPerPool = 4;
      const transactionsPerWriter = 25;
      const entriesPerTransaction = 8;
      let stop = false;
      const integrators = ledgers.map(async (ledger) => {
        while (!stop) await ledger.integrate({ maxBatches: 3 });
      });
      const writers = [a, b].flatMap((services, p) =>
        Array.from({ length: writersPerPool }, async (_, w) => {
          for (let t = 0; t < transactionsPerWriter; t++) {
            await services.database.db.transaction((tx) =>
              services.ledger.appendMany(
                tx,
                Array.from({ length: entriesPerTransaction }, (_, i) =>
                  decision(
                    ((p * writersPerPool + w) * transactionsPerWriter + t) * entriesPerTransaction + i,
                  ),
                ),
              ),
            );
          }
        }),
      );
      await Promise.all(writers);
      stop = true;
      await Promise.all(integrators);
      await ledgers[1]!.integrate();
      const total = 2 * writersPerPool * transactionsPerWriter * entriesPerTransaction;
      const [counts] = await database.query<{
        entries: string;
        leaves: string;
        distinct_entries: string;
        max_index: string;
        pending: string;
      }>(
        `SELECT (SELECT count(*) FROM ledger_entries) AS entries, (SELECT count(*) FROM ledger_leaves) AS leaves,
                (SELECT count(DISTINCT entry_id) FROM ledger_leaves) AS distinct_entries, (SELECT max(leaf_index) FROM ledger_leaves) AS max_index,
                (SELECT count(*) FROM ledger_entries e WHERE NOT EXISTS (SELECT 1 FROM ledger_leaves l WHERE l.entry_id = e.entry_id)) AS pending`,
      );
      expect(counts).toEqual({
        entries: String(total),
        leaves: String(total),
        distinct_entries: String(total),
        max_index: String(total - 1),
        pending: '0',
      });
      const leaves = await storedLeafHashes(database);
      // Every checkpoint either process signed is a prefix of the one final tree (no fork).
      const checkpoints = await database.query<{ tree_size: string; root_hash: Uint8Array }>(
        'SELECT tree_size, root_hash FROM ledger_checkpoints ORDER BY tree_size LIMIT 10000',
      );
      expect(checkpoints.length).toBeGreaterThan(2);
      for (const c of checkpoints)
        expect(Buffer.from(c.root_hash).equals(referenceRoot(leaves.slice(0, Number(c.tree_size))))).toBe(
          true,
        );
      expect(Number(checkpoints.at(-1)!.tree_size)).toBe(total);
      expect((await auditLedger(second.db, ledgers[1]!)).ok).toBe(true);
    } finally {
      await second.close();
      await database.close();
    }
  }, 120_000);
});

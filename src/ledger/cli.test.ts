// The funder kit and the audit as a funder and an operator run them: files saved from the real API,
// checked offline; exit 0 valid, 1 invalid with the reason, 2 bad arguments.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHarness, type Harness } from '../../test/support/harness.ts';
import { openDatabase } from '../db/client.ts';
import { createServices } from '../services.ts';
import { ledgerCommand } from './cli.ts';
import type { LedgerEntryInput } from './model.ts';

const exposure = (i: number, funderId = 'fund-a'): LedgerEntryInput => ({
  kind: 'exposure',
  funderId,
  customerId: `cus_${i}`,
  stage: 'application',
  fields: ['name', 'age', 'city'],
  payloadHash: 'cd'.repeat(32),
  consentId: `cns_${i}`,
});

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  const error = vi.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(line));
  try {
    return { code: await ledgerCommand.run(argv), out: lines.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('shoujia ledger verify (offline funder kit)', () => {
  let h: Harness;
  let dir: string;
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const get = async (url: string) => (await h.call('GET', url)).body;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shoujia-ledger-kit-'));
    h = await createHarness('pglite');
    await h.database.db.transaction((tx) =>
      h.services.ledger.appendMany(tx, [exposure(0), exposure(1, 'fund-b'), exposure(2)]),
    );
    await h.services.ledger.integrate();
    file('cp1.txt', await get('/v1/ledger/checkpoint'));
    await h.database.db.transaction((tx) =>
      h.services.ledger.appendMany(tx, [exposure(3), exposure(4), exposure(5)]),
    );
    await h.services.ledger.integrate();
    file('cp2.txt', await get('/v1/ledger/checkpoint'));
    file('key.txt', await get('/v1/ledger/public-key'));
    file('proof.json', await get('/v1/ledger/proofs/inclusion?index=2&treeSize=6'));
    file('entry.json', await get('/v1/ledger/entries/2'));
    file('consistency.json', await get('/v1/ledger/proofs/consistency?from=3&to=6'));
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const p = (name: string) => join(dir, name);

  it('accepts a genuine entry, proof and checkpoint', async () => {
    const result = await run([
      'verify',
      '--checkpoint',
      p('cp2.txt'),
      '--vkey',
      p('key.txt'),
      '--inclusion',
      p('proof.json'),
      '--entry',
      p('entry.json'),
    ]);
    expect(result).toEqual({
      code: 0,
      out: 'valid: exposure entry at index 2 is in shoujia.local/ledger at tree size 6 (signed checkpoint verified)',
    });
    // The bare entry body (with salt) works as well as the API answer.
    const entry = (await h.call('GET', '/v1/ledger/entries/2')).body.entry;
    file('bare.json', entry);
    expect(
      (
        await run([
          'verify',
          '--checkpoint',
          p('cp2.txt'),
          '--vkey',
          p('key.txt'),
          '--inclusion',
          p('proof.json'),
          '--entry',
          p('bare.json'),
        ])
      ).code,
    ).toBe(0);
  });

  it('rejects an altered entry, a stale checkpoint, a foreign key or a forged checkpoint, with the reason', async () => {
    const entry = (await h.call('GET', '/v1/ledger/entries/2')).body;
    file('altered.json', { ...entry, entry: { ...entry.entry, fields: ['name', 'age', 'city', 'phone'] } });
    const altered = await run([
      'verify',
      '--checkpoint',
      p('cp2.txt'),
      '--vkey',
      p('key.txt'),
      '--inclusion',
      p('proof.json'),
      '--entry',
      p('altered.json'),
    ]);
    expect(altered.code).toBe(1);
    expect(altered.out).toMatch(/^invalid: .*entry was altered/);

    const stale = await run([
      'verify',
      '--checkpoint',
      p('cp1.txt'),
      '--vkey',
      p('key.txt'),
      '--inclusion',
      p('proof.json'),
      '--entry',
      p('entry.json'),
    ]);
    expect(stale).toMatchObject({ code: 1 });
    expect(stale.out).toMatch(/tree size 6 but the checkpoint is of size 3/);

    const other = await createHarness('pglite');
    try {
      file('other-key.txt', (await other.call('GET', '/v1/ledger/public-key')).body);
    } finally {
      await other.close();
    }
    const foreign = await run([
      'verify',
      '--checkpoint',
      p('cp2.txt'),
      '--vkey',
      p('other-key.txt'),
      '--inclusion',
      p('proof.json'),
      '--entry',
      p('entry.json'),
    ]);
    expect(foreign.code).toBe(1);
    expect(foreign.out).toMatch(/no signature by/);

    const note = (await h.call('GET', '/v1/ledger/checkpoint')).body as string;
    file('forged.txt', note.replace('\n6\n', '\n7\n'));
    const forged = await run([
      'verify',
      '--checkpoint',
      p('forged.txt'),
      '--vkey',
      p('key.txt'),
      '--inclusion',
      p('proof.json'),
      '--entry',
      p('entry.json'),
    ]);
    expect(forged.code).toBe(1);
    expect(forged.out).toMatch(/does not verify/);

    const proof = (await h.call('GET', '/v1/ledger/proofs/inclusion?index=2&treeSize=6')).body;
    file('bad-proof.json', { ...proof, proof: [...proof.proof].reverse() });
    expect(
      (
        await run([
          'verify',
          '--checkpoint',
          p('cp2.txt'),
          '--vkey',
          p('key.txt'),
          '--inclusion',
          p('bad-proof.json'),
          '--entry',
          p('entry.json'),
        ])
      ).out,
    ).toMatch(/does not lead to the checkpoint’s root/);
  });

  it('checks consistency between two saved checkpoints and catches a rewritten history', async () => {
    const ok = await run([
      'verify',
      '--consistency',
      p('consistency.json'),
      '--old',
      p('cp1.txt'),
      '--new',
      p('cp2.txt'),
      '--vkey',
      p('key.txt'),
    ]);
    expect(ok).toEqual({
      code: 0,
      out: 'valid: shoujia.local/ledger at tree size 6 extends tree size 3 (both checkpoints’ signatures verified)',
    });
    expect(
      (
        await run([
          'verify',
          '--consistency',
          p('consistency.json'),
          '--old',
          p('cp1.txt'),
          '--new',
          p('cp2.txt'),
        ])
      ).out,
    ).toMatch(/signatures NOT checked/);

    // The same key signing a different history of size 3 (what a rewriting platform would show).
    const forkDb = await openDatabase({ dataDir: 'memory://' });
    try {
      const fork = createServices({ database: forkDb, masterKey: h.services.masterKey, clock: h.clock });
      await forkDb.db.transaction((tx) =>
        fork.ledger.appendMany(tx, [exposure(0), exposure(9), exposure(2)]),
      );
      await fork.ledger.integrate();
      file('fork3.txt', await fork.ledger.checkpoint(forkDb.db));
    } finally {
      await forkDb.close();
    }
    const rewritten = await run([
      'verify',
      '--consistency',
      p('consistency.json'),
      '--old',
      p('fork3.txt'),
      '--new',
      p('cp2.txt'),
      '--vkey',
      p('key.txt'),
    ]);
    expect(rewritten.code).toBe(1);
    expect(rewritten.out).toMatch(/history was rewritten/);
  });

  it('exits 2 naming the argument for bad arguments', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['verify'], /give --inclusion/],
      [['verify', '--inclusion', p('proof.json')], /--checkpoint is required/],
      [
        [
          'verify',
          '--checkpoint',
          p('nope.txt'),
          '--vkey',
          p('key.txt'),
          '--inclusion',
          p('proof.json'),
          '--entry',
          p('entry.json'),
        ],
        /--checkpoint: cannot read/,
      ],
      [['verify', '--consistency', p('consistency.json'), '--old', p('cp1.txt')], /--new is required/],
      [['verify', '--bogus'], /bogus/],
      [['frobnicate'], /unknown subcommand frobnicate/],
      [[], /subcommand is required/],
    ];
    for (const [argv, message] of cases) {
      const result = await run(argv);
      expect([argv.join(' '), result.code]).toEqual([argv.join(' '), 2]);
      expect(result.out).toMatch(message);
    }
  });
});

describe('shoujia ledger audit', () => {
  it('recomputes the stored tree of the embedded database and reports tampering', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shoujia-ledger-audit-'));
    const masterKey = randomBytes(32).toString('hex');
    const saved = { ...process.env };
    try {
      const database = await openDatabase({ dataDir: join(dir, 'pg') });
      const services = createServices({ database, masterKey: Buffer.from(masterKey, 'hex') });
      await database.db.transaction((tx) =>
        services.ledger.appendMany(
          tx,
          Array.from({ length: 40 }, (_, i) => exposure(i)),
        ),
      );
      await services.ledger.integrate();
      await database.close();
      delete process.env.DATABASE_URL;
      process.env.SHOUJIA_DATA_DIR = dir;
      process.env.SHOUJIA_MASTER_KEY = masterKey;
      const good = await run(['audit']);
      expect(good.code).toBe(0);
      expect(good.out).toMatch(
        /^valid: shoujia\.local\/ledger tree size 40, root .* from 40 stored leaves and 38 stored nodes matches the latest signed checkpoint; 40 committed entries checked: every one the checkpoint covers is in the tree exactly once, 0 awaiting integration/,
      );

      const tamper = await openDatabase({ dataDir: join(dir, 'pg') });
      await tamper.query('ALTER TABLE ledger_nodes DISABLE TRIGGER ledger_nodes_append_only');
      await tamper.query("UPDATE ledger_nodes SET hash = sha256('x'::bytea) WHERE level = 3 AND idx = 2");
      await tamper.close();
      const bad = await run(['audit']);
      expect(bad.code).toBe(1);
      expect(bad.out).toMatch(/node 3:2: stored hash differs/);

      // An entry committed behind the checkpoint's watermark that never got a leaf (skipped).
      const skip = await openDatabase({ dataDir: join(dir, 'pg') });
      await skip.query(
        `INSERT INTO ledger_entries (entry_id, kind, body, leaf_hash, created_at, xid)
         VALUES ('led_skipped', 'exposure', '{}', sha256('{}'::bytea), now(), '1'::xid8)`,
      );
      await skip.close();
      const skipped = await run(['audit']);
      expect(skipped.code).toBe(1);
      expect(skipped.out).toMatch(/entry led_skipped: missing from the tree/);
      expect((await run(['audit', 'extra'])).code).toBe(2);
    } finally {
      process.env = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

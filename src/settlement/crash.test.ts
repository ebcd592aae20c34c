// Crash safety of the statement lifecycle (issue 16 item 4): a process SIGKILLed after each step
// commits, then a fresh process reruns the whole lifecycle from the start; the journal, the
// statements, the disputes and the ledger's statement entries must equal an uninterrupted run's.
// PostgreSQL only (two processes share one database).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENGINES, freshDatabase, type TestDatabase } from '../../test/support/engines.ts';
import { createSequentialIds, ManualClock } from '../kernel/index.ts';
import { createServices } from '../services.ts';
import { bookLoan, seedFunder } from './testing.ts';

const CHILD = fileURLToPath(new URL('./crash.child.ts', import.meta.url));
const STEPS = 6;

function run(url: string, key: string, stopAt: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, url, key, String(stopAt)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (stopAt > 0 && out.includes(`step ${stopAt}\n`)) child.kill('SIGKILL');
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (stopAt > 0 && signal === 'SIGKILL') resolve('killed');
      else if (code === 0) resolve(out.trim().split('\n').at(-1)!);
      else reject(new Error(`child exited ${code} ${signal}\n${err}`));
    });
  });
}

async function seed(database: TestDatabase, masterKey: Buffer): Promise<void> {
  const services = createServices({
    database,
    masterKey,
    clock: new ManualClock('2026-01-01T00:00:00Z'),
    // the same contract ids in every database, so the statements hash the same
    ids: createSequentialIds(),
    crossProcessNotices: false,
  });
  await seedFunder(services, 'f1');
  for (let i = 0; i < 5; i++)
    await bookLoan(services, {
      id: `M${i}`,
      funderId: 'f1',
      customerId: `C${i % 3}`,
      principalFen: 1_000_00 * (i + 1),
      bookedAt: new Date(`2026-03-0${i + 1}T04:00:00Z`),
    });
  await bookLoan(services, {
    id: 'A1',
    funderId: 'f1',
    customerId: 'C0',
    principalFen: 7_777_77,
    bookedAt: new Date('2026-04-03T04:00:00Z'),
  });
  await services.settlement.recordFinding(database.db, {
    findingId: 'F',
    customerId: 'C1',
    funderId: 'f1',
    confirmedAt: new Date('2026-03-15T00:00:00Z'),
  });
  for (const hook of services.stopHooks) await hook();
}

async function state(database: TestDatabase) {
  return {
    postings: await database.query(
      'SELECT id, statement_id, line_no, kind, source, customer_id, amount_fen::text AS amount, accounts, amounts_fen::text AS amounts, memo FROM settlement_postings ORDER BY id LIMIT 10000',
    ),
    statements: await database.query(
      'SELECT id, period, status, statement_hash, total_fen::text AS total, line_count, ledger_entry_id IS NOT NULL AS recorded FROM settlement_statements ORDER BY id LIMIT 100',
    ),
    disputes: await database.query(
      'SELECT id, line_no, status, reason FROM settlement_disputes ORDER BY id LIMIT 100',
    ),
    ledger: await database.query(
      "SELECT body::jsonb->>'statementId' AS statement, body::jsonb->>'statementHash' AS hash FROM ledger_entries WHERE kind = 'statement' ORDER BY 1 LIMIT 100",
    ),
  };
}

describe.skipIf(!ENGINES.includes('postgres'))(
  'settlement survives SIGKILL between every pair of steps',
  () => {
    it('each kill point, rerun from the start, ends in the uninterrupted journal', async () => {
      const masterKey = randomBytes(32);
      const key = masterKey.toString('hex');
      const reference = await freshDatabase('postgres');
      let expected: Awaited<ReturnType<typeof state>>;
      try {
        await seed(reference, masterKey);
        expect(await run(reference.url!, key, 0)).toBe('ok');
        expected = await state(reference);
        // a second full run changes nothing (every step idempotent)
        expect(await run(reference.url!, key, 0)).toBe('ok');
        expect(await state(reference)).toEqual(expected);
      } finally {
        await reference.close();
      }
      expect(expected.statements).toHaveLength(2);
      expect(expected.ledger).toHaveLength(2);
      expect(expected.postings.some((p) => String(p.source).startsWith('adjustment:'))).toBe(true);
      for (let stopAt = 1; stopAt < STEPS; stopAt++) {
        const database = await freshDatabase('postgres');
        try {
          await seed(database, masterKey);
          expect(await run(database.url!, key, stopAt)).toBe('killed');
          expect(await run(database.url!, key, 0)).toBe('ok');
          expect({ stopAt, ...(await state(database)) }).toEqual({ stopAt, ...expected });
        } finally {
          await database.close();
        }
      }
    }, 300_000);
  },
);

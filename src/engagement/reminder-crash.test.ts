// Never a duplicate reminder after a crash (issue 15 item 2): a worker process is SIGKILLed in the
// middle of its run, a second one is started on the same database, and at the end the deliveries
// are exactly the (reminder, channel) pairs due at the clock's time: none twice, none missing. On
// PostgreSQL, and on a PGlite data directory (pg-boss's jobs live in the same directory).
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bookLoans, type TestLoan } from '../../test/engagement/events.ts';
import { ENGINES, freshDatabase } from '../../test/support/engines.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { ManualClock } from '../kernel/index.ts';
import { createServices } from '../services.ts';
import { REMINDER_CHANNELS } from './model.ts';
import { planReminders, reminderTiming } from './reminder-plan.ts';

const CHILD = fileURLToPath(new URL('./reminder-crash.child.ts', import.meta.url));
const LOANS = 600;
const BATCH = 5;
/** 10:01 in Shanghai on 29 March 2026: loans booked in the days before 1 March have reminders due */
const AT = '2026-03-29T02:01:00Z';
const BOOKED = Date.parse('2026-03-01T02:00:00Z');
const DAY = 86_400_000;
/** Kill once the worker reports this many deliveries committed (about a third of them). */
const KILL_AFTER_DELIVERIES = 150;
const CHILD_LIMIT_MS = 120_000;

function testLoans(): TestLoan[] {
  return Array.from({ length: LOANS }, (_, i) => ({
    loanId: `crash-${i}`,
    customerId: `cust-${i}`,
    bookedAt: new Date(BOOKED - (i % 6) * DAY - (i % 3) * 3_600_000),
    paymentsFen: [100_00 + i, 200_00],
  }));
}

/** Customers' opt-outs: every 7th has SMS off, every 11th everything off. */
function optOuts(i: number): string[] {
  if (i % 11 === 0) return [...REMINDER_CHANNELS];
  return i % 7 === 0 ? ['sms'] : [];
}

/** What must have been delivered at AT, from the pure plan: every due reminder on every channel left on. */
function expectedDeliveries(loans: TestLoan[]): string[] {
  const now = Date.parse(AT);
  const out: string[] = [];
  loans.forEach((loan, i) => {
    for (const r of planReminders(loan))
      if (reminderTiming(r.sendAt, now) === 'send')
        for (const channel of REMINDER_CHANNELS)
          if (!optOuts(i).includes(channel)) out.push(`${r.key}|${channel}`);
  });
  return out.sort();
}

async function seed(database: Database, loans: TestLoan[]): Promise<void> {
  const services = createServices({ database, masterKey: randomBytes(32), clock: new ManualClock(AT) });
  for (let i = 0; i < loans.length; i += 200) await bookLoans(services, loans.slice(i, i + 200));
  const values = loans.flatMap((_, i) => optOuts(i).map((channel) => [`cust-${i}`, channel]));
  await database.query(
    `INSERT INTO reminder_settings (customer_id, channel, enabled, updated_at)
       SELECT c, ch, false, now() FROM unnest($1::text[], $2::text[]) AS t(c, ch)`,
    [values.map((v) => v[0]), values.map((v) => v[1])],
  );
  for (const hook of services.stopHooks) await hook();
}

async function delivered(database: Database): Promise<string[]> {
  const rows = await database.query<{ k: string }>(
    `SELECT reminder_key || '|' || channel AS k FROM reminder_deliveries ORDER BY 1 LIMIT 100000`,
  );
  return rows.map((r) => r.k);
}

/** Start the worker, wait until its batch lines report KILL_AFTER_DELIVERIES deliveries, SIGKILL it. */
async function killMidRun(target: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, target, AT, String(BATCH)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  let deliveries = 0;
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ${KILL_AFTER_DELIVERIES} deliveries in time: ${stderr}`)),
      CHILD_LIMIT_MS,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n'))
        if (line.startsWith('batch ')) deliveries = Math.max(deliveries, Number(line.slice(6)));
      if (deliveries >= KILL_AFTER_DELIVERIES && child.exitCode === null && !child.killed) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      if (deliveries < KILL_AFTER_DELIVERIES)
        reject(new Error(`the worker ended before the kill: ${stderr}`));
    });
  });
  expect(await exited).toBe('SIGKILL');
}

function runToEnd(target: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', CHILD, target, AT, String(BATCH)],
      { timeout: CHILD_LIMIT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout.trim().split('\n').at(-1)!),
    ),
  );
}

describe('reminders after a SIGKILL', () => {
  const loans = testLoans();
  const expected = expectedDeliveries(loans);

  it('the test has something to prove: many due deliveries, on several channels, some opted out', () => {
    expect(expected.length).toBeGreaterThan(KILL_AFTER_DELIVERIES * 2);
    expect(new Set(expected.map((k) => k.split('|')[1]))).toEqual(new Set(REMINDER_CHANNELS));
  });

  it.skipIf(!ENGINES.includes('postgres'))(
    'on PostgreSQL: exactly one delivery per due reminder and channel',
    async () => {
      const database = await freshDatabase('postgres');
      try {
        await seed(database, loans);
        await killMidRun(database.url!);
        const partial = await delivered(database);
        expect(partial.length).toBeGreaterThan(0);
        expect(partial.length).toBeLessThan(expected.length); // the kill landed mid-run
        expect(await runToEnd(database.url!)).toBe('ok');
        expect(await delivered(database)).toEqual(expected);
        const pending = await database.query(
          `SELECT 1 FROM reminders WHERE state = 'pending' AND send_at <= $1 LIMIT 1`,
          [AT],
        );
        expect(pending).toEqual([]);
      } finally {
        await database.close();
      }
    },
    240_000,
  );

  it('on a PGlite data directory: exactly one delivery per due reminder and channel', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shoujia-remind-'));
    const dataDir = join(dir, 'data');
    try {
      let database = await openDatabase({ dataDir });
      await seed(database, loans);
      await database.close();
      await killMidRun(dataDir);
      database = await openDatabase({ dataDir });
      const partial = await delivered(database);
      await database.close();
      expect(partial.length).toBeGreaterThan(0);
      expect(partial.length).toBeLessThan(expected.length);
      expect(await runToEnd(dataDir)).toBe('ok');
      database = await openDatabase({ dataDir });
      try {
        expect(await delivered(database)).toEqual(expected);
      } finally {
        await database.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});

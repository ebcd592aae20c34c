// Engagement (issue 15): reminders planned per second (the pure planner over 1M installments, one
// core) and reminders delivered per second through the recording adapter with the pg-boss job
// queue on PostgreSQL, with the duplicates counted in the same run (must be 0).
// Peers in the same run: a Date/ICU-based planner (the tests' reference model) on a sample, and
// the floor of the delivery path: the same rows written by plain multi-row INSERTs, no queue.
// Uses its own database on SHOUJIA_BENCH_PG_URL (or SHOUJIA_TEST_PG_URL, or the local server), dropped after.
// Options: --installments N (default 1M), --deliveries N (reminders due, default 20k; each goes on
// three channels), --quick (100k installments, 2k reminders).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../src/db/client.ts';
import type { LoanToRemind } from '../src/engagement/model.ts';
import { planReminders } from '../src/engagement/reminder-plan.ts';
import { ManualClock, SeededRandom } from '../src/kernel/index.ts';
import { createServices } from '../src/services.ts';
import type { BenchArea, BenchResult } from './run.ts';

const BASE_URL =
  process.env.SHOUJIA_BENCH_PG_URL ??
  process.env.SHOUJIA_TEST_PG_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';
const INSTALLMENTS_PER_LOAN = 12;
const REFERENCE_SAMPLE = 20_000;
const BOOKED = Date.parse('2026-03-01T02:00:00Z');
/** 10:01 on 29 March in Shanghai: every loan's first T−3 reminder is due */
const AT = '2026-03-29T02:01:00Z';
const TICKS_MAX = 10_000;
/** concurrent ticks (workers in one process) and jobs per batch; env to explore */
const WORKERS = Number(process.env.REMINDER_BENCH_WORKERS ?? 2);
const BATCH = Number(process.env.REMINDER_BENCH_BATCH ?? 500);

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer`);
  return value;
}

/** Seeded loans booked over a year, 12 installments each. */
function loans(count: number, seed: number): LoanToRemind[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, (_, i) => ({
    loanId: `loan_${i}`,
    customerId: `cus_${i}`,
    bookedAt: new Date(BOOKED + Math.floor(random.next() * 365 * 86_400_000)),
    paymentsFen: Array.from(
      { length: INSTALLMENTS_PER_LOAN },
      () => 10_000 + Math.floor(random.next() * 500_000),
    ),
  }));
}

const icu = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
/** The reference planner: civil dates through ICU and Date.UTC, as reminder-plan.test.ts checks against. */
function referencePlan(loan: LoanToRemind): number {
  const [y, m, d] = icu.format(loan.bookedAt).split('-').map(Number) as [number, number, number];
  let count = 0;
  for (let n = 1; n <= loan.paymentsFen.length; n++) {
    const last = new Date(Date.UTC(y, m - 1 + n + 1, 0)).getUTCDate();
    const due = Date.UTC(y, m - 1 + n, Math.min(d, last));
    for (const offset of [-3, -1, 0, 1]) {
      const sendAt = new Date(due + offset * 86_400_000 + 2 * 3_600_000);
      if (icu.format(sendAt).length === 10) count++;
    }
  }
  return count;
}

const area: BenchArea = {
  description: 'reminders planned per second (1M installments) and delivered per second on PostgreSQL',
  async run({ log, args }) {
    const quick = args.includes('--quick');
    const installments = option(args, 'installments', quick ? 100_000 : 1_000_000);
    const due = option(args, 'deliveries', quick ? 2_000 : 20_000);

    // 1. Planning, pure, one core.
    const planned = loans(Math.ceil(installments / INSTALLMENTS_PER_LOAN), 7);
    for (const loan of planned.slice(0, 2_000)) planReminders(loan); // warm up
    let reminders = 0;
    let started = performance.now();
    for (const loan of planned) reminders += planReminders(loan).length;
    const planSeconds = (performance.now() - started) / 1000;
    const plannedInstallments = planned.length * INSTALLMENTS_PER_LOAN;
    const sample = planned.slice(0, Math.ceil(REFERENCE_SAMPLE / INSTALLMENTS_PER_LOAN));
    started = performance.now();
    let referenceReminders = 0;
    for (const loan of sample) referenceReminders += referencePlan(loan);
    const referenceRate = referenceReminders / ((performance.now() - started) / 1000);
    log(
      `planned ${reminders} reminders for ${plannedInstallments} installments in ${planSeconds.toFixed(2)} s ` +
        `(${Math.round(plannedInstallments / planSeconds)} installments/s); ICU reference ${Math.round(referenceRate)} reminders/s`,
    );

    // 2. Delivery on PostgreSQL through pg-boss and the recording adapter.
    const name = `shoujia_bench_engagement_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: BASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(BASE_URL);
    url.pathname = `/${name}`;
    const database = await openDatabase({ url: url.toString(), poolMax: 4 });
    try {
      const clock = new ManualClock(BOOKED);
      const services = createServices({
        database,
        masterKey: randomBytes(32),
        clock,
        crossProcessNotices: false,
        reminders: { batchSize: BATCH },
      });
      for (let i = 0; i < due; i += 500) {
        await services.units.run(async (unit) => {
          for (let j = i; j < Math.min(due, i + 500); j++)
            unit.publish({
              topic: 'loan.booked',
              aggregateId: `app_${j}`,
              payload: {
                applicationId: `app_${j}`,
                customerId: `cus_${j}`,
                funderId: 'fund-a',
                loanId: `loan_${j}`,
                amountFen: 100_000,
              },
              at: new Date(BOOKED),
              loan: { paymentsFen: [100_000] },
            });
        });
      }
      await services.reminders.queueBacklog(); // pg-boss installed before the clock starts
      clock.set(AT);
      started = performance.now();
      let ticks = 0;
      // WORKERS ticks at once until a round finds nothing due (they share the queue; rows are locked per batch)
      for (; ticks < TICKS_MAX; ticks++) {
        const round = await Promise.all(Array.from({ length: WORKERS }, () => services.reminders.tick()));
        if (round.every((r) => r.enqueued === 0)) break;
      }
      const deliverSeconds = (performance.now() - started) / 1000;
      const [counts] = await database.query<{ total: string; pairs: string; delivered: string }>(
        `SELECT (SELECT count(*) FROM reminder_deliveries) AS total,
                (SELECT count(*) FROM (SELECT DISTINCT reminder_key, channel FROM reminder_deliveries) d) AS pairs,
                (SELECT count(*) FROM reminders WHERE state = 'delivered') AS delivered`,
      );
      const deliveries = Number(counts!.total);
      const duplicates = deliveries - Number(counts!.pairs);
      if (Number(counts!.delivered) !== due || deliveries !== 3 * due)
        throw new Error(
          `expected ${due} reminders on 3 channels, found ${counts!.delivered} and ${deliveries}`,
        );
      // the floor: the same delivery rows by plain INSERT, 600 a statement, no queue, no worker
      await database.query('CREATE TABLE bench_floor (LIKE reminder_deliveries INCLUDING ALL)');
      const rows = await database.query<Record<string, unknown>>(
        `SELECT reminder_key, channel, customer_id, adapter, state, message, created_at FROM reminder_deliveries LIMIT ${3 * due}`,
      );
      started = performance.now();
      for (let i = 0; i < rows.length; i += 600) {
        const chunk = rows.slice(i, i + 600);
        await database.query(
          `INSERT INTO bench_floor (reminder_key, channel, customer_id, adapter, state, message, attempts, created_at, updated_at)
             SELECT k, c, cu, 'recording', 'sent', m, 1, now(), now() FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[]) AS t(k, c, cu, m)`,
          [
            chunk.map((r) => r.reminder_key),
            chunk.map((r) => r.channel),
            chunk.map((r) => r.customer_id),
            chunk.map((r) => JSON.stringify(r.message)),
          ],
        );
      }
      const floorRate = rows.length / ((performance.now() - started) / 1000);
      log(
        `delivered ${due} reminders as ${deliveries} deliveries in ${deliverSeconds.toFixed(2)} s over ${ticks} ticks; ` +
          `plain INSERT floor ${Math.round(floorRate)} rows/s`,
      );
      for (const hook of services.stopHooks) await hook();
      const results: BenchResult[] = [
        {
          name: 'reminders_planned_per_s',
          value: Math.round(reminders / planSeconds),
          unit: 'reminders/s',
          note: `${plannedInstallments} installments, ${Math.round(plannedInstallments / planSeconds)} installments/s; ICU reference ${Math.round(referenceRate)}/s; goal >= 50,000`,
        },
        {
          name: 'reminders_delivered_per_s',
          value: Math.round(deliveries / deliverSeconds),
          unit: 'deliveries/s',
          note: `${due} reminders x 3 channels via pg-boss, recording adapter, ${WORKERS} workers x ${BATCH} jobs; plain INSERT floor ${Math.round(floorRate)}/s; goal >= 2,000`,
        },
        { name: 'reminder_duplicates', value: duplicates, unit: 'deliveries', note: 'same run; goal 0' },
      ];
      return results;
    } finally {
      await database.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  },
};

export default area;

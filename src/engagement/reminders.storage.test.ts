// Reminders on both engines, through the wiring the service runs (createServices): planned in the
// booking's unit, delivered by the worker at the manual clock's time through pg-boss, once per
// (reminder, channel) whatever the number of ticks or workers; quiet hours, opt-outs, settlement
// and staleness honoured; nothing after T+1 (collection is never the platform's).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENGINES, freshDatabase, type TestDatabase } from '../../test/support/engines.ts';
import { bookLoans, deliveryCounts, settleInstallment, type TestLoan } from '../../test/engagement/events.ts';
import { ManualClock } from '../kernel/index.ts';
import { createServices, type Services } from '../services.ts';
import { recordingAdapter } from './channels.ts';
import { ReminderService } from './service.ts';

const BOOKED = '2026-03-01T02:00:00Z'; // 10:00 on 1 March in Shanghai
/** installment 1 is due 1 April: T−3 is 29 March at 10:00 Shanghai, 02:00 UTC */
const T1_MINUS_3 = '2026-03-29T02:00:00Z';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(ENGINES)('reminders on %s', (engine) => {
  let database: TestDatabase;
  let services: Services;
  let clock: ManualClock;
  let n = 0;
  const loan = (payments = [10_000_00, 10_000_00, 10_000_00]): TestLoan => ({
    loanId: `loan-${engine}-${++n}`,
    customerId: `cust-${n}`,
    bookedAt: new Date(BOOKED),
    paymentsFen: payments,
  });
  const states = async (loanId: string) =>
    Object.fromEntries(
      (
        await database.query<{ key: string; state: string }>(
          'SELECT key, state FROM reminders WHERE loan_id = $1 ORDER BY key LIMIT 1000',
          [loanId],
        )
      ).map((r) => [r.key, r.state]),
    );
  const deliveredKeys = async (loanId: string) =>
    (
      await database.query<{ k: string }>(
        `SELECT reminder_key || '|' || channel AS k FROM reminder_deliveries WHERE reminder_key LIKE $1 ORDER BY 1 LIMIT 10000`,
        [`${loanId}:%`],
      )
    ).map((r) => r.k);

  beforeAll(async () => {
    database = await freshDatabase(engine);
    clock = new ManualClock(BOOKED);
    services = createServices({ database, masterKey: randomBytes(32), clock });
  });
  afterAll(async () => {
    for (const hook of services.stopHooks) await hook();
    await database.close();
  });
  beforeEach(() => clock.set(BOOKED));

  it('plans four reminders per installment in the booking unit, and none when the unit fails', async () => {
    const l = loan();
    await bookLoans(services, [l]);
    expect(Object.keys(await states(l.loanId))).toHaveLength(12);
    const outbox = await database.query('SELECT 1 FROM outbox WHERE topic = $1 AND aggregate_id = $2', [
      'loan.booked',
      `app-${l.loanId}`,
    ]);
    expect(outbox).toHaveLength(1);
    const failing = loan();
    await expect(
      services.units.run(async (unit) => {
        unit.publish({
          topic: 'loan.booked',
          aggregateId: 'x',
          payload: {
            applicationId: 'x',
            customerId: 'c',
            funderId: 'f',
            loanId: failing.loanId,
            amountFen: 1,
          },
          at: failing.bookedAt,
          loan: { paymentsFen: failing.paymentsFen },
        });
        throw new Error('the booking failed');
      }),
    ).rejects.toThrow('the booking failed');
    expect(await states(failing.loanId)).toEqual({});
  });

  it('delivers each reminder once on every channel at its time, however often the worker runs', async () => {
    const l = loan();
    await bookLoans(services, [l]);
    clock.set(new Date(Date.parse(T1_MINUS_3) - 1));
    await services.reminders.tick();
    expect(await deliveredKeys(l.loanId)).toEqual([]);
    clock.set(T1_MINUS_3);
    await services.reminders.tick();
    await services.reminders.tick();
    const key = `${l.loanId}:1:-3`;
    expect(await deliveredKeys(l.loanId)).toEqual([`${key}|email`, `${key}|push`, `${key}|sms`]);
    expect((await states(l.loanId))[key]).toBe('delivered');
    const [row] = await database.query<{ message: { text: string; amountFen: number } }>(
      'SELECT message FROM reminder_deliveries WHERE reminder_key = $1 AND channel = $2',
      [key, 'sms'],
    );
    expect(row!.message.amountFen).toBe(10_000_00);
    expect(row!.message.text).toContain('10000.00元');
    expect(row!.message.text).toContain('2026-04-01');
    // T−1, T0, T+1 of installment 1, each at its day's 10:00
    for (const [day, offset] of [
      ['2026-03-31T02:00:00Z', -1],
      ['2026-04-01T02:00:00Z', 0],
      ['2026-04-02T02:00:00Z', 1],
    ] as const) {
      clock.set(day);
      await services.reminders.tick();
      expect((await states(l.loanId))[`${l.loanId}:1:${offset}`]).toBe('delivered');
    }
    expect(await deliveredKeys(l.loanId)).toHaveLength(12);
  });

  it('sends nothing in quiet hours and the held reminder at 08:00', async () => {
    const l = loan();
    await bookLoans(services, [l]);
    // the T−3 reminder's time has come, but the worker only runs at 21:30 Shanghai (13:30 UTC)
    clock.set('2026-03-29T13:30:00Z');
    const quiet = await services.reminders.tick();
    expect(quiet.quiet).toBe(true);
    clock.set('2026-03-29T23:59:59Z'); // 07:59:59
    await services.reminders.tick();
    expect(await deliveredKeys(l.loanId)).toEqual([]);
    clock.set('2026-03-30T00:00:00Z'); // 08:00
    await services.reminders.tick();
    expect(await deliveredKeys(l.loanId)).toHaveLength(3);
  });

  it('cancels the reminders of a settled installment in the repayment’s unit', async () => {
    const l = loan();
    await bookLoans(services, [l]);
    await settleInstallment(services, l.loanId, 1, new Date('2026-03-20T03:00:00Z'));
    const view = await services.reminders.reminders(database.db, l.customerId);
    expect(view.filter((r) => r.installmentNo === 1).map((r) => r.state)).toEqual([
      'cancelled',
      'cancelled',
      'cancelled',
      'cancelled',
    ]);
    expect(view.filter((r) => r.installmentNo === 2).every((r) => r.state === 'pending')).toBe(true);
    // a second settlement of the same installment (closed by payoff after paid) is no error
    await settleInstallment(services, l.loanId, 1, new Date('2026-03-21T03:00:00Z'), 'closed');
    for (const day of ['2026-03-29T02:00:00Z', '2026-04-01T02:00:00Z', '2026-04-02T02:00:00Z']) {
      clock.set(day);
      await services.reminders.tick();
    }
    expect(await deliveredKeys(l.loanId)).toEqual([]);
    expect((await states(l.loanId))[`${l.loanId}:1:0`]).toBe('cancelled');
  });

  it('honours each borrower’s opt-out per channel', async () => {
    const [a, b] = [loan(), loan()];
    await bookLoans(services, [a, b]);
    await database.query(
      `INSERT INTO reminder_settings (customer_id, channel, enabled, updated_at) VALUES
         ($1, 'sms', false, now()), ($2, 'sms', false, now()), ($2, 'push', false, now()), ($2, 'email', false, now())`,
      [a.customerId, b.customerId],
    );
    clock.set(T1_MINUS_3);
    await services.reminders.tick();
    expect(await deliveredKeys(a.loanId)).toEqual([`${a.loanId}:1:-3|email`, `${a.loanId}:1:-3|push`]);
    expect(await deliveredKeys(b.loanId)).toEqual([]);
    expect((await states(b.loanId))[`${b.loanId}:1:-3`]).toBe('opted-out');
  });

  it('expires a reminder the worker reaches a day late instead of sending it late', async () => {
    const l = loan();
    await bookLoans(services, [l]);
    clock.set('2026-03-31T02:30:00Z'); // T−1's time; T−3's was two days ago
    await services.reminders.tick();
    const s = await states(l.loanId);
    expect(s[`${l.loanId}:1:-3`]).toBe('expired');
    expect(s[`${l.loanId}:1:-1`]).toBe('delivered');
  });

  it('never contacts the borrower after T+1: overdue follow-up (催收) is the funder’s', async () => {
    const l = loan([5_000_00]);
    await bookLoans(services, [l]);
    // the installment is never paid; the worker runs every day for a month after the due date
    for (let day = 0; day <= 33; day++) {
      clock.set(Date.parse(T1_MINUS_3) + day * DAY);
      await services.reminders.tick();
    }
    const keys = await deliveredKeys(l.loanId);
    expect(new Set(keys.map((k) => k.split('|')[0]))).toEqual(
      new Set([-3, -1, 0, 1].map((o) => `${l.loanId}:1:${o}`)),
    );
    expect(keys).toHaveLength(12);
  });

  it('two workers at once deliver each reminder once', async () => {
    const loans = Array.from({ length: 30 }, () => loan());
    await bookLoans(services, loans);
    const second = new ReminderService(
      {
        database,
        units: services.units,
        clock,
        customerExists: async () => true,
      },
      { adapters: (['sms', 'push', 'email'] as const).map(recordingAdapter), batchSize: 7 },
    );
    try {
      clock.set(T1_MINUS_3);
      await Promise.all([services.reminders.tick(), second.tick(), services.reminders.tick(), second.tick()]);
      const counts = await deliveryCounts(services);
      for (const l of loans) expect(await deliveredKeys(l.loanId)).toHaveLength(3);
      expect(counts.total).toBe(counts.distinct);
    } finally {
      await second.stop();
    }
  });
});

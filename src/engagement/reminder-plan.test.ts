// The reminder plan against independent references: ICU's Asia/Shanghai zone for civil days and
// times, a Date-based month step for due dates, and explicit instants around midnight and the
// quiet-hour edges. fast-check prints the seed of a failure; `seed` in fc.assert replays it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { worldText } from '../../test/support/text.ts';
import { REMINDER_KINDS, REMINDER_OFFSETS_DAYS } from './model.ts';
import {
  dueDay,
  inQuietHours,
  isoDay,
  outOfQuietHours,
  planReminders,
  reminderTiming,
  STALE_AFTER_MS,
  shanghaiDay,
  shanghaiMinuteOfDay,
} from './reminder-plan.ts';

const icu = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
/** ICU's Asia/Shanghai civil date and minute of day: the reference model. */
function reference(at: number): { date: string; minute: number } {
  const parts = Object.fromEntries(icu.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minute: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** 1992 (after China's last daylight-saving year) to 2100 */
const instant = fc.integer({ min: Date.UTC(1992, 0, 1), max: Date.UTC(2100, 0, 1) });

/** The obviously correct due date: the Shanghai civil date's month stepped with Date.UTC, clamped. */
function referenceDue(bookedAt: number, n: number): string {
  const [y, m, d] = reference(bookedAt).date.split('-').map(Number) as [number, number, number];
  const lastDay = new Date(Date.UTC(y, m - 1 + n + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m - 1 + n, Math.min(d, lastDay))).toISOString().slice(0, 10);
}

const at = (iso: string) => Date.parse(iso);

describe('civil days in Asia/Shanghai', () => {
  it('match ICU for any instant from 1992 to 2100', () => {
    fc.assert(
      fc.property(instant, (ms) => {
        const ref = reference(ms);
        expect(isoDay(shanghaiDay(ms))).toBe(ref.date);
        expect(shanghaiMinuteOfDay(ms)).toBe(ref.minute);
      }),
      { numRuns: 2000 },
    );
  });

  it('turn at 16:00 UTC, local midnight', () => {
    expect(isoDay(shanghaiDay(at('2026-03-01T15:59:59.999Z')))).toBe('2026-03-01');
    expect(isoDay(shanghaiDay(at('2026-03-01T16:00:00.000Z')))).toBe('2026-03-02');
  });
});

describe('due dates', () => {
  it('are the booking day n months on, clamped to the month, as a Date-based step computes', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 360 }), (bookedAt, n) => {
        expect(isoDay(dueDay(bookedAt, n))).toBe(referenceDue(bookedAt, n));
      }),
      { numRuns: 2000 },
    );
  });

  it('never drift: booked on the 31st, each month its own last day', () => {
    const booked = at('2027-01-31T02:00:00Z'); // 10:00 on 31 January in Shanghai
    expect([1, 2, 3, 4].map((n) => isoDay(dueDay(booked, n)))).toEqual([
      '2027-02-28',
      '2027-03-31',
      '2027-04-30',
      '2027-05-31',
    ]);
    // 23:30 on 31 January UTC is already 1 February in Shanghai
    expect(isoDay(dueDay(at('2027-01-31T16:30:00Z'), 1))).toBe('2027-03-01');
  });
});

describe('quiet hours 21:00–08:00 Asia/Shanghai', () => {
  it('hold a reminder to 08:00 at the edges and around midnight', () => {
    const cases: Array<[string, string]> = [
      ['2026-03-01T12:59:59.999Z', '2026-03-01T12:59:59.999Z'], // 20:59:59.999: still sent
      ['2026-03-01T13:00:00.000Z', '2026-03-02T00:00:00.000Z'], // 21:00 → 08:00 next day
      ['2026-03-01T15:59:59.999Z', '2026-03-02T00:00:00.000Z'], // 23:59:59.999 → 08:00 next day
      ['2026-03-01T16:00:00.000Z', '2026-03-02T00:00:00.000Z'], // 00:00 → 08:00 the same day
      ['2026-03-01T23:59:59.999Z', '2026-03-02T00:00:00.000Z'], // 07:59:59.999 → 08:00
      ['2026-03-02T00:00:00.000Z', '2026-03-02T00:00:00.000Z'], // 08:00: sent
      ['2026-12-31T13:30:00.000Z', '2027-01-01T00:00:00.000Z'], // New Year's Eve 21:30 → next year
      ['2028-02-28T14:00:00.000Z', '2028-02-29T00:00:00.000Z'], // into a leap day
    ];
    for (const [from, to] of cases) expect(new Date(outOfQuietHours(at(from))).toISOString()).toBe(to);
  });

  it('move only quiet instants, to the next 08:00, never back and never more than 11 hours', () => {
    fc.assert(
      fc.property(instant, (ms) => {
        const out = outOfQuietHours(ms);
        const ref = reference(ms);
        const quiet = ref.minute >= 21 * 60 || ref.minute < 8 * 60;
        expect(inQuietHours(ms)).toBe(quiet);
        if (!quiet) expect(out).toBe(ms);
        else {
          expect(reference(out).minute).toBe(8 * 60);
          expect(out % 60_000).toBe(0);
          expect(out).toBeGreaterThan(ms);
          expect(out - ms).toBeLessThanOrEqual(11 * 3_600_000);
        }
        expect(inQuietHours(out)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('a reminder waits through them and is never stale when they end', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 2 * 86_400_000 }), (sendAt, late) => {
        const now = sendAt + late;
        const timing = reminderTiming(sendAt, now);
        if (late >= STALE_AFTER_MS) expect(timing).toBe('stale');
        else if (inQuietHours(now)) expect(timing).toBe('wait');
        else expect(timing).toBe('send');
        // a reminder planned outside quiet hours has its first quiet-free instant before it is stale
        if (!inQuietHours(sendAt)) expect(reminderTiming(sendAt, outOfQuietHours(now))).not.toBe('wait');
      }),
      { numRuns: 2000 },
    );
    expect(reminderTiming(at('2026-03-02T02:00:00Z'), at('2026-03-02T01:59:59Z'))).toBe('wait');
  });
});

describe('the plan', () => {
  const loan = fc.record({
    loanId: worldText(40),
    customerId: worldText(20),
    bookedAt: instant.map((ms) => new Date(ms)),
    paymentsFen: fc.array(fc.integer({ min: 0, max: 100_000_000 }), { minLength: 1, maxLength: 36 }),
  });
  const sendMinute = fc.integer({ min: 0, max: 1439 });

  it('has T−3, T−1, T0 and T+1 for every installment, on their days, out of quiet hours', () => {
    fc.assert(
      fc.property(loan, sendMinute, (l, minute) => {
        const plan = planReminders(l, { sendMinute: minute });
        expect(plan).toHaveLength(4 * l.paymentsFen.length);
        for (const r of plan) {
          const due = dueDay(l.bookedAt, r.installmentNo);
          expect(r.dueOn).toBe(isoDay(due));
          expect(r.amountFen).toBe(l.paymentsFen[r.installmentNo - 1]);
          expect(inQuietHours(r.sendAt)).toBe(false);
          const day = shanghaiDay(r.sendAt);
          const quietMinute = minute >= 21 * 60 || minute < 8 * 60;
          // a send time in quiet hours moves to 08:00: the same day (small hours) or the next (evening)
          const expectedDay = due + r.offsetDays + (minute >= 21 * 60 ? 1 : 0);
          expect(day).toBe(expectedDay);
          expect(shanghaiMinuteOfDay(r.sendAt)).toBe(quietMinute ? 8 * 60 : minute);
          expect(r.kind).toBe(r.offsetDays < 0 ? 'upcoming' : r.offsetDays === 0 ? 'due' : 'overdue');
          expect(r.loanId).toBe(l.loanId);
          expect(r.customerId).toBe(l.customerId);
        }
        expect(new Set(plan.map((r) => r.key)).size).toBe(plan.length);
        expect(planReminders(l, { sendMinute: minute })).toEqual(plan);
      }),
      { numRuns: 300 },
    );
  });

  it('gives different loans different keys, whatever characters their ids hold', () => {
    fc.assert(
      fc.property(loan, loan, (a, b) => {
        fc.pre(a.loanId !== b.loanId);
        const keys = new Set(planReminders(a).map((r) => r.key));
        for (const r of planReminders(b)) expect(keys.has(r.key)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('never plans collection (催收): nothing after T+1, no kind but upcoming, due and overdue', () => {
    expect([...REMINDER_OFFSETS_DAYS]).toEqual([-3, -1, 0, 1]);
    expect([...REMINDER_KINDS]).toEqual(['upcoming', 'due', 'overdue']);
    fc.assert(
      fc.property(loan, (l) => {
        for (const r of planReminders(l)) {
          expect(r.offsetDays).toBeLessThanOrEqual(1);
          expect(shanghaiDay(r.sendAt)).toBeLessThanOrEqual(dueDay(l.bookedAt, r.installmentNo) + 1);
        }
      }),
      { numRuns: 200 },
    );
  });
});

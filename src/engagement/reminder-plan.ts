// The reminder plan (pure): each installment's due date, the four reminders around it, and quiet
// hours. Dates are civil days in Asia/Shanghai: China Standard Time is UTC+8 all year (no daylight
// saving since 1991), so a fixed offset is exact for every instant from 1992 on, and fast enough to
// plan a million installments a second (bench/engagement.ts); the tests check it against ICU's
// Asia/Shanghai zone.
import { assert } from '../kernel/index.ts';
import {
  kindOf,
  type LoanToRemind,
  type PlannedReminder,
  REMINDER_OFFSETS_DAYS,
  type ReminderOffsetDays,
} from './model.ts';

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
/** Asia/Shanghai = UTC+8, no DST (GB/T 7408 local time; DST abolished 1991). */
export const SHANGHAI_OFFSET_MS = 8 * 60 * MS_PER_MINUTE;

/** Quiet hours 21:00–08:00 Asia/Shanghai: a reminder due inside them waits for 08:00. */
export const QUIET_START_MINUTE = 21 * 60;
export const QUIET_END_MINUTE = 8 * 60;
/** When on its day a reminder is sent (Asia/Shanghai); 10:00, well outside quiet hours. */
export const DEFAULT_SEND_MINUTE = 10 * 60;
/**
 * A reminder not sent within a day of its time is stale (the worker was down): it is marked expired,
 * never sent late next to the following one. Longer than quiet hours, so a reminder held by them is
 * never stale when they end.
 */
export const STALE_AFTER_MS = MS_PER_DAY;
/** pricing's longest term (TERM_MONTHS_MAX) is far below this; a plan is bounded */
export const INSTALLMENTS_MAX = 600;

/** The civil day (days since 1970-01-01) in Asia/Shanghai of an instant. */
export function shanghaiDay(at: Date | number): number {
  return Math.floor((+at + SHANGHAI_OFFSET_MS) / MS_PER_DAY);
}

/** Minutes since local midnight in Asia/Shanghai. */
export function shanghaiMinuteOfDay(at: Date | number): number {
  const local = +at + SHANGHAI_OFFSET_MS;
  return Math.floor((local - Math.floor(local / MS_PER_DAY) * MS_PER_DAY) / MS_PER_MINUTE);
}

/** The instant of a Shanghai civil day at a minute of the day. */
export function shanghaiInstant(day: number, minuteOfDay: number): number {
  return day * MS_PER_DAY + minuteOfDay * MS_PER_MINUTE - SHANGHAI_OFFSET_MS;
}

// Civil-from-days and days-from-civil (H. Hinnant's proleptic Gregorian algorithms), so the plan
// needs no Date objects per installment.
function civilFromDays(z: number): { y: number; m: number; d: number } {
  const zz = z + 719_468;
  const era = Math.floor(zz / 146_097);
  const doe = zz - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

function daysFromCivil(y0: number, m: number, d: number): number {
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** YYYY-MM-DD of a civil day. */
export function isoDay(day: number): string {
  const { y, m, d } = civilFromDays(day);
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

/**
 * The due date of installment `n` (1-based) of a loan booked at `bookedAt`: the booking's civil day
 * in Asia/Shanghai, n months later; a day the month lacks becomes its last day (booked 31 January:
 * due 28/29 February, 31 March, 30 April …, each counted from the booking day, never drifting).
 * Monthly periods as pricing's schedule (src/pricing/schedule.ts).
 */
export function dueDay(bookedAt: Date | number, n: number): number {
  const { y, m, d } = civilFromDays(shanghaiDay(bookedAt));
  const months = m - 1 + n;
  const year = y + Math.floor(months / 12);
  const month = (months % 12) + 1;
  return daysFromCivil(year, month, Math.min(d, daysInMonth(year, month)));
}

/** The instant itself, or 08:00 Asia/Shanghai after it when it falls in quiet hours (21:00–08:00). */
export function outOfQuietHours(at: number): number {
  const minute = shanghaiMinuteOfDay(at);
  if (minute >= QUIET_START_MINUTE) return shanghaiInstant(shanghaiDay(at) + 1, QUIET_END_MINUTE);
  if (minute < QUIET_END_MINUTE) return shanghaiInstant(shanghaiDay(at), QUIET_END_MINUTE);
  return at;
}

export function inQuietHours(at: Date | number): boolean {
  return outOfQuietHours(+at) !== +at;
}

/** What may happen to a pending reminder at `now`: wait, go, or expire (stale). */
export function reminderTiming(sendAt: Date | number, now: Date | number): 'wait' | 'send' | 'stale' {
  if (+now < +sendAt) return 'wait';
  if (+now >= +sendAt + STALE_AFTER_MS) return 'stale';
  return inQuietHours(now) ? 'wait' : 'send';
}

export function reminderKey(loanId: string, installmentNo: number, offsetDays: ReminderOffsetDays): string {
  return `${loanId}:${installmentNo}:${offsetDays}`;
}

export interface PlanOptions {
  /** minute of the Asia/Shanghai day a reminder is sent; default 10:00 */
  sendMinute?: number;
}

/**
 * Every reminder of a loan: four per installment (T−3, T−1, T0, T+1), each at the send time of its
 * day, moved out of quiet hours. Deterministic keys: planning the same loan twice gives the same rows.
 */
export function planReminders(loan: LoanToRemind, options: PlanOptions = {}): PlannedReminder[] {
  const sendMinute = options.sendMinute ?? DEFAULT_SEND_MINUTE;
  assert(Number.isInteger(sendMinute) && sendMinute >= 0 && sendMinute < 1440, 'a minute of the day');
  const installments = loan.paymentsFen.length;
  assert(
    installments >= 1 && installments <= INSTALLMENTS_MAX,
    'a plan has 1..INSTALLMENTS_MAX installments',
  );
  const out: PlannedReminder[] = new Array(installments * REMINDER_OFFSETS_DAYS.length);
  let i = 0;
  for (let n = 1; n <= installments; n++) {
    const due = dueDay(loan.bookedAt, n);
    const dueOn = isoDay(due);
    const amountFen = loan.paymentsFen[n - 1]!;
    for (const offsetDays of REMINDER_OFFSETS_DAYS) {
      out[i++] = {
        key: reminderKey(loan.loanId, n, offsetDays),
        loanId: loan.loanId,
        customerId: loan.customerId,
        installmentNo: n,
        offsetDays,
        kind: kindOf(offsetDays),
        dueOn,
        amountFen,
        sendAt: new Date(outOfQuietHours(shanghaiInstant(due + offsetDays, sendMinute))),
      };
    }
  }
  return out;
}

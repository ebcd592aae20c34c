// Statement months are Asia/Shanghai calendar months: UTC+8 all year (China has kept no daylight
// saving time since 1991), so a fixed offset gives exact boundaries.
import { assert } from '../kernel/index.ts';

export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Is `text` a month we settle (YYYY-MM, years 2000–2999)? */
export function isPeriod(text: string): boolean {
  const m = PERIOD.exec(text);
  return m !== null && Number(m[1]) >= 2000 && Number(m[1]) <= 2999;
}

/** [from, to): the first instant of the month in Shanghai and the first of the next. */
export function periodWindow(period: string): { from: Date; to: Date } {
  const m = PERIOD.exec(period);
  assert(m !== null && isPeriod(period), `not a period: ${period}`);
  const year = Number(m[1]);
  const month = Number(m[2]); // 1-12
  return {
    from: new Date(Date.UTC(year, month - 1, 1) - SHANGHAI_OFFSET_MS),
    to: new Date(Date.UTC(year, month, 1) - SHANGHAI_OFFSET_MS),
  };
}

/** The Shanghai month an instant falls in. */
export function periodOf(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 7);
}

/** The month after `period`. */
export function nextPeriod(period: string): string {
  return periodOf(periodWindow(period).to);
}

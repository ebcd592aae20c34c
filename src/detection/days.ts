// Calendar days for the credit-report cross-check. A bureau prints dates as civil days in China
// Standard Time (UTC+8, no daylight saving since 1991), so an instant becomes the UTC+8 day it
// falls on; an ISO date is taken as printed. Days are integers (days since 1970-01-01), so the
// matching rules compare numbers and allocate nothing.
import { assert, MS_PER_DAY } from '../kernel/index.ts';
import type { DayInput, DayNumber } from './model.ts';

const UTC8_OFFSET_MS = 8 * 3_600_000;
/** A DayNumber above this (year ~2243) is an epoch-milliseconds value passed by mistake. */
const DAY_NUMBER_MAX = 100_000;

const DIGIT_0 = 48;
const digit = (text: string, i: number): number => {
  const c = text.charCodeAt(i) - DIGIT_0;
  return c >= 0 && c <= 9 ? c : -1;
};

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-compatible low-level date algorithms"). */
export function daysFromCivil(year: number, month: number, day: number): DayNumber {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The day of an ISO `YYYY-MM-DD` that names a real calendar day, else undefined. No allocation. */
export function dayOfIsoDate(text: string): DayNumber | undefined {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  let year = 0;
  for (let i = 0; i < 4; i++) {
    const d = digit(text, i);
    if (d < 0) return undefined;
    year = year * 10 + d;
  }
  const m1 = digit(text, 5);
  const m2 = digit(text, 6);
  const d1 = digit(text, 8);
  const d2 = digit(text, 9);
  if (m1 < 0 || m2 < 0 || d1 < 0 || d2 < 0) return undefined;
  const month = m1 * 10 + m2;
  const day = d1 * 10 + d2;
  if (month < 1 || month > 12 || day < 1) return undefined;
  const monthDays = month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1]!;
  if (day > monthDays) return undefined;
  return daysFromCivil(year, month, day);
}

/** The UTC+8 day an instant falls on. */
export function chinaDayOf(at: Date | number): DayNumber {
  const ms = typeof at === 'number' ? at : at.getTime();
  return Math.floor((ms + UTC8_OFFSET_MS) / MS_PER_DAY);
}

/** The ISO date of a day, for output and docs (allocates; not for hot loops). */
export function isoOfDay(day: DayNumber): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/**
 * A caller's day (DayInput) as a DayNumber. The context comes from production's own records, so a
 * bad value is a bug, not a rejection: it asserts.
 */
export function dayOf(input: DayInput): DayNumber {
  if (typeof input === 'number') {
    assert(Number.isInteger(input) && Math.abs(input) < DAY_NUMBER_MAX, `not a day number: ${input}`);
    return input;
  }
  if (typeof input === 'string') {
    const day = dayOfIsoDate(input);
    if (day !== undefined) return day;
    assert(/^\d{4}-\d{2}-\d{2}T/.test(input), `not an ISO date or timestamp: ${input.slice(0, 40)}`);
    const ms = Date.parse(input);
    assert(Number.isFinite(ms), `not an ISO timestamp: ${input.slice(0, 40)}`);
    return chinaDayOf(ms);
  }
  const ms = input.getTime();
  assert(Number.isFinite(ms), 'invalid Date');
  return chinaDayOf(ms);
}

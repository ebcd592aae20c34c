// A dashboard request's calendar range (ADR 0101): Asia/Shanghai days, both ends included, at most
// RANGE_DAYS_MAX long; `to` defaults to today, `from` to RANGE_DAYS_DEFAULT − 1 days before `to`. Pure:
// `now` is the caller's clock. The instants cover [from 00:00, to + 1 day 00:00) in UTC+8.
import { chinaDayOf, dayOfIsoDate, isoOfDay } from '../detection/days.ts';
import { MS_PER_DAY } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import { RANGE_DAYS_DEFAULT, RANGE_DAYS_MAX } from './model.ts';

const UTC8_OFFSET_MS = 8 * 3_600_000;

export interface DayRange {
  /** day numbers (days since 1970-01-01), inclusive */
  fromDay: number;
  toDay: number;
  /** the instants: start of fromDay, start of the day after toDay (Asia/Shanghai midnights) */
  from: Date;
  to: Date;
}

/** The instant an Asia/Shanghai day starts. */
export function startOfChinaDay(day: number): Date {
  return new Date(day * MS_PER_DAY - UTC8_OFFSET_MS);
}

function dayParam(text: string | undefined, field: 'from' | 'to'): number | undefined {
  if (text === undefined) return undefined;
  const day = dayOfIsoDate(text);
  if (day === undefined)
    throw new DomainError('date_range_invalid', `${field} is not a calendar day (YYYY-MM-DD)`, field);
  return day;
}

export function dayRange(query: { from?: string | undefined; to?: string | undefined }, now: Date): DayRange {
  const givenFrom = dayParam(query.from, 'from');
  const givenTo = dayParam(query.to, 'to');
  const toDay = givenTo ?? chinaDayOf(now);
  const fromDay = givenFrom ?? toDay - RANGE_DAYS_DEFAULT + 1;
  if (fromDay > toDay) throw new DomainError('date_range_invalid', 'from is after to', 'from');
  if (toDay - fromDay + 1 > RANGE_DAYS_MAX)
    throw new DomainError('date_range_invalid', `the range is longer than ${RANGE_DAYS_MAX} days`, 'to');
  return { fromDay, toDay, from: startOfChinaDay(fromDay), to: startOfChinaDay(toDay + 1) };
}

/** Every day of the range, oldest first, as YYYY-MM-DD with its day number. */
export function daysOf(range: DayRange): Array<{ day: number; date: string }> {
  const out: Array<{ day: number; date: string }> = [];
  for (let day = range.fromDay; day <= range.toDay; day++) out.push({ day, date: isoOfDay(day) });
  return out;
}

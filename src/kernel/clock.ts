// Time is injected: services read it from a Clock so tests and the simulator can control it.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to: for tests and the simulator's virtual time. */
export class ManualClock implements Clock {
  private ms: number;
  constructor(start: Date | string | number = '2026-01-01T00:00:00Z') {
    this.ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  set(at: Date | string | number): void {
    this.ms = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export const MS_PER_DAY = 86_400_000;

/** Whole years between a birth date and a date, as the law counts age (birthday reached or not). */
export function ageInYears(birth: { year: number; month: number; day: number }, at: Date): number {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth() + 1;
  const d = at.getUTCDate();
  let age = y - birth.year;
  if (m < birth.month || (m === birth.month && d < birth.day)) age -= 1;
  return age;
}

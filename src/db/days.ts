// Calendar days in SQL: the Asia/Shanghai day (UTC+8, no daylight saving since 1991) an instant falls
// on, as days since 1970-01-01, the same number detection/days.ts `chinaDayOf` computes in memory.
// Arithmetic on the epoch rather than AT TIME ZONE: both engines answer it alike, with no tz database.
import { type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

const UTC8_OFFSET_SECONDS = 8 * 3_600;
const SECONDS_PER_DAY = 86_400;

/** `floor((epoch seconds of column + 8 h) / 1 day)` as an integer. */
export function chinaDaySql(column: AnyPgColumn): SQL<number> {
  return sql<number>`floor((extract(epoch from ${column}) + ${sql.raw(String(UTC8_OFFSET_SECONDS))}) / ${sql.raw(String(SECONDS_PER_DAY))})::int`;
}

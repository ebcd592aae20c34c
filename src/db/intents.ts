// Row intents (ADR 0069): what a module asks the unit of work to write, typed by its drizzle table,
// with values that may come from earlier intents (Refs, JSON with Refs). The unit collects them
// (unit-of-work.ts); the committers render them (committers.ts).
import type { Column } from 'drizzle-orm';
import { getTableColumns, getTableName } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { plainSql } from './render.ts';

/** A value the unit knows only when it commits: a column of an earlier intent's row. */
export class Ref<T = unknown> {
  declare readonly _type: T;
  constructor(
    readonly intent: number,
    /** the SQL column name, or CREATED for an upsert's "this unit created the row" */
    readonly column: string,
    readonly sqlType: string,
  ) {}
}

export const CREATED = '__created';

/** JSON known only at commit: a fixed object with some members taken from earlier intents. */
export class JsonWith {
  constructor(
    readonly base: Record<string, unknown>,
    readonly refs: Readonly<Record<string, Ref>>,
  ) {}
}

/** JSON with members from earlier intents (an outbox payload, an answer kept for an Idempotency-Key). */
export function jsonWith(base: Record<string, unknown>, refs: Readonly<Record<string, Ref>>): JsonWith {
  return new JsonWith(base, refs);
}

export type Insert<T extends PgTable> = T['$inferInsert'];
export type Select<T extends PgTable> = T['$inferSelect'];
/** A row to write: each value as it is, or taken from an earlier intent (a Ref or JSON with Refs). */
export type RowValues<T extends PgTable> = {
  [K in keyof Insert<T>]: Insert<T>[K] | Ref<NonNullable<Insert<T>[K]>> | JsonWith;
};

/** What an intent hands back: its row's columns, for later intents and for the answer. */
export interface RowHandle<T extends PgTable> {
  readonly intent: number;
  col<K extends keyof Select<T> & string>(key: K): Ref<Select<T>[K]>;
}

/** An upsert's handle also says whether this unit created the row (rather than updating it). */
export interface UpsertHandle<T extends PgTable> extends RowHandle<T> {
  readonly created: Ref<boolean>;
}

export type ColumnInfo = { key: string; name: string; sqlType: string; column: Column };
export type TableInfo = { name: string; byKey: Map<string, ColumnInfo>; byName: Map<string, ColumnInfo> };
const tables = new WeakMap<PgTable, TableInfo>();

export function tableInfo(table: PgTable): TableInfo {
  let info = tables.get(table);
  if (!info) {
    const byKey = new Map<string, ColumnInfo>();
    for (const [key, column] of Object.entries(getTableColumns(table)) as Array<[string, Column]>)
      byKey.set(key, { key, name: column.name, sqlType: column.getSQLType(), column });
    info = { name: getTableName(table), byKey, byName: new Map([...byKey.values()].map((c) => [c.name, c])) };
    tables.set(table, info);
  }
  return info;
}

export interface Intent {
  kind: 'insert' | 'upsert' | 'notify';
  table: TableInfo | null;
  /** columns in the order given, with values (driver values, Refs or JsonWith) */
  values: Array<{ info: ColumnInfo; value: unknown }>;
  /** upsert: the conflict target columns and the columns to refresh on conflict */
  conflict?: { target: ColumnInfo[]; update: ColumnInfo[]; tail?: string };
  /** write only if this holds at commit (an upsert's `created`) */
  when?: Ref<boolean>;
  /** columns later intents or the answer read (SQL names) */
  returning: Set<string>;
  /** the INSERT head (table and columns), once rendered: also what mergeable rows share */
  shape?: string;
}

/** Bytes travel as hex text and are decoded in the statement (both drivers take text for it). */
export class HexBytes {
  constructor(readonly hex: string) {}
}

/**
 * A value as a statement parameter: bytes as hex text decoded in the statement, arrays
 * as one parameter, everything else as the column maps it (dates to ISO text, JSON to its text).
 */
export function driverValue(column: ColumnInfo, value: unknown): unknown {
  if (value === null) return null;
  const mapped = column.column.mapToDriverValue(value);
  if (Buffer.isBuffer(mapped) || mapped instanceof Uint8Array)
    return new HexBytes(Buffer.from(mapped).toString('hex'));
  if (Array.isArray(mapped)) return plainSql.param(mapped);
  return mapped;
}

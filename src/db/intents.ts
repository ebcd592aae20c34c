// Row intents (ADR 0069): what a module asks the unit of work to write, typed by its drizzle table,
// with values that may come from earlier intents (Refs, JSON with Refs). The unit collects them
// (unit-of-work.ts); the committers render them (committers.ts).
import { Column, getTableColumns, getTableName } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { assert } from '../kernel/index.ts';
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

/**
 * A column as the committers need it. `toDriver` maps a value to its parameter (null: as it is),
 * found once per column so the hot path calls no drizzle column object per value (ADR 0069,
 * performance addendum).
 */
export type ColumnInfo = {
  key: string;
  name: string;
  sqlType: string;
  column: Column;
  toDriver: ((value: unknown) => unknown) | null;
};

/**
 * The columns of a row intent, in the order given: a node of a per-table tree walked key by key,
 * so a row's column list, its INSERT head and its id are found, not rebuilt, per intent. The id
 * names (table, columns) in the unit's shape (committers.ts: the statement text cache).
 */
export interface Head {
  readonly id: number;
  readonly columns: readonly ColumnInfo[];
  /** `INSERT INTO table (a, b, …)` */
  readonly text: string;
  readonly next: Map<string, Head>;
}

export type TableInfo = {
  name: string;
  byKey: Map<string, ColumnInfo>;
  byName: Map<string, ColumnInfo>;
  /** the empty column list; rows walk from it */
  root: Head;
};
const tables = new WeakMap<PgTable, TableInfo>();
let headIds = 0;

/**
 * SQL names are written into statements unquoted and into the shape keys of the text cache, whose
 * separators they must not contain: plain identifiers only.
 */
const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export function tableInfo(table: PgTable): TableInfo {
  let info = tables.get(table);
  if (!info) {
    const name = getTableName(table);
    assert(PLAIN_IDENTIFIER.test(name), `table ${name}: the unit of work takes plain SQL names only`);
    const byKey = new Map<string, ColumnInfo>();
    for (const [key, column] of Object.entries(getTableColumns(table)) as Array<[string, Column]>) {
      assert(PLAIN_IDENTIFIER.test(column.name), `${name}.${column.name}: plain SQL names only`);
      byKey.set(key, {
        key,
        name: column.name,
        sqlType: column.getSQLType(),
        column,
        toDriver: mapperOf(column),
      });
    }
    const root: Head = { id: ++headIds, columns: [], text: `INSERT INTO ${name} ()`, next: new Map() };
    info = { name, byKey, byName: new Map([...byKey.values()].map((c) => [c.name, c])), root };
    tables.set(table, info);
  }
  return info;
}

/** The head after `head` with the column `key` added (asserting the table has it). */
export function nextHead(info: TableInfo, head: Head, key: string): Head {
  let next = head.next.get(key);
  if (next === undefined) {
    const column = info.byKey.get(key);
    // the message is built only on failure (a hot path)
    if (!column) assert(false, `${info.name} has no column ${key}`);
    const columns = [...head.columns, column];
    next = {
      id: ++headIds,
      columns,
      text: `INSERT INTO ${info.name} (${columns.map((c) => c.name).join(', ')})`,
      next: new Map(),
    };
    head.next.set(key, next);
  }
  return next;
}

export interface Intent {
  kind: 'insert' | 'upsert' | 'notify';
  table: TableInfo | null;
  /** the columns given, in order (null for a notify) */
  head: Head | null;
  /** one value per column of `head` (driver values, Refs or JsonWith); a notify's channel and payload */
  values: unknown[];
  /** upsert: the conflict target columns and the columns to refresh on conflict */
  conflict?: { id: number; target: ColumnInfo[]; update: ColumnInfo[]; tail?: string };
  /** write only if this holds at commit (an upsert's `created`) */
  when?: Ref<boolean>;
  /** columns later intents or the answer read (SQL names) */
  returning: Set<string>;
  /**
   * Everything about the intent but its values' contents that its SQL text depends on: kind,
   * head, conflict, condition and which values are Refs, JSON with Refs or bytes (not returning,
   * which grows after the intent is added: committers.ts adds it to the unit's shape).
   */
  signature: string;
}

/** A value as drizzle's column maps it, for columns that map (`toDriver`); dates memoised. */
function mapperOf(column: Column): ((value: unknown) => unknown) | null {
  if (column.mapToDriverValue === Column.prototype.mapToDriverValue) return null;
  // drizzle's PgTimestamp (mode 'date') maps with value.toISOString(); a submission writes the
  // same instant a dozen times.
  if (column.columnType === 'PgTimestamp') return isoText;
  return (value) => column.mapToDriverValue(value);
}

let lastTime = Number.NaN;
let lastIso = '';

/** `date.toISOString()`, remembered for the last instant (by time value, so a mutated Date is safe). */
function isoText(value: unknown): string {
  if (!(value instanceof Date)) return (value as Date).toISOString(); // drizzle's own failure
  const time = value.getTime();
  if (time !== lastTime) {
    lastIso = value.toISOString(); // throws for an invalid date, as drizzle's does
    lastTime = time;
  }
  return lastIso;
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
  const mapped = column.toDriver === null ? value : column.toDriver(value);
  const type = typeof mapped;
  if (type === 'string' || type === 'number' || type === 'boolean') return mapped;
  if (Buffer.isBuffer(mapped) || mapped instanceof Uint8Array)
    return new HexBytes(Buffer.from(mapped).toString('hex'));
  if (Array.isArray(mapped)) return plainSql.param(mapped);
  return mapped;
}

// The unit of work: one write set per transaction (ADR 0069). Modules contribute typed row intents
// (insert, upsert: each returns a handle whose columns later intents may use), domain events (each
// becomes an outbox row, and its subscribers add their own intents to the same unit) and
// after-commit hooks. Two committers render the same intents:
//   - commitInTransaction: one plain statement per intent, in order, in the caller's transaction;
//   - groupedPart: the whole unit as CTEs of one statement (ADR 0034), which StatementGroups may
//     share with other units. All CTE rendering lives here and in statement-groups.ts.
// Stores build intents from their own tables; no module hands SQL to another.
import { type Column, getTableColumns, getTableName, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { assert } from '../kernel/index.ts';
import { type Db, type Executor, type Runner, runnerOf, type Tx } from './client.ts';
import { outbox } from './infra-schema.ts';
import { plainSql } from './render.ts';
import { runPart, type StatementPart } from './statement-groups.ts';

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

const CREATED = '__created';

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

type Insert<T extends PgTable> = T['$inferInsert'];
type Select<T extends PgTable> = T['$inferSelect'];
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
 * A reply an event asks of its subscriber (the ledger's entry id for an exposure the funder is
 * shown): set exactly once while the event is published, read by the publisher after.
 */
export class Receipt<T> {
  private value: { set: true; value: T } | { set: false } = { set: false };

  set(value: T): void {
    assert(!this.value.set, 'a receipt is set once');
    this.value = { set: true, value };
  }

  get(): T {
    assert(this.value.set, 'no subscriber answered the event');
    return this.value.value;
  }
}

/** A domain event: what one module tells the others it caused. Its payload becomes an outbox row. */
export interface DomainEvent {
  readonly topic: string;
  readonly aggregateId: string;
  readonly payload: Record<string, unknown> | JsonWith;
  readonly at: Date;
}

type ColumnInfo = { key: string; name: string; sqlType: string; column: Column };
type TableInfo = { name: string; byKey: Map<string, ColumnInfo> };
const tables = new WeakMap<PgTable, TableInfo>();

function tableInfo(table: PgTable): TableInfo {
  let info = tables.get(table);
  if (!info) {
    const byKey = new Map<string, ColumnInfo>();
    for (const [key, column] of Object.entries(getTableColumns(table)) as Array<[string, Column]>)
      byKey.set(key, { key, name: column.name, sqlType: column.getSQLType(), column });
    info = { name: getTableName(table), byKey };
    tables.set(table, info);
  }
  return info;
}

interface Intent {
  kind: 'insert' | 'upsert' | 'notify';
  table: TableInfo | null;
  /** columns in the order given, with values (driver values, Refs or JsonWith) */
  values: Array<{ info: ColumnInfo; value: unknown }>;
  /** upsert: the conflict target columns and the columns to refresh on conflict */
  conflict?: { target: ColumnInfo[]; update: ColumnInfo[] };
  /** write only if this holds at commit (an upsert's `created`) */
  when?: Ref<boolean>;
  /** columns later intents or the answer read (SQL names) */
  returning: Set<string>;
}

type Subscriber = (unit: UnitOfWork, event: DomainEvent) => void;

/**
 * Who reacts to which event: subscribers are called as the event is published and add their own
 * intents and hooks to the same unit, so what an event causes commits with it or not at all.
 */
export class EventBus<E extends DomainEvent = DomainEvent> {
  private readonly subscribers = new Map<string, Subscriber[]>();

  on<T extends E['topic']>(
    topic: T,
    subscriber: (unit: UnitOfWork, event: Extract<E, { topic: T }>) => void,
  ): void {
    const list = this.subscribers.get(topic) ?? [];
    list.push(subscriber as Subscriber);
    this.subscribers.set(topic, list);
  }

  /** @internal called by UnitOfWork.publish */
  deliver(unit: UnitOfWork, event: DomainEvent): void {
    for (const subscriber of this.subscribers.get(event.topic) ?? []) subscriber(unit, event);
  }
}

export class UnitOfWork {
  /** @internal the committers read these */
  readonly intents: Intent[] = [];
  readonly hooks: Array<() => void | Promise<void>> = [];
  readonly conflictKeys: string[] = [];
  readonly events: DomainEvent[] = [];
  private committed = false;

  constructor(private readonly bus: EventBus<DomainEvent>) {}

  insert<T extends PgTable>(
    table: T,
    row: RowValues<T>,
    options: { when?: Ref<boolean> } = {},
  ): RowHandle<T> {
    return this.add('insert', table, row, undefined, options.when);
  }

  /**
   * INSERT … ON CONFLICT (target) DO UPDATE SET the `update` columns from the new row. The handle's
   * `created` is true when this unit inserted the row and false when it updated an existing one.
   */
  upsert<T extends PgTable>(
    table: T,
    row: RowValues<T>,
    conflict: {
      target: ReadonlyArray<keyof Insert<T> & string>;
      update: ReadonlyArray<keyof Insert<T> & string>;
    },
  ): UpsertHandle<T> {
    const info = tableInfo(table);
    const column = (key: string) => {
      const found = info.byKey.get(key);
      assert(found, `${info.name} has no column ${key}`);
      return found;
    };
    const handle = this.add('upsert', table, row, {
      target: conflict.target.map(column),
      update: conflict.update.map(column),
    });
    const intent = this.intents[handle.intent]!;
    return {
      ...handle,
      get created() {
        intent.returning.add(CREATED);
        return new Ref<boolean>(handle.intent, CREATED, 'boolean');
      },
    };
  }

  /** Raise an event: an outbox row in this unit, and every subscriber's intents with it. */
  publish<E extends DomainEvent>(event: E): void {
    this.open();
    this.events.push(event);
    this.insert(outbox, {
      topic: event.topic,
      aggregateId: event.aggregateId,
      payload: event.payload,
      createdAt: event.at,
    });
    this.bus.deliver(this, event);
  }

  /** PostgreSQL NOTIFY on `channel` when the unit commits (other processes' caches). */
  notify(channel: string, payload: string): void {
    this.open();
    const text: ColumnInfo = { key: '', name: '', sqlType: 'text', column: undefined as never };
    this.intents.push({
      kind: 'notify',
      table: null,
      values: [
        { info: text, value: channel },
        { info: text, value: payload },
      ],
      returning: new Set(),
    });
  }

  /** Run after the unit's writes are committed (local cache invalidation); never before. */
  afterCommit(hook: () => void | Promise<void>): void {
    this.open();
    this.hooks.push(hook);
  }

  /** Grouped units that share any key never share a statement (the same customer, the same key). */
  conflictsOn(key: string): void {
    this.conflictKeys.push(key);
  }

  /** @internal */
  seal(): void {
    this.open();
    this.committed = true;
  }

  private open(): void {
    assert(!this.committed, 'the unit of work has been committed');
  }

  private add<T extends PgTable>(
    kind: 'insert' | 'upsert',
    table: T,
    row: RowValues<T>,
    conflict?: Intent['conflict'],
    when?: Ref<boolean>,
  ): RowHandle<T> {
    this.open();
    const info = tableInfo(table);
    const values: Intent['values'] = [];
    for (const [key, value] of Object.entries(row)) {
      if (value === undefined) continue;
      const column = info.byKey.get(key);
      assert(column, `${info.name} has no column ${key}`);
      if (value instanceof Ref || value instanceof JsonWith) {
        for (const ref of value instanceof Ref ? [value] : Object.values(value.refs)) this.use(ref);
        values.push({ info: column, value });
      } else values.push({ info: column, value: driverValue(column, value) });
    }
    if (when) this.use(when);
    const index = this.intents.length;
    const intent: Intent = {
      kind,
      table: info,
      values,
      returning: new Set(),
      ...(conflict ? { conflict } : {}),
    };
    if (when) intent.when = when;
    this.intents.push(intent);
    return {
      intent: index,
      col: (key) => {
        const column = info.byKey.get(key);
        assert(column, `${info.name} has no column ${key}`);
        intent.returning.add(column.name);
        return new Ref(index, column.name, column.sqlType);
      },
    };
  }

  private use(ref: Ref): void {
    const source = this.intents[ref.intent];
    assert(source && source.kind !== 'notify', 'a Ref names an earlier row intent');
    assert(source.when === undefined, 'a conditional intent may not feed another: it may write nothing');
    source.returning.add(ref.column);
  }
}

/** Bytes travel as hex text and are decoded in the statement (both drivers take text for it). */
class HexBytes {
  constructor(readonly hex: string) {}
}

/** A typed parameter: `$n::type`, or decode($n, 'hex') for bytes. */
function param(value: unknown, sqlType: string): SQL {
  return value instanceof HexBytes
    ? plainSql`decode(${value.hex}::text, 'hex')`
    : plainSql`${value}::${plainSql.raw(sqlType)}`;
}

/**
 * A value as a statement parameter: bytes as hex text decoded in the statement, arrays
 * as one parameter, everything else as the column maps it (dates to ISO text, JSON to its text).
 */
function driverValue(column: ColumnInfo, value: unknown): unknown {
  if (value === null) return null;
  const mapped = column.column.mapToDriverValue(value);
  if (Buffer.isBuffer(mapped) || mapped instanceof Uint8Array)
    return new HexBytes(Buffer.from(mapped).toString('hex'));
  if (Array.isArray(mapped)) return plainSql.param(mapped);
  return mapped;
}

/** Driver values of the answer's columns, mapped back to the table's TypeScript values. */
export type Answer<T extends PgTable> = Select<T>;

/** What a committed unit can tell: the columns of the rows its intents wrote. */
export interface Committed {
  row<T extends PgTable>(handle: RowHandle<T>): Partial<Answer<T>>;
  value<T>(ref: Ref<T>): T;
}

// ---------------------------------------------------------------------------------------------
// The plan both committers follow: intents in order, except that plain inserts into one table with
// the same columns that nothing reads (outbox rows, history rows) become one multi-row INSERT, at
// the place of the last of them (so rows they refer to by foreign key are written before them).

interface Step {
  /** the intents written by this statement (one, or several merged rows) */
  members: number[];
  intent: Intent;
}

function mergeable(intent: Intent): boolean {
  return intent.kind === 'insert' && intent.returning.size === 0 && intent.when === undefined;
}

function planOf(unit: UnitOfWork, from = 0): Step[] {
  const shapeOf = (intent: Intent) =>
    `${intent.table!.name}(${intent.values.map((v) => v.info.name).join(',')})`;
  const last = new Map<string, number>();
  unit.intents.forEach((intent, i) => {
    if (i >= from && mergeable(intent)) last.set(shapeOf(intent), i);
  });
  const pending = new Map<string, number[]>();
  const steps: Step[] = [];
  unit.intents.forEach((intent, i) => {
    if (i < from) return;
    if (!mergeable(intent)) {
      steps.push({ members: [i], intent });
      return;
    }
    const shape = shapeOf(intent);
    const members = [...(pending.get(shape) ?? []), i];
    if (last.get(shape) === i) steps.push({ members, intent });
    else pending.set(shape, members);
  });
  return steps;
}

// ---------------------------------------------------------------------------------------------
// Committer 1: plain statements in a transaction.

/**
 * Write the unit's intents in the caller's transaction, one statement each, in order, with Refs
 * replaced by the values the earlier statements returned; then the caller commits and runs the
 * hooks (`runAfterCommit`). Inside PGlite's single connection this is the only committer.
 */
export async function commitInTransaction(tx: Executor, unit: UnitOfWork): Promise<Committed> {
  const rows: Array<Record<string, unknown> | undefined> = [];
  await writeSteps(tx, unit, 0, rows);
  unit.seal();
  return committedView(unit, (ref) => rowValue(rows, ref));
}

function rowValue(rows: Array<Record<string, unknown> | undefined>, ref: Ref): unknown {
  const row = rows[ref.intent];
  assert(row, 'a Ref names an intent that wrote its row');
  return row[ref.column === CREATED ? 'created' : ref.column];
}

/** Write intents from `from` on, one statement per step, filling `rows` with what they returned. */
async function writeSteps(
  tx: Executor,
  unit: UnitOfWork,
  from: number,
  rows: Array<Record<string, unknown> | undefined>,
): Promise<void> {
  const run = runnerOf(tx);
  const valueOf = (ref: Ref) => rowValue(rows, ref);
  const literal = (value: unknown): unknown =>
    value instanceof Ref
      ? encodeRef(valueOf(value))
      : value instanceof JsonWith
        ? JSON.stringify({
            ...value.base,
            ...Object.fromEntries(Object.entries(value.refs).map(([k, r]) => [k, valueOf(r)])),
          })
        : value;
  for (const { members, intent } of planOf(unit, from)) {
    const index = members[members.length - 1]!;
    if (intent.when && valueOf(intent.when) !== true) continue;
    if (intent.kind === 'notify') {
      await run(plainSql`SELECT pg_notify(${intent.values[0]!.value}, ${intent.values[1]!.value})`);
      continue;
    }
    const tuples = members.map((m) => {
      const params = unit.intents[m]!.values.map((v) => param(literal(v.value), v.info.sqlType));
      return plainSql`(${plainSql.join(params, plainSql`, `)})`;
    });
    const statement = plainSql`${insertHead(intent)} VALUES ${plainSql.join(tuples, plainSql`, `)}${conflictTail(intent)}${returningTail(intent)}`;
    const [row] = await run<Record<string, unknown>>(statement);
    rows[index] = row ?? {};
  }
}

/**
 * A unit inside a transaction it was opened with (Units.run): `tx` for the module's reads and
 * its own-table updates, intents written at flush() and before commit, hooks after commit.
 */
export class TransactionUnit extends UnitOfWork {
  private flushed = 0;
  private readonly rows: Array<Record<string, unknown> | undefined> = [];

  constructor(
    bus: EventBus<DomainEvent>,
    readonly tx: Tx,
    /** joined to a transaction the caller owns (Units.join): it cannot run after-commit hooks */
    private readonly joined = false,
  ) {
    super(bus);
  }

  override afterCommit(hook: () => void | Promise<void>): void {
    assert(
      !this.joined,
      "a unit joined to a caller's transaction cannot run after-commit hooks: use Units.run",
    );
    super.afterCommit(hook);
  }

  /** Write the intents added so far (a later read in `tx` sees them). */
  async flush(): Promise<void> {
    const from = this.flushed;
    this.flushed = this.intents.length;
    await writeSteps(this.tx, this, from, this.rows);
  }

  /** A column an already flushed intent wrote. */
  written<T>(ref: Ref<T>): T {
    return committedView(this, (r) => rowValue(this.rows, r)).value(ref);
  }
}

/** Opens units: in a transaction of their own (run), or for the grouped path (begin). */
export class Units {
  constructor(
    private readonly db: Db,
    readonly bus: EventBus<DomainEvent>,
  ) {}

  /** A unit for one grouped statement (groupedPart): no transaction, no reads. */
  begin(): UnitOfWork {
    return new UnitOfWork(this.bus);
  }

  /**
   * A unit inside a transaction the caller opened and commits (the dispatch steps, booking): its
   * intents are written at flush(), which the caller must call before its transaction ends; it
   * refuses after-commit hooks, since it cannot know when (or whether) the caller commits.
   */
  join(tx: Executor): TransactionUnit {
    return new TransactionUnit(this.bus, tx as Tx, true);
  }

  /** `work` in a transaction with a unit: its intents commit with the transaction, then its hooks run. */
  async run<T>(work: (unit: TransactionUnit) => Promise<T>): Promise<T> {
    let unit: TransactionUnit | undefined;
    const result = await this.db.transaction(async (tx) => {
      unit = new TransactionUnit(this.bus, tx);
      const value = await work(unit);
      await unit.flush();
      unit.seal();
      return value;
    });
    await runAfterCommit(unit!);
    return result;
  }
}

/** After the transaction committed: the unit's hooks, in order. */
export async function runAfterCommit(unit: UnitOfWork): Promise<void> {
  for (const hook of unit.hooks) await hook();
}

function encodeRef(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

// ---------------------------------------------------------------------------------------------
// Committer 2: one statement (ADR 0034).

/**
 * The unit as one part of a grouped statement: every intent a CTE named for its position and the
 * part's tag, Refs as scalar subqueries of earlier CTEs, conditions as WHERE on an INSERT … SELECT.
 * The part's answer row holds `answer`'s columns (from unconditional intents).
 */
export function groupedPart(unit: UnitOfWork, answer: ReadonlyArray<Ref>): StatementPart {
  unit.seal();
  for (const ref of answer) {
    const source = unit.intents[ref.intent];
    assert(source && source.when === undefined, 'the answer reads unconditional intents');
    source.returning.add(ref.column);
  }
  const cte = (index: number, tag: string) => plainSql.raw(`w${index}${tag}`);
  const reference = (ref: Ref, tag: string) =>
    plainSql`(SELECT ${plainSql.raw(ref.column === CREATED ? 'created' : ref.column)} FROM ${cte(ref.intent, tag)})`;
  const expression = (value: unknown, sqlType: string, tag: string): SQL => {
    if (value instanceof Ref) return reference(value, tag);
    if (value instanceof JsonWith) {
      const members = Object.entries(value.refs).map(
        ([key, ref]) => plainSql`${key}::text, ${reference(ref, tag)}`,
      );
      return plainSql`${JSON.stringify(value.base)}::jsonb || jsonb_build_object(${plainSql.join(members, plainSql`, `)})`;
    }
    return param(value, sqlType);
  };
  const sources = [...new Set(answer.map((ref) => ref.intent))];
  return {
    conflictKeys: unit.conflictKeys,
    ctes(tag) {
      const parts = planOf(unit).map(({ members, intent }) => {
        const i = members[members.length - 1]!;
        if (intent.kind === 'notify')
          return plainSql`${cte(i, tag)} AS (SELECT pg_notify(${intent.values[0]!.value}::text, ${intent.values[1]!.value}::text))`;
        const tuples = members.map(
          (m) =>
            plainSql`(${plainSql.join(
              unit.intents[m]!.values.map((v) => expression(v.value, v.info.sqlType, tag)),
              plainSql`, `,
            )})`,
        );
        const body = intent.when
          ? plainSql`SELECT ${plainSql.join(
              intent.values.map((v) => expression(v.value, v.info.sqlType, tag)),
              plainSql`, `,
            )} WHERE ${reference(intent.when, tag)}`
          : plainSql`VALUES ${plainSql.join(tuples, plainSql`, `)}`;
        return plainSql`${cte(i, tag)} AS (${insertHead(intent)} ${body}${conflictTail(intent)}${returningTail(intent)})`;
      });
      return plainSql.join(parts, plainSql`, `);
    },
    select(tag, index) {
      const columns = answer.map(
        (ref, k) =>
          plainSql`, ${cte(ref.intent, tag)}.${plainSql.raw(ref.column === CREATED ? 'created' : ref.column)} AS a${plainSql.raw(String(k))}`,
      );
      const from = sources.map((i) => cte(i, tag));
      return plainSql`SELECT ${index}::integer AS batch_index${plainSql.join(columns)}${
        from.length > 0 ? plainSql` FROM ${plainSql.join(from, plainSql`, `)}` : plainSql``
      }`;
    },
  };
}

/** The answer row of a grouped part, read through the unit's handles. */
export function groupedAnswer(
  unit: UnitOfWork,
  answer: ReadonlyArray<Ref>,
  row: Record<string, unknown>,
): Committed {
  const positions = new Map<string, number>();
  answer.forEach((ref, k) => positions.set(`${ref.intent}:${ref.column}`, k));
  return committedView(unit, (ref) => {
    const k = positions.get(`${ref.intent}:${ref.column}`);
    assert(k !== undefined, `the answer does not hold ${ref.column}`);
    return row[`a${k}`];
  });
}

/** Run a grouped part on its own (no group): the same text as a group of one. */
export async function runGrouped(run: Runner, part: StatementPart): Promise<Record<string, unknown>> {
  return runPart<{ batch_index: number } & Record<string, unknown>>(run, part);
}

function committedView(unit: UnitOfWork, raw: (ref: Ref) => unknown): Committed {
  return {
    value<T>(ref: Ref<T>): T {
      const value = raw(ref);
      if (ref.column === CREATED) return value as T;
      const info = unit.intents[ref.intent]!.table!;
      for (const column of info.byKey.values())
        if (column.name === ref.column)
          return (value === null ? null : column.column.mapFromDriverValue(value)) as T;
      return value as T;
    },
    row<T extends PgTable>(handle: RowHandle<T>) {
      const intent = unit.intents[handle.intent]!;
      const out: Record<string, unknown> = {};
      for (const column of intent.table!.byKey.values()) {
        if (!intent.returning.has(column.name)) continue;
        const value = raw(new Ref(handle.intent, column.name, column.sqlType));
        out[column.key] =
          value === null || value === undefined ? value : column.column.mapFromDriverValue(value);
      }
      return out as Partial<Answer<T>>;
    },
  };
}

function insertHead(intent: Intent): SQL {
  const names = intent.values.map((v) => v.info.name).join(', ');
  return plainSql.raw(`INSERT INTO ${intent.table!.name} (${names})`);
}

function conflictTail(intent: Intent): SQL {
  if (!intent.conflict) return plainSql``;
  const target = intent.conflict.target.map((c) => c.name).join(', ');
  const set = intent.conflict.update.map((c) => `${c.name} = EXCLUDED.${c.name}`).join(', ');
  return plainSql.raw(` ON CONFLICT (${target}) DO UPDATE SET ${set}`);
}

function returningTail(intent: Intent): SQL {
  const columns = [...intent.returning].map((c) => (c === CREATED ? '(xmax = 0) AS created' : c));
  return columns.length > 0 ? plainSql.raw(` RETURNING ${columns.join(', ')}`) : plainSql``;
}

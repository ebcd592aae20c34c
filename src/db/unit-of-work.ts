// The unit of work: one write set per transaction (ADR 0069). Modules contribute typed row intents
// (intents.ts: insert, upsert, each returning a handle whose columns later intents may use),
// domain events (each becomes an outbox row, and its subscribers add their own intents to the same
// unit) and after-commit hooks; committers.ts renders them as plain statements in a transaction or
// as one grouped statement. Stores build intents from their own tables; no module hands SQL to
// another.
import type { PgTable } from 'drizzle-orm/pg-core';
import { assert } from '../kernel/index.ts';
import type { Db, Executor, Tx } from './client.ts';
import { committedView, rowValue, writeSteps } from './committers.ts';
import { outbox } from './infra-schema.ts';
import {
  CREATED,
  driverValue,
  HexBytes,
  type Insert,
  type Intent,
  JsonWith,
  Ref,
  type RowHandle,
  type RowValues,
  type Select,
  nextHead,
  type TableInfo,
  tableInfo,
  type UpsertHandle,
} from './intents.ts';

export { commitInTransaction, type Committed, groupedAnswer, groupedPart } from './committers.ts';
export { jsonWith, JsonWith, Ref, type RowHandle, type RowValues, type UpsertHandle } from './intents.ts';

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
    const handle = this.add('upsert', table, row, conflictColumns(info, conflict.target, conflict.update));
    return new UpsertRowHandle<T>(handle.intent, this.intents[handle.intent]!);
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
    this.intents.push({
      kind: 'notify',
      table: null,
      head: null,
      values: [channel, payload],
      returning: new Set(),
      signature: 'N',
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
    let head = info.root;
    const values: unknown[] = [];
    // What of the values shapes the SQL text (committers.ts): a Ref, JSON with Refs, bytes.
    let marks = '';
    for (const key in row) {
      const value = (row as Record<string, unknown>)[key];
      if (value === undefined) continue;
      head = nextHead(info, head, key);
      if (value instanceof Ref) {
        this.use(value);
        marks += `;${values.length}R${value.intent}.${value.column}`;
        values.push(value);
      } else if (value instanceof JsonWith) {
        marks += `;${values.length}J`;
        for (const name in value.refs) {
          const ref = value.refs[name]!;
          this.use(ref);
          marks += `${ref.intent}.${ref.column},`;
        }
        values.push(value);
      } else {
        const driver = driverValue(head.columns[values.length]!, value);
        if (driver instanceof HexBytes) marks += `;${values.length}H`;
        values.push(driver);
      }
    }
    if (when) this.use(when);
    const index = this.intents.length;
    let signature = `${kind === 'insert' ? 'I' : 'U'}${head.id}`;
    if (conflict) signature += `c${conflict.id}`;
    if (when) signature += `w${when.intent}.${when.column}`;
    const intent: Intent = {
      kind,
      table: info,
      head,
      values,
      returning: new Set(),
      signature: signature + marks,
    };
    if (conflict) intent.conflict = conflict;
    if (when) intent.when = when;
    this.intents.push(intent);
    return new IntentRowHandle<T>(index, intent);
  }

  private use(ref: Ref): void {
    const source = this.intents[ref.intent];
    assert(source && source.kind !== 'notify', 'a Ref names an earlier row intent');
    assert(source.when === undefined, 'a conditional intent may not feed another: it may write nothing');
    source.returning.add(ref.column);
  }
}

/** A row intent's handle (a class, not a closure per intent: the submission adds a dozen). */
class IntentRowHandle<T extends PgTable> implements RowHandle<T> {
  constructor(
    readonly intent: number,
    protected readonly source: Intent,
  ) {}

  col<K extends keyof Select<T> & string>(key: K): Ref<Select<T>[K]> {
    const info = this.source.table!;
    const column = info.byKey.get(key);
    // the message is built only on failure (a hot path)
    if (!column) assert(false, `${info.name} has no column ${key}`);
    this.source.returning.add(column.name);
    return new Ref(this.intent, column.name, column.sqlType);
  }
}

class UpsertRowHandle<T extends PgTable> extends IntentRowHandle<T> implements UpsertHandle<T> {
  get created(): Ref<boolean> {
    this.source.returning.add(CREATED);
    return new Ref<boolean>(this.intent, CREATED, 'boolean');
  }
}

/**
 * An upsert's conflict columns, looked up once per table and column lists (callers pass the same
 * lists on every submission).
 */
const conflictCache = new WeakMap<TableInfo, Map<string, NonNullable<Intent['conflict']>>>();
let conflictIds = 0;

function conflictColumns(
  info: TableInfo,
  target: ReadonlyArray<string>,
  update: ReadonlyArray<string>,
): NonNullable<Intent['conflict']> {
  let byLists = conflictCache.get(info);
  if (!byLists) {
    byLists = new Map();
    conflictCache.set(info, byLists);
  }
  const key = `${target.join(',')}|${update.join(',')}`;
  let found = byLists.get(key);
  if (!found) {
    const column = (name: string) => {
      const c = info.byKey.get(name);
      if (!c) assert(false, `${info.name} has no column ${name}`);
      return c;
    };
    found = { id: ++conflictIds, target: target.map(column), update: update.map(column) };
    byLists.set(key, found);
  }
  return found;
}

/**
 * A unit inside a transaction it was opened with (Units.run): `tx` for the module's reads and
 * its own-table updates, intents written at flush() and before commit, hooks after commit.
 */
export class TransactionUnit extends UnitOfWork {
  private flushed = 0;
  private readonly steps: Array<(unit: TransactionUnit) => Promise<void>> = [];
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

  /**
   * For a subscriber that must read before it writes (ADR 0069 foresaw one; detection's contact
   * subscriber is the first, ADR 0076): `step` runs in this unit's transaction at the next flush,
   * before the intents are written. It may read through `tx`, add intents and publish events; what
   * it does commits with the unit or not at all. Only a TransactionUnit has one: the grouped path
   * cannot read, and the subscriber asserts which unit it was given.
   */
  beforeFlush(step: (unit: TransactionUnit) => Promise<void>): void {
    this.steps.push(step);
  }

  /** Write the intents added so far (a later read in `tx` sees them). */
  async flush(): Promise<void> {
    // Steps may add steps (an event they publish); each runs once, in the order added.
    for (let step = this.steps.shift(); step !== undefined; step = this.steps.shift()) await step(this);
    const from = this.flushed;
    this.flushed = this.intents.length;
    await writeSteps(this.tx, this, from, this.rows);
  }

  /** A column an already flushed intent wrote. */
  written<T>(ref: Ref<T>): T {
    return committedView(this, (intent, column) => rowValue(this.rows, intent, column)).value(ref);
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

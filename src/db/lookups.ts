// The read before a write (ADR 0069): modules name the scalar values they need — "the id of the
// customer with this key", "that customer's last funder" — as typed lookups on their own tables,
// and one statement reads them all (a grouped read on the API's path, ADR 0034). A lookup may use
// another's value; the renderer nests the subquery. No module writes SQL for another's table.
import type { Column, SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { assert } from '../kernel/index.ts';
import { type ColumnInfo, tableInfo } from './intents.ts';
import type { SqlWriter } from './render.ts';
import type { StatementPart } from './statement-groups.ts';

/** A value the lookup statement reads. */
export class LookupRef<T = unknown> {
  declare readonly _type: T;
  constructor(readonly index: number) {}
}

interface Lookup {
  /** everything its text depends on (statement-groups.ts: the text cache) */
  readonly shape: string;
  /** writes the scalar subquery; `nested` writes another lookup's */
  render(out: SqlWriter, nested: (ref: LookupRef) => void): void;
  decode(value: unknown): unknown;
}

type Select<T extends PgTable> = T['$inferSelect'];

/** `(SELECT column FROM table WHERE a = $n AND b = (another lookup))`: a class, not closures per lookup. */
class ScalarLookup implements Lookup {
  constructor(
    readonly shape: string,
    private readonly head: string,
    private readonly selected: Column,
    private readonly conditions: ReadonlyArray<{ name: string; info: ColumnInfo; value: unknown }>,
  ) {}

  render(out: SqlWriter, nested: (ref: LookupRef) => void): void {
    out.text(this.head);
    this.conditions.forEach((c, i) => {
      out.text(i === 0 ? `${c.name} = ` : ` AND ${c.name} = `);
      if (c.value instanceof LookupRef) nested(c.value);
      else out.param(c.info.toDriver === null ? c.value : c.info.toDriver(c.value), c.info.sqlType);
    });
    out.text(')');
  }

  decode(value: unknown): unknown {
    return value === null || value === undefined ? null : this.selected.mapFromDriverValue(value);
  }
}

class CustomLookup<T> implements Lookup {
  constructor(
    readonly shape: string,
    private readonly fragment: SQL,
    readonly decode: (value: unknown) => T,
  ) {}

  render(out: SqlWriter): void {
    out.sql(this.fragment);
  }
}

export class Lookups {
  private readonly lookups: Lookup[] = [];

  /**
   * The `column` of the row of `table` whose columns equal `where` (at most one row: a unique key);
   * NULL when there is none.
   */
  scalar<T extends PgTable, K extends keyof Select<T> & string>(
    table: T,
    column: K,
    where: {
      [C in keyof Select<T>]?: Select<T>[C] | LookupRef<Select<T>[C]> | LookupRef<Select<T>[C] | null>;
    },
  ): LookupRef<Select<T>[K] | null> {
    const info = tableInfo(table);
    const selected = info.byKey.get(column);
    // the message is built only on failure (a hot path)
    if (!selected) assert(false, `${info.name} has no column ${column}`);
    let shape = `S${info.name}.${selected.name}(`;
    const conditions: Array<{ name: string; info: ColumnInfo; value: unknown }> = [];
    for (const key in where) {
      const value = (where as Record<string, unknown>)[key];
      const filter = info.byKey.get(key);
      // the message is built only on failure (a hot path)
      if (!filter) assert(false, `${info.name} has no column ${key}`);
      conditions.push({ name: filter.name, info: filter, value });
      shape += value instanceof LookupRef ? `${filter.name}=L${value.index},` : `${filter.name}=p,`;
    }
    const head = `(SELECT ${selected.name} FROM ${info.name} WHERE `;
    return this.add(new ScalarLookup(`${shape})`, head, selected.column, conditions)) as LookupRef<
      Select<T>[K] | null
    >;
  }

  /**
   * @internal for db/ only (the idempotency record): a scalar subquery db/ renders itself. `shape`
   * names the fragment's text (the same shape, the same text, whatever its parameters).
   */
  custom<T>(shape: string, render: SQL, decode: (value: unknown) => T): LookupRef<T> {
    return this.add(new CustomLookup(`C${JSON.stringify(shape)}`, render, decode)) as LookupRef<T>;
  }

  private add(lookup: Lookup): LookupRef {
    this.lookups.push(lookup);
    return new LookupRef(this.lookups.length - 1);
  }

  /** The lookups as one part of a grouped read (or a statement of its own through runPart). */
  part(): StatementPart {
    let shape = 'lookups:';
    for (const lookup of this.lookups) shape += `${lookup.shape.length}:${lookup.shape}`;
    return {
      shape,
      select: (out, _tag, index) => {
        const render = (ref: LookupRef): void => this.lookups[ref.index]!.render(out, render);
        out.text('SELECT ').param(index, 'integer').text(' AS batch_index');
        this.lookups.forEach((lookup, i) => {
          out.text(', ');
          lookup.render(out, render);
          out.text(` AS l${i}`);
        });
      },
    };
  }

  /** What the statement read, by ref. */
  read(row: Record<string, unknown>): <T>(ref: LookupRef<T>) => T {
    return <T>(ref: LookupRef<T>) => this.lookups[ref.index]!.decode(row[`l${ref.index}`]) as T;
  }
}

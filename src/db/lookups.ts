// The read before a write (ADR 0069): modules name the scalar values they need — "the id of the
// customer with this key", "that customer's last funder" — as typed lookups on their own tables,
// and one statement reads them all (a grouped read on the API's path, ADR 0034). A lookup may use
// another's value; the renderer nests the subquery. No module writes SQL for another's table.
import type { SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { assert } from '../kernel/index.ts';
import { tableInfo } from './intents.ts';
import type { SqlText } from './render.ts';
import type { StatementPart } from './statement-groups.ts';

/** A value the lookup statement reads. */
export class LookupRef<T = unknown> {
  declare readonly _type: T;
  constructor(readonly index: number) {}
}

interface Lookup {
  /** writes the scalar subquery; `nested` writes another lookup's */
  render(out: SqlText, nested: (ref: LookupRef) => void): void;
  decode(value: unknown): unknown;
}

type Select<T extends PgTable> = T['$inferSelect'];

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
    const selected = info.byKey.get(column)?.column;
    // the message is built only on failure (a hot path)
    if (!selected) assert(false, `${info.name} has no column ${column}`);
    const conditions = Object.entries(where).map(([key, value]) => {
      const filter = info.byKey.get(key);
      // the message is built only on failure (a hot path)
      if (!filter) assert(false, `${info.name} has no column ${key}`);
      return { name: filter.name, sqlType: filter.sqlType, value, column: filter.column };
    });
    const head = `(SELECT ${selected.name} FROM ${info.name} WHERE `;
    return this.add({
      render: (out, nested) => {
        out.text(head);
        conditions.forEach((c, i) => {
          out.text(i === 0 ? `${c.name} = ` : ` AND ${c.name} = `);
          if (c.value instanceof LookupRef) nested(c.value);
          else out.param(c.column.mapToDriverValue(c.value), c.sqlType);
        });
        out.text(')');
      },
      decode: (value) => (value === null || value === undefined ? null : selected.mapFromDriverValue(value)),
    }) as LookupRef<Select<T>[K] | null>;
  }

  /** @internal for db/ only (the idempotency record): a scalar subquery db/ renders itself. */
  custom<T>(render: SQL, decode: (value: unknown) => T): LookupRef<T> {
    return this.add({ render: (out) => out.sql(render), decode }) as LookupRef<T>;
  }

  private add(lookup: Lookup): LookupRef {
    this.lookups.push(lookup);
    return new LookupRef(this.lookups.length - 1);
  }

  /** The lookups as one part of a grouped read (or a statement of its own through runPart). */
  part(): StatementPart {
    return {
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

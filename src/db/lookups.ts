// The read before a write (ADR 0069): modules name the scalar values they need — "the id of the
// customer with this key", "that customer's last funder" — as typed lookups on their own tables,
// and one statement reads them all (a grouped read on the API's path, ADR 0034). A lookup may use
// another's value; the renderer nests the subquery. No module writes SQL for another's table.
import type { SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { assert } from '../kernel/index.ts';
import { tableInfo } from './intents.ts';
import { plainSql } from './render.ts';
import type { StatementPart } from './statement-groups.ts';

/** A value the lookup statement reads. */
export class LookupRef<T = unknown> {
  declare readonly _type: T;
  constructor(readonly index: number) {}
}

interface Lookup {
  render(nested: (ref: LookupRef) => SQL): SQL;
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
    assert(selected, `${info.name} has no column ${column}`);
    const conditions = Object.entries(where).map(([key, value]) => {
      const filter = info.byKey.get(key);
      assert(filter, `${info.name} has no column ${key}`);
      return { name: filter.name, sqlType: filter.sqlType, value, column: filter.column };
    });
    const name = info.name;
    return this.add({
      render: (nested) =>
        plainSql`(SELECT ${plainSql.raw(selected.name)} FROM ${plainSql.raw(name)} WHERE ${plainSql.join(
          conditions.map(
            (c) =>
              plainSql`${plainSql.raw(c.name)} = ${
                c.value instanceof LookupRef
                  ? nested(c.value)
                  : plainSql`${c.column.mapToDriverValue(c.value)}::${plainSql.raw(c.sqlType)}`
              }`,
          ),
          plainSql` AND `,
        )})`,
      decode: (value) => (value === null || value === undefined ? null : selected.mapFromDriverValue(value)),
    }) as LookupRef<Select<T>[K] | null>;
  }

  /** @internal for db/ only (the idempotency record): a scalar subquery db/ renders itself. */
  custom<T>(render: SQL, decode: (value: unknown) => T): LookupRef<T> {
    return this.add({ render: () => render, decode }) as LookupRef<T>;
  }

  private add(lookup: Lookup): LookupRef {
    this.lookups.push(lookup);
    return new LookupRef(this.lookups.length - 1);
  }

  /** The lookups as one part of a grouped read (or a statement of its own through runPart). */
  part(): StatementPart {
    const rendered = new Map<number, SQL>();
    const render = (ref: LookupRef): SQL => {
      let sql = rendered.get(ref.index);
      if (!sql) {
        sql = this.lookups[ref.index]!.render(render);
        rendered.set(ref.index, sql);
      }
      return sql;
    };
    return {
      select: (_tag, index) =>
        plainSql`SELECT ${index}::integer AS batch_index${plainSql.join(
          this.lookups.map((_, i) => plainSql`, ${render(new LookupRef(i))} AS l${plainSql.raw(String(i))}`),
        )}`,
    };
  }

  /** What the statement read, by ref. */
  read(row: Record<string, unknown>): <T>(ref: LookupRef<T>) => T {
    return <T>(ref: LookupRef<T>) => this.lookups[ref.index]!.decode(row[`l${ref.index}`]) as T;
  }
}

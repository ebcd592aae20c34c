// renderSql must give exactly drizzle's text and parameters, or step aside (undefined).
import { SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { applicationBody } from '../../test/support/fixtures.ts';
import { createHarness } from '../../test/support/harness.ts';
import { applications } from '../intake/schema.ts';
import { plainSql, renderSql } from './render.ts';

const dialect = new PgDialect();
const drizzles = (statement: SQL) => {
  const { sql: text, params } = dialect.sqlToQuery(statement);
  return { sql: text, params };
};

describe('renderSql', () => {
  it('matches drizzle on text, nesting, joins, raw names and every kind of parameter', () => {
    const nested = sql`(SELECT id FROM customer WHERE key = ${'k'} AND n = ${42})`;
    const statements: SQL[] = [
      sql`SELECT 1`,
      sql`SELECT ${null}::text, ${true}, ${1.5}, ${'two'}, ${10n}`,
      sql`INSERT INTO t (a) SELECT ${sql.param(['a', 'b'])}::text[] WHERE ${nested}`,
      sql`WITH x AS (${nested})${sql.join(
        [1, 2, 3].map((i) => sql`, ${sql.raw(`c_${i}`)} AS (SELECT ${i})`),
      )} SELECT ${undefined} * FROM x`,
      sql`VALUES ${sql.join([sql`(${1}, ${'a'})`, sql`(${2}, ${'b'})`], sql`, `)}`,
      sql``,
    ];
    for (const statement of statements) expect(renderSql(statement)).toEqual(drizzles(statement));
  });

  it('plainSql builds the same statements as sql, and drizzle renders them the same', () => {
    const build = (tag: typeof sql | typeof plainSql) => {
      const inner = tag`(SELECT id FROM ${tag.raw('customer_0')} WHERE key = ${'k'})`;
      return tag`WITH ${tag.join([tag`a AS (SELECT ${1})`, tag`b AS (SELECT ${null})`], tag`, `)} SELECT ${inner}, ${tag.param(['x'])}::text[]`;
    };
    const ours = build(plainSql);
    const theirs = build(sql);
    expect(ours).toBeInstanceOf(SQL);
    expect(drizzles(ours)).toEqual(drizzles(theirs));
    expect(renderSql(ours)).toEqual(drizzles(theirs));
  });

  it('steps aside for what it does not render: tables, columns, inlined parameters, lists, dates', () => {
    expect(renderSql(sql`SELECT * FROM ${applications}`)).toBeUndefined();
    expect(renderSql(sql`SELECT ${applications.id}`)).toBeUndefined();
    expect(renderSql(sql`SELECT ${'x'}`.inlineParams())).toBeUndefined();
    expect(renderSql(sql`SELECT ${[1, 2] as unknown as SQL}`)).toBeUndefined();
    expect(renderSql(sql`SELECT ${sql.param(new Date(0))}`)).toBeUndefined();
  });

  it('renders every statement a submission runs exactly as drizzle does', async () => {
    const h = await createHarness('pglite');
    try {
      const seen: SQL[] = [];
      const run = h.database.run;
      h.database.run = (query) => {
        seen.push(query);
        return run(query);
      };
      const response = await h.call('POST', '/v1/applications', applicationBody(), {
        headers: { 'idempotency-key': 'render-1' },
      });
      expect(response.status).toBe(201);
      expect(seen.length).toBe(2);
      for (const statement of seen) {
        const ours = renderSql(statement);
        expect(ours).toBeDefined();
        expect(ours).toEqual(drizzles(statement));
      }
    } finally {
      await h.close();
    }
  });
});

// Grouped statements: under concurrency parts share statements, every part gets its own answer, a
// failing part costs the others nothing (the group is retried one part per statement), and parts
// with a common conflict key never share a statement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, freshDatabase, type TestDatabase } from '../../test/support/engines.ts';
import { renderSql } from './render.ts';
import { groupStatement, type StatementPart, StatementGroups } from './statement-groups.ts';

type Row = { batch_index: number; id: number; note: string };

/** A part that inserts (id, note) and answers with the row; ids are unique in the table. */
function insertPart(id: number, note: string, conflictKeys: string[] = []): StatementPart {
  return {
    conflictKeys,
    ctes: (out, tag) => {
      out.text(`ins${tag} AS (INSERT INTO group_probe (id, note) VALUES (`).param(id).text(', ');
      out.param(note).text(') RETURNING id, note)');
    },
    select: (out, tag, index) => {
      out.text('SELECT ').param(index, 'integer').text(` AS batch_index, id, note FROM ins${tag}`);
    },
  };
}

describe.each(ENGINES)('statement groups on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(engine);
    await database.query('CREATE TABLE group_probe (id integer PRIMARY KEY, note text NOT NULL)');
  });
  afterAll(async () => database?.close());

  it('a group of one is the same statement text every time (prepared once)', () => {
    const a = renderSql(groupStatement([insertPart(1, 'a')]))!;
    const b = renderSql(groupStatement([insertPart(2, 'b')]))!;
    expect(a.sql).toBe(b.sql);
    expect(a.params).not.toEqual(b.params);
    const pair = renderSql(groupStatement([insertPart(1, 'a'), insertPart(2, 'b')]))!;
    expect(pair.sql).toContain('ins_0');
    expect(pair.sql).toContain('ins_1');
    expect(pair.sql).toContain('UNION ALL');
  });

  it('parts waiting together share statements, each with its own answer', async () => {
    const groups = new StatementGroups<Row>(database.run, { maxBatch: 8, maxInFlight: 1 });
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => groups.run(insertPart(100 + i, `n${i}`))),
    );
    expect(answers.map((row) => [Number(row.id), row.note])).toEqual(
      Array.from({ length: 40 }, (_, i) => [100 + i, `n${i}`]),
    );
    expect(groups.stats.parts).toBe(40);
    expect(groups.stats.statements).toBeLessThan(40); // the first runs alone, the rest in groups of ≤ 8
    expect(groups.stats.statements).toBeGreaterThanOrEqual(40 / 8);
    const [count] = await database.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM group_probe WHERE id BETWEEN 100 AND 139',
    );
    expect(count!.n).toBe(40);
  });

  it('a failing part fails alone: the rest of its group is written, nothing of it is', async () => {
    await database.query(`INSERT INTO group_probe (id, note) VALUES (207, 'taken')`);
    const groups = new StatementGroups<Row>(database.run, { maxBatch: 16, maxInFlight: 1 });
    const settled = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => groups.run(insertPart(200 + i, `m${i}`))),
    );
    expect(settled.filter((s) => s.status === 'rejected').map((_, i) => i)).toHaveLength(1);
    expect(settled[7]!.status).toBe('rejected');
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(11);
    expect(groups.stats.retriedAlone).toBeGreaterThan(0);
    const rows = await database.query<{ id: number; note: string }>(
      'SELECT id, note FROM group_probe WHERE id BETWEEN 200 AND 211 ORDER BY id',
    );
    expect(rows.map((r) => r.note)).toEqual([
      ...Array.from({ length: 7 }, (_, i) => `m${i}`),
      'taken',
      ...Array.from({ length: 4 }, (_, i) => `m${8 + i}`),
    ]);
  });

  it('parts with a common conflict key never share a statement', async () => {
    const seen: number[] = [];
    const run: typeof database.run = async (query) => {
      const rows = await database.run<Row>(query);
      seen.push(rows.length);
      return rows as never;
    };
    const groups = new StatementGroups<Row>(run, { maxBatch: 16, maxInFlight: 1 });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => groups.run(insertPart(300 + i, `k${i}`, ['same']))),
    );
    expect(seen.every((n) => n === 1)).toBe(true);
    expect(seen).toHaveLength(10);
  });
});

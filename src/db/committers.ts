// The two committers of a unit of work (ADR 0069), rendering the same intents:
//   - commitInTransaction / writeSteps: one plain statement per intent, in order, in a transaction;
//   - groupedPart: the whole unit as CTEs of one statement (ADR 0034), which StatementGroups may
//     share with other units. All CTE rendering lives here and in statement-groups.ts.
import type { SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { assert } from '../kernel/index.ts';
import { type Executor, runnerOf } from './client.ts';
import { CREATED, HexBytes, type Intent, JsonWith, Ref, type RowHandle, type Select } from './intents.ts';
import { plainSql } from './render.ts';
import type { StatementPart } from './statement-groups.ts';
import type { UnitOfWork } from './unit-of-work.ts';

/** A typed parameter: `$n::type`, or decode($n, 'hex') for bytes. */
function param(value: unknown, sqlType: string): SQL {
  return value instanceof HexBytes
    ? plainSql`decode(${value.hex}::text, 'hex')`
    : plainSql`${value}::${plainSql.raw(sqlType)}`;
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

export function rowValue(rows: Array<Record<string, unknown> | undefined>, ref: Ref): unknown {
  const row = rows[ref.intent];
  assert(row, 'a Ref names an intent that wrote its row');
  return row[ref.column === CREATED ? 'created' : ref.column];
}

/** Write intents from `from` on, one statement per step, filling `rows` with what they returned. */
export async function writeSteps(
  tx: Executor,
  unit: UnitOfWork,
  from: number,
  rows: Array<Record<string, unknown> | undefined>,
): Promise<void> {
  const run = runnerOf(tx);
  const written = (ref: Ref) => rowValue(rows, ref);
  const literal = (value: unknown): unknown =>
    value instanceof Ref
      ? encodeRef(written(value))
      : value instanceof JsonWith
        ? JSON.stringify({
            ...value.base,
            ...Object.fromEntries(Object.entries(value.refs).map(([k, r]) => [k, written(r)])),
          })
        : value;
  for (const { members, intent } of planOf(unit, from)) {
    const index = members[members.length - 1]!;
    if (intent.when && written(intent.when) !== true) continue;
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
  answer.forEach((ref, k) => {
    positions.set(`${ref.intent}:${ref.column}`, k);
  });
  return committedView(unit, (ref) => {
    const k = positions.get(`${ref.intent}:${ref.column}`);
    assert(k !== undefined, `the answer does not hold ${ref.column}`);
    return row[`a${k}`];
  });
}

export function committedView(unit: UnitOfWork, raw: (ref: Ref) => unknown): Committed {
  return {
    value<T>(ref: Ref<T>): T {
      const value = raw(ref);
      if (ref.column === CREATED) return value as T;
      const column = unit.intents[ref.intent]!.table!.byName.get(ref.column);
      return (value === null || !column ? value : column.column.mapFromDriverValue(value)) as T;
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

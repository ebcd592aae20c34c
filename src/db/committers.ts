// The two committers of a unit of work (ADR 0069), rendering the same intents:
//   - commitInTransaction / writeSteps: one plain statement per intent, in order, in a transaction;
//   - groupedPart: the whole unit as CTEs of one statement (ADR 0034), which StatementGroups may
//     share with other units. All CTE rendering lives here and in statement-groups.ts.
import type { PgTable } from 'drizzle-orm/pg-core';
import { assert } from '../kernel/index.ts';
import { type Executor, runnerOf } from './client.ts';
import { CREATED, HexBytes, type Intent, JsonWith, Ref, type RowHandle, type Select } from './intents.ts';
import { SqlText } from './render.ts';
import type { StatementPart } from './statement-groups.ts';
import type { UnitOfWork } from './unit-of-work.ts';

/** A typed parameter: `$n::type`, or decode($n, 'hex') for bytes. */
function param(out: SqlText, value: unknown, sqlType: string): void {
  if (value instanceof HexBytes) out.text('decode(').param(value.hex, 'text').text(", 'hex')");
  else out.param(value, sqlType);
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
  const shapeOf = insertHead;
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
    const out = new SqlText();
    if (intent.kind === 'notify') {
      out
        .text('SELECT pg_notify(')
        .param(intent.values[0]!.value)
        .text(', ')
        .param(intent.values[1]!.value)
        .text(')');
      await run(out.statement());
      continue;
    }
    out.text(insertHead(intent)).text(' VALUES ');
    members.forEach((m, k) => {
      out.text(k === 0 ? '(' : ', (');
      unit.intents[m]!.values.forEach((v, j) => {
        if (j > 0) out.text(', ');
        param(out, literal(v.value), v.info.sqlType);
      });
      out.text(')');
    });
    out.text(conflictTail(intent)).text(returningTail(intent));
    const [row] = await run<Record<string, unknown>>(out.statement());
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
  const column = (ref: Ref) => (ref.column === CREATED ? 'created' : ref.column);
  const sources = [...new Set(answer.map((ref) => ref.intent))];
  return {
    conflictKeys: unit.conflictKeys,
    ctes(out, tag) {
      const reference = (ref: Ref) => out.text(`(SELECT ${column(ref)} FROM w${ref.intent}${tag})`);
      const expression = (value: unknown, sqlType: string): void => {
        if (value instanceof Ref) reference(value);
        else if (value instanceof JsonWith) {
          out.param(JSON.stringify(value.base), 'jsonb').text(' || jsonb_build_object(');
          let k = 0;
          for (const key in value.refs) {
            if (k++ > 0) out.text(', ');
            out.param(key, 'text').text(', ');
            reference(value.refs[key]!);
          }
          out.text(')');
        } else param(out, value, sqlType);
      };
      const row = (intent: Intent) => {
        intent.values.forEach((v, j) => {
          if (j > 0) out.text(', ');
          expression(v.value, v.info.sqlType);
        });
      };
      planOf(unit).forEach(({ members, intent }, step) => {
        const i = members[members.length - 1]!;
        if (step > 0) out.text(', ');
        out.text(`w${i}${tag} AS (`);
        if (intent.kind === 'notify') {
          out.text('SELECT pg_notify(').param(intent.values[0]!.value, 'text').text(', ');
          out.param(intent.values[1]!.value, 'text').text('))');
          return;
        }
        out.text(insertHead(intent));
        if (intent.when) {
          out.text(' SELECT ');
          row(intent);
          out.text(' WHERE ');
          reference(intent.when);
        } else {
          out.text(' VALUES ');
          members.forEach((m, k) => {
            out.text(k === 0 ? '(' : ', (');
            row(unit.intents[m]!);
            out.text(')');
          });
        }
        out.text(conflictTail(intent)).text(returningTail(intent)).text(')');
      });
    },
    select(out, tag, index) {
      out.text('SELECT ').param(index, 'integer').text(' AS batch_index');
      answer.forEach((ref, k) => {
        out.text(`, w${ref.intent}${tag}.${column(ref)} AS a${k}`);
      });
      if (sources.length > 0) out.text(` FROM ${sources.map((i) => `w${i}${tag}`).join(', ')}`);
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
    // the message is built only on failure (a hot path)
    if (k === undefined) assert(false, `the answer does not hold ${ref.column}`);
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

function insertHead(intent: Intent): string {
  if (intent.shape === undefined) {
    const names = intent.values.map((v) => v.info.name).join(', ');
    intent.shape = `INSERT INTO ${intent.table!.name} (${names})`;
  }
  return intent.shape;
}

function conflictTail(intent: Intent): string {
  const conflict = intent.conflict;
  if (!conflict) return '';
  if (conflict.tail === undefined) {
    const target = conflict.target.map((c) => c.name).join(', ');
    const set = conflict.update.map((c) => `${c.name} = EXCLUDED.${c.name}`).join(', ');
    conflict.tail = ` ON CONFLICT (${target}) DO UPDATE SET ${set}`;
  }
  return conflict.tail;
}

function returningTail(intent: Intent): string {
  const columns = [...intent.returning].map((c) => (c === CREATED ? '(xmax = 0) AS created' : c));
  return columns.length > 0 ? ` RETURNING ${columns.join(', ')}` : '';
}

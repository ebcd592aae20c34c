// The two committers of a unit of work (ADR 0069), rendering the same intents:
//   - commitInTransaction / writeSteps: one plain statement per intent, in order, in a transaction;
//   - groupedPart: the whole unit as CTEs of one statement (ADR 0034), which StatementGroups may
//     share with other units. All CTE rendering lives here and in statement-groups.ts.
import type { PgTable } from 'drizzle-orm/pg-core';
import { assert } from '../kernel/index.ts';
import { type Executor, runnerOf } from './client.ts';
import {
  CREATED,
  type Head,
  HexBytes,
  type Intent,
  JsonWith,
  Ref,
  type RowHandle,
  type Select,
} from './intents.ts';
import { SqlText, type SqlWriter } from './render.ts';
import type { StatementPart } from './statement-groups.ts';
import type { UnitOfWork } from './unit-of-work.ts';

/** A typed parameter: `$n::type`, or decode($n, 'hex') for bytes. */
function param(out: SqlWriter, value: unknown, sqlType: string): void {
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
  // mergeable intents are row intents: they have a head (table and columns), the shape they share
  const last = new Map<Head, number>();
  const intents = unit.intents;
  for (let i = from; i < intents.length; i++) {
    const intent = intents[i]!;
    if (mergeable(intent)) last.set(intent.head!, i);
  }
  const pending = new Map<Head, number[]>();
  const steps: Step[] = [];
  for (let i = from; i < intents.length; i++) {
    const intent = intents[i]!;
    if (!mergeable(intent)) {
      steps.push({ members: [i], intent });
      continue;
    }
    const head = intent.head!;
    const members = pending.get(head) ?? [];
    members.push(i);
    if (last.get(head) === i) steps.push({ members, intent });
    else pending.set(head, members);
  }
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
  return committedView(unit, (intent, column) => rowValue(rows, intent, column));
}

export function rowValue(
  rows: Array<Record<string, unknown> | undefined>,
  intent: number,
  column: string,
): unknown {
  const row = rows[intent];
  assert(row, 'a Ref names an intent that wrote its row');
  return row[column === CREATED ? 'created' : column];
}

/** Write intents from `from` on, one statement per step, filling `rows` with what they returned. */
export async function writeSteps(
  tx: Executor,
  unit: UnitOfWork,
  from: number,
  rows: Array<Record<string, unknown> | undefined>,
): Promise<void> {
  const run = runnerOf(tx);
  const written = (ref: Ref) => rowValue(rows, ref.intent, ref.column);
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
      out.text('SELECT pg_notify(').param(intent.values[0]).text(', ').param(intent.values[1]).text(')');
      await run(out.statement());
      continue;
    }
    out.text(intent.head!.text).text(' VALUES ');
    const columns = intent.head!.columns;
    members.forEach((m, k) => {
      out.text(k === 0 ? '(' : ', (');
      unit.intents[m]!.values.forEach((value, j) => {
        if (j > 0) out.text(', ');
        param(out, literal(value), columns[j]!.sqlType);
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
 *
 * The part's `shape` is everything its text depends on but the tag and index — each intent's
 * signature (kind, table and columns, conflict, condition, which values are Refs, JSON with Refs
 * or bytes) and returned columns, and the answer — so the group's text can be taken from the
 * cache (statement-groups.ts) and only the parameters written (ParamsOnly, through this same code).
 */
export function groupedPart(unit: UnitOfWork, answer: ReadonlyArray<Ref>): StatementPart {
  unit.seal();
  for (const ref of answer) {
    const source = unit.intents[ref.intent];
    assert(source && source.when === undefined, 'the answer reads unconditional intents');
    source.returning.add(ref.column);
  }
  const steps = planOf(unit);
  return {
    conflictKeys: unit.conflictKeys,
    shape: shapeOf(unit, answer),
    ctes: (out, tag) => writeCtes(out, tag, unit, steps),
    select: (out, tag, index) => writeSelect(out, tag, index, answer),
  };
}

/** The part's shape key (see groupedPart): one line per intent, then the answer. */
function shapeOf(unit: UnitOfWork, answer: ReadonlyArray<Ref>): string {
  let shape = '';
  for (const intent of unit.intents) {
    shape += intent.signature;
    shape += '|';
    for (const column of intent.returning) shape += `${column},`;
    shape += '\n';
  }
  shape += '#';
  for (const ref of answer) shape += `${ref.intent}.${ref.column},`;
  return shape;
}

function answerColumn(ref: Ref): string {
  return ref.column === CREATED ? 'created' : ref.column;
}

function writeReference(out: SqlWriter, tag: string, ref: Ref): void {
  out.text(`(SELECT ${answerColumn(ref)} FROM w${ref.intent}${tag})`);
}

function writeExpression(out: SqlWriter, tag: string, value: unknown, sqlType: string): void {
  if (value instanceof Ref) writeReference(out, tag, value);
  else if (value instanceof JsonWith) {
    out.param(JSON.stringify(value.base), 'jsonb').text(' || jsonb_build_object(');
    let k = 0;
    for (const key in value.refs) {
      if (k++ > 0) out.text(', ');
      out.param(key, 'text').text(', ');
      writeReference(out, tag, value.refs[key]!);
    }
    out.text(')');
  } else param(out, value, sqlType);
}

function writeRow(out: SqlWriter, tag: string, intent: Intent): void {
  const columns = intent.head!.columns;
  const values = intent.values;
  for (let j = 0; j < values.length; j++) {
    if (j > 0) out.text(', ');
    writeExpression(out, tag, values[j], columns[j]!.sqlType);
  }
}

function writeCtes(out: SqlWriter, tag: string, unit: UnitOfWork, steps: readonly Step[]): void {
  steps.forEach(({ members, intent }, step) => {
    const i = members[members.length - 1]!;
    if (step > 0) out.text(', ');
    out.text(`w${i}${tag} AS (`);
    if (intent.kind === 'notify') {
      out.text('SELECT pg_notify(').param(intent.values[0], 'text').text(', ');
      out.param(intent.values[1], 'text').text('))');
      return;
    }
    out.text(intent.head!.text);
    if (intent.when) {
      out.text(' SELECT ');
      writeRow(out, tag, intent);
      out.text(' WHERE ');
      writeReference(out, tag, intent.when);
    } else {
      out.text(' VALUES ');
      members.forEach((m, k) => {
        out.text(k === 0 ? '(' : ', (');
        writeRow(out, tag, unit.intents[m]!);
        out.text(')');
      });
    }
    out.text(conflictTail(intent)).text(returningTail(intent)).text(')');
  });
}

function writeSelect(out: SqlWriter, tag: string, index: number, answer: ReadonlyArray<Ref>): void {
  out.text('SELECT ').param(index, 'integer').text(' AS batch_index');
  answer.forEach((ref, k) => {
    out.text(`, w${ref.intent}${tag}.${answerColumn(ref)} AS a${k}`);
  });
  const sources = [...new Set(answer.map((ref) => ref.intent))];
  if (sources.length > 0) out.text(` FROM ${sources.map((i) => `w${i}${tag}`).join(', ')}`);
}

/** The answer row of a grouped part, read through the unit's handles. */
export function groupedAnswer(
  unit: UnitOfWork,
  answer: ReadonlyArray<Ref>,
  row: Record<string, unknown>,
): Committed {
  // A dozen refs: a scan finds one faster than a map keyed by a string made per lookup.
  return committedView(unit, (intent, column) => {
    for (let k = 0; k < answer.length; k++) {
      const ref = answer[k]!;
      if (ref.intent === intent && ref.column === column) return row[ANSWER_NAMES[k] ?? `a${k}`];
    }
    // the message is built only on failure (a hot path)
    return assert(false, `the answer does not hold ${column}`);
  });
}

/** `a0`, `a1`, …: the answer's column names, made once. */
const ANSWER_NAMES = Array.from({ length: 64 }, (_, k) => `a${k}`);

export function committedView(unit: UnitOfWork, raw: (intent: number, column: string) => unknown): Committed {
  return {
    value<T>(ref: Ref<T>): T {
      const value = raw(ref.intent, ref.column);
      if (ref.column === CREATED) return value as T;
      const column = unit.intents[ref.intent]!.table!.byName.get(ref.column);
      return (value === null || !column ? value : column.column.mapFromDriverValue(value)) as T;
    },
    row<T extends PgTable>(handle: RowHandle<T>) {
      const intent = unit.intents[handle.intent]!;
      const out: Record<string, unknown> = {};
      for (const column of intent.table!.byKey.values()) {
        if (!intent.returning.has(column.name)) continue;
        const value = raw(handle.intent, column.name);
        out[column.key] =
          value === null || value === undefined ? value : column.column.mapFromDriverValue(value);
      }
      return out as Partial<Answer<T>>;
    },
  };
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

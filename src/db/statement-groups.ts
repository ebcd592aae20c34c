// Group commit for statements that are atomic on their own (intake's submission: one statement
// writes everything). Under load, the statements waiting while earlier ones run share the next
// one, each part under its own names (a group of CTEs, one answer row each, told apart by
// `batch_index`), so PostgreSQL parses, plans, executes and commits (one WAL flush) once for the
// group instead of once each, and a few connections carry the load. Nothing waits to form a group:
// a statement that finds a free slot runs at once, alone (ADR 0034).
//
// A group is all or nothing, so one failing part (a concurrent repeat of an Idempotency-Key losing
// the unique index, a constraint) would fail the others: a failed group is retried one part per
// statement, and each gets its own answer. Parts that would touch the same row in one statement
// (the same customer, the same Idempotency-Key) never share one: the later waits for the next group.
import { ParamsOnly, renderedStatement, SqlText, type SqlWriter } from './render.ts';
import type { SQL } from 'drizzle-orm';
import type { Runner } from './client.ts';
import { assert } from '../kernel/index.ts';

/** One part of a grouped statement. */
export interface StatementPart {
  /** parts sharing any key never share a statement */
  conflictKeys?: readonly string[];
  /**
   * Everything the part's text depends on but `tag` and `index`: parts with equal shapes write the
   * same text for the same tag and index, whatever their parameters. With it, a group's text is
   * taken from a cache and only the parameters are written; without it, the text is written anew.
   */
  shape?: string;
  /** writes the part's CTEs, every name suffixed with `tag` (no leading WITH or comma); none for a read */
  ctes?(out: SqlWriter, tag: string): void;
  /** writes the SELECT of the part's answer row (exactly one), with `batch_index` = index */
  select(out: SqlWriter, tag: string, index: number): void;
}

export interface GroupOptions {
  /** most parts in one statement (default 16) */
  maxBatch?: number;
  /** most statements in flight at once (default 2: one per core on the benchmark machine) */
  maxInFlight?: number;
}

export const DEFAULT_MAX_BATCH = 16;
export const DEFAULT_MAX_IN_FLIGHT = 2;

/**
 * Group texts by their parts' shapes (in order). A submission's statement is ~3,000 characters a
 * part and only its parameters change; the texts in use are a few dozen (one per group size and
 * mix of shapes), so when the cache is full it starts again rather than tracking use.
 */
const texts = new Map<string, string>();
export const MAX_CACHED_TEXTS = 256;

/** The cache key of a group: its parts' shapes, each length-prefixed (no separator to collide with). */
function groupKey(parts: readonly StatementPart[]): string | undefined {
  let key = '';
  for (const part of parts) {
    if (part.shape === undefined) return undefined;
    key += `${part.shape.length}:${part.shape}`;
  }
  return key;
}

/** The statement of a group: every part's CTEs, then one answer row each. */
export function groupStatement(parts: readonly StatementPart[]): SQL {
  assert(parts.length > 0, 'a group has a part');
  const key = groupKey(parts);
  const known = key === undefined ? undefined : texts.get(key);
  if (known !== undefined) {
    const params = new ParamsOnly();
    writeGroup(params, parts);
    return renderedStatement({ sql: known, params: params.params });
  }
  const out = new SqlText();
  writeGroup(out, parts);
  const rendered = out.rendered();
  if (key !== undefined) {
    if (texts.size >= MAX_CACHED_TEXTS) texts.clear();
    texts.set(key, rendered.sql);
  }
  return renderedStatement(rendered);
}

/** @internal for tests: forget the cached texts. */
export function clearCachedTexts(): void {
  texts.clear();
}

/** Text and parameters, or the parameters only: the same writing either way. */
function writeGroup(out: SqlWriter, parts: readonly StatementPart[]): void {
  let first = true;
  parts.forEach((part, i) => {
    if (!part.ctes) return;
    out.text(first ? 'WITH ' : ', ');
    first = false;
    part.ctes(out, `_${i}`);
  });
  if (!first) out.text(' ');
  parts.forEach((part, i) => {
    if (i > 0) out.text(' UNION ALL ');
    part.select(out, `_${i}`, i);
  });
}

/** One part in a statement of its own (the same text as a group of one). */
export async function runPart<R extends { batch_index: number }>(
  run: Runner,
  part: StatementPart,
): Promise<R> {
  const [row] = await run<R>(groupStatement([part]));
  assert(row && Number(row.batch_index) === 0, 'the statement answers its part');
  return row;
}

interface Waiting<R> {
  part: StatementPart;
  resolve: (row: R) => void;
  reject: (error: unknown) => void;
}

export class StatementGroups<R extends { batch_index: number }> {
  private readonly waiting: Waiting<R>[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  /** statements run and parts in them (for the benchmark's notes) */
  readonly stats = { statements: 0, parts: 0, retriedAlone: 0 };

  constructor(
    private readonly runner: Runner,
    options: GroupOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    assert(Number.isInteger(this.maxBatch) && this.maxBatch >= 1, 'maxBatch is a positive integer');
    assert(Number.isInteger(this.maxInFlight) && this.maxInFlight >= 1, 'maxInFlight is a positive integer');
  }

  run(part: StatementPart): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ part, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const group = this.takeGroup();
      this.inFlight++;
      void this.writeGroup(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** The oldest waiting parts that can share a statement, up to maxBatch, in arrival order. */
  private takeGroup(): Waiting<R>[] {
    const group: Waiting<R>[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < this.waiting.length && group.length < this.maxBatch; ) {
      const candidate = this.waiting[i]!;
      const conflicts = candidate.part.conflictKeys ?? [];
      if (conflicts.some((key) => keys.has(key))) {
        i++;
        continue;
      }
      for (const key of conflicts) keys.add(key);
      group.push(candidate);
      this.waiting.splice(i, 1);
    }
    return group;
  }

  private async writeGroup(group: Waiting<R>[]): Promise<void> {
    this.stats.statements++;
    this.stats.parts += group.length;
    let rows: R[];
    try {
      rows = await this.runner<R>(groupStatement(group.map((w) => w.part)));
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      // All or nothing: nothing of the group was written. Each alone, each with its own answer.
      this.stats.retriedAlone += group.length;
      await Promise.all(
        group.map(async (waiting) => {
          try {
            waiting.resolve(await runPart<R>(this.runner, waiting.part));
          } catch (alone) {
            waiting.reject(alone);
          }
        }),
      );
      return;
    }
    const byIndex = new Map(rows.map((row) => [Number(row.batch_index), row]));
    group.forEach((waiting, i) => {
      const row = byIndex.get(i);
      if (row) waiting.resolve(row);
      else waiting.reject(new Error(`the group statement returned no row for part ${i}`));
    });
  }
}

// SQL text and parameters from a drizzle `sql` template, for the hot statements (Database.run).
// drizzle's own builder (dialect.sqlToQuery) checks every chunk against a dozen entity kinds by
// walking prototype chains; on the submission's statement (~60 parameters, ~130 chunks) that was
// ~0.12 ms of the API's CPU per submission. The hot statements use only text, nested templates and
// parameters, so this walks exactly those and hands anything else back to drizzle (undefined).
import { Param, SQL, StringChunk, sql } from 'drizzle-orm';

export interface RenderedSql {
  sql: string;
  params: unknown[];
}

/** The statement as drizzle would render it for PostgreSQL ($1, $2, …), or undefined if it holds other chunks. */
export function renderSql(query: SQL): RenderedSql | undefined {
  if (query instanceof RenderedStatement) return query.rendered;
  const params: unknown[] = [];
  const parts: string[] = [];
  return walk(query, parts, params) ? { sql: parts.join(''), params } : undefined;
}

/** Where a hot statement is written: SqlText (text and parameters), or ParamsOnly. */
export interface SqlWriter {
  text(piece: string): this;
  param(value: unknown, cast?: string): this;
  sql(fragment: SQL): this;
}

/** A parameter as the driver takes it: a drizzle Param (an array) unwrapped as drizzle would. */
function driverParam(value: unknown): unknown {
  return value instanceof Param
    ? value.value === null
      ? null
      : value.encoder.mapToDriverValue(value.value)
    : value;
}

/**
 * A statement written as text and parameters directly, for the grouped path's hot statements
 * (committers.ts, lookups.ts): no tree of SQL objects to allocate and walk per submission. The
 * numbering ($1, $2, …) follows the order of writing, as drizzle's does the order of chunks.
 */
export class SqlText implements SqlWriter {
  readonly parts: string[] = [];
  readonly params: unknown[] = [];

  text(piece: string): this {
    this.parts.push(piece);
    return this;
  }

  /** `$n`, or `$n::cast`; a drizzle Param (an array) is unwrapped as drizzle would. */
  param(value: unknown, cast?: string): this {
    this.params.push(driverParam(value));
    this.parts.push(placeholder(this.params.length, cast ?? ''));
    return this;
  }

  /** A drizzle fragment of text, nested templates and parameters, numbered on from here. */
  sql(fragment: SQL): this {
    const ok = walk(fragment, this.parts, this.params);
    if (!ok) throw new Error('SqlText.sql takes text, nested templates and parameters only');
    return this;
  }

  /** The text and parameters written. */
  rendered(): RenderedSql {
    return { sql: this.parts.join(''), params: this.params };
  }

  /** The statement, for Database.run (renderSql hands its text and parameters over as they are). */
  statement(): SQL {
    return new RenderedStatement(this.rendered());
  }
}

/**
 * The same writing with the text left out: the parameters, in the order SqlText numbers them, for
 * a statement whose text is known already (statement-groups.ts: the text cache). Whoever writes
 * through it must write exactly what it writes through SqlText.
 */
export class ParamsOnly implements SqlWriter {
  readonly params: unknown[] = [];
  private readonly discarded: string[] = [];

  text(_piece: string): this {
    return this;
  }

  param(value: unknown, _cast?: string): this {
    this.params.push(driverParam(value));
    return this;
  }

  sql(fragment: SQL): this {
    this.discarded.length = 0;
    const ok = walk(fragment, this.discarded, this.params);
    if (!ok) throw new Error('SqlText.sql takes text, nested templates and parameters only');
    return this;
  }
}

/** A statement from text and parameters already rendered (Database.run hands them over as they are). */
export function renderedStatement(rendered: RenderedSql): SQL {
  return new RenderedStatement(rendered);
}

/** `$n` and `$n::cast` strings, made once: a grouped submission statement writes ~1,000 of them. */
const placeholders = new Map<string, string[]>();
const PLACEHOLDER_CACHE_MAX = 4096;

function placeholder(n: number, cast: string): string {
  if (n > PLACEHOLDER_CACHE_MAX) return cast === '' ? `$${n}` : `$${n}::${cast}`;
  let list = placeholders.get(cast);
  if (!list) {
    list = [];
    placeholders.set(cast, list);
  }
  let text = list[n];
  if (text === undefined) {
    text = cast === '' ? `$${n}` : `$${n}::${cast}`;
    list[n] = text;
  }
  return text;
}

function walk(query: SQL, parts: string[], params: unknown[]): boolean {
  if ((query as unknown as { shouldInlineParams: boolean }).shouldInlineParams) return false;
  for (const chunk of query.queryChunks as unknown[]) {
    if (chunk instanceof StringChunk) {
      for (const piece of chunk.value) parts.push(piece);
    } else if (chunk instanceof SQL) {
      if (!walk(chunk, parts, params)) return false;
    } else if (chunk === undefined) {
      // drizzle renders nothing for it
    } else if (chunk === null || typeof chunk !== 'object') {
      if (typeof chunk === 'function' || typeof chunk === 'symbol') return false;
      params.push(chunk);
      parts.push(`$${params.length}`);
    } else if (chunk instanceof Param) {
      const value = chunk.value === null ? null : chunk.encoder.mapToDriverValue(chunk.value);
      if (value instanceof SQL || (value !== null && typeof value === 'object' && !Array.isArray(value)))
        return false;
      params.push(value);
      parts.push(`$${params.length}`);
    } else return false; // a table, column, placeholder, array list…: drizzle's builder knows them
  }
  return true;
}

/**
 * drizzle's SQL without the constructor's scan of every chunk for tables (a prototype walk per
 * chunk, ~40 µs a submission): for the hot statements' fragments, which never name a drizzle
 * table or column (they are raw SQL text and parameters). Everything else about it is drizzle's.
 */
class PlainSQL extends SQL {
  constructor(chunks: unknown[]) {
    super([]);
    (this as unknown as { queryChunks: unknown[] }).queryChunks = chunks;
  }
}

/**
 * A statement SqlText already rendered. Database.run hands its text over as it is (renderSql);
 * drizzle's own executor (a transaction's tx.execute) numbers chunks itself, so for it the text is
 * split back into text and Param chunks — lazily, since the grouped path never needs them.
 */
class RenderedStatement extends PlainSQL {
  constructor(readonly rendered: RenderedSql) {
    super([]);
    let chunks: unknown[] | undefined;
    Object.defineProperty(this, 'queryChunks', {
      get: () => {
        chunks ??= chunksOf(rendered);
        return chunks;
      },
    });
  }
}

function chunksOf(rendered: RenderedSql): unknown[] {
  const chunks: unknown[] = [];
  const pieces = rendered.sql.split(/\$(\d+)/);
  for (let i = 0; i < pieces.length; i++) {
    if (i % 2 === 0) chunks.push(new StringChunk(pieces[i]!));
    else chunks.push(new Param(rendered.params[Number(pieces[i]) - 1]));
  }
  return chunks;
}

/** The `sql` template tag for plain fragments: the same chunks as drizzle's, built without the scan. */
export function plainSql(strings: TemplateStringsArray, ...params: unknown[]): SQL {
  const chunks: unknown[] = [];
  if (params.length > 0 || (strings.length > 0 && strings[0] !== ''))
    chunks.push(new StringChunk(strings[0]!));
  for (let i = 0; i < params.length; i++) chunks.push(params[i], new StringChunk(strings[i + 1]!));
  return new PlainSQL(chunks);
}

/** sql.raw for plain fragments. */
plainSql.raw = (text: string): SQL => new PlainSQL([new StringChunk(text)]);

/** sql.join for plain fragments. */
plainSql.join = (parts: readonly SQL[], separator?: SQL): SQL => {
  const chunks: unknown[] = [];
  parts.forEach((part, i) => {
    if (i > 0 && separator !== undefined) chunks.push(separator);
    chunks.push(part);
  });
  return new PlainSQL(chunks);
};

/** sql.param for plain fragments (drizzle's own Param). */
plainSql.param = sql.param;

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
  const params: unknown[] = [];
  const parts: string[] = [];
  return walk(query, parts, params) ? { sql: parts.join(''), params } : undefined;
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

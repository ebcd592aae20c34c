// One SQL dialect, two engines: embedded PGlite (zero setup, data under SHOUJIA_DATA_DIR) or a
// PostgreSQL server (DATABASE_URL). Same drizzle schema, same migrations, same queries.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import { type PgDatabase, PgDialect, type PgQueryResultHKT, type PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { type DataDirLock, lockDataDir } from './lock.ts';
import { initialiseDataDirInChild, needsInitdb, PGLITE_EMBEDDED_CONF } from './pglite-memory.ts';
import { renderSql } from './render.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything queries can run on: the database or an open transaction. */
export type Executor = Db | Tx;

/** Runs one SQL statement and returns its rows (timestamps as the driver gives them: Date or text). */
export type Runner = <T = Record<string, unknown>>(query: SQL) => Promise<T[]>;

/** A Runner on an executor: inside a transaction, its statements run in that transaction. */
export function runnerOf(executor: Executor): Runner {
  return async <T>(query: SQL) => ((await executor.execute(query)) as unknown as { rows: T[] }).rows;
}

const dialect = new PgDialect();
/** Statement names by text: a handful of hot statements, each prepared once per connection. */
const statementNames = new Map<string, string>();
const MAX_NAMED_STATEMENTS = 64;

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `sj_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../drizzle');

export interface Database {
  db: Db;
  engine: 'pglite' | 'postgres';
  /** Run raw SQL outside drizzle (tests, triggers checks, benchmarks). Returns rows. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /**
   * One statement on its own (autocommit: atomic by itself), outside any transaction. On PostgreSQL
   * it runs as a named prepared statement, parsed and planned once per connection: for the hot
   * paths whose statement text is the same every time (the submission's two statements). Texts
   * beyond the first MAX_NAMED_STATEMENTS run unnamed. Never call it while a PGlite transaction is
   * open (one connection: it would wait for the transaction forever).
   */
  run: Runner;
  /**
   * Several statements in one text, without parameters (a library's own migrations and locked
   * blocks: pg-boss, ADR 0082), as one simple-protocol round trip; the last statement's rows.
   */
  script<T = Record<string, unknown>>(text: string): Promise<T[]>;
  /** PostgreSQL: the server's URL (for connections of a module's own, e.g. LISTEN); PGlite: undefined */
  url?: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… to use a server; absent for embedded PGlite. */
  url?: string;
  /** PGlite data directory; 'memory://' for a throwaway in-memory database. */
  dataDir?: string;
  /** node-postgres pool size (server mode). */
  poolMax?: number;
  /**
   * Connections kept for `run` (server mode; default 4): the grouped hot statements, so each
   * connection prepares and plans them once and serves them from then on.
   */
  runPoolMax?: number;
  /**
   * PGlite data directory: the lock already taken on it (the service takes it before checking its
   * port); the database releases it on close. Absent: openDatabase takes it itself.
   */
  lock?: DataDirLock;
}

/** What a lock holder is running, for the message another process gets: `demo`, `ledger audit`. */
function commandLine(): string {
  return process.argv.slice(2).join(' ').slice(0, 100) || 'node';
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax ?? 10,
    });
    // Surface connection loss as a logged pool error, not an unhandled 'error' crash.
    pool.on('error', () => {});
    const runPool = new pg.Pool({ connectionString: options.url, max: options.runPoolMax ?? 4 });
    runPool.on('error', () => {});
    const db = drizzleNodePg(pool, { schema }) as unknown as Db;
    await migrateNodePg(db as never, { migrationsFolder: MIGRATIONS_DIR });
    return {
      db,
      engine: 'postgres',
      async query(text, params) {
        const result = await pool.query(text, params as unknown[]);
        return result.rows;
      },
      async run<T>(query: SQL) {
        const { sql: text, params } = renderSql(query) ?? dialect.sqlToQuery(query);
        const name = statementName(text);
        const result = await runPool.query({ ...(name ? { name } : {}), text, values: params });
        return result.rows as T[];
      },
      async script<T>(text: string) {
        const result = (await pool.query(text)) as unknown as { rows: T[] } | Array<{ rows: T[] }>;
        return Array.isArray(result) ? (result.at(-1)?.rows ?? []) : result.rows;
      },
      url: options.url,
      close: async () => {
        await Promise.all([pool.end(), runPool.end()]);
      },
    };
  }
  const dataDir = options.dataDir ?? 'memory://';
  let lock: DataDirLock | undefined;
  if (!dataDir.startsWith('memory://')) {
    mkdirSync(dataDir, { recursive: true });
    // Before PGlite touches the directory: a second process must write nothing (ADR 0067).
    lock = options.lock ?? (await lockDataDir(dataDir, { command: commandLine() }));
  }
  const onDisk = !dataDir.startsWith('memory://');
  let client: PGlite;
  try {
    // initdb in a child gives its memory back; our instance runs with small buffers (ADR 0068).
    if (onDisk && needsInitdb(dataDir)) initialiseDataDirInChild(dataDir);
    client = new PGlite(dataDir, onDisk ? { postgresqlconf: PGLITE_EMBEDDED_CONF } : {});
  } catch (error) {
    lock?.release();
    throw error;
  }
  let db: Db;
  try {
    await client.waitReady;
    db = drizzlePglite(client, { schema }) as unknown as Db;
    await migratePglite(db as never, { migrationsFolder: MIGRATIONS_DIR });
  } catch (error) {
    lock?.release();
    throw error;
  }
  return {
    db,
    engine: 'pglite',
    async query(text, params) {
      const result = await client.query(text, params as unknown[]);
      return result.rows as never;
    },
    async run<T>(query: SQL) {
      const { sql: text, params } = renderSql(query) ?? dialect.sqlToQuery(query);
      return (await client.query(text, params)).rows as T[];
    },
    async script<T>(text: string) {
      return ((await client.exec(text)).at(-1)?.rows ?? []) as T[];
    },
    close: async () => {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

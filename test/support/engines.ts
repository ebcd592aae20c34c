// The storage engines every storage test runs on: embedded PGlite always, and the PostgreSQL server
// when SHOUJIA_TEST_PG_URL is set (CI sets it). Each suite gets a fresh database of its own.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db/client.ts';

export type Engine = 'pglite' | 'postgres';

export const PG_URL = process.env.SHOUJIA_TEST_PG_URL;
export const ENGINES: Engine[] = PG_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase extends Database {
  /** postgres only: the URL of this suite's own database (for second processes) */
  url?: string;
}

/** A fresh, migrated database on the given engine; close() also drops it (postgres). */
export async function freshDatabase(
  engine: Engine,
  options: { poolMax?: number } = {},
): Promise<TestDatabase> {
  if (engine === 'pglite') return openDatabase({ dataDir: 'memory://' });
  if (!PG_URL) throw new Error('SHOUJIA_TEST_PG_URL is not set');
  const name = `shoujia_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolMax: options.poolMax ?? 5 });
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      const dropper = new pg.Client({ connectionString: PG_URL });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

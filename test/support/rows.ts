// Row counts of every table a request writes in its own transaction, to check that a refused
// request stored nothing. The table list is read from the database, so a new table is counted too.
import type { Harness } from './harness.ts';

/**
 * Tables filled by background workers after an earlier, accepted request (the ledger integrator,
 * the outbox relay): counting them would make a refusal look like a write.
 */
const BACKGROUND_TABLES = new Set([
  'ledger_leaves',
  'ledger_nodes',
  'ledger_checkpoints',
  'ledger_pending',
  'outbox',
  '__drizzle_migrations',
]);

let cachedSql: string | undefined;

/** table name → row count, for every request-written table of the public schema. */
export async function tableRows(h: Pick<Harness, 'database' | 'services'>): Promise<Record<string, number>> {
  // Routing's flow counts land in routing_funder_usage 250 ms after the submissions they count
  // (ADR 0073), creating a funder's row for the month if it had none: settle them first.
  await h.services.routing.flowWritten();
  if (!cachedSql) {
    const tables = await h.database.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    const names = tables.map((t) => t.name).filter((name) => !BACKGROUND_TABLES.has(name));
    cachedSql = `SELECT ${names.map((name) => `(SELECT count(*)::int FROM "${name}") AS "${name}"`).join(', ')}`;
  }
  const [row] = await h.database.query<Record<string, number>>(cachedSql);
  return row!;
}

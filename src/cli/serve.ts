// `shoujia serve` (no demo data) and `shoujia demo` (what `npm start` runs).
import { ConfigError, loadConfig } from '../config.ts';
import { DataDirLockedError } from '../db/lock.ts';
import { PortUnavailableError, startServer } from '../http/server.ts';
import type { Command } from './main.ts';

const ENVIRONMENT = `Environment:
  PORT                          port to listen on (default 8080)
  HOST                          address to bind (default 127.0.0.1)
  DATABASE_URL                  postgres://… to use a PostgreSQL server; absent: embedded PGlite
  SHOUJIA_DATA_DIR              embedded data directory (default ./.shoujia/data)
  SHOUJIA_MASTER_KEY            64 hex characters; absent in embedded mode: generated once and stored in the data dir
  SHOUJIA_BOOTSTRAP_ADMIN_KEY   if set, an admin API key with exactly this secret exists after start
  SHOUJIA_LEDGER_ORIGIN         ledger checkpoint origin line (default shoujia.local/ledger)
  SHOUJIA_LEDGER_SIGNING_KEY    ledger checkpoint key: 64 hex characters (Ed25519 seed); absent: derived from the master key
  SHOUJIA_LEDGER_INTEGRATE_MS   ledger integration and checkpoint interval in ms (default 1000)
  SHOUJIA_RELAY_MINT            1: mint synthetic relay addresses when the pool is empty (default: demo 1, serve 0)
  SHOUJIA_METRICS               0: no /metrics (Prometheus text on the service port, no API key; default 1)
  LOG_LEVEL                     pino level (default info)`;

async function run(demo: boolean): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`shoujia: ${error.message}`);
      return 2;
    }
    throw error;
  }
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config, { demo, handleSignals: true });
  } catch (error) {
    // Expected refusals: one line and exit 1, nothing opened or written (ADR 0067).
    if (error instanceof DataDirLockedError) {
      console.error(`shoujia: ${error.message}; stop it first, or set SHOUJIA_DATA_DIR to another directory`);
      return 1;
    }
    if (error instanceof PortUnavailableError) {
      console.error(`shoujia: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const lines = [
    '',
    `  守家 Shoujia is running at ${server.url}  (${server.services.database.engine})`,
    `  API docs:  ${server.url}/docs`,
    `  Health:    ${server.url}/health`,
  ];
  if (server.adminKey)
    lines.push(
      `  Admin API key: ${server.adminKey}`,
      `  Try: curl -H "Authorization: Bearer ${server.adminKey}" ${server.url}/v1/funders`,
    );
  else if (!(await server.services.access.hasLiveAdmin(server.services.database.db)))
    lines.push(
      `  No admin API key yet (SHOUJIA_BOOTSTRAP_ADMIN_KEY is unset): create one with \`shoujia keys create --role admin\`${server.services.database.engine === 'pglite' ? ' after stopping the service (the embedded store takes one process)' : ''}, or set SHOUJIA_BOOTSTRAP_ADMIN_KEY and restart`,
    );
  console.log(lines.join('\n') + '\n');
  // Keep running until a signal stops the server.
  await new Promise<void>(() => {});
  return 0;
}

export const serveCommand: Command = {
  summary: 'run the service (no demo data)',
  usage: `Usage: shoujia serve\n\n${ENVIRONMENT}`,
  run: () => run(false),
};

export const demoCommand: Command = {
  summary: 'run the service with the demo catalogue and a demo admin key (npm start)',
  usage: `Usage: shoujia demo\n\n${ENVIRONMENT}`,
  run: () => run(true),
};

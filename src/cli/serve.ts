// `shoujia serve` (no demo data) and `shoujia demo` (what `npm start` runs).
import { ConfigError, loadConfig } from '../config.ts';
import { DataDirLockedError } from '../db/lock.ts';
import { PortUnavailableError, startServer } from '../http/server.ts';
import { randomInt } from 'node:crypto';
import { type DemoMarket, runDemoMarket } from '../demo/market.ts';
import { reportProgress } from '../demo/progress.ts';
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
  SHOUJIA_RESCORE_MS            detection rescoring interval in ms (default: demo 30000, serve 300000)
  SHOUJIA_DEMO_MARKET           demo only: 0 runs no market (as --no-market; default 1)
  SHOUJIA_DEMO_SEED             demo only: the market's seed (default: a fresh one, printed)
  LOG_LEVEL                     pino level (default info)`;

async function run(demo: boolean, argv: string[] = []): Promise<number> {
  const unknown = demo ? argv.filter((a) => a !== '--no-market') : [];
  if (unknown.length > 0) {
    console.error(`shoujia ${demo ? 'demo' : 'serve'}: unknown option ${unknown[0]}`);
    return 2;
  }
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
  if (demo && config.demoMarket && !argv.includes('--no-market') && server.adminKey) {
    const seed = config.demoSeed ?? randomInt(0, 2 ** 32);
    let market: DemoMarket;
    try {
      market = await startMarket(server.url, server.adminKey, seed);
    } catch (error) {
      // The service runs on without its market: say why, once.
      console.error(`shoujia demo: the demo market could not start: ${(error as Error).message}`);
      console.log(lines.join('\n') + '\n');
      await new Promise<void>(() => {});
      return 0;
    }
    server.beforeStop(market.stop);
    lines.push(
      '',
      `  仪表盘 Dashboard:  ${server.url}/`,
      `  分析员密钥 Analyst key (sign in with it): ${market.analystKey}`,
      `  演示市场 Demo market (seed ${seed}; SHOUJIA_DEMO_SEED=${seed} replays it):`,
      `    模拟借款人经真实 API 申请，${market.honestFunderIds.length} 家诚信资方与 1 家“谨慎截胡”资方在各自的服务器上审批、放款、还款；`,
      '    金丝雀（神秘借款人）已登记，几分钟内系统应凭证据标记截胡资方。',
      `    Simulated borrowers apply through the real API; ${market.honestFunderIds.length} honest funders and one careful poacher decide, book and repay on their own servers;`,
      '    canaries are registered, and within a few minutes the service should flag the poacher on evidence alone.',
      '    Stop with Ctrl-C.  `shoujia demo --no-market` (or SHOUJIA_DEMO_MARKET=0) runs the service alone.',
    );
    const stopProgress = reportProgress(market, (line) => console.log(line));
    server.beforeStop(async () => stopProgress());
  } else if (demo) {
    lines.push('', `  仪表盘 Dashboard:  ${server.url}/   (演示市场未启动 demo market off)`);
  }
  console.log(lines.join('\n') + '\n');
  // Keep running until a signal stops the server.
  await new Promise<void>(() => {});
  return 0;
}

async function startMarket(url: string, adminKey: string, seed: number): Promise<DemoMarket> {
  return runDemoMarket({
    baseUrl: url,
    adminKey,
    seed,
    log: (line) => console.log(`  ${line}`),
  });
}

export const serveCommand: Command = {
  summary: 'run the service (no demo data)',
  usage: `Usage: shoujia serve\n\n${ENVIRONMENT}`,
  run: (argv) => run(false, argv),
};

export const demoCommand: Command = {
  summary: 'run the service with the demo catalogue and a demo admin key (npm start)',
  usage: `Usage: shoujia demo [--no-market]\n\n  --no-market   the service and the demo catalogue only: no simulated market\n\n${ENVIRONMENT}`,
  run: (argv) => run(true, argv),
};

// Starts the service: config → database (migrated) → services → app → listen. SIGTERM/SIGINT stop
// taking requests, finish in-flight ones, run stop hooks, and close the database.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { seedDemoCatalog } from '../catalog/demo.ts';
import type { Config } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { type DataDirLock, lockDataDir } from '../db/lock.ts';
import { deriveKey } from '../kernel/index.ts';
import { createServices, type Services } from '../services.ts';
import { type App, buildApp } from './app.ts';
import { createLogger } from './logger.ts';

export interface RunningServer {
  app: App;
  services: Services;
  url: string;
  adminKey: string | undefined;
  /** run `hook` first when the server stops, while it still answers (the demo market stops there) */
  beforeStop(hook: () => Promise<void>): void;
  stop(): Promise<void>;
}

/** A stable demo admin key derived from the master key, so restarting the demo keeps the same key. */
export function demoAdminKey(masterKey: Buffer): string {
  return `sj_demo_${deriveKey(masterKey, 'demo-admin-key', 24).toString('base64url')}`;
}

/** The configured port is taken (or not ours to bind): found before the database is opened. */
export class PortUnavailableError extends Error {
  override name = 'PortUnavailableError';
}

/**
 * Bind the port and let it go again, so a busy port is a one-line message before anything is
 * opened or written, not an EADDRINUSE after migrations. Another process could still take the
 * port between this check and the real listen; then the listen fails as before.
 */
export async function checkPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return; // the kernel picks a free one
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'EADDRINUSE'
          ? 'is already in use (another shoujia, or another program)'
          : error.code === 'EACCES'
            ? 'needs privileges this process does not have'
            : `cannot be bound (${error.code ?? error.message})`;
      reject(new PortUnavailableError(`port ${port} on ${host} ${reason}; set PORT to another port`));
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

export async function startServer(
  config: Config,
  options: {
    demo: boolean;
    handleSignals?: boolean;
    /** the dashboard's build (default dist/web); tests pass one they built themselves */
    dashboardDir?: string;
  },
): Promise<RunningServer> {
  const logger = createLogger({ level: config.logLevel });
  // Order matters (ADR 0067): the data directory's lock, then the port, then the database, so a
  // second start on the same directory or port fails having opened and written nothing.
  const pgDir = join(config.dataDir, 'pg');
  let lock: DataDirLock | undefined;
  if (!config.databaseUrl) lock = await lockDataDir(pgDir, { command: options.demo ? 'demo' : 'serve' });
  try {
    await checkPortFree(config.port, config.host);
  } catch (error) {
    lock?.release();
    throw error;
  }
  if (config.masterKeyGenerated) {
    logger.warn(
      { dataDir: config.dataDir },
      'SHOUJIA_MASTER_KEY not set: generated one and stored it in the data dir (embedded mode only; set it in production)',
    );
  }
  const database = await openDatabase(
    config.databaseUrl ? { url: config.databaseUrl } : { dataDir: pgDir, ...(lock ? { lock } : {}) },
  );
  const services = createServices({
    database,
    masterKey: config.masterKey,
    ledgerOrigin: config.ledgerOrigin,
    ledgerSigningSeed: config.ledgerSigningSeed,
    ledgerIntegrateIntervalMs: config.ledgerIntegrateIntervalMs,
    // A served platform leases relay points from its pool (POST /v1/relay-pool) or a provider; only
    // the demo, or an explicit SHOUJIA_RELAY_MINT=1, invents addresses that forward nowhere.
    relayMintWhenEmpty: config.relayMint ?? options.demo,
    onLedgerError: (error) =>
      logger.error({ err: error }, 'ledger integration failed; retrying on the next tick'),
    simulationPollIntervalMs: 1000,
    routingExpireIntervalMs: 60_000,
    // the reminder worker and detection's rescoring run on servers; tests drive them by hand
    remindersIntervalMs: 30_000,
    onReminderError: (error) =>
      logger.error({ err: error }, 'reminder worker failed; retrying on the next tick'),
    // ADR 0107: the demo rescores every 30 s so its market's evidence shows within a minute.
    detectionRescoreIntervalMs: config.rescoreIntervalMs ?? (options.demo ? 30_000 : 300_000),
    onDetectionError: (error) =>
      logger.error({ err: error }, 'detection rescoring failed; retrying on the next tick'),
    onRoutingError: (error) =>
      logger.error({ err: error }, 'routing expiry failed; retrying on the next tick'),
    onNoticeError: (error) =>
      logger.warn(
        { err: error },
        'cache notices connection lost; reconnecting (caches fall back to their time limits)',
      ),
    onSimulationError: (error) =>
      logger.error({ err: error }, 'simulation runner failed; retrying on the next tick'),
  });
  let adminKey = config.bootstrapAdminKey;
  await services.units.run(async (unit) => {
    const tx = unit.tx;
    if (config.bootstrapAdminKey) await services.access.ensureBootstrapAdmin(tx, config.bootstrapAdminKey);
    if (options.demo) {
      adminKey ??= demoAdminKey(config.masterKey);
      await services.access.ensureBootstrapAdmin(tx, adminKey);
      const seeded = await seedDemoCatalog(unit, services.catalog);
      logger.info(seeded, 'demo catalogue ready');
    }
  });

  let ready = true;
  const app = await buildApp(services, {
    logger,
    isReady: () => ready,
    metrics: config.metrics,
    ...(options.dashboardDir ? { dashboardDir: options.dashboardDir } : {}),
  });
  const address = await app.listen({ port: config.port, host: config.host });
  const url = address.replace('[::1]', 'localhost');
  lock?.setUrl(url);

  let stopping: Promise<void> | undefined;
  const beforeStopHooks: Array<() => Promise<void>> = [];
  const stop = () => {
    stopping ??= (async () => {
      for (const hook of beforeStopHooks) await hook();
      ready = false;
      await app.close();
      for (const hook of services.stopHooks) await hook();
      await database.close();
    })();
    return stopping;
  };
  if (options.handleSignals) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        logger.info({ signal }, 'shutting down: finishing in-flight requests');
        stop().then(
          () => process.exit(0),
          (error) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      });
    }
  }
  return { app, services, url, adminKey, beforeStop: (hook) => beforeStopHooks.push(hook), stop };
}

// Starts the service: config → database (migrated) → services → app → listen. SIGTERM/SIGINT stop
// taking requests, finish in-flight ones, run stop hooks, and close the database.
import { join } from 'node:path';
import { seedDemoCatalog } from '../catalog/demo.ts';
import type { Config } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { deriveKey } from '../kernel/index.ts';
import { createServices, type Services } from '../services.ts';
import { type App, buildApp } from './app.ts';
import { createLogger } from './logger.ts';

export interface RunningServer {
  app: App;
  services: Services;
  url: string;
  adminKey: string | undefined;
  stop(): Promise<void>;
}

/** A stable demo admin key derived from the master key, so restarting the demo keeps the same key. */
export function demoAdminKey(masterKey: Buffer): string {
  return `sj_demo_${deriveKey(masterKey, 'demo-admin-key', 24).toString('base64url')}`;
}

export async function startServer(
  config: Config,
  options: { demo: boolean; handleSignals?: boolean },
): Promise<RunningServer> {
  const logger = createLogger({ level: config.logLevel });
  if (config.masterKeyGenerated) {
    logger.warn(
      { dataDir: config.dataDir },
      'SHOUJIA_MASTER_KEY not set: generated one and stored it in the data dir (embedded mode only; set it in production)',
    );
  }
  const database = await openDatabase(
    config.databaseUrl ? { url: config.databaseUrl } : { dataDir: join(config.dataDir, 'pg') },
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
  await database.db.transaction(async (tx) => {
    if (config.bootstrapAdminKey) await services.access.ensureBootstrapAdmin(tx, config.bootstrapAdminKey);
    if (options.demo) {
      adminKey ??= demoAdminKey(config.masterKey);
      await services.access.ensureBootstrapAdmin(tx, adminKey);
      const seeded = await seedDemoCatalog(tx, services.catalog);
      logger.info(seeded, 'demo catalogue ready');
    }
  });

  let ready = true;
  const app = await buildApp(services, { logger, isReady: () => ready });
  const address = await app.listen({ port: config.port, host: config.host });
  const url = address.replace('[::1]', 'localhost');

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
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
  return { app, services, url, adminKey, stop };
}

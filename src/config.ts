// Configuration from the environment, validated once at start. Every default is stated here.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateMasterKey, parseMasterKey } from './kernel/index.ts';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  masterKey: Buffer;
  masterKeyGenerated: boolean;
  bootstrapAdminKey: string | undefined;
  ledgerOrigin: string;
  /**
   * SHOUJIA_LEDGER_SIGNING_KEY: the checkpoint key's Ed25519 seed (64 hex characters), kept apart
   * from the master key so rotating one does not rotate the other; absent: derived from the master
   * key (ADR 0020)
   */
  ledgerSigningSeed: Buffer | undefined;
  /** how often the ledger integrates appended entries and signs a checkpoint (issue 4: at least once a second) */
  ledgerIntegrateIntervalMs: number;
  /**
   * SHOUJIA_RELAY_MINT: mint synthetic relay addresses (forwarding nowhere) when the relay pool is
   * empty. undefined: the command decides (on for `demo`, off for `serve`, where a funder must
   * never receive an address that reaches no one).
   */
  relayMint: boolean | undefined;
  /**
   * SHOUJIA_METRICS: serve /metrics (Prometheus text, no API key) and count requests; default 1,
   * 0 turns both off (ADR 0102)
   */
  metrics: boolean;
  /**
   * SHOUJIA_RESCORE_MS: how often detection rescores every funder from the stored evidence (ADR
   * 0107). undefined: the command decides (30 s for `demo`, 5 minutes for `serve`).
   */
  rescoreIntervalMs: number | undefined;
  /** SHOUJIA_DEMO_MARKET: `shoujia demo` runs the live demo market (default 1; 0 or --no-market: not) */
  demoMarket: boolean;
  /** SHOUJIA_DEMO_SEED: the demo market's seed (0..4294967295); absent: a fresh one, printed at start */
  demoSeed: number | undefined;
  logLevel: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Where the data lives, and nothing else: for commands that need the store but not the master key
 * (`shoujia keys create`). The embedded PGlite directory is `<dataDir>/pg`.
 */
export function storeLocation(env: NodeJS.ProcessEnv = process.env): {
  databaseUrl: string | undefined;
  dataDir: string;
} {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: resolve(env.SHOUJIA_DATA_DIR || './.shoujia/data'),
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = env.PORT === undefined ? 8080 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`PORT must be 0..65535, got ${env.PORT}`);
  const { databaseUrl, dataDir } = storeLocation(env);
  let masterKeyGenerated = false;
  let masterKeyText = env.SHOUJIA_MASTER_KEY;
  if (!masterKeyText) {
    if (databaseUrl)
      throw new ConfigError(
        'SHOUJIA_MASTER_KEY is required with DATABASE_URL (the key encrypts PII at rest)',
      );
    // Embedded mode: generate once and keep it beside the data, so a restart can read old rows.
    const keyFile = join(dataDir, 'master.key');
    if (existsSync(keyFile)) {
      masterKeyText = readFileSync(keyFile, 'utf8');
    } else {
      mkdirSync(dataDir, { recursive: true });
      masterKeyText = generateMasterKey();
      writeFileSync(keyFile, masterKeyText, { mode: 0o600 });
      masterKeyGenerated = true;
    }
  }
  let masterKey: Buffer;
  try {
    masterKey = parseMasterKey(masterKeyText);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const bootstrapAdminKey = env.SHOUJIA_BOOTSTRAP_ADMIN_KEY || undefined;
  if (bootstrapAdminKey !== undefined && (bootstrapAdminKey.length < 16 || bootstrapAdminKey.length > 200)) {
    throw new ConfigError('SHOUJIA_BOOTSTRAP_ADMIN_KEY must be 16..200 characters');
  }
  const ledgerIntegrateIntervalMs =
    env.SHOUJIA_LEDGER_INTEGRATE_MS === undefined ? 1000 : Number(env.SHOUJIA_LEDGER_INTEGRATE_MS);
  if (
    !Number.isInteger(ledgerIntegrateIntervalMs) ||
    ledgerIntegrateIntervalMs < 10 ||
    ledgerIntegrateIntervalMs > 60_000
  ) {
    throw new ConfigError(
      `SHOUJIA_LEDGER_INTEGRATE_MS must be 10..60000, got ${env.SHOUJIA_LEDGER_INTEGRATE_MS}`,
    );
  }
  const seedText = env.SHOUJIA_LEDGER_SIGNING_KEY?.trim();
  if (seedText !== undefined && seedText !== '' && !/^[0-9a-fA-F]{64}$/.test(seedText))
    throw new ConfigError('SHOUJIA_LEDGER_SIGNING_KEY must be 64 hex characters (an Ed25519 seed)');
  const relayMintText = env.SHOUJIA_RELAY_MINT;
  if (relayMintText !== undefined && relayMintText !== '0' && relayMintText !== '1')
    throw new ConfigError(`SHOUJIA_RELAY_MINT must be 0 or 1, got ${relayMintText}`);
  const metricsText = env.SHOUJIA_METRICS;
  if (metricsText !== undefined && metricsText !== '0' && metricsText !== '1')
    throw new ConfigError(`SHOUJIA_METRICS must be 0 or 1, got ${metricsText}`);
  const rescoreText = env.SHOUJIA_RESCORE_MS;
  const rescoreIntervalMs = rescoreText === undefined || rescoreText === '' ? undefined : Number(rescoreText);
  if (
    rescoreIntervalMs !== undefined &&
    (!Number.isInteger(rescoreIntervalMs) || rescoreIntervalMs < 100 || rescoreIntervalMs > 86_400_000)
  )
    throw new ConfigError(`SHOUJIA_RESCORE_MS must be 100..86400000, got ${rescoreText}`);
  const marketText = env.SHOUJIA_DEMO_MARKET;
  if (marketText !== undefined && marketText !== '0' && marketText !== '1')
    throw new ConfigError(`SHOUJIA_DEMO_MARKET must be 0 or 1, got ${marketText}`);
  const seedEnv = env.SHOUJIA_DEMO_SEED;
  const demoSeed = seedEnv === undefined || seedEnv === '' ? undefined : Number(seedEnv);
  if (demoSeed !== undefined && (!/^\d{1,10}$/.test(seedEnv!) || demoSeed > 4_294_967_295))
    throw new ConfigError(`SHOUJIA_DEMO_SEED must be an integer 0..4294967295, got ${seedEnv}`);
  return {
    port,
    host: env.HOST || '127.0.0.1',
    databaseUrl,
    dataDir,
    masterKey,
    masterKeyGenerated,
    bootstrapAdminKey,
    ledgerOrigin: env.SHOUJIA_LEDGER_ORIGIN || 'shoujia.local/ledger',
    ledgerSigningSeed: seedText ? Buffer.from(seedText, 'hex') : undefined,
    ledgerIntegrateIntervalMs,
    relayMint: relayMintText === undefined ? undefined : relayMintText === '1',
    metrics: metricsText !== '0',
    rescoreIntervalMs,
    demoMarket: marketText !== '0',
    demoSeed,
    logLevel: env.LOG_LEVEL || 'info',
  };
}

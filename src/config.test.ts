// Configuration from the environment: SHOUJIA_RELAY_MINT (the demo mints relay addresses, a served
// platform does not unless told to).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const env = (extra: Record<string, string> = {}) => ({
  SHOUJIA_DATA_DIR: mkdtempSync(join(tmpdir(), 'shoujia-config-')),
  ...extra,
});

describe('loadConfig', () => {
  it('takes the ledger signing key apart from the master key, or none', () => {
    expect(loadConfig(env()).ledgerSigningSeed).toBeUndefined();
    const seed = 'ab'.repeat(32);
    expect(loadConfig(env({ SHOUJIA_LEDGER_SIGNING_KEY: seed })).ledgerSigningSeed).toEqual(
      Buffer.from(seed, 'hex'),
    );
    expect(() => loadConfig(env({ SHOUJIA_LEDGER_SIGNING_KEY: 'abc' }))).toThrow(ConfigError);
  });

  it('leaves relay minting to the command unless SHOUJIA_RELAY_MINT says 0 or 1', () => {
    expect(loadConfig(env()).relayMint).toBeUndefined();
    expect(loadConfig(env({ SHOUJIA_RELAY_MINT: '1' })).relayMint).toBe(true);
    expect(loadConfig(env({ SHOUJIA_RELAY_MINT: '0' })).relayMint).toBe(false);
    expect(() => loadConfig(env({ SHOUJIA_RELAY_MINT: 'yes' }))).toThrow(ConfigError);
  });

  it('serves /metrics unless SHOUJIA_METRICS is 0', () => {
    expect(loadConfig(env()).metrics).toBe(true);
    expect(loadConfig(env({ SHOUJIA_METRICS: '1' })).metrics).toBe(true);
    expect(loadConfig(env({ SHOUJIA_METRICS: '0' })).metrics).toBe(false);
    expect(() => loadConfig(env({ SHOUJIA_METRICS: 'off' }))).toThrow(ConfigError);
  });

  it('leaves the rescoring interval to the command unless SHOUJIA_RESCORE_MS sets one in range', () => {
    expect(loadConfig(env()).rescoreIntervalMs).toBeUndefined();
    expect(loadConfig(env({ SHOUJIA_RESCORE_MS: '30000' })).rescoreIntervalMs).toBe(30_000);
    for (const bad of ['99', '86400001', '1.5', 'soon', '-1', '１０００'])
      expect(() => loadConfig(env({ SHOUJIA_RESCORE_MS: bad })), bad).toThrow(ConfigError);
  });

  it('runs the demo market unless SHOUJIA_DEMO_MARKET is 0, with SHOUJIA_DEMO_SEED an unsigned 32-bit seed', () => {
    expect(loadConfig(env()).demoMarket).toBe(true);
    expect(loadConfig(env({ SHOUJIA_DEMO_MARKET: '0' })).demoMarket).toBe(false);
    expect(() => loadConfig(env({ SHOUJIA_DEMO_MARKET: 'no' }))).toThrow(ConfigError);
    expect(loadConfig(env()).demoSeed).toBeUndefined();
    expect(loadConfig(env({ SHOUJIA_DEMO_SEED: '0' })).demoSeed).toBe(0);
    expect(loadConfig(env({ SHOUJIA_DEMO_SEED: '4294967295' })).demoSeed).toBe(4_294_967_295);
    for (const bad of ['4294967296', '-1', '7.5', '0x10', 'seed', '７'])
      expect(() => loadConfig(env({ SHOUJIA_DEMO_SEED: bad })), bad).toThrow(ConfigError);
  });
});

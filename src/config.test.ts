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
});

// The checkpoint key: derived from the master key by default, or an explicit seed that survives a
// master-key rotation (ADR 0020).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/client.ts';
import { createServices } from '../services.ts';

describe('ledger signing key', () => {
  it('an explicit seed keeps the verifier key across master keys; without one it follows the master key', async () => {
    const database = await openDatabase({ dataDir: 'memory://' });
    try {
      const seed = randomBytes(32);
      const verifier = (masterKey: Buffer, ledgerSigningSeed?: Buffer) =>
        createServices({ database, masterKey, ledgerSigningSeed }).ledger.verifierKey;
      const first = randomBytes(32);
      const second = randomBytes(32);
      expect(verifier(first, seed)).toBe(verifier(second, seed));
      expect(verifier(first)).not.toBe(verifier(second));
      expect(verifier(first)).not.toBe(verifier(first, seed));
      expect(() => verifier(first, randomBytes(16))).toThrow(/32 bytes/);
    } finally {
      await database.close();
    }
  });
});

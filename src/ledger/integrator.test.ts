// The integrator as a server runs it: a timer started by the composition root, stopped through
// services.stopHooks, which drains what was appended before the database closes.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ENGINES, freshDatabase } from '../../test/support/engines.ts';
import { createServices } from '../services.ts';

describe.each(ENGINES)('ledger integrator timer on %s', (engine) => {
  it('integrates in the background and drains on stop', async () => {
    const database = await freshDatabase(engine);
    const errors: unknown[] = [];
    const services = createServices({
      database,
      masterKey: randomBytes(32),
      ledgerIntegrateIntervalMs: 20,
      onLedgerError: (e) => errors.push(e),
    });
    try {
      await database.db.transaction((tx) =>
        services.ledger.append(tx, {
          kind: 'decision',
          funderId: 'f',
          applicationId: 'a1',
          decision: 'approved',
        }),
      );
      // Wait (bounded) for a tick to integrate it; the assertion is on the outcome, not the time.
      for (let i = 0; i < 500 && (await services.ledger.head(database.db)).treeSize < 1; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect((await services.ledger.head(database.db)).treeSize).toBe(1);
      await database.db.transaction((tx) =>
        services.ledger.append(tx, {
          kind: 'decision',
          funderId: 'f',
          applicationId: 'a2',
          decision: 'declined',
        }),
      );
      for (const hook of services.stopHooks) await hook();
      expect((await services.ledger.head(database.db)).treeSize).toBe(2);
      expect(errors).toEqual([]);
    } finally {
      await database.close();
    }
  });
});

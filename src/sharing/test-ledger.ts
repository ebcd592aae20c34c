// Test helper: wait until a ledger entry is in the tree. On PostgreSQL the integrator only takes
// entries below the oldest running transaction (other suites share the server), so one integrate()
// call may not reach an entry just written; poll a bounded number of times.
import type { Db } from '../db/client.ts';
import type { LedgerService } from '../ledger/service.ts';

const ATTEMPTS = 100;
const PAUSE_MS = 50;

export async function integratedIndex(ledger: LedgerService, db: Db, entryId: string): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    await ledger.integrate();
    const index = await ledger.indexOf(db, entryId);
    if (index !== undefined) return index;
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
  throw new Error(`ledger entry ${entryId} not integrated after ${ATTEMPTS} attempts`);
}

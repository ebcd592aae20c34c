// A second server process for the concurrency test: appends and integrates against the same
// PostgreSQL as the parent. argv: database URL, master key (hex), writer id, transactions.
import { openDatabase } from '../db/client.ts';
import { createServices } from '../services.ts';
import { LedgerService } from './service.ts';

const [url, masterKeyHex, writer, transactionsText] = process.argv.slice(2);
if (!url || !masterKeyHex || !writer || !transactionsText) {
  console.error('usage: concurrency.child.ts <url> <master key hex> <writer> <transactions>');
  process.exit(2);
}
const database = await openDatabase({ url, poolMax: 4 });
const masterKey = Buffer.from(masterKeyHex, 'hex');
const services = createServices({ database, masterKey });
const ledger = new LedgerService({
  database,
  clock: services.clock,
  masterKey,
  origin: services.ledgerOrigin,
  batchSize: 40,
});
let done = false;
const integrator = (async () => {
  while (!done) await ledger.integrate({ maxBatches: 2 });
})();
await Promise.all(
  [0, 1, 2].map(async (lane) => {
    for (let t = 0; t < Number(transactionsText); t++) {
      await database.db.transaction((tx) =>
        services.ledger.appendMany(
          tx,
          Array.from({ length: 5 }, (_, i) => ({
            kind: 'decision' as const,
            funderId: 'fund-x',
            applicationId: `${writer}-${lane}-${t}-${i}`,
            decision: 'approved',
          })),
        ),
      );
    }
  }),
);
done = true;
await integrator;
await database.close();
console.log('ok');

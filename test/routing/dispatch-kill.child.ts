// A server process for the SIGKILL test (dispatch-kill.test.ts): takes the borrowers' choices
// (waterfall) for the given applications against the parent's PostgreSQL and drives them until
// the parent kills it. argv: database URL, master key (hex), lease ms, application ids (comma list).
import { openDatabase } from '../../src/db/client.ts';
import { assert } from '../../src/kernel/index.ts';
import { createServices } from '../../src/services.ts';

/** How many choices the child works on at once: enough that a kill lands in every step. */
const CHILD_CONCURRENCY = 6;

const [url, masterKeyHex, leaseText, idsText] = process.argv.slice(2);
if (!url || !masterKeyHex || !leaseText || !idsText) {
  console.error('usage: dispatch-kill.child.ts <url> <master key hex> <lease ms> <ids>');
  process.exit(2);
}
const database = await openDatabase({ url, poolMax: 4 });
const services = createServices({
  database,
  masterKey: Buffer.from(masterKeyHex, 'hex'),
  crossProcessNotices: false,
  routing: {
    webhook: { timeoutMs: 500, maxAttempts: 3, backoffBaseMs: 10 },
    dispatchLeaseMs: Number(leaseText),
  },
});
const queue = idsText.split(',');
await Promise.all(
  Array.from({ length: CHILD_CONCURRENCY }, async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const applicationId = id;
      await database.db.transaction(async (tx) => {
        const application = await services.intake.get(tx, applicationId);
        assert(application, 'the parent submitted the application');
        await services.routing.choose(tx, application, { mode: 'auto' });
      });
      console.log(`chose ${applicationId}`);
      await services.routing.drive(applicationId);
      console.log(`drove ${applicationId}`);
    }
  }),
);
console.log('done');
await database.close();

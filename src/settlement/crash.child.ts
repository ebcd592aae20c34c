// A settlement process for the crash test: runs the statement lifecycle step by step against the
// parent's PostgreSQL, prints `step N` after each step commits, and at step `stopAt` waits to be
// killed. argv: database URL, master key (hex), stopAt (0: run to the end).
import { openDatabase } from '../db/client.ts';
import { ManualClock } from '../kernel/index.ts';
import { createServices } from '../services.ts';
import { SettlementService } from './service.ts';

const [url, masterKeyHex, stopAtText] = process.argv.slice(2);
if (!url || !masterKeyHex || stopAtText === undefined) {
  console.error('usage: crash.child.ts <url> <master key hex> <stopAt>');
  process.exit(2);
}
const stopAt = Number(stopAtText);
const database = await openDatabase({ url, poolMax: 2 });
let step = 0;
const services = createServices({
  database,
  masterKey: Buffer.from(masterKeyHex, 'hex'),
  clock: new ManualClock('2026-05-02T00:00:00Z'),
  crossProcessNotices: false,
  settlementAfterStep: async () => {
    step += 1;
    process.stdout.write(`step ${step}\n`);
    // wait here for SIGKILL: the step has committed, the next has not begun
    if (step === stopAt) await new Promise(() => setInterval(() => {}, 1_000));
  },
});
const { settlement } = services;
const march = SettlementService.statementId('f1', '2026-03');
const funder = { keyId: 'k', role: 'funder' as const, funderId: 'f1', customerId: null };
await settlement.post('f1', '2026-03');
await settlement.record(march);
await settlement.disputeStep(funder, march, { lineNos: [2], reason: '重复收费' });
await settlement.resolveStep(`dsp-${march}-2`, 'withdrawn', 'admin');
await settlement.post('f1', '2026-04');
await settlement.record(SettlementService.statementId('f1', '2026-04'));
for (const hook of services.stopHooks) await hook();
await database.close();
console.log('ok');

// The reminder worker as its own process, for the SIGKILL test (reminder-crash.test.ts): opens the
// database (a PostgreSQL URL or a PGlite data directory), runs ticks at a fixed clock until no due
// reminder is left, printing a line after every batch so the parent can kill it mid-run.
// argv: <postgres url | data dir> <clock ISO time> <batch size>
import { randomBytes } from 'node:crypto';
import { openDatabase } from '../db/client.ts';
import { ManualClock } from '../kernel/index.ts';
import { createServices } from '../services.ts';

const [target, at, batchText] = process.argv.slice(2);
if (!target || !at || !batchText) {
  console.error('usage: reminder-crash.child.ts <postgres url | data dir> <clock ISO time> <batch size>');
  process.exit(2);
}
/** Ticks at most: each drains the queue, so a handful suffice; the bound catches a livelock. */
const TICKS_MAX = 1_000;
const IDLE_WAIT_MS = 250;
const database = target.startsWith('postgres')
  ? await openDatabase({ url: target, poolMax: 4 })
  : await openDatabase({ dataDir: target });
let before = 0;
const services = createServices({
  database,
  masterKey: randomBytes(32),
  clock: new ManualClock(at),
  crossProcessNotices: false,
  reminders: {
    batchSize: Number(batchText),
    // a job the killed run held is failed and retried two seconds after it started
    queue: { expireInSeconds: 2, maintenanceIntervalSeconds: 1, retryDelaySeconds: 1 },
    // deliveries committed so far in this process, all ticks
    onBatch: (sofar) => console.log(`batch ${before + sofar.delivered}`),
  },
});
console.log('started');
// Done when nothing is due and the queue is empty: the jobs a killed run held come back after
// their expiry and a retry delay, and working them must change nothing.
let ticks = 0;
for (; ticks < TICKS_MAX; ticks++) {
  const result = await services.reminders.tick();
  before += result.delivered;
  if (result.enqueued > 0) continue;
  if ((await services.reminders.queueBacklog()) === 0) break;
  await new Promise((resolve) => setTimeout(resolve, IDLE_WAIT_MS));
}
for (const hook of services.stopHooks) await hook();
await database.close();
console.log(ticks < TICKS_MAX ? 'ok' : 'gave up');

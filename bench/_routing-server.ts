// One API process of bench/routing.ts `--processes N`: a node:cluster worker that serves the same
// PostgreSQL database as its siblings on the port the cluster shares (DESIGN: N stateless API
// processes behind a load balancer; here the cluster primary balances). It reports its address
// when listening and its CPU time when told to stop.
import { openDatabase } from '../src/db/client.ts';
import { buildApp } from '../src/http/app.ts';
import { createServices } from '../src/services.ts';

const url = process.env.SHOUJIA_BENCH_WORKER_DB_URL;
const masterKeyHex = process.env.SHOUJIA_BENCH_WORKER_MASTER_KEY;
const poolMax = Number(process.env.SHOUJIA_BENCH_WORKER_POOL_MAX ?? '16');
if (!url || !masterKeyHex || !process.send) throw new Error('run by bench/routing.ts as a cluster worker');

const database = await openDatabase({ url, poolMax });
const services = createServices({ database, masterKey: Buffer.from(masterKeyHex, 'hex') });
const app = await buildApp(services, { logger: false });
// Port 0 in a cluster worker: every worker gets the same port, chosen once by the primary.
const address = await app.listen({ port: 0, host: '127.0.0.1' });
let cpuStart = process.cpuUsage();
process.send({ type: 'listening', address });
process.on('message', async (message: { type: string }) => {
  if (message.type === 'start') cpuStart = process.cpuUsage();
  if (message.type === 'stop') {
    const cpu = process.cpuUsage(cpuStart);
    await app.close();
    for (const hook of services.stopHooks) await hook();
    await database.close();
    process.send!({ type: 'stopped', cpuMicros: cpu.user + cpu.system }, () => process.exit(0));
  }
});

// ADR 0082's evaluation: can pg-boss 10 (custom `db` adapter) and graphile-worker 0.16 run a job
// queue on both of Shoujia's engines (embedded PGlite and a PostgreSQL server) on Node 20?
// Neither package is a dependency: run with them present in node_modules (evaluation only):
//   node scripts/evaluate-job-queues.mjs postgres://postgres@127.0.0.1:5432/test
// Each attempt prints one line: engine, queue, "ok" or the exact error.
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

const serverUrl = process.argv[2];
const TIMEOUT_MS = 20_000;

const within = (promise, what) =>
  Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${TIMEOUT_MS} ms: ${what}`)), TIMEOUT_MS)),
  ]);

/** pg-boss's adapter contract: executeSql(text, values) → { rows } */
function pgliteAdapter(client) {
  return {
    async executeSql(text, values) {
      if (values && values.length > 0) return client.query(text, values);
      // pg-boss sends multi-statement texts (its migrations, locks) without values
      const results = await client.exec(text);
      return results.at(-1) ?? { rows: [] };
    },
  };
}

async function tryPgBoss(engine) {
  const { default: PgBoss } = await import('pg-boss');
  let pglite;
  let boss;
  try {
    if (engine === 'pglite') {
      pglite = new PGlite('memory://');
      await pglite.waitReady;
      boss = new PgBoss({ db: pgliteAdapter(pglite), schema: 'pgboss_eval', supervise: true, schedule: false });
    } else boss = new PgBoss({ connectionString: serverUrl, schema: 'pgboss_eval', schedule: false });
    boss.on('error', (error) => console.error(`  pg-boss ${engine} error event: ${error.message}`));
    await within(boss.start(), 'start');
    await boss.createQueue('eval');
    const id = await boss.send('eval', { n: 1 });
    const done = new Promise((resolve) => {
      boss.work('eval', { pollingIntervalSeconds: 0.5 }, async ([job]) => resolve(job.data.n));
    });
    const n = await within(done, 'work');
    console.log(`${engine}\tpg-boss 10.4.2\tok (job ${id} worked, data ${n})`);
  } catch (error) {
    console.log(`${engine}\tpg-boss 10.4.2\tFAILED: ${error.message.split('\n')[0]}`);
  } finally {
    await boss?.stop({ graceful: false, wait: false }).catch(() => {});
    await pglite?.close().catch(() => {});
    if (engine === 'postgres') {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query('DROP SCHEMA IF EXISTS pgboss_eval CASCADE');
      await c.end();
    }
  }
}

async function tryGraphile(engine) {
  const { run, quickAddJob } = await import('graphile-worker');
  let runner;
  try {
    if (engine === 'pglite') {
      // graphile-worker takes a connectionString or a pg.Pool: PGlite has neither (no socket, no
      // pg wire protocol in-process). Offer it a pg.Pool-shaped object over PGlite: it calls
      // pool.connect() and uses LISTEN on a dedicated client.
      const pglite = new PGlite('memory://');
      await pglite.waitReady;
      const client = {
        query: (text, values) => (values?.length ? pglite.query(text, values) : pglite.exec(text).then((r) => r.at(-1))),
        release() {},
        on() {},
        removeListener() {},
      };
      const pool = {
        connect: async () => client,
        query: client.query,
        on() {},
        removeListener() {},
        end: async () => {},
      };
      runner = await within(
        run({ pgPool: pool, concurrency: 1, noHandleSignals: true, pollInterval: 500, taskList: { eval: async () => {} } }),
        'run',
      );
    } else {
      let worked;
      const done = new Promise((resolve) => (worked = resolve));
      runner = await within(
        run({
          connectionString: serverUrl,
          concurrency: 1,
          noHandleSignals: true,
          pollInterval: 500,
          schema: 'graphile_eval',
          taskList: { eval: async (payload) => worked(payload.n) },
        }),
        'run',
      );
      await quickAddJob({ connectionString: serverUrl, schema: 'graphile_eval' }, 'eval', { n: 1 });
      const n = await within(done, 'work');
      console.log(`${engine}\tgraphile-worker 0.16.6\tok (job worked, data ${n})`);
      return;
    }
    console.log(`${engine}\tgraphile-worker 0.16.6\tstarted (see ADR for whether jobs run)`);
  } catch (error) {
    console.log(`${engine}\tgraphile-worker 0.16.6\tFAILED: ${error.message.split('\n')[0]}`);
  } finally {
    await runner?.stop().catch(() => {});
    if (engine === 'postgres') {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query('DROP SCHEMA IF EXISTS graphile_eval CASCADE');
      await c.end();
    }
  }
}

console.log(`node ${process.version}`);
for (const engine of serverUrl ? ['pglite', 'postgres'] : ['pglite']) {
  await tryPgBoss(engine);
  await tryGraphile(engine);
}
process.exit(0);

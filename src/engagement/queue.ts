// The reminders' durable job queue: pg-boss 10 (ADR 0082) on either engine. On PostgreSQL pg-boss
// keeps a small pool of its own; on PGlite it runs through a `db` adapter on the same embedded
// instance (its multi-statement blocks as one exec), so jobs are in the same database, and on disk
// with the data directory. The worker (service.ts) drives it: it fetches, completes and fails jobs
// itself, so no job handler runs inside pg-boss and a PGlite transaction never waits on it.
import PgBoss from 'pg-boss';
import type { Database } from '../db/client.ts';
import { assert } from '../kernel/index.ts';

/** One job per reminder key; `short` policy: at most one queued job per key (a repeat is ignored). */
export const REMINDER_QUEUE = 'reminder-deliver';
/** Jobs a fetch takes at most; the worker's batch. */
export const FETCH_MAX = 500;
/** Jobs one enqueue inserts at most (one statement). */
export const ENQUEUE_MAX = 5_000;

export interface QueueOptions {
  /** a job not completed within this many seconds of its start is failed and retried (a crashed worker); default 60 */
  expireInSeconds?: number;
  /** retries of a failed job (an SMS gateway down); default 8 */
  retryLimit?: number;
  /** seconds before the first retry, doubling each time (pg-boss retryBackoff); default 15 */
  retryDelaySeconds?: number;
  /** pg-boss maintenance (expiry of crashed workers' jobs, archiving) every this many seconds; default 60 */
  maintenanceIntervalSeconds?: number;
  /** PostgreSQL: pg-boss's own pool size; default 2 */
  poolMax?: number;
}

export interface ReminderJob {
  id: string;
  key: string;
}

/** pg-boss's `db` contract on a Database: one statement with values, or a block of statements. */
function adapterOf(database: Database): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[]) {
      if (values && values.length > 0) return { rows: await database.query(text, values) };
      return { rows: await database.script(text) };
    },
  };
}

export class ReminderQueue {
  private constructor(private readonly boss: PgBoss) {}

  static async open(database: Database, options: QueueOptions = {}): Promise<ReminderQueue> {
    const common = {
      schema: 'pgboss',
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 60,
    };
    const boss =
      database.engine === 'postgres'
        ? new PgBoss({ ...common, connectionString: database.url!, max: options.poolMax ?? 2 })
        : new PgBoss({ ...common, db: adapterOf(database) });
    // pg-boss reports failed maintenance as an event; an unhandled 'error' event would crash the process.
    boss.on('error', () => {});
    await boss.start();
    const queue = {
      name: REMINDER_QUEUE,
      policy: 'short' as const,
      expireInSeconds: options.expireInSeconds ?? 60,
      retryLimit: options.retryLimit ?? 8,
      retryDelay: options.retryDelaySeconds ?? 15,
      retryBackoff: true,
    };
    if (await boss.getQueue(REMINDER_QUEUE)) await boss.updateQueue(REMINDER_QUEUE, queue);
    else await boss.createQueue(REMINDER_QUEUE, queue);
    return new ReminderQueue(boss);
  }

  /** A job per key; keys already queued are skipped (the `short` policy's unique index). */
  async enqueue(keys: readonly string[]): Promise<void> {
    assert(keys.length <= ENQUEUE_MAX, 'an enqueue is at most ENQUEUE_MAX jobs');
    if (keys.length === 0) return;
    await this.boss.insert(keys.map((key) => ({ name: REMINDER_QUEUE, data: { key }, singletonKey: key })));
  }

  async fetch(max: number): Promise<ReminderJob[]> {
    assert(max >= 1 && max <= FETCH_MAX, 'a fetch takes 1..FETCH_MAX jobs');
    const jobs = await this.boss.fetch<{ key: string }>(REMINDER_QUEUE, { batchSize: max });
    return jobs.map((job) => ({ id: job.id, key: job.data.key }));
  }

  async complete(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.boss.complete(REMINDER_QUEUE, [...ids]);
  }

  async fail(ids: readonly string[], error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    // one statement per job (pg-boss takes an output only per id); at most FETCH_MAX of them
    for (const id of ids) await this.boss.fail(REMINDER_QUEUE, id, { message: message.slice(0, 500) });
  }

  /** Jobs in the queue not yet completed (created, retry or active). */
  async backlog(): Promise<number> {
    return this.boss.getQueueSize(REMINDER_QUEUE, { before: 'completed' });
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true, close: true });
  }
}

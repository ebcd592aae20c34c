// Cache notices between API processes: PostgreSQL NOTIFY, sent inside the transaction that makes
// the change (delivered at commit, dropped on rollback), heard by every process on one LISTEN
// connection of its own. A process keeps its caches' time limits as the fallback: a notice missed
// while the connection was down only means the old limit applies (ADR 0007, ADR 0031).
import { sql } from 'drizzle-orm';
import pg from 'pg';
import type { Executor } from './client.ts';

export const NOTICE_CHANNEL = 'shoujia_cache';
/** pg_notify payloads are limited to 8000 bytes; ours are a topic and an id. */
export const MAX_NOTICE_BYTES = 200;

/** Tell every process, when the caller's transaction commits. */
export async function notice(executor: Executor, payload: string): Promise<void> {
  if (Buffer.byteLength(payload, 'utf8') > MAX_NOTICE_BYTES) throw new RangeError('notice too long');
  await executor.execute(sql`SELECT pg_notify(${NOTICE_CHANNEL}, ${payload})`);
}

export interface NoticeListener {
  stop(): Promise<void>;
}

/**
 * LISTEN on a connection of its own; reconnects after a loss (every `retryMs`) and calls
 * `onReconnect` then, since notices sent meanwhile were lost (the caller drops its caches).
 */
export function listenForNotices(
  url: string,
  onNotice: (payload: string) => void,
  options: { retryMs?: number; onError?: (error: unknown) => void; onReconnect?: () => void } = {},
): NoticeListener {
  const retryMs = options.retryMs ?? 1000;
  let client: pg.Client | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let connectedOnce = false;

  const connect = async (): Promise<void> => {
    if (stopped) return;
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => {
      if (message.channel === NOTICE_CHANNEL && message.payload !== undefined) onNotice(message.payload);
    });
    next.on('error', (error) => {
      options.onError?.(error);
      retry(next, error);
    });
    next.on('end', () => retry(next));
    try {
      await next.connect();
      // A listener in the background must not keep the process alive (a CLI command, a child
      // process that closes its database and exits without stopping its services).
      (next as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
      await next.query(`LISTEN ${NOTICE_CHANNEL}`);
      if (stopped) {
        await next.end().catch(() => {});
        return;
      }
      client = next;
      if (connectedOnce) options.onReconnect?.();
      connectedOnce = true;
    } catch (error) {
      options.onError?.(error);
      retry(next, error);
    }
  };
  const retry = (failed: pg.Client, error?: unknown) => {
    // the database is gone (dropped, or a wrong URL): nothing to listen to any more
    if ((error as { code?: string } | undefined)?.code === '3D000') stopped = true;
    if (stopped || (client !== null && client !== failed) || timer) return;
    client = null;
    failed.end().catch(() => {});
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, retryMs);
    timer.unref();
  };
  void connect();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}

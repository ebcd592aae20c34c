// /metrics (issue 17 item 4, ADR 0102): Prometheus text through prom-client, one Registry per
// Services (so per app: several apps in one process never share or collide). Counters are counted as
// things happen (the HTTP hook in http/app.ts, the dispatch subscriber in services.ts); gauges are
// read at scrape time from the services that own them, with cheap bounded queries. Nothing here
// names a customer or carries a secret: labels are methods, route patterns (never the raw URL),
// status classes, outcome kinds and funder ids.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CatalogService } from '../catalog/service.ts';
import type { Executor } from '../db/client.ts';
import type { DetectionService } from '../detection/service.ts';
import type { ReminderService } from '../engagement/service.ts';
import { REMINDER_QUEUE } from '../engagement/queue.ts';
import type { Clock } from '../kernel/index.ts';
import type { LedgerService } from '../ledger/service.ts';
import { FUNDERS_MAX } from './model.ts';
import { LEVEL_SCORE } from './service.ts';

/** Request latency buckets in seconds: the API's goal is tens of ms, the slow tail up to seconds. */
const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** The label of a request that matched no route (a 404 of an unknown path): never its URL. */
export const UNMATCHED_ROUTE = 'unmatched';
const FUNDER_PAGE = 100;

export interface MetricsSources {
  db: Executor;
  clock: Clock;
  ledger: Pick<LedgerService, 'integrationState'>;
  reminders: Pick<ReminderService, 'backlogIfOpen'>;
  detection: Pick<DetectionService, 'levelsOf'>;
  catalog: Pick<CatalogService, 'listFunders'>;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status_class'>;
  private readonly latency: Histogram<'method' | 'route' | 'status_class'>;
  private readonly submissions: Counter<'replayed'>;
  private readonly dispatches: Counter<'kind'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'shoujia_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status class (2xx, 4xx, …)',
      labelNames: ['method', 'route', 'status_class'],
      registers,
    });
    this.latency = new Histogram({
      name: 'shoujia_http_request_duration_seconds',
      help: 'Time from the request arriving to the answer sent, by method, route pattern and status class',
      labelNames: ['method', 'route', 'status_class'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });
    this.submissions = new Counter({
      name: 'shoujia_submissions_total',
      help: 'Applications submitted (POST /v1/applications answered 201); replayed="true": an Idempotency-Key repeat',
      labelNames: ['replayed'],
      registers,
    });
    this.dispatches = new Counter({
      name: 'shoujia_dispatch_outcomes_total',
      help: "Funders' answers to dispatched applications recorded by this process, by kind (approved, declined, timeout, error)",
      labelNames: ['kind'],
      registers,
    });
    this.gauges(sources, registers);
  }

  private gauges(sources: MetricsSources, registers: Registry[]): void {
    const { db, clock } = sources;
    // One read of the ledger per scrape serves its three gauges: the first collect() takes it.
    let ledgerRead: Promise<Awaited<ReturnType<MetricsSources['ledger']['integrationState']>>> | undefined;
    const ledgerState = () => {
      ledgerRead ??= sources.ledger.integrationState(db).finally(() => {
        ledgerRead = undefined;
      });
      return ledgerRead;
    };
    new Gauge({
      name: 'shoujia_ledger_tree_size',
      help: 'Entries in the latest signed checkpoint of the ledger',
      registers,
      async collect() {
        this.set((await ledgerState()).treeSize);
      },
    });
    new Gauge({
      name: 'shoujia_ledger_pending_entries',
      help: 'Ledger entries appended but not yet in a signed checkpoint (integration lag, in entries)',
      registers,
      async collect() {
        this.set((await ledgerState()).pending);
      },
    });
    new Gauge({
      name: 'shoujia_ledger_integration_lag_seconds',
      help: 'Seconds since the oldest ledger entry not yet in a signed checkpoint was appended (0: none pending)',
      registers,
      async collect() {
        const { oldestPendingAt } = await ledgerState();
        this.set(
          oldestPendingAt ? Math.max(0, (clock.now().getTime() - oldestPendingAt.getTime()) / 1000) : 0,
        );
      },
    });
    new Gauge({
      name: 'shoujia_job_queue_depth',
      help: 'Jobs not yet completed in a pg-boss queue (absent until this process has opened the queue)',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        const depth = await sources.reminders.backlogIfOpen();
        if (depth !== null) this.set({ queue: REMINDER_QUEUE }, depth);
      },
    });
    new Gauge({
      name: 'shoujia_detection_level',
      help: "Each funder's detection level: 0 none, 1 watch, 2 suspect, 3 confirmed",
      labelNames: ['funder'],
      registers,
      async collect() {
        this.reset();
        const ids: string[] = [];
        for (let after: string | undefined; ids.length < FUNDERS_MAX; ) {
          const page = await sources.catalog.listFunders(db, {
            limit: FUNDER_PAGE,
            ...(after ? { after } : {}),
          });
          ids.push(...page.map((f) => f.id));
          if (page.length < FUNDER_PAGE) break;
          after = page[page.length - 1]!.id;
        }
        const levels = await sources.detection.levelsOf(db, ids);
        for (const id of ids) this.set({ funder: id }, LEVEL_SCORE[levels.get(id) ?? 'none']);
      },
    });
  }

  /** One answered request; `route` is the pattern (`/v1/applications/:id`), or undefined when none matched. */
  observeRequest(
    method: string,
    route: string | undefined,
    statusCode: number,
    elapsedMs: number,
    replayed: boolean,
  ): void {
    const labels = {
      method,
      route: route ?? UNMATCHED_ROUTE,
      status_class: `${Math.floor(statusCode / 100)}xx`,
    };
    this.requests.inc(labels);
    this.latency.observe(labels, elapsedMs / 1000);
    if (method === 'POST' && route === '/v1/applications' && statusCode === 201)
      this.submissions.inc({ replayed: replayed ? 'true' : 'false' });
  }

  /** A funder's answer was recorded (the funder.decided subscriber, services.ts). */
  dispatchOutcome(kind: string): void {
    this.dispatches.inc({ kind });
  }

  /** The exposition text (Prometheus text format 0.0.4) and its content type. */
  async exposition(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}

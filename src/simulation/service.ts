// Simulation runs over the API: an analyst submits a scenario (validated at once, every problem
// listed), the run is queued, and a runner takes queued runs one at a time, stepping the market in
// short time slices so the HTTP server keeps answering while a simulation runs. The report is
// stored exactly as the CLI writes report.json.
import { performance } from 'node:perf_hooks';
import type { Database, Executor } from '../db/client.ts';
import type { Clock, IdGenerator } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import type { Report, Scenario } from './model.ts';
import { parseScenario, type ScenarioProblem } from './scenario.ts';
import { reportJson, simulationSteps } from './simulate.ts';
import {
  claimOldestQueued,
  countByStatus,
  finishRun,
  getReportText,
  getRun,
  insertRun,
  listRuns,
  type RunRow,
  requeue,
  requeueStale,
} from './store.ts';

/** customers × days × runs one API simulation may take: the 1M-customer, 24-month benchmark with its baseline. */
export const SIMULATION_MAX_CUSTOMER_DAYS = 1_500_000_000;
/** Queued runs at most (STYLE §8): each may take minutes of one core. */
export const SIMULATION_QUEUE_MAX = 20;
/** The runner yields to the event loop after this much work. */
export const SIMULATION_SLICE_MS = 20;
export const SIMULATION_LIST_LIMIT_MAX = 100;
/** Runs taken per runner pass (STYLE §8); the next tick takes the rest. */
export const SIMULATION_RUNS_PER_PASS = 10;
/** A run `running` for longer than this is taken to have lost its process (the largest run takes minutes). */
export const SIMULATION_STALE_MS = 60 * 60_000;

export type SimulationStatus = 'queued' | 'running' | 'done' | 'failed';

export interface SimulationRunView {
  id: string;
  status: SimulationStatus;
  seed: number;
  days: number;
  customers: number;
  funders: number;
  compareBaseline: boolean;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface SubmitInput {
  scenario: unknown;
  seed?: number | undefined;
  compareBaseline?: boolean | undefined;
}

function view(row: RunRow): SimulationRunView {
  return {
    id: row.id,
    status: row.status as SimulationStatus,
    seed: row.scenario.seed,
    days: row.scenario.days,
    customers: row.scenario.customers.count,
    funders: row.scenario.funders.length,
    compareBaseline: row.compareBaseline,
    error: row.error,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

export class SimulationService {
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<number> | null = null;
  private stopping = false;
  private readonly sliceMs: number;

  constructor(
    private readonly deps: { database: Database; clock: Clock; ids: IdGenerator },
    options: { sliceMs?: number } = {},
  ) {
    this.sliceMs = options.sliceMs ?? SIMULATION_SLICE_MS;
  }

  /** Validate and queue a run. Problems are named under `scenario` (the body field), e.g. scenario.funders[1].id. */
  async submit(tx: Executor, input: SubmitInput, requestedBy: string): Promise<SimulationRunView> {
    const parsed = parseScenario(input.scenario, input.seed);
    if (!parsed.ok) {
      const problems = ((parsed.details?.problems ?? []) as ScenarioProblem[]).map((p) => ({
        path: `scenario${p.path.slice(1)}`,
        message: p.message,
      }));
      throw new DomainError(
        'scenario_invalid',
        problems.map((p) => `${p.path}: ${p.message}`).join('; '),
        problems[0]?.path ?? 'scenario',
        { problems },
      );
    }
    const scenario = parsed.value;
    const runs = input.compareBaseline ? 2 : 1;
    const work = scenario.customers.count * scenario.days * runs;
    if (work > SIMULATION_MAX_CUSTOMER_DAYS) {
      throw new DomainError(
        'scenario_too_large',
        `customers × days × runs = ${work} exceeds ${SIMULATION_MAX_CUSTOMER_DAYS}; use the CLI for larger runs`,
        'scenario.customers.count',
      );
    }
    const waiting = (await countByStatus(tx)).queued ?? 0;
    if (waiting >= SIMULATION_QUEUE_MAX) {
      throw new DomainError(
        'rate_limited',
        `${waiting} simulations are already queued; retry when some have run`,
      );
    }
    const row = await insertRun(tx, {
      id: this.deps.ids.next('sim'),
      status: 'queued',
      scenario,
      compareBaseline: input.compareBaseline ?? false,
      requestedBy,
      createdAt: this.deps.clock.now(),
    });
    return view(row);
  }

  async get(executor: Executor, id: string): Promise<(SimulationRunView & { report: Report | null }) | null> {
    const row = await getRun(executor, id);
    if (!row) return null;
    return { ...view(row), report: row.reportJson ? (JSON.parse(row.reportJson) as Report) : null };
  }

  /** The stored report.json text, byte for byte what the CLI writes. */
  async reportText(executor: Executor, id: string): Promise<string> {
    const row = await getReportText(executor, id);
    if (!row) throw new DomainError('simulation_not_found', `no simulation ${id}`, 'id');
    if (!row.reportJson)
      throw new DomainError('simulation_not_finished', `simulation ${id} is ${row.status}`, 'id');
    return row.reportJson;
  }

  async list(executor: Executor, limit: number): Promise<SimulationRunView[]> {
    return (await listRuns(executor, Math.min(limit, SIMULATION_LIST_LIMIT_MAX))).map(view);
  }

  /**
   * Run queued runs, oldest first, one at a time, until none is left or the pass limit is reached;
   * returns how many ran. Servers call it on a timer; tests call it directly. One pass at a time per
   * process; a run is claimed by a conditional status change, so two processes never run the same one.
   */
  runPending(): Promise<number> {
    this.pass ??= this.runPass().finally(() => {
      this.pass = null;
    });
    return this.pass;
  }

  private async runPass(): Promise<number> {
    const { db } = this.deps.database;
    // A run still `running` long after it started belonged to a process that died: queue it again.
    await requeueStale(db, new Date(this.deps.clock.now().getTime() - SIMULATION_STALE_MS));
    let ran = 0;
    while (ran < SIMULATION_RUNS_PER_PASS && !this.stopping) {
      const run = await claimOldestQueued(db, this.deps.clock.now());
      if (!run) break;
      await this.execute(run);
      ran++;
    }
    return ran;
  }

  private async execute(row: RunRow): Promise<void> {
    const { db } = this.deps.database;
    try {
      const steps = simulationSteps(row.scenario as Scenario, { compareBaseline: row.compareBaseline });
      let sliceStarted = performance.now();
      let next = steps.next();
      while (!next.done) {
        if (performance.now() - sliceStarted >= this.sliceMs) {
          await new Promise((resolve) => setImmediate(resolve));
          if (this.stopping) {
            // Shutting down mid-run: back to the queue; it starts afresh next time (it is deterministic).
            await requeue(db, row.id);
            return;
          }
          sliceStarted = performance.now();
        }
        next = steps.next();
      }
      await finishRun(
        db,
        row.id,
        { status: 'done', reportJson: reportJson(next.value.report) },
        this.deps.clock.now(),
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await finishRun(db, row.id, { status: 'failed', error: message.slice(0, 2000) }, this.deps.clock.now());
    }
  }

  /** Servers: look for queued runs every intervalMs. */
  start(intervalMs: number, onError: (error: unknown) => void = () => {}): void {
    this.timer = setInterval(() => void this.runPending().catch(onError), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.pass;
  }

  /** How many runs are in each status. */
  counts(executor: Executor): Promise<Record<string, number>> {
    return countByStatus(executor);
  }
}

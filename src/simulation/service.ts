// Simulation runs over the API: an analyst submits a scenario (validated at once, every problem
// listed), the run is queued, and a runner takes queued runs one at a time, stepping the market in
// short time slices so the HTTP server keeps answering while a simulation runs. The report is
// stored exactly as the CLI writes report.json.
import { performance } from 'node:perf_hooks';
import { and, asc, desc, eq, lt, sql } from 'drizzle-orm';
import type { Database, Executor } from '../db/client.ts';
import { type Clock, DomainError, type IdGenerator } from '../kernel/index.ts';
import './errors.ts';
import type { Report, Scenario } from './model.ts';
import { parseScenario, type ScenarioProblem } from './scenario.ts';
import { simulationRuns } from './schema.ts';
import { reportJson, simulationSteps } from './simulate.ts';

/** customers × days × runs one API simulation may take: the 1M-customer, 24-month benchmark with its baseline. */
export const SIMULATION_MAX_CUSTOMER_DAYS = 1_500_000_000;
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

type Row = typeof simulationRuns.$inferSelect;

function view(row: Row): SimulationRunView {
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
    const [row] = await tx
      .insert(simulationRuns)
      .values({
        id: this.deps.ids.next('sim'),
        status: 'queued',
        scenario,
        compareBaseline: input.compareBaseline ?? false,
        requestedBy,
        createdAt: this.deps.clock.now(),
      })
      .returning();
    return view(row!);
  }

  async get(executor: Executor, id: string): Promise<(SimulationRunView & { report: Report | null }) | null> {
    const [row] = await executor.select().from(simulationRuns).where(eq(simulationRuns.id, id)).limit(1);
    if (!row) return null;
    return { ...view(row), report: row.reportJson ? (JSON.parse(row.reportJson) as Report) : null };
  }

  /** The stored report.json text, byte for byte what the CLI writes. */
  async reportText(executor: Executor, id: string): Promise<string> {
    const [row] = await executor
      .select({ status: simulationRuns.status, reportJson: simulationRuns.reportJson })
      .from(simulationRuns)
      .where(eq(simulationRuns.id, id))
      .limit(1);
    if (!row) throw new DomainError('simulation_not_found', `no simulation ${id}`, 'id');
    if (!row.reportJson)
      throw new DomainError('simulation_not_finished', `simulation ${id} is ${row.status}`, 'id');
    return row.reportJson;
  }

  async list(executor: Executor, limit: number): Promise<SimulationRunView[]> {
    const rows = await executor
      .select()
      .from(simulationRuns)
      .orderBy(desc(simulationRuns.createdAt), desc(simulationRuns.id))
      .limit(Math.min(limit, SIMULATION_LIST_LIMIT_MAX));
    return rows.map(view);
  }

  /**
   * Run queued runs, oldest first, one at a time, until none is left or the pass limit is reached;
   * returns how many ran. Servers call it on a timer; tests call it directly. One pass at a time per
   * process; a run is claimed by an atomic status change, so two processes never run the same one.
   */
  runPending(): Promise<number> {
    this.pass ??= this.runPass().finally(() => {
      this.pass = null;
    });
    return this.pass;
  }

  private async runPass(): Promise<number> {
    // A run still `running` long after it started belonged to a process that died: queue it again.
    const staleBefore = new Date(this.deps.clock.now().getTime() - SIMULATION_STALE_MS);
    await this.deps.database.db
      .update(simulationRuns)
      .set({ status: 'queued', startedAt: null })
      .where(and(eq(simulationRuns.status, 'running'), lt(simulationRuns.startedAt, staleBefore)));
    let ran = 0;
    while (ran < SIMULATION_RUNS_PER_PASS && !this.stopping) {
      const run = await this.claimNext();
      if (!run) break;
      await this.execute(run);
      ran++;
    }
    return ran;
  }

  private async claimNext(): Promise<Row | null> {
    const { db } = this.deps.database;
    const [next] = await db
      .select({ id: simulationRuns.id })
      .from(simulationRuns)
      .where(eq(simulationRuns.status, 'queued'))
      .orderBy(asc(simulationRuns.createdAt), asc(simulationRuns.id))
      .limit(1);
    if (!next) return null;
    const [claimed] = await db
      .update(simulationRuns)
      .set({ status: 'running', startedAt: this.deps.clock.now() })
      .where(and(eq(simulationRuns.id, next.id), eq(simulationRuns.status, 'queued')))
      .returning();
    return claimed ?? null;
  }

  private async execute(row: Row): Promise<void> {
    const { db } = this.deps.database;
    try {
      const steps = simulationSteps(row.scenario as Scenario, { compareBaseline: row.compareBaseline });
      let sliceStarted = performance.now();
      let next = steps.next();
      while (!next.done) {
        if (performance.now() - sliceStarted >= this.sliceMs) {
          await new Promise((resolve) => setImmediate(resolve));
          if (this.stopping) {
            // Shutting down mid-run: put it back in the queue; it starts afresh next time (it is deterministic).
            await db
              .update(simulationRuns)
              .set({ status: 'queued', startedAt: null })
              .where(eq(simulationRuns.id, row.id));
            return;
          }
          sliceStarted = performance.now();
        }
        next = steps.next();
      }
      await db
        .update(simulationRuns)
        .set({ status: 'done', reportJson: reportJson(next.value.report), finishedAt: this.deps.clock.now() })
        .where(eq(simulationRuns.id, row.id));
    } catch (error) {
      await db
        .update(simulationRuns)
        .set({
          status: 'failed',
          error: String((error as Error).message ?? error).slice(0, 2000),
          finishedAt: this.deps.clock.now(),
        })
        .where(eq(simulationRuns.id, row.id));
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

  /** For tests: how many runs are in each status. */
  async counts(executor: Executor): Promise<Record<string, number>> {
    const rows = await executor
      .select({ status: simulationRuns.status, n: sql<number>`count(*)::int` })
      .from(simulationRuns)
      .groupBy(simulationRuns.status)
      .limit(10);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }
}

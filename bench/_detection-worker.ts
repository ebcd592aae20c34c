// One seed of the detection benchmark (bench/detection.ts), run in a worker thread so seeds use
// both cores: builds the scenario from the shipped file and the realistic defaults, runs it with
// production's detector, and posts back what the benchmark aggregates. Also callable inline.
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { CohortDayCounts } from '../src/detection/cohorts.ts';
import { type EvidenceItem, FusionEngine } from '../src/detection/fusion.ts';
import type { DayEvidence, Detector, FunderAssessment } from '../src/simulation/model.ts';
import { parseScenario } from '../src/simulation/scenario.ts';
import { ShoujiaSimDetector } from '../src/simulation/sim-detector.ts';
import { simulate } from '../src/simulation/simulate.ts';

export type Mode = 'evasive' | 'naive' | 'stats-only' | 'honest' | 'throughput' | 'applications';

export interface SeedTask {
  mode: Mode;
  seed: number;
  /** overrides for a small smoke run; the benchmark proper leaves them unset */
  customers?: number;
  days?: number;
  canaryBudgetFenPerMonth: number;
}

export interface FunderOutcome {
  truth: 'honest' | 'poacher';
  firstPoachDay: number | null;
  poached: number;
  poachedBeforeConfirmed: number;
  suspectDay: number | null;
  confirmedDay: number | null;
}

export interface SeedResult {
  mode: Mode;
  seed: number;
  days: number;
  funders: FunderOutcome[];
  applications: number;
  canaries: number;
  /** fees − poaching loss − canary cost + penalties, with defences and without (evasive only) */
  netFen?: number;
  baselineNetFen?: number;
  /** throughput only */
  events?: number;
  seconds?: number;
}

const SCENARIO_FILE: Record<Exclude<Mode, 'throughput' | 'applications'>, string> = {
  evasive: 'evasive-poacher.json',
  naive: 'naive-poacher.json',
  'stats-only': 'evasive-poacher.json',
  honest: 'honest-market.json',
};

function scenarioFor(task: SeedTask) {
  const file =
    task.mode === 'throughput' || task.mode === 'applications'
      ? 'evasive-poacher.json'
      : SCENARIO_FILE[task.mode];
  const raw = JSON.parse(readFileSync(new URL(`../scenarios/${file}`, import.meta.url), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  // The only settings the benchmark chooses: the canary budget (about 1% of applications) and, for
  // statistics only, every other defence off. The market itself is the shipped scenario on the
  // realistic defaults.
  const platform: Record<string, unknown> = { ...raw.platform };
  if (task.mode === 'applications') platform.canaries = { budgetFenPerMonth: 0 };
  else if (task.mode === 'stats-only')
    Object.assign(platform, {
      canaries: { budgetFenPerMonth: 0 },
      relayContacts: false,
      creditReportOnReapply: false,
    });
  else platform.canaries = { budgetFenPerMonth: task.canaryBudgetFenPerMonth };
  const input = {
    ...raw,
    platform,
    ...(task.days ? { days: task.days } : {}),
    customers: { ...raw.customers, ...(task.customers ? { count: task.customers } : {}) },
  };
  const parsed = parseScenario(input, task.seed);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

/**
 * For statistics only the benchmark wants customers poached before `suspect`; the simulator counts
 * them before `confirmed`. This wrapper reports the core's `suspect` as `confirmed` to the simulator
 * (the day a level is first reached is all that changes; the poaching before that day cannot depend
 * on it), so poachedBeforeConfirmed becomes poached-before-suspect exactly.
 */
class SuspectAsConfirmed implements Detector {
  readonly name = 'shoujia-suspect-as-confirmed';
  constructor(private readonly inner: Detector) {}
  start(context: Parameters<Detector['start']>[0]): void {
    this.inner.start(context);
  }
  observeDay(evidence: DayEvidence): readonly FunderAssessment[] {
    return this.inner
      .observeDay(evidence)
      .map((a) => (a.level === 'suspect' ? { ...a, level: 'confirmed' as const } : a));
  }
}

/** Records the items and cohort counts the core received, for the throughput measurement. */
class RecordingDetector extends ShoujiaSimDetector {
  readonly days: Array<{ day: number; items: EvidenceItem[]; cohorts: CohortDayCounts[] }> = [];
  override observeDay(evidence: DayEvidence): readonly FunderAssessment[] {
    this.days.push({ day: evidence.day, items: [], cohorts: evidence.cohorts.map((c) => ({ ...c })) });
    return super.observeDay(evidence);
  }
  override translate(evidence: DayEvidence, emit: (item: EvidenceItem) => void): void {
    const day = this.days[this.days.length - 1]!;
    super.translate(evidence, (item) => {
      day.items.push(item);
      emit(item);
    });
  }
}

/** Scoring and fusion alone over a recorded stream, repeated until it has run ≥ minSeconds. */
function measureThroughput(
  funders: Array<{ id: string; type: string }>,
  days: RecordingDetector['days'],
  minSeconds: number,
): { events: number; seconds: number } {
  let events = 0;
  let seconds = 0;
  while (seconds < minSeconds) {
    const engine = new FusionEngine(funders);
    const started = performance.now();
    for (const d of days) {
      const items = d.items;
      for (let i = 0; i < items.length; i++) engine.observe(items[i]!);
      engine.observeCohorts(d.day, d.cohorts);
      engine.endDay(d.day);
      events += items.length;
    }
    seconds += (performance.now() - started) / 1000;
  }
  return { events, seconds };
}

export function runSeed(task: SeedTask): SeedResult {
  const scenario = scenarioFor(task);
  const recorder = task.mode === 'throughput' ? new RecordingDetector() : null;
  const core = recorder ?? new ShoujiaSimDetector();
  const detector =
    task.mode === 'applications'
      ? undefined
      : task.mode === 'stats-only'
        ? new SuspectAsConfirmed(core)
        : core;
  const { report } = simulate(scenario, { detector, compareBaseline: task.mode === 'evasive' });
  const net = (e: {
    serviceFeesFen: number;
    poachingLossFen: number;
    canaryCostFen: number;
    penaltiesFen: number;
  }) => e.serviceFeesFen - e.poachingLossFen - e.canaryCostFen + e.penaltiesFen;
  const result: SeedResult = {
    mode: task.mode,
    seed: task.seed,
    days: scenario.days,
    applications: report.platform.applications,
    canaries: report.platform.canaries,
    funders: report.funders.map((f) => ({
      truth: f.truth,
      firstPoachDay: f.firstPoachDay,
      poached: f.poached,
      poachedBeforeConfirmed: f.poachedBeforeConfirmed,
      suspectDay: f.alertDay.suspect,
      confirmedDay: f.alertDay.confirmed,
    })),
  };
  if (report.platform.baseline) {
    result.netFen = net(report.platform);
    result.baselineNetFen = net(report.platform.baseline);
  }
  if (recorder) {
    const funders = scenario.funders.map((f) => ({ id: f.id, type: f.type }));
    Object.assign(result, measureThroughput(funders, recorder.days, task.days ? 0.05 : 2));
  }
  return result;
}

if (parentPort && workerData) parentPort.postMessage(runSeed(workerData as SeedTask));

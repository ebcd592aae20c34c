// Detection (issue 14): production's scoring and fusion core as the simulator's `shoujia` detector,
// over many seeds of the shipped scenarios on the simulator's realistic defaults. The benchmark
// chooses only the scenario shape the issue names (the evasive poacher of
// scenarios/evasive-poacher.json: all three exclusions, 3% a month; the naive one of
// naive-poacher.json; a canary budget of about 1% of applications, derived and printed below;
// statistics only = canaries, relay points and credit-report checks off). Seeds run in worker
// threads (bench/_detection-worker.ts), one per core.
// Options: --quick (few seeds, for development), --seeds N, --honest-runs N, --customers N and
// --days N (a smaller market: smoke tests only, the figures then mean nothing), --inline (no workers).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DAYS_PER_MONTH } from '../src/simulation/economics.ts';
import { parseScenario } from '../src/simulation/scenario.ts';
import { type SeedResult, type SeedTask, runSeed } from './_detection-worker.ts';
import type { BenchArea, BenchResult } from './run.ts';

/** Canaries as a share of the market's applications (issue 14: "about 1% of applications"). */
const CANARY_SHARE_OF_APPLICATIONS = 0.01;
const FIRST_SEED = 1;

function runInWorker(task: SeedTask): Promise<SeedResult> {
  return new Promise((resolve, reject) => {
    // A worker's entry is loaded before --import hooks apply to it: a one-line ESM bootstrap
    // registers tsx's loader, then imports the TypeScript worker.
    const entry = new URL('./_detection-worker.ts', import.meta.url).href;
    const worker = new Worker(
      `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`,
      { eval: true, workerData: task },
    );
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`detection worker exited with ${code}`));
    });
  });
}

async function runAll(
  tasks: SeedTask[],
  inline: boolean,
  log: (line: string) => void,
): Promise<SeedResult[]> {
  const results: SeedResult[] = new Array(tasks.length);
  let next = 0;
  let done = 0;
  const lanes = inline ? 1 : Math.max(1, Math.min(availableParallelism(), tasks.length));
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = inline ? runSeed(tasks[i]!) : await runInWorker(tasks[i]!);
        done++;
        if (done % 10 === 0 || done === tasks.length) log(`  ${done}/${tasks.length} runs`);
      }
    }),
  );
  return results;
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const area: BenchArea = {
  description:
    'detection core in the simulator: evasive and naive poachers, honest funder-years, statistics only, economics, throughput',
  async run({ log, args }) {
    const option = (name: string, fallback: number) => {
      const i = args.indexOf(name);
      const value = i >= 0 ? Number(args[i + 1]) : fallback;
      if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
      return value;
    };
    const quick = args.includes('--quick');
    const inline = args.includes('--inline');
    const seeds = option('--seeds', quick ? 2 : 16);
    const customers = args.includes('--customers') ? option('--customers', 1) : undefined;
    const days = args.includes('--days') ? option('--days', 1) : undefined;
    const small = { ...(customers ? { customers } : {}), ...(days ? { days } : {}) };

    // 1. The canary budget: applications of the evasive market without canaries (seed 1), 1% of
    //    them as canaries, times the defaults' cost per canary over the run, per month.
    const [probe] = await runAll(
      [{ mode: 'applications', seed: FIRST_SEED, canaryBudgetFenPerMonth: 0, ...small }],
      inline,
      () => {},
    );
    const parsed = parseScenario({
      days: probe!.days,
      funders: [{ id: 'defaults', strategy: { kind: 'honest' } }],
    });
    if (!parsed.ok) throw new Error(parsed.message);
    const c = parsed.value.platform.canaries;
    const months = probe!.days / DAYS_PER_MONTH;
    const perCanaryFen =
      c.recruitmentFen + c.monthlyFeeFen * months + c.expectedInterestFenPerYear * (probe!.days / 365);
    const canaryTarget = Math.ceil(CANARY_SHARE_OF_APPLICATIONS * probe!.applications);
    const canaryBudgetFenPerMonth = Math.ceil((canaryTarget * perCanaryFen) / months);
    log(
      `canary budget: ${probe!.applications.toLocaleString('en-US')} applications in ${probe!.days} days (evasive market, seed ${FIRST_SEED}, no canaries) × ${CANARY_SHARE_OF_APPLICATIONS} = ${canaryTarget} canaries; ` +
        `per canary ¥${c.recruitmentFen / 100} recruitment + ¥${c.monthlyFeeFen / 100} × ${months.toFixed(2)} months + ¥${c.expectedInterestFenPerYear / 100} × ${(probe!.days / 365).toFixed(2)} years interest = ¥${(perCanaryFen / 100).toFixed(2)}; ` +
        `budget ${canaryTarget} × ¥${(perCanaryFen / 100).toFixed(2)} ÷ ${months.toFixed(2)} months = ¥${(canaryBudgetFenPerMonth / 100).toLocaleString('en-US')} a month (the default is ¥${(c.budgetFenPerMonth / 100).toLocaleString('en-US')})`,
    );

    // 2. Honest funder-years: the honest market's funders plus the honest funders of the poacher runs.
    const honestRunsWanted = args.includes('--honest-runs') ? option('--honest-runs', 1) : quick ? 2 : 0;
    const tasks: SeedTask[] = [];
    for (let s = 0; s < seeds; s++)
      for (const mode of ['evasive', 'naive', 'stats-only'] as const)
        tasks.push({ mode, seed: FIRST_SEED + s, canaryBudgetFenPerMonth, ...small });
    log(`running ${tasks.length} poacher-market runs (${seeds} seeds × evasive, naive, statistics only)…`);
    const poacherRuns = await runAll(tasks, inline, log);
    const honestYears = (runs: SeedResult[]) =>
      runs.reduce((sum, r) => sum + (r.funders.filter((f) => f.truth === 'honest').length * r.days) / 365, 0);
    const withDefences = poacherRuns.filter((r) => r.mode !== 'stats-only');
    let honestRuns = honestRunsWanted;
    if (honestRuns === 0) {
      // enough honest-market runs to reach ≥ 1,000 honest funder-years with the poacher runs' honest funders
      const perRun =
        honestYears([
          { ...withDefences[0]!, funders: withDefences[0]!.funders.map((f) => ({ ...f, truth: 'honest' })) },
        ]) *
        (9 / withDefences[0]!.funders.length);
      honestRuns = Math.max(1, Math.ceil((1000 - honestYears(withDefences)) / perRun));
    }
    log(`running ${honestRuns} honest-market runs…`);
    const honest = await runAll(
      Array.from({ length: honestRuns }, (_, s) => ({
        mode: 'honest' as const,
        seed: FIRST_SEED + s,
        canaryBudgetFenPerMonth,
        ...small,
      })),
      inline,
      log,
    );
    log('measuring scoring and fusion over a recorded evidence stream (one core)…');
    const [throughput] = await runAll(
      [{ mode: 'throughput', seed: FIRST_SEED, canaryBudgetFenPerMonth, ...small }],
      inline,
      () => {},
    );

    const poacherOf = (r: SeedResult) => r.funders.find((f) => f.truth === 'poacher')!;
    const evasive = poacherRuns.filter((r) => r.mode === 'evasive');
    const naive = poacherRuns.filter((r) => r.mode === 'naive');
    const statsOnly = poacherRuns.filter((r) => r.mode === 'stats-only');
    const within90 = evasive.filter((r) => {
      const p = poacherOf(r);
      return p.confirmedDay !== null && p.firstPoachDay !== null && p.confirmedDay - p.firstPoachDay <= 90;
    }).length;
    const naiveDays = naive.map((r) => {
      const p = poacherOf(r);
      if (p.firstPoachDay === null) return 0;
      return (p.confirmedDay ?? r.days) - p.firstPoachDay;
    });
    const honestPopulation = [...withDefences, ...honest];
    const years = honestYears(honestPopulation);
    const honestFunders = honestPopulation.flatMap((r) => r.funders.filter((f) => f.truth === 'honest'));
    const confirmedHonest = honestFunders.filter((f) => f.confirmedDay !== null).length;
    const suspectHonest = honestFunders.filter((f) => f.suspectDay !== null).length;
    const gains = evasive.map((r) => r.netFen! - r.baselineNetFen!);
    const meanGain = Math.round(gains.reduce((a, b) => a + b, 0) / Math.max(1, gains.length));
    for (const r of evasive) {
      const p = poacherOf(r);
      log(
        `  evasive seed ${r.seed}: canaries ${r.canaries}, first poach day ${p.firstPoachDay}, confirmed day ${p.confirmedDay}, poached before confirmed ${p.poachedBeforeConfirmed} of ${p.poached}, net gain ¥${((r.netFen! - r.baselineNetFen!) / 100).toLocaleString('en-US')}`,
      );
    }
    log(
      `  honest: ${honestFunders.length} funders, ${years.toFixed(0)} funder-years, ${confirmedHonest} confirmed, ${suspectHonest} reached suspect`,
    );
    const results: BenchResult[] = [
      {
        name: 'evasive_poached_before_confirmed_median',
        value: median(evasive.map((r) => poacherOf(r).poachedBeforeConfirmed)),
        unit: 'customers',
        note: `${evasive.length} seeds; goal ≤ 20`,
      },
      {
        name: 'evasive_confirmed_within_90d_share',
        value: Number((within90 / Math.max(1, evasive.length)).toFixed(4)),
        unit: 'share',
        note: 'confirmed within 90 days of the first poach; goal ≥ 0.95',
      },
      {
        name: 'naive_confirmed_days_median',
        value: median(naiveDays),
        unit: 'days',
        note: 'from the first poach; goal ≤ 7',
      },
      {
        name: 'honest_confirmed_per_1000_funder_years',
        value: Number(((confirmedHonest * 1000) / years).toFixed(3)),
        unit: '/1000 funder-years',
        note: `${years.toFixed(0)} funder-years; goal 0`,
      },
      {
        name: 'honest_suspect_per_10_funder_years',
        value: Number(((suspectHonest * 10) / years).toFixed(4)),
        unit: '/10 funder-years',
        note: 'goal ≤ 1',
      },
      {
        name: 'stats_only_poached_before_suspect_median',
        value: median(statsOnly.map((r) => poacherOf(r).poachedBeforeConfirmed)),
        unit: 'customers',
        note: 'no canaries, relay points or credit-report checks; for comparison',
      },
      {
        name: 'defence_net_gain_fen',
        value: meanGain,
        unit: 'fen',
        note: 'mean over evasive seeds of (fees − poaching loss − canary cost + penalties) minus the no-defence baseline; goal > 0',
      },
      {
        name: 'evidence_events_per_s',
        value: Math.round(throughput!.events! / throughput!.seconds!),
        unit: 'events/s',
        note: `${throughput!.events!.toLocaleString('en-US')} items scored; goal ≥ 100,000`,
      },
    ];
    return results;
  },
};

export default area;

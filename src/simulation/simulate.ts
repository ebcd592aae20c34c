// One simulation: the scenario's run, optionally the same market without the platform's defences
// (the no-defence baseline), and the report. report.json is deterministic for a scenario and seed:
// everything in it comes from the seeded run except runtimeMs, which is the wall-clock cost.
import { performance } from 'node:perf_hooks';
import { canonicalJson, sha256Hex } from '../kernel/index.ts';
import { type EvidenceLog, marketSteps } from './market.ts';
import type { Detector, Report, Scenario } from './model.ts';

export interface SimulateOptions {
  detector?: Detector | undefined;
  compareBaseline?: boolean;
  keepEvidence?: boolean;
  /** called with the fraction done, 0..1, across both runs */
  onProgress?: (fraction: number) => void;
}

export interface Simulation {
  report: Report;
  evidence: EvidenceLog | null;
}

/** The same market with every defence off: no rotation, no canaries, real numbers shared, no credit-report check, no detector. */
export function baselineScenario(scenario: Scenario): Scenario {
  return {
    ...scenario,
    platform: {
      ...scenario.platform,
      rotation: false,
      canaries: { ...scenario.platform.canaries, budgetFenPerMonth: 0 },
      relayContacts: false,
      creditReportOnReapply: false,
    },
  };
}

export function simulate(scenario: Scenario, options: SimulateOptions = {}): Simulation {
  const steps = simulationSteps(scenario, options);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * The simulation as a generator yielding after each virtual day (of the run, then of the baseline),
 * so a service can run it in time slices; returns the finished simulation.
 */
export function* simulationSteps(
  scenario: Scenario,
  options: SimulateOptions = {},
): Generator<number, Simulation, void> {
  const started = performance.now();
  const runs = options.compareBaseline ? 2 : 1;
  const progress = (offset: number) => (day: number, days: number) =>
    options.onProgress?.((offset + day / days) / runs);
  const main = yield* marketSteps(scenario, {
    detector: options.detector,
    keepEvidence: options.keepEvidence ?? false,
    onProgress: progress(0),
  });
  const baseline = options.compareBaseline
    ? yield* marketSteps(baselineScenario(scenario), { onProgress: progress(1) })
    : null;
  const report: Report = {
    scenario: {
      // RFC 8785 canonical JSON of the normalised scenario (defaults filled in), seed included:
      // two reports with the same hash came from the same inputs.
      sha256: sha256Hex(canonicalJson(scenario)),
      seed: scenario.seed,
      days: scenario.days,
      startDate: scenario.startDate,
      customers: scenario.customers.count,
      funders: scenario.funders.length,
    },
    detector: options.detector?.name ?? null,
    notes: [
      ...(options.detector
        ? []
        : [
            'No detector ran (the detection core is a later issue): every alertDay is null and poachedBeforeConfirmed equals poached. The evidence a detector would receive is in evidence.ndjson.',
          ]),
      'Canary loans are real loans (the funder pays the service fee, counted in serviceFeesFen); the platform reimburses their interest, counted in canaryCostFen with recruitment and retainers.',
      'evidence.*.fromPoaching is ground truth the platform does not see: how many of the observed items came from poaching. The detector never receives it.',
      'poachingLossFen is an estimate: lost loans per poached customer (docs/simulation.md, Economics) × the run’s average service fee per loan.',
    ],
    funders: main.report.funders,
    platform: {
      ...main.report.platform,
      ...(baseline
        ? {
            baseline: {
              serviceFeesFen: baseline.report.platform.serviceFeesFen,
              poachingLossFen: baseline.report.platform.poachingLossFen,
              canaryCostFen: baseline.report.platform.canaryCostFen,
              penaltiesFen: baseline.report.platform.penaltiesFen,
              customersLost: baseline.report.platform.customersLost,
              booked: baseline.report.platform.booked,
            },
          }
        : {}),
    },
    series: main.report.series,
    ...(baseline ? { baseline: baseline.report } : {}),
    runtimeMs: Math.round(performance.now() - started),
  };
  return { report, evidence: main.evidence };
}

/**
 * report.json text: two-space JSON in the report's fixed key order, newline-terminated, with arrays
 * of plain values (the series) kept on one line so the file stays readable at 100 funders.
 */
export function reportJson(report: Report): string {
  return `${prettyJson(report, '')}\n`;
}

export function prettyJson(value: unknown, indent: string): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) return JSON.stringify(value);
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + prettyJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${prettyJson(v, inner)}`).join(',\n')}\n${indent}}`;
}

/** evidence.ndjson: one line per day with activity, for replaying into a detector. */
export function evidenceNdjson(evidence: EvidenceLog): string {
  let out = '';
  for (const day of evidence.days) out += `${JSON.stringify(day)}\n`;
  return out;
}

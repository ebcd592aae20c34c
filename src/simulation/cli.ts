// `shoujia simulate`: validate a scenario (every problem listed by JSON path, exit 2, before
// anything runs), run it with a progress bar on stderr, write report.json, report.html and
// evidence.ndjson into the output directory.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../cli/main.ts';
import { DETECTORS } from './detectors.ts';
import { reportHtml } from './html.ts';
import type { ScenarioProblem } from './scenario.ts';
import { parseScenario } from './scenario.ts';
import { evidenceNdjson, reportJson, simulate } from './simulate.ts';

/** A scenario is a few kilobytes; 100 funders with 20 products each stay far below this (STYLE §8). */
export const SCENARIO_FILE_MAX_BYTES = 1_000_000;

const USAGE = `Usage: shoujia simulate --scenario <file.json> --out <dir> [--seed N] [--compare-baseline] [--detector NAME] [--quiet]

Runs a market simulation against the real routing and pricing cores and writes
  <dir>/report.json      per-funder truth, poaching, evidence and alert days; platform totals
  <dir>/report.html      self-contained charts and tables
  <dir>/evidence.ndjson  the evidence stream a detector receives, one line per day

  --scenario <file>     scenario JSON (schema: docs/scenario.schema.json)
  --out <dir>           output directory (created if missing)
  --seed N              override the scenario's seed (integer 0..4294967295); it also redraws
                        the funder fields the scenario omits
  --compare-baseline    also run the same market with every defence off and chart the income against it
  --detector NAME       run a registered detection core (src/simulation/detectors.ts): shoujia,
                        production's scoring and fusion core
  --quiet               no progress bar

Exit codes: 0 done, 2 bad arguments or invalid scenario, 1 could not read or write a file.`;

export interface SimulateArgs {
  scenario: string;
  out: string;
  seed?: number;
  compareBaseline: boolean;
  quiet: boolean;
  detector?: string;
}

/** Parse argv; a string is the error naming the bad argument. */
export function parseSimulateArgs(argv: readonly string[]): SimulateArgs | string {
  let scenario: string | undefined;
  let out: string | undefined;
  let seed: number | undefined;
  let compareBaseline = false;
  let quiet = false;
  let detector: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[i + 1];
      i++;
      return v === undefined || v.startsWith('--') ? undefined : v;
    };
    if (arg === '--scenario') {
      scenario = value();
      if (!scenario) return '--scenario needs a file';
    } else if (arg === '--out') {
      out = value();
      if (!out) return '--out needs a directory';
    } else if (arg === '--seed') {
      const v = value();
      if (v === undefined || !/^\d{1,10}$/.test(v) || Number(v) > 4_294_967_295)
        return '--seed must be an integer from 0 to 4294967295';
      seed = Number(v);
    } else if (arg === '--detector') {
      detector = value();
      if (!detector) return '--detector needs a name';
      if (!Object.hasOwn(DETECTORS, detector)) {
        const known = Object.keys(DETECTORS);
        return `--detector ${detector} is not registered (${known.length === 0 ? 'no detector is registered yet' : `known: ${known.join(', ')}`})`;
      }
    } else if (arg === '--compare-baseline') compareBaseline = true;
    else if (arg === '--quiet') quiet = true;
    else return `unknown argument ${arg}`;
  }
  if (!scenario) return '--scenario is required';
  if (!out) return '--out is required';
  return {
    scenario,
    out,
    ...(seed === undefined ? {} : { seed }),
    compareBaseline,
    quiet,
    ...(detector ? { detector } : {}),
  };
}

function progressBar(stream: NodeJS.WriteStream): (fraction: number) => void {
  const width = 30;
  let shown = -1;
  return (fraction) => {
    const percent = Math.floor(fraction * 100);
    if (percent === shown) return;
    shown = percent;
    const filled = Math.round((percent / 100) * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}%`;
    // On a terminal the bar redraws in place; in a log, a line every 10%.
    if (stream.isTTY) stream.write(`\r${bar}${percent === 100 ? '\n' : ''}`);
    else if (percent % 10 === 0) stream.write(`${bar}\n`);
  };
}

export const simulateCommand: Command = {
  summary: 'run a market simulation (honest and poaching funders) against the real routing core',
  usage: USAGE,
  async run(argv) {
    const args = parseSimulateArgs(argv);
    if (typeof args === 'string') {
      console.error(`shoujia simulate: ${args}\n\n${USAGE}`);
      return 2;
    }
    let raw: unknown;
    try {
      if (statSync(args.scenario).size > SCENARIO_FILE_MAX_BYTES) {
        console.error(
          `shoujia simulate: --scenario ${args.scenario} is larger than ${SCENARIO_FILE_MAX_BYTES} bytes`,
        );
        return 2;
      }
      raw = JSON.parse(readFileSync(args.scenario, 'utf8'));
    } catch (error) {
      const message =
        error instanceof SyntaxError ? `not valid JSON: ${error.message}` : (error as Error).message;
      console.error(`shoujia simulate: --scenario ${args.scenario}: ${message}`);
      return error instanceof SyntaxError ? 2 : 1;
    }
    const parsed = parseScenario(raw, args.seed);
    if (!parsed.ok) {
      const problems = (parsed.details?.problems ?? []) as ScenarioProblem[];
      console.error(
        `shoujia simulate: ${args.scenario} is not a valid scenario (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
      );
      for (const p of problems) console.error(`  ${p.path}: ${p.message}`);
      return 2;
    }
    const { report, evidence } = simulate(parsed.value, {
      detector: args.detector ? DETECTORS[args.detector]!() : undefined,
      compareBaseline: args.compareBaseline,
      keepEvidence: true,
      onProgress: args.quiet ? undefined : progressBar(process.stderr),
    });
    try {
      mkdirSync(args.out, { recursive: true });
      writeFileSync(join(args.out, 'report.json'), reportJson(report));
      writeFileSync(join(args.out, 'report.html'), reportHtml(report));
      if (evidence) writeFileSync(join(args.out, 'evidence.ndjson'), evidenceNdjson(evidence));
    } catch (error) {
      console.error(`shoujia simulate: --out ${args.out}: ${(error as Error).message}`);
      return 1;
    }
    const p = report.platform;
    console.log(
      `${p.applications} applications, ${p.booked} booked, ${p.customersLost} customers lost, service fees ${p.serviceFeesFen} fen, poaching loss ${p.poachingLossFen} fen, canary cost ${p.canaryCostFen} fen; ` +
        `${report.funders.filter((f) => f.poached > 0).length} funders poached; ${report.detector ? `detector ${report.detector}` : 'no detector: alert days are null'}; ${report.runtimeMs} ms → ${args.out}`,
    );
    return 0;
  },
};

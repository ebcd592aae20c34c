// `npm run bench -- startup [--json]`: start-up time and memory of the `shoujia` command (issue 11
// item 9). Peer: `node -e 0` on the same machine in the same run. Goals: cli_help_ms ≤ 6 × the
// peer, demo_rss_mb ≤ 300 (RSS of the demo once /health answers, on a fresh data dir).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchArea } from './run.ts';

/** Runs per timed command; the median is reported. */
const RUNS = 10;
/** The demo must answer /health within this on a loaded machine, or the bench fails. */
const DEMO_READY_LIMIT_MS = 120_000;
const HEALTH_POLL_MS = 20;
const CLI_HELP_GOAL_TIMES_NODE = 6;
const DEMO_RSS_GOAL_MB = 300;

const bin = join(import.meta.dirname, '..', 'bin', 'shoujia.js');

function medianMs(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return (times[(RUNS - 1) >> 1]! + times[RUNS >> 1]!) / 2;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

async function demo(): Promise<{ readyMs: number; rssMb: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shoujia-bench-startup-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const started = performance.now();
  const child = spawn(process.execPath, [bin, 'demo'], {
    env: {
      ...process.env,
      PORT: String(port),
      SHOUJIA_DATA_DIR: dataDir,
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      if (performance.now() - started > DEMO_READY_LIMIT_MS) throw new Error('demo not ready in time');
      if (child.exitCode !== null) throw new Error(`demo exited ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, HEALTH_POLL_MS));
    }
    const readyMs = performance.now() - started;
    return { readyMs, rssMb: rssMb(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const area: BenchArea = {
  description: 'start-up of the shoujia command and the demo (peer: node -e 0)',
  async run({ log }) {
    const nodeBaseline = medianMs(['-e', '0']);
    log(`node -e 0: ${nodeBaseline.toFixed(0)} ms (median of ${RUNS})`);
    const cliHelp = medianMs([bin, '--help']);
    log(`shoujia --help: ${cliHelp.toFixed(0)} ms (median of ${RUNS})`);
    const ready = await demo();
    log(`demo: /health after ${ready.readyMs.toFixed(0)} ms, RSS ${ready.rssMb.toFixed(0)} MB`);
    return [
      {
        name: 'cli_help_ms',
        value: Math.round(cliHelp),
        unit: 'ms',
        note: `goal ≤ ${CLI_HELP_GOAL_TIMES_NODE} × node_baseline_ms`,
      },
      { name: 'node_baseline_ms', value: Math.round(nodeBaseline), unit: 'ms', note: 'peer: node -e 0' },
      {
        name: 'demo_ready_ms',
        value: Math.round(ready.readyMs),
        unit: 'ms',
        note: 'fresh data dir, until /health answers',
      },
      { name: 'demo_rss_mb', value: Math.round(ready.rssMb), unit: 'MB', note: `goal ≤ ${DEMO_RSS_GOAL_MB}` },
    ];
  },
};
export default area;

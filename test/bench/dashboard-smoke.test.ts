// Smoke test of `npm run bench -- dashboard --json --quick`: the real command (a scratch database,
// 20k applications, the HTTP server, the plan check) on PostgreSQL, checking the JSON line's shape
// and result names — never the times (a small market on a shared machine means nothing). Without
// Chromium's Vite build (--no-browser): first_render_ms is the browser tests' business. Needs
// SHOUJIA_TEST_PG_URL (the bench is PostgreSQL only); skipped without it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PG_URL } from '../support/engines.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const NAMES = [
  'applications_page_p95_ms',
  'applications_first_page_p95_ms',
  'applications_deep_page_p95_ms',
  'applications_filtered_page_p95_ms',
  'offset_deep_page_ms',
  'funder_scorecard_p95_ms',
  'overview_p95_ms',
  'plans_seq_scan_applications',
];

describe.skipIf(!PG_URL)('bench dashboard', () => {
  it('prints its results as the last JSON line', () => {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', 'dashboard', '--json', '--quick', '--no-browser'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 240_000,
        env: { ...process.env, SHOUJIA_BENCH_PG_URL: PG_URL },
      },
    );
    const last = out.trim().split('\n').at(-1)!;
    const json = JSON.parse(last) as {
      area: string;
      node: string;
      nproc: number;
      results: Array<{ name: string; value: number; unit: string }>;
    };
    expect(json.area).toBe('dashboard');
    expect(json.node).toMatch(/^v\d+/);
    expect(json.nproc).toBeGreaterThanOrEqual(1);
    expect(json.results.map((r) => r.name)).toEqual(NAMES);
    for (const r of json.results) {
      expect(Number.isFinite(r.value), r.name).toBe(true);
      expect(r.value, r.name).toBeGreaterThanOrEqual(0);
      expect(r.unit, r.name).toMatch(/^(ms|plans)$/);
    }
    expect(json.results.find((r) => r.name === 'plans_seq_scan_applications')!.unit).toBe('plans');
  }, 240_000);
});

// Smoke test of `npm run bench -- detection --json`: the real command (workers included) on a tiny
// market, checking the JSON line's shape and result names — not the goals (a tiny market means nothing).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const NAMES = [
  'evasive_poached_before_confirmed_median',
  'evasive_confirmed_within_90d_share',
  'naive_confirmed_days_median',
  'honest_confirmed_per_1000_funder_years',
  'honest_suspect_per_10_funder_years',
  'stats_only_poached_before_suspect_median',
  'defence_net_gain_fen',
  'evidence_events_per_s',
];

describe('bench detection', () => {
  it('prints the eight results as the last JSON line', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/run.ts',
        'detection',
        '--json',
        '--customers',
        '2000',
        '--days',
        '60',
        '--seeds',
        '1',
        '--honest-runs',
        '1',
      ],
      { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
    );
    const last = out.trim().split('\n').at(-1)!;
    const json = JSON.parse(last) as {
      area: string;
      node: string;
      nproc: number;
      results: Array<{ name: string; value: number; unit: string }>;
    };
    expect(json.area).toBe('detection');
    expect(json.node).toMatch(/^v\d+/);
    expect(json.nproc).toBeGreaterThanOrEqual(1);
    expect(json.results.map((r) => r.name)).toEqual(NAMES);
    for (const r of json.results) {
      expect(typeof r.value).toBe('number');
      expect(typeof r.unit).toBe('string');
    }
  }, 120_000);
});

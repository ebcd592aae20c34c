// Golden cases for the pricing core. Pedigree: every expected value comes from
// test/golden/pricing_golden.py, an independent implementation of the rules in exact
// rational arithmetic (Python fractions.Fraction for every fen, 60-digit decimal bisection for the
// IRR), run here and its output kept as test/golden/pricing-golden.json. The first case is also the
// widely published bank-calculator figure (¥10,000, 12 months, 18%: ¥916.80 a month).
// Tolerances: schedules and totals exactly to the fen; APR figures to 1e-12 absolute.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { quote } from './index.ts';
import type { QuoteInput } from './model.ts';

interface GoldenCase {
  name: string;
  input: QuoteInput;
  schedule: unknown[];
  totals: unknown;
  apr: { periodRate: string; nominal: string; effective: string };
}

const golden = JSON.parse(
  readFileSync(new URL('../../test/golden/pricing-golden.json', import.meta.url), 'utf8'),
) as {
  cases: GoldenCase[];
};

const script = fileURLToPath(new URL('../../test/golden/pricing_golden.py', import.meta.url));
const python = spawnSync('python3', ['--version']).status === 0;

describe('pricing golden cases (independent exact-arithmetic reference)', () => {
  // The kept JSON must be what the kept script prints: nobody edits expected values by hand.
  it.skipIf(!python)('matches a fresh run of the reference script', () => {
    const fresh = spawnSync('python3', [script], { encoding: 'utf8' });
    expect(fresh.status).toBe(0);
    expect(JSON.parse(fresh.stdout)).toEqual(golden);
  });

  it('has the published textbook figure as its first case', () => {
    const first = golden.cases[0]!;
    expect((first.schedule[0] as { paymentFen: number }).paymentFen).toBe(91_680);
  });

  it.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = quote(c.input);
    if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
    expect(result.value.schedule).toEqual(c.schedule);
    expect(result.value.totals).toEqual(c.totals);
    expect(Math.abs(result.value.apr.periodRate - Number(c.apr.periodRate))).toBeLessThan(1e-12);
    expect(Math.abs(result.value.apr.nominal - Number(c.apr.nominal))).toBeLessThan(1e-12);
    expect(Math.abs(result.value.apr.effective - Number(c.apr.effective))).toBeLessThan(1e-12);
  });
});

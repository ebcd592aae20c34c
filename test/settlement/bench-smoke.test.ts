// The settlement benchmark at a tiny size (PostgreSQL only): it runs, checks the journal's fees
// against the SQL aggregate, and ends with the JSON line bench/run.ts promises. No timing asserted.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PG_URL } from '../support/engines.ts';

const RUN = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));

describe.skipIf(!PG_URL)('bench settlement --json --quick', () => {
  it('prints one JSON line with the area, node, nproc and each result', async () => {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', RUN, 'settlement', '--json', '--quick', '--loans', '300', '--funders', '3'],
        { timeout: 120_000, env: { ...process.env, SHOUJIA_BENCH_PG_URL: PG_URL } },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
      ),
    );
    const last = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ area: 'settlement', node: process.version });
    expect(Number.isInteger(last.nproc)).toBe(true);
    expect(last.results.map((r: { name: string }) => r.name)).toEqual([
      'statement_month_300_loans_3_funders_s',
      'postings_per_s',
      'fees_aggregate_only_s',
    ]);
    for (const r of last.results) {
      expect(typeof r.value).toBe('number');
      expect(typeof r.unit).toBe('string');
    }
  }, 150_000);
});

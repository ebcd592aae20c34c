// The engagement benchmark's output at a tiny size: the JSON last line has the shape every bench
// prints and the three results, duplicates 0. A smoke test of the harness, never of the goals.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.ts';

const RUN = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));

describe.skipIf(!ENGINES.includes('postgres'))('bench engagement --json', () => {
  it('ends with the area, node, nproc and the three results', async () => {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', RUN, 'engagement', '--json', '--installments', '1200', '--deliveries', '40'],
        { timeout: 120_000, env: { ...process.env, SHOUJIA_BENCH_PG_URL: process.env.SHOUJIA_TEST_PG_URL } },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
      ),
    );
    const last = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ area: 'engagement', node: process.version });
    expect(last.nproc).toBeGreaterThan(0);
    expect(last.results.map((r: { name: string }) => r.name)).toEqual([
      'reminders_planned_per_s',
      'reminders_delivered_per_s',
      'reminder_duplicates',
    ]);
    for (const r of last.results) expect(Number.isFinite(r.value)).toBe(true);
    expect(last.results[2].value).toBe(0);
  }, 150_000);
});

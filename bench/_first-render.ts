// The dashboard bench's first render (bench/dashboard.ts): the overview in Debian's Chromium through
// playwright-core, signed in as the analyst (the key in session storage, as the sign-in page leaves
// it), timed in the page itself from navigation start (performance.timeOrigin) to the overview's
// first chart drawn with its data. Each sample is a fresh browser context: nothing cached.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, measureFirstRender } from '../test/support/dashboard-browser.ts';

const SAMPLES = 3;

/** Build web/ into a temporary directory for the server's dashboardDir; undefined without Chromium. */
export async function buildDashboardForBench(log: (line: string) => void): Promise<string | undefined> {
  if (!existsSync(CHROMIUM)) {
    log(`first render: skipped, no ${CHROMIUM} (Debian package: chromium)`);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'shoujia-bench-web-'));
  const started = performance.now();
  const { buildDashboard } = (await import('../scripts/build-web.mjs')) as {
    buildDashboard(outDir: string, options: { quiet: boolean }): Promise<unknown>;
  };
  await buildDashboard(dir, { quiet: true });
  log(`dashboard built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}

/**
 * Median over SAMPLES fresh Chromium contexts of the dashboard's own measurement (navigation start
 * to the overview's first chart drawn with its data: test/support/dashboard-browser.ts, the one the
 * browser test takes too).
 */
export async function medianFirstRender(baseUrl: string, analystKey: string): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) samples.push(await measureFirstRender(baseUrl, analystKey));
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

// The dashboard bench's first render (bench/dashboard.ts): the overview in Debian's Chromium through
// playwright-core, signed in as the analyst (the key in session storage, as the sign-in page leaves
// it), timed in the page itself from navigation start (performance.timeOrigin) to the overview's
// four totals and both charts drawn. Each sample is a fresh browser context: nothing cached.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHROMIUM = '/usr/bin/chromium';
const SAMPLES = 3;
const TIMEOUT_MS = 60_000;

/** Build web/ into a temporary directory for the server's dashboardDir; undefined without Chromium. */
export async function buildDashboardForBench(log: (line: string) => void): Promise<string | undefined> {
  if (!existsSync(CHROMIUM)) {
    log(`first render: skipped, no ${CHROMIUM} (Debian package: chromium)`);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'shoujia-bench-web-'));
  const started = performance.now();
  // @ts-expect-error: a plain .mjs build script, no types
  const { buildDashboard } = (await import('../scripts/build-web.mjs')) as {
    buildDashboard(outDir: string, options: { quiet: boolean }): Promise<unknown>;
  };
  await buildDashboard(dir, { quiet: true });
  log(`dashboard built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}

/** Median over SAMPLES fresh contexts of navigation start → the overview drawn with its data, in ms. */
export async function measureFirstRender(baseUrl: string, analystKey: string): Promise<number> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 900 } });
      await context.addInitScript((key: string) => {
        sessionStorage.setItem('shoujia.dashboardKey', key);
        sessionStorage.setItem('shoujia.dashboardRole', 'analyst');
      }, analystKey);
      const page = await context.newPage();
      await page.goto(`${baseUrl}/`, { waitUntil: 'commit', timeout: TIMEOUT_MS });
      const handle = await page.waitForFunction(
        () =>
          document.querySelectorAll('.ant-statistic').length >= 4 &&
          document.querySelectorAll('[role="img"] canvas').length >= 2
            ? performance.now()
            : false,
        undefined,
        { timeout: TIMEOUT_MS, polling: 'raf' },
      );
      samples.push(Number(await handle.jsonValue()));
      await context.close();
    }
    samples.sort((a, b) => a - b);
    return samples[Math.floor(samples.length / 2)]!;
  } finally {
    await browser.close();
  }
}

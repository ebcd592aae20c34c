// The dashboard in Debian's Chromium (playwright-core): launching it, signing a context in, an axe
// check that runs under the page's own CSP, and `measureFirstRender`, the overview's first render
// time that bench/dashboard.ts reports as `first_render_ms`. Used by
// test/dashboard/dashboard.browser.test.ts and by the benchmark.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_DEBIAN_PACKAGE = 'chromium';
export const chromiumAvailable = (): boolean => existsSync(CHROMIUM);

/** The mark the overview's first chart sets (web/src/components/chart.tsx FIRST_CHART_MARK). */
export const FIRST_CHART_MARK = 'shoujia:first-chart';
/** sessionStorage items of web/src/session.ts */
export const SESSION_KEY_ITEM = 'shoujia.dashboardKey';
export const SESSION_ROLE_ITEM = 'shoujia.dashboardRole';
const FIRST_RENDER_TIMEOUT_MS = 30_000;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

let axeSource: string | undefined;
/** Served at this same-origin path by a route, so axe loads under the page's CSP (script-src 'self'). */
const AXE_PATH = '/assets/__axe-core.js';

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/**
 * Run axe-core on the page as it is. The script is answered by a route at a path of the page's own
 * origin: the dashboard's CSP stays in force (the context needs no bypassCSP).
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  const source = axeSource;
  await page.route(`**${AXE_PATH}`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/javascript', body: source }),
  );
  const loaded = await page.evaluate(
    () =>
      // biome-ignore lint/suspicious/noExplicitAny: axe is injected into the page at run time
      (globalThis as any).axe !== undefined,
  );
  if (!loaded) await page.addScriptTag({ url: AXE_PATH });
  return (await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected into the page at run time
    const axe = (globalThis as any).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  })) as AxeViolation[];
}

/** A context already signed in with `key` (as sign-in leaves sessionStorage), for measurements. */
export async function signedInContext(
  browser: Browser,
  key: string,
  role = 'analyst',
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  await context.addInitScript(
    ([keyItem, roleItem, k, r]) => {
      sessionStorage.setItem(keyItem, k);
      sessionStorage.setItem(roleItem, r);
    },
    [SESSION_KEY_ITEM, SESSION_ROLE_ITEM, key, role] as const,
  );
  return context;
}

/**
 * first_render_ms: from the start of navigation to /overview (performance.timeOrigin) to the
 * overview's first chart drawn with its data (the FIRST_CHART_MARK performance mark), in a fresh
 * Chromium context with an empty cache, signed in as sign-in would leave it. One measurement per
 * call; the caller takes the median of several.
 */
export async function measureFirstRender(baseUrl: string, analystKey: string): Promise<number> {
  const browser = await launchChromium();
  try {
    const context = await signedInContext(browser, analystKey);
    const page = await context.newPage();
    await page.goto(new URL('/overview', baseUrl).toString());
    const handle = await page.waitForFunction(
      (mark) => performance.getEntriesByName(mark, 'mark')[0]?.startTime,
      FIRST_CHART_MARK,
      { timeout: FIRST_RENDER_TIMEOUT_MS },
    );
    const ms = (await handle.jsonValue()) as number;
    await context.close();
    return ms;
  } finally {
    await browser.close();
  }
}

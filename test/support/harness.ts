// A whole Shoujia (services + app) on a fresh database, with a manual clock and an admin key.
import pino from 'pino';
import { createLogger } from '../../src/http/logger.ts';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, type AppOptions, buildApp } from '../../src/http/app.ts';
import { ManualClock } from '../../src/kernel/index.ts';
import { createServices, type ServiceOptions, type Services } from '../../src/services.ts';
import { type Engine, freshDatabase, type TestDatabase } from './engines.ts';

export interface Harness {
  app: App;
  services: Services;
  database: TestDatabase;
  clock: ManualClock;
  adminKey: string;
  /** app.inject with the admin key (or another) and JSON body */
  call(
    method: string,
    url: string,
    body?: unknown,
    options?: { key?: string | null; headers?: Record<string, string> },
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  ): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

let standInBuild: string | undefined;
/**
 * A stand-in dashboard build (the shape Vite writes) for every harness that names none: the real
 * dist/web is replaced wholesale whenever the CLI rebuilds dist/ (bin/shoujia.js, in the CLI tests), so a harness pointed at it
 * would answer the not-built page (503) or not depending on timing. The browser test builds its own.
 */
function standInDashboard(): string {
  if (standInBuild) return standInBuild;
  const dir = mkdtempSync(join(tmpdir(), 'shoujia-web-stand-in-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>守家</title><script type="module" src="/assets/index-0.js"></script>',
  );
  writeFileSync(join(dir, 'assets', 'index-0.js'), 'export {};');
  standInBuild = dir;
  return dir;
}

export async function createHarness(
  engine: Engine = 'pglite',
  options: {
    start?: string;
    /** further service options (routing adapters, a relay provider, …) */
    services?: Omit<ServiceOptions, 'database' | 'masterKey' | 'clock'>;
    /** app options (the dashboard's build directory) */
    app?: Pick<AppOptions, 'dashboardDir'>;
  } = {},
): Promise<Harness> {
  const database = await freshDatabase(engine);
  const clock = new ManualClock(options.start ?? '2026-03-01T02:00:00Z');
  const services = createServices({ ...options.services, database, masterKey: randomBytes(32), clock });
  // Errors only, to stderr: a 500 in a test shows its cause in the run's output (a flake in CI is
  // otherwise a bare "expected 201, got 500"). SHOUJIA_TEST_LOG=silent turns it off.
  const level = process.env.SHOUJIA_TEST_LOG ?? 'error';
  const app = await buildApp(services, {
    logger: level === 'silent' ? false : createLogger({ level, destination: pino.destination(2) }),
    dashboardDir: standInDashboard(),
    ...options.app,
  });
  const adminKey = (await services.access.issueKey(database.db, { role: 'admin', label: 'test admin' }))
    .secret;
  const call: Harness['call'] = async (method, url, body, opts = {}) => {
    const key = opts.key === undefined ? adminKey : opts.key;
    const response = await app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    let parsed: unknown = response.body;
    try {
      parsed = JSON.parse(response.body);
    } catch {}
    return { status: response.statusCode, body: parsed, headers: response.headers };
  };
  return {
    app,
    services,
    database,
    clock,
    adminKey,
    call,
    async close() {
      await services.routing.stop();
      await app.close();
      for (const hook of services.stopHooks) await hook();
      await database.close();
    },
  };
}

// `shoujia demo --no-market` as a user runs it: the service and the demo catalogue answer, and no
// market runs (no simulated funder registered, no application submitted); an unknown option is
// refused with exit 2. (test/foundation/lifecycle.test.ts runs `shoujia demo` with its market.)
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { POACHER } from '../../src/demo/poacher.ts';

const ADMIN_KEY = 'sj_test_bootstrap_admin_key_demo_cli_01';
const root = mkdtempSync(join(tmpdir(), 'shoujia-demo-cli-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const env = (extra: Record<string, string>) => ({
  ...process.env,
  PORT: '0',
  SHOUJIA_DATA_DIR: join(root, extra.dir ?? 'data'),
  SHOUJIA_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
  LOG_LEVEL: 'warn',
  DATABASE_URL: '',
  SHOUJIA_MASTER_KEY: '',
  ...extra,
});

function start(args: string[], extra: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['bin/shoujia.js', ...args], {
    env: env(extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 90 s:\n${output}`)), 90_000);
    child.stdout!.on('data', () => {
      // the banner is printed whole: wait for its last line
      const match = /running at (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match && /Dashboard/.test(output)) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((code) => reject(new Error(`exited ${code} before start:\n${output}`)));
  });
  url.catch(() => {}); // a refused start never has a URL: the test reads its exit code instead
  return { child, url, exited, output: () => output };
}

const auth = { authorization: `Bearer ${ADMIN_KEY}` };

describe('shoujia demo --no-market', () => {
  it('refuses an unknown option with exit 2', async () => {
    const run = start(['demo', '--frobnicate'], { dir: 'refused' });
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain('unknown option --frobnicate');
  }, 60_000);

  for (const [label, args, extra] of [
    ['--no-market', ['demo', '--no-market'], {}],
    ['SHOUJIA_DEMO_MARKET=0', ['demo'], { SHOUJIA_DEMO_MARKET: '0' }],
  ] as const) {
    it(`${label}: starts and answers with the demo catalogue, and runs no market`, async () => {
      const run = start([...args], { ...extra, dir: label.replace(/\W/g, '') });
      const url = await run.url;
      expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
      expect(run.output()).toContain('demo market off');
      expect(run.output()).not.toContain('Analyst key');
      // a few market days of the default schedule: nothing registered, nothing applied
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const funders = (await (await fetch(`${url}/v1/funders`, { headers: auth })).json()) as {
        funders: Array<{ id: string; webhookUrl: string | null }>;
      };
      expect(funders.funders.length).toBeGreaterThanOrEqual(8);
      expect(funders.funders.map((f) => f.id)).not.toContain(POACHER.id);
      expect(funders.funders.every((f) => f.webhookUrl === null)).toBe(true);
      const applications = (await (
        await fetch(`${url}/v1/applications?limit=5`, { headers: auth })
      ).json()) as {
        items: unknown[];
      };
      expect(applications.items).toEqual([]);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    }, 120_000);
  }
});

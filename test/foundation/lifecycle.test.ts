// The real command, as a user runs it: `shoujia demo` starts on embedded PGlite, SIGTERM stops it
// cleanly (exit 0, database closed), and the embedded data survives a restart.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applicationBody } from '../support/fixtures.ts';

const ADMIN_KEY = 'sj_test_bootstrap_admin_key_0123456789';
const dataDir = mkdtempSync(join(tmpdir(), 'shoujia-life-'));

async function start(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ['bin/shoujia.js', 'demo'], {
    env: {
      ...process.env,
      PORT: '0',
      SHOUJIA_DATA_DIR: dataDir,
      SHOUJIA_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${output}`)), 60_000);
    const check = () => {
      const match = /running at (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`exited ${code} before start:\n${output}`)));
  });
  return { child, url, output: () => output };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

const auth = { authorization: `Bearer ${ADMIN_KEY}` };

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/shoujia.js', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('the shoujia command', () => {
  it('prints help, and refuses unknown commands and bad configuration with exit 2', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.output).toContain('shoujia demo'.split(' ')[1]!);
    expect((await run(['frobnicate'])).code).toBe(2);
    const noKey = await run(['serve'], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      SHOUJIA_MASTER_KEY: '',
    });
    expect(noKey.code).toBe(2);
    expect(noKey.output).toContain('SHOUJIA_MASTER_KEY is required');
  });
});

describe('service lifecycle (embedded PGlite)', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves the demo, stops on SIGTERM with exit 0, and keeps its data across a restart', async () => {
    const first = await start();
    expect(await (await fetch(`${first.url}/health`)).json()).toEqual({ status: 'ok' });
    expect(((await (await fetch(`${first.url}/ready`)).json()) as { engine: string }).engine).toBe('pglite');
    const funders = (await (await fetch(`${first.url}/v1/funders`, { headers: auth })).json()) as {
      funders: unknown[];
    };
    expect(funders.funders.length).toBeGreaterThanOrEqual(8);
    const created = await fetch(`${first.url}/v1/applications`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': 'life-1' },
      body: JSON.stringify(applicationBody()),
    });
    expect(created.status).toBe(201);
    const application = (await created.json()) as { id: string; customerId: string };
    expect(await stop(first.child)).toBe(0);
    expect(first.output()).toContain('SHOUJIA_MASTER_KEY not set'); // generated once, with a warning

    const second = await start();
    const read = await fetch(`${second.url}/v1/applications/${application.id}`, { headers: auth });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { customerId: string }).customerId).toBe(application.customerId);
    // The same key with the same body after the restart: the first answer, not a second application.
    const replay = await fetch(`${second.url}/v1/applications`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': 'life-1' },
      body: JSON.stringify(applicationBody()),
    });
    expect(((await replay.json()) as { id: string }).id).toBe(application.id);
    expect(second.output()).not.toContain('SHOUJIA_MASTER_KEY not set');
    expect(await stop(second.child)).toBe(0);
    // two starts, each with the demo market running (stopped first on SIGTERM, ADR 0105)
  }, 180_000);
});

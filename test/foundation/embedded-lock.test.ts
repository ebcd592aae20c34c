// Embedded mode started twice, with real processes (issue 11 item 5): a second service or an
// offline command on a held data directory gets one line naming the holder, exit 1, and writes
// nothing; a busy port is one line before any database is opened; a SIGKILLed holder frees it.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'shoujia-twice-'));
const dataDir = join(root, 'data');
const children: ChildProcess[] = [];
/** Far above a loaded machine's start-up; only a command that was wrongly let in gets this far. */
const REFUSAL_LIMIT_MS = 45_000;
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, LOG_LEVEL: 'warn', DATABASE_URL: '', SHOUJIA_MASTER_KEY: '', ...extra };
}

async function startDemo(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['bin/shoujia.js', 'demo'], {
    env: env({ PORT: '0', SHOUJIA_DATA_DIR: dir }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 90 s:\n${output}`)), 90_000);
    child.stdout!.on('data', () => {
      const match = /running at (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before start:\n${output}`)));
  });
  return { child, url };
}

function run(
  args: string[],
  extra: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/shoujia.js', ...args], {
      env: env(extra),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // A refused command exits within seconds; one that was let in (a second service) runs on.
    const timer = setTimeout(() => child.kill('SIGKILL'), REFUSAL_LIMIT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Every file under dir with its size and content hash: what "nothing written" is checked against. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else files[full.slice(dir.length)] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  walk(dir);
  return files;
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** One line, no stack trace, no WASM abort. */
function expectOneLine(text: string): void {
  expect(text.trim().split('\n')).toHaveLength(1);
  expect(text).not.toMatch(/\n\s+at |Aborted\(\)|EADDRINUSE/);
}

describe('embedded mode started twice', () => {
  it('refuses a second service and an offline reader on a held data directory, writing nothing', async () => {
    const first = await startDemo(dataDir);
    const pid = first.child.pid!;
    const port = new URL(first.url).port;

    // A second demo on the same directory (another port): the holder answers who it is.
    const second = await run(['demo'], { PORT: '0', SHOUJIA_DATA_DIR: dataDir });
    expect(second.code).toBe(1);
    expectOneLine(second.stderr);
    expect(second.stderr).toContain(`in use by process ${pid} (shoujia demo`);
    expect(second.stdout).not.toContain('running at');

    // Freeze the holder so the store cannot change under the comparison; it cannot answer either,
    // so the refusals below name it from the lock file.
    first.child.kill('SIGSTOP');
    try {
      const before = snapshot(dataDir);
      const again = await run(['serve'], { PORT: '0', SHOUJIA_DATA_DIR: dataDir });
      expect(again.code).toBe(1);
      expectOneLine(again.stderr);
      expect(again.stderr).toContain(`in use by process ${pid}`);

      const audit = await run(['ledger', 'audit'], { SHOUJIA_DATA_DIR: dataDir });
      expect(audit.code).toBe(1);
      expectOneLine(audit.stderr);
      expect(audit.stderr).toContain(`in use by process ${pid}`);
      expect(audit.stderr).toContain(`HTTP API at ${first.url}`);
      expect(audit.stderr).toContain(`kill ${pid}`);
      expect(snapshot(dataDir)).toEqual(before);
    } finally {
      first.child.kill('SIGCONT');
    }

    // The same port on a fresh directory: refused before any database exists there.
    const fresh = join(root, 'fresh');
    const busy = await run(['demo'], { PORT: port, SHOUJIA_DATA_DIR: fresh });
    expect(busy.code).toBe(1);
    expectOneLine(busy.stderr);
    expect(busy.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(existsSync(join(fresh, 'pg', 'PG_VERSION'))).toBe(false);
    expect(existsSync(join(fresh, 'pg.lock'))).toBe(false);

    // A holder killed outright leaves no lock behind that blocks the next start.
    first.child.kill('SIGKILL');
    await exited(first.child);
    const next = await startDemo(dataDir);
    expect((await fetch(`${next.url}/health`)).status).toBe(200);
    next.child.kill('SIGTERM');
    expect(await exited(next.child)).toBe(0);
  }, 300_000); // six processes, each loading the whole service on a shared two-core machine
});

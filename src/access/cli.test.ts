// `shoujia keys create` as an operator runs it (a child process) on both engines: the printed
// secret authenticates as the role asked for; bad arguments store nothing; a fresh `serve` with no
// admin key says how to get one, and stops saying it once a key exists.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINES, freshDatabase } from '../../test/support/engines.ts';
import { openDatabase } from '../db/client.ts';
import { createIdGenerator, systemClock } from '../kernel/index.ts';
import { DEFAULT_KEY_LABEL, KEY_LABEL_MAX_CHARS, parseLabel } from './cli.ts';
import { AccessService } from './service.ts';

const root = mkdtempSync(join(tmpdir(), 'shoujia-keys-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});
/** Generous for a loaded two-core machine; a command that hangs fails the test instead of the suite. */
const COMMAND_LIMIT_MS = 90_000;

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/shoujia.js', ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn', SHOUJIA_BOOTSTRAP_ADMIN_KEY: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_LIMIT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const REFUSED_ARGUMENTS = [
  ['create', '--role', 'admin', '--label', '   '],
  ['create', '--role', 'funder'],
  ['create', '--role', 'admin', '--colour', 'red'],
  ['make'],
];

describe('key labels', () => {
  it('are trimmed and NFC-normalised, and refused empty, too long or with control characters', () => {
    expect(parseLabel(undefined)).toBe(DEFAULT_KEY_LABEL);
    expect(parseLabel('  值班\u0065\u0301 ')).toBe('值班\u00e9');
    expect(parseLabel('x'.repeat(KEY_LABEL_MAX_CHARS))).toHaveLength(KEY_LABEL_MAX_CHARS);
    for (const bad of [
      '',
      '   ',
      'x'.repeat(KEY_LABEL_MAX_CHARS + 1),
      'a\u0000b',
      'a\u0007b',
      'a\u009bb',
      '\ud800x',
    ])
      expect(() => parseLabel(bad), JSON.stringify(bad)).toThrow(/--label/);
  });
});

const access = new AccessService({ clock: systemClock, ids: createIdGenerator(systemClock), keyCacheMs: 0 });

describe.each(ENGINES)('shoujia keys create (%s)', (engine) => {
  it('prints a secret that authenticates with the role asked for; bad arguments store nothing', async () => {
    const test = engine === 'postgres' ? await freshDatabase('postgres') : undefined;
    const dataDir = join(root, `keys-${engine}`);
    const env: Record<string, string> = test
      ? { DATABASE_URL: test.url! }
      : { DATABASE_URL: '', SHOUJIA_DATA_DIR: dataDir };
    // The store as the command sees it; PGlite: opened only while no command runs (one process).
    const withStore = async <T>(read: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>) => {
      if (test) return read(test);
      const database = await openDatabase({ dataDir: join(dataDir, 'pg') });
      try {
        return await read(database);
      } finally {
        await database.close();
      }
    };
    try {
      const created = await run(['keys', 'create', '--role', 'admin', '--label', '  运维 值班  '], env);
      expect(created.stderr).toMatch(/created admin key key_\w+ \(运维 值班\)/);
      expect(created.code).toBe(0);
      const secret = created.stdout.trim();
      expect(secret).toMatch(/^sj_[\w-]{43}$/);
      const principal = await withStore((db) => access.authenticate(db.db, secret));
      expect(principal).toMatchObject({ role: 'admin', funderId: null, customerId: null });

      const analyst = await run(['keys', 'create', '--role', 'analyst'], env);
      expect(analyst.code).toBe(0);
      const analystPrincipal = await withStore((db) => access.authenticate(db.db, analyst.stdout.trim()));
      expect(analystPrincipal?.role).toBe('analyst');

      const countKeys = () =>
        withStore(
          async (db) => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys'))[0]!.n,
        );
      const before = await countKeys();
      // Arguments are checked before the store is opened, so one engine's run covers both.
      const refusals = engine === 'pglite' ? REFUSED_ARGUMENTS : REFUSED_ARGUMENTS.slice(0, 1);
      for (const bad of refusals) {
        const refused = await run(['keys', ...bad], env);
        expect(refused.code, bad.join(' ')).toBe(2);
        expect(refused.stdout).toBe('');
      }
      expect(await countKeys()).toBe(before);
    } finally {
      await test?.close();
    }
  }, 600_000);
});

describe('a fresh `serve` without SHOUJIA_BOOTSTRAP_ADMIN_KEY (embedded)', () => {
  async function serveOnce(dataDir: string): Promise<string> {
    const child = spawn(process.execPath, ['bin/shoujia.js', 'serve'], {
      env: {
        ...process.env,
        PORT: '0',
        DATABASE_URL: '',
        SHOUJIA_DATA_DIR: dataDir,
        SHOUJIA_BOOTSTRAP_ADMIN_KEY: '',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start:\n${output}`)), COMMAND_LIMIT_MS);
      child.stdout.on('data', () => {
        if (/running at .*\n(.*\n)+\n/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
    });
    await new Promise<void>((resolve) => {
      child.removeAllListeners('exit');
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
    return output;
  }

  it('says how to get an admin key, and stops saying so once one exists', async () => {
    const dataDir = join(root, 'serve');
    const first = await serveOnce(dataDir);
    expect(first).toContain('No admin API key yet');
    expect(first).toContain('shoujia keys create --role admin');
    const created = await run(['keys', 'create', '--role', 'admin'], {
      DATABASE_URL: '',
      SHOUJIA_DATA_DIR: dataDir,
    });
    expect(created.code).toBe(0);
    const second = await serveOnce(dataDir);
    expect(second).toContain('running at');
    expect(second).not.toContain('No admin API key yet');
  }, 600_000);
});

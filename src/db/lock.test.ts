// The data directory lock on both mechanisms: exclusive, names its holder, released on release,
// and (file mechanism) broken only when its holder is dead.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, type LockMechanism, lockDataDir, lockFilePath } from './lock.ts';

const root = mkdtempSync(join(tmpdir(), 'shoujia-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A PID that belonged to a process and no longer does. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

async function refusal(promise: Promise<unknown>): Promise<DataDirLockedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataDirLockedError);
  return error as DataDirLockedError;
}

const mechanisms: LockMechanism[] = process.platform === 'linux' ? ['socket', 'file'] : ['file'];

describe.each(mechanisms)('data directory lock (%s)', (mechanism) => {
  it('is exclusive, names its holder and its address, and is free again once released', async () => {
    const dir = join(root, `${mechanism}-a`, 'pg');
    const lock = await lockDataDir(dir, { command: 'demo', mechanism });
    lock.setUrl('http://127.0.0.1:18080');
    const error = await refusal(lockDataDir(dir, { command: 'ledger audit', mechanism }));
    expect(error.holder?.pid).toBe(process.pid);
    expect(error.holder?.command).toBe('demo');
    expect(error.holder?.url).toBe('http://127.0.0.1:18080');
    expect(error.message).toContain(`in use by process ${process.pid} (shoujia demo`);
    // The same directory through another spelling of its path is the same lock.
    await refusal(lockDataDir(join(root, `${mechanism}-a`, '.', 'pg'), { command: 'x', mechanism }));
    lock.release();
    expect(existsSync(lockFilePath(dir))).toBe(false);
    const again = await lockDataDir(dir, { command: 'serve', mechanism });
    again.release();
  });

  it('takes over a lock file whose holder is dead', async () => {
    const dir = join(root, `${mechanism}-b`, 'pg');
    const first = await lockDataDir(dir, { command: 'demo', mechanism });
    first.release();
    const pid = deadPid();
    writeFileSync(lockFilePath(dir), JSON.stringify({ pid, command: 'demo', startedAt: 'earlier' }));
    const lock = await lockDataDir(dir, { command: 'serve', mechanism });
    expect(JSON.parse(readFileSync(lockFilePath(dir), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });
});

describe('file lock without a readable holder', () => {
  it('is respected while fresh (being written) and broken once old', async () => {
    const dir = join(root, 'file-c', 'pg');
    (await lockDataDir(dir, { command: 'x', mechanism: 'file' })).release();
    writeFileSync(lockFilePath(dir), '');
    const error = await refusal(lockDataDir(dir, { command: 'serve', mechanism: 'file' }));
    expect(error.holder).toBeUndefined();
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockFilePath(dir), old, old);
    (await lockDataDir(dir, { command: 'serve', mechanism: 'file' })).release();
  });

  it('a live holder in the file is never broken', async () => {
    const dir = join(root, 'file-d', 'pg');
    (await lockDataDir(dir, { command: 'x', mechanism: 'file' })).release();
    // PID 1 is alive on every Unix (init); kill(1, 0) answers EPERM for others, still alive.
    writeFileSync(lockFilePath(dir), JSON.stringify({ pid: 1, command: 'demo', startedAt: 'earlier' }));
    const error = await refusal(lockDataDir(dir, { command: 'serve', mechanism: 'file' }));
    expect(error.holder?.pid).toBe(1);
    rmSync(lockFilePath(dir));
  });
});

// One process per embedded data directory (issue 11 item 5, ADR 0067). PGlite has no lock of its
// own: a second process on the same directory used to migrate and seed the live store under it.
import { createHash } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { type Server, createConnection, createServer } from 'node:net';
import { basename, dirname, join } from 'node:path';

/** Who holds a data directory: written to the lock file and told to anyone who asks the lock socket. */
export interface LockHolder {
  pid: number;
  /** what the holder runs, e.g. `demo`, `serve`, `ledger audit` */
  command: string;
  startedAt: string;
  /** the holder's HTTP address once it listens (the service); absent for offline tools */
  url?: string;
}

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(
      holder
        ? `the data directory ${dataDir} is in use by process ${holder.pid} (shoujia ${holder.command}, started ${holder.startedAt})`
        : `the data directory ${dataDir} is in use by another process (it did not say which)`,
    );
  }
}

export interface DataDirLock {
  readonly dataDir: string;
  /** Publish the service's address, so a command refused the lock can point at the HTTP API. */
  setUrl(url: string): void;
  release(): void;
}

/**
 * 'socket' (Linux): an abstract-namespace Unix socket named after the directory. Binding it is
 * exclusive and the kernel releases it when the process dies, however it dies: no stale lock, no
 * PID reuse. 'file' (elsewhere): a lock file created with O_EXCL, broken when its PID is dead.
 */
export type LockMechanism = 'socket' | 'file';

export const DEFAULT_LOCK_MECHANISM: LockMechanism = process.platform === 'linux' ? 'socket' : 'file';
/** How long to wait for the holder to say who it is before falling back to the lock file. */
export const HOLDER_ANSWER_TIMEOUT_MS = 1_000;
/** A holder description is a few hundred bytes; more than this is not one of ours. */
export const HOLDER_ANSWER_MAX_BYTES = 4_096;
/**
 * A lock file without a readable holder is one being written this instant, or the remains of a
 * process that died between creating and writing it; past this age it is the latter.
 */
export const UNREADABLE_LOCK_STALE_MS = 5_000;

/** The lock file sits beside the directory (PGlite owns what is inside it). */
export function lockFilePath(dataDir: string): string {
  return join(dirname(dataDir), `${basename(dataDir)}.lock`);
}

function socketName(dataDir: string): string {
  // The real path, so ./data and /abs/data are the same lock; hashed to fit the 107-byte limit. The
  // parent's: the directory itself need not exist yet (nothing is created for a refused start).
  const path = join(realpathSync(dirname(dataDir)), basename(dataDir));
  const digest = createHash('sha256').update(path).digest('hex').slice(0, 32);
  return `\0shoujia-data-dir-${digest}`;
}

/** Take the data directory for this process, or throw DataDirLockedError naming who has it. */
export async function lockDataDir(
  dataDir: string,
  options: { command: string; mechanism?: LockMechanism },
): Promise<DataDirLock> {
  mkdirSync(dirname(dataDir), { recursive: true });
  const holder: LockHolder = {
    pid: process.pid,
    command: options.command,
    startedAt: new Date().toISOString(),
  };
  const mechanism = options.mechanism ?? DEFAULT_LOCK_MECHANISM;
  return mechanism === 'socket' ? lockWithSocket(dataDir, holder) : lockWithFile(dataDir, holder);
}

async function lockWithSocket(dataDir: string, holder: LockHolder): Promise<DataDirLock> {
  const name = socketName(dataDir);
  const server: Server = createServer((socket) => {
    socket.on('error', () => {});
    socket.end(`${JSON.stringify(holder)}\n`);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path: name, exclusive: true }, () => resolve());
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const answer = await askHolder(name);
    throw new DataDirLockedError(dataDir, answer ?? readHolder(lockFilePath(dataDir)));
  }
  // The socket must not keep a finished command alive.
  server.unref();
  // Informational copy for people and for a holder that does not answer; the socket is the lock.
  const file = lockFilePath(dataDir);
  writeFileSync(file, JSON.stringify(holder), { mode: 0o600 });
  return heldLock(dataDir, file, holder, () => server.close());
}

/** The lock this process holds: released once, on release() or at exit, removing our lock file. */
function heldLock(
  dataDir: string,
  file: string,
  holder: LockHolder,
  onRelease: () => void = () => {},
): DataDirLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    onRelease();
    removeIfOurs(file);
  };
  process.once('exit', release);
  return {
    dataDir,
    setUrl(url) {
      holder.url = url;
      writeFileSync(file, JSON.stringify(holder), { mode: 0o600 });
    },
    release,
  };
}

function askHolder(name: string): Promise<LockHolder | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const socket = createConnection({ path: name });
    const done = (value: LockHolder | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), HOLDER_ANSWER_TIMEOUT_MS);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > HOLDER_ANSWER_MAX_BYTES) done(undefined);
    });
    socket.on('end', () => done(parseHolder(text)));
    socket.on('error', () => done(undefined));
  });
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (
      !Number.isInteger(value.pid) ||
      typeof value.command !== 'string' ||
      typeof value.startedAt !== 'string'
    )
      return undefined;
    return value as LockHolder;
  } catch {
    return undefined;
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    return text.length > HOLDER_ANSWER_MAX_BYTES ? undefined : parseHolder(text);
  } catch {
    return undefined;
  }
}

function removeIfOurs(file: string): void {
  if (readHolder(file)?.pid === process.pid) rmSync(file, { force: true });
}

/** Alive as far as this host can tell: kill(pid, 0) delivers nothing and only checks existence. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockWithFile(dataDir: string, holder: LockHolder): DataDirLock {
  const file = lockFilePath(dataDir);
  // Two attempts: the first may find a stale lock and remove it; the second must then succeed.
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const existing = readHolder(file);
      if (existing && processAlive(existing.pid)) throw new DataDirLockedError(dataDir, existing);
      if (!existing && Date.now() - statMtimeMs(file) < UNREADABLE_LOCK_STALE_MS)
        throw new DataDirLockedError(dataDir, undefined);
      // Its holder died without releasing it (SIGKILL, power loss): the directory is free.
      rmSync(file, { force: true });
      continue;
    }
    writeSync(fd, JSON.stringify(holder));
    closeSync(fd);
    return heldLock(dataDir, file, holder);
  }
  throw new DataDirLockedError(dataDir, readHolder(file));
}

function statMtimeMs(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

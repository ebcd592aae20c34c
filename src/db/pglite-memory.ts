// Keeps the embedded store's memory small (issue 11 item 9, ADR 0068). Two findings, measured on
// PGlite 0.5 with Node 20: a process that runs initdb on a fresh directory keeps ~500 MB of the
// initdb instance's WASM memory and data-dir tarball after it is closed (RSS ~800 MB at ready,
// against ~280 MB for the same directory reopened), and PostgreSQL's default shared_buffers of
// 128 MB is touched page by page inside the WASM heap (~130 MB more). So a fresh directory is
// initialised by a short-lived child process, and the service's own instance runs with small
// buffers: a single-user embedded store has no concurrent working set to cache.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** postgresql.conf lines for every on-disk PGlite instance; memory:// (tests) keeps the defaults. */
export const PGLITE_EMBEDDED_CONF = ['shared_buffers=8MB', 'work_mem=2MB', 'maintenance_work_mem=16MB'];

/** initdb of a fresh directory takes ~15 s on a loaded 2-core machine; allow several times that. */
const INITDB_CHILD_TIMEOUT_MS = 180_000;

/** True when the directory holds no PostgreSQL cluster yet (PG_VERSION is written by initdb). */
export function needsInitdb(dataDir: string): boolean {
  return !existsSync(join(dataDir, 'PG_VERSION'));
}

/**
 * Runs initdb for `dataDir` in a child Node process, so its memory is given back to the system when
 * the child exits. The caller holds the directory's lock; the child only writes the cluster files.
 */
export function initialiseDataDirInChild(dataDir: string): void {
  const pgliteEntry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const script = `
    const { PGlite } = require(${JSON.stringify(pgliteEntry)});
    (async () => {
      const db = new PGlite(${JSON.stringify(dataDir)}, { postgresqlconf: ${JSON.stringify(PGLITE_EMBEDDED_CONF)} });
      await db.waitReady;
      await db.close();
    })().catch((error) => { process.stderr.write(String(error && error.message || error) + '\\n'); process.exit(1); });
  `;
  const result = spawnSync(process.execPath, ['-e', script], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: INITDB_CHILD_TIMEOUT_MS,
    encoding: 'utf8',
  });
  if (result.error)
    throw new Error(`initialising the embedded store in ${dataDir} failed: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(
      `initialising the embedded store in ${dataDir} failed: ${(result.stderr ?? '').trim() || `exit ${result.status}`}`,
    );
  }
}

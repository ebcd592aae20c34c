// The embedded store's memory settings (ADR 0068): a fresh directory is initialised in a child
// process and then opened with small buffers; the data survives a reopen.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './client.ts';
import { needsInitdb } from './pglite-memory.ts';

describe('embedded store memory settings', () => {
  const root = mkdtempSync(join(tmpdir(), 'shoujia-pgmem-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('initialises a fresh directory out of process, runs with small shared_buffers, keeps data across reopen', async () => {
    const dataDir = join(root, 'store');
    expect(needsInitdb(dataDir)).toBe(true);
    const first = await openDatabase({ dataDir });
    try {
      expect(needsInitdb(dataDir)).toBe(false);
      const [buffers] = await first.query<{ shared_buffers: string }>('SHOW shared_buffers');
      expect(buffers?.shared_buffers).toBe('8MB');
      await first.query('CREATE TABLE memory_probe (note text)');
      await first.query("INSERT INTO memory_probe VALUES ('守家')");
    } finally {
      await first.close();
    }
    const second = await openDatabase({ dataDir });
    try {
      const rows = await second.query<{ note: string }>('SELECT note FROM memory_probe');
      expect(rows).toEqual([{ note: '守家' }]);
    } finally {
      await second.close();
    }
  });
});

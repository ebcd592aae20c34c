// Statement exports and the funder's offline check, end to end on both engines (ADR 0094): an issued
// statement as CSV and as a printable page (a hostile funder name and a formula-shaped loan id),
// only to its own funder (another's answers statement_not_found), and the funder kit verifying the
// statement against its ledger entry, inclusion proof and signed checkpoint, saved as files from
// the real API; a tampered statement or entry fails.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ledgerCommand } from '../../src/ledger/cli.ts';
import { bookLoan, seedFunder, TEST_TERMS } from '../../src/settlement/testing.ts';
import { ENGINES } from '../support/engines.ts';
import { createHarness, type Harness } from '../support/harness.ts';

const HOSTILE_NAME = '"><script>alert(1)</script>=HYPERLINK("http://x")&amp;';

async function kit(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  const error = vi.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(line));
  try {
    return { code: await ledgerCommand.run(argv), out: lines.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe.each(ENGINES)('statement exports and offline verification on %s', (engine) => {
  let h: Harness;
  let f1Key: string;
  let f2Key: string;
  let dir: string;
  const id = 'stm-f1-2026-03';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shoujia-statement-kit-'));
    h = await createHarness(engine, { start: '2026-04-03T00:00:00Z' });
    await seedFunder(h.services, 'f1', TEST_TERMS, new Date('2026-01-01T00:00:00Z'), HOSTILE_NAME);
    await seedFunder(h.services, 'f2');
    // 20,000.00 × 2% = 400.00 and 1,234.56 × 2% = 24.6912 → 24.69 (half-up to the fen)
    await bookLoan(h.services, {
      id: 'L1',
      funderId: 'f1',
      customerId: 'cus-a',
      principalFen: 20_000_00,
      bookedAt: new Date('2026-03-05T00:00:00Z'),
    });
    await bookLoan(h.services, {
      id: '=HYPERLINK("http://evil")',
      funderId: 'f1',
      customerId: 'cus-b',
      principalFen: 1_234_56,
      bookedAt: new Date('2026-03-06T00:00:00Z'),
    });
    const key = async (funderId: string) =>
      (await h.services.access.issueKey(h.database.db, { role: 'funder', funderId, label: funderId })).secret;
    f1Key = await key('f1');
    f2Key = await key('f2');
    const issued = await h.call('POST', '/v1/settlement/statements', { funderId: 'f1', period: '2026-03' });
    expect(issued.status).toBe(201);
    await h.services.ledger.integrate();
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('CSV: a BOM, Chinese headers (English on request), the lines, a formula-shaped id made text', async () => {
    const csv = await h.call('GET', `/v1/settlement/statements/${id}/statement.csv`, undefined, {
      key: f1Key,
    });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const text = csv.body;
    expect(text.startsWith('\uFEFF行号,类型,来源')).toBe(true);
    expect(text).toContain(',40000,400.00,');
    expect(text).toContain(',2469,24.69,');
    // the loan id cell starts with a quote: the spreadsheet shows it, never runs it
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(text).toMatch(/\r\n,合计（元）,stm-f1-2026-03,f1,2026-03,42469,424.69,资方应付平台\r\n$/);
    const en = await h.call('GET', `/v1/settlement/statements/${id}/statement.csv?lang=en`, undefined, {
      key: f1Key,
    });
    expect(en.body.startsWith('\uFEFFLine,Kind,Source')).toBe(true);
    expect((await h.call('GET', `/v1/settlement/statements/${id}/statement.csv?lang=fr`)).status).toBe(400);
  });

  it('HTML: printable, Chinese by default, the hostile funder name escaped', async () => {
    const page = await h.call('GET', `/v1/settlement/statements/${id}/statement.html`, undefined, {
      key: f1Key,
    });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('资方月度对账单');
    expect(page.body).not.toContain('<script>');
    expect(page.body).toContain(
      '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;=HYPERLINK(&quot;http://x&quot;)&amp;amp;',
    );
    expect(page.body).toContain('424.69');
    const en = await h.call('GET', `/v1/settlement/statements/${id}/statement.html?lang=en`);
    expect(en.body).toContain('Funder monthly statement');
  });

  it("a funder fetches its own statements only: another's is statement_not_found, in every format", async () => {
    for (const path of [id, `${id}/statement.csv`, `${id}/statement.html`]) {
      const other = await h.call('GET', `/v1/settlement/statements/${path}`, undefined, { key: f2Key });
      expect([other.status, other.body.error?.code]).toEqual([404, 'statement_not_found']);
      const missing = await h.call('GET', `/v1/settlement/statements/${path.replace('f1', 'f9')}`);
      expect([missing.status, missing.body.error?.code]).toEqual([404, 'statement_not_found']);
    }
    const unauthenticated = await h.call('GET', `/v1/settlement/statements/${id}/statement.csv`, undefined, {
      key: null,
    });
    expect(unauthenticated.status).toBe(401);
  });

  it('the funder kit verifies the statement against its ledger entry offline; a tampered one fails', async () => {
    const get = async (url: string) => {
      const answer = await h.call('GET', url, undefined, { key: f1Key });
      expect(answer.status).toBe(200);
      return answer.body;
    };
    const file = (name: string, content: unknown) => {
      const path = join(dir, name);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
      return path;
    };
    const statement = await get(`/v1/settlement/statements/${id}`);
    expect(statement.ledgerIndex).toEqual(expect.any(Number));
    const checkpoint = await get('/v1/ledger/checkpoint');
    const treeSize = Number(String(checkpoint).split('\n')[1]);
    const entry = await get(`/v1/ledger/entries/${statement.ledgerIndex}`);
    expect(entry.entry).toMatchObject({ kind: 'statement', statementId: id, period: '2026-03' });
    const args = (statementPath: string, entryPath = file('entry.json', entry)) => [
      'verify',
      '--checkpoint',
      file('cp.txt', checkpoint),
      '--vkey',
      file('key.txt', vkey),
      '--inclusion',
      file('proof.json', proof),
      '--entry',
      entryPath,
      '--statement',
      statementPath,
    ];
    const vkey = await get('/v1/ledger/public-key');
    const proof = await get(
      `/v1/ledger/proofs/inclusion?index=${statement.ledgerIndex}&treeSize=${treeSize}`,
    );
    const genuine = await kit(args(file('statement.json', statement)));
    expect(genuine, genuine.out).toMatchObject({ code: 0 });
    expect(genuine.out).toContain(`valid: statement ${id} (2026-03, total 42469 fen)`);

    // a line's amount lowered, and the total with it: the hash no longer matches the entry
    const lowered = structuredClone(statement);
    lowered.document.lines[0].amountFen -= 100;
    lowered.document.lines[0].amountsFen = [
      lowered.document.lines[0].amountFen,
      -lowered.document.lines[0].amountFen,
    ];
    lowered.document.totalFen -= 100;
    const tampered = await kit(args(file('tampered.json', lowered)));
    expect(tampered.code).toBe(1);
    expect(tampered.out).toContain('its hash (the document was altered)');
    expect(tampered.out).toContain('its total');
    // a line dropped
    const dropped = structuredClone(statement);
    dropped.document.lines.pop();
    expect((await kit(args(file('dropped.json', dropped)))).code).toBe(1);
    // the entry altered to match a forged hash: its leaf no longer matches the proof
    const forged = structuredClone(entry);
    forged.entry.totalFen = 1;
    const leaf = await kit(args(file('statement.json', statement), file('forged-entry.json', forged)));
    expect(leaf.code).toBe(1);
    expect(leaf.out).toContain('the entry was altered');
    // bad arguments: the statement with a consistency check, a missing file
    expect(
      (await kit(['verify', '--consistency', 'x', '--old', 'a', '--new', 'b', '--statement', 's'])).code,
    ).toBe(2);
    expect((await kit(args(join(dir, 'no-such-file.json')))).code).toBe(2);
  });
});

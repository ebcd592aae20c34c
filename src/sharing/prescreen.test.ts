// The private pre-screen end to end on both engines: the funder kit makes a key, encodes its list in
// worker threads and serves OPRF over real HTTP; the platform imports the set and checks applicants
// with one blinded round trip. Plus the leak it replaces: MD5(phone) inverted by enumeration.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.ts';
import { ManualClock } from '../kernel/index.ts';
import { ENGINES } from '../../test/support/engines.ts';
import { applicationBody, makeIdNumber } from '../../test/support/fixtures.ts';
import { createHarness, type Harness } from '../../test/support/harness.ts';
import { invertMd5Phones, md5Hex } from './md5-leak.ts';
import { blind, scalarFromRandom } from './oprf.ts';
import { parseKeyPem } from './oprf-key.ts';
import { createOprfService, handleEvaluate, type OprfService } from './oprf-server.ts';
import { parseSetFile } from './prescreen-set.ts';
import { integratedIndex } from './test-ledger.ts';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

const dir = mkdtempSync(join(tmpdir(), 'shoujia-prescreen-'));
const KNOWN_PHONE = '13912345678';
const KNOWN_ID = makeIdNumber('310101', '19800101', '555');

async function kit(...argv: string[]): Promise<number> {
  return main(['funder', ...argv]);
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  expect(await kit('keygen', '--out', join(dir, 'k1.pem'), '--key-id', 'k1')).toBe(0);
  expect(await kit('keygen', '--out', join(dir, 'k2.pem'), '--key-id', 'k2')).toBe(0);
  // 1,500 list entries so the encoder takes the worker-thread path; one known phone, one known ID number
  const lines = [
    'phone',
    ...Array.from({ length: 1500 }, (_, i) => `137${String(i).padStart(8, '0')}`),
    KNOWN_PHONE,
    KNOWN_ID,
  ];
  writeFileSync(join(dir, 'ids.csv'), lines.join('\n'));
  expect(
    await kit(
      'prescreen-encode',
      '--key',
      join(dir, 'k1.pem'),
      '--in',
      join(dir, 'ids.csv'),
      '--out',
      join(dir, 'set1.bin'),
      '--workers',
      '2',
    ),
  ).toBe(0);
  expect(
    await kit(
      'prescreen-encode',
      '--key',
      join(dir, 'k2.pem'),
      '--in',
      join(dir, 'ids.csv'),
      '--out',
      join(dir, 'set2.bin'),
      '--workers',
      '1',
    ),
  ).toBe(0);
});

describe('funder kit commands', () => {
  it('writes a valid, sorted set with every distinct identifier', () => {
    const set = parseSetFile(readFileSync(join(dir, 'set1.bin')));
    expect(set.ok && set.value.header).toMatchObject({
      keyId: 'k1',
      count: 1502,
      suite: 'ristretto255-SHA512',
    });
    const file = readFileSync(join(dir, 'set1.bin'));
    expect(file.includes(Buffer.from(KNOWN_PHONE))).toBe(false);
  });

  it('exits 2 naming the bad argument, 1 on a bad list line', async () => {
    expect(await kit('prescreen-encode', '--in', 'x.csv', '--out', 'y.bin')).toBe(2);
    expect(await kit('prescreen-encode', '--key', join(dir, 'missing.pem'), '--in', 'x', '--out', 'y')).toBe(
      2,
    );
    expect(await kit('serve-oprf', '--key', join(dir, 'k1.pem'), '--port', 'eighty')).toBe(2);
    expect(await kit('nonsense')).toBe(2);
    writeFileSync(join(dir, 'bad.csv'), `${KNOWN_PHONE}\n12345\n`);
    expect(
      await kit(
        'prescreen-encode',
        '--key',
        join(dir, 'k1.pem'),
        '--in',
        join(dir, 'bad.csv'),
        '--out',
        join(dir, 'bad.bin'),
      ),
    ).toBe(1);
    // keygen never overwrites a key
    await expect(kit('keygen', '--out', join(dir, 'k1.pem'))).rejects.toThrow();
  });
});

describe('shoujia funder serve-oprf as a process', () => {
  it('serves with two keys, answers a blinded element, and stops on SIGTERM with exit 0', async () => {
    const bin = join(import.meta.dirname, '../../bin/shoujia.js');
    const child = spawn(
      process.execPath,
      [
        bin,
        'funder',
        'serve-oprf',
        '--key',
        join(dir, 'k2.pem'),
        '--key',
        join(dir, 'k1.pem'),
        '--port',
        '0',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const banner = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('OPRF service on')) resolve(out);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const base = /http:\/\/[\d.]+:\d+/.exec(banner)![0];
      expect(await (await fetch(`${base}/v1/oprf/keys`)).json()).toEqual({
        suite: 'ristretto255-SHA512',
        current: 'k2',
        keyIds: ['k2', 'k1'],
      });
      const element = Buffer.from(
        blind(Buffer.from('phone:13800000000'), scalarFromRandom(randomBytes(64))),
      ).toString('base64');
      const answer = await fetch(`${base}/v1/oprf/evaluate`, {
        method: 'POST',
        body: JSON.stringify({ keyId: 'k1', elements: [element] }),
      });
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { evaluated: string[] }).evaluated).toHaveLength(1);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});

describe('OPRF service input handling', () => {
  const key = scalarFromRandom(randomBytes(64));
  const keys = new Map([['k1', key]]);
  const element = Buffer.from(
    blind(Buffer.from('phone:13800000000'), scalarFromRandom(randomBytes(64))),
  ).toString('base64');

  it('refuses malformed requests, points not on the curve and oversized batches as values', () => {
    expect(handleEvaluate(keys, { keyId: 'k1', elements: [element] }, 4).ok).toBe(true);
    const cases: Array<[unknown, string]> = [
      [null, 'oprf_malformed'],
      [[], 'oprf_malformed'],
      [{ keyId: 'k1', elements: 'x' }, 'oprf_malformed'],
      [{ keyId: 'k1', elements: [] }, 'oprf_malformed'],
      [{ keyId: 'k1', elements: [42] }, 'oprf_malformed'],
      [{ keyId: 'k1', elements: ['AAAA'] }, 'oprf_malformed'],
      [{ keyId: 'k1', elements: [element], extra: 1 }, 'oprf_malformed'],
      [{ keyId: 'k9', elements: [element] }, 'oprf_key_unknown'],
      [{ keyId: 'k1', elements: [Buffer.alloc(32).toString('base64')] }, 'oprf_point_invalid'],
      [{ keyId: 'k1', elements: [Buffer.alloc(32, 0xff).toString('base64')] }, 'oprf_point_invalid'],
      [{ keyId: 'k1', elements: Array(5).fill(element) }, 'oprf_batch_too_large'],
    ];
    for (const [body, code] of cases)
      expect(handleEvaluate(keys, body, 4)).toMatchObject({ ok: false, code });
  });
});

describe.each(ENGINES)('private pre-screen on %s', (engine) => {
  let h: Harness;
  let oprf: OprfService;
  let url: string;
  const clock = new ManualClock('2026-03-01T00:00:00Z');
  const sent: string[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    sent.push(String(init?.body ?? ''));
    return fetch(input, init);
  };

  beforeAll(async () => {
    h = await createHarness(engine);
    await h.call('POST', '/v1/funders', {
      id: 'bank-a',
      name: '甲银行',
      type: 'bank',
      licensedRegions: ['*'],
    });
    const keys = ['k1', 'k2'].map((id) => {
      const parsed = parseKeyPem(readFileSync(join(dir, `${id}.pem`), 'utf8'));
      if (!parsed.ok) throw new Error(parsed.message);
      return parsed.value;
    });
    oprf = createOprfService({
      keys,
      clock,
      maxBatch: 8,
      elementsPerMinute: 20,
      token: 'funder-secret-token',
    });
    await new Promise<void>((resolve) => oprf.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(oprf.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => oprf.server.close(resolve));
    await h.close();
  });

  const upload = (file: string, token = 'funder-secret-token') =>
    h.app.inject({
      method: 'PUT',
      url: `/v1/funders/bank-a/prescreen-set?endpointUrl=${encodeURIComponent(url)}`,
      headers: {
        authorization: `Bearer ${h.adminKey}`,
        'content-type': 'application/octet-stream',
        'x-oprf-token': token,
      },
      payload: readFileSync(join(dir, file)),
    });

  const submit = (phone: string, idNumber: string) =>
    h.database.db.transaction(
      async (tx) => (await h.services.intake.submit(tx, applicationBody({ phone, idNumber }))).application.id,
    );

  it('imports a set, refuses a corrupt one', async () => {
    const imported = await upload('set1.bin');
    expect(imported.statusCode).toBe(201);
    expect(imported.json()).toMatchObject({ keyId: 'k1', count: 1502 });
    const corrupt = await h.app.inject({
      method: 'PUT',
      url: `/v1/funders/bank-a/prescreen-set?endpointUrl=${encodeURIComponent(url)}`,
      headers: { authorization: `Bearer ${h.adminKey}`, 'content-type': 'application/octet-stream' },
      payload: Buffer.from('SJPSET01garbage'),
    });
    expect(corrupt.statusCode).toBe(400);
    expect(corrupt.json().error.code).toBe('prescreen_set_invalid');
    const info = await h.call('GET', '/v1/funders/bank-a/prescreen-set');
    expect(info).toMatchObject({ status: 200, body: { keyId: 'k1', count: 1502, endpointUrl: url } });
    expect(JSON.stringify(info.body)).not.toContain('funder-secret-token');
  });

  it('finds a listed phone or ID number, not an unlisted applicant, and sends nothing identifying', async () => {
    const listedPhone = await submit(KNOWN_PHONE, makeIdNumber('110105', '19900307', '301'));
    const listedId = await submit('13600000000', KNOWN_ID);
    const unlisted = await submit('13512345678', makeIdNumber('110105', '19900307', '303'));
    const check = (applicationId: string) =>
      h.services.sharing.prescreenCheck(h.database.db, 'bank-a', applicationId, { fetch: recordingFetch });
    expect(await check(listedPhone)).toMatchObject({ member: true, keyId: 'k1' });
    expect(await check(listedId)).toMatchObject({ member: true });
    const miss = await check(unlisted);
    expect(miss.member).toBe(false);
    // the same applicant checked twice sends unrelated elements (the funder cannot even link repeats)
    await check(unlisted);
    const [, , third, fourth] = sent.map((body) => JSON.parse(body) as { elements: string[] });
    expect(third!.elements[0]).not.toBe(fourth!.elements[0]);
    for (const body of sent) {
      for (const secret of [KNOWN_PHONE, '13512345678', KNOWN_ID, md5Hex(KNOWN_PHONE), md5Hex('13512345678')])
        expect(body).not.toContain(secret);
    }
    // the receipt: a prescreen exposure with no fields and no consent, and the answer
    const index = await integratedIndex(h.services.ledger, h.database.db, miss.exposureEntryId);
    const admin = { keyId: 'k', role: 'admin' as const, funderId: null, customerId: null };
    const entry = await h.services.ledger.entry(h.database.db, index, admin);
    expect(entry.entry).toMatchObject({
      kind: 'exposure',
      stage: 'prescreen',
      fields: [],
      consentId: null,
      details: { member: false, keyId: 'k1' },
    });
  });

  it('over HTTP, and after key rotation the new set is checked under the new key', async () => {
    const applicationId = await submit(KNOWN_PHONE, makeIdNumber('110105', '19900307', '305'));
    clock.advance(120_000); // refill the service's element budget
    expect((await upload('set2.bin')).statusCode).toBe(201);
    const response = await h.call('POST', `/v1/applications/${applicationId}/prescreen`, {
      funderId: 'bank-a',
    });
    expect(response).toMatchObject({ status: 200, body: { member: true, keyId: 'k2' } });
    expect(
      (await h.call('POST', `/v1/applications/${applicationId}/prescreen`, { funderId: 'nobody' })).status,
    ).toBe(404);
  });

  it('pre-screens several funders at once, each answer separate', async () => {
    await h.call('POST', '/v1/funders', {
      id: 'bank-b',
      name: '乙银行',
      type: 'bank',
      licensedRegions: ['*'],
    });
    const applicationId = await submit(KNOWN_PHONE, makeIdNumber('110105', '19900307', '306'));
    clock.advance(120_000);
    const answers = await h.services.sharing.prescreenMany(h.database.db, applicationId, [
      'bank-a',
      'bank-b',
    ]);
    expect(answers).toEqual({ 'bank-a': 'member', 'bank-b': 'not-configured' });
    const down = await h.services.sharing.prescreenMany(h.database.db, applicationId, ['bank-a'], {
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    expect(down).toEqual({ 'bank-a': 'unavailable' });
  });

  it('fails closed when the funder’s service refuses: rate limit, wrong token', async () => {
    const applicationId = await submit(KNOWN_PHONE, makeIdNumber('110105', '19900307', '307'));
    clock.advance(120_000);
    // a budget of 20 elements a minute is 10 checks; the 11th is refused by the funder's service
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push(
        (await h.call('POST', `/v1/applications/${applicationId}/prescreen`, { funderId: 'bank-a' })).status,
      );
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses[10]).toBe(502);
    clock.advance(120_000);
    expect((await upload('set2.bin', 'wrong-token')).statusCode).toBe(201);
    const refused = await h.call('POST', `/v1/applications/${applicationId}/prescreen`, {
      funderId: 'bank-a',
    });
    expect(refused).toMatchObject({ status: 502, body: { error: { code: 'prescreen_unavailable' } } });
  });

  it('the service answers 400 to hostile bodies and oversized batches, never crashing', async () => {
    const post = (body: string) =>
      fetch(`${url}/v1/oprf/evaluate`, {
        method: 'POST',
        body,
        headers: { authorization: 'Bearer funder-secret-token' },
      }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { error?: { code: string } },
      }));
    clock.advance(600_000);
    expect((await post('{not json')).body.error?.code).toBe('oprf_malformed');
    expect(
      (await post(JSON.stringify({ keyId: 'k1', elements: [Buffer.alloc(32, 7).toString('base64')] })))
        .status,
    ).toBe(400);
    const huge = await post(
      JSON.stringify({ keyId: 'k1', elements: Array(500).fill(Buffer.alloc(32).toString('base64')) }),
    );
    expect(huge).toMatchObject({ status: 400, body: { error: { code: 'oprf_batch_too_large' } } });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/v1/oprf/keys`)).status).toBe(401);
  });
});

describe('the leak the OPRF path replaces', () => {
  it('MD5(phone) is inverted by enumerating a 7-digit segment', () => {
    const phones = ['13812340000', '13812345678', '13812349999', '13812340042'];
    const hashes = new Set(phones.map(md5Hex));
    const found = invertMd5Phones(hashes, '1381234');
    expect([...found.values()].sort()).toEqual([...phones].sort());
    expect(found.get(md5Hex('13812345678'))).toBe('13812345678');
  });
});

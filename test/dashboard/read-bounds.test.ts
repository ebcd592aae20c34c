// Every dashboard read is bounded and every bad bound is a 4xx with a stable code (issue 17 item 6,
// ADR 0100, 0104): the list's limit (1…200) and its cursor, the overview's and scorecards' ranges
// (at most 366 days), on both engines. Hostile values: huge, negative and non-integer numbers,
// Chinese, control characters, lone surrogates; cursors forged, truncated, re-encoded, from another
// master key (a deployment's, or from before a key rotation: what "expired" means for a keyset
// cursor, which has no time-to-live) and from a future format version.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers } from '../../src/identity/schema.ts';
import { encodeCursor, filterKey } from '../../src/intake/cursor.ts';
import { LIST_LIMIT_MAX } from '../../src/intake/read-service.ts';
import { applications } from '../../src/intake/schema.ts';
import { RANGE_DAYS_MAX } from '../../src/dashboard/model.ts';
import { deriveKey } from '../../src/kernel/index.ts';
import { ENGINES } from '../support/engines.ts';
import { createHarness, type Harness } from '../support/harness.ts';

const ROWS = LIST_LIMIT_MAX + 15;

describe.each(ENGINES)('dashboard read bounds on %s', (engine) => {
  let h: Harness;
  let analyst: string;
  let cursor: string;

  beforeAll(async () => {
    h = await createHarness(engine, { start: '2026-03-10T02:00:00Z' });
    analyst = (await h.services.access.issueKey(h.database.db, { role: 'analyst', label: 'a' })).secret;
    const now = h.clock.now();
    await h.database.db.insert(customers).values({
      id: 'c-bounds',
      customerKey: 'k-bounds',
      nameEnc: 'x',
      idNumberEnc: 'x',
      phoneEnc: 'x',
      phoneKey: 'p-bounds',
      birthDate: '1990-01-01',
      gender: 'female',
      regionCode: '110105',
      createdAt: now,
      updatedAt: now,
    });
    await h.database.db.insert(applications).values(
      Array.from({ length: ROWS }, (_, i) => ({
        id: `app_b${String(i).padStart(4, '0')}`,
        customerId: 'c-bounds',
        status: 'submitted',
        amountFen: 100_000,
        termMonths: 12,
        purpose: '消费',
        channel: 'app',
        monthlyIncomeFen: 1_000_000,
        score: 700,
        funderId: null,
        productId: null,
        createdAt: new Date(Date.parse('2026-03-01T00:00:00Z') + i * 1_000),
        updatedAt: now,
      })),
    );
    const first = await get('/v1/applications?limit=2');
    cursor = first.body.nextCursor;
  });
  afterAll(async () => {
    await h?.close();
  });
  const get = (url: string) => h.call('GET', url, undefined, { key: analyst });

  async function expectRefused(url: string, code: string): Promise<void> {
    const answer = await get(url);
    expect(answer.status, url).toBeGreaterThanOrEqual(400);
    expect(answer.status, url).toBeLessThan(500);
    expect(answer.body.error.code, url).toBe(code);
  }

  it('the largest page is LIST_LIMIT_MAX rows, whatever is asked', async () => {
    const page = await get(`/v1/applications?limit=${LIST_LIMIT_MAX}`);
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(LIST_LIMIT_MAX);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const rest = await get(`/v1/applications?limit=${LIST_LIMIT_MAX}&cursor=${page.body.nextCursor}`);
    expect(rest.body.items).toHaveLength(ROWS - LIST_LIMIT_MAX);
    expect(rest.body.nextCursor).toBeNull();
    // no limit: the default page, never everything
    expect((await get('/v1/applications')).body.items).toHaveLength(50);
  });

  it('a huge, negative, fractional or non-numeric limit is 400 invalid_request', async () => {
    for (const limit of [
      '-1',
      '-0.5',
      '1.5',
      '50.0000000001',
      `${LIST_LIMIT_MAX + 1}`,
      '9007199254740993',
      '1e400',
      '0x10',
      'Infinity',
      'NaN',
      '%EF%BC%95%EF%BC%90', // ５０ (full-width digits)
      '50%00',
      '%ED%A0%80', // a lone surrogate, UTF-8 encoded
      '',
    ])
      await expectRefused(`/v1/applications?limit=${limit}`, 'invalid_request');
    await expectRefused('/v1/applications?limit=5&limit=6', 'invalid_request');
  });

  it('a forged, truncated, re-encoded, foreign-key or future-version cursor is 400 invalid_cursor', async () => {
    expect((await get(`/v1/applications?limit=2&cursor=${cursor}`)).status).toBe(200);
    const bytes = Buffer.from(cursor, 'base64url');
    const foreignKey = deriveKey(randomBytes(32), 'applications-cursor/v1');
    const position = { submittedAt: new Date(Number(bytes.readBigUInt64BE(1))), id: 'app_b0213' };
    const futureVersion = Buffer.from(bytes);
    futureVersion[0] = 2;
    const later = Buffer.from(bytes);
    later.writeBigUInt64BE(later.readBigUInt64BE(1) + 1n, 1);
    for (const bad of [
      encodeCursor(foreignKey, position, filterKey({})), // another deployment's, or before a rotation
      futureVersion.toString('base64url'),
      later.toString('base64url'), // the position moved, the tag kept
      randomBytes(bytes.length).toString('base64url'),
      cursor.slice(0, -1),
      cursor.slice(0, 12),
      `${cursor}AA`,
      'A'.repeat(200),
    ])
      await expectRefused(`/v1/applications?limit=2&cursor=${bad}`, 'invalid_cursor');
    // one this service issued, under other filters
    await expectRefused(`/v1/applications?limit=2&status=submitted&cursor=${cursor}`, 'invalid_cursor');
    // not a cursor's alphabet or length at all: the schema's refusal
    for (const bad of ['A'.repeat(201), '%E4%B8%8B', 'abc%00', 'ab+c', 'ab/c', 'ab=', '%ED%A0%80'])
      await expectRefused(`/v1/applications?limit=2&cursor=${bad}`, 'invalid_request');
  });

  it('the overview and scorecards read at most 366 days; a bad range is 400 date_range_invalid', async () => {
    for (const path of ['/v1/dashboard/overview', '/v1/dashboard/funders']) {
      const longest = await get(`${path}?from=2025-03-10&to=2026-03-10`); // 366 days, both included
      expect(longest.status, path).toBe(200);
      if (path.endsWith('overview')) expect(longest.body.days).toHaveLength(RANGE_DAYS_MAX);
      await expectRefused(`${path}?from=2025-03-09&to=2026-03-10`, 'date_range_invalid');
      await expectRefused(`${path}?from=0001-01-01&to=9999-12-31`, 'date_range_invalid');
      await expectRefused(`${path}?from=2026-03-10&to=2026-03-09`, 'date_range_invalid');
      await expectRefused(`${path}?from=2026-02-30`, 'date_range_invalid');
      for (const bad of ['2026-3-1', '%E4%BB%8A%E5%A4%A9', '2026-03-01%00', '%ED%A0%80', '20260301', '-1'])
        await expectRefused(`${path}?from=${bad}`, 'invalid_request');
      await expectRefused(`${path}?days=9999`, 'invalid_request');
    }
  });
});

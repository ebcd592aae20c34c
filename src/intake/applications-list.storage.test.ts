// GET /v1/applications and GET /v1/applications/:id/timeline on both engines (ADR 0100): keyset
// pages see each row exactly once while submissions keep arriving, filters narrow the same order,
// a cursor is refused when edited, invented or replayed under other filters, every bad query value
// is a 400 with a stable code, and one real application's timeline (submission → consent → choice →
// a funder's approval → confirmation) names its shares and ledger entries, integrated or not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consentBody,
  type MockFunder,
  mockFunder,
  TEST_CONTRACT,
  testProduct,
} from '../../test/routing/support.ts';
import { ENGINES } from '../../test/support/engines.ts';
import { applicationBody, makeIdNumber } from '../../test/support/fixtures.ts';
import { createHarness, type Harness } from '../../test/support/harness.ts';
import { customers } from '../identity/schema.ts';
import { applications } from './schema.ts';
import { APPLICATION_STATUSES } from './status.ts';

const ORIGINAL_ROWS = 30;
const PAGE = 7;

describe.each(ENGINES)('applications list on %s', (engine) => {
  let h: Harness;
  let analyst: string;
  let inserted = 0;
  const funder = { mock: undefined as MockFunder | undefined };

  /** Applications row by row: `count` of them, `sameInstant` sharing one submission time (ties by id). */
  async function insertApplications(count: number, startMs: number, sameInstant = 1): Promise<string[]> {
    const ids: string[] = [];
    const rows = Array.from({ length: count }, (_, i) => {
      inserted += 1;
      const id = `app_t${String(inserted).padStart(4, '0')}`;
      ids.push(id);
      return {
        id,
        customerId: 'c-list',
        status: APPLICATION_STATUSES[inserted % 3 === 0 ? 1 : 4]!, // offered or approved
        amountFen: 100_000 * inserted,
        termMonths: 12,
        purpose: '消费',
        channel: 'app',
        monthlyIncomeFen: 1_000_000,
        score: 700,
        funderId: inserted % 2 === 0 ? 'fund-even' : null,
        productId: null,
        createdAt: new Date(startMs + Math.floor(i / sameInstant) * 1_000),
        updatedAt: new Date(startMs),
      };
    });
    await h.database.db.insert(applications).values(rows);
    return ids;
  }

  beforeAll(async () => {
    h = await createHarness(engine, { start: '2026-03-10T02:00:00Z' });
    analyst = (await h.services.access.issueKey(h.database.db, { role: 'analyst', label: 'a' })).secret;
    const now = h.clock.now();
    await h.database.db.insert(customers).values({
      id: 'c-list',
      customerKey: 'k-list',
      nameEnc: 'x',
      idNumberEnc: 'x',
      phoneEnc: 'x',
      phoneKey: 'p-list',
      birthDate: '1990-01-01',
      gender: 'male',
      regionCode: '110105',
      createdAt: now,
      updatedAt: now,
    });
    // 30 applications on 2026-03-01, three to a second (the tie-break by id matters)
    await insertApplications(ORIGINAL_ROWS, Date.parse('2026-03-01T00:00:00Z'), 3);
  });
  afterAll(async () => {
    await h?.close();
    await funder.mock?.close();
  });
  const get = (url: string) => h.call('GET', url, undefined, { key: analyst });

  it('pages through every row exactly once, newest first, while new ones arrive', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    let later = Date.parse('2026-03-05T00:00:00Z');
    do {
      const answer = await get(
        `/v1/applications?limit=${PAGE}&from=2026-02-01T00:00:00Z${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(answer.status).toBe(200);
      seen.push(...answer.body.items.map((item: { id: string }) => item.id));
      cursor = answer.body.nextCursor;
      pages += 1;
      // submissions keep arriving between pages, newer than everything listed
      await insertApplications(3, later);
      later += 60_000;
    } while (cursor !== null && pages < 20);
    const expected = Array.from(
      { length: ORIGINAL_ROWS },
      (_, i) => `app_t${String(ORIGINAL_ROWS - i).padStart(4, '0')}`,
    );
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(ORIGINAL_ROWS / PAGE));
  });

  it('answers the contract shape; filters by status, funder and time', async () => {
    const first = await get('/v1/applications?limit=1&to=2026-03-02T00:00:00Z');
    expect(first.body.items).toEqual([
      {
        id: 'app_t0030',
        status: 'offered',
        submittedAt: '2026-03-01T00:00:09.000Z',
        amountFen: 3_000_000,
        termMonths: 12,
        funderId: 'fund-even',
        productId: null,
      },
    ]);
    const collect = async (query: string) => {
      const ids: string[] = [];
      for (let cursor: string | null = null, n = 0; n < 20; n++) {
        const answer = await get(`/v1/applications?limit=4&${query}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(answer.status).toBe(200);
        ids.push(...answer.body.items.map((item: { id: string }) => item.id));
        cursor = answer.body.nextCursor;
        if (cursor === null) break;
      }
      return ids;
    };
    // three to a second: [1 s, 2 s) holds the 4th to the 6th
    const window = 'from=2026-03-01T00:00:01Z&to=2026-03-01T00:00:02Z';
    expect(await collect(window)).toEqual(['app_t0006', 'app_t0005', 'app_t0004']);
    const offered = await collect('status=offered&to=2026-03-02T00:00:00Z');
    expect(offered).toEqual([
      'app_t0030',
      'app_t0027',
      'app_t0024',
      'app_t0021',
      'app_t0018',
      'app_t0015',
      'app_t0012',
      'app_t0009',
      'app_t0006',
      'app_t0003',
    ]);
    const even = await collect('funderId=fund-even&to=2026-03-01T00:00:01Z');
    expect(even).toEqual(['app_t0002']);
  });

  it('refuses a cursor that was edited, invented, or issued for other filters', async () => {
    const page = await get('/v1/applications?limit=2&status=approved');
    const cursor: string = page.body.nextCursor;
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect((await get(`/v1/applications?limit=2&status=approved&cursor=${cursor}`)).status).toBe(200);
    const flipped = `${cursor.slice(0, 5)}${cursor[5] === 'A' ? 'B' : 'A'}${cursor.slice(6)}`;
    for (const bad of [flipped, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'AQ', `${cursor}x`]) {
      const answer = await get(`/v1/applications?limit=2&status=approved&cursor=${bad}`);
      expect(answer.status, bad).toBe(400);
      expect(answer.body.error.code).toBe('invalid_cursor');
    }
    const otherFilters = await get(`/v1/applications?limit=2&status=offered&cursor=${cursor}`);
    expect(otherFilters.body.error.code).toBe('invalid_cursor');
  });

  it('every bad query value is a 400 with a stable code, never a 5xx', async () => {
    const cases: Array<[string, string]> = [
      ['limit=0', 'invalid_request'],
      ['limit=201', 'invalid_request'],
      ['limit=99999999999999999999999999', 'invalid_request'],
      ['limit=1e2', 'invalid_request'],
      ['limit=%E4%BA%94%E5%8D%81', 'invalid_request'], // 五十
      ['status=%E5%B7%B2%E6%89%B9%E5%87%86', 'invalid_request'], // 已批准
      ['status=approved%00', 'invalid_request'],
      ['funderId=fund%07a', 'invalid_request'],
      ['funderId=%E8%B5%84%E6%96%B9', 'invalid_request'],
      ['cursor=%E4%B8%8B%E4%B8%80%E9%A1%B5', 'invalid_request'], // 下一页
      ['cursor=abc%0Ad', 'invalid_request'],
      ['from=yesterday', 'invalid_request'],
      ['from=2026-13-01T00:00:00Z', 'invalid_request'],
      ['from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'invalid_request'],
      ['page=2', 'invalid_request'],
    ];
    for (const [query, code] of cases) {
      const answer = await get(`/v1/applications?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.code, query).toBe(code);
    }
    // staff only: a funder key may not list
    const funderKey = (
      await h.services.access.issueKey(h.database.db, { role: 'funder', funderId: 'fund-even', label: 'f' })
    ).secret;
    expect((await h.call('GET', '/v1/applications', undefined, { key: funderKey })).status).toBe(403);
  });

  it("one application's timeline: history, shares and ledger entries, indexes once integrated", async () => {
    funder.mock = await mockFunder(h.clock, 'approve');
    const created = await h.call('POST', '/v1/funders', {
      id: 'fund-t',
      name: '时间线银行',
      type: 'bank',
      licensedRegions: ['*'],
      webhookUrl: funder.mock.url,
      webhookSecret: funder.mock.secret,
      monthlyQuotaFen: 1_000_000_000,
    });
    expect(created.status).toBe(201);
    expect(
      (await h.call('POST', '/v1/funders/fund-t/products', testProduct('fund-t-loan', 0.1))).status,
    ).toBe(201);
    expect((await h.call('POST', '/v1/funders/fund-t/contracts', TEST_CONTRACT)).status).toBe(201);
    const submitted = await h.call(
      'POST',
      '/v1/applications',
      applicationBody({ idNumber: makeIdNumber('310104', '19880521', '371'), score: 720 }),
      { headers: { 'idempotency-key': 'timeline-1' } },
    );
    expect(submitted.status).toBe(201);
    const id: string = submitted.body.id;
    expect((await h.call('POST', `/v1/applications/${id}/consents`, consentBody('fund-t'))).status).toBe(201);
    expect([200, 202]).toContain(
      (await h.call('POST', `/v1/applications/${id}/choose`, { productId: 'fund-t-loan' })).status,
    );
    await h.services.routing.idle();
    expect((await h.call('POST', `/v1/applications/${id}/confirm`)).status).toBe(201);

    const before = await get(`/v1/applications/${id}/timeline`);
    expect(before.status).toBe(200);
    expect(before.body.events.map((e: { type: string }) => e.type)).toEqual([
      'submitted',
      'offered',
      'consented',
      'sent',
      'approved',
      'confirmed',
      'booked',
    ]);
    expect(before.body.shares).toHaveLength(1);
    expect(before.body.shares[0]).toMatchObject({
      funderId: 'fund-t',
      stage: 'application',
      ledgerIndex: null,
    });
    expect(before.body.shares[0].fields.length).toBeGreaterThan(0);
    // consent entries name the customer and funder, not the application: they are not here
    expect(before.body.ledgerEntries.map((e: { kind: string }) => e.kind)).toEqual([
      'origination',
      'exposure',
      'decision',
      'booking',
    ]);
    expect(before.body.ledgerEntries.every((e: { index: unknown }) => e.index === null)).toBe(true);

    await h.services.ledger.integrate();
    const after = await get(`/v1/applications/${id}/timeline`);
    const indexes = after.body.ledgerEntries.map((e: { index: number }) => e.index);
    expect(indexes.every((i: unknown) => Number.isInteger(i))).toBe(true);
    const exposure = after.body.ledgerEntries.find((e: { kind: string }) => e.kind === 'exposure');
    expect(after.body.shares[0].ledgerIndex).toBe(exposure.index);
    // the entry at that index is the exposure (the ledger's own route agrees)
    expect((await h.call('GET', `/v1/ledger/entries/${exposure.index}`)).body.entry.kind).toBe('exposure');

    expect((await get('/v1/applications/app_none/timeline')).body.error.code).toBe('application_not_found');
  });
});

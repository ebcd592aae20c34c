// Every route declares its roles; keys are checked; a funder's key never reaches another funder's data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.ts';
import { applicationBody } from '../support/fixtures.ts';
import { createHarness, type Harness } from '../support/harness.ts';

const FUNDER = (id: string) => ({ id, name: `资方 ${id}`, type: 'bank', licensedRegions: ['*'] });

function fill(url: string, values: Record<string, string>): string {
  return url.replace(/:([A-Za-z]+)/g, (_m, name: string) => values[name] ?? 'unknown-id');
}

describe.each(ENGINES)('auth and funder scoping on %s', (engine) => {
  let h: Harness;
  let keyA: string;
  let keyB: string;
  let analystKey: string;
  let applicationId: string;
  beforeAll(async () => {
    h = await createHarness(engine);
    for (const id of ['funder-a', 'funder-b'])
      expect((await h.call('POST', '/v1/funders', FUNDER(id))).status).toBe(201);
    expect(
      (
        await h.call('POST', '/v1/funders/funder-a/products', {
          id: 'funder-a-loan',
          name: 'A 信用贷',
          minAmountFen: 100_000,
          maxAmountFen: 5_000_000,
          termsMonths: [12],
          rateAnnualMin: 0.1,
          rateAnnualMax: 0.15,
          methods: ['equal-installment'],
          ageMin: 18,
          ageMax: 60,
          minScore: 500,
        })
      ).status,
    ).toBe(201);
    keyA = (await h.call('POST', '/v1/api-keys', { role: 'funder', funderId: 'funder-a', label: 'A' })).body
      .secret;
    keyB = (await h.call('POST', '/v1/api-keys', { role: 'funder', funderId: 'funder-b', label: 'B' })).body
      .secret;
    analystKey = (await h.call('POST', '/v1/api-keys', { role: 'analyst', label: 'analyst' })).body.secret;
    applicationId = (
      await h.call('POST', '/v1/applications', applicationBody(), { headers: { 'idempotency-key': 'a1' } })
    ).body.id;
  });
  afterAll(() => h.close());

  it('every route declares roles, and every non-public route refuses a missing key with 401', async () => {
    expect(h.app.routeTable.length).toBeGreaterThan(10);
    for (const route of h.app.routeTable) {
      expect(route.roles.length, `${route.method} ${route.url}`).toBeGreaterThan(0);
      if (route.roles.includes('public')) continue;
      const response = await h.call(
        route.method,
        fill(route.url, { funderId: 'funder-a', id: applicationId }),
        undefined,
        { key: null },
      );
      expect(response.status, `${route.method} ${route.url}`).toBe(401);
      expect(response.body.error.code).toBe('unauthenticated');
    }
  });

  it('routes not open to funders answer a funder key with 403', async () => {
    for (const route of h.app.routeTable) {
      if (route.roles.includes('public') || route.roles.includes('funder')) continue;
      const response = await h.call(
        route.method,
        fill(route.url, { funderId: 'funder-b', id: applicationId }),
        undefined,
        { key: keyB },
      );
      expect(response.status, `${route.method} ${route.url}`).toBe(403);
    }
  });

  it('funder-scoped routes never show funder A’s data to funder B', async () => {
    const scoped = h.app.routeTable.filter((r) => r.roles.includes('funder') && r.method === 'GET');
    expect(scoped.length).toBeGreaterThan(3);
    for (const route of scoped) {
      const url = fill(route.url, { funderId: 'funder-a', id: applicationId, productId: 'funder-a-loan' });
      const asB = await h.call(route.method, url, undefined, { key: keyB });
      const text = JSON.stringify(asB.body);
      const leaked = asB.status < 400 && (text.includes('funder-a') || text.includes(applicationId));
      expect(leaked, `${route.method} ${url} leaked to funder B: ${text.slice(0, 200)}`).toBe(false);
    }
    // and funder A does see its own
    expect((await h.call('GET', '/v1/funders/funder-a', undefined, { key: keyA })).status).toBe(200);
    expect(
      (await h.call('GET', '/v1/funders/funder-a/products', undefined, { key: keyA })).body.products,
    ).toHaveLength(1);
    expect(
      (await h.call('GET', '/v1/funders', undefined, { key: keyA })).body.funders.map(
        (f: { id: string }) => f.id,
      ),
    ).toEqual(['funder-a']);
  });

  it('issues borrower keys for one customer only: they read that customer’s application and nobody else’s', async () => {
    expect((await h.call('POST', '/v1/api-keys', { role: 'borrower', label: 'b' })).body.error.field).toBe(
      'customerId',
    );
    expect(
      (await h.call('POST', '/v1/api-keys', { role: 'borrower', customerId: 'cus_nobody', label: 'b' }))
        .status,
    ).toBe(404);
    const own = await h.call('GET', `/v1/applications/${applicationId}`);
    const key = (
      await h.call('POST', '/v1/api-keys', {
        role: 'borrower',
        customerId: own.body.customerId,
        label: 'portal',
      })
    ).body.secret;
    expect(
      (await h.call('GET', `/v1/applications/${applicationId}/routing`, undefined, { key })).status,
    ).toBe(200);
    const other = (
      await h.call(
        'POST',
        '/v1/applications',
        applicationBody({ idNumber: '11010519491231002X', phone: '13700000000' }),
        {
          headers: { 'idempotency-key': 'other-borrower' },
        },
      )
    ).body;
    expect((await h.call('GET', `/v1/applications/${other.id}/routing`, undefined, { key })).status).toBe(
      404,
    );
    expect((await h.call('POST', '/v1/funders', FUNDER('by-borrower'), { key })).status).toBe(403);
  });

  it('analysts read but cannot write; revoked keys stop working', async () => {
    expect((await h.call('GET', '/v1/funders', undefined, { key: analystKey })).status).toBe(200);
    expect((await h.call('POST', '/v1/funders', FUNDER('funder-c'), { key: analystKey })).status).toBe(403);
    const issued = (await h.call('POST', '/v1/api-keys', { role: 'analyst', label: 'temp' })).body;
    expect((await h.call('DELETE', `/v1/api-keys/${issued.id}`)).status).toBe(200);
    expect((await h.call('GET', '/v1/funders', undefined, { key: issued.secret })).status).toBe(401);
    const [row] = await h.database.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM api_keys WHERE secret_hash = $1`,
      [issued.secret],
    );
    expect(row!.n).toBe(0); // only the hash is stored
  });
});

// Every route declares its roles; keys are checked; a funder's key never reaches another funder's data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.ts';
import { applicationBody } from '../support/fixtures.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { SIGNATURE_HEADER, signatureHeader } from '../../src/routing/signature.ts';

const FUNDER = (id: string) => ({ id, name: `资方 ${id}`, type: 'bank', licensedRegions: ['*'] });
/** Funder B's webhook secret: its decision callbacks are properly signed, so only scoping can refuse them. */
const SECRET_B = 'funder-b-webhook-secret-0123456789';

function fill(url: string, values: Record<string, string>): string {
  return url.replace(/:([A-Za-z]+)/g, (_m, name: string) => values[name] ?? 'unknown-id');
}

/** Path parameters naming nothing that exists: what a hidden resource must be indistinguishable from. */
const MISSING = {
  funderId: 'no-such-funder',
  id: 'app_missing',
  productId: 'no-such-product',
  statementId: 'stm-no-such-funder-2026-02',
  index: '999999',
};

/** The parts of an error answer that must not tell a hidden resource from a missing one. */
const shape = (response: { status: number; body: { error?: { code?: string; field?: string } } }) => ({
  status: response.status,
  code: response.body.error?.code,
  field: response.body.error?.field,
});

describe.each(ENGINES)('auth and funder scoping on %s', (engine) => {
  let h: Harness;
  let keyA: string;
  let keyB: string;
  let analystKey: string;
  let applicationId: string;
  beforeAll(async () => {
    h = await createHarness(engine);
    expect((await h.call('POST', '/v1/funders', FUNDER('funder-a'))).status).toBe(201);
    expect(
      (
        await h.call('POST', '/v1/funders', {
          ...FUNDER('funder-b'),
          webhookUrl: 'https://funder-b.example/hook',
          webhookSecret: SECRET_B,
        })
      ).status,
    ).toBe(201);
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
    // A contract in force, so a quote against funder A's terms has something to read.
    expect(
      (
        await h.call('POST', '/v1/funders/funder-a/contracts', {
          serviceFee: { basis: 'disbursed', rate: 0.02 },
          noBackflow: {
            enabled: true,
            penaltyPerCustomerFen: 100_000,
            serviceFeeMultiple: 3,
            terminationThreshold: 5,
          },
          conversionFeeFen: 0,
          maxPenaltyRateAnnual: 0.05,
          auditRights: { creditReportCrossCheck: true, canaries: true, relayContacts: true },
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
      // hidden routes (the canary registry) answer a missing key as a missing route: canary.http.test.ts
      if (route.roles.includes('public') || route.hidden) continue;
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
      if (route.roles.includes('public') || route.roles.includes('funder') || route.hidden) continue;
      const response = await h.call(
        route.method,
        fill(route.url, { funderId: 'funder-b', id: applicationId }),
        undefined,
        { key: keyB },
      );
      expect(response.status, `${route.method} ${route.url}`).toBe(403);
    }
  });

  it('every route a funder key may call, whatever its method, never reads or changes funder A’s data as funder B', async () => {
    // The walk is over the app's own route table (collected by an onRoute hook), so a new route is
    // covered the day it is added; a new funder write route fails here until it has a sample body.
    const samples: Record<string, unknown> = {
      // a quote against funder A's contract
      'POST /v1/quotes': {
        principalFen: 1_000_000,
        termMonths: 12,
        rateAnnual: 0.12,
        method: 'equal-installment',
        funderId: 'funder-a',
      },
      // a decision on an application funder B was never sent
      'POST /v1/funder/decisions': {
        applicationRef: applicationId,
        decision: 'approved',
        amountFen: 1_000_000,
      },
      // a repayment of a loan funder B did not book (here: no loan at all): loan_not_found
      'POST /v1/funder/repayments': {
        loanId: applicationId,
        repaymentId: 'r-1',
        kind: 'partial',
        installmentNo: 1,
        amountFen: 100,
        paidAt: '2026-03-01T02:00:00Z',
      },
      // a dispute on a statement of funder A's (here: none): 404, nothing stored
      'POST /v1/settlement/statements/:statementId/disputes': { lineNos: [1], reason: '金额有误' },
      // a conversion of a customer funder B was never shown (funder A's pseudonym): refused
      'POST /v1/funder/conversions': { customerRef: 'cref_not_shown_to_b' },
      // a cosignature that does not verify: refused, nothing stored
      'POST /v1/ledger/cosignatures': {
        treeSize: 1,
        verifierKey: 'funder-a+00000000+AAAA',
        cosignature: 'AAAA',
      },
    };
    const funderRoutes = h.app.routeTable.filter((r) => r.roles.includes('funder'));
    expect(funderRoutes.filter((r) => r.method !== 'GET').length).toBeGreaterThanOrEqual(3);
    const snapshot = async () => {
      // Routing's flow counts are written in the background (ADR 0073): settle them first.
      await h.services.routing.flowWritten();
      const tables = await h.database.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'api_keys' ORDER BY table_name`,
      );
      const parts: string[] = [];
      for (const { table_name } of tables) {
        const rows = await h.database.query<{ text: string }>(
          `SELECT row_to_json(t)::text AS text FROM "${table_name}" t ORDER BY 1 LIMIT 10000`,
        );
        parts.push(table_name, ...rows.map((r) => r.text));
      }
      return parts.join('\n');
    };
    const before = await snapshot();
    for (const route of funderRoutes) {
      const name = `${route.method} ${route.url}`;
      const url = fill(route.url, {
        funderId: 'funder-a',
        id: applicationId,
        productId: 'funder-a-loan',
        index: '0',
        statementId: 'stm-funder-a-2026-02',
      });
      const write = route.method !== 'GET';
      if (write) expect(samples[name], `add a sample body for ${name} to this test`).toBeDefined();
      const body = write ? JSON.stringify(samples[name]) : undefined;
      const asB = await h.call(route.method, url, body, {
        key: keyB,
        ...(body ? { headers: { [SIGNATURE_HEADER]: signatureHeader(SECRET_B, h.clock.now(), body) } } : {}),
      });
      const text = JSON.stringify(asB.body);
      expect(asB.status, `${name}: ${text.slice(0, 200)}`).toBeLessThan(500);
      if (
        /:(funderId|id|productId)\b/.test(route.url) ||
        (name in samples && name !== 'POST /v1/ledger/cosignatures')
      ) {
        // a resource of funder A (or an application B was not sent): absent or forbidden, as the design says
        expect([403, 404], `${name} answered funder B ${asB.status}: ${text.slice(0, 200)}`).toContain(
          asB.status,
        );
        // hidden reads like missing: the same status, code and field as for a resource that does not exist
        if (!write && asB.status === 404) {
          const missing = await h.call(route.method, fill(route.url, MISSING), undefined, { key: keyB });
          expect(shape(asB), `${name}: funder B can tell funder A's resource from none`).toEqual(
            shape(missing),
          );
        }
      }
      if (write) expect(asB.status, `${name} accepted a write from funder B`).toBeGreaterThanOrEqual(400);
      const leaked = asB.status < 400 && (text.includes('funder-a') || text.includes(applicationId));
      expect(leaked, `${name} leaked to funder B: ${text.slice(0, 200)}`).toBe(false);
    }
    // nothing anywhere changed (api_keys aside: authenticating a key may touch its row)
    expect(await snapshot()).toBe(before);
    // and the quote sample is meaningful: funder A's own key gets the judicial check from its contract
    const own = await h.call('POST', '/v1/quotes', samples['POST /v1/quotes'], { key: keyA });
    expect(own.status).toBe(200);
    expect(own.body.judicialCheck.source).toBe('contract');
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
    // every route a borrower key may call, walked over the app's own route table: another customer's
    // application answers exactly as a missing one, and nothing of it leaks
    // the borrower's writes (and the plan, a POST that reads): each touches only the key's customer
    const otherSettings = () => h.call('GET', `/v1/customers/${other.customerId}/reminder-settings`);
    const borrowerWrites: Record<string, () => Promise<void>> = {
      'POST /v1/borrower/plan': async () => {
        const plan = await h.call('POST', '/v1/borrower/plan', {}, { key });
        expect(plan.status).toBe(200);
        expect(JSON.stringify(plan.body).includes(other.customerId)).toBe(false);
      },
      'PUT /v1/borrower/reminder-settings': async () => {
        const before = (await otherSettings()).body.channels;
        expect((await h.call('PUT', '/v1/borrower/reminder-settings', { sms: false }, { key })).status).toBe(
          200,
        );
        expect((await otherSettings()).body.channels).toEqual(before);
      },
      'POST /v1/borrower/reports': async () => {
        const report = {
          customerId: other.customerId,
          funderName: 'x',
          channel: 'call',
          contactedAt: '2026-01-01T00:00:00Z',
          offered: 'x',
        };
        const spoofed = await h.call('POST', '/v1/borrower/reports', report, { key });
        expect([spoofed.status, spoofed.body.error?.code]).toEqual([404, 'detection_customer_not_found']);
      },
    };
    const borrowerRoutes = h.app.routeTable.filter((r) => r.roles.includes('borrower'));
    expect(borrowerRoutes.length).toBeGreaterThanOrEqual(3);
    for (const route of borrowerRoutes) {
      const name = `${route.method} ${route.url}`;
      if (route.method !== 'GET') {
        const sample = borrowerWrites[name];
        expect(sample, `${name}: a borrower write route needs a sample here`).toBeDefined();
        await sample!();
        continue;
      }
      if (!route.url.includes(':')) {
        // a list of the borrower's own (GET /v1/borrower/loans): nothing of the other customer in it
        const own = await h.call(route.method, route.url, undefined, { key });
        expect(own.status, name).toBe(200);
        expect(JSON.stringify(own.body).includes(other.customerId), `${name} leaked`).toBe(false);
        continue;
      }
      const asOther = await h.call(route.method, fill(route.url, { id: other.id }), undefined, { key });
      const missing = await h.call(route.method, fill(route.url, MISSING), undefined, { key });
      expect(asOther.status, `${name} answered another customer's application`).toBe(404);
      expect(shape(asOther), `${name}: hidden differs from missing`).toEqual(shape(missing));
      expect(JSON.stringify(asOther.body).includes(other.customerId), `${name} leaked`).toBe(false);
    }
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

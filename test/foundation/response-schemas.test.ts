// Every 2xx answer of every route is checked against the response schema the OpenAPI document
// publishes for its status (issue 11: the document describes every answer). The serializer is
// JSON.stringify (src/http/app.ts), so a schema never reshapes an answer: a schema that lies only
// shows up here. Real requests through app.inject(), one scenario that reaches each route's success
// (funders answering over real local HTTP, a real OPRF service, a real simulation run); Ajv with
// additionalProperties honoured, so an answered property a closed schema does not declare fails.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { cosign, formatVerifierKey, SIGNATURE_TYPE_COSIGNATURE_V1 } from '../../src/ledger/note.ts';
import { parseKeyPem } from '../../src/sharing/oprf-key.ts';
import { createOprfService, type OprfService } from '../../src/sharing/oprf-server.ts';
import { consentBody, type MockFunder, mockFunder, signedCallback } from '../routing/support.ts';
import { DASHBOARD_URLS } from '../../src/http/dashboard.ts';
import { ENGINES } from '../support/engines.ts';
import { applicationBody, makeIdNumber } from '../support/fixtures.ts';
import { Pseudonymiser } from '../../src/sharing/pseudonym.ts';
import { createHarness, type Harness } from '../support/harness.ts';

/**
 * Routes of the route table with no sample, and why. Keep this short: a route belongs here only
 * when its answer has no response schema to check.
 */
const EXEMPT: ReadonlyMap<string, string> = new Map([
  // Probes for load balancers, hidden from the document (schema.hide): no response schema.
  ['GET /health', 'hidden probe, not in the OpenAPI document'],
  ['GET /ready', 'hidden probe, not in the OpenAPI document'],
  // The borrower portal's page and assets (ADR 0083): HTML, CSS and a script, not API answers.
  ['GET /portal', 'the portal page (HTML), hidden from the OpenAPI document'],
  ['GET /portal/portal.js', 'the portal script, hidden from the OpenAPI document'],
  ['GET /portal/portal.css', 'the portal stylesheet, hidden from the OpenAPI document'],
  // The operations dashboard (ADR 0095): its page at `/` and at each of its page paths, its assets.
  ...DASHBOARD_URLS.map((url): [string, string] => [`GET ${url}`, 'the dashboard (HTML, assets), hidden']),
]);

/** '/v1/funders/:funderId' → '/v1/funders/{funderId}', the document's spelling */
const openApiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');
const isSuccess = (status: string | number) => /^2\d\d$/.test(String(status));

type Schema = Record<string, unknown>;
interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}
interface Sample {
  status: number;
  contentType: string;
  body: unknown;
  url: string;
}

const PRODUCT = (id: string, rate: number) => ({
  id,
  name: id,
  minAmountFen: 100_000,
  maxAmountFen: 10_000_000,
  termsMonths: [6, 12, 24],
  rateAnnualMin: rate,
  rateAnnualMax: rate,
  methods: ['equal-installment'],
  fees: [{ kind: 'monthly', amountFen: 500, label: '服务费' }],
  ageMin: 20,
  ageMax: 60,
  minScore: 0,
});
const CONTRACT = {
  serviceFee: { basis: 'disbursed', rate: 0.03 },
  noBackflow: {
    enabled: true,
    penaltyPerCustomerFen: 100_000,
    serviceFeeMultiple: 3,
    terminationThreshold: 20,
  },
  conversionFeeFen: 60_000,
  maxPenaltyRateAnnual: 0.03,
  auditRights: { creditReportCrossCheck: true, canaries: true, relayContacts: true },
};
/** Small enough to run in a second or two, with a poacher and a baseline so every report part is there. */
const SCENARIO = {
  seed: 5,
  days: 30,
  customers: { count: 300 },
  funders: [
    { id: 'bank-a', strategy: { kind: 'honest' } },
    { id: 'cfc-b', strategy: { kind: 'poacher', startDay: 2, interceptionRate: 0.5, reawakeningRate: 0.3 } },
  ],
};

/** A schema that says nothing: an object with no properties that admits any (the placeholder this test retires). */
function isOpenEmptyObject(schema: Schema): boolean {
  if (schema.$ref || schema.anyOf || schema.oneOf || schema.allOf) return false;
  if (schema.type !== undefined && schema.type !== 'object') return false;
  const properties = schema.properties as Record<string, unknown> | undefined;
  const hasProperties = properties !== undefined && Object.keys(properties).length > 0;
  const additional = schema.additionalProperties;
  const constrained = additional === false || (typeof additional === 'object' && additional !== null);
  return !hasProperties && !constrained && schema.patternProperties === undefined;
}

/** Every open empty object in a schema, by its path (nested ones included). */
function openObjectsIn(schema: unknown, path: string, found: string[]): string[] {
  if (Array.isArray(schema)) {
    for (const [i, s] of schema.entries()) openObjectsIn(s, `${path}[${i}]`, found);
  } else if (schema && typeof schema === 'object') {
    const s = schema as Schema;
    if ((s.type === 'object' || s.properties !== undefined) && isOpenEmptyObject(s))
      found.push(path || '(root)');
    for (const [key, value] of Object.entries(s)) openObjectsIn(value, `${path}/${key}`, found);
  }
  return found;
}

describe.each(ENGINES)('response schemas on %s', (engine) => {
  let h: Harness;
  let doc: Document;
  const samples = new Map<string, Sample[]>();
  const dir = mkdtempSync(join(tmpdir(), 'shoujia-response-schemas-'));
  const mocks: MockFunder[] = [];
  let oprf: OprfService | undefined;

  /** Send a request, expect a 2xx and keep it as a sample of `route` ('METHOD /url/:template'). */
  async function sample(
    route: string,
    url: string,
    options: {
      body?: unknown;
      key?: string | null;
      headers?: Record<string, string>;
      payload?: string | Buffer;
    } = {},
    // biome-ignore lint/suspicious/noExplicitAny: the scenario reads arbitrary JSON answers
  ): Promise<{ status: number; body: any }> {
    const [method] = route.split(' ');
    const key = options.key === undefined ? h.adminKey : options.key;
    const response = await h.app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined ? { payload: JSON.stringify(options.body) } : {}),
      ...(options.payload !== undefined ? { payload: options.payload } : {}),
    });
    expect(
      isSuccess(response.statusCode),
      `${route} (${url}) answered ${response.statusCode}: ${response.body}`,
    ).toBe(true);
    const contentType = String(response.headers['content-type'] ?? '');
    const body: unknown = contentType.startsWith('application/json')
      ? JSON.parse(response.body)
      : response.body;
    samples.set(route, [
      ...(samples.get(route) ?? []),
      { status: response.statusCode, contentType, body, url },
    ]);
    // biome-ignore lint/suspicious/noExplicitAny: as above
    return { status: response.statusCode, body: body as any };
  }

  beforeAll(async () => {
    h = await createHarness(engine, {
      services: {
        // A stalling funder answers after a second: past the choice wait (202), within the webhook timeout.
        routing: { webhook: { timeoutMs: 3_000, maxAttempts: 1, backoffBaseMs: 10 }, choiceWaitMs: 300 },
      },
    });
    doc = h.app.swagger() as unknown as Document;
    const db = h.database.db;

    // ---- meta, keys, catalog, pricing ----
    await sample('GET /v1/errors', '/v1/errors', { key: null });
    await sample('GET /v1/me', '/v1/me');
    const issued = await sample('POST /v1/api-keys', '/v1/api-keys', {
      body: { role: 'analyst', label: 'doc' },
    });
    await sample('DELETE /v1/api-keys/:id', `/v1/api-keys/${issued.body.id}`);

    const behaviours = { 'fund-a': 'approve', 'fund-b': 'pending', 'fund-s': 'stall' } as const;
    const funders = new Map<string, MockFunder>();
    for (const [id, behaviour] of Object.entries(behaviours)) {
      const mock = await mockFunder(h.clock, behaviour);
      mocks.push(mock);
      funders.set(id, mock);
      await sample('POST /v1/funders', '/v1/funders', {
        body: {
          id,
          name: `资方 ${id}`,
          type: 'bank',
          licensedRegions: ['*'],
          webhookUrl: mock.url,
          webhookSecret: mock.secret,
          monthlyQuotaFen: 1_000_000_000,
        },
      });
      await sample('POST /v1/funders/:funderId/products', `/v1/funders/${id}/products`, {
        body: PRODUCT(`${id}-loan`, 0.1),
      });
      await sample('POST /v1/funders/:funderId/contracts', `/v1/funders/${id}/contracts`, { body: CONTRACT });
    }
    // a funder with the optional fields left out, and a product without fees
    await sample('POST /v1/funders', '/v1/funders', {
      body: { id: 'fund-x', name: '无回调资方', type: 'other', licensedRegions: ['11'] },
    });
    const { fees: _fees, ...feeless } = PRODUCT('fund-x-loan', 0.12);
    await sample('POST /v1/funders/:funderId/products', '/v1/funders/fund-x/products', { body: feeless });
    await sample('PUT /v1/funders/:funderId/status', '/v1/funders/fund-x/status', {
      body: { status: 'suspended' },
    });
    // a webhook set, then taken off again (fund-x has none to begin with, and none after)
    await sample('PUT /v1/funders/:funderId/webhook', '/v1/funders/fund-x/webhook', {
      body: { webhookUrl: 'https://funder.example/decisions', webhookSecret: 'a-long-enough-secret-1' },
    });
    await sample('PUT /v1/funders/:funderId/webhook', '/v1/funders/fund-x/webhook', {
      body: { webhookUrl: null, webhookSecret: null },
    });
    await sample('GET /v1/funders', '/v1/funders');
    await sample('GET /v1/funders/:funderId', '/v1/funders/fund-a');
    await sample('GET /v1/funders/:funderId', '/v1/funders/fund-x');
    await sample('GET /v1/funders/:funderId/products', '/v1/funders/fund-a/products');
    await sample('GET /v1/products', '/v1/products');
    await sample('GET /v1/funders/:funderId/contract', '/v1/funders/fund-a/contract');
    await sample('POST /v1/quotes', '/v1/quotes', {
      body: { principalFen: 1_000_000, termMonths: 12, rateAnnual: 0.1, method: 'equal-installment' },
    });
    await sample('POST /v1/quotes', '/v1/quotes', {
      body: {
        principalFen: 1_000_000,
        termMonths: 12,
        rateAnnual: 0.1,
        method: 'equal-principal',
        fees: [{ kind: 'upfront', amountFen: 1000 }],
        funderId: 'fund-a',
      },
    });
    const funderKey = (
      await h.services.access.issueKey(db, { role: 'funder', funderId: 'fund-a', label: 'a' })
    ).secret;
    const funderKeyB = (
      await h.services.access.issueKey(db, { role: 'funder', funderId: 'fund-b', label: 'b' })
    ).secret;
    const systemKey = (await h.services.access.issueKey(db, { role: 'system', label: 'front end' })).secret;

    // ---- routing configuration and trust ----
    const config = await sample('GET /v1/routing/config', '/v1/routing/config');
    await sample('PUT /v1/routing/config', '/v1/routing/config', { body: config.body.config });
    await sample('PUT /v1/funders/:id/routing-trust', '/v1/funders/fund-x/routing-trust', {
      body: { trust: 0.5 },
    });

    // ---- sharing: relay pool (before any dispatch, so shares lease relay points), policy ----
    await sample('POST /v1/relay-pool', '/v1/relay-pool', {
      body: { channel: 'phone', addresses: ['17000000001', '17000000002', '17000000003', '17000000004'] },
    });
    await sample('POST /v1/relay-pool', '/v1/relay-pool', {
      body: { channel: 'email', addresses: ['r1@relay.shoujia.test', 'r2@relay.shoujia.test'] },
    });
    await sample('GET /v1/funders/:funderId/sharing-policy', '/v1/funders/fund-a/sharing-policy');
    await sample('PATCH /v1/funders/:funderId/sharing-policy', '/v1/funders/fund-a/sharing-policy', {
      body: { application: { employer: 'masked' } },
    });
    await sample('GET /v1/funders/:funderId/sharing-policy', '/v1/funders/fund-a/sharing-policy');

    // ---- applications through routing, dispatch and booking ----
    let sequence = 100;
    const submit = async (overrides: Parameters<typeof applicationBody>[0] = {}) => {
      sequence += 1;
      const body = applicationBody({
        idNumber: makeIdNumber('310104', '19880521', String(sequence)),
        score: 720,
        ...overrides,
      });
      return (
        await sample('POST /v1/applications', '/v1/applications', {
          body,
          headers: { 'idempotency-key': `schemas-${sequence}` },
        })
      ).body;
    };
    const consent = (id: string, funderId: string) =>
      sample('POST /v1/applications/:id/consents', `/v1/applications/${id}/consents`, {
        body: consentBody(funderId),
      });

    // booked: chosen, approved at once (200), confirmed, its loan read
    const booked = await submit();
    await consent(booked.id, 'fund-a');
    await sample('GET /v1/applications/:id/offers', `/v1/applications/${booked.id}/offers`);
    await sample('GET /v1/applications/:id/routing', `/v1/applications/${booked.id}/routing`);
    const chosen = await sample('POST /v1/applications/:id/choose', `/v1/applications/${booked.id}/choose`, {
      body: { productId: 'fund-a-loan' },
    });
    // Under a loaded machine the funder's answer can outlast the choice wait (then choose answered
    // 202, equally documented): let the dispatch settle before confirming, and sample the 200 on
    // further applications (a few tries: each is one local round trip against a 300 ms wait).
    await h.services.routing.idle();
    for (let tries = 0, status = chosen.status; status !== 200 && tries < 5; tries++) {
      const again = await submit({ phone: `1381234570${tries}` });
      await consent(again.id, 'fund-a');
      status = (
        await sample('POST /v1/applications/:id/choose', `/v1/applications/${again.id}/choose`, {
          body: { productId: 'fund-a-loan' },
        })
      ).status;
      await h.services.routing.idle();
    }
    await sample('GET /v1/applications/:id/routing', `/v1/applications/${booked.id}/routing`);
    await sample('POST /v1/applications/:id/confirm', `/v1/applications/${booked.id}/confirm`);
    const loan = await sample('GET /v1/applications/:id/loan', `/v1/applications/${booked.id}/loan`);
    await sample('GET /v1/applications/:id', `/v1/applications/${booked.id}`);
    await sample('GET /v1/applications/:id', `/v1/applications/${booked.id}`, { key: funderKey });
    await sample('GET /v1/applications/:id/events', `/v1/applications/${booked.id}/events`);

    // ---- the canary registry: the booked customer recruited, placed, contacted ----
    const canary = await sample('POST /v1/canaries', '/v1/canaries', {
      body: {
        customerId: booked.customerId,
        band: 'B',
        employerIsPlatformOrPartner: false,
        contactPoints: [{ channel: 'phone', address: '13912340000' }],
      },
    });
    await sample('GET /v1/canaries', '/v1/canaries');
    await sample('PUT /v1/canaries/budgets/:month', '/v1/canaries/budgets/2026-03', {
      body: { budgetFen: 100_000, costPerPlacementFen: 30_000 },
    });
    await sample('POST /v1/canaries/plan', '/v1/canaries/plan', { body: { month: '2026-03', dryRun: true } });
    await sample('POST /v1/canaries/plan', '/v1/canaries/plan', { body: { month: '2026-03' } });
    const canaryContact = {
      sourceId: 'schemas-contact-1',
      channel: 'sms',
      contactPoint: '13912340000',
      occurredAt: h.clock.now().toISOString(),
      category: 'marketing',
      summary: '',
    };
    await sample('POST /v1/canaries/:id/contacts', `/v1/canaries/${canary.body.id}/contacts`, {
      body: canaryContact,
    });
    await sample('POST /v1/canaries/:id/contacts', `/v1/canaries/${canary.body.id}/contacts`, {
      body: canaryContact,
    });
    await sample('POST /v1/canaries/:id/retire', `/v1/canaries/${canary.body.id}/retire`);

    // ---- repayments and borrower tokens (ADR 0080, 0081) ----
    const repayment = signedCallback(funders.get('fund-a')!.secret, h.clock.now(), {
      loanId: loan.body.id,
      repaymentId: 'doc-1',
      kind: 'partial',
      installmentNo: 1,
      amountFen: 1_000,
      paidAt: h.clock.now().toISOString(),
    });
    await sample('POST /v1/funder/repayments', '/v1/funder/repayments', {
      key: funderKey,
      payload: repayment.raw,
      headers: { 'content-type': 'application/json', ...repayment.headers },
    });
    await sample('GET /v1/loans/:id/installments', `/v1/loans/${loan.body.id}/installments`);
    await sample('GET /v1/loans/:id/installments', `/v1/loans/${loan.body.id}/installments`, {
      key: funderKey,
    });
    const token = await sample('POST /v1/borrower-tokens', '/v1/borrower-tokens', {
      body: { customerId: booked.customerId },
    });
    await sample('GET /v1/borrower/loans', '/v1/borrower/loans', { key: token.body.token });
    await sample(
      'GET /v1/borrower/loans/:id/installments',
      `/v1/borrower/loans/${loan.body.id}/installments`,
      {
        key: token.body.token,
      },
    );
    // ---- the financing plan (ADR 0083): the borrower's own, with a loan added by hand; staff's ----
    await sample('GET /v1/borrower/plan', '/v1/borrower/plan', { key: token.body.token });
    await sample('POST /v1/borrower/plan', '/v1/borrower/plan', {
      key: token.body.token,
      body: {
        monthlyIncomeFen: 1_000_000,
        loans: [
          {
            lender: '某网贷',
            principalOutstandingFen: 2_000_000,
            rateAnnual: 0.3,
            remainingTermMonths: 12,
            monthlyPaymentFen: 195_000,
          },
        ],
      },
    });
    await sample('POST /v1/customers/:id/plan', `/v1/customers/${booked.customerId}/plan`, { body: {} });
    // ---- reminder settings and reminders (ADR 0082): staff's routes and the borrower's own ----
    await sample(
      'GET /v1/customers/:id/reminder-settings',
      `/v1/customers/${booked.customerId}/reminder-settings`,
    );
    await sample(
      'PUT /v1/customers/:id/reminder-settings',
      `/v1/customers/${booked.customerId}/reminder-settings`,
      {
        body: { email: false },
      },
    );
    await sample('GET /v1/customers/:id/reminders', `/v1/customers/${booked.customerId}/reminders`);
    await sample('GET /v1/borrower/reminder-settings', '/v1/borrower/reminder-settings', {
      key: token.body.token,
    });
    await sample('PUT /v1/borrower/reminder-settings', '/v1/borrower/reminder-settings', {
      key: token.body.token,
      body: { sms: false },
    });
    await sample('DELETE /v1/borrower-tokens/:id', `/v1/borrower-tokens/${token.body.id}`);

    // the stalling funder: the answer comes after the wait (202); then abandoned once approved
    const slow = await submit({ phone: '13812345679' });
    await consent(slow.id, 'fund-s');
    const chosenSlow = await sample(
      'POST /v1/applications/:id/choose',
      `/v1/applications/${slow.id}/choose`,
      {
        body: { productId: 'fund-s-loan' },
      },
    );
    expect(chosenSlow.status).toBe(202);
    await h.services.routing.idle();
    await sample('POST /v1/applications/:id/abandon', `/v1/applications/${slow.id}/abandon`);

    // the pending funder answers later through the signed callback
    const later = await submit({ phone: '13812345680' });
    await consent(later.id, 'fund-b');
    await sample('POST /v1/applications/:id/choose', `/v1/applications/${later.id}/choose`, {
      body: { productId: 'fund-b-loan' },
    });
    // On a loaded machine choose can answer 202 before the webhook went out: let it settle.
    await h.services.routing.idle();
    const ref = funders.get('fund-b')!.received.at(-1)!.body.applicationRef as string;
    const callback = signedCallback(funders.get('fund-b')!.secret, h.clock.now(), {
      applicationRef: ref,
      decision: 'approved',
      amountFen: 1_000_000,
      reference: 'b-1',
    });
    await sample('POST /v1/funder/decisions', '/v1/funder/decisions', {
      key: funderKeyB,
      payload: callback.raw,
      headers: { 'content-type': 'application/json', ...callback.headers },
    });
    await h.services.routing.idle();
    await sample('GET /v1/applications/:id/routing', `/v1/applications/${later.id}/routing`);

    // declined at submission (amount above every product): no offers, an explanation per product
    const declined = await submit({ amountFen: 15_000_000 });
    await sample('GET /v1/applications/:id/offers', `/v1/applications/${declined.id}/offers`);
    await sample('GET /v1/applications/:id/routing', `/v1/applications/${declined.id}/routing`);
    // a consent withdrawn
    const withdrawing = await submit({ phone: '13812345681' });
    await consent(withdrawing.id, 'fund-x');
    await sample(
      'DELETE /v1/applications/:id/consents/:funderId',
      `/v1/applications/${withdrawing.id}/consents/fund-x`,
    );

    // ---- contact events: one through the relay point shared with fund-a, one unattributed ----
    const relay = funders.get('fund-a')!.received.at(-1)!.body.payload.fields.relayContact as {
      phone: string;
    };
    h.clock.advance(60_000);
    const event = (id: string, relayPoint: string, extra: Record<string, unknown> = {}) => ({
      relayPoint,
      occurredAt: h.clock.now().toISOString(),
      channel: 'sms',
      caller: '95555',
      summary: '您有专属额度，下载APP直接申请',
      providerEventId: id,
      ...extra,
    });
    await sample('POST /v1/contact-events', '/v1/contact-events', {
      key: systemKey,
      body: event('ev-1', relay.phone),
    });
    await sample('POST /v1/contact-events', '/v1/contact-events', {
      key: systemKey,
      body: event('ev-2', '17099999999', { channel: 'call', category: 'marketing' }),
    });
    await sample('POST /v1/contact-events', '/v1/contact-events', {
      key: systemKey,
      body: event('ev-1', relay.phone),
    });
    await sample('GET /v1/contact-events', '/v1/contact-events');

    // ---- detection: aliases, staff contacts, a credit report, a borrower report, levels, evidence ----
    const alias = await sample('POST /v1/institution-aliases', '/v1/institution-aliases', {
      body: { funderId: 'fund-a', names: ['甲银行股份有限公司'], codes: ['91440300342220233J'] },
    });
    await sample('GET /v1/institution-aliases', '/v1/institution-aliases');
    await sample('DELETE /v1/institution-aliases/:id', `/v1/institution-aliases/${alias.body.added[1].id}`);
    const staff = await sample('POST /v1/staff-contacts', '/v1/staff-contacts', {
      body: { channel: 'phone', address: '13900000001', owner: 'platform', label: '风控测试号' },
    });
    await sample('GET /v1/staff-contacts', '/v1/staff-contacts');
    await sample('DELETE /v1/staff-contacts/:id', `/v1/staff-contacts/${staff.body.id}`);
    const customerId = (await h.call('GET', `/v1/applications/${booked.id}`)).body.customerId as string;
    const today = new Date(h.clock.now().getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
    await sample('POST /v1/customers/:id/credit-reports', `/v1/customers/${customerId}/credit-reports`, {
      body: {
        authorisationRef: 'auth-2026-0001',
        report: {
          reportId: 'rs-1',
          subject: { customerId },
          generatedOn: today,
          accounts: [
            {
              institution: '甲银行股份有限公司北京分行',
              type: 'non-revolving',
              openedOn: today,
              amountFen: 100_000,
              status: 'normal',
            },
            {
              institution: '某某小贷有限公司',
              type: 'non-revolving',
              openedOn: today,
              amountFen: 100_000,
              status: 'normal',
            },
          ],
          queries: [{ institution: '甲银行', date: today, reason: 'loan-approval' }],
        },
      },
    });
    await sample('POST /v1/borrower/reports', '/v1/borrower/reports', {
      body: {
        customerId,
        funderId: 'fund-a',
        contactedAt: h.clock.now().toISOString(),
        channel: 'call',
        offered: '更低的利息',
      },
    });
    await sample('PUT /v1/funders/:id/detection-level', '/v1/funders/fund-a/detection-level', {
      body: { level: 'watch', reasons: [{ rule: 'analyst', text: '营销短信' }] },
    });
    await sample('GET /v1/funders/:id/detection-level', '/v1/funders/fund-a/detection-level');
    await sample('POST /v1/detection/rescore', '/v1/detection/rescore', { body: {} });
    await sample('GET /v1/alerts', '/v1/alerts?limit=10');
    await sample('GET /v1/funders/:id/evidence', '/v1/funders/fund-a/evidence?limit=10');
    await sample('PUT /v1/funders/:id/detection-level', '/v1/funders/fund-a/detection-level', {
      body: { level: 'none', reasons: [{ rule: 'analyst', text: '复核无误' }] },
    });

    // ---- the OPRF pre-screen: a funder's key and set from the funder kit, its service over HTTP ----
    expect(await main(['funder', 'keygen', '--out', join(dir, 'k1.pem'), '--key-id', 'k1'])).toBe(0);
    writeFileSync(join(dir, 'ids.csv'), ['phone', '13812345678', '13900000000'].join('\n'));
    expect(
      await main([
        'funder',
        'prescreen-encode',
        '--key',
        join(dir, 'k1.pem'),
        '--in',
        join(dir, 'ids.csv'),
        '--out',
        join(dir, 'set.bin'),
        '--workers',
        '1',
      ]),
    ).toBe(0);
    const key = parseKeyPem(readFileSync(join(dir, 'k1.pem'), 'utf8'));
    if (!key.ok) throw new Error(key.message);
    oprf = createOprfService({ keys: [key.value], clock: h.clock, token: 'oprf-token' });
    await new Promise<void>((resolve) => oprf!.server.listen(0, '127.0.0.1', resolve));
    const oprfUrl = `http://127.0.0.1:${(oprf.server.address() as AddressInfo).port}`;
    await sample(
      'PUT /v1/funders/:funderId/prescreen-set',
      `/v1/funders/fund-a/prescreen-set?endpointUrl=${encodeURIComponent(oprfUrl)}`,
      {
        headers: { 'content-type': 'application/octet-stream', 'x-oprf-token': 'oprf-token' },
        payload: readFileSync(join(dir, 'set.bin')),
      },
    );
    await sample('GET /v1/funders/:funderId/prescreen-set', '/v1/funders/fund-a/prescreen-set');
    await sample('POST /v1/applications/:id/prescreen', `/v1/applications/${booked.id}/prescreen`, {
      body: { funderId: 'fund-a' },
    });
    await sample('POST /v1/applications/:id/prescreen', `/v1/applications/${later.id}/prescreen`, {
      body: { funderId: 'fund-a' },
    });

    // the staff list (two pages), the timeline, the dashboard's reads and /metrics (issue 17)
    const listed = await sample('GET /v1/applications', '/v1/applications?limit=1');
    expect(listed.body.nextCursor).not.toBeNull();
    await sample('GET /v1/applications', `/v1/applications?limit=1&cursor=${listed.body.nextCursor}`);
    await sample('GET /v1/applications/:id/timeline', `/v1/applications/${booked.id}/timeline`);
    await sample('GET /v1/dashboard/overview', '/v1/dashboard/overview?from=2026-02-25&to=2026-03-03');
    await sample('GET /v1/dashboard/funders', '/v1/dashboard/funders?from=2026-02-25&to=2026-03-03');
    await sample('GET /metrics', '/metrics', { key: null });

    // ---- the ledger: integrated entries, proofs, a funder's cosignature ----
    await h.services.ledger.integrate();
    const note = (await sample('GET /v1/ledger/checkpoint', '/v1/ledger/checkpoint')).body as string;
    const treeSize = Number(note.split('\n')[1]);
    expect(treeSize).toBeGreaterThan(2);
    await sample('GET /v1/ledger/public-key', '/v1/ledger/public-key', { key: null });
    await sample('GET /v1/funders/:funderId/evidence-package', '/v1/funders/fund-a/evidence-package');
    await sample(
      'GET /v1/funders/:funderId/evidence-package.html',
      '/v1/funders/fund-a/evidence-package.html',
    );

    await sample(
      'GET /v1/ledger/proofs/inclusion',
      `/v1/ledger/proofs/inclusion?index=1&treeSize=${treeSize}`,
    );
    await sample('GET /v1/ledger/proofs/consistency', `/v1/ledger/proofs/consistency?from=1&to=${treeSize}`);
    for (let index = 0; index < treeSize; index++)
      await sample('GET /v1/ledger/entries/:index', `/v1/ledger/entries/${index}`);
    const pair = generateKeyPairSync('ed25519');
    const raw = pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
    const name = 'fund-a.example/witness';
    const body = note.slice(0, note.indexOf('\n\n') + 1);
    await sample('POST /v1/ledger/cosignatures', '/v1/ledger/cosignatures', {
      key: funderKey,
      body: {
        treeSize,
        verifierKey: formatVerifierKey(name, SIGNATURE_TYPE_COSIGNATURE_V1, raw),
        cosignature: cosign(body, name, pair.privateKey, raw, Math.floor(h.clock.now().getTime() / 1000)),
      },
    });

    // ---- settlement: March stated once it has ended, disputed by the funder, resolved ----
    const now = h.clock.now();
    h.clock.set('2026-04-02T00:00:00Z');
    const month = { funderId: 'fund-a', period: '2026-03' };
    await sample('POST /v1/settlement/drafts', '/v1/settlement/drafts', { body: month });
    const statement = await sample('POST /v1/settlement/statements', '/v1/settlement/statements', {
      body: month,
    });
    expect(statement.body.lineCount).toBeGreaterThan(0);
    await sample('GET /v1/settlement/statements', '/v1/settlement/statements?period=2026-03', {
      key: funderKey,
    });
    await sample(
      'GET /v1/settlement/statements/:statementId',
      `/v1/settlement/statements/${statement.body.id}`,
      {
        key: funderKey,
      },
    );
    const disputed = await sample(
      'POST /v1/settlement/statements/:statementId/disputes',
      `/v1/settlement/statements/${statement.body.id}/disputes`,
      { key: funderKey, body: { lineNos: [1], reason: '该笔贷款已撤销' } },
    );
    await sample(
      'POST /v1/settlement/disputes/:disputeId/resolution',
      `/v1/settlement/disputes/${disputed.body.disputes[0].id}/resolution`,
      { body: { outcome: 'withdrawn' } },
    );
    await sample(
      'GET /v1/settlement/statements/:statementId',
      `/v1/settlement/statements/${statement.body.id}`,
    );
    const convertingCustomer = (await h.services.intake.get(db, booked.id))!.customerId;
    await sample('POST /v1/funder/conversions', '/v1/funder/conversions', {
      key: funderKey,
      body: {
        customerRef: new Pseudonymiser(h.services.masterKey).customerRef('fund-a', convertingCustomer),
      },
    });
    for (const format of ['csv', 'html'])
      await sample(
        `GET /v1/settlement/statements/:statementId/statement.${format}`,
        `/v1/settlement/statements/${statement.body.id}/statement.${format}?lang=en`,
        { key: funderKey },
      );
    // a confirmation citing as many customers as the contract's threshold: the termination trigger
    const threshold = CONTRACT.noBackflow.terminationThreshold;
    await h.services.units.run((unit) =>
      h.services.settlement.recordConfirmation(unit, {
        findingId: 'dlc-sample',
        funderId: 'fund-a',
        customerIds: Array.from({ length: threshold }, (_, i) => `cus-sample-${i}`),
        confirmedAt: h.clock.now(),
      }),
    );
    const terminations = await sample('GET /v1/settlement/terminations', '/v1/settlement/terminations');
    expect(terminations.body.terminations).toHaveLength(1);
    await sample(
      'POST /v1/settlement/terminations/:terminationId/lift',
      `/v1/settlement/terminations/${terminations.body.terminations[0].id}/lift`,
      { body: { reason: '整改完成' } },
    );
    h.clock.set(now);

    // ---- a simulation run: queued, run, read in every form ----
    const run = await sample('POST /v1/simulations', '/v1/simulations', {
      body: { scenario: SCENARIO, seed: 7, compareBaseline: true },
    });
    await sample('GET /v1/simulations/:id', `/v1/simulations/${run.body.id}`);
    expect(await h.services.simulation.runPending()).toBe(1);
    await sample('GET /v1/simulations/:id', `/v1/simulations/${run.body.id}`);
    await sample('GET /v1/simulations/:id/report.json', `/v1/simulations/${run.body.id}/report.json`);
    await sample('GET /v1/simulations/:id/report.html', `/v1/simulations/${run.body.id}/report.html`);
    await sample('GET /v1/simulations', '/v1/simulations?limit=5');
  });
  afterAll(async () => {
    await h?.close();
    for (const mock of mocks) await mock.close();
    if (oprf) await new Promise((resolve) => oprf!.server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const successResponses = (method: string, url: string) =>
    Object.entries(doc.paths[openApiPath(url)]?.[method.toLowerCase()]?.responses ?? {}).filter(([status]) =>
      isSuccess(status),
    );

  it('every 2xx answer sampled validates against the schema documented for its status', () => {
    // allErrors: every lie at once; strict off only for OpenAPI's own keywords (nullable is Ajv's own).
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    for (const [name, schema] of Object.entries(doc.components.schemas))
      ajv.addSchema(schema, `#/components/schemas/${name}`);
    const problems: string[] = [];
    for (const [route, answers] of samples) {
      const [method, url] = route.split(' ') as [string, string];
      const responses = new Map(successResponses(method, url));
      for (const answer of answers) {
        const schema = responses.get(String(answer.status))?.content?.['application/json']?.schema;
        if (!schema) {
          problems.push(`${route} answered ${answer.status}, which the document does not describe`);
          continue;
        }
        const validate = ajv.compile(schema);
        if (!validate(answer.body)) {
          // the parameters name the offending property (additionalProperty, missingProperty, …)
          const errors = (validate.errors ?? []).map(
            (e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`,
          );
          problems.push(`${route} ${answer.status} (${answer.url}): ${errors.join('; ')}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('every route of the route table with a 2xx answer has a sample for each 2xx status, or a reason', () => {
    const missing: string[] = [];
    for (const { method, url } of h.app.routeTable) {
      const route = `${method} ${url}`;
      if (EXEMPT.has(route)) continue;
      const statuses = successResponses(method, url).map(([status]) => Number(status));
      expect(statuses, `${route} documents a success status`).not.toEqual([]);
      const answered = new Set((samples.get(route) ?? []).map((s) => s.status));
      for (const status of statuses) if (!answered.has(status)) missing.push(`${route} ${status}`);
    }
    expect(missing).toEqual([]);
    // an exemption that no longer matches a route is stale
    const routes = new Set(h.app.routeTable.map((r) => `${r.method} ${r.url}`));
    for (const route of EXEMPT.keys()) expect(routes.has(route), `exempt ${route} exists`).toBe(true);
  });

  it('no 2xx response schema in the document is an open object with no properties', () => {
    const open: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths))
      for (const [method, operation] of Object.entries(operations))
        for (const [status, response] of Object.entries(operation.responses ?? {})) {
          if (!isSuccess(status)) continue;
          const schema = response.content?.['application/json']?.schema;
          if (!schema) {
            open.push(`${method.toUpperCase()} ${path} ${status}: no schema`);
            continue;
          }
          for (const where of openObjectsIn(schema, '', []))
            open.push(`${method.toUpperCase()} ${path} ${status}: ${where}`);
        }
    expect(open).toEqual([]);
  });
});

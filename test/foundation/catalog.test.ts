// Catalog API on both engines: funders, products, contracts, and their bad inputs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoCatalog, DEMO_FUNDERS } from '../../src/catalog/demo.ts';
import { ENGINES } from '../support/engines.ts';
import { createHarness, type Harness } from '../support/harness.ts';

const product = {
  name: '信用贷',
  minAmountFen: 100_000,
  maxAmountFen: 5_000_000,
  termsMonths: [12, 6],
  rateAnnualMin: 0.1,
  rateAnnualMax: 0.15,
  methods: ['equal-installment', 'equal-principal'],
  fees: [{ kind: 'upfront', amountFen: 1000 }],
  ageMin: 20,
  ageMax: 55,
  minScore: 550,
};

const contract = {
  serviceFee: { basis: 'disbursed', rate: 0.03 },
  noBackflow: {
    enabled: true,
    penaltyPerCustomerFen: 100_000,
    serviceFeeMultiple: 3,
    terminationThreshold: 10,
  },
  conversionFeeFen: 60_000,
  maxPenaltyRateAnnual: 0.03,
  auditRights: { creditReportCrossCheck: true, canaries: true, relayContacts: true },
};

describe.each(ENGINES)('catalog on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(engine);
  });
  afterAll(() => h.close());

  it('creates a funder with products and a contract, and suspends it', async () => {
    const created = await h.call('POST', '/v1/funders', {
      id: 'ningbo-bank',
      name: '宁波银行',
      type: 'bank',
      licensedRegions: ['3302'],
      webhookUrl: 'https://funder.example/hooks',
      webhookSecret: 'a-very-long-webhook-secret',
      monthlyQuotaFen: 1_000_000_000,
    });
    expect(created.status).toBe(201);
    expect(created.body).not.toHaveProperty('webhookSecretEnc');
    expect(await h.services.catalog.webhookSecret(h.database.db, 'ningbo-bank')).toBe(
      'a-very-long-webhook-secret',
    );
    const p = await h.call('POST', '/v1/funders/ningbo-bank/products', product);
    expect(p.status).toBe(201);
    expect(p.body.termsMonths).toEqual([6, 12]);
    expect((await h.call('POST', '/v1/funders/ningbo-bank/contracts', contract)).status).toBe(201);
    expect((await h.call('GET', '/v1/funders/ningbo-bank/contract')).body.terms.conversionFeeFen).toBe(
      60_000,
    );
    const suspended = await h.call('PUT', '/v1/funders/ningbo-bank/status', { status: 'suspended' });
    expect(suspended.body.status).toBe('suspended');
    expect(
      (
        await h.call('POST', '/v1/funders', {
          id: 'ningbo-bank',
          name: 'x',
          type: 'bank',
          licensedRegions: ['*'],
        })
      ).body.error.code,
    ).toBe('funder_exists');
  });

  it("sets, changes and removes a funder's webhook (admin only); URL and secret go together", async () => {
    await h.call('POST', '/v1/funders', {
      id: 'webhook-bank',
      name: '回调银行',
      type: 'bank',
      licensedRegions: ['*'],
    });
    const set = await h.call('PUT', '/v1/funders/webhook-bank/webhook', {
      webhookUrl: 'http://127.0.0.1:9/decisions',
      webhookSecret: 'another-long-webhook-secret',
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.webhookUrl).toBe('http://127.0.0.1:9/decisions');
    expect(JSON.stringify(set.body)).not.toContain('another-long-webhook-secret');
    expect(await h.services.catalog.webhookSecret(h.database.db, 'webhook-bank')).toBe(
      'another-long-webhook-secret',
    );
    const cases: Array<[string, unknown, number, string]> = [
      [
        'webhook-bank',
        { webhookUrl: 'http://x.example/h', webhookSecret: null },
        400,
        'funder_webhook_invalid',
      ],
      [
        'webhook-bank',
        { webhookUrl: null, webhookSecret: 'another-long-webhook-secret' },
        400,
        'funder_webhook_invalid',
      ],
      [
        'webhook-bank',
        { webhookUrl: 'ftp://x.example/h', webhookSecret: 'another-long-webhook-secret' },
        400,
        'invalid_request',
      ],
      ['webhook-bank', { webhookUrl: 'http://x.example/h', webhookSecret: 'short' }, 400, 'invalid_request'],
      [
        'webhook-bank',
        { webhookUrl: 'http://x.example/h', webhookSecret: '秘密秘密秘密秘密秘密秘密秘密秘密' },
        400,
        'invalid_request',
      ],
      [
        'no-such-bank',
        { webhookUrl: 'http://x.example/h', webhookSecret: 'another-long-webhook-secret' },
        404,
        'funder_not_found',
      ],
    ];
    for (const [id, body, status, code] of cases) {
      const response = await h.call('PUT', `/v1/funders/${id}/webhook`, body);
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      expect(response.body.error.code).toBe(code);
    }
    // nothing half-written by the refusals
    expect((await h.call('GET', '/v1/funders/webhook-bank')).body.webhookUrl).toBe(
      'http://127.0.0.1:9/decisions',
    );
    const analyst = (await h.call('POST', '/v1/api-keys', { role: 'analyst', label: 'a' })).body.secret;
    const denied = await h.call(
      'PUT',
      '/v1/funders/webhook-bank/webhook',
      { webhookUrl: null, webhookSecret: null },
      { key: analyst },
    );
    expect(denied.status).toBe(403);
    const removed = await h.call('PUT', '/v1/funders/webhook-bank/webhook', {
      webhookUrl: null,
      webhookSecret: null,
    });
    expect(removed.body.webhookUrl).toBeNull();
    expect(await h.services.catalog.webhookSecret(h.database.db, 'webhook-bank')).toBeNull();
  });

  it('rejects bad catalog input with codes and fields', async () => {
    const cases: Array<[string, string, unknown, string, string]> = [
      [
        'POST',
        '/v1/funders',
        { id: 'x1', name: 'x', type: 'trust', licensedRegions: ['*'] },
        'invalid_request',
        'type',
      ],
      [
        'POST',
        '/v1/funders',
        { id: 'x1', name: 'x', type: 'bank', licensedRegions: ['991'] },
        'invalid_request',
        'licensedRegions.0',
      ],
      [
        'POST',
        '/v1/funders',
        { id: 'x1', name: 'x', type: 'bank', licensedRegions: ['99'] },
        'region_prefix_invalid',
        'licensedRegions[0]',
      ],
      [
        'POST',
        '/v1/funders',
        { id: 'X Y', name: 'x', type: 'bank', licensedRegions: ['*'] },
        'invalid_request',
        'id',
      ],
      ['POST', '/v1/funders/nobody/products', product, 'funder_not_found', 'funderId'],
      [
        'POST',
        '/v1/funders/ningbo-bank/products',
        { ...product, minAmountFen: 9_000_000 },
        'product_invalid',
        'minAmountFen',
      ],
      [
        'POST',
        '/v1/funders/ningbo-bank/products',
        { ...product, rateAnnualMax: 1.2 },
        'invalid_request',
        'rateAnnualMax',
      ],
      [
        'POST',
        '/v1/funders/ningbo-bank/products',
        { ...product, methods: ['balloon'] },
        'invalid_request',
        'methods.0',
      ],
      [
        'POST',
        '/v1/funders/ningbo-bank/products',
        { ...product, fees: [{ kind: 'once', period: 24, amountFen: 1 }] },
        'product_invalid',
        'fees[0].period',
      ],
      [
        // terms [6, 12]: a fee in month 9 would fall after the 6-month term
        'POST',
        '/v1/funders/ningbo-bank/products',
        { ...product, fees: [{ kind: 'once', period: 9, amountFen: 1 }] },
        'product_invalid',
        'fees[0].period',
      ],
      ['POST', '/v1/funders/nobody/contracts', contract, 'funder_not_found', 'funderId'],
    ];
    const [before] = await h.database.query<{ n: number }>(
      'SELECT (SELECT count(*) FROM funders) + (SELECT count(*) FROM products) AS n',
    );
    for (const [method, url, body, code, field] of cases) {
      const response = await h.call(method, url, body);
      expect(response.status, `${url} ${JSON.stringify(body).slice(0, 80)}`).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.body.error.code, url).toBe(code);
      expect(response.body.error.field, url).toBe(field);
    }
    const [after] = await h.database.query<{ n: number }>(
      'SELECT (SELECT count(*) FROM funders) + (SELECT count(*) FROM products) AS n',
    );
    expect(after).toEqual(before);
  });

  it('seeds the demo catalogue once: at least 8 funders of mixed types, 3+ products each', async () => {
    const first = await h.services.units.run((unit) => seedDemoCatalog(unit, h.services.catalog));
    expect(first.funders).toBe(DEMO_FUNDERS.length);
    expect(first.funders).toBeGreaterThanOrEqual(8);
    expect(first.products).toBeGreaterThanOrEqual(3 * first.funders);
    expect(new Set(DEMO_FUNDERS.map((f) => f.type)).size).toBe(3);
    const again = await h.services.units.run((unit) => seedDemoCatalog(unit, h.services.catalog));
    expect(again).toEqual({ funders: 0, products: 0 });
  });
});

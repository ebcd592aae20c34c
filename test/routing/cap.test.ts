// The legal cap over HTTP (issue 11 item 4, ADR 0065): PUT /v1/routing/config cannot raise it,
// routing applies the judicial check with or without a contract, and product creation and
// POST /v1/quotes use routing's configured cap and basis. Products are interest-first without fees,
// so an offer's nominal annual cost is exactly its rate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING_CONFIG } from '../../src/routing/defaults.ts';
import type { RoutingConfig } from '../../src/routing/model.ts';
import * as store from '../../src/routing/store.ts';
import { ENGINES } from '../support/engines.ts';
import { applicationBody, makeIdNumber } from '../support/fixtures.ts';
import { type RoutingHarness, routingHarness } from './support.ts';

const CONTRACT = {
  serviceFee: { basis: 'disbursed', rate: 0.01 },
  noBackflow: {
    enabled: true,
    penaltyPerCustomerFen: 100_000,
    serviceFeeMultiple: 3,
    terminationThreshold: 5,
  },
  conversionFeeFen: 50_000,
  maxPenaltyRateAnnual: 0.03,
  auditRights: { creditReportCrossCheck: true, canaries: true, relayContacts: true },
};

const product = (id: string, rateAnnual: number) => ({
  id,
  name: id,
  minAmountFen: 100_000,
  maxAmountFen: 10_000_000,
  termsMonths: [12],
  rateAnnualMin: rateAnnual,
  rateAnnualMax: rateAnnual,
  methods: ['interest-first'],
  ageMin: 20,
  ageMax: 60,
  minScore: 0,
});

const withPricing = (pricing: Partial<RoutingConfig['pricing']>) => ({
  ...DEFAULT_ROUTING_CONFIG,
  pricing: { ...DEFAULT_ROUTING_CONFIG.pricing, ...pricing },
});

describe.each(ENGINES)('the legal cap on %s', (engine) => {
  let h: RoutingHarness;
  let applications = 0;
  /** Submit an application and answer its offers' product ids and every product's outcome code. */
  async function route(): Promise<{ offered: string[]; codes: Record<string, string> }> {
    applications++;
    const submitted = await h.call(
      'POST',
      '/v1/applications',
      applicationBody({
        idNumber: makeIdNumber('310104', '19900101', String(100 + applications)),
        phone: `1381234${String(1000 + applications)}`,
        score: 700,
      }),
      { headers: { 'idempotency-key': `cap-${engine}-${applications}` } },
    );
    expect(submitted.status).toBe(201);
    const offers = (await h.call('GET', `/v1/applications/${submitted.body.id}/offers`)).body
      .offers as Array<{
      productId: string;
      funderId: string;
      apr: { nominal: number };
    }>;
    const explained = await h.call('GET', `/v1/applications/${submitted.body.id}/routing`);
    const codes: Record<string, string> = {};
    for (const e of explained.body.explanations as Array<{
      productId: string;
      eligible: boolean;
      code?: string;
    }>)
      codes[e.productId] = e.eligible ? 'eligible' : e.code!;
    // whatever the configuration, no offer is above 24% nominal
    for (const offer of offers) expect(offer.apr.nominal).toBeLessThanOrEqual(0.24 + 1e-9);
    return { offered: offers.map((o) => o.productId).sort(), codes };
  }

  beforeAll(async () => {
    h = await routingHarness(engine);
    for (const id of ['plain', 'signed'])
      expect(
        (await h.call('POST', '/v1/funders', { id, name: id, type: 'bank', licensedRegions: ['*'] })).status,
      ).toBe(201);
    for (const [funder, id, rate] of [
      ['plain', 'plain-15', 0.15],
      ['plain', 'plain-20', 0.2],
      ['signed', 'signed-20', 0.2],
      ['signed', 'signed-22', 0.22],
    ] as const)
      expect((await h.call('POST', `/v1/funders/${funder}/products`, product(id, rate))).status).toBe(201);
    // only 'signed' has a contract (3% penalty interest); 'plain' has none
    expect((await h.call('POST', '/v1/funders/signed/contracts', CONTRACT)).status).toBe(201);
  });
  afterAll(() => h?.close());

  it('refuses a cap above 24% on either basis with its code and field, and stores nothing', async () => {
    for (const refused of [
      withPricing({ capAnnual: 0.2401 }),
      withPricing({ capAnnual: 0.36 }),
      withPricing({ capAnnual: 0.25, capBasis: 'effective' }),
    ]) {
      const response = await h.call('PUT', '/v1/routing/config', refused);
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({
        code: 'cap_above_legal_maximum',
        field: 'pricing.capAnnual',
      });
    }
    const badPenalty = await h.call(
      'PUT',
      '/v1/routing/config',
      withPricing({ defaultPenaltyRateAnnual: 0.3 }),
    );
    expect(badPenalty.status).toBe(400);
    expect(badPenalty.body.error).toMatchObject({
      code: 'cap_invalid',
      field: 'pricing.defaultPenaltyRateAnnual',
    });
    expect((await h.call('GET', '/v1/routing/config')).body).toEqual({
      version: 0,
      config: DEFAULT_ROUTING_CONFIG,
    });
  });

  it('applies the judicial check with the contract’s penalty, and with the platform default without a contract', async () => {
    // plain-20: 20% + the 8% default = 28%; signed-22: 22% + 3% = 25%; both above 24%
    const { offered, codes } = await route();
    expect(offered).toEqual(['plain-15', 'signed-20']);
    expect(codes).toMatchObject({ 'plain-20': 'apr_exceeds_cap', 'signed-22': 'apr_exceeds_cap' });
    // the operator may set the default: at 3%, plain-20 passes (23%)
    expect(
      (await h.call('PUT', '/v1/routing/config', withPricing({ defaultPenaltyRateAnnual: 0.03 }))).status,
    ).toBe(200);
    expect((await route()).offered).toEqual(['plain-15', 'plain-20', 'signed-20']);
  });

  it('uses the configured cap for routing, product creation and quotes', async () => {
    const lowered = withPricing({ capAnnual: 0.18, defaultPenaltyRateAnnual: 0.03 });
    expect((await h.call('PUT', '/v1/routing/config', lowered)).status).toBe(200);
    expect((await route()).offered).toEqual(['plain-15']);
    // product creation: the cheapest configuration against 18%, not a fixed 24%
    const refused = await h.call('POST', '/v1/funders/signed/products', product('signed-19', 0.19));
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: 'apr_exceeds_cap',
      details: { cap: 0.18, basis: 'nominal' },
    });
    expect(
      (await h.call('GET', '/v1/products')).body.products.map((p: { id: string }) => p.id),
    ).not.toContain('signed-19');
    expect((await h.call('POST', '/v1/funders/signed/products', product('signed-17', 0.17))).status).toBe(
      201,
    );
    // quotes: the configured cap; a request may ask for a stricter one, never a looser one
    const loan = { principalFen: 1_000_000, termMonths: 12, rateAnnual: 0.19, method: 'interest-first' };
    const quoted = await h.call('POST', '/v1/quotes', loan);
    expect(quoted.status).toBe(200);
    expect(quoted.body.capCheck).toEqual({ cap: 0.18, basis: 'nominal', ok: false });
    const enforced = await h.call('POST', '/v1/quotes', { ...loan, enforceCap: true });
    expect(enforced.status).toBe(422);
    expect(enforced.body.error).toMatchObject({ code: 'apr_exceeds_cap', details: { cap: 0.18 } });
    const looser = await h.call('POST', '/v1/quotes', { ...loan, cap: { rate: 0.2, basis: 'nominal' } });
    expect(looser.status).toBe(400);
    expect(looser.body.error).toMatchObject({ code: 'cap_above_configured', field: 'cap.rate' });
    const illegal = await h.call('POST', '/v1/quotes', { ...loan, cap: { rate: 0.36, basis: 'nominal' } });
    expect(illegal.status).toBe(400);
    expect(illegal.body.error).toMatchObject({ code: 'cap_above_legal_maximum', field: 'cap.rate' });
    const stricter = await h.call('POST', '/v1/quotes', {
      ...loan,
      rateAnnual: 0.14,
      cap: { rate: 0.15, basis: 'nominal' },
    });
    expect(stricter.body.capCheck).toEqual({ cap: 0.15, basis: 'nominal', ok: true });
    // the basis follows the configuration too
    expect(
      (await h.call('PUT', '/v1/routing/config', withPricing({ capAnnual: 0.2, capBasis: 'effective' })))
        .status,
    ).toBe(200);
    const effective = await h.call('POST', '/v1/quotes', { ...loan, rateAnnual: 0.185 });
    // 18.5% nominal is 20.15% effective: above a 20% effective cap
    expect(effective.body.capCheck).toEqual({ cap: 0.2, basis: 'effective', ok: false });
  });

  it('keeps offers within 24% under a configuration stored before the line was enforced', async () => {
    await h.database.db.transaction((tx) =>
      store.saveConfig(
        tx,
        withPricing({ capAnnual: 0.36, defaultPenaltyRateAnnual: undefined }),
        h.clock.now(),
      ),
    );
    h.services.routing.invalidateCatalog();
    const { offered } = await route();
    expect(offered).toEqual(['plain-15', 'signed-17', 'signed-20']);
    const quoted = await h.call('POST', '/v1/quotes', {
      principalFen: 1_000_000,
      termMonths: 12,
      rateAnnual: 0.305,
      method: 'interest-first',
    });
    expect(quoted.body.capCheck).toEqual({ cap: 0.24, basis: 'nominal', ok: false });
  });
});

// POST /v1/quotes and the catalog's product vetter, over HTTP on both engines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoCatalog } from '../catalog/demo.ts';
import { ENGINES } from '../../test/support/engines.ts';
import { createHarness, type Harness } from '../../test/support/harness.ts';

const loan = { principalFen: 1_000_000, termMonths: 12, rateAnnual: 0.18, method: 'equal-installment' };

describe.each(ENGINES)('pricing over HTTP on %s', (engine) => {
  let h: Harness;
  let funderKey: string;
  let otherFunderKey: string;
  beforeAll(async () => {
    h = await createHarness(engine);
    const seeded = await h.services.units.run((unit) => seedDemoCatalog(unit, h.services.catalog));
    expect(seeded.funders).toBe(10); // every demo product passes the cap check
    funderKey = (
      await h.services.access.issueKey(h.database.db, { role: 'funder', funderId: 'hubei-trust', label: 't' })
    ).secret;
    otherFunderKey = (
      await h.services.access.issueKey(h.database.db, {
        role: 'funder',
        funderId: 'webank-micro',
        label: 't',
      })
    ).secret;
  });
  afterAll(() => h.close());

  it('quotes a loan with schedule, totals, apr, capCheck and the Chinese disclosure', async () => {
    const response = await h.call('POST', '/v1/quotes', {
      ...loan,
      fees: [{ kind: 'upfront', amountFen: 30_000 }],
    });
    expect(response.status).toBe(200);
    expect(response.body.schedule).toHaveLength(12);
    expect(response.body.schedule[0]).toEqual({
      period: 1,
      principalFen: 76_680,
      interestFen: 15_000,
      feeFen: 0,
      paymentFen: 91_680,
      balanceFen: 923_320,
    });
    expect(response.body.totals).toEqual({
      principalFen: 1_000_000,
      interestFen: 100_161,
      feeFen: 30_000,
      paymentFen: 1_100_161,
      disbursedFen: 970_000,
    });
    expect(response.body.capCheck).toEqual({ cap: 0.24, basis: 'nominal', ok: true });
    expect(response.body.disclosure.text).toContain('年化利率 18.00%');
    // no funder named: the judicial check assumes the platform default penalty (8%, cap.ts)
    expect(response.body.judicialCheck).toMatchObject({
      source: 'platform-default',
      penaltyRateAnnual: 0.08,
      ceiling: 0.24,
      ok: false,
    });
    // the response schema serialises the answer: it must drop nothing the service returns
    const direct = await h.services.pricing.quoteWithChecks(h.database.db, {
      ...loan,
      method: 'equal-installment',
      fees: [{ kind: 'upfront', amountFen: 30_000 }],
    });
    expect(response.body).toEqual(JSON.parse(JSON.stringify(direct)));
  });

  it('answers 200 with capCheck.ok false above the cap, and 422 apr_exceeds_cap with both figures when enforcing', async () => {
    const fees = [{ kind: 'monthly-rate', rate: 0.01 }];
    const reported = await h.call('POST', '/v1/quotes', { ...loan, fees });
    expect(reported.status).toBe(200);
    expect(reported.body.capCheck.ok).toBe(false);
    const refused = await h.call('POST', '/v1/quotes', { ...loan, fees, enforceCap: true });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: 'apr_exceeds_cap',
      details: { cap: 0.24, basis: 'nominal' },
    });
    expect(refused.body.error.details.apr).toBeGreaterThan(0.24);
  });

  it('adds the funder contract’s penalty rate for the judicial check', async () => {
    // demo contracts allow 3% penalty interest: 22% + 3% breaks the 24% judicial ceiling
    const response = await h.call('POST', '/v1/quotes', {
      ...loan,
      rateAnnual: 0.22,
      funderId: 'webank-micro',
    });
    expect(response.status).toBe(200);
    expect(response.body.judicialCheck).toMatchObject({
      source: 'contract',
      penaltyRateAnnual: 0.03,
      ceiling: 0.24,
      ok: false,
    });
    const enforced = await h.call('POST', '/v1/quotes', {
      ...loan,
      rateAnnual: 0.22,
      funderId: 'webank-micro',
      enforceCap: true,
    });
    expect(enforced.status).toBe(422);
    expect(enforced.body.error.code).toBe('judicial_ceiling_exceeded');
    // a request may raise the penalty for a what-if, never lower the contract's
    const fine = await h.call('POST', '/v1/quotes', { ...loan, funderId: 'webank-micro' });
    expect(fine.body.judicialCheck).toMatchObject({ source: 'contract', penaltyRateAnnual: 0.03, ok: true });
    const lowered = await h.call('POST', '/v1/quotes', {
      ...loan,
      rateAnnual: 0.22,
      funderId: 'webank-micro',
      penaltyRateAnnual: 0,
    });
    expect(lowered.body.judicialCheck).toMatchObject({
      source: 'contract',
      penaltyRateAnnual: 0.03,
      ok: false,
    });
    const raised = await h.call('POST', '/v1/quotes', {
      ...loan,
      funderId: 'webank-micro',
      penaltyRateAnnual: 0.1,
    });
    expect(raised.body.judicialCheck).toMatchObject({ source: 'request', penaltyRateAnnual: 0.1, ok: false });
  });

  it('lets a funder quote against its own contract only; another’s answers as absent', async () => {
    const own = await h.call('POST', '/v1/quotes', { ...loan, funderId: 'hubei-trust' }, { key: funderKey });
    expect(own.status).toBe(200);
    const other = await h.call(
      'POST',
      '/v1/quotes',
      { ...loan, funderId: 'hubei-trust' },
      { key: otherFunderKey },
    );
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('funder_not_found');
    const unknown = await h.call('POST', '/v1/quotes', { ...loan, funderId: 'no-such-funder' });
    expect(unknown.status).toBe(404);
  });

  it.each([
    ['zero principal', { principalFen: 0 }, 'principalFen'],
    ['negative principal', { principalFen: -100 }, 'principalFen'],
    ['fractional fen', { principalFen: 100.5 }, 'principalFen'],
    ['principal as a string', { principalFen: '1000000' }, 'principalFen'],
    ['term 0', { termMonths: 0 }, 'termMonths'],
    ['term 361', { termMonths: 361 }, 'termMonths'],
    ['rate 1', { rateAnnual: 1 }, 'rateAnnual'],
    ['negative rate', { rateAnnual: -0.1 }, 'rateAnnual'],
    ['unknown method', { method: 'balloon' }, 'method'],
    ['unknown field', { discount: 5 }, 'discount'],
    ['one-off fee after the term', { fees: [{ kind: 'once', period: 13, amountFen: 100 }] }, 'fees.0.period'],
    ['one-off fee without a period', { fees: [{ kind: 'once', amountFen: 100 }] }, 'fees.0.period'],
    ['rate on a fixed fee', { fees: [{ kind: 'monthly', amountFen: 100, rate: 0.1 }] }, 'fees.0.rate'],
    ['fee with a fractional amount', { fees: [{ kind: 'monthly', amountFen: 1.5 }] }, 'fees.0.amountFen'],
    ['unknown fee kind', { fees: [{ kind: 'membership', amountFen: 100 }] }, 'fees.0.kind'],
    ['upfront fees eat the principal', { fees: [{ kind: 'upfront', amountFen: 1_000_000 }] }, 'fees'],
    ['cap basis', { cap: { rate: 0.24, basis: 'simple' } }, 'cap.basis'],
  ])('400 for %s, naming the field', async (_name, change, field) => {
    const response = await h.call('POST', '/v1/quotes', { ...loan, ...change });
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe(field);
    expect(JSON.stringify(response.body)).not.toMatch(/NaN|Infinity/);
  });

  it('is documented in the OpenAPI document with its error codes', async () => {
    const openapi = await h.call('GET', '/docs/json', undefined, { key: null });
    expect(openapi.body.paths['/v1/quotes']?.post).toBeDefined();
    expect(JSON.stringify(openapi.body)).toContain('apr_exceeds_cap');
  });

  it('is open to analysts and system keys but not borrowers or anonymous callers', async () => {
    const analyst = (await h.services.access.issueKey(h.database.db, { role: 'analyst', label: 't' })).secret;
    expect((await h.call('POST', '/v1/quotes', loan, { key: analyst })).status).toBe(200);
    expect((await h.call('POST', '/v1/quotes', loan, { key: null })).status).toBe(401);
  });

  it('refuses a product whose cheapest configuration is above the cap, with both figures', async () => {
    const product = {
      name: '高息贷',
      minAmountFen: 100_000,
      maxAmountFen: 1_000_000,
      termsMonths: [6, 12],
      rateAnnualMin: 0.2,
      rateAnnualMax: 0.23,
      methods: ['equal-installment'],
      fees: [{ kind: 'monthly-rate', rate: 0.005, label: '会员费' }],
      ageMin: 20,
      ageMax: 50,
      minScore: 500,
    };
    const refused = await h.call('POST', '/v1/funders/hubei-trust/products', product);
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: 'apr_exceeds_cap',
      field: 'rateAnnualMin',
      details: { cap: 0.24 },
    });
    expect(refused.body.error.details.apr).toBeGreaterThan(0.24);
    const created = await h.call('POST', '/v1/funders/hubei-trust/products', { ...product, fees: [] });
    expect(created.status).toBe(201);
  });
});

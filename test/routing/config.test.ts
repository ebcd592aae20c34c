// Operators tune routing through PUT /v1/routing/config: validated, versioned, in force at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING_CONFIG } from '../../src/routing/defaults.ts';
import { ENGINES } from '../support/engines.ts';
import { applicationBody, makeIdNumber } from '../support/fixtures.ts';
import { type RoutingHarness, routingHarness } from './support.ts';

describe.each(ENGINES)('routing configuration on %s', (engine) => {
  let h: RoutingHarness;
  beforeAll(async () => {
    h = await routingHarness(engine);
    await h.call('POST', '/v1/funders', { id: 'bank-a', name: 'A', type: 'bank', licensedRegions: ['*'] });
    const product = {
      name: 'a',
      minAmountFen: 100_000,
      maxAmountFen: 10_000_000,
      termsMonths: [12],
      rateAnnualMin: 0.1,
      rateAnnualMax: 0.1,
      methods: ['equal-installment'],
      ageMin: 20,
      ageMax: 60,
      minScore: 0,
    };
    expect((await h.call('POST', '/v1/funders/bank-a/products', product)).status).toBe(201);
  });
  afterAll(() => h?.close());

  it('serves the defaults, takes a valid configuration with a new version, and uses it at once', async () => {
    const initial = await h.call('GET', '/v1/routing/config');
    expect(initial.body).toEqual({ version: 0, config: DEFAULT_ROUTING_CONFIG });
    const strict = {
      ...DEFAULT_ROUTING_CONFIG,
      bands: [
        { band: 'TOP', minScore: 600 },
        { band: 'REST', minScore: 0 },
      ],
      rotation: { ...DEFAULT_ROUTING_CONFIG.rotation, exposureBudgetPerMonth: { TOP: 0 } },
    };
    const saved = await h.call('PUT', '/v1/routing/config', strict);
    expect(saved.status).toBe(200);
    expect(saved.body.version).toBe(1);
    const application = await h.call(
      'POST',
      '/v1/applications',
      applicationBody({ idNumber: makeIdNumber('310104', '19900101', '321'), score: 700 }),
      { headers: { 'idempotency-key': 'cfg-1' } },
    );
    expect(application.body).toMatchObject({ status: 'declined', band: 'TOP' });
    const explained = await h.call('GET', `/v1/applications/${application.body.id}/routing`);
    expect(explained.body.explanations[0]).toMatchObject({ code: 'exposure_budget_exhausted' });
    expect((await h.call('PUT', '/v1/routing/config', DEFAULT_ROUTING_CONFIG)).body.version).toBe(2);
  });

  it('refuses an inconsistent configuration, naming the field, and keeps the one in force', async () => {
    const unordered = {
      ...DEFAULT_ROUTING_CONFIG,
      bands: [
        { band: 'A', minScore: 500 },
        { band: 'B', minScore: 700 },
        { band: 'C', minScore: 0 },
      ],
    };
    const refused = await h.call('PUT', '/v1/routing/config', unordered);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'routing_config_invalid', field: 'bands.1.minScore' });
    const unknownBand = {
      ...DEFAULT_ROUTING_CONFIG,
      rotation: { ...DEFAULT_ROUTING_CONFIG.rotation, exposureBudgetPerMonth: { Z: 5 } },
    };
    expect((await h.call('PUT', '/v1/routing/config', unknownBand)).body.error.field).toBe(
      'rotation.exposureBudgetPerMonth.Z',
    );
    const extra = await h.call('PUT', '/v1/routing/config', { ...DEFAULT_ROUTING_CONFIG, surprise: 1 });
    expect(extra.body.error.code).toBe('invalid_request');
    expect((await h.call('GET', '/v1/routing/config')).body.version).toBe(2);
  });
});

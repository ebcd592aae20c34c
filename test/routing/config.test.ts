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
      // share 0 of the band's flow (ADR 0073): no funder may be shared a TOP application
      rotation: { ...DEFAULT_ROUTING_CONFIG.rotation, exposureShareByBand: { TOP: 0 } },
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
    const withRotation = (rotation: Record<string, unknown>) => ({
      ...DEFAULT_ROUTING_CONFIG,
      rotation: { ...DEFAULT_ROUTING_CONFIG.rotation, ...rotation },
    });
    const shareOfUnknownBand = await h.call(
      'PUT',
      '/v1/routing/config',
      withRotation({ exposureShareByBand: { Z: 0.5 } }),
    );
    expect(shareOfUnknownBand.status).toBe(400);
    expect(shareOfUnknownBand.body.error).toMatchObject({
      code: 'routing_config_invalid',
      field: 'rotation.exposureShareByBand.Z',
    });
    for (const bad of [
      { exposureShareByBand: { A: 1.5 } },
      { exposureShareByBand: { A: -0.1 } },
      { exposureShareByBand: { A: 'half' } },
      { exposureBurst: -1 },
      { exposureBurst: 0.5 },
      { exposureBurst: 1001 },
    ]) {
      const refusedShare = await h.call('PUT', '/v1/routing/config', withRotation(bad));
      expect(refusedShare.status, JSON.stringify(bad)).toBe(400);
      expect(refusedShare.body.error.code).toBe('invalid_request');
    }
    const extra = await h.call('PUT', '/v1/routing/config', { ...DEFAULT_ROUTING_CONFIG, surprise: 1 });
    expect(extra.body.error.code).toBe('invalid_request');
    expect((await h.call('GET', '/v1/routing/config')).body.version).toBe(2);
  });

  it('fills the exposure shares and burst of a configuration without them with the defaults', async () => {
    // Configurations written before ADR 0073 have neither (and the fixed counts as a cap).
    const { exposureShareByBand: _share, exposureBurst: _burst, ...old } = DEFAULT_ROUTING_CONFIG.rotation;
    const legacy = {
      ...DEFAULT_ROUTING_CONFIG,
      rotation: { ...old, exposureBudgetPerMonth: { A: 2000, B: 5000 } },
    };
    const saved = await h.call('PUT', '/v1/routing/config', legacy);
    expect(saved.status).toBe(200);
    expect(saved.body.config.rotation).toEqual({
      ...DEFAULT_ROUTING_CONFIG.rotation,
      exposureBudgetPerMonth: { A: 2000, B: 5000 },
    });
    // And one stored that way before the upgrade reads back with them too.
    await h.database.query(
      `UPDATE routing_config SET config = config #- '{rotation,exposureShareByBand}' #- '{rotation,exposureBurst}'`,
    );
    h.services.routing.invalidateCatalog();
    const read = await h.call('GET', '/v1/routing/config');
    expect(read.body.config.rotation.exposureShareByBand).toEqual(
      DEFAULT_ROUTING_CONFIG.rotation.exposureShareByBand,
    );
    expect(read.body.config.rotation.exposureBurst).toBe(1);
    expect((await h.call('PUT', '/v1/routing/config', DEFAULT_ROUTING_CONFIG)).status).toBe(200);
  });
});

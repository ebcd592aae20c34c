// The demo path: the demo catalogue has no webhooks, so the built-in simulated funder answers.
// Its answers depend on the per-funder references (random master key per run), so the test checks
// the invariants of either outcome.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoCatalog } from '../../src/catalog/demo.ts';
import { ENGINES } from '../support/engines.ts';
import { applicationBody, makeIdNumber } from '../support/fixtures.ts';
import { consentBody, type RoutingHarness, routingHarness } from './support.ts';

describe.each(ENGINES)('the demo catalogue with the simulated funder on %s', (engine) => {
  let h: RoutingHarness;
  beforeAll(async () => {
    h = await routingHarness(engine, {
      simulatedFunder: {
        midpointScore: 600,
        scoreScale: 60,
        maxApprovalRate: 0.9,
        latencyMs: 1,
        errorRate: 0.1,
        timeoutRate: 0.1,
        pendingRate: 0,
        seed: 7,
      },
    });
    await h.services.units.run((unit) => seedDemoCatalog(unit, h.services.catalog));
  });
  afterAll(() => h?.close());

  it('submits, consents to every offered funder, runs the waterfall and books, with every step recorded', async () => {
    const submitted = await h.call(
      'POST',
      '/v1/applications',
      applicationBody({ idNumber: makeIdNumber('310104', '19880521', '777'), score: 780 }),
      { headers: { 'idempotency-key': 'demo-1' } },
    );
    expect(submitted.body.status).toBe('offered');
    const offers = (await h.call('GET', `/v1/applications/${submitted.body.id}/offers`)).body
      .offers as Array<{ funderId: string }>;
    for (const funderId of new Set(offers.map((o) => o.funderId)))
      await h.call('POST', `/v1/applications/${submitted.body.id}/consents`, consentBody(funderId));
    const chosen = await h.call('POST', `/v1/applications/${submitted.body.id}/choose`, { mode: 'auto' });
    expect(chosen.status).toBe(200);
    const { application, dispatches } = chosen.body;
    const statuses = dispatches.map((d: { status: string }) => d.status);
    // Every funder tried before the last one failed; the last one decided the outcome.
    expect(statuses.slice(0, -1).every((s: string) => ['declined', 'timeout', 'error'].includes(s))).toBe(
      true,
    );
    if (application.status === 'approved') {
      expect(statuses.at(-1)).toBe('approved');
      const booked = await h.call('POST', `/v1/applications/${application.id}/confirm`);
      expect(booked.status).toBe(201);
      expect((await h.call('GET', `/v1/applications/${application.id}/loan`)).body.id).toBe(booked.body.id);
    } else {
      expect(application.status).toBe('declined');
      expect(dispatches.length).toBe(new Set(offers.map((o) => o.funderId)).size);
    }
  });

  it('offers carry their fees: the disclosed annual cost of a fee-charging product is above its rate', async () => {
    const submitted = await h.call(
      'POST',
      '/v1/applications',
      applicationBody({ idNumber: makeIdNumber('420102', '19880521', '779'), score: 700 }),
      { headers: { 'idempotency-key': 'demo-fees' } },
    );
    const offers = (await h.call('GET', `/v1/applications/${submitted.body.id}/offers`)).body
      .offers as Array<{
      funderId: string;
      rateAnnual: number;
      fees: unknown[];
      disclosure: { apr: { nominal: number } };
    }>;
    const hubei = offers.find((o) => o.funderId === 'hubei-trust');
    expect(hubei?.fees).toEqual([{ kind: 'monthly-rate', rate: 0.001, label: '账户管理费' }]);
    expect(hubei!.disclosure.apr.nominal).toBeGreaterThan(hubei!.rateAnnual + 0.01);
    const feeFree = offers.find((o) => o.fees.length === 0)!;
    expect(feeFree.disclosure.apr.nominal).toBeCloseTo(feeFree.rateAnnual, 3);
  });
});

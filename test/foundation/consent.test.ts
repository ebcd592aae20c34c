// Separate consent per funder (PIPL art. 23): granted, checked, withdrawn; without it no LiveConsent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/kernel/index.ts';
import { ENGINES } from '../support/engines.ts';
import { applicationBody } from '../support/fixtures.ts';
import { createHarness, type Harness } from '../support/harness.ts';

describe.each(ENGINES)('consents on %s', (engine) => {
  let h: Harness;
  let application: { id: string; customerId: string };
  beforeAll(async () => {
    h = await createHarness(engine);
    await h.call('POST', '/v1/funders', { id: 'bank-a', name: 'A', type: 'bank', licensedRegions: ['*'] });
    await h.call('POST', '/v1/funders', { id: 'bank-b', name: 'B', type: 'bank', licensedRegions: ['*'] });
    application = (
      await h.call('POST', '/v1/applications', applicationBody(), { headers: { 'idempotency-key': 'c1' } })
    ).body;
  });
  afterAll(() => h.close());

  const consent = (funderId: string) => ({
    funderId,
    purpose: '向资方提交借款申请以获得授信',
    dataCategories: ['name', 'idNumber', 'phone', 'income'],
    textVersionHash: sha256Hex('个人信息单独同意书 v3'),
    channel: 'app',
  });

  it('a consent for one funder is not a consent for another, and withdrawal ends it', async () => {
    const { identity } = h.services;
    const db = h.database.db;
    await expect(identity.requireLiveConsent(db, application.customerId, 'bank-a')).rejects.toMatchObject({
      code: 'consent_missing',
    });
    const granted = await h.call('POST', `/v1/applications/${application.id}/consents`, consent('bank-a'));
    expect(granted.status).toBe(201);
    expect(granted.body).toMatchObject({
      funderId: 'bank-a',
      customerId: application.customerId,
      withdrawnAt: null,
    });
    expect((await identity.requireLiveConsent(db, application.customerId, 'bank-a')).id).toBe(
      granted.body.id,
    );
    await expect(identity.requireLiveConsent(db, application.customerId, 'bank-b')).rejects.toMatchObject({
      code: 'consent_missing',
    });
    const withdrawn = await h.call('DELETE', `/v1/applications/${application.id}/consents/bank-a`);
    expect(withdrawn.body).toEqual({ withdrawn: 1 });
    await expect(identity.requireLiveConsent(db, application.customerId, 'bank-a')).rejects.toMatchObject({
      code: 'consent_missing',
    });
  });

  it('refuses consents for unknown funders or malformed text hashes', async () => {
    expect(
      (await h.call('POST', `/v1/applications/${application.id}/consents`, consent('nobody'))).body.error
        .code,
    ).toBe('funder_not_found');
    const bad = await h.call('POST', `/v1/applications/${application.id}/consents`, {
      ...consent('bank-a'),
      textVersionHash: 'v3',
    });
    expect(bad.body.error).toMatchObject({ code: 'invalid_request', field: 'textVersionHash' });
  });
});

// Sharing over HTTP on both engines: policy editing, the relay pool, the provider's contact webhook.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../kernel/index.ts';
import { ENGINES } from '../../test/support/engines.ts';
import { applicationBody, makeIdNumber } from '../../test/support/fixtures.ts';
import { createHarness, type Harness } from '../../test/support/harness.ts';

const FUNDER = { id: 'bank-a', name: '甲银行', type: 'bank', licensedRegions: ['*'] };

describe.each(ENGINES)('sharing routes on %s', (engine) => {
  let h: Harness;
  let systemKey: string;
  let funderKey: string;

  beforeAll(async () => {
    h = await createHarness(engine);
    expect((await h.call('POST', '/v1/funders', FUNDER)).status).toBe(201);
    expect((await h.call('POST', '/v1/funders', { ...FUNDER, id: 'bank-b', name: '乙银行' })).status).toBe(
      201,
    );
    systemKey = (await h.services.access.issueKey(h.database.db, { role: 'system', label: 'relay provider' }))
      .secret;
    funderKey = (
      await h.services.access.issueKey(h.database.db, { role: 'funder', funderId: 'bank-b', label: 'bank-b' })
    ).secret;
    const pool = await h.call('POST', '/v1/relay-pool', {
      channel: 'phone',
      addresses: ['17000000001', '+86 170-0000-0002', '17000000003'],
    });
    expect(pool).toMatchObject({ status: 201, body: { added: 3 } });
    await h.call('POST', '/v1/relay-pool', {
      channel: 'email',
      addresses: ['r1@relay.shoujia.test', 'r2@relay.shoujia.test', 'r3@relay.shoujia.test'],
    });
  });
  afterAll(async () => h.close());

  it('reads the default policy, edits it, and refuses an invalid change', async () => {
    const initial = await h.call('GET', '/v1/funders/bank-a/sharing-policy');
    expect(initial.body).toMatchObject({
      isDefault: true,
      version: 0,
      policy: { prescreen: { name: 'withheld' } },
    });
    const changed = await h.call('PATCH', '/v1/funders/bank-a/sharing-policy', {
      application: { employer: 'masked' },
    });
    expect(changed).toMatchObject({
      status: 200,
      body: { version: 1, isDefault: false, policy: { application: { employer: 'masked', name: 'clear' } } },
    });
    const bad = await h.call('PATCH', '/v1/funders/bank-a/sharing-policy', {
      application: { phone: 'clear' },
    });
    expect(bad).toMatchObject({
      status: 400,
      body: { error: { code: 'policy_invalid', field: 'application.phone' } },
    });
    const unknownField = await h.call('PATCH', '/v1/funders/bank-a/sharing-policy', {
      application: { salary: 'clear' },
    });
    expect(unknownField.status).toBe(400);
    const unknownFunder = await h.call('PATCH', '/v1/funders/nobody/sharing-policy', {
      booked: { employer: 'withheld' },
    });
    expect(unknownFunder.status).toBe(404);
    // a funder reads its own policy, and another funder's answers 404 as if absent
    expect(
      (await h.call('GET', '/v1/funders/bank-b/sharing-policy', undefined, { key: funderKey })).status,
    ).toBe(200);
    expect(
      (await h.call('GET', '/v1/funders/bank-a/sharing-policy', undefined, { key: funderKey })).status,
    ).toBe(404);
    expect(
      (
        await h.call(
          'PATCH',
          '/v1/funders/bank-b/sharing-policy',
          { booked: { employer: 'withheld' } },
          { key: funderKey },
        )
      ).status,
    ).toBe(403);
  });

  it('publishes its routes and error codes in the OpenAPI document', async () => {
    const docs = await h.call('GET', '/docs/json', undefined, { key: null });
    expect(docs.status).toBe(200);
    for (const path of [
      '/v1/contact-events',
      '/v1/funders/{funderId}/sharing-policy',
      '/v1/funders/{funderId}/prescreen-set',
      '/v1/applications/{id}/prescreen',
    ]) {
      expect(Object.keys(docs.body.paths)).toContain(path);
    }
    expect(docs.body.info.description).toContain('oprf_point_invalid');
  });

  it('refuses a malformed relay address naming it', async () => {
    const bad = await h.call('POST', '/v1/relay-pool', {
      channel: 'phone',
      addresses: ['17000000009', '12345'],
    });
    expect(bad).toMatchObject({
      status: 400,
      body: { error: { code: 'relay_address_invalid', field: 'addresses.1' } },
    });
  });

  it('attributes relay contacts to the funder, judges the purpose, keeps unknown ones unattributed', async () => {
    const { services, database, clock } = h;
    const application = await services.units.run(async (unit) => {
      const tx = unit.tx;
      const { application } = await services.intake.submit(
        tx,
        applicationBody({ idNumber: makeIdNumber('110105', '19850101', '201') }),
      );
      await services.identity.grantConsent(unit, {
        customerId: application.customerId,
        funderId: 'bank-a',
        purpose: 'credit application',
        dataCategories: ['identity', 'contact', 'demographics', 'region', 'employment', 'loan-request'],
        textVersionHash: sha256Hex('v1'),
        channel: 'app',
      });
      return application;
    });
    const shared = await services.units.run(async (unit) => {
      const consent = await services.identity.requireLiveConsent(unit.tx, application.customerId, 'bank-a');
      return services.sharing.share(unit.tx, {
        consent,
        funderId: 'bank-a',
        stage: 'application',
        applicationId: application.id,
      });
    });
    const relay = shared.payload.fields.relayContact as { phone: string; email: string };
    await database.db.transaction(async (tx) => {
      await services.intake.transition(tx, application.id, 'offered');
      await services.intake.transition(tx, application.id, 'consented');
      await services.intake.transition(tx, application.id, 'sent', { funderId: 'bank-a' });
    });
    clock.advance(60_000);
    const event = (id: string, summary: string, extra: Record<string, unknown> = {}) => ({
      relayPoint: relay.phone,
      occurredAt: clock.now().toISOString(),
      channel: 'sms',
      caller: '95555',
      summary,
      providerEventId: id,
      ...extra,
    });
    const verification = await h.call('POST', '/v1/contact-events', event('ev-1', '请补充收入证明'), {
      key: systemKey,
    });
    expect(verification).toMatchObject({
      status: 202,
      body: { verdict: 'in-purpose', reason: 'verification' },
    });
    const marketing = await h.call(
      'POST',
      '/v1/contact-events',
      event('ev-2', '您有专属额度，下载APP直接申请'),
      { key: systemKey },
    );
    expect(marketing).toMatchObject({
      status: 202,
      body: { verdict: 'out-of-purpose', reason: 'marketing-before-decision' },
    });
    const retry = await h.call('POST', '/v1/contact-events', event('ev-2', '您有专属额度，下载APP直接申请'), {
      key: systemKey,
    });
    expect(retry.body).toMatchObject({ id: marketing.body.id, duplicate: true });
    // the provider may tag a collection call; with no booked loan it is out of purpose (ADR 0072)
    const collection = await h.call(
      'POST',
      '/v1/contact-events',
      { ...event('ev-2c', ''), channel: 'call', category: 'collection' },
      { key: systemKey },
    );
    expect(collection).toMatchObject({
      status: 202,
      body: { verdict: 'out-of-purpose', reason: 'collection-without-loan' },
    });

    clock.advance(60_000);
    await database.db.transaction((tx) =>
      services.intake.transition(tx, application.id, 'declined', { reason: 'bank-a declined' }),
    );
    clock.advance(3_600_000);
    const afterDecline = await h.call(
      'POST',
      '/v1/contact-events',
      { ...event('ev-3', '回访'), channel: 'call', relayPoint: relay.email },
      { key: systemKey },
    );
    expect(afterDecline).toMatchObject({
      status: 202,
      body: { verdict: 'out-of-purpose', reason: 'after-decline' },
    });

    const unknown = await h.call(
      'POST',
      '/v1/contact-events',
      { ...event('ev-4', '推广'), relayPoint: '17099999999' },
      { key: systemKey },
    );
    expect(unknown).toMatchObject({ status: 202, body: { verdict: 'unattributed' } });

    const evidence = await h.call('GET', '/v1/contact-events?funderId=bank-a&verdict=out-of-purpose');
    expect(evidence.status).toBe(200);
    expect(evidence.body.events.map((e: { reason: string }) => e.reason).sort()).toEqual([
      'after-decline',
      'collection-without-loan',
      'marketing-before-decision',
    ]);
    expect(
      evidence.body.events.every((e: { customerId: string }) => e.customerId === application.customerId),
    ).toBe(true);
    const stored = await database.query<{ caller_key: string }>(
      'SELECT caller_key FROM contact_events LIMIT 10',
    );
    expect(stored.every((row) => row.caller_key !== '95555' && /^[0-9a-f]{64}$/.test(row.caller_key))).toBe(
      true,
    );
  });

  it('accepts contact events only from the system role, and refuses malformed ones with 400', async () => {
    const body = {
      relayPoint: '17000000001',
      occurredAt: '2026-03-01T02:00:00Z',
      channel: 'call',
      caller: 'x',
      summary: '',
      providerEventId: 'p',
    };
    expect((await h.call('POST', '/v1/contact-events', body)).status).toBe(403);
    expect(
      (await h.call('POST', '/v1/contact-events', { ...body, occurredAt: 'yesterday' }, { key: systemKey }))
        .status,
    ).toBe(400);
    expect(
      (await h.call('POST', '/v1/contact-events', { ...body, channel: 'fax' }, { key: systemKey })).status,
    ).toBe(400);
    expect(
      (await h.call('POST', '/v1/contact-events', { ...body, extra: 1 }, { key: systemKey })).status,
    ).toBe(400);
  });
});

// Routing end to end over HTTP on both engines: submit → offers and explanations → consent →
// choice → dispatch to real local HTTP funders (signed webhooks, retries, timeouts, callbacks) →
// confirm with the pricing schedule → never twice; plus expiry with the manual clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthOf } from '../../src/routing/dispatch.ts';
import { ENGINES } from '../support/engines.ts';
import { applicationBody, makeIdNumber } from '../support/fixtures.ts';
import {
  consentBody,
  type FunderBehaviour,
  type MockFunder,
  mockFunder,
  type RoutingHarness,
  routingHarness,
  signedCallback,
  TEST_CONTRACT,
  testProduct,
} from './support.ts';

const PRODUCT = testProduct;
const CONTRACT = TEST_CONTRACT;

describe.each(ENGINES)('routing and dispatch on %s', (engine) => {
  let h: RoutingHarness;
  const funders = new Map<string, MockFunder>();
  let sequence = 100;

  // Funders a (cheapest) … d, each a local HTTP server; behaviour set per test.
  const RATES: Record<string, number> = { 'fund-a': 0.08, 'fund-b': 0.09, 'fund-c': 0.1, 'fund-d': 0.11 };
  beforeAll(async () => {
    h = await routingHarness(engine, {
      webhook: { timeoutMs: 200, maxAttempts: 3, backoffBaseMs: 10 },
      approvalTtlMs: 3_600_000,
    });
    for (const [id, rate] of Object.entries(RATES)) {
      const mock = await mockFunder(h.clock, 'approve');
      funders.set(id, mock);
      const created = await h.call('POST', '/v1/funders', {
        id,
        name: id,
        type: 'bank',
        licensedRegions: ['*'],
        webhookUrl: mock.url,
        webhookSecret: mock.secret,
        monthlyQuotaFen: 1_000_000_000,
      });
      expect(created.status).toBe(201);
      expect((await h.call('POST', `/v1/funders/${id}/products`, PRODUCT(`${id}-loan`, rate))).status).toBe(
        201,
      );
      expect((await h.call('POST', `/v1/funders/${id}/contracts`, CONTRACT)).status).toBe(201);
    }
  });
  afterAll(async () => {
    await h?.close();
    for (const mock of funders.values()) await mock.close();
  });

  const behave = (b: Record<string, FunderBehaviour>) => {
    for (const [id, mock] of funders) mock.behaviour = b[id] ?? 'approve';
  };
  const submit = async (overrides: Parameters<typeof applicationBody>[0] = {}) => {
    sequence += 2;
    const body = applicationBody({
      idNumber: makeIdNumber('310104', '19880521', String(sequence)),
      score: 720,
      ...overrides,
    });
    const response = await h.call('POST', '/v1/applications', body, {
      headers: { 'idempotency-key': `submit-${sequence}-${Math.random()}` },
    });
    expect(response.status).toBe(201);
    return response.body;
  };
  const consentAll = async (applicationId: string, ids = Object.keys(RATES)) => {
    for (const id of ids)
      expect(
        (await h.call('POST', `/v1/applications/${applicationId}/consents`, consentBody(id))).status,
      ).toBe(201);
  };

  it('routes at submission: ranked offers with disclosures, and an explanation for every product', async () => {
    const application = await submit();
    expect(application).toMatchObject({ status: 'offered', score: 720, offerCount: 4 });
    const offers = await h.call('GET', `/v1/applications/${application.id}/offers`);
    expect(offers.status).toBe(200);
    expect(offers.body.offers.map((o: any) => o.funderId)).toEqual(['fund-a', 'fund-b', 'fund-c', 'fund-d']);
    expect(offers.body.offers[0].disclosure.apr.nominal).toBeCloseTo(0.08, 4);
    expect(offers.body.offers[0].disclosure.text).toContain('等额本息');

    const tooBig = await submit({ amountFen: 15_000_000 });
    expect(tooBig.status).toBe('declined');
    const explained = await h.call('GET', `/v1/applications/${tooBig.id}/routing`);
    expect(explained.body.explanations).toHaveLength(4);
    expect(explained.body.explanations[0]).toMatchObject({ eligible: false, code: 'amount_out_of_range' });
    expect(explained.body.explanations[0].reason).toContain('¥150000.00');
    const events = await h.call('GET', `/v1/applications/${tooBig.id}/events`);
    expect(events.body.events.map((e: any) => e.toStatus)).toEqual(['submitted', 'declined']);
  });

  it('refuses a product that was not offered, and a choice without consent, changing nothing', async () => {
    const application = await submit();
    const notOffered = await h.call('POST', `/v1/applications/${application.id}/choose`, {
      productId: 'nope-loan',
    });
    expect(notOffered.status).toBe(409);
    expect(notOffered.body.error).toMatchObject({ code: 'product_not_offered', field: 'productId' });
    const noConsent = await h.call('POST', `/v1/applications/${application.id}/choose`, {
      productId: 'fund-a-loan',
    });
    expect(noConsent.status).toBe(409);
    expect(noConsent.body.error.code).toBe('consent_missing');
    const confirmEarly = await h.call('POST', `/v1/applications/${application.id}/confirm`);
    expect(confirmEarly.status).toBe(409);
    expect(confirmEarly.body.error.code).toBe('application_not_approved');
    expect((await h.call('GET', `/v1/applications/${application.id}`)).body.status).toBe('offered');
  });

  it('dispatches the chosen product over a signed webhook and books it with the pricing schedule, once', async () => {
    behave({});
    const application = await submit();
    await consentAll(application.id, ['fund-b']);
    const chosen = await h.call('POST', `/v1/applications/${application.id}/choose`, {
      productId: 'fund-b-loan',
    });
    expect(chosen.status).toBe(200);
    expect(chosen.body.application).toMatchObject({
      status: 'approved',
      funderId: 'fund-b',
      productId: 'fund-b-loan',
    });
    const received = funders.get('fund-b')!.received.at(-1)!;
    expect(received.signed).toBe(true);
    expect(received.body.payload.schema).toBe('shoujia.share/v1');
    expect(JSON.stringify(received.body)).not.toContain(application.id); // the funder sees its own reference only

    const booked = await h.call('POST', `/v1/applications/${application.id}/confirm`);
    expect(booked.status).toBe(201);
    expect(booked.body.schedule).toHaveLength(12);
    // The borrower reads their own loan and explanation; another borrower finds nothing.
    const own = (
      await h.services.access.issueKey(h.database.db, {
        role: 'borrower',
        customerId: application.customerId,
        label: 'me',
      })
    ).secret;
    const other = (
      await h.services.access.issueKey(h.database.db, {
        role: 'borrower',
        customerId: 'cus_other',
        label: 'other',
      })
    ).secret;
    expect(
      (await h.call('GET', `/v1/applications/${application.id}/loan`, undefined, { key: own })).body.id,
    ).toBe(booked.body.id);
    expect(
      (await h.call('GET', `/v1/applications/${application.id}/routing`, undefined, { key: own })).status,
    ).toBe(200);
    expect(
      (await h.call('GET', `/v1/applications/${application.id}/routing`, undefined, { key: other })).status,
    ).toBe(404);
    // The share counted against fund-b's band-B exposure budget; the booking against its quota.
    const [usage] = await h.database.query<{
      exposure: Record<string, number>;
      booked_fen: string;
      decided: number;
      approved: number;
    }>(`SELECT exposure, booked_fen, decided, approved FROM routing_funder_usage WHERE funder_id = 'fund-b'`);
    expect(usage).toMatchObject({ exposure: { B: 1 }, decided: 1, approved: 1 });
    expect(Number(usage!.booked_fen)).toBe(2_000_000);
    expect(booked.body.schedule.reduce((s: number, l: any) => s + l.principalFen, 0)).toBe(2_000_000);
    const again = await h.call('POST', `/v1/applications/${application.id}/confirm`);
    expect(again.status).toBe(409);
    const events = await h.call('GET', `/v1/applications/${application.id}/events`);
    expect(events.body.events.map((e: any) => e.toStatus)).toEqual([
      'submitted',
      'offered',
      'consented',
      'sent',
      'approved',
      'confirmed',
      'booked',
    ]);
    // Funder-facing entries name the application by the funder's pseudonym (what its payloads carry)
    const applicationRef = h.services.sharing.pseudonyms.applicationRef('fund-b', application.id);
    const kinds = await h.database.query<{ kind: string; body: string }>(
      `SELECT kind, body FROM ledger_entries WHERE body::jsonb->>'applicationRef' = $1 ORDER BY created_at`,
      [applicationRef],
    );
    expect(kinds.map((k) => k.kind)).toEqual(expect.arrayContaining(['exposure', 'decision', 'booking']));
    for (const { body } of kinds) {
      expect(body).not.toContain(application.id);
      expect(body).not.toContain(application.customerId);
    }
  });

  it('sends the funder only what the sharing gateway produced: a masked or withheld amount stays so', async () => {
    behave({});
    const policy = await h.call('PATCH', '/v1/funders/fund-d/sharing-policy', {
      application: { amountFen: 'masked', termMonths: 'withheld' },
    });
    expect(policy.status).toBe(200);
    try {
      const application = await submit({ amountFen: 2_345_600 });
      await consentAll(application.id, ['fund-d']);
      const chosen = await h.call('POST', `/v1/applications/${application.id}/choose`, {
        productId: 'fund-d-loan',
      });
      expect(chosen.body.application).toMatchObject({ status: 'approved', funderId: 'fund-d' });
      const received = funders.get('fund-d')!.received.at(-1)!;
      expect(received.signed).toBe(true);
      expect(Object.keys(received.body).sort()).toEqual([
        'applicationRef',
        'offer',
        'payload',
        'productId',
        'type',
      ]);
      expect(received.body.payload.fields.termMonths).toBeUndefined();
      expect(typeof received.body.payload.fields.amountFen).toBe('string'); // a band, not the amount
      expect(JSON.stringify(received.body)).not.toContain('2345600');
    } finally {
      await h.call('PATCH', '/v1/funders/fund-d/sharing-policy', {
        application: { amountFen: 'clear', termMonths: 'clear' },
      });
    }
  });

  it('runs a waterfall: decline, then a 503 retried with the same key, then approval', async () => {
    behave({ 'fund-a': 'decline', 'fund-b': 'fail-once-then-approve' });
    const application = await submit();
    await consentAll(application.id);
    const chosen = await h.call('POST', `/v1/applications/${application.id}/choose`, { mode: 'auto' });
    expect(chosen.body.application).toMatchObject({ status: 'approved', funderId: 'fund-b' });
    expect(chosen.body.dispatches.map((d: any) => [d.funderId, d.status])).toEqual([
      ['fund-a', 'declined'],
      ['fund-b', 'approved'],
    ]);
    const keys = funders
      .get('fund-b')!
      .received.slice(-2)
      .map((r) => r.key);
    expect(keys[0]).toBe(keys[1]); // retry carried the same idempotency key
    expect(chosen.body.dispatches[1].attempts).toBe(2);
    const events = await h.call('GET', `/v1/applications/${application.id}/events`);
    expect(events.body.events.map((e: any) => e.toStatus)).toEqual([
      'submitted',
      'offered',
      'consented',
      'sent',
      'declined',
      'sent',
      'approved',
    ]);
  });

  it('moves on after a timeout and after a funder that stays down', async () => {
    behave({ 'fund-a': 'stall', 'fund-b': 'always-500', 'fund-c': 'decline', 'fund-d': 'decline' });
    const application = await submit();
    await consentAll(application.id);
    const chosen = await h.call('POST', `/v1/applications/${application.id}/choose`, { mode: 'auto' });
    expect(chosen.body.application.status).toBe('declined');
    expect(chosen.body.dispatches.map((d: any) => d.status)).toEqual([
      'timeout',
      'error',
      'declined',
      'declined',
    ]);
  });

  it('re-checks at dispatch: a funder suspended after the offer is skipped, with the reason recorded', async () => {
    behave({});
    const application = await submit();
    await consentAll(application.id, ['fund-a', 'fund-b']);
    expect((await h.call('PUT', '/v1/funders/fund-a/status', { status: 'suspended' })).status).toBe(200);
    try {
      const chosen = await h.call('POST', `/v1/applications/${application.id}/choose`, { mode: 'auto' });
      expect(chosen.body.application).toMatchObject({ status: 'approved', funderId: 'fund-b' });
      expect(chosen.body.dispatches.map((d: any) => [d.funderId, d.status, d.lastError])).toEqual([
        ['fund-a', 'skipped', 'funder_suspended'],
        ['fund-b', 'approved', null],
      ]);
    } finally {
      await h.call('PUT', '/v1/funders/fund-a/status', { status: 'active' });
    }
  });

  it('answers 202 when the funders take longer than the wait, and finishes in the background', async () => {
    const slow = await routingHarness(engine, {
      webhook: { timeoutMs: 2_000, maxAttempts: 1, backoffBaseMs: 10 },
      choiceWaitMs: 100,
    });
    const mock = await mockFunder(slow.clock, 'stall'); // answers after a second
    try {
      await slow.call('POST', '/v1/funders', {
        id: 'slow-bank',
        name: 's',
        type: 'bank',
        licensedRegions: ['*'],
        webhookUrl: mock.url,
        webhookSecret: mock.secret,
      });
      await slow.call('POST', '/v1/funders/slow-bank/products', PRODUCT('slow-loan', 0.1));
      const application = (
        await slow.call('POST', '/v1/applications', applicationBody({ score: 700 }), {
          headers: { 'idempotency-key': 'slow-1' },
        })
      ).body;
      await slow.call('POST', `/v1/applications/${application.id}/consents`, consentBody('slow-bank'));
      const chosen = await slow.call('POST', `/v1/applications/${application.id}/choose`, {
        productId: 'slow-loan',
      });
      expect(chosen.status).toBe(202);
      expect(chosen.body.application.status).toBe('sent');
      await slow.services.routing.idle();
      expect((await slow.call('GET', `/v1/applications/${application.id}`)).body.status).toBe('approved');
    } finally {
      await slow.close();
      await mock.close();
    }
  });

  it('fans out in parallel and keeps the best approval', async () => {
    behave({ 'fund-a': 'decline' });
    const application = await submit();
    await consentAll(application.id);
    const chosen = await h.call('POST', `/v1/applications/${application.id}/choose`, {
      mode: 'parallel',
      funders: 3,
    });
    expect(chosen.body.application).toMatchObject({ status: 'approved', funderId: 'fund-b' });
    expect(chosen.body.dispatches.map((d: any) => [d.funderId, d.status])).toEqual([
      ['fund-a', 'declined'],
      ['fund-b', 'approved'],
      ['fund-c', 'superseded'],
    ]);
  });

  it('in parallel, keeps the best approval once the window is over, and supersedes a late approval', async () => {
    behave({ 'fund-a': 'pending', 'fund-c': 'decline' });
    const application = await submit();
    await consentAll(application.id);
    const chosen = await h.call('POST', `/v1/applications/${application.id}/choose`, {
      mode: 'parallel',
      funders: 3,
    });
    // fund-b approved, fund-a is still deciding: the fan-out waits for it, inside the window
    expect(chosen.body.application.status).toBe('sent');
    h.clock.advance(60_000);
    expect((await h.services.routing.expireStale()).parallelSettled).toBe(0);
    expect((await h.call('GET', `/v1/applications/${application.id}`)).body.status).toBe('sent');
    h.clock.advance(60_001); // past the 2-minute default window
    expect((await h.services.routing.expireStale()).parallelSettled).toBe(1);
    const decided = (await h.call('GET', `/v1/applications/${application.id}`)).body;
    expect(decided).toMatchObject({ status: 'approved', funderId: 'fund-b' });

    // fund-a approves late: its answer is recorded and superseded; the borrower keeps fund-b
    const ref = funders.get('fund-a')!.received.at(-1)!.body.applicationRef as string;
    const keyA = (
      await h.services.access.issueKey(h.database.db, { role: 'funder', funderId: 'fund-a', label: 'late' })
    ).secret;
    const late = signedCallback(funders.get('fund-a')!.secret, h.clock.now(), {
      applicationRef: ref,
      decision: 'approved',
    });
    const answered = await h.call('POST', '/v1/funder/decisions', undefined, {
      key: keyA,
      raw: late.raw,
      headers: late.headers,
    });
    expect(answered.status).toBe(200);
    expect((await h.call('GET', `/v1/applications/${application.id}`)).body).toMatchObject({
      status: 'approved',
      funderId: 'fund-b',
    });
    const dispatches = (await h.call('GET', `/v1/applications/${application.id}/routing`)).body;
    expect(
      (dispatches.dispatches as Array<{ funderId: string; status: string }>)
        .map((d) => [d.funderId, d.status])
        .sort(),
    ).toEqual([
      ['fund-a', 'superseded'],
      ['fund-b', 'approved'],
      ['fund-c', 'declined'],
    ]);
  });

  it('takes a decision by signed callback, and refuses bad, replayed, foreign and unknown callbacks', async () => {
    behave({ 'fund-a': 'pending' });
    const application = await submit();
    await consentAll(application.id, ['fund-a']);
    const chosen = await h.call('POST', `/v1/applications/${application.id}/choose`, {
      productId: 'fund-a-loan',
    });
    expect(chosen.body.application.status).toBe('sent');
    const ref = funders.get('fund-a')!.received.at(-1)!.body.applicationRef as string;
    const { secret } = funders.get('fund-a')!;
    const keyA = (
      await h.services.access.issueKey(h.database.db, { role: 'funder', funderId: 'fund-a', label: 'a' })
    ).secret;
    const keyB = (
      await h.services.access.issueKey(h.database.db, { role: 'funder', funderId: 'fund-b', label: 'b' })
    ).secret;
    const post = (key: string, cb: { raw: string; headers: Record<string, string> }) =>
      h.call('POST', '/v1/funder/decisions', undefined, { key, raw: cb.raw, headers: cb.headers });

    const forged = signedCallback('not-the-secret', h.clock.now(), {
      applicationRef: ref,
      decision: 'approved',
    });
    expect((await post(keyA, forged)).body.error.code).toBe('signature_invalid');
    const old = signedCallback(secret, new Date(h.clock.now().getTime() - 6 * 60_000), {
      applicationRef: ref,
      decision: 'approved',
    });
    expect((await post(keyA, old)).body.error.code).toBe('signature_expired');
    const foreign = signedCallback(funders.get('fund-b')!.secret, h.clock.now(), {
      applicationRef: ref,
      decision: 'approved',
    });
    const foreignAnswer = await post(keyB, foreign);
    expect(foreignAnswer.status).toBe(404);
    expect(foreignAnswer.body.error.code).toBe('application_not_found');
    const unknown = signedCallback(secret, h.clock.now(), {
      applicationRef: 'no-such-ref',
      decision: 'approved',
    });
    expect((await post(keyA, unknown)).status).toBe(404);
    expect((await h.call('GET', `/v1/applications/${application.id}`)).body.status).toBe('sent');

    const good = signedCallback(secret, h.clock.now(), {
      applicationRef: ref,
      decision: 'approved',
      amountFen: 1_500_000,
    });
    const accepted = await post(keyA, good);
    expect(accepted.status).toBe(200);
    const replay = await post(keyA, good);
    expect(replay.status).toBe(409);
    expect(replay.body.error.code).toBe('signature_replayed');
    const second = signedCallback(secret, h.clock.now(), { applicationRef: ref, decision: 'declined' });
    expect((await post(keyA, second)).body.error.code).toBe('decision_already_recorded');
    expect((await h.call('GET', `/v1/applications/${application.id}`)).body.status).toBe('approved');
    const booked = await h.call('POST', `/v1/applications/${application.id}/confirm`);
    expect(booked.body.principalFen).toBe(1_500_000); // the funder approved less than asked
  });

  it('continues a waterfall after a declining callback', async () => {
    behave({ 'fund-a': 'pending' });
    const application = await submit();
    await consentAll(application.id, ['fund-a', 'fund-b']);
    await h.call('POST', `/v1/applications/${application.id}/choose`, { mode: 'auto' });
    const ref = funders.get('fund-a')!.received.at(-1)!.body.applicationRef as string;
    const keyA = (
      await h.services.access.issueKey(h.database.db, { role: 'funder', funderId: 'fund-a', label: 'a2' })
    ).secret;
    const cb = signedCallback(funders.get('fund-a')!.secret, h.clock.now(), {
      applicationRef: ref,
      decision: 'declined',
    });
    expect(
      (
        await h.call('POST', '/v1/funder/decisions', undefined, {
          key: keyA,
          raw: cb.raw,
          headers: cb.headers,
        })
      ).status,
    ).toBe(200);
    await h.services.routing.idle();
    expect((await h.call('GET', `/v1/applications/${application.id}`)).body).toMatchObject({
      status: 'approved',
      funderId: 'fund-b',
    });
  });

  it('treats a callback that never comes as a timeout and moves down the waterfall', async () => {
    behave({ 'fund-a': 'pending' });
    const application = await submit();
    await consentAll(application.id, ['fund-a', 'fund-c']);
    const chosen = await h.call('POST', `/v1/applications/${application.id}/choose`, { mode: 'auto' });
    expect(chosen.body.application.status).toBe('sent');
    h.clock.advance(23 * 3_600_000);
    expect((await h.services.routing.expireStale()).callbacksTimedOut).toBe(0);
    h.clock.advance(3_600_000 + 1_000);
    expect((await h.services.routing.expireStale()).callbacksTimedOut).toBeGreaterThanOrEqual(1);
    const routed = await h.call('GET', `/v1/applications/${application.id}/routing`);
    expect(routed.body.dispatches.map((d: any) => [d.funderId, d.status])).toEqual([
      ['fund-a', 'timeout'],
      ['fund-c', 'approved'],
    ]);
    expect(routed.body.status).toBe('approved');
  });

  it('rotates a repeat borrower away from the funder of the last loan', async () => {
    behave({});
    const idNumber = makeIdNumber('310104', '19900101', '555');
    const first = (
      await h.call('POST', '/v1/applications', applicationBody({ idNumber, score: 720 }), {
        headers: { 'idempotency-key': 'rot-1' },
      })
    ).body;
    await consentAll(first.id, ['fund-a']);
    await h.call('POST', `/v1/applications/${first.id}/choose`, { productId: 'fund-a-loan' });
    expect((await h.call('POST', `/v1/applications/${first.id}/confirm`)).status).toBe(201);
    const second = (
      await h.call('POST', '/v1/applications', applicationBody({ idNumber, score: 720 }), {
        headers: { 'idempotency-key': 'rot-2' },
      })
    ).body;
    const explained = await h.call('GET', `/v1/applications/${second.id}/routing`);
    expect(explained.body.lastFunderId).toBe('fund-a');
    expect(explained.body.explanations.find((e: any) => e.funderId === 'fund-a')).toMatchObject({
      eligible: false,
      code: 'rotation_deferred',
    });
  });

  it('expires an approval nobody confirmed, after the configured time', async () => {
    behave({});
    const application = await submit();
    await consentAll(application.id, ['fund-c']);
    await h.call('POST', `/v1/applications/${application.id}/choose`, { productId: 'fund-c-loan' });
    h.clock.advance(3_599_000);
    await h.services.routing.expireStale();
    expect((await h.call('GET', `/v1/applications/${application.id}`)).body.status).toBe('approved');
    h.clock.advance(2_000);
    await h.services.routing.expireStale();
    expect((await h.call('GET', `/v1/applications/${application.id}`)).body.status).toBe('expired');
    const confirm = await h.call('POST', `/v1/applications/${application.id}/confirm`);
    expect(confirm.body.error.code).toBe('application_not_approved');
    const events = await h.call('GET', `/v1/applications/${application.id}/events`);
    expect(events.body.events.at(-1)).toMatchObject({ fromStatus: 'approved', toStatus: 'expired' });
  });

  it('abandons', async () => {
    const application = await submit();
    const abandoned = await h.call('POST', `/v1/applications/${application.id}/abandon`);
    expect(abandoned.body.status).toBe('abandoned');
    expect(
      (await h.call('POST', `/v1/applications/${application.id}/choose`, { mode: 'auto' })).body.error.code,
    ).toBe('choice_not_allowed');
  });

  it('scales a funder’s exposure in every band with trust, and counts its flow (ADR 0073)', async () => {
    const month = monthOf(h.clock.now());
    const flowOf = async (funderId: string) => {
      await h.services.routing.flowWritten();
      const rows = await h.database.query<{ flow: Record<string, number> }>(
        'SELECT flow FROM routing_funder_usage WHERE funder_id = $1 AND month = $2',
        [funderId, month],
      );
      return rows[0]?.flow ?? {};
    };
    const codeFor = async (applicationId: string) =>
      (await h.call('GET', `/v1/applications/${applicationId}/routing`)).body.explanations.find(
        (e: any) => e.funderId === 'fund-a',
      );
    const before = await flowOf('fund-a');
    expect((await h.call('PUT', '/v1/funders/fund-a/routing-trust', { trust: 0 })).status).toBe(200);
    // Trust 0 is a deliberate exclusion from every band, not only the top ones; others still offer.
    const top = await submit({ score: 800 });
    expect(await codeFor(top.id)).toMatchObject({ code: 'exposure_budget_exhausted' });
    expect(top.offerCount).toBeGreaterThan(0);
    const lower = await submit({ score: 600 });
    expect(await codeFor(lower.id)).toMatchObject({ code: 'exposure_budget_exhausted' });
    // Both count in fund-a's flow (it was otherwise eligible), written by the background counter.
    const after = await flowOf('fund-a');
    expect(after.A ?? 0).toBe((before.A ?? 0) + 1);
    expect(after.C ?? 0).toBe((before.C ?? 0) + 1);
    await h.call('PUT', '/v1/funders/fund-a/routing-trust', { trust: 1 });
    const again = await submit({ score: 600 });
    expect(await codeFor(again.id)).toMatchObject({ eligible: true });
    expect((await h.call('PUT', '/v1/funders/fund-a/routing-trust', { trust: 1.5 })).status).toBe(400);
  });

  it.runIf(engine === 'postgres')('never books twice, even when two confirmations race', async () => {
    behave({});
    const application = await submit();
    await consentAll(application.id, ['fund-d']);
    await h.call('POST', `/v1/applications/${application.id}/choose`, { productId: 'fund-d-loan' });
    const results = await Promise.all(
      Array.from({ length: 6 }, () => h.call('POST', `/v1/applications/${application.id}/confirm`)),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(5);
    const loans = await h.database.query<{ n: string }>(
      'SELECT count(*) AS n FROM booked_loans WHERE application_id = $1',
      [application.id],
    );
    expect(Number(loans[0]!.n)).toBe(1);
    // And the constraint itself, without the service in front of it:
    await expect(
      h.database.query(
        `INSERT INTO booked_loans (application_id, id, customer_id, funder_id, product_id, principal_fen, term_months, rate_annual, method, apr_nominal, apr_effective, schedule, totals, booked_at)
         SELECT application_id, 'loan_dup', customer_id, funder_id, product_id, principal_fen, term_months, rate_annual, method, apr_nominal, apr_effective, schedule, totals, booked_at FROM booked_loans WHERE application_id = $1`,
        [application.id],
      ),
    ).rejects.toThrow(/duplicate key/);
  });
});

// Application intake over HTTP on both engines: idempotency, one customer per person, and every
// kind of bad input answered with a 4xx code and nothing stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicationBody, makeIdNumber } from '../support/fixtures.ts';
import { ENGINES } from '../support/engines.ts';
import { createHarness, type Harness } from '../support/harness.ts';

async function counts(h: Harness) {
  const [row] = await h.database.query<{
    customers: number;
    applications: number;
    keys: number;
    events: number;
  }>(
    `SELECT (SELECT count(*)::int FROM customers) AS customers, (SELECT count(*)::int FROM applications) AS applications,
            (SELECT count(*)::int FROM idempotency_keys) AS keys, (SELECT count(*)::int FROM application_events) AS events`,
  );
  return row!;
}

describe.each(ENGINES)('application intake on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(engine);
  });
  afterAll(() => h.close());

  it('creates an application and answers the same key with the first answer', async () => {
    const body = applicationBody({ idNumber: makeIdNumber('310104', '19880521', '231') });
    const first = await h.call('POST', '/v1/applications', body, { headers: { 'idempotency-key': 'k-1' } });
    expect(first.status).toBe(201);
    // Routing runs at submission (issue 5): with no funders in the catalogue nothing is eligible.
    expect(first.body).toMatchObject({
      status: 'declined',
      amountFen: 2_000_000,
      termMonths: 12,
      customerCreated: true,
    });
    expect(first.body.id).toMatch(/^app_/);
    const again = await h.call('POST', '/v1/applications', body, { headers: { 'idempotency-key': 'k-1' } });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const reused = await h.call(
      'POST',
      '/v1/applications',
      { ...body, channel: 'h5' },
      { headers: { 'idempotency-key': 'k-1' } },
    );
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('idempotency_key_reused');

    const read = await h.call('GET', `/v1/applications/${first.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.customerId).toBe(first.body.customerId);
    const events = await h.call('GET', `/v1/applications/${first.body.id}/events`);
    expect(events.body.events).toMatchObject([
      { fromStatus: null, toStatus: 'submitted' },
      { fromStatus: 'submitted', toStatus: 'declined' },
    ]);
  });

  it('the same person applying twice is one customer', async () => {
    const idNumber = makeIdNumber('440305', '19920815', '118');
    const a = await h.call('POST', '/v1/applications', applicationBody({ idNumber }), {
      headers: { 'idempotency-key': 'p-1' },
    });
    const b = await h.call(
      'POST',
      '/v1/applications',
      applicationBody({ idNumber: idNumber.toLowerCase(), phone: '+8613900001111' }),
      {
        headers: { 'idempotency-key': 'p-2' },
      },
    );
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.customerId).toBe(a.body.customerId);
    expect(b.body.customerCreated).toBe(false);
    expect(b.body.id).not.toBe(a.body.id);
  });

  const bad: Array<[string, unknown, number, string, string | undefined]> = [
    [
      'wrong check character',
      applicationBody({ idNumber: '110105194912310021' }),
      400,
      'id_number_checksum',
      'applicant.idNumber',
    ],
    [
      'impossible birth date',
      applicationBody({ idNumber: makeIdNumber('110105', '19900231') }),
      400,
      'id_number_birth_date',
      'applicant.idNumber',
    ],
    [
      'future birth date',
      applicationBody({ idNumber: makeIdNumber('110105', '20300101') }),
      400,
      'id_number_birth_date',
      'applicant.idNumber',
    ],
    [
      'under 18',
      applicationBody({ idNumber: makeIdNumber('110105', '20080302') }),
      400,
      'applicant_under_age',
      'applicant.idNumber',
    ],
    ['invalid phone', applicationBody({ phone: '12345678901' }), 400, 'phone_invalid', 'applicant.phone'],
    [
      'amount not whole fen',
      applicationBody({ amountFen: 100.5 }),
      400,
      'invalid_request',
      'request.amountFen',
    ],
    [
      'amount as string',
      { ...applicationBody(), request: { amountFen: '1000', termMonths: 12, purpose: 'x' } },
      400,
      'invalid_request',
      'request.amountFen',
    ],
    ['term out of range', applicationBody({ termMonths: 361 }), 400, 'invalid_request', 'request.termMonths'],
    ['unknown field', { ...applicationBody(), extra: 1 }, 400, 'invalid_request', 'extra'],
    [
      'missing applicant',
      { request: applicationBody().request, channel: 'app' },
      400,
      'invalid_request',
      'applicant',
    ],
    [
      'name too long',
      { ...applicationBody(), applicant: { ...applicationBody().applicant, name: '张'.repeat(51) } },
      400,
      'invalid_request',
      'applicant.name',
    ],
    [
      'amount above platform limit',
      applicationBody({ amountFen: 20_000_001 }),
      400,
      'amount_above_platform_limit',
      'request.amountFen',
    ],
    ['malformed JSON', '{"applicant":', 400, 'malformed_json', undefined],
  ];

  it.each(bad)(
    'rejects %s with a stable code and stores nothing',
    async (_name, body, status, code, field) => {
      const before = await counts(h);
      const response = await h.call('POST', '/v1/applications', body, {
        headers: { 'idempotency-key': `bad-${code}-${Math.random()}` },
      });
      expect(response.status).toBe(status);
      expect(response.body.error.code).toBe(code);
      if (field) expect(response.body.error.field).toBe(field);
      expect(await counts(h)).toEqual(before);
    },
  );

  it('requires an Idempotency-Key and a key', async () => {
    const missing = await h.call('POST', '/v1/applications', applicationBody());
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'idempotency_key_invalid', field: 'Idempotency-Key' });
    const anonymous = await h.call('POST', '/v1/applications', applicationBody(), {
      key: null,
      headers: { 'idempotency-key': 'x' },
    });
    expect(anonymous.status).toBe(401);
    expect((await h.call('GET', '/v1/applications/app_nope')).body.error.code).toBe('application_not_found');
    expect((await h.call('GET', '/v1/nothing-here')).body.error.code).toBe('route_not_found');
  });

  it('answers an oversized body with 413 and a wrong media type with 415', async () => {
    const huge = JSON.stringify({ ...applicationBody(), channel: 'x'.repeat(300_000) });
    const tooLarge = await h.call('POST', '/v1/applications', huge, {
      headers: { 'idempotency-key': 'huge' },
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.code).toBe('body_too_large');
    const text = await h.app.inject({
      method: 'POST',
      url: '/v1/applications',
      headers: {
        authorization: `Bearer ${h.adminKey}`,
        'content-type': 'text/plain',
        'idempotency-key': 't',
      },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    expect(JSON.parse(text.body).error.code).toBe('unsupported_media_type');
  });
});

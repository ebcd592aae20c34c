// Reminder settings over HTTP: admin and analyst read, only admin writes, an unknown customer is a
// 404 with a stable code, bad bodies are 400s that change nothing, any id text is never a 5xx; the
// borrower's routes mount on the same service.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicationBody } from '../../test/support/fixtures.ts';
import { createHarness, type Harness } from '../../test/support/harness.ts';
import { worldText } from '../../test/support/text.ts';
import { bookLoans } from '../../test/engagement/events.ts';

describe('reminder settings routes', () => {
  let h: Harness;
  let customerId: string;
  let analystKey: string;
  beforeAll(async () => {
    h = await createHarness();
    const submitted = await h.call('POST', '/v1/applications', applicationBody(), {
      headers: { 'idempotency-key': 'rs-1' },
    });
    expect(submitted.status).toBe(201);
    customerId = submitted.body.customerId;
    analystKey = (await h.services.access.issueKey(h.database.db, { role: 'analyst', label: 'analyst' }))
      .secret;
  });
  afterAll(() => h.close());

  const url = () => `/v1/customers/${customerId}/reminder-settings`;

  it('every channel is on until the borrower opts out; a change keeps the others', async () => {
    expect((await h.call('GET', url())).body).toEqual({
      customerId,
      channels: { sms: true, push: true, email: true },
    });
    const put = await h.call('PUT', url(), { sms: false });
    expect(put.status).toBe(200);
    expect(put.body.channels).toEqual({ sms: false, push: true, email: true });
    expect((await h.call('PUT', url(), { email: false })).body.channels).toEqual({
      sms: false,
      push: true,
      email: false,
    });
    expect((await h.call('PUT', url(), { sms: true })).body.channels).toEqual({
      sms: true,
      push: true,
      email: false,
    });
    expect((await h.call('GET', url(), undefined, { key: analystKey })).body.channels.email).toBe(false);
  });

  it('analysts read, never write; an unknown customer is reminder_customer_not_found', async () => {
    const refused = await h.call('PUT', url(), { push: false }, { key: analystKey });
    expect(refused.status).toBe(403);
    expect((await h.call('GET', url())).body.channels.push).toBe(true);
    const unknown = await h.call('GET', '/v1/customers/nobody/reminder-settings');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('reminder_customer_not_found');
    const unknownPut = await h.call('PUT', '/v1/customers/nobody/reminder-settings', { sms: false });
    expect(unknownPut.body.error.code).toBe('reminder_customer_not_found');
    const rows = await h.database.query('SELECT 1 FROM reminder_settings WHERE customer_id = $1', ['nobody']);
    expect(rows).toEqual([]);
  });

  it('refuses bodies that are not channel switches, and writes nothing', async () => {
    for (const body of [{}, { sms: 'no' }, { fax: false }, { collection: true }, [], 'x', { sms: null }]) {
      const answer = await h.call('PUT', url(), body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.code).toMatch(/invalid_request|malformed_json/);
    }
    expect((await h.call('GET', url())).body.channels).toEqual({ sms: true, push: true, email: false });
  });

  it('answers any id text with a 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(worldText(80), fc.boolean(), async (id, enabled) => {
        // every byte percent-encoded (a lone surrogate goes as U+FFFD's bytes, as a client would send it)
        const encoded = [...Buffer.from(id, 'utf8')]
          .map((b) => `%${b.toString(16).padStart(2, '0')}`)
          .join('');
        const path = `/v1/customers/${encoded}/reminder-settings`;
        for (const answer of [await h.call('GET', path), await h.call('PUT', path, { sms: enabled })])
          expect(answer.status, id).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
  });

  it('lists a borrower’s reminders with their states', async () => {
    await bookLoans(h.services, [
      {
        loanId: 'loan-http',
        customerId,
        bookedAt: new Date('2026-03-01T02:00:00Z'),
        paymentsFen: [100, 200],
      },
    ]);
    const listed = await h.call('GET', `/v1/customers/${customerId}/reminders?limit=3`, undefined, {
      key: analystKey,
    });
    expect(listed.status).toBe(200);
    expect(listed.body.reminders.map((r: { key: string }) => r.key)).toEqual([
      'loan-http:1:-3',
      'loan-http:1:-1',
      'loan-http:1:0',
    ]);
    expect(listed.body.reminders[0]).toMatchObject({
      kind: 'upcoming',
      dueOn: '2026-04-01',
      state: 'pending',
    });
  });
});

describe('the borrower’s own settings routes', () => {
  it('are mounted for borrower tokens, on the same service, with the token’s customer', async () => {
    const h = await createHarness();
    try {
      const submitted = await h.call('POST', '/v1/applications', applicationBody(), {
        headers: { 'idempotency-key': 'rs-2' },
      });
      const customerId = submitted.body.customerId as string;
      const token = (await h.call('POST', '/v1/borrower-tokens', { customerId })).body.token as string;
      const put = await h.call('PUT', '/v1/borrower/reminder-settings', { push: false }, { key: token });
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ sms: true, push: false, email: true });
      expect((await h.call('GET', '/v1/borrower/reminder-settings', undefined, { key: token })).body).toEqual(
        {
          sms: true,
          push: false,
          email: true,
        },
      );
      expect((await h.call('GET', `/v1/customers/${customerId}/reminder-settings`)).body.channels.push).toBe(
        false,
      );
      // staff keys use the staff routes; the borrower route is the borrower's only
      expect((await h.call('GET', '/v1/borrower/reminder-settings')).status).toBe(403);
    } finally {
      await h.close();
    }
  });
});

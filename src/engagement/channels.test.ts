// The HTTP SMS adapter against a local gateway that behaves like a real one (test/support/
// sms-gateway.ts): retries 5xx and timeouts with backoff, never a 4xx, and, through the worker on
// both engines, one message per reminder at the gateway even when an answer is lost and the send
// is repeated (the idempotency key), while the recording channels deliver once.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bookLoans } from '../../test/engagement/events.ts';
import { ENGINES, freshDatabase, type TestDatabase } from '../../test/support/engines.ts';
import { type MockSmsGateway, mockSmsGateway } from '../../test/support/sms-gateway.ts';
import { ManualClock } from '../kernel/index.ts';
import { createServices, type Services } from '../services.ts';
import { httpSmsAdapter, type ReminderMessage, reminderText, yuanText } from './channels.ts';

const message = (key = 'loan-1:1:-3'): ReminderMessage => ({
  idempotencyKey: `${key}:sms`,
  reminderKey: key,
  channel: 'sms',
  customerId: 'cust-1',
  kind: 'upcoming',
  installmentNo: 1,
  dueOn: '2026-04-01',
  amountFen: 123_456,
  text: reminderText({
    kind: 'upcoming',
    offsetDays: -3,
    installmentNo: 1,
    dueOn: '2026-04-01',
    amountFen: 123_456,
  }),
});

describe('the HTTP SMS adapter', () => {
  let gateway: MockSmsGateway;
  const waits: number[] = [];
  const adapter = (overrides: Partial<Parameters<typeof httpSmsAdapter>[0]> = {}) =>
    httpSmsAdapter({
      url: gateway.url,
      token: gateway.token,
      recipient: async (id) => (id === 'cust-1' ? '+8613800138000' : undefined),
      timeoutMs: 200,
      maxAttempts: 4,
      backoffBaseMs: 10,
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...overrides,
    });
  beforeAll(async () => {
    gateway = await mockSmsGateway();
  });
  afterEach(() => {
    gateway.requests.length = 0;
    gateway.sent.clear();
    gateway.faults.length = 0;
    waits.length = 0;
  });
  afterAll(() => gateway.close());

  it('posts the documented body with the idempotency key and reads the gateway’s id', async () => {
    const outcome = await adapter().send(message());
    expect(outcome).toEqual({ ok: true, providerMessageId: 'sms-1', attempts: 1 });
    expect(gateway.requests).toEqual([
      {
        idempotencyKey: 'loan-1:1:-3:sms',
        body: {
          messageId: 'loan-1:1:-3:sms',
          to: '+8613800138000',
          text: '【守家】您第1期应还1234.56元，将于2026-04-01到期（3天后），请按时还款。',
          template: 'repayment-upcoming',
        },
      },
    ]);
  });

  it('retries 5xx and timeouts with doubling waits, then sends once', async () => {
    gateway.faults.push({ kind: 'status', status: 503 }, { kind: 'hang' }, { kind: 'status', status: 502 });
    const outcome = await adapter().send(message());
    expect(outcome).toEqual({ ok: true, providerMessageId: 'sms-1', attempts: 4 });
    expect(waits).toEqual([10, 20, 40]);
    expect(gateway.sent.size).toBe(1);
  });

  it('never retries a 4xx: a refusal is final', async () => {
    gateway.faults.push({ kind: 'status', status: 400 });
    expect(await adapter().send(message())).toMatchObject({ ok: false, attempts: 1 });
    const wrongToken = await adapter({ token: 'stolen' }).send(message());
    expect(wrongToken).toMatchObject({ ok: false, attempts: 1 });
    expect((wrongToken as { error: string }).error).toContain('401');
    const badNumber = await adapter({ recipient: async () => '+8612345' }).send(message());
    expect((badNumber as { error: string }).error).toContain('number_invalid');
    expect(gateway.requests).toHaveLength(3);
    expect(waits).toEqual([]);
    expect(gateway.sent.size).toBe(0);
  });

  it('throws after the last attempt so the job is retried later, with the same key', async () => {
    for (let i = 0; i < 4; i++) gateway.faults.push({ kind: 'status', status: 503 });
    await expect(adapter().send(message())).rejects.toThrow(/after 4 attempts \(gateway error: 503\)/);
    gateway.faults.push({ kind: 'hang' }, { kind: 'hang' });
    await expect(adapter({ maxAttempts: 2 }).send(message())).rejects.toThrow(/TimeoutError/);
    expect(new Set(gateway.requests.map((r) => r.idempotencyKey))).toEqual(new Set(['loan-1:1:-3:sms']));
  });

  it('a lost answer is resent with the same key and the gateway sends one message', async () => {
    gateway.faults.push({ kind: 'reset-after-accept' });
    expect(await adapter().send(message())).toEqual({ ok: true, providerMessageId: 'sms-1', attempts: 2 });
    expect(gateway.requests).toHaveLength(2);
    expect(gateway.sent.size).toBe(1);
  });

  it('sends nothing to a borrower without a mobile number', async () => {
    expect(await adapter().send({ ...message(), customerId: 'nobody' })).toEqual({
      ok: false,
      error: 'no mobile number on file',
      attempts: 0,
    });
    expect(gateway.requests).toEqual([]);
  });

  it('writes amounts from integer fen without floats', () => {
    expect([0, 1, 10, 99, 100, 123_456, 2_000_000_000_01].map(yuanText)).toEqual([
      '0.00',
      '0.01',
      '0.10',
      '0.99',
      '1.00',
      '1234.56',
      '2000000000.01',
    ]);
  });
});

describe.each(ENGINES)('the worker with the HTTP SMS adapter on %s', (engine) => {
  let database: TestDatabase;
  let services: Services;
  let gateway: MockSmsGateway;
  const clock = new ManualClock('2026-03-01T02:00:00Z');
  beforeAll(async () => {
    gateway = await mockSmsGateway();
    database = await freshDatabase(engine);
    services = createServices({
      database,
      masterKey: randomBytes(32),
      clock,
      reminders: {
        adapters: [
          httpSmsAdapter({
            url: gateway.url,
            token: gateway.token,
            recipient: async () => '+8613900139000',
            timeoutMs: 300,
            maxAttempts: 2,
            backoffBaseMs: 1,
          }),
        ],
      },
    });
  });
  afterAll(async () => {
    for (const hook of services.stopHooks) await hook();
    await database.close();
    await gateway.close();
  });

  it('keeps the delivery as sending while the gateway is down, and sends it once when it is back', async () => {
    const loans = ['a', 'b', 'c'].map((id) => ({
      loanId: `sms-${engine}-${id}`,
      customerId: `cust-${id}`,
      bookedAt: new Date('2026-03-01T02:00:00Z'),
      paymentsFen: [50_000],
    }));
    await bookLoans(services, loans);
    clock.set('2026-03-29T02:00:00Z');
    // down for every attempt of the first tick (three reminders, two attempts each)
    for (let i = 0; i < 6; i++) gateway.faults.push({ kind: 'status', status: 503 });
    const first = await services.reminders.tick();
    expect(first.failed).toBe(3);
    const sending = await database.query<{ state: string; channel: string; error: string }>(
      "SELECT state, channel, error FROM reminder_deliveries WHERE channel = 'sms' ORDER BY reminder_key",
    );
    expect(sending.map((d) => d.state)).toEqual(['sending', 'sending', 'sending']);
    expect(sending[0]!.error).toMatch(/503/);
    // push and email (recording) went at once, and only once
    const recorded = await database.query("SELECT 1 FROM reminder_deliveries WHERE channel <> 'sms'");
    expect(recorded).toHaveLength(6);
    // the answer to the first send of the next tick is lost after the gateway accepted it
    gateway.faults.push({ kind: 'reset-after-accept' });
    clock.set('2026-03-29T03:00:00Z');
    await services.reminders.tick();
    await services.reminders.tick();
    const after = await database.query<{ state: string }>(
      "SELECT state FROM reminder_deliveries WHERE channel = 'sms' ORDER BY reminder_key",
    );
    expect(after.map((d) => d.state)).toEqual(['sent', 'sent', 'sent']);
    expect(gateway.sent.size).toBe(3);
    expect([...gateway.sent.keys()].sort()).toEqual(loans.map((l) => `${l.loanId}:1:-3:sms`).sort());
    expect(await database.query("SELECT 1 FROM reminders WHERE state = 'delivered'")).toHaveLength(3);
    expect(await database.query("SELECT 1 FROM reminder_deliveries WHERE channel <> 'sms'")).toHaveLength(6);
  });
});

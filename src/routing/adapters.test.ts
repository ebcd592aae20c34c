import { describe, expect, it } from 'vitest';
import {
  approvalProbability,
  DEFAULT_SIMULATED_FUNDER,
  type DispatchMessage,
  parseAnswer,
  SimulatedFunderAdapter,
} from './adapters.ts';
import { signatureHeader, signatureOf, verifySignature } from './signature.ts';

describe('signatures', () => {
  const at = new Date('2026-03-01T02:00:00Z');
  const body = '{"applicationRef":"r1","decision":"approved"}';
  it('verifies a signature made with the same secret over the same body and time', () => {
    const header = signatureHeader('s3cret', at, body);
    expect(header).toBe(`t=${at.getTime() / 1000},v1=${signatureOf('s3cret', at.getTime() / 1000, body)}`);
    expect(verifySignature('s3cret', header, body, at).ok).toBe(true);
  });
  it('refuses another secret, another body, a malformed header, and a time outside five minutes', () => {
    const header = signatureHeader('s3cret', at, body);
    expect(verifySignature('other', header, body, at)).toMatchObject({
      ok: false,
      code: 'signature_invalid',
    });
    expect(verifySignature('s3cret', header, `${body} `, at)).toMatchObject({
      ok: false,
      code: 'signature_invalid',
    });
    expect(verifySignature('s3cret', 'v1=abc', body, at)).toMatchObject({
      ok: false,
      code: 'signature_invalid',
    });
    expect(verifySignature('s3cret', undefined, body, at)).toMatchObject({
      ok: false,
      code: 'signature_invalid',
    });
    expect(verifySignature('s3cret', header, body, new Date(at.getTime() + 5 * 60_000)).ok).toBe(true);
    expect(verifySignature('s3cret', header, body, new Date(at.getTime() + 5 * 60_000 + 1000))).toMatchObject(
      { ok: false, code: 'signature_expired' },
    );
    expect(verifySignature('s3cret', header, body, new Date(at.getTime() - 5 * 60_000 - 1000))).toMatchObject(
      { ok: false, code: 'signature_expired' },
    );
  });
});

describe('funder answers', () => {
  it('parses approvals, declines and pending, and nothing else', () => {
    expect(parseAnswer({ decision: 'approved', amountFen: 100, rateAnnual: 0.1, reference: 'x' })).toEqual({
      kind: 'approved',
      amountFen: 100,
      rateAnnual: 0.1,
      reference: 'x',
    });
    expect(parseAnswer({ decision: 'approved', amountFen: -1, rateAnnual: 2 })).toEqual({
      kind: 'approved',
      amountFen: undefined,
      rateAnnual: undefined,
      reference: undefined,
    });
    expect(parseAnswer({ decision: 'declined' })).toEqual({ kind: 'declined', reason: undefined });
    expect(parseAnswer({ decision: 'pending' })).toEqual({ kind: 'pending' });
    expect(parseAnswer({ decision: 'maybe' }).kind).toBe('error');
    expect(parseAnswer(null).kind).toBe('error');
  });
});

describe('the simulated funder', () => {
  const message: DispatchMessage = {
    type: 'application.dispatched',
    applicationRef: 'r',
    productId: 'p',
    offer: { rateAnnual: 0.1, method: 'equal-installment', aprNominal: 0.1 },
    payload: { schema: 'shoujia.share/v1', fields: { amountFen: 1_000_000, termMonths: 12 } },
  };
  const target = (key: string, score: number) => ({
    funderId: 'f',
    webhookUrl: null,
    secret: null,
    idempotencyKey: key,
    score,
  });
  it('answers the same dispatch the same way (seeded per application and funder)', async () => {
    const adapter = new SimulatedFunderAdapter();
    for (let i = 0; i < 20; i++)
      expect(await adapter.send(target(`k${i}`, 700), message)).toEqual(
        await adapter.send(target(`k${i}`, 700), message),
      );
  });
  it('approves better scores more often, and errs and times out at the configured rates', async () => {
    const adapter = new SimulatedFunderAdapter({
      ...DEFAULT_SIMULATED_FUNDER,
      errorRate: 0.1,
      timeoutRate: 0.1,
    });
    const counts = { low: 0, high: 0, error: 0, timeout: 0 };
    const N = 2000;
    for (let i = 0; i < N; i++) {
      const low = await adapter.send(target(`low-${i}`, 500), message);
      const high = await adapter.send(target(`high-${i}`, 800), message);
      if (low.answer.kind === 'approved') counts.low++;
      if (high.answer.kind === 'approved') counts.high++;
      if (high.answer.kind === 'error') counts.error++;
      if (high.answer.kind === 'timeout') counts.timeout++;
    }
    expect(counts.high).toBeGreaterThan(counts.low * 2);
    // 10% errors; 10% of the remaining 90% time out: binomial, four standard deviations of slack.
    expect(Math.abs(counts.error / N - 0.1)).toBeLessThan(0.03);
    expect(Math.abs(counts.timeout / N - 0.09)).toBeLessThan(0.03);
    expect(approvalProbability(DEFAULT_SIMULATED_FUNDER, 600)).toBeCloseTo(0.45, 9);
  });
});

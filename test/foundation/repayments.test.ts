// Repayments and borrower tokens over HTTP on both engines (ADR 0080, 0081): loans booked through
// the real flow (simulated funders that approve), the funder's signed repayment events, idempotency
// per (funder, repaymentId), every refusal leaving every table as it was, early payoff, the ledger
// entry and the events in the same unit, borrower tokens (expiry, revocation, forgery, another
// borrower's token), fuzzed bodies that never get a 5xx, and random sequences whose served state
// equals the pure derivation.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installmentStates, type RepaymentEvent } from '../../src/intake/repayments.ts';
import { signatureHeader } from '../../src/routing/signature.ts';
import { ENGINES } from '../support/engines.ts';
import { applicationBody, makeIdNumber } from '../support/fixtures.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { tableRows } from '../support/rows.ts';
import { worldText } from '../support/text.ts';
import { consentBody, TEST_CONTRACT } from '../routing/support.ts';

const SECRETS: Record<string, string> = {
  'fund-a': 'secret-of-fund-a-0001',
  'fund-b': 'secret-of-fund-b-0002',
};
const DAY = 86_400_000;
/** What the tests read of an installment or a borrower's loan in an answer. */
type Row = { state: string; remainingFen: number; installmentNo: number; paidFen: number; loanId: string };

describe.each(ENGINES)('repayments and borrower tokens on %s', (engine) => {
  let h: Harness;
  const funderKeys: Record<string, string> = {};
  let sequence = 300;

  beforeAll(async () => {
    h = await createHarness(engine, {
      services: {
        routing: {
          simulatedFunder: {
            midpointScore: 0,
            scoreScale: 1,
            maxApprovalRate: 1,
            latencyMs: 0,
            errorRate: 0,
            timeoutRate: 0,
            pendingRate: 0,
            seed: 1,
          },
        },
      },
    });
    for (const [id, secret] of Object.entries(SECRETS)) {
      expect(
        (
          await h.call('POST', '/v1/funders', {
            id,
            name: id,
            type: 'bank',
            licensedRegions: ['*'],
            webhookSecret: secret,
            monthlyQuotaFen: 1_000_000_000,
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await h.call('POST', `/v1/funders/${id}/products`, {
            id: `${id}-loan`,
            name: id,
            minAmountFen: 100_000,
            maxAmountFen: 10_000_000,
            termsMonths: [12],
            rateAnnualMin: id === 'fund-a' ? 0.1 : 0.11,
            rateAnnualMax: id === 'fund-a' ? 0.1 : 0.11,
            methods: ['equal-installment'],
            fees: [{ kind: 'monthly', amountFen: 300, label: '账户管理费' }],
            ageMin: 20,
            ageMax: 60,
            minScore: 0,
          })
        ).status,
      ).toBe(201);
      expect((await h.call('POST', `/v1/funders/${id}/contracts`, TEST_CONTRACT)).status).toBe(201);
      funderKeys[id] = (
        await h.services.access.issueKey(h.database.db, { role: 'funder', funderId: id, label: id })
      ).secret;
    }
  });
  afterAll(() => h?.close());

  /** Book a loan through the real flow: submit, consent, choose the funder's product, confirm. */
  async function book(funderId: string, person = sequence++) {
    const submitted = await h.call(
      'POST',
      '/v1/applications',
      applicationBody({
        idNumber: makeIdNumber('310104', '19880521', String(person).padStart(3, '0')),
        score: 720,
      }),
      { headers: { 'idempotency-key': `repay-${person}-${sequence++}` } },
    );
    expect(submitted.status).toBe(201);
    const id = submitted.body.id;
    expect((await h.call('POST', `/v1/applications/${id}/consents`, consentBody(funderId))).status).toBe(201);
    const chosen = await h.call('POST', `/v1/applications/${id}/choose`, { productId: `${funderId}-loan` });
    expect(chosen.body.application?.status).toBe('approved');
    const booked = await h.call('POST', `/v1/applications/${id}/confirm`);
    expect(booked.status).toBe(201);
    return booked.body as {
      id: string;
      customerId: string;
      schedule: Array<{ paymentFen: number }>;
      bookedAt: string;
    };
  }

  /** POST a repayment as the funder would: its key, and the raw body signed with its secret. */
  function repay(
    funderId: string,
    body: unknown,
    options: { secret?: string; at?: Date; key?: string; raw?: string } = {},
  ) {
    const raw = options.raw ?? JSON.stringify(body);
    const signature = signatureHeader(options.secret ?? SECRETS[funderId]!, options.at ?? h.clock.now(), raw);
    return h.call('POST', '/v1/funder/repayments', raw, {
      key: options.key ?? funderKeys[funderId]!,
      headers: { 'shoujia-signature': signature },
    });
  }

  const installments = (loanId: string, key?: string) =>
    h.call('GET', `/v1/loans/${loanId}/installments`, undefined, key ? { key } : {});

  it('records an installment paid in full: 201, the state, a ledger entry and both events in the same unit', async () => {
    const loan = await book('fund-a');
    h.clock.set(new Date(Date.parse(loan.bookedAt) + 20 * DAY));
    const body = {
      loanId: loan.id,
      repaymentId: 'pay-1',
      kind: 'installment',
      installmentNo: 1,
      amountFen: loan.schedule[0]!.paymentFen,
      paidAt: h.clock.now().toISOString(),
    };
    const first = await repay('fund-a', body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      repaymentId: 'pay-1',
      loanId: loan.id,
      settled: [{ installmentNo: 1, state: 'paid' }],
      loanClosed: false,
    });
    const view = await installments(loan.id);
    expect(view.status).toBe(200);
    expect(view.body.installments[0]).toMatchObject({ state: 'paid', remainingFen: 0 });
    expect(view.body.installments[1].state).toBe('due');
    expect(view.body.outstandingPrincipalFen).toBe(first.body.outstandingPrincipalFen);
    // the funder that booked it reads it too; the other funder finds nothing
    expect((await installments(loan.id, funderKeys['fund-a'])).status).toBe(200);
    const foreign = await installments(loan.id, funderKeys['fund-b']);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('loan_not_found');

    const entries = await h.database.query<{ kind: string; body: string }>(
      `SELECT kind, body FROM ledger_entries WHERE kind = 'repayment'`,
    );
    expect(entries.some((e) => JSON.parse(e.body).repaymentId === 'pay-1')).toBe(true);
    const topics = await h.database.query<{ topic: string; payload: Record<string, unknown> }>(
      `SELECT topic, payload FROM outbox WHERE aggregate_id = $1 AND topic IN ('repayment.recorded', 'installment.settled') ORDER BY seq`,
      [loan.id],
    );
    expect(topics.map((t) => t.topic)).toEqual(['repayment.recorded', 'installment.settled']);
    expect(topics[0]!.payload).toMatchObject({
      loanId: loan.id,
      funderId: 'fund-a',
      customerId: loan.customerId,
      repaymentId: 'pay-1',
      kind: 'installment',
      amountFen: body.amountFen,
      at: body.paidAt,
    });
    expect(topics[1]!.payload).toMatchObject({
      loanId: loan.id,
      installmentNo: 1,
      state: 'paid',
      at: body.paidAt,
    });

    // the same body again: the same answer, nothing new written
    const before = await tableRows(h);
    const again = await repay('fund-a', body);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    // whitespace is not the body: the same fields signed in another layout are the same request
    const spaced = await repay('fund-a', undefined, { raw: JSON.stringify(body, null, 2) });
    expect(spaced.body).toEqual(first.body);
    // another body under the same id: refused
    const reused = await repay('fund-a', { ...body, kind: 'partial', amountFen: 1 });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('repayment_id_reused');
    expect(await tableRows(h)).toEqual(before);
  });

  it('refuses every bad repayment with its code and changes nothing', async () => {
    const loan = await book('fund-a');
    const other = await book('fund-b');
    h.clock.set(new Date(Date.parse(loan.bookedAt) + 10 * DAY));
    const now = h.clock.now().toISOString();
    const good = {
      loanId: loan.id,
      repaymentId: 'bad-1',
      kind: 'partial',
      installmentNo: 1,
      amountFen: 100,
      paidAt: now,
    };
    const cases: Array<
      [string, () => Promise<{ status: number; body: { error?: { code?: string } } }>, number, string]
    > = [
      [
        'forged signature',
        () => repay('fund-a', good, { secret: 'not-the-secret-at-all' }),
        401,
        'signature_invalid',
      ],
      [
        'old signature',
        () => repay('fund-a', good, { at: new Date(h.clock.now().getTime() - 6 * 60_000) }),
        401,
        'signature_expired',
      ],
      ["another funder's loan", () => repay('fund-b', good), 404, 'loan_not_found'],
      ['unknown loan', () => repay('fund-a', { ...good, loanId: 'loan_nope' }), 404, 'loan_not_found'],
      [
        'unknown installment',
        () => repay('fund-a', { ...good, installmentNo: 13 }),
        404,
        'installment_not_found',
      ],
      [
        'no installment named',
        () => repay('fund-a', { ...good, installmentNo: undefined }),
        404,
        'installment_not_found',
      ],
      [
        'not the next installment',
        () => repay('fund-a', { ...good, installmentNo: 2 }),
        409,
        'installment_not_next',
      ],
      [
        'above what is due',
        () => repay('fund-a', { ...good, amountFen: loan.schedule[0]!.paymentFen + 1 }),
        409,
        'repayment_exceeds_due',
      ],
      [
        'installment not in full',
        () => repay('fund-a', { ...good, kind: 'installment' }),
        409,
        'repayment_amount_mismatch',
      ],
      [
        'payoff not exact',
        () => repay('fund-a', { ...good, kind: 'early-payoff', installmentNo: undefined, amountFen: 5 }),
        409,
        'repayment_amount_mismatch',
      ],
      [
        'payoff naming an installment',
        () => repay('fund-a', { ...good, kind: 'early-payoff' }),
        400,
        'invalid_request',
      ],
      [
        'before the booking',
        () => repay('fund-a', { ...good, paidAt: new Date(Date.parse(loan.bookedAt) - 1000).toISOString() }),
        400,
        'repayment_dated_before_booking',
      ],
      [
        'in the future',
        () => repay('fund-a', { ...good, paidAt: new Date(h.clock.now().getTime() + 60_000).toISOString() }),
        400,
        'repayment_dated_in_future',
      ],
      ['zero amount', () => repay('fund-a', { ...good, amountFen: 0 }), 400, 'invalid_request'],
      ['fractional fen', () => repay('fund-a', { ...good, amountFen: 1.5 }), 400, 'invalid_request'],
      ['huge amount', () => repay('fund-a', { ...good, amountFen: 1e300 }), 400, 'invalid_request'],
      [
        'no time zone',
        () => repay('fund-a', { ...good, paidAt: '2026-03-10T10:00:00' }),
        400,
        'invalid_request',
      ],
      ['unknown kind', () => repay('fund-a', { ...good, kind: 'refund' }), 400, 'invalid_request'],
      ['a staff key', () => repay('fund-a', good, { key: h.adminKey }), 403, 'forbidden'],
    ];
    const before = await tableRows(h);
    for (const [what, send, status, code] of cases) {
      const answer = await send();
      expect({ what, status: answer.status, code: answer.body.error?.code }).toEqual({ what, status, code });
    }
    expect(await tableRows(h)).toEqual(before);
    expect((await installments(other.id)).body.paidFen).toBe(0);
    // the same request, correct, goes through
    expect((await repay('fund-a', good)).status).toBe(201);
  });

  it('early payoff closes the loan and its future installments; later repayments find it closed', async () => {
    const loan = await book('fund-b');
    h.clock.set(new Date(Date.parse(loan.bookedAt) + 45 * DAY)); // installment 1 past due
    const view = await installments(loan.id);
    expect(view.body.installments[0].state).toBe('overdue');
    const payoffFen = view.body.payoffTodayFen as number;
    expect(payoffFen).toBeGreaterThan(loan.schedule[0]!.paymentFen);
    const paid = await repay('fund-b', {
      loanId: loan.id,
      repaymentId: 'payoff-1',
      kind: 'early-payoff',
      amountFen: payoffFen,
      paidAt: h.clock.now().toISOString(),
    });
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ loanClosed: true, outstandingPrincipalFen: 0 });
    expect(paid.body.settled[0]).toEqual({ installmentNo: 1, state: 'paid' });
    expect(paid.body.settled[1]).toEqual({ installmentNo: 2, state: 'closed' });
    const after = await installments(loan.id);
    expect(after.body.installments.slice(1).every((i: Row) => i.state === 'closed')).toBe(true);
    expect(after.body).toMatchObject({
      payoffTodayFen: null,
      outstandingPrincipalFen: 0,
      paidFen: payoffFen,
    });
    const settled = await h.database.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND topic = 'installment.settled'`,
      [loan.id],
    );
    expect(settled[0]!.n).toBe(12);
    const late = await repay('fund-b', {
      loanId: loan.id,
      repaymentId: 'late-1',
      kind: 'partial',
      installmentNo: 2,
      amountFen: 1,
      paidAt: h.clock.now().toISOString(),
    });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('loan_closed');
  });

  it('borrower tokens: own loans across funders with next due and disclosure; another borrower sees nothing', async () => {
    // one person with a loan at each funder, another person with one
    const person = sequence++;
    const mineA = await book('fund-a', person);
    const mineB = await book('fund-b', person);
    const theirs = await book('fund-a');
    expect(mineA.customerId).toBe(mineB.customerId);
    const issue = async (customerId: string, ttlSeconds?: number) =>
      h.call('POST', '/v1/borrower-tokens', { customerId, ...(ttlSeconds ? { ttlSeconds } : {}) });
    const mine = await issue(mineA.customerId);
    expect(mine.status).toBe(201);
    expect(mine.body.token).toMatch(/^sjb_/);
    expect(Date.parse(mine.body.expiresAt) - h.clock.now().getTime()).toBe(15 * 60_000);
    const stored = await h.database.query<{ secret_hash: string }>(
      `SELECT secret_hash FROM borrower_tokens WHERE id = $1`,
      [mine.body.id],
    );
    expect(stored[0]!.secret_hash).not.toContain(mine.body.token.slice(4, 20));
    const theirToken = (await issue(theirs.customerId)).body.token as string;

    const list = await h.call('GET', '/v1/borrower/loans', undefined, { key: mine.body.token });
    expect(list.status).toBe(200);
    expect(list.body.loans.map((l: Row) => l.loanId).sort()).toEqual([mineA.id, mineB.id].sort());
    const a = list.body.loans.find((l: Row) => l.loanId === mineA.id);
    expect(a.funderId).toBe('fund-a');
    expect(a.nextDue).toMatchObject({ installmentNo: 1, remainingFen: mineA.schedule[0]!.paymentFen });
    expect(a.disclosureText).toContain('综合年化成本');
    expect(a.apr.nominal).toBeGreaterThan(0.1); // the fee counts: above the 10% rate
    expect(a.aprText).toContain('%');
    const theirList = await h.call('GET', '/v1/borrower/loans', undefined, { key: theirToken });
    expect(theirList.body.loans.map((l: Row) => l.loanId)).toEqual([theirs.id]);

    // each borrower route with the other borrower's token: not found, nothing of it in the answer
    for (const url of [`/v1/borrower/loans/${mineA.id}/installments`, `/v1/loans/${mineA.id}/installments`]) {
      const own = await h.call('GET', url, undefined, { key: mine.body.token });
      expect(own.status).toBe(200);
      const foreign = await h.call('GET', url, undefined, { key: theirToken });
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.code).toBe('loan_not_found');
      expect(JSON.stringify(foreign.body)).not.toContain(mineA.customerId);
    }
    // a borrower token is no key for staff or funder routes
    expect((await h.call('GET', '/v1/funders', undefined, { key: mine.body.token })).status).toBe(403);
    expect(
      (
        await h.call(
          'POST',
          '/v1/borrower-tokens',
          { customerId: theirs.customerId },
          { key: mine.body.token },
        )
      ).status,
    ).toBe(403);

    // forged, revoked, expired: 401
    expect(
      (await h.call('GET', '/v1/borrower/loans', undefined, { key: `sjb_${'A'.repeat(43)}` })).status,
    ).toBe(401);
    const revoked = await h.call('DELETE', `/v1/borrower-tokens/${mine.body.id}`);
    expect(revoked.body).toEqual({ id: mine.body.id, revoked: true });
    expect((await h.call('GET', '/v1/borrower/loans', undefined, { key: mine.body.token })).status).toBe(401);
    expect((await h.call('DELETE', '/v1/borrower-tokens/btk_nope')).status).toBe(404);
    const short = (await issue(mineA.customerId, 60)).body.token as string;
    expect((await h.call('GET', '/v1/borrower/loans', undefined, { key: short })).status).toBe(200);
    h.clock.advance(60_000);
    const expired = await h.call('GET', '/v1/borrower/loans', undefined, { key: short });
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('unauthenticated');
    // limits: at most an hour; an unknown customer is refused
    expect((await issue(mineA.customerId, 3601)).status).toBe(400);
    expect((await issue('cus_nobody')).status).toBe(404);
  });

  it('fuzz: world text and huge numbers in every field never get a 5xx and write nothing', async () => {
    const loan = await book('fund-a');
    const before = await tableRows(h);
    const value = fc.oneof(
      worldText(80),
      fc.constantFrom(1e308, -1e308, 2 ** 53, 2 ** 53 + 1, -1, 0, 1.5, Number.MAX_SAFE_INTEGER),
      fc.integer(),
      fc.constant(null),
      fc.constant(loan.id),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            loanId: value,
            repaymentId: value,
            kind: fc.oneof(value, fc.constantFrom('installment', 'partial', 'early-payoff', 'write-off')),
            installmentNo: value,
            amountFen: value,
            paidAt: fc.oneof(value, fc.constant('2026-03-01T02:00:00Z')),
          },
          { requiredKeys: [] },
        ),
        fc.boolean(),
        async (body, signed) => {
          const answer = signed
            ? await repay('fund-a', body)
            : await h.call('POST', '/v1/funder/repayments', body, { key: funderKeys['fund-a']! });
          expect(answer.status).toBeLessThan(500);
          expect(answer.status).toBeGreaterThanOrEqual(400);
          const token = await h.call('GET', `/v1/borrower/loans`, undefined, {
            key: `sjb_${Buffer.from(String(body.repaymentId ?? '')).toString('base64url')}`.slice(0, 200),
          });
          expect(token.status).toBe(401);
          const id = encodeURIComponent(String(body.loanId ?? 'x').replace(/[\ud800-\udfff]/g, '\ufffd'));
          expect((await h.call('GET', `/v1/loans/${id}/installments`)).status).toBeLessThan(500);
        },
      ),
      { numRuns: 60 },
    );
    expect(await tableRows(h)).toEqual(before);
  });

  it('random repayment sequences: the served state equals the pure derivation of the accepted events', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            kind: fc.constantFrom('installment', 'partial', 'partial', 'early-payoff', 'write-off'),
            next: fc.boolean(),
            installmentNo: fc.integer({ min: 1, max: 12 }),
            share: fc.double({ min: 0.01, max: 1, noNaN: true }),
            daysLater: fc.integer({ min: 0, max: 45 }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        async (steps) => {
          const loan = await book('fund-b');
          const accepted: RepaymentEvent[] = [];
          let at = Date.parse(loan.bookedAt);
          for (const [i, step] of steps.entries()) {
            at += step.daysLater * DAY;
            h.clock.set(at);
            const view = (await installments(loan.id)).body;
            const open = view.installments.find((x: Row) => x.remainingFen > 0);
            const no = step.next && open ? open.installmentNo : step.installmentNo;
            const remaining = view.installments[no - 1].remainingFen || 1;
            const body = {
              loanId: loan.id,
              repaymentId: `seq-${loan.id}-${i}`,
              kind: step.kind,
              ...(step.kind === 'early-payoff' ? {} : { installmentNo: no }),
              amountFen:
                step.kind === 'early-payoff'
                  ? (view.payoffTodayFen ?? 1)
                  : step.kind === 'partial'
                    ? Math.max(1, Math.floor(remaining * step.share))
                    : remaining,
              paidAt: new Date(at).toISOString(),
            };
            const answer = await repay('fund-b', body);
            expect(answer.status).not.toBe(500);
            if (answer.status === 201)
              accepted.push({
                repaymentId: body.repaymentId,
                kind: body.kind as RepaymentEvent['kind'],
                installmentNo: body.installmentNo ?? null,
                amountFen: body.amountFen,
                paidAt: new Date(at),
              });
          }
          const stored = (await h.services.repayments.stateOf(h.database.db, loan.id))!;
          const expected = installmentStates(stored.terms, accepted, h.clock.now());
          const served = (await installments(loan.id)).body;
          expect(served.outstandingPrincipalFen).toBe(expected.outstandingPrincipalFen);
          expect(served.paidFen).toBe(expected.paidFen);
          expect(served.installments.map((x: Row) => [x.state, x.paidFen])).toEqual(
            expected.installments.map((x) => [x.state, x.paidFen]),
          );
          expect(served.outstandingPrincipalFen).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: engine === 'pglite' ? 6 : 4 },
    );
  });

  it.runIf(engine === 'postgres')('one repayment sent six times at once is recorded once', async () => {
    const loan = await book('fund-a');
    h.clock.set(new Date(Date.parse(loan.bookedAt) + 5 * DAY));
    const body = {
      loanId: loan.id,
      repaymentId: 'race-1',
      kind: 'partial',
      installmentNo: 1,
      amountFen: 1_000,
      paidAt: h.clock.now().toISOString(),
    };
    const answers = await Promise.all(Array.from({ length: 6 }, () => repay('fund-a', body)));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201, 201]);
    for (const a of answers) expect(a.body).toEqual(answers[0]!.body);
    const rows = await h.database.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM repayments WHERE repayment_id = 'race-1'`,
    );
    expect(rows[0]!.n).toBe(1);
  });
});

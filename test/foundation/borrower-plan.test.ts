// The financing plan over HTTP on both engines (ADR 0083): a borrower's own loans through the
// platform after a real booking and repayment, the consolidation's saving checked against
// POST /v1/quotes, hand-added loans and their refusals with stable codes, another borrower's
// token, staff reading a customer's plan, the borrower's own report of an unsolicited offer, and
// the portal page's headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PREPAYMENT_FEN } from '../../src/engagement/plan.ts';
import { ENGINES } from '../support/engines.ts';
import {
  APPROVE_ALL,
  type BookedBorrower,
  bookedBorrower,
  borrowerToken,
  seedPortalFunders,
} from '../support/borrower.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { tableRows } from '../support/rows.ts';

describe.each(ENGINES)('the financing plan and the portal on %s', (engine) => {
  let h: Harness;
  let me: BookedBorrower;
  let other: BookedBorrower;

  beforeAll(async () => {
    h = await createHarness(engine, { services: { routing: APPROVE_ALL } });
    const keys = await seedPortalFunders(h);
    me = await bookedBorrower(h, keys, 501);
    other = await bookedBorrower(h, keys, 502);
    me.token = await borrowerToken(h, me.customerId);
  });
  afterAll(() => h?.close());

  const plan = (key: string, body?: unknown) =>
    body === undefined
      ? h.call('GET', '/v1/borrower/plan', undefined, { key })
      : h.call('POST', '/v1/borrower/plan', body, { key });

  it("shows the borrower's own platform loan as repayments left it, and a cheaper product with pricing's saving", async () => {
    const answer = await plan(me.token);
    expect(answer.status).toBe(200);
    const body = answer.body;
    expect(body.loans.map((l: { id: string }) => l.id)).toEqual([me.loanId]);
    const loan = body.loans[0];
    const installments = (
      await h.call('GET', `/v1/borrower/loans/${me.loanId}/installments`, undefined, { key: me.token })
    ).body;
    expect(loan.principalOutstandingFen).toBe(installments.outstandingPrincipalFen);
    expect(loan.principalOutstandingFen).toBe(me.schedule[0]!.balanceFen);
    expect(loan.remainingTermMonths).toBe(11);
    const left = me.schedule.slice(1).reduce((sum, line) => sum + line.paymentFen, 0);
    expect(loan.remainingCostFen).toBe(left - loan.principalOutstandingFen);
    // 18% plus a monthly fee: the true cost of what is left is above the stated rate
    expect(loan.trueCost.nominal).toBeGreaterThan(0.18);
    // the income of the application (fixtures: ¥15,000 a month)
    expect(body.monthlyIncomeFen).toBe(1_500_000);
    expect(body.debtServiceRatio).toBeCloseTo(me.schedule[1]!.paymentFen / 1_500_000, 12);
    expect(body.avalanche).toMatchObject({ loanId: me.loanId, prepaymentFen: DEFAULT_PREPAYMENT_FEN });
    expect(body.avalanche.interestSavedFen).toBeGreaterThan(0);
    expect(body.eligibilityKnown).toBe(true);
    expect(body.nothingCheaper).toBe(false);
    const [best] = body.consolidations;
    expect(best).toMatchObject({
      funderId: 'cheap-bank',
      loanIds: [me.loanId],
      amountFen: loan.principalOutstandingFen,
    });
    expect(best.termMonths).toBeLessThanOrEqual(11);
    // the saving is what pricing's own API computes for those terms
    const priced = await h.call('POST', '/v1/quotes', {
      principalFen: best.amountFen,
      termMonths: best.termMonths,
      rateAnnual: best.rateAnnual,
      method: best.method,
      fees: [],
    });
    expect(priced.status).toBe(200);
    const newCost = priced.body.totals.interestFen + priced.body.totals.feeFen;
    expect(best.newCostFen).toBe(newCost);
    expect(best.savingFen).toBe(loan.remainingCostFen - newCost);
    expect(best.savingFen).toBeGreaterThan(0);
    expect(best.apr.nominal).toBeLessThanOrEqual(0.24);
  });

  it('adds loans typed in by hand, with the income and prepayment given', async () => {
    const answer = await plan(me.token, {
      monthlyIncomeFen: 1_000_000,
      prepaymentFen: 50_000,
      loans: [
        {
          lender: '某网贷',
          principalOutstandingFen: 2_000_000,
          rateAnnual: 0.3,
          remainingTermMonths: 12,
          monthlyPaymentFen: 195_000,
        },
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.loans.map((l: { id: string }) => l.id)).toEqual(['manual-1', me.loanId]);
    expect(answer.body.avalanche).toMatchObject({
      loanId: 'manual-1',
      lender: '某网贷',
      prepaymentFen: 50_000,
    });
    expect(answer.body.monthlyIncomeFen).toBe(1_000_000);
    const query = await h.call(
      'GET',
      '/v1/borrower/plan?monthlyIncomeFen=2000000&prepaymentFen=1000',
      undefined,
      {
        key: me.token,
      },
    );
    expect(query.status).toBe(200);
    expect(query.body.avalanche.prepaymentFen).toBe(1000);
    expect(query.body.debtServiceRatio).toBeCloseTo(me.schedule[1]!.paymentFen / 2_000_000, 12);
  });

  it('refuses bad input with stable codes, never a 5xx', async () => {
    const good = {
      lender: 'x',
      principalOutstandingFen: 100_000,
      rateAnnual: 0.1,
      remainingTermMonths: 10,
      monthlyPaymentFen: 11_000,
    };
    const cases: Array<[unknown, number, string, string | undefined]> = [
      [
        { loans: [{ ...good, monthlyPaymentFen: 9_000 }] },
        422,
        'plan_loan_payments_below_principal',
        'loans.0.monthlyPaymentFen',
      ],
      [
        { loans: [good, { ...good, monthlyPaymentFen: 90_000 }] },
        422,
        'plan_loan_cost_too_high',
        'loans.1.monthlyPaymentFen',
      ],
      [{ loans: new Array(11).fill(good) }, 400, 'invalid_request', undefined],
      [{ loans: [{ ...good, principalOutstandingFen: 1.5 }] }, 400, 'invalid_request', undefined],
      [{ loans: [{ ...good, remainingTermMonths: 361 }] }, 400, 'invalid_request', undefined],
      [{ loans: [{ ...good, extra: 1 }] }, 400, 'invalid_request', undefined],
      [{ monthlyIncomeFen: -1 }, 400, 'invalid_request', undefined],
    ];
    for (const [body, status, code, field] of cases) {
      const answer = await plan(me.token, body);
      expect([answer.status, answer.body.error?.code], JSON.stringify(body).slice(0, 80)).toEqual([
        status,
        code,
      ]);
      if (field) expect(answer.body.error.field).toBe(field);
    }
    const badQuery = await h.call('GET', '/v1/borrower/plan?monthlyIncomeFen=1e6', undefined, {
      key: me.token,
    });
    expect(badQuery.status).toBe(400);
  });

  it("a borrower sees only their own plan; staff read any customer's; no key, another role: refused", async () => {
    const mine = (await plan(me.token)).body;
    const theirs = (await plan(other.token)).body;
    expect(theirs.loans.map((l: { id: string }) => l.id)).toEqual([other.loanId]);
    expect(mine.loans.map((l: { id: string }) => l.id)).not.toContain(other.loanId);
    expect((await h.call('GET', '/v1/borrower/plan', undefined, { key: null })).status).toBe(401);
    expect((await h.call('GET', '/v1/borrower/plan', undefined, { key: 'sjb_forged' })).status).toBe(401);
    expect((await h.call('GET', '/v1/borrower/plan')).status).toBe(403);
    const staff = await h.call('POST', `/v1/customers/${me.customerId}/plan`, {});
    expect(staff.status).toBe(200);
    expect(staff.body.loans.map((l: { id: string }) => l.id)).toEqual([me.loanId]);
    expect((await h.call('POST', '/v1/customers/cus_nobody/plan', {})).body.error.code).toBe('not_found');
    expect((await h.call('POST', `/v1/customers/${me.customerId}/plan`, {}, { key: me.token })).status).toBe(
      403,
    );
  });

  it('a borrower reports an unsolicited offer for themselves only', async () => {
    const report = {
      funderName: '某某银行',
      channel: 'call',
      contactedAt: new Date(h.clock.now().getTime() - 3_600_000).toISOString(),
      offered: '打电话推销利率更低的贷款',
    };
    const before = (await tableRows(h)).detection_evidence!;
    const mine = await h.call('POST', '/v1/borrower/reports', report, { key: me.token });
    expect(mine.status).toBe(201);
    expect(mine.body).toMatchObject({ kind: 'borrower-report' });
    const spoof = await h.call(
      'POST',
      '/v1/borrower/reports',
      { ...report, customerId: other.customerId },
      { key: me.token },
    );
    expect([spoof.status, spoof.body.error.code]).toEqual([404, 'detection_customer_not_found']);
    const staffWithout = await h.call('POST', '/v1/borrower/reports', report);
    expect([staffWithout.status, staffWithout.body.error.code]).toEqual([400, 'invalid_request']);
    expect((await tableRows(h)).detection_evidence).toBe(before + 1);
  });

  it('serves the portal page in zh-CN by default, English on request, under a strict CSP', async () => {
    const zh = await h.app.inject({ method: 'GET', url: '/portal' });
    expect(zh.statusCode).toBe(200);
    expect(zh.headers['content-type']).toContain('text/html');
    expect(zh.body).toContain('<html lang="zh-CN">');
    expect(zh.body).toContain('我的借款');
    expect(zh.headers['content-security-policy']).toContain("script-src 'self'");
    expect(zh.headers['referrer-policy']).toBe('no-referrer');
    const en = await h.app.inject({ method: 'GET', url: '/portal?lang=en' });
    expect(en.body).toContain('<html lang="en">');
    expect(en.body).toContain('My loans');
    expect((await h.app.inject({ method: 'GET', url: '/portal?lang=fr' })).statusCode).toBe(400);
    const script = await h.app.inject({ method: 'GET', url: '/portal/portal.js' });
    expect(script.headers['content-type']).toContain('text/javascript');
    expect(script.body).toContain('shoujia.borrowerToken');
    expect(script.body).not.toMatch(/\bimport\s|\brequire\(/);
    const css = await h.app.inject({ method: 'GET', url: '/portal/portal.css' });
    expect(css.headers['content-type']).toContain('text/css');
  });
});

// A borrower with a booked loan and a repayment, made through the real API: two funders (a dear one
// the loan is booked with, a cheap one the financing plan can suggest), the application, consent,
// choice, confirmation, the dear funder's signed repayment of installment 1, and a borrower token.
import { expect } from 'vitest';
import { signatureHeader } from '../../src/routing/signature.ts';
import { consentBody, TEST_CONTRACT } from '../routing/support.ts';
import { applicationBody, makeIdNumber } from './fixtures.ts';
import type { Harness } from './harness.ts';

export const PORTAL_FUNDERS = {
  // 18% a year with a monthly fee: the loan the borrower has
  'dear-bank': {
    secret: 'secret-of-dear-bank-01',
    rate: 0.18,
    fees: [{ kind: 'monthly', amountFen: 500, label: '账户管理费' }],
  },
  // 7.2% a year, no fee: what a consolidation can move them to
  'cheap-bank': { secret: 'secret-of-cheap-bank-1', rate: 0.072, fees: [] },
} as const;

/** The simulated funder approves everything at once (routing options for createHarness). */
export const APPROVE_ALL = {
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
};

export async function seedPortalFunders(h: Harness): Promise<Record<string, string>> {
  const keys: Record<string, string> = {};
  for (const [id, funder] of Object.entries(PORTAL_FUNDERS)) {
    const created = await h.call('POST', '/v1/funders', {
      id,
      name: id === 'dear-bank' ? '某某消费金融' : '某某银行',
      type: 'bank',
      licensedRegions: ['*'],
      webhookSecret: funder.secret,
      monthlyQuotaFen: 1_000_000_000,
    });
    expect(created.status).toBe(201);
    const product = await h.call('POST', `/v1/funders/${id}/products`, {
      id: `${id}-loan`,
      name: id,
      minAmountFen: 100_000,
      maxAmountFen: 10_000_000,
      termsMonths: [6, 12],
      rateAnnualMin: funder.rate,
      rateAnnualMax: funder.rate,
      methods: ['equal-installment'],
      fees: funder.fees,
      ageMin: 20,
      ageMax: 60,
      minScore: 0,
    });
    expect(product.status).toBe(201);
    const contract = await h.call('POST', `/v1/funders/${id}/contracts`, TEST_CONTRACT);
    expect(contract.status).toBe(201);
    keys[id] = (
      await h.services.access.issueKey(h.database.db, { role: 'funder', funderId: id, label: id })
    ).secret;
  }
  return keys;
}

export interface BookedBorrower {
  customerId: string;
  loanId: string;
  token: string;
  schedule: Array<{ paymentFen: number; balanceFen: number }>;
}

/** Book a 12-month loan with dear-bank for a new person, repay installment 1, issue a token. */
export async function bookedBorrower(
  h: Harness,
  funderKeys: Record<string, string>,
  person: number,
): Promise<BookedBorrower> {
  const submitted = await h.call(
    'POST',
    '/v1/applications',
    applicationBody({
      idNumber: makeIdNumber('310104', '19880521', String(person).padStart(3, '0')),
      phone: `138${String(person).padStart(8, '0')}`,
      amountFen: 3_000_000,
      termMonths: 12,
      score: 720,
    }),
    { headers: { 'idempotency-key': `portal-${person}` } },
  );
  expect(submitted.status).toBe(201);
  const id = submitted.body.id as string;
  expect((await h.call('POST', `/v1/applications/${id}/consents`, consentBody('dear-bank'))).status).toBe(
    201,
  );
  const chosen = await h.call('POST', `/v1/applications/${id}/choose`, { productId: 'dear-bank-loan' });
  expect(chosen.body.application?.status).toBe('approved');
  const booked = await h.call('POST', `/v1/applications/${id}/confirm`);
  expect(booked.status).toBe(201);
  const loan = booked.body as { id: string; customerId: string; schedule: BookedBorrower['schedule'] };
  // installment 1, paid by the funder's signed event a few days before it is due
  h.clock.set(new Date(h.clock.now().getTime() + 25 * 86_400_000));
  const raw = JSON.stringify({
    loanId: loan.id,
    repaymentId: `pay-${person}-1`,
    kind: 'installment',
    installmentNo: 1,
    amountFen: loan.schedule[0]!.paymentFen,
    paidAt: h.clock.now().toISOString(),
  });
  const paid = await h.call('POST', '/v1/funder/repayments', raw, {
    key: funderKeys['dear-bank']!,
    headers: { 'shoujia-signature': signatureHeader(PORTAL_FUNDERS['dear-bank'].secret, h.clock.now(), raw) },
  });
  expect(paid.status).toBe(201);
  return {
    customerId: loan.customerId,
    loanId: loan.id,
    token: await borrowerToken(h, loan.customerId),
    schedule: loan.schedule,
  };
}

/** A fresh borrower token (they are short-lived: issue one after moving the clock). */
export async function borrowerToken(h: Harness, customerId: string): Promise<string> {
  const token = await h.call('POST', '/v1/borrower-tokens', { customerId });
  expect(token.status).toBe(201);
  return token.body.token as string;
}

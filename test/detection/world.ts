// A small platform for detection's HTTP tests: a Shoujia on a fresh database (either engine) with
// funders that are real local HTTP servers (signed webhooks, test/routing/support.ts), and the
// steps of an ordinary application: submit, consent to one funder, choose its product (dispatch).
import { expect } from 'vitest';
import type { Engine } from '../support/engines.ts';
import { makeIdNumber } from '../support/fixtures.ts';
import { consentBody, type MockFunder, mockFunder, TEST_CONTRACT, testProduct } from '../routing/support.ts';
import { createHarness, type Harness } from '../support/harness.ts';

export const PRODUCT = testProduct;
const CONTRACT = TEST_CONTRACT;

export interface Applicant {
  name: string;
  idNumber: string;
  phone: string;
  employer: string;
  monthlyIncomeFen: number;
  amountFen: number;
  termMonths: number;
  score: number;
}

export interface World {
  h: Harness;
  funders: Map<string, MockFunder>;
  keys: Map<string, string>;
  submit(applicant: Applicant, key: string): Promise<{ id: string; customerId: string }>;
  /** consent to one funder and choose its product: the payload leaves for that funder */
  dispatch(applicationId: string, funderId: string): Promise<void>;
  close(): Promise<void>;
}

export async function createWorld(engine: Engine, funderIds: readonly string[]): Promise<World> {
  const h = await createHarness(engine, {
    services: { routing: { webhook: { timeoutMs: 2_000, maxAttempts: 2, backoffBaseMs: 10 } } },
  });
  const funders = new Map<string, MockFunder>();
  const keys = new Map<string, string>();
  for (const [i, id] of funderIds.entries()) {
    const mock = await mockFunder(h.clock, 'approve');
    funders.set(id, mock);
    const created = await h.call('POST', '/v1/funders', {
      id,
      name: id,
      type: 'bank',
      licensedRegions: ['*'],
      webhookUrl: mock.url,
      webhookSecret: mock.secret,
      monthlyQuotaFen: 100_000_000_000,
    });
    expect(created.status).toBe(201);
    expect(
      (await h.call('POST', `/v1/funders/${id}/products`, PRODUCT(`${id}-loan`, 0.08 + i / 100))).status,
    ).toBe(201);
    expect((await h.call('POST', `/v1/funders/${id}/contracts`, CONTRACT)).status).toBe(201);
    const key = await h.call('POST', '/v1/api-keys', { role: 'funder', funderId: id, label: id });
    keys.set(id, key.body.secret);
  }
  return {
    h,
    funders,
    keys,
    async submit(a, key) {
      const response = await h.call(
        'POST',
        '/v1/applications',
        {
          applicant: {
            name: a.name,
            idNumber: a.idNumber,
            phone: a.phone,
            employer: a.employer,
            monthlyIncomeFen: a.monthlyIncomeFen,
          },
          request: { amountFen: a.amountFen, termMonths: a.termMonths, purpose: '消费' },
          channel: 'app',
          score: a.score,
        },
        { headers: { 'idempotency-key': key } },
      );
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return { id: response.body.id, customerId: response.body.customerId };
    },
    async dispatch(applicationId, funderId) {
      const consent = await h.call(
        'POST',
        `/v1/applications/${applicationId}/consents`,
        consentBody(funderId),
      );
      expect(consent.status, JSON.stringify(consent.body)).toBe(201);
      const chosen = await h.call('POST', `/v1/applications/${applicationId}/choose`, {
        productId: `${funderId}-loan`,
      });
      expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
    },
    async close() {
      await h.close();
      for (const mock of funders.values()) await mock.close();
    },
  };
}

/** A synthetic applicant; `n` picks the ID number's sequence so every one is a distinct person. */
export function applicant(n: number, overrides: Partial<Applicant> = {}): Applicant {
  return {
    name: '李四',
    idNumber: makeIdNumber('310104', '19880521', String(100 + n).padStart(3, '0')),
    phone: `139${String(10_000_000 + n).slice(-8)}`,
    employer: '某某科技有限公司',
    monthlyIncomeFen: 1_500_000,
    amountFen: 2_000_000,
    termMonths: 12,
    score: 760,
    ...overrides,
  };
}

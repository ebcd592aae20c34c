// Data for the dashboard's browser tests, made through the real API on a harness: the demo
// catalogue (as `shoujia demo` seeds it), applications submitted and routed, some chosen, approved
// or declined by the simulated funder, some booked; the ledger integrated to a signed checkpoint;
// an analyst key; and a careful poacher flagged through detection's real path (flagPoacher).
// When the live demo market lands (src/demo), replace flagPoacher with a run of that market: the
// test only needs `poacherId` and the level it reached.
import { expect } from 'vitest';
import { seedDemoCatalog } from '../../src/catalog/demo.ts';
import { consentBody } from '../routing/support.ts';
import { applicationBody, makeIdNumber } from './fixtures.ts';
import type { Harness } from './harness.ts';

/** Decisions that depend on the applicant's score, with no transport errors (routing options). */
export const SCORE_DRIVEN_FUNDER = {
  simulatedFunder: {
    midpointScore: 640,
    scoreScale: 25,
    maxApprovalRate: 0.95,
    latencyMs: 0,
    errorRate: 0,
    timeoutRate: 0,
    pendingRate: 0,
    seed: 17,
  },
};

/** The demo funder the poacher scenario dedicates its canary to (a bank licensed everywhere). */
export const POACHER_ID = 'webank-micro';
const APPLICATIONS = 12;

export interface DashboardData {
  analystKey: string;
  applicationIds: string[];
  /** an application that was routed, shared with a funder and has ledger entries */
  sharedApplicationId: string;
  poacherId: string;
  poacherLevel: string;
}

interface Offer {
  funderId: string;
  productId: string;
}

async function submit(h: Harness, n: number, score: number): Promise<{ id: string; customerId: string }> {
  const response = await h.call(
    'POST',
    '/v1/applications',
    applicationBody({
      idNumber: makeIdNumber('310104', '19880521', String(200 + n).padStart(3, '0')),
      phone: `1370000${String(1000 + n).slice(-4)}`,
      amountFen: 1_000_000 + n * 100_000,
      termMonths: 12,
      score,
    }),
    { headers: { 'idempotency-key': `dashboard-${n}` } },
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return { id: response.body.id, customerId: response.body.customerId };
}

async function offers(h: Harness, id: string): Promise<Offer[]> {
  const answer = await h.call('GET', `/v1/applications/${id}/offers`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.offers as Offer[];
}

/** Consent to the offer's funder and choose its product: the application leaves for that funder. */
async function dispatch(h: Harness, id: string, offer: Offer): Promise<string> {
  const consent = await h.call('POST', `/v1/applications/${id}/consents`, consentBody(offer.funderId));
  expect(consent.status, JSON.stringify(consent.body)).toBe(201);
  const chosen = await h.call('POST', `/v1/applications/${id}/choose`, { productId: offer.productId });
  expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
  return chosen.body.application?.status as string;
}

export async function seedDashboardData(h: Harness): Promise<DashboardData> {
  await h.services.units.run((unit) => seedDemoCatalog(unit, h.services.catalog));
  const applicationIds: string[] = [];
  let sharedApplicationId: string | undefined;
  for (let n = 0; n < APPLICATIONS; n++) {
    h.clock.advance(37 * 60_000);
    // scores across the simulated funder's midpoint: approvals and declines both
    const { id } = await submit(h, n, 560 + ((n * 47) % 220));
    applicationIds.push(id);
    if (n % 4 === 3) continue; // left at `offered`
    const [best] = await offers(h, id);
    if (!best) continue;
    const status = await dispatch(h, id, best);
    sharedApplicationId ??= id;
    if (status === 'approved' && n % 2 === 0) {
      const booked = await h.call('POST', `/v1/applications/${id}/confirm`);
      expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    }
  }
  expect(sharedApplicationId, 'no application was routed to any funder').toBeDefined();
  const flagged = await flagPoacher(h, POACHER_ID);
  await h.services.ledger.integrate();
  const analyst = await h.call('POST', '/v1/api-keys', { role: 'analyst', label: 'dashboard browser test' });
  expect(analyst.status).toBe(201);
  return {
    analystKey: analyst.body.secret,
    applicationIds,
    sharedApplicationId: sharedApplicationId!,
    poacherId: POACHER_ID,
    poacherLevel: flagged,
  };
}

/**
 * The article's careful poacher, caught by the canary program (ADR 0077): a canary borrower is
 * registered, placed with this one funder, applies like anyone else and is shared with it; a
 * marketing call then reaches the canary's contact point, which only that funder had; rescoring
 * fuses the attributable contact into a level. Returns the level the funder reached.
 */
export async function flagPoacher(h: Harness, funderId: string): Promise<string> {
  const canaryPerson = await submit(h, 90, 760);
  const registered = await h.call('POST', '/v1/canaries', {
    customerId: canaryPerson.customerId,
    band: 'A',
    employerIsPlatformOrPartner: false,
    contactPoints: [{ channel: 'phone', address: '13700001090' }],
  });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  const month = h.clock.now().toISOString().slice(0, 7);
  const budget = await h.call('PUT', `/v1/canaries/budgets/${month}`, {
    budgetFen: 100_000,
    costPerPlacementFen: 30_000,
  });
  expect(budget.status, JSON.stringify(budget.body)).toBe(200);
  const plan = await h.call('POST', '/v1/canaries/plan', {
    month,
    seed: 3,
    funders: [{ funderId, flowWeight: 1000 }],
  });
  expect(plan.status, JSON.stringify(plan.body)).toBe(201);
  expect(plan.body.placements.map((p: { funderId: string }) => p.funderId)).toEqual([funderId]);
  const offer = (await offers(h, canaryPerson.id)).find((o) => o.funderId === funderId);
  expect(offer, `no offer from ${funderId} for the canary`).toBeDefined();
  await dispatch(h, canaryPerson.id, offer!);
  h.clock.advance(3 * 3_600_000);
  const contact = await h.call('POST', `/v1/canaries/${registered.body.id}/contacts`, {
    sourceId: 'dashboard-call-1',
    channel: 'call',
    contactPoint: '137 0000 1090',
    occurredAt: h.clock.now().toISOString(),
    category: 'marketing',
    summary: '自称银行客户经理，推销低息贷款，要求绕开平台办理',
  });
  expect(contact.status, JSON.stringify(contact.body)).toBe(201);
  expect(contact.body).toMatchObject({ attributed: true, funderId });
  const rescored = await h.call('POST', '/v1/detection/rescore', {});
  expect(rescored.status, JSON.stringify(rescored.body)).toBe(200);
  const level = await h.call('GET', `/v1/funders/${funderId}/detection-level`);
  expect(level.status).toBe(200);
  expect(level.body.level).not.toBe('none');
  return level.body.level as string;
}

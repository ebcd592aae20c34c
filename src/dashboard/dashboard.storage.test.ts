// The dashboard's reads on both engines (ADR 0101), against a fixture built row by row so every
// expected number below is counted by hand from the rows in `seed` (each comment says which):
// day boundaries at Asia/Shanghai midnight (16:00 UTC the day before), a funder with no activity at
// all (every rate null, its peer the other two pooled), leave-one-out peers, and the rows each rate
// must leave out (prescreen shares, timeouts, explained evidence, penalties, outside the window).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/support/engines.ts';
import { createHarness, type Harness } from '../../test/support/harness.ts';
import { funders } from '../catalog/schema.ts';
import { detectionEvidence, detectionLevelChanges, detectionLevels } from '../detection/schema.ts';
import { customers } from '../identity/schema.ts';
import { applicationEvents, applications, bookedLoans } from '../intake/schema.ts';
import { routingDispatches, routingFunderSettings } from '../routing/schema.ts';
import { settlementPostings } from '../settlement/schema.ts';
import { shares } from '../sharing/schema.ts';

const at = (iso: string) => new Date(iso);

async function seed(h: Harness): Promise<void> {
  const db = h.database.db;
  const now = at('2026-03-25T00:00:00Z');
  await db.insert(funders).values(
    ['fa', 'fb', 'fc'].map((id) => ({
      id,
      name: `资方 ${id}`,
      type: 'bank',
      status: 'active',
      licensedRegions: ['*'],
      transport: 'direct',
      createdAt: now,
      updatedAt: now,
    })),
  );
  await db.insert(customers).values(
    [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => ({
      id: `c${n}`,
      customerKey: `key-${n}`,
      nameEnc: 'x',
      idNumberEnc: 'x',
      phoneEnc: 'x',
      phoneKey: `phone-${n}`,
      birthDate: '1990-01-01',
      gender: 'female',
      regionCode: '110105',
      createdAt: now,
      updatedAt: now,
    })),
  );
  // Submitted (Shanghai day): a1 02-28 23:59:59.999 (out), a2 03-01 00:00 and a3 03-01 18:00,
  // a4 03-02 00:30, a5 03-03 23:59:59, a6 03-04 00:00 (out). Statuses are where they ended.
  const apps: Array<[string, string, string, string | null]> = [
    ['a1', '2026-02-28T15:59:59.999Z', 'approved', 'fb'],
    ['a2', '2026-02-28T16:00:00.000Z', 'booked', 'fa'],
    ['a3', '2026-03-01T10:00:00.000Z', 'abandoned', 'fa'],
    ['a4', '2026-03-01T16:30:00.000Z', 'approved', 'fb'],
    ['a5', '2026-03-03T15:59:59.000Z', 'expired', 'fa'],
    ['a6', '2026-03-03T16:00:00.000Z', 'offered', null],
  ];
  await db.insert(applications).values(
    apps.map(([id, created, status, funderId], i) => ({
      id,
      customerId: `c${i + 1}`,
      status,
      amountFen: 1_000_000,
      termMonths: 12,
      purpose: '消费',
      channel: 'app',
      monthlyIncomeFen: 1_500_000,
      score: 700,
      funderId,
      productId: funderId ? `${funderId}-loan` : null,
      createdAt: at(created),
      updatedAt: at(created),
    })),
  );
  // Approvals (Shanghai day): a2 03-01, a3 03-02 (01:00), a4 03-02, a5 03-03 23:59:59.999; a1 02-28 (out).
  const approvals: Array<[string, string]> = [
    ['a1', '2026-02-28T15:00:00Z'],
    ['a2', '2026-03-01T01:00:00Z'],
    ['a3', '2026-03-01T17:00:00Z'],
    ['a4', '2026-03-02T02:00:00Z'],
    ['a5', '2026-03-03T15:59:59.999Z'],
  ];
  await db.insert(applicationEvents).values([
    ...approvals.map(([applicationId, when]) => ({
      applicationId,
      fromStatus: 'sent',
      toStatus: 'approved',
      reason: null,
      at: at(when),
    })),
    // other moves never count as approvals
    {
      applicationId: 'a2',
      fromStatus: 'approved',
      toStatus: 'confirmed',
      reason: null,
      at: at('2026-03-01T02:00Z'),
    },
    {
      applicationId: 'a3',
      fromStatus: 'approved',
      toStatus: 'abandoned',
      reason: null,
      at: at('2026-03-02T02:00Z'),
    },
  ]);
  // Funders' decisions by decided_at: fa approves a2, a3, a5, a4 (superseded) and declines a1: 4 / 5;
  // fb approves a4, declines a2 and a3: 1 / 3. Left out: fa's timeout, fb's approval at 03-04 00:00.
  const dispatches: Array<[string, string, string, string]> = [
    ['fa', 'a2', 'approved', '2026-03-01T01:00:00Z'],
    ['fa', 'a3', 'approved', '2026-03-01T17:00:00Z'],
    ['fa', 'a5', 'approved', '2026-03-03T15:59:59.999Z'],
    ['fa', 'a4', 'superseded', '2026-03-02T01:00:00Z'],
    ['fa', 'a1', 'declined', '2026-03-02T00:00:00Z'],
    ['fa', 'a6', 'timeout', '2026-03-02T00:00:00Z'],
    ['fb', 'a4', 'approved', '2026-03-02T02:00:00Z'],
    ['fb', 'a2', 'declined', '2026-03-01T00:30:00Z'],
    ['fb', 'a3', 'declined', '2026-02-28T16:00:00Z'],
    ['fb', 'a5', 'approved', '2026-03-03T16:00:00Z'],
  ];
  await db.insert(routingDispatches).values(
    dispatches.map(([funderId, applicationId, status, decided], i) => ({
      id: `d${i}`,
      applicationId,
      funderId,
      productId: `${funderId}-loan`,
      adapter: 'webhook',
      status,
      band: 'A',
      createdAt: at(decided),
      decidedAt: at(decided),
    })),
  );
  // Exposures (application stage) in the window: fa 3, fb 2. Left out: fa's prescreen share, fa's
  // share at 03-04 00:00.
  const exposed: Array<[string, string, string, string]> = [
    ['fa', 'a2', 'application', '2026-02-28T16:00:00Z'],
    ['fa', 'a3', 'application', '2026-03-01T11:00:00Z'],
    ['fa', 'a5', 'application', '2026-03-03T15:59:59.999Z'],
    ['fa', 'a4', 'prescreen', '2026-03-02T00:00:00Z'],
    ['fa', 'a6', 'application', '2026-03-03T16:00:00Z'],
    ['fb', 'a4', 'application', '2026-03-01T17:00:00Z'],
    ['fb', 'a2', 'application', '2026-03-01T00:00:00Z'],
  ];
  await db.insert(shares).values(
    exposed.map(([funderId, applicationId, stage, sharedAt], i) => ({
      id: `s${i}`,
      funderId,
      customerId: 'c1',
      applicationId,
      stage,
      customerRef: 'ref',
      applicationRef: `aref${i}`,
      fields: ['amountFen' as const],
      payloadHash: 'h',
      consentId: 'cons',
      policyVersion: 1,
      exposureEntryId: `led_${i}`,
      sharedAt: at(sharedAt),
    })),
  );
  // Loans (Shanghai day): l1 c2/fa 03-01; l2 c7/fa 03-02 (c7's first was l0 with fb on 02-20: not a
  // first); l3 c8/fb 03-02, c8 again with fa on 03-20 (l4, after the window: still a repeat);
  // l5 and l6 c9/fa in the same instant on 03-03, l5 first by id, so l6 is c9's repeat.
  // Bookings per day: 03-01 1, 03-02 2, 03-03 2. First borrowers: fa {c2, c9} (c9 again), fb {c8} (again).
  const loans: Array<[string, string, string, string]> = [
    ['l0', 'c7', 'fb', '2026-02-20T03:00:00Z'],
    ['l1', 'c2', 'fa', '2026-03-01T03:00:00Z'],
    ['l2', 'c7', 'fa', '2026-03-02T05:00:00Z'],
    ['l3', 'c8', 'fb', '2026-03-02T06:00:00Z'],
    ['l4', 'c8', 'fa', '2026-03-20T06:00:00Z'],
    ['l5', 'c9', 'fa', '2026-03-03T08:00:00Z'],
    ['l6', 'c9', 'fa', '2026-03-03T08:00:00Z'],
  ];
  await db.insert(bookedLoans).values(
    loans.map(([id, customerId, funderId, bookedAt]) => ({
      applicationId: `app-${id}`,
      id,
      customerId,
      funderId,
      productId: `${funderId}-loan`,
      principalFen: 1_000_000,
      termMonths: 12,
      rateAnnual: 0.1,
      method: 'equal-installment',
      aprNominal: 0.1,
      aprEffective: 0.104,
      schedule: [],
      totals: {},
      bookedAt: at(bookedAt),
    })),
  );
  // Service-fee postings: 3,000 fen on 03-02 (23:59:59), 1,500 fen on 03-03 (00:00). A penalty is no fee.
  const postings: Array<[string, string, number, string]> = [
    ['p1', 'service-fee', 3_000, '2026-03-02T15:59:59Z'],
    ['p2', 'service-fee', 1_500, '2026-03-02T16:00:00Z'],
    ['p3', 'penalty', 99_999, '2026-03-02T10:00:00Z'],
  ];
  await db.insert(settlementPostings).values(
    postings.map(([id, kind, fen, created], i) => ({
      id,
      statementId: 'st1',
      funderId: 'fa',
      lineNo: i + 1,
      kind: kind as 'service-fee' | 'penalty',
      source: `src-${id}`,
      customerId: null,
      customerRef: null,
      loanId: null,
      amountFen: fen,
      accounts: ['funder/fa/receivable', `funder/fa/${kind}-income`],
      amountsFen: [fen, -fen],
      memo: {},
      createdAt: at(created),
    })),
  );
  // fa: none → watch on 02-25 (before the window), watch → suspect on 03-02 (18:00 Shanghai).
  await db.insert(detectionLevelChanges).values([
    {
      id: 'lc1',
      funderId: 'fa',
      fromLevel: 'none',
      level: 'watch',
      reasons: [],
      actor: 'analyst:test',
      at: at('2026-02-25T00:00:00Z'),
    },
    {
      id: 'lc2',
      funderId: 'fa',
      fromLevel: 'watch',
      level: 'suspect',
      reasons: [],
      actor: 'analyst:test',
      at: at('2026-03-02T10:00:00Z'),
    },
  ]);
  await db.insert(detectionLevels).values({
    funderId: 'fa',
    level: 'suspect',
    changeId: 'lc2',
    changedAt: at('2026-03-02T10:00:00Z'),
  });
  // Attributed evidence of fa in the window: 2. Left out: explained, outside the window, unattributed.
  const evidence: Array<[string, string | null, string, string]> = [
    ['e1', 'fa', 'attributed', '2026-03-01T05:00:00Z'],
    ['e2', 'fa', 'attributed', '2026-03-03T15:00:00Z'],
    ['e3', 'fa', 'explained', '2026-03-02T05:00:00Z'],
    ['e4', 'fa', 'attributed', '2026-03-03T16:00:00Z'],
    ['e5', null, 'unattributed', '2026-03-02T05:00:00Z'],
  ];
  await db.insert(detectionEvidence).values(
    evidence.map(([id, funderId, status, occurred]) => ({
      id,
      kind: 'relay-contact' as const,
      funderId,
      customerId: 'c1',
      occurredAt: at(occurred),
      recordedAt: at(occurred),
      source: `source-${id}`,
      proves: 'test',
      detail: {},
      exposureEntryId: null,
      status: status as 'attributed',
    })),
  );
  await db.insert(routingFunderSettings).values({ funderId: 'fa', trust: 0.8, updatedAt: now });
}

describe.each(ENGINES)('dashboard reads on %s', (engine) => {
  let h: Harness;
  let analyst: string;
  beforeAll(async () => {
    h = await createHarness(engine, { start: '2026-03-25T00:00:00Z' });
    analyst = (await h.services.access.issueKey(h.database.db, { role: 'analyst', label: 'a' })).secret;
    await seed(h);
  });
  afterAll(() => h?.close());
  const get = (url: string) => h.call('GET', url, undefined, { key: analyst });

  it('the overview counts each day from Asia/Shanghai midnight, every day present', async () => {
    const answer = await get('/v1/dashboard/overview?from=2026-03-01&to=2026-03-04');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      days: [
        { date: '2026-03-01', applications: 2, approvals: 1, bookings: 1, feeIncomeFen: 0 },
        { date: '2026-03-02', applications: 1, approvals: 2, bookings: 2, feeIncomeFen: 3_000 },
        { date: '2026-03-03', applications: 1, approvals: 1, bookings: 2, feeIncomeFen: 1_500 },
        { date: '2026-03-04', applications: 1, approvals: 0, bookings: 0, feeIncomeFen: 0 },
      ],
      totals: { applications: 5, approvals: 4, bookings: 5, feeIncomeFen: 4_500 },
    });
    // the day before: a1 (23:59:59.999) and a1's approval, nothing booked
    expect((await get('/v1/dashboard/overview?from=2026-02-28&to=2026-02-28')).body.totals).toEqual({
      applications: 1,
      approvals: 1,
      bookings: 0,
      feeIncomeFen: 0,
    });
    // default: the 30 days ending today (the clock's 03-25), zeros included
    const fallback = await get('/v1/dashboard/overview');
    expect(fallback.body.days).toHaveLength(30);
    expect(fallback.body.days[0].date).toBe('2026-02-24');
    expect(fallback.body.days.at(-1)).toEqual({
      date: '2026-03-25',
      applications: 0,
      approvals: 0,
      bookings: 0,
      feeIncomeFen: 0,
    });
  });

  it('funder rates against leave-one-out peers, null on a zero denominator', async () => {
    const answer = await get('/v1/dashboard/funders?from=2026-03-01&to=2026-03-03');
    expect(answer.status).toBe(200);
    const [fa, fb, fc] = answer.body.funders;
    expect(fa).toEqual({
      funderId: 'fa',
      name: '资方 fa',
      exposures: 3,
      approvalRate: 4 / 5,
      confirmationRate: 1 / 3,
      abandonmentRate: 2 / 3,
      repeatBorrowingRate: 1 / 2,
      // fb alone (fc has nothing)
      peer: { approvalRate: 1 / 3, confirmationRate: 0, abandonmentRate: 0, repeatBorrowingRate: 1 },
      level: 'suspect',
      trust: 0.8,
      evidenceCount: 2,
      scoreTrend: [
        { date: '2026-03-01', score: 1, level: 'watch' },
        { date: '2026-03-02', score: 2, level: 'suspect' },
      ],
    });
    expect(fb).toEqual({
      funderId: 'fb',
      name: '资方 fb',
      exposures: 2,
      approvalRate: 1 / 3,
      confirmationRate: 0,
      abandonmentRate: 0,
      repeatBorrowingRate: 1,
      peer: {
        approvalRate: 4 / 5,
        confirmationRate: 1 / 3,
        abandonmentRate: 2 / 3,
        repeatBorrowingRate: 1 / 2,
      },
      level: 'none',
      trust: 1,
      evidenceCount: 0,
      scoreTrend: [{ date: '2026-03-01', score: 0, level: 'none' }],
    });
    // no activity: every own rate null; its peers are fa and fb pooled (numerators and denominators)
    expect(fc).toMatchObject({
      exposures: 0,
      approvalRate: null,
      confirmationRate: null,
      abandonmentRate: null,
      repeatBorrowingRate: null,
      peer: {
        approvalRate: 5 / 8,
        confirmationRate: 1 / 4,
        abandonmentRate: 2 / 4,
        repeatBorrowingRate: 2 / 3,
      },
    });
  });

  it('a window with nothing in it: every rate null, every count 0', async () => {
    const answer = await get('/v1/dashboard/funders?from=2025-01-01&to=2025-01-31');
    for (const funder of answer.body.funders) {
      expect(funder.exposures).toBe(0);
      expect(funder.evidenceCount).toBe(0);
      for (const rates of [funder, funder.peer])
        for (const name of ['approvalRate', 'confirmationRate', 'abandonmentRate', 'repeatBorrowingRate'])
          expect(rates[name], `${funder.funderId} ${name}`).toBeNull();
    }
  });
});

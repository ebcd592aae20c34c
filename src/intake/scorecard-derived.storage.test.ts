// The rows migration 0019's triggers derive for the funders page (ADR 0104), on both engines, against
// a reference computed here from the same loans: each customer's first loan by (booked_at, id) and
// the next one's time, whatever order loans arrive in (seeded shuffles, ties in the same instant,
// a loan earlier than the recorded first); an application's approval time from its history.
import { asc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/support/engines.ts';
import { createHarness, type Harness } from '../../test/support/harness.ts';
import { customers } from '../identity/schema.ts';
import { applicationEvents, applications, customerFirstLoans } from './schema.ts';
import { insertLoan } from './store.ts';

const CUSTOMERS = 12;
const LOANS = 60;
const SEED = Number(process.env.SHOUJIA_TEST_SEED ?? 1717);

/** mulberry32: the seed prints with a failure, and SHOUJIA_TEST_SEED replays it */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Loan {
  id: string;
  customerId: string;
  funderId: string;
  bookedAt: Date;
}

/** The definition itself: order by (booked_at, id); the first, and the second's time. */
function reference(loans: Loan[]) {
  const byCustomer = new Map<string, Loan[]>();
  for (const loan of loans)
    byCustomer.set(loan.customerId, [...(byCustomer.get(loan.customerId) ?? []), loan]);
  return [...byCustomer.entries()]
    .map(([customerId, own]) => {
      own.sort(
        (a, b) => a.bookedAt.getTime() - b.bookedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      );
      return {
        customerId,
        loanId: own[0]!.id,
        funderId: own[0]!.funderId,
        bookedAt: own[0]!.bookedAt,
        repeatAt: own[1]?.bookedAt ?? null,
      };
    })
    .sort((a, b) => (a.customerId < b.customerId ? -1 : 1));
}

describe.each(ENGINES)('derived scorecard rows on %s', (engine) => {
  let h: Harness;

  beforeAll(async () => {
    h = await createHarness(engine);
    const now = h.clock.now();
    await h.database.db.insert(customers).values(
      Array.from({ length: CUSTOMERS }, (_, i) => ({
        id: `c${String(i).padStart(2, '0')}`,
        customerKey: `k${i}`,
        nameEnc: 'x',
        idNumberEnc: 'x',
        phoneEnc: 'x',
        phoneKey: `p${i}`,
        birthDate: '1990-01-01',
        gender: 'male',
        regionCode: '110105',
        createdAt: now,
        updatedAt: now,
      })),
    );
  });
  afterAll(async () => {
    await h?.close();
  });

  it(`customer_first_loans is the first loan and the next one's time, in any arrival order (seed ${SEED})`, async () => {
    const next = random(SEED);
    const base = Date.parse('2026-03-01T00:00:00Z');
    // few distinct instants, so ties on booked_at (broken by id) are common
    const loans: Loan[] = Array.from({ length: LOANS }, (_, i) => ({
      id: `loan-${String(Math.floor(next() * 1e6)).padStart(6, '0')}-${i}`,
      customerId: `c${String(Math.floor(next() * CUSTOMERS)).padStart(2, '0')}`,
      funderId: `f${Math.floor(next() * 4)}`,
      bookedAt: new Date(base + Math.floor(next() * 8) * 3_600_000),
    }));
    // arrival order: shuffled, so later loans often arrive before earlier ones
    const arrival = [...loans].sort(() => next() - 0.5);
    for (const loan of arrival) {
      const inserted = await insertLoan(h.database.db, {
        applicationId: `app-${loan.id}`,
        id: loan.id,
        customerId: loan.customerId,
        funderId: loan.funderId,
        productId: 'prd',
        principalFen: 100_000,
        termMonths: 12,
        rateAnnual: 0.12,
        method: 'equal-installment',
        aprNominal: 0.12,
        aprEffective: 0.1268,
        schedule: [],
        totals: {},
        bookedAt: loan.bookedAt,
      });
      expect(inserted).toBe(true);
    }
    const rows = await h.database.db
      .select()
      .from(customerFirstLoans)
      .orderBy(asc(customerFirstLoans.customerId));
    expect(rows, `seed ${SEED}`).toEqual(reference(loans));
  });

  it("an application's approved_at is its approval event's time, and only that event's", async () => {
    const now = h.clock.now();
    await h.database.db.insert(applications).values(
      ['a-approved', 'a-declined'].map((id) => ({
        id,
        customerId: 'c00',
        status: 'sent',
        amountFen: 100_000,
        termMonths: 12,
        purpose: '消费',
        channel: 'app',
        monthlyIncomeFen: 1_000_000,
        score: 700,
        funderId: 'f1',
        productId: null,
        createdAt: now,
        updatedAt: now,
      })),
    );
    const event = (applicationId: string, toStatus: string, iso: string) => ({
      applicationId,
      fromStatus: 'sent',
      toStatus,
      reason: null,
      at: new Date(iso),
    });
    await h.database.db
      .insert(applicationEvents)
      .values([
        event('a-approved', 'approved', '2026-03-02T01:00:00Z'),
        event('a-approved', 'confirmed', '2026-03-02T05:00:00Z'),
        event('a-declined', 'declined', '2026-03-02T01:00:00Z'),
      ]);
    const rows = await h.database.db
      .select({ id: applications.id, approvedAt: applications.approvedAt })
      .from(applications)
      .orderBy(asc(applications.id));
    expect(rows).toEqual([
      { id: 'a-approved', approvedAt: new Date('2026-03-02T01:00:00Z') },
      { id: 'a-declined', approvedAt: null },
    ]);
  });
});

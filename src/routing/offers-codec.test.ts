// Stored offers: the compact text decodes to exactly the offers decided (fees included), and rows
// written in the earlier format (full objects) still read.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../kernel/index.ts';
import { quote } from '../pricing/index.ts';
import { compileRoutingTable, decide } from './decide.ts';
import { DEFAULT_ROUTING_CONFIG } from './defaults.ts';
import type { QuoteFunction } from './model.ts';
import { decodeOffers, encodeOffers } from './offers-codec.ts';
import { randomApplicant, randomCatalog, randomFunderStates } from './testing.ts';

const pricing: QuoteFunction = (request) => quote(request, { schedule: false });

describe('stored offers', () => {
  const catalog = randomCatalog(7, 20, 6);
  const table = compileRoutingTable(catalog, DEFAULT_ROUTING_CONFIG, pricing);
  const feesOf = new Map(catalog.products.map((p) => [p.id, p.fees]));
  const random = new SeededRandom(11);
  const states = randomFunderStates(random, catalog.funders);

  /** the applicant with the most offers among 200 random ones */
  function rich() {
    let best: { applicant: ReturnType<typeof randomApplicant>; decision: ReturnType<typeof decide> } | null =
      null;
    for (let i = 0; i < 200; i++) {
      const applicant = randomApplicant(random);
      const decision = decide(table, { applicant, funderStates: states, lastFunderId: null, seed: i });
      if (!best || decision.offers.length > best.decision.offers.length) best = { applicant, decision };
    }
    return best!;
  }

  it('decode(encode(offers)) is the offers as decided, with each product fee schedule', () => {
    let offersSeen = 0;
    for (let i = 0; i < 300; i++) {
      const applicant = randomApplicant(random);
      const decision = decide(table, { applicant, funderStates: states, lastFunderId: null, seed: i });
      const text = encodeOffers(decision.offers, applicant, (id) => feesOf.get(id) ?? []);
      const expected = decision.offers.map(({ totals: _totals, ...offer }) => ({
        ...offer,
        fees: feesOf.get(offer.productId) ?? [],
      }));
      // toStrictEqual on floats is bit equality: nominal and effective are recomputed from the period rate
      expect(decodeOffers(text, applicant)).toStrictEqual(expected);
      // the same key order as the objects it replaces (the API serves them as they come)
      expect(JSON.stringify(decodeOffers(text, applicant))).toBe(JSON.stringify(expected));
      offersSeen += decision.offers.length;
    }
    expect(offersSeen).toBeGreaterThan(300);
  });

  it('is much smaller than the objects it replaces', () => {
    const { applicant, decision } = rich();
    expect(decision.offers.length).toBeGreaterThan(3);
    const compact = encodeOffers(decision.offers, applicant, (id) => feesOf.get(id) ?? []);
    const objects = JSON.stringify(
      decision.offers.map(({ totals: _t, ...offer }) => ({
        ...offer,
        fees: feesOf.get(offer.productId) ?? [],
      })),
    );
    expect(compact.length).toBeLessThan(objects.length * 0.6);
  });

  it('reads rows written before the compact format', () => {
    const old = [
      {
        rank: 1,
        productId: 'p1',
        funderId: 'f1',
        amountFen: 100_000,
        termMonths: 12,
        rateAnnual: 0.1,
        method: 'equal-installment',
        apr: { periodRate: 0.008, nominal: 0.096, effective: 0.1 },
        serviceFeeFen: 0,
        approvalLikelihood: 0.6,
        rankingCostAnnual: 0.096,
        fees: [],
      },
    ];
    expect(decodeOffers(JSON.stringify(old), { amountFen: 0, termMonths: 0 })).toStrictEqual(old);
  });

  it('refuses offers that are not in rank order or lend another amount (a bug upstream)', () => {
    const { applicant, decision } = rich();
    expect(decision.offers.length).toBeGreaterThan(1);
    const swapped = [decision.offers[1]!, decision.offers[0]!];
    expect(() => encodeOffers(swapped, applicant, () => [])).toThrow(/rank order/);
    expect(() => encodeOffers(decision.offers, { ...applicant, amountFen: 1 }, () => [])).toThrow(/lends/);
  });
});

// The levers of ADR 0073 at the routing level: a month of top-band applications through decide(),
// the borrower taking the best offer, used counted at dispatch and flow by recordFlow, as the
// simulator does. Lowering one funder's trust must move the platform's best customers elsewhere.
import { describe, expect, it } from 'vitest';
import { quote } from '../pricing/index.ts';
import { compileRoutingTable, decide } from './decide.ts';
import { DEFAULT_ROUTING_CONFIG } from './defaults.ts';
import { recordFlow } from './eligibility.ts';
import type {
  ApplicantFeatures,
  FunderState,
  QuoteFunction,
  RoutingFunder,
  RoutingProduct,
} from './model.ts';

const pricing: QuoteFunction = (request) => quote(request, { schedule: false });

const funder = (id: string): RoutingFunder => ({
  id,
  status: 'active',
  licensedRegions: ['*'],
  monthlyQuotaFen: null,
  serviceFee: { basis: 'disbursed', rate: 0.03 },
});
/** `cheap` prices lowest, so without budgets it would take every customer. */
const product = (funderId: string, rateAnnual: number): RoutingProduct => ({
  id: `${funderId}-p`,
  funderId,
  status: 'active',
  minAmountFen: 100_000,
  maxAmountFen: 10_000_000,
  termsMonths: [12],
  rateAnnualMin: rateAnnual,
  rateAnnualMax: rateAnnual,
  methods: ['equal-installment'],
  fees: [],
  ageMin: 22,
  ageMax: 55,
  minScore: 300,
});
const applicant = (score: number): ApplicantFeatures => ({
  ageYears: 30,
  regionCode: '310104',
  amountFen: 2_000_000,
  termMonths: 12,
  monthlyIncomeFen: 1_500_000,
  employerType: 'private',
  score,
});

type MutableState = FunderState & {
  exposureUsedByBand: Record<string, number>;
  flowByBand: Record<string, number>;
};

/** Who got the customers of `months` months of `perMonth` applications at `score`, and how many were declined. */
function market(trustOfCheap: number, score: number, perMonth = 300, months = 2) {
  const ids = ['cheap', 'mid', 'dear'];
  const table = compileRoutingTable(
    {
      funders: ids.map(funder),
      products: [product('cheap', 0.1), product('mid', 0.11), product('dear', 0.12)],
    },
    DEFAULT_ROUTING_CONFIG,
    pricing,
  );
  const states = new Map<string, MutableState>(
    ids.map((id) => [
      id,
      { monthlyUsedFen: 0, exposureUsedByBand: {}, flowByBand: {}, trust: id === 'cheap' ? trustOfCheap : 1 },
    ]),
  );
  const shared: Record<string, number> = { cheap: 0, mid: 0, dear: 0, declined: 0 };
  for (let month = 0; month < months; month++) {
    for (const state of states.values()) {
      state.exposureUsedByBand = {};
      state.flowByBand = {};
    }
    for (let k = 0; k < perMonth; k++) {
      const decision = decide(table, { applicant: applicant(score), funderStates: states, seed: k });
      recordFlow(states, decision);
      const best = decision.offers[0];
      if (!best) {
        shared.declined!++;
        continue;
      }
      const used = states.get(best.funderId)!.exposureUsedByBand;
      used[decision.band] = (used[decision.band] ?? 0) + 1;
      shared[best.funderId]!++;
    }
  }
  return shared;
}

describe('exposure budgets and trust move customers (ADR 0073)', () => {
  it('caps the cheapest funder at its share of band A, and halves it at trust 0.5', () => {
    const full = market(1, 800);
    // floor(0.5 × flow) + 1 of the 300 a month: 151; the rest go to the next cheapest
    expect(full).toEqual({ cheap: 302, mid: 298, dear: 0, declined: 0 });
    const half = market(0.5, 800);
    // floor(0.25 × flow) + 1 = 76 a month; mid is held at its own half (150: its budget binds from
    // the month's first applications on, a step behind floor(0.5 × 300) + 1) and dear takes the rest
    expect(half).toEqual({ cheap: 152, mid: 300, dear: 148, declined: 0 });
    const none = market(0, 800);
    expect(none.cheap).toBe(0);
    expect(none.declined).toBe(0); // others' offers remain: trust 0 excludes a funder, not the borrower
  });

  it('scales lower bands by trust too, which trust 1 leaves alone', () => {
    // band D (score 460): share 1, so at trust 1 the cheapest funder takes everyone
    expect(market(1, 460)).toEqual({ cheap: 600, mid: 0, dear: 0, declined: 0 });
    expect(market(0.5, 460).cheap).toBe(302);
    expect(market(0, 460).cheap).toBe(0);
  });
});

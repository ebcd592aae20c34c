// The routing core against an independent reference model (a slow, obviously correct restatement
// of the rules), plus the rules one at a time on hand-built cases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../kernel/index.ts';
import { quote } from '../pricing/index.ts';
import {
  compileRoutingTable,
  decide,
  decodeOutcomes,
  encodeOutcomes,
  explainDecision,
  rateForScore,
  sortByRank,
} from './decide.ts';
import { DEFAULT_ROUTING_CONFIG } from './defaults.ts';
import { exposureBudget, OUTCOME } from './eligibility.ts';
import {
  type ApplicantFeatures,
  type FunderState,
  INELIGIBILITY_CODES,
  type IneligibilityCode,
  type QuoteFunction,
  type RoutingConfig,
  type RoutingFunder,
  type RoutingInput,
  type RoutingProduct,
} from './model.ts';
import { compareRankKeys } from './ranking.ts';
import { bandOf, computeScore } from './scorecard.ts';
import { randomApplicant, randomCatalog, randomFunderStates } from './testing.ts';

const pricing: QuoteFunction = (request) => quote(request, { schedule: false });

/** The rules restated directly from the issue, product by product, without the core's shortcuts. */
function referenceOutcomes(
  catalog: { funders: RoutingFunder[]; products: RoutingProduct[] },
  config: RoutingConfig,
  input: RoutingInput,
): Map<string, IneligibilityCode | 'eligible'> {
  const a = input.applicant;
  const score = a.score ?? computeScore(a, config.scorecard).score;
  const band = bandOf(score, config.bands);
  const result = new Map<string, IneligibilityCode | 'eligible'>();
  const aprOf = new Map<string, number>();
  for (const p of catalog.products.filter((x) => x.status === 'active')) {
    const funder = catalog.funders.find((f) => f.id === p.funderId)!;
    const state: FunderState = input.funderStates.get(funder.id) ?? {
      monthlyUsedFen: 0,
      exposureUsedByBand: {},
      trust: 1,
    };
    const licensed = funder.licensedRegions.some(
      (prefix) => prefix === '*' || a.regionCode.startsWith(prefix),
    );
    let code: IneligibilityCode | 'eligible' = 'eligible';
    if (!licensed) code = 'region_not_licensed';
    else if (a.ageYears < p.ageMin || a.ageYears > p.ageMax) code = 'age_out_of_range';
    else if (a.amountFen < p.minAmountFen || a.amountFen > p.maxAmountFen) code = 'amount_out_of_range';
    else if (!p.termsMonths.includes(a.termMonths)) code = 'term_unsupported';
    else if (score < p.minScore) code = 'score_below_minimum';
    else if (funder.status === 'suspended') code = 'funder_suspended';
    else if (funder.monthlyQuotaFen !== null && state.monthlyUsedFen + a.amountFen > funder.monthlyQuotaFen)
      code = 'funder_capacity_exhausted';
    else {
      const method = config.pricing.preferredMethods.find((m) => p.methods.includes(m)) ?? p.methods[0]!;
      const q = quote(
        {
          principalFen: a.amountFen,
          termMonths: a.termMonths,
          rateAnnual: rateForScore(p, score),
          method,
          fees: p.fees,
        },
        { schedule: false },
      );
      // The cap: the configured one, never above the legal 24% nominal; the judicial check: the
      // contract's penalty, or the configured default (8% when absent) without a contract.
      const capRate = Math.min(config.pricing.capAnnual, 0.24);
      const cost = q.ok ? q.value.apr[config.pricing.capBasis] : Number.NaN;
      const penalty = funder.maxPenaltyRateAnnual ?? config.pricing.defaultPenaltyRateAnnual ?? 0.08;
      if (
        !q.ok ||
        !(cost <= capRate + 1e-9) ||
        !(q.value.apr.nominal <= 0.24 + 1e-9) ||
        q.value.apr.nominal + penalty > 0.24 + 1e-9
      )
        code = 'apr_exceeds_cap';
      else {
        const base =
          config.rotation.budgetOverrides?.[funder.id]?.[band] ??
          config.rotation.exposureBudgetPerMonth[band];
        if (base !== undefined && (state.exposureUsedByBand[band] ?? 0) >= Math.floor(base * state.trust))
          code = 'exposure_budget_exhausted';
        else aprOf.set(p.id, q.value.apr.nominal);
      }
    }
    result.set(p.id, code);
  }
  // Rotation over the survivors, then consent.
  const last = input.lastFunderId;
  if (config.rotation.enabled && last) {
    const survivors = [...aprOf.entries()].map(([id, apr]) => ({
      id,
      apr,
      funderId: catalog.products.find((p) => p.id === id)!.funderId,
    }));
    const lastBest = Math.min(...survivors.filter((s) => s.funderId === last).map((s) => s.apr));
    const otherBest = Math.min(...survivors.filter((s) => s.funderId !== last).map((s) => s.apr));
    if (
      Number.isFinite(lastBest) &&
      Number.isFinite(otherBest) &&
      lastBest > otherBest - config.rotation.sameFunderMarginAnnual + 1e-12
    ) {
      for (const s of survivors) if (s.funderId === last) result.set(s.id, 'rotation_deferred');
    }
  }
  if (input.consentedFunderIds) {
    for (const [id, code] of result) {
      const funderId = catalog.products.find((p) => p.id === id)!.funderId;
      if (code === 'eligible' && !input.consentedFunderIds.has(funderId)) result.set(id, 'consent_missing');
    }
  }
  return result;
}

function outcomeMap(
  table: ReturnType<typeof compileRoutingTable>,
  outcomes: Uint8Array,
): Map<string, IneligibilityCode | 'eligible'> {
  return new Map(
    table.products.map((c, i) => [
      c.product.id,
      outcomes[i] === 0 ? 'eligible' : INELIGIBILITY_CODES[outcomes[i]! - 1]!,
    ]),
  );
}

describe('decide against the reference model', () => {
  it('gives every product the same outcome as the reference, and ranks the eligible ones', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.boolean(),
        fc.boolean(),
        (seed, withLast, withConsents) => {
          const catalog = randomCatalog(seed, 12, 6);
          const table = compileRoutingTable(catalog, DEFAULT_ROUTING_CONFIG, pricing);
          const random = new SeededRandom(seed ^ 0x5bd1e995);
          for (let k = 0; k < 20; k++) {
            const input: RoutingInput = {
              applicant: randomApplicant(random),
              funderStates: randomFunderStates(random, catalog.funders),
              lastFunderId: withLast ? random.pick(catalog.funders).id : null,
              consentedFunderIds: withConsents
                ? new Set(catalog.funders.filter(() => random.chance(0.6)).map((f) => f.id))
                : undefined,
              seed: random.nextUint32(),
            };
            const decision = decide(table, input);
            expect(outcomeMap(table, decision.outcomes)).toEqual(
              referenceOutcomes(catalog, DEFAULT_ROUTING_CONFIG, input),
            );
            // Offers are exactly the eligible products, ranked by non-decreasing cost.
            const eligible = [...outcomeMap(table, decision.outcomes)]
              .filter(([, c]) => c === 'eligible')
              .map(([id]) => id);
            expect(decision.offers.map((o) => o.productId).sort()).toEqual(eligible.sort());
            for (let i = 1; i < decision.offers.length; i++)
              expect(decision.offers[i]!.rankingCostAnnual).toBeGreaterThanOrEqual(
                decision.offers[i - 1]!.rankingCostAnnual,
              );
            expect(decision.offers.map((o) => o.rank)).toEqual(decision.offers.map((_, i) => i + 1));
            // Deterministic: the same input gives the same decision.
            expect(decide(table, input)).toEqual(decision);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('outcomes', () => {
  it('number the codes from the one list: 0 eligible, then 1 + the index in INELIGIBILITY_CODES', () => {
    expect(Object.entries(OUTCOME)).toEqual([
      ['eligible', 0],
      ...INELIGIBILITY_CODES.map((code, index) => [code, index + 1]),
    ]);
    // every outcome survives the one-character-per-product encoding the service stores
    const all = Uint8Array.from(Object.values(OUTCOME));
    expect([...decodeOutcomes(encodeOutcomes(all))]).toEqual([...all]);
  });

  it('are never overwritten by later decisions (they share slabs)', () => {
    const catalog = randomCatalog(11, 30, 10);
    const table = compileRoutingTable(catalog, DEFAULT_ROUTING_CONFIG, pricing);
    const random = new SeededRandom(11);
    const kept: Array<{ outcomes: Uint8Array; copy: number[] }> = [];
    for (let k = 0; k < 200; k++) {
      const { outcomes } = decide(table, {
        applicant: randomApplicant(random),
        funderStates: new Map(),
        lastFunderId: null,
        seed: k,
      });
      expect(outcomes).toHaveLength(table.products.length);
      kept.push({ outcomes, copy: Array.from(outcomes) });
    }
    for (const { outcomes, copy } of kept) expect(Array.from(outcomes)).toEqual(copy);
  });
});

// A small hand-built catalogue for the rules one at a time.
const baseFunder = (id: string, overrides: Partial<RoutingFunder> = {}): RoutingFunder => ({
  id,
  status: 'active',
  licensedRegions: ['*'],
  monthlyQuotaFen: null,
  serviceFee: { basis: 'disbursed', rate: 0.03 },
  ...overrides,
});
const baseProduct = (
  id: string,
  funderId: string,
  overrides: Partial<RoutingProduct> = {},
): RoutingProduct => ({
  id,
  funderId,
  status: 'active',
  minAmountFen: 100_000,
  maxAmountFen: 10_000_000,
  termsMonths: [6, 12],
  rateAnnualMin: 0.1,
  rateAnnualMax: 0.1,
  methods: ['equal-installment'],
  fees: [],
  ageMin: 22,
  ageMax: 55,
  minScore: 500,
  ...overrides,
});
const applicant = (overrides: Partial<ApplicantFeatures> = {}): ApplicantFeatures => ({
  ageYears: 30,
  regionCode: '310104',
  amountFen: 2_000_000,
  termMonths: 12,
  monthlyIncomeFen: 1_500_000,
  employerType: 'private',
  score: 700,
  ...overrides,
});
const run = (
  funders: RoutingFunder[],
  products: RoutingProduct[],
  input: Partial<RoutingInput> & { applicant?: ApplicantFeatures },
  config = DEFAULT_ROUTING_CONFIG,
) => {
  const table = compileRoutingTable({ funders, products }, config, pricing);
  const full: RoutingInput = {
    funderStates: new Map(),
    seed: 1,
    ...input,
    applicant: input.applicant ?? applicant(),
  };
  const decision = decide(table, full);
  return { decision, explanations: explainDecision(table, full, decision) };
};
const codeOf = (explanations: ReturnType<typeof run>['explanations'], productId: string) => {
  const e = explanations.find((x) => x.productId === productId)!;
  return e.eligible ? 'eligible' : e.code;
};

describe('eligibility rules', () => {
  it('names the first failing rule in the issue’s precedence order', () => {
    // Wrong region AND wrong age AND amount too high: the region comes first.
    const { explanations } = run(
      [baseFunder('f', { licensedRegions: ['44'] })],
      [baseProduct('p', 'f', { ageMax: 25, maxAmountFen: 1_000_000 })],
      {},
    );
    expect(codeOf(explanations, 'p')).toBe('region_not_licensed');
    const second = run(
      [baseFunder('f', { licensedRegions: ['31'] })],
      [baseProduct('p', 'f', { ageMax: 25, maxAmountFen: 1_000_000 })],
      {},
    );
    expect(codeOf(second.explanations, 'p')).toBe('age_out_of_range');
    const e = second.explanations[0]!;
    expect(e.eligible === false && e.reason).toContain('age 30');
  });

  it('matches licensed regions by 2-, 4- and 6-digit division-code prefixes', () => {
    for (const [prefix, expected] of [
      ['31', 'eligible'],
      ['3101', 'eligible'],
      ['310104', 'eligible'],
      ['3102', 'region_not_licensed'],
      ['32', 'region_not_licensed'],
    ] as const) {
      const { explanations } = run(
        [baseFunder('f', { licensedRegions: [prefix] })],
        [baseProduct('p', 'f')],
        {},
      );
      expect(codeOf(explanations, 'p'), prefix).toBe(expected);
    }
  });

  it('checks amount, term, score, funder status and capacity', () => {
    const cases: Array<
      [Partial<ApplicantFeatures>, Partial<RoutingFunder>, Partial<RoutingProduct>, string, FunderState?]
    > = [
      [{ amountFen: 50_000 }, {}, {}, 'amount_out_of_range'],
      [{ termMonths: 24 }, {}, {}, 'term_unsupported'],
      [{ score: 499 }, {}, {}, 'score_below_minimum'],
      [{ score: 500 }, {}, {}, 'eligible'],
      [{}, { status: 'suspended' }, {}, 'funder_suspended'],
      [
        {},
        { monthlyQuotaFen: 10_000_000 },
        {},
        'funder_capacity_exhausted',
        { monthlyUsedFen: 8_000_001, exposureUsedByBand: {}, trust: 1 },
      ],
      [
        {},
        { monthlyQuotaFen: 10_000_000 },
        {},
        'eligible',
        { monthlyUsedFen: 8_000_000, exposureUsedByBand: {}, trust: 1 },
      ],
    ];
    for (const [a, f, p, expected, state] of cases) {
      const { explanations } = run([baseFunder('f', f)], [baseProduct('p', 'f', p)], {
        applicant: applicant(a),
        funderStates: new Map(state ? [['f', state]] : []),
      });
      expect(codeOf(explanations, 'p'), JSON.stringify([a, f, p])).toBe(expected);
    }
  });

  it('refuses a product whose comprehensive annual cost would pass the 24% cap, through pricing', () => {
    // 20% interest plus a 0.5%-a-month account fee is about 31% a year: over the cap.
    const { explanations, decision } = run(
      [baseFunder('f')],
      [
        baseProduct('dear', 'f', {
          rateAnnualMin: 0.2,
          rateAnnualMax: 0.2,
          fees: [{ kind: 'monthly-rate', rate: 0.005 }],
        }),
        baseProduct('fair', 'f'),
      ],
      {},
    );
    expect(codeOf(explanations, 'dear')).toBe('apr_exceeds_cap');
    expect(decision.offers.map((o) => o.productId)).toEqual(['fair']);
    expect(decision.offers[0]!.apr.nominal).toBeCloseTo(0.1, 6);
  });

  it('adds the contract’s penalty interest for the judicial 24% ceiling', () => {
    // 20% a year is inside the 24% cap, but with a 5% penalty rate the judicial total is 25%.
    const products = [
      baseProduct('p20', 'strict', { rateAnnualMin: 0.2, rateAnnualMax: 0.2 }),
      baseProduct('q20', 'lenient', { rateAnnualMin: 0.2, rateAnnualMax: 0.2 }),
    ];
    const { explanations, decision } = run(
      [
        { ...baseFunder('strict'), maxPenaltyRateAnnual: 0.05 },
        { ...baseFunder('lenient'), maxPenaltyRateAnnual: 0.03 },
      ],
      products,
      {},
    );
    expect(codeOf(explanations, 'p20')).toBe('apr_exceeds_cap');
    expect(decision.offers.map((o) => o.productId)).toEqual(['q20']);
  });

  it('scales the top-band exposure budget by trust, and never limits lower bands', () => {
    const rotation = DEFAULT_ROUTING_CONFIG.rotation;
    expect(exposureBudget(rotation, 'f', 'A', 1)).toBe(2000);
    expect(exposureBudget(rotation, 'f', 'A', 0.5)).toBe(1000);
    expect(exposureBudget(rotation, 'f', 'A', 0)).toBe(0);
    expect(exposureBudget(rotation, 'f', 'C', 0)).toBe(Number.POSITIVE_INFINITY);
    const state = (used: number, trust: number): FunderState => ({
      monthlyUsedFen: 0,
      exposureUsedByBand: { A: used },
      trust,
    });
    const codeFor = (score: number, s: FunderState) =>
      codeOf(
        run([baseFunder('f')], [baseProduct('p', 'f')], {
          applicant: applicant({ score }),
          funderStates: new Map([['f', s]]),
        }).explanations,
        'p',
      );
    expect(codeFor(800, state(999, 0.5))).toBe('eligible');
    expect(codeFor(800, state(1000, 0.5))).toBe('exposure_budget_exhausted');
    expect(codeFor(800, state(0, 0))).toBe('exposure_budget_exhausted');
    expect(codeFor(600, state(0, 0))).toBe('eligible'); // band C: no budget
  });
});

describe('ranking', () => {
  it('puts the lowest annual cost first, then the larger amount, then a seeded tie-break', () => {
    const funders = [baseFunder('a'), baseFunder('b'), baseFunder('c')];
    const products = [
      baseProduct('a1', 'a', { rateAnnualMin: 0.12, rateAnnualMax: 0.12 }),
      baseProduct('b1', 'b', { rateAnnualMin: 0.09, rateAnnualMax: 0.09 }),
      baseProduct('c1', 'c', { rateAnnualMin: 0.12, rateAnnualMax: 0.12, maxAmountFen: 20_000_000 }),
    ];
    const { decision } = run(funders, products, {});
    expect(decision.offers.map((o) => o.productId)).toEqual(['b1', 'c1', 'a1']);
  });

  it('ranks in the order the builtin stable sort gives, ties and NaN keys included', () => {
    const value = (few: number[]) => fc.oneof(fc.constantFrom(...few), fc.double({ noNaN: true }));
    const key = fc.record({
      cost: fc.oneof(value([0.1, 0.12, Number.POSITIVE_INFINITY]), fc.constant(Number.NaN)),
      maxAmountFen: fc.oneof(value([1_000_000, 2_000_000]), fc.constant(Number.NaN)),
      tie: fc.constantFrom(0, 1, 2, 2 ** 32 - 1),
    });
    fc.assert(
      fc.property(
        fc.oneof(fc.array(key, { maxLength: 40 }), fc.array(key, { minLength: 200, maxLength: 300 })),
        fc.boolean(),
        (keys, withNaN) => {
          const tagged = keys.map((k, i) => ({
            ...k,
            cost: withNaN || !Number.isNaN(k.cost) ? k.cost : i,
            maxAmountFen: withNaN || !Number.isNaN(k.maxAmountFen) ? k.maxAmountFen : i,
            at: i,
          }));
          const ours = [...tagged];
          sortByRank(ours);
          const builtin = [...tagged].sort(compareRankKeys);
          expect(ours.map((k) => k.at)).toEqual(builtin.map((k) => k.at));
        },
      ),
      { seed: 20261125, numRuns: 400 },
    );
  });

  it('lets economics reorder near-equal offers but never by more than the configured bound', () => {
    const funders = [
      baseFunder('cheap', { serviceFee: { basis: 'disbursed', rate: 0.001 } }),
      baseFunder('rich', { serviceFee: { basis: 'disbursed', rate: 0.05 } }),
    ];
    const near = [
      baseProduct('c', 'cheap', { rateAnnualMin: 0.1, rateAnnualMax: 0.1 }),
      baseProduct('r', 'rich', { rateAnnualMin: 0.103, rateAnnualMax: 0.103 }),
    ];
    const weighted: RoutingConfig = {
      ...DEFAULT_ROUTING_CONFIG,
      ranking: { ...DEFAULT_ROUTING_CONFIG.ranking, serviceFeeWeight: 1, maxAdjustmentAnnual: 0.005 },
    };
    expect(run(funders, near, {}).decision.offers[0]!.productId).toBe('c'); // weights 0 by default: borrower value only
    expect(run(funders, near, {}, weighted).decision.offers[0]!.productId).toBe('r'); // 0.3 points dearer, much better fee
    const far = [near[0]!, baseProduct('r', 'rich', { rateAnnualMin: 0.11, rateAnnualMax: 0.11 })];
    expect(run(funders, far, {}, weighted).decision.offers[0]!.productId).toBe('c'); // 1 point dearer: beyond the bound
  });

  it('prices by score inside the product range', () => {
    const p = baseProduct('p', 'f', { rateAnnualMin: 0.08, rateAnnualMax: 0.16, minScore: 600 });
    expect(rateForScore(p, 600)).toBeCloseTo(0.16, 9);
    expect(rateForScore(p, 1000)).toBeCloseTo(0.08, 9);
    expect(rateForScore(p, 800)).toBeCloseTo(0.12, 9);
  });
});

describe('rotation', () => {
  const funders = [baseFunder('last'), baseFunder('other')];
  const products = (lastRate: number, otherRate: number) => [
    baseProduct('l', 'last', { rateAnnualMin: lastRate, rateAnnualMax: lastRate }),
    baseProduct('o', 'other', { rateAnnualMin: otherRate, rateAnnualMax: otherRate }),
  ];
  it('sends a repeat borrower to a different funder unless the last one is cheaper by the margin', () => {
    expect(codeOf(run(funders, products(0.1, 0.1), { lastFunderId: 'last' }).explanations, 'l')).toBe(
      'rotation_deferred',
    );
    expect(codeOf(run(funders, products(0.095, 0.1), { lastFunderId: 'last' }).explanations, 'l')).toBe(
      'rotation_deferred',
    );
    expect(codeOf(run(funders, products(0.09, 0.1), { lastFunderId: 'last' }).explanations, 'l')).toBe(
      'eligible',
    );
    expect(codeOf(run(funders, products(0.1, 0.1), { lastFunderId: null }).explanations, 'l')).toBe(
      'eligible',
    );
  });
  it('never denies credit: with no other eligible funder the last one keeps the borrower', () => {
    const { decision } = run(
      funders,
      [baseProduct('l', 'last'), baseProduct('o', 'other', { minScore: 900 })],
      { lastFunderId: 'last' },
    );
    expect(decision.offers.map((o) => o.productId)).toEqual(['l']);
  });
  it('asks for consent last: an otherwise eligible product without consent says consent_missing', () => {
    const { explanations, decision } = run(funders, products(0.1, 0.12), {
      consentedFunderIds: new Set(['other']),
    });
    expect(codeOf(explanations, 'l')).toBe('consent_missing');
    expect(decision.offers.map((o) => o.productId)).toEqual(['o']);
  });
  it('breaks exact ties by the seed, reproducibly', () => {
    const many = Array.from({ length: 8 }, (_, i) => baseFunder(`f${i}`));
    const same = many.map((f) => baseProduct(`${f.id}-p`, f.id));
    const orders = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const first = run(many, same, { seed })
        .decision.offers.map((o) => o.productId)
        .join();
      expect(
        run(many, same, { seed })
          .decision.offers.map((o) => o.productId)
          .join(),
      ).toBe(first);
      orders.add(first);
    }
    expect(orders.size).toBeGreaterThan(10);
  });
});

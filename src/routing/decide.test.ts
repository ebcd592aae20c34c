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
import { exposureAllowance, OUTCOME, recordFlow } from './eligibility.ts';
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
): { outcomes: Map<string, IneligibilityCode | 'eligible'>; flow: Set<string> } {
  const a = input.applicant;
  const score = a.score ?? computeScore(a, config.scorecard).score;
  const band = bandOf(score, config.bands);
  const result = new Map<string, IneligibilityCode | 'eligible'>();
  const flow = new Set<string>();
  const aprOf = new Map<string, number>();
  for (const p of catalog.products.filter((x) => x.status === 'active')) {
    const funder = catalog.funders.find((f) => f.id === p.funderId)!;
    const state: FunderState = input.funderStates.get(funder.id) ?? {
      monthlyUsedFen: 0,
      exposureUsedByBand: {},
      flowByBand: {},
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
        // ADR 0073, restated: one more may be shared while used + 1 ≤ share × trust × flow + burst,
        // flow counting this application (share × trust ≥ 1: no limit; 0: none at all); and the
        // absolute cap, scaled by trust. Every funder that gets here is in this application's flow.
        flow.add(funder.id);
        const rotation = config.rotation;
        const used = state.exposureUsedByBand[band] ?? 0;
        const trust = Math.min(1, Math.max(0, state.trust));
        const scaled = (rotation.exposureShareByBand[band] ?? 1) * trust;
        const shareRefuses =
          scaled === 0 ||
          (state.flowByBand !== undefined &&
            scaled < 1 &&
            used + 1 - rotation.exposureBurst > scaled * ((state.flowByBand[band] ?? 0) + 1) + 1e-9);
        const cap = rotation.budgetOverrides?.[funder.id]?.[band] ?? rotation.exposureBudgetPerMonth?.[band];
        const capRefuses = cap !== undefined && used >= Math.floor(cap * trust);
        if (shareRefuses || capRefuses) code = 'exposure_budget_exhausted';
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
  return { outcomes: result, flow };
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

/** Every budget lever at once: shares on a lower band, no burst, absolute caps and an override. */
const CAPPED_CONFIG: RoutingConfig = {
  ...DEFAULT_ROUTING_CONFIG,
  rotation: {
    ...DEFAULT_ROUTING_CONFIG.rotation,
    exposureShareByBand: { A: 0.5, B: 0.7, C: 0.9 },
    exposureBurst: 0,
    exposureBudgetPerMonth: { A: 1500, C: 2000 },
    budgetOverrides: { 'funder-000': { A: 100 } },
  },
};

describe('decide against the reference model', () => {
  it('gives every product the same outcome as the reference, and ranks the eligible ones', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(DEFAULT_ROUTING_CONFIG, CAPPED_CONFIG),
        (seed, withLast, withConsents, config) => {
          const catalog = randomCatalog(seed, 12, 6);
          const table = compileRoutingTable(catalog, config, pricing);
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
            const reference = referenceOutcomes(catalog, config, input);
            expect(outcomeMap(table, decision.outcomes)).toEqual(reference.outcomes);
            expect([...decision.flowFunderIds].sort()).toEqual([...reference.flow].sort());
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

  it('reports the funders whose flow the application counts in, budget refused or not', () => {
    const funders = [baseFunder('a'), baseFunder('b'), baseFunder('c', { status: 'suspended' })];
    const products = [
      baseProduct('a1', 'a'),
      baseProduct('a2', 'a'),
      baseProduct('b1', 'b'),
      baseProduct('c1', 'c'),
      baseProduct('d1', 'a', { minScore: 900 }),
    ];
    const { decision, explanations } = run(funders, products, {
      funderStates: new Map([
        ['b', { monthlyUsedFen: 0, exposureUsedByBand: { B: 5 }, flowByBand: { B: 5 }, trust: 0.5 }],
      ]),
      lastFunderId: 'a',
    });
    // a: eligible (or deferred by rotation); b: refused by its budget; c: suspended, not in the flow.
    expect(codeOf(explanations, 'b1')).toBe('exposure_budget_exhausted');
    expect(decision.flowFunderIds).toEqual(['a', 'b']);
    const declined = run(funders, products, { applicant: applicant({ ageYears: 70 }) });
    expect(declined.decision.flowFunderIds).toEqual([]);
  });
});

describe('exposure budgets as a share of flow (ADR 0073)', () => {
  const rotation = DEFAULT_ROUTING_CONFIG.rotation;
  it('allow floor(share × trust × flow) + burst, flow counting the application decided', () => {
    // A: share 0.5, burst 1
    expect(exposureAllowance(rotation, 'f', 'A', 1, 1)).toBe(1); // the first of the month
    expect(exposureAllowance(rotation, 'f', 'A', 1, 2)).toBe(2);
    expect(exposureAllowance(rotation, 'f', 'A', 1, 3)).toBe(2);
    expect(exposureAllowance(rotation, 'f', 'A', 1, 1000)).toBe(501);
    expect(exposureAllowance(rotation, 'f', 'A', 0.5, 1000)).toBe(251);
    expect(exposureAllowance(rotation, 'f', 'B', 1, 1000)).toBe(701);
    // lower bands: share 1, so trust alone scales them; trust 1 is no budget at all
    expect(exposureAllowance(rotation, 'f', 'C', 1, 1000)).toBe(Number.POSITIVE_INFINITY);
    expect(exposureAllowance(rotation, 'f', 'C', 0.5, 1000)).toBe(501);
    expect(exposureAllowance(rotation, 'f', 'E', 0.25, 8)).toBe(3);
    // trust 0 excludes the funder from every band, burst included; trust is clamped to [0, 1]
    for (const band of ['A', 'B', 'C', 'D', 'E'])
      expect(exposureAllowance(rotation, 'f', band, 0, 10_000)).toBe(0);
    expect(exposureAllowance(rotation, 'f', 'C', 2, 10)).toBe(Number.POSITIVE_INFINITY);
    expect(exposureAllowance(rotation, 'f', 'A', -1, 10)).toBe(0);
    // binary representation: 0.29 × 100 is 28.999…96 and must stay 29
    expect(exposureAllowance({ ...rotation, exposureShareByBand: { A: 0.29 } }, 'f', 'A', 1, 100)).toBe(30);
    // burst 0: the strict share, so a month's first top-band application waits for more flow
    const strict = { ...rotation, exposureBurst: 0 };
    expect(exposureAllowance(strict, 'f', 'A', 1, 1)).toBe(0);
    expect(exposureAllowance(strict, 'f', 'A', 1, 2)).toBe(1);
    // not counting flow leaves only the optional absolute cap, scaled by trust
    expect(exposureAllowance(rotation, 'f', 'A', 0.5, undefined)).toBe(Number.POSITIVE_INFINITY);
    const capped = { ...rotation, exposureBudgetPerMonth: { A: 100 }, budgetOverrides: { g: { A: 10 } } };
    expect(exposureAllowance(capped, 'f', 'A', 1, 1000)).toBe(100);
    expect(exposureAllowance(capped, 'f', 'A', 0.5, undefined)).toBe(50);
    expect(exposureAllowance(rotation, 'f', 'C', 0, undefined)).toBe(0);
    expect(exposureAllowance(capped, 'g', 'A', 1, 1000)).toBe(10);
    expect(exposureAllowance(capped, 'f', 'A', 1, 10)).toBe(6);
  });

  it('refuse in decide() once used reaches the allowance, and open again with a new month', () => {
    const state = (used: number, flow: number | undefined, trust = 1): FunderState => ({
      monthlyUsedFen: 0,
      exposureUsedByBand: { A: used },
      flowByBand: flow === undefined ? undefined : { A: flow },
      trust,
    });
    const codeFor = (s: FunderState | undefined, score = 800) =>
      codeOf(
        run([baseFunder('f')], [baseProduct('p', 'f', { minScore: 400 })], {
          applicant: applicant({ score }),
          funderStates: s ? new Map([['f', s]]) : new Map(),
        }).explanations,
        'p',
      );
    // flow 9 + this one = 10: floor(0.5 × 10) + 1 = 6 may be shared
    expect(codeFor(state(5, 9))).toBe('eligible');
    expect(codeFor(state(6, 9))).toBe('exposure_budget_exhausted');
    // a new month: the caller resets used and flow, and the first application goes through
    expect(codeFor(state(0, 0))).toBe('eligible');
    expect(codeFor(undefined)).toBe('eligible');
    // trust 0: nothing new in any band
    expect(codeFor(state(0, 1000, 0))).toBe('exposure_budget_exhausted');
    expect(codeFor(state(0, 1000, 0), 460)).toBe('exposure_budget_exhausted'); // band D
    // no flow counted: no share budget, but trust 0 still excludes
    expect(codeFor(state(5000, undefined))).toBe('eligible');
    expect(codeFor(state(0, undefined, 0))).toBe('exposure_budget_exhausted');
  });

  it('recordFlow adds the decision to the flow of each funder it names', () => {
    const states = new Map<string, FunderState & { flowByBand?: Record<string, number> }>([
      ['a', { monthlyUsedFen: 0, exposureUsedByBand: {}, flowByBand: { A: 2 }, trust: 1 }],
      ['b', { monthlyUsedFen: 0, exposureUsedByBand: {}, trust: 1 }],
    ]);
    recordFlow(states, { band: 'A', flowFunderIds: ['a', 'b'] });
    recordFlow(states, { band: 'C', flowFunderIds: ['b'] });
    expect(states.get('a')!.flowByBand).toEqual({ A: 3 });
    expect(states.get('b')!.flowByBand).toEqual({ A: 1, C: 1 });
    expect(() => recordFlow(states, { band: 'A', flowFunderIds: ['z'] })).toThrow(/no state/);
  });

  it('trust 0 gives a funder no application, trust 1 with share 1 changes nothing against no budget', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const catalog = randomCatalog(seed, 8, 4);
        const random = new SeededRandom(seed ^ 0x2545f491);
        const shareOne: RoutingConfig = {
          ...DEFAULT_ROUTING_CONFIG,
          rotation: { ...DEFAULT_ROUTING_CONFIG.rotation, exposureShareByBand: {} },
        };
        const shareOneTable = compileRoutingTable(catalog, shareOne, pricing);
        // "no budget": flow not counted and no cap, so no exposure rule can refuse
        const unbudgeted = compileRoutingTable(catalog, shareOne, pricing);
        const defaults = compileRoutingTable(catalog, DEFAULT_ROUTING_CONFIG, pricing);
        const excluded = random.pick(catalog.funders).id;
        for (let k = 0; k < 15; k++) {
          const states = randomFunderStates(random, catalog.funders);
          const input = { applicant: randomApplicant(random), lastFunderId: null, seed: k };
          const trustOne = new Map([...states].map(([id, s]) => [id, { ...s, trust: 1 }]));
          const untracked = new Map(
            [...states].map(([id, s]) => [id, { ...s, trust: 1, flowByBand: undefined }]),
          );
          expect(decide(shareOneTable, { ...input, funderStates: trustOne })).toEqual(
            decide(unbudgeted, { ...input, funderStates: untracked }),
          );
          const zero = new Map(states);
          zero.set(excluded, {
            ...(states.get(excluded) ?? { monthlyUsedFen: 0, exposureUsedByBand: {} }),
            trust: 0,
          });
          const decision = decide(defaults, { ...input, funderStates: zero });
          expect(decision.offers.filter((o) => o.funderId === excluded)).toEqual([]);
        }
      }),
      { numRuns: 40 },
    );
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

// Scenario validation: the issue's minimal scenario is valid and takes documented defaults; omitted
// funder fields are drawn per funder, deterministically per seed; bad input is rejected with every
// problem listed by JSON path, and never throws.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../kernel/index.ts';
import { BANDS, type PoacherStrategy, type Scenario } from './model.ts';
import { CENSUS_2020_POPULATION_BY_PROVINCE } from './population.ts';
import { DEFAULT_MIN_SCORE, parseScenario, pointerToPath, type ScenarioProblem } from './scenario.ts';

// The minimal scenario from issue 7, without its canaryShare (a canary budget since issue 13).
const ISSUE_SCENARIO = {
  seed: 1,
  days: 365,
  customers: { count: 100000 },
  platform: { rotation: true, relayContacts: true, creditReportOnReapply: true },
  funders: [
    { id: 'bank-a', strategy: { kind: 'honest' } },
    {
      id: 'cfc-b',
      strategy: {
        kind: 'poacher',
        startDay: 60,
        interceptionRate: 0.03,
        reawakeningRate: 0.01,
        exclusions: { personnel: true, risk: true, region: true },
        maxMonthlyShare: 0.03,
      },
    },
  ],
};

function problemsOf(input: unknown): ScenarioProblem[] {
  const result = parseScenario(input);
  expect(result.ok).toBe(false);
  if (result.ok) return [];
  return result.details?.problems as ScenarioProblem[];
}

describe('parseScenario', () => {
  it('accepts the issue’s minimal scenario and fills documented defaults', () => {
    const result = parseScenario(ISSUE_SCENARIO);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const s = result.value;
    expect(s.startDate).toBe('2026-01-01');
    expect(s.customers.scoreMean).toBe(640);
    expect(s.customers.regionWeights).toEqual(CENSUS_2020_POPULATION_BY_PROVINCE);
    expect(s.customers.abandonment).toEqual({
      base: 0.03,
      perRatePoint: 0.03,
      perDecisionDay: 0.02,
      max: 0.6,
      outsideRateByBand: { A: 0.1, B: 0.13, C: 0.16, D: 0.2, E: 0.235 },
      outsideRateSd: 0.02,
    });
    expect(s.customers.riskApprovalFactor).toEqual({ multiLender: 0.7, overdue: 0.3, highDebt: 0.6 });
    expect(s.customers.organicDirectShareByType).toEqual({
      bank: 0.02,
      'consumer-finance': 0.005,
      other: 0.003,
    });
    expect(s.customers.misreportHonestContactShare).toBe(0.003);
    expect(s.traces).toEqual({
      verificationCallShare: 0.3,
      servicingContactsPerLoan: 2,
      servicingSmsShare: 0.9,
      overdueShareByBand: { A: 0.01, B: 0.02, C: 0.04, D: 0.08, E: 0.15 },
      overdueRiskFactor: 2,
      collectionContactsPerOverdue: 4,
      collectionSmsShare: 0.5,
      afterBookingRelayShare: 0.3,
      classificationErrorRate: 0.03,
      borrowerAskedShare: 0.1,
    });
    expect(s.platform).toEqual({
      rotation: true,
      relayContacts: true,
      creditReportOnReapply: true,
      serviceFeeRate: 0.03,
      trustByLevel: { none: 1, watch: 0.8, suspect: 0.5, confirmed: 0 },
      penaltyPerCustomerFen: 500_000,
      canaries: {
        budgetFenPerMonth: 5_000_000,
        recruitmentFen: 30_000,
        monthlyFeeFen: 5000,
        expectedInterestFenPerYear: 150_000,
      },
      // routing's own defaults apply: the schema fills none
      routing: {},
    });
    expect(s.funderDefaults.approvalByType.bank).toEqual({ A: 0.9, B: 0.75, C: 0.45, D: 0.2, E: 0.05 });
    expect(s.funderDefaults.rateBaseRangeByType['consumer-finance']).toEqual([0.09, 0.13]);
    expect(s.funderDefaults.decisionDaysRangeByType.bank).toEqual([1, 3]);
    expect(s.funderDefaults.regionalProvincesMax).toBe(4);
    const [a, b] = s.funders;
    // A funder given only id and strategy gets drawn fields for its type (consumer-finance by default).
    expect(a!.type).toBe('consumer-finance');
    expect(a!.institutionName).toBe('bank-a消费金融有限公司');
    expect(a!.licensedRegions).toEqual(['*']); // only banks are ever drawn regional
    expect(a!.rateBase).toBeGreaterThanOrEqual(0.09);
    expect(a!.rateBase).toBeLessThanOrEqual(0.13);
    expect(Math.round(a!.rateBase * 200)).toBeCloseTo(a!.rateBase * 200, 6);
    expect([0, 1]).toContain(a!.decisionDays);
    expect(a!.ownDataShare).toBe(0.1);
    expect(a!.minScore).toBe(DEFAULT_MIN_SCORE);
    expect(a!.serviceFeeRate).toBe(0.03);
    for (const band of BANDS) {
      const mean = s.funderDefaults.approvalByType['consumer-finance'][band];
      expect(a!.approval[band]).toBeGreaterThanOrEqual(mean * 0.9 - 1e-9);
      expect(a!.approval[band]).toBeLessThanOrEqual(Math.min(1, mean * 1.1) + 1e-9);
    }
    expect(a!.products.map((p) => p.id)).toEqual(['bank-a-small', 'bank-a-standard', 'bank-a-premium']);
    expect(a!.products[1]!.rateAnnualMin).toBe(a!.rateBase);
    const strategy = b!.strategy as PoacherStrategy;
    // Exclusions on → a careful poacher uses numbers it holds or buys, never the relay.
    expect(strategy.contactSources).toEqual(['own-data', 'broker']);
    expect(strategy.brokerSuccess).toBe(0.6);
    expect(strategy.personnelMissShare).toBe(0.2);
    expect(strategy.smsShare).toBe(0.3);
    expect(strategy.reawakenFrom).toBe('exposed');
    expect(strategy.directRegions).toEqual(['*']);
    expect(strategy.offer).toEqual({
      limitUplift: 0.2,
      rateCutPointsMin: 1,
      rateCutPointsMax: 2,
      couponFen: 5000,
    });
  });

  it('defaults contactSources to the relay when no exclusion is on, and --seed overrides the seed', () => {
    const input = { funders: [{ id: 'p', strategy: { kind: 'poacher' } }] };
    const result = parseScenario(input, 99);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const strategy = result.value.funders[0]!.strategy as PoacherStrategy;
    expect(strategy.contactSources).toEqual(['relay']);
    expect(strategy.interceptionRate).toBe(0.5);
    expect(strategy.reawakeningRate).toBe(0.05);
    expect(strategy.maxMonthlyShare).toBeNull();
    expect(result.value.seed).toBe(99);
    expect(result.value.days).toBe(365);
    // the caller's object is not modified by default filling
    expect(input).toEqual({ funders: [{ id: 'p', strategy: { kind: 'poacher' } }] });
  });

  it('directRegions default to the provinces of the licence, given or drawn', () => {
    const result = parseScenario({
      funders: [
        {
          id: 'p',
          licensedRegions: ['4403', '32'],
          strategy: { kind: 'poacher', exclusions: { region: true } },
        },
      ],
    });
    expect(result.ok).toBe(true);
    if (result.ok)
      expect((result.value.funders[0]!.strategy as PoacherStrategy).directRegions).toEqual(['44', '32']);
    const regional = banks(1, 40).find((f) => !f.licensedRegions.includes('*'))!;
    const poacher = parseScenario({
      seed: 1,
      funders: [{ id: regional.id, type: 'bank', strategy: { kind: 'poacher' } }],
    });
    if (!poacher.ok) throw new Error(poacher.message);
    expect((poacher.value.funders[0]!.strategy as PoacherStrategy).directRegions).toEqual(
      regional.licensedRegions,
    );
  });

  it('keeps what a funder gives and draws only what it omits (approval band by band)', () => {
    const result = parseScenario({
      funders: [
        {
          id: 'given',
          type: 'bank',
          institutionName: '招商银行股份有限公司',
          licensedRegions: ['44'],
          rateBase: 0.05,
          approval: { A: 1 },
          decisionDays: 7,
          ownDataShare: 0.42,
          strategy: { kind: 'honest' },
        },
      ],
    });
    if (!result.ok) throw new Error(result.message);
    const f = result.value.funders[0]!;
    expect(f.institutionName).toBe('招商银行股份有限公司');
    expect(f.licensedRegions).toEqual(['44']);
    expect(f.rateBase).toBe(0.05);
    expect(f.decisionDays).toBe(7);
    expect(f.ownDataShare).toBe(0.42);
    expect(f.approval.A).toBe(1);
    expect(f.approval.E).toBeGreaterThan(0);
    expect(f.approval.E).toBeLessThanOrEqual(0.055 + 1e-9);
    // Giving a field does not move the draws of the others.
    const bare = parseScenario({ funders: [{ id: 'given', type: 'bank', strategy: { kind: 'honest' } }] });
    if (!bare.ok) throw new Error(bare.message);
    expect(bare.value.funders[0]!.approval.E).toBe(f.approval.E);
  });
});

/** `count` banks given only an id, normalised under `seed`. */
function banks(seed: number, count: number, order: 'forward' | 'reverse' = 'forward') {
  const funders = Array.from({ length: count }, (_, i) => ({
    id: `bank-${String(i).padStart(2, '0')}`,
    type: 'bank',
    strategy: { kind: 'honest' },
  }));
  if (order === 'reverse') funders.reverse();
  const result = parseScenario({ seed, funders });
  if (!result.ok) throw new Error(result.message);
  return [...result.value.funders].sort((a, b) => a.id.localeCompare(b.id));
}

const drawnFields = (funders: Scenario['funders']) =>
  funders.map((f) => ({
    approval: f.approval,
    rateBase: f.rateBase,
    decisionDays: f.decisionDays,
    licensedRegions: f.licensedRegions,
  }));

describe('per-funder draws', () => {
  it('are deterministic per seed, differ between funders and between seeds, and ignore funder order', () => {
    const first = drawnFields(banks(7, 30));
    expect(drawnFields(banks(7, 30))).toEqual(first);
    // a funder's draws depend only on (seed, id): reversing the list or adding funders changes nothing
    expect(drawnFields(banks(7, 30, 'reverse'))).toEqual(first);
    expect(drawnFields(banks(7, 40).slice(0, 30))).toEqual(first);
    // rates sit on a half-point grid: bank [6%, 10%] holds 9 of them, and 30 draws find most
    expect(new Set(first.map((f) => f.rateBase)).size).toBeGreaterThanOrEqual(6);
    for (const f of first) expect(Math.round(f.rateBase * 200)).toBeCloseTo(f.rateBase * 200, 9);
    expect(new Set(first.map((f) => JSON.stringify(f.approval))).size).toBe(30);
    expect(drawnFields(banks(8, 30))).not.toEqual(first);
    // the command line's --seed draws them again, exactly as the seed field would
    const overridden = parseScenario({ seed: 7, funders: [{ id: 'x', strategy: { kind: 'honest' } }] }, 8);
    const field = parseScenario({ seed: 8, funders: [{ id: 'x', strategy: { kind: 'honest' } }] });
    if (!overridden.ok || !field.ok) throw new Error('invalid');
    expect(overridden.value.funders).toEqual(field.value.funders);
  });

  it('stay inside the type’s ranges; omitted bank licences are regional at about regionalBankShare', () => {
    const drawn = banks(3, 100);
    for (const f of drawn) {
      expect(f.rateBase).toBeGreaterThanOrEqual(0.06);
      expect(f.rateBase).toBeLessThanOrEqual(0.1);
      expect(Number.isInteger(f.decisionDays)).toBe(true);
      expect(f.decisionDays).toBeGreaterThanOrEqual(1);
      expect(f.decisionDays).toBeLessThanOrEqual(3);
      expect(f.ownDataShare).toBe(0.3);
      expect(f.institutionName).toBe(`${f.id}银行股份有限公司`);
      for (const band of BANDS) expect(f.approval[band]).toBeLessThanOrEqual(1);
    }
    const regional = drawn.filter((f) => !f.licensedRegions.includes('*'));
    // 100 draws at p = 0.5: outside [30, 70] has probability < 1e-4
    expect(regional.length).toBeGreaterThan(30);
    expect(regional.length).toBeLessThan(70);
    for (const f of regional) {
      expect(f.licensedRegions.length).toBeGreaterThanOrEqual(1);
      expect(f.licensedRegions.length).toBeLessThanOrEqual(4);
      expect(new Set(f.licensedRegions).size).toBe(f.licensedRegions.length);
      for (const p of f.licensedRegions) expect(CENSUS_2020_POPULATION_BY_PROVINCE).toHaveProperty(p);
    }
    // by census weight: populous Guangdong (44) is licensed far more often than Tibet (54)
    const count = (p: string) => regional.filter((f) => f.licensedRegions.includes(p)).length;
    expect(count('44')).toBeGreaterThan(count('54'));
  });

  it('follow funderDefaults: no jitter, one province, every bank regional', () => {
    const result = parseScenario({
      funderDefaults: { approvalJitter: 0, regionalBankShare: 1, regionalProvincesMax: 1 },
      funders: [
        { id: 'b', type: 'bank', strategy: { kind: 'honest' } },
        { id: 'o', type: 'other', strategy: { kind: 'honest' } },
      ],
    });
    if (!result.ok) throw new Error(result.message);
    const [bank, other] = result.value.funders;
    expect(bank!.approval).toEqual({ A: 0.9, B: 0.75, C: 0.45, D: 0.2, E: 0.05 });
    expect(bank!.licensedRegions).toHaveLength(1);
    expect(other!.licensedRegions).toEqual(['*']);
    expect(other!.institutionName).toBe('o小额贷款有限公司');
    expect(other!.ownDataShare).toBe(0.05);
  });
});

describe('parseScenario rejects', () => {
  it('lists every problem by JSON path: unknown fields, wrong types, rates outside [0, 1], unknown strategy', () => {
    const problems = problemsOf({
      seed: 1,
      days: 'many',
      colour: 'red',
      customers: { count: 0, migrantShare: 1.5 },
      platform: { canaryShare: 0.01, canaries: { budgetFenPerMonth: -1 }, rotation: 'yes' },
      funders: [
        { id: 'bank-a', strategy: { kind: 'saint' } },
        {
          id: 'cfc-b',
          strategy: {
            kind: 'poacher',
            interceptionRate: 2,
            reawakeningRate: -1,
            exclusions: { personel: true },
          },
        },
        { id: 'cfc-c' },
      ],
    });
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '$.days',
        '$.colour',
        '$.customers.count',
        '$.customers.migrantShare',
        '$.platform.canaryShare',
        '$.platform.canaries.budgetFenPerMonth',
        '$.platform.rotation',
        '$.funders[0].strategy.kind',
        '$.funders[1].strategy.interceptionRate',
        '$.funders[1].strategy.reawakeningRate',
        '$.funders[1].strategy.exclusions.personel',
        '$.funders[2].strategy',
      ]),
    );
    expect(problems.find((p) => p.path === '$.colour')!.message).toBe('unknown field');
    expect(problems.find((p) => p.path === '$.funders[0].strategy.kind')!.message).toContain(
      'unknown strategy "saint"',
    );
    expect(problems.find((p) => p.path === '$.funders[2].strategy')!.message).toBe(
      'required field is missing',
    );
    // one line per problem: no duplicates
    expect(new Set(problems.map((p) => `${p.path} ${p.message}`)).size).toBe(problems.length);
  });

  it('reports what the schema cannot: duplicate ids, inverted ranges, unknown regions, start after the end', () => {
    const problems = problemsOf({
      days: 100,
      startDate: '2026-02-30',
      customers: { ageMin: 50, ageMax: 30, regionWeights: { '99': 1 } },
      funders: [
        { id: 'a', licensedRegions: ['00'], strategy: { kind: 'honest' } },
        {
          id: 'a',
          strategy: { kind: 'poacher', startDay: 100, offer: { rateCutPointsMin: 3, rateCutPointsMax: 2 } },
        },
        {
          id: 'c',
          products: [
            {
              id: 'x',
              minAmountFen: 500,
              maxAmountFen: 100,
              termsMonths: [12],
              rateAnnualMin: 0.2,
              rateAnnualMax: 0.1,
              minScore: 600,
            },
          ],
          strategy: { kind: 'honest' },
        },
      ],
    });
    expect(problems.map((p) => p.path)).toEqual([
      '$.startDate',
      '$.customers.ageMin',
      '$.customers.regionWeights["99"]',
      '$.funders[0].licensedRegions[0]',
      '$.funders[1].id',
      '$.funders[1].strategy.startDay',
      '$.funders[1].strategy.offer.rateCutPointsMin',
      '$.funders[2].products[0].minAmountFen',
      '$.funders[2].products[0].rateAnnualMin',
    ]);
  });

  it('checks the issue 13 fields: ranges, contact sources, enums, fen as integers, removed fields', () => {
    const problems = problemsOf({
      customers: {
        abandonAfterApproval: 0.08,
        organicDirectShare: 0.01,
        abandonment: { outsideRateByBand: { A: 0.5 }, max: 2 },
        organicDirectShareByType: { bank: 1.5, 'trust-company': 0.1 },
      },
      traces: { servicingContactsPerLoan: -1, overdueShareByBand: { F: 0.1 } },
      platform: {
        penaltyPerCustomerFen: 12.5,
        routing: { exposureBudgetPerMonth: { A: 2000 }, exposureShareByBand: { A: 2 } },
      },
      funderDefaults: {
        rateBaseRangeByType: { bank: [0.11, 0.07], other: [0.1] },
        decisionDaysRangeByType: { 'consumer-finance': [3, 1] },
      },
      funders: [
        {
          id: 'p',
          decisionDays: 1.5,
          strategy: {
            kind: 'poacher',
            contactSource: 'broker',
            contactSources: ['broker', 'broker'],
            reawakenFrom: 'everyone',
          },
        },
        { id: 'q', strategy: { kind: 'poacher', contactSources: [] } },
        { id: 'r', strategy: { kind: 'poacher', contactSources: ['pigeon'] } },
      ],
    });
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '$.customers.abandonAfterApproval',
        '$.customers.organicDirectShare',
        '$.customers.abandonment.outsideRateByBand.A',
        '$.customers.abandonment.max',
        '$.customers.organicDirectShareByType.bank',
        '$.customers.organicDirectShareByType["trust-company"]',
        '$.traces.servicingContactsPerLoan',
        '$.traces.overdueShareByBand.F',
        '$.platform.penaltyPerCustomerFen',
        '$.platform.routing.exposureBudgetPerMonth',
        '$.platform.routing.exposureShareByBand.A',
        '$.funderDefaults.rateBaseRangeByType.other',
        '$.funders[0].decisionDays',
        '$.funders[0].strategy.contactSource',
        '$.funders[0].strategy.contactSources',
        '$.funders[0].strategy.reawakenFrom',
        '$.funders[1].strategy.contactSources',
        '$.funders[2].strategy.contactSources[0]',
      ]),
    );
    // inverted ranges are a semantic check: they show once the schema passes
    expect(
      problemsOf({
        funderDefaults: {
          rateBaseRangeByType: { bank: [0.11, 0.07] },
          decisionDaysRangeByType: { 'consumer-finance': [3, 1] },
        },
        funders: [{ id: 'a', strategy: { kind: 'honest' } }],
      }).map((p) => p.path),
    ).toEqual([
      '$.funderDefaults.rateBaseRangeByType.bank[0]',
      '$.funderDefaults.decisionDaysRangeByType["consumer-finance"][0]',
    ]);
  });

  it('fuzz: huge numbers, wrong types and Chinese strings anywhere give problems, never a throw', () => {
    const random = new SeededRandom(13);
    const hostile: unknown[] = [
      1e308,
      -1e308,
      Number.MAX_SAFE_INTEGER + 2,
      0.5,
      -1,
      '守家',
      '９９',
      '',
      null,
      true,
      [],
      [1, 2, 3],
      {},
      { 银行: 1 },
    ];
    const fields: Array<(value: unknown) => Record<string, unknown>> = [
      (v) => ({ seed: v }),
      (v) => ({ days: v }),
      (v) => ({ startDate: v }),
      (v) => ({ customers: { count: v } }),
      (v) => ({ customers: { abandonment: { outsideRateByBand: { C: v } } } }),
      (v) => ({ customers: { organicDirectShareByType: v } }),
      (v) => ({ traces: { collectionContactsPerOverdue: v } }),
      (v) => ({ platform: { canaries: { recruitmentFen: v } } }),
      (v) => ({ platform: { routing: { exposureShareByBand: v } } }),
      (v) => ({ funderDefaults: { rateBaseRangeByType: { bank: v } } }),
      (v) => ({ funderDefaults: { regionalProvincesMax: v } }),
      (v) => ({ funders: [{ id: v, strategy: { kind: 'honest' } }] }),
      (v) => ({ funders: [{ id: 'a', institutionName: v, strategy: { kind: 'honest' } }] }),
      (v) => ({ funders: [{ id: 'a', licensedRegions: v, strategy: { kind: 'honest' } }] }),
      (v) => ({ funders: [{ id: 'a', approval: { B: v }, strategy: { kind: 'honest' } }] }),
      (v) => ({ funders: [{ id: 'a', strategy: { kind: 'poacher', contactSources: [v] } }] }),
      (v) => ({ funders: [{ id: 'a', strategy: { kind: 'poacher', directRegions: v } }] }),
      (v) => ({ funders: [{ id: 'a', strategy: { kind: 'poacher', offer: { couponFen: v } } }] }),
      (v) => ({ funders: [{ id: 'a', strategy: { kind: v } }] }),
    ];
    const base = { funders: [{ id: 'a', strategy: { kind: 'honest' } }] };
    for (let round = 0; round < 400; round++) {
      const value = random.pick(hostile);
      const input = { ...base, ...random.pick(fields)(value) };
      let result: ReturnType<typeof parseScenario> | undefined;
      expect(() => {
        result = parseScenario(input);
      }, JSON.stringify(input)).not.toThrow();
      if (result && !result.ok) {
        const problems = result.details?.problems as ScenarioProblem[];
        expect(problems.length, JSON.stringify(input)).toBeGreaterThan(0);
        for (const p of problems) expect(p.path).toMatch(/^\$/);
      }
    }
  });

  it('rejects a non-object scenario and an empty funder list', () => {
    expect(problemsOf(42).map((p) => p.path)).toEqual(['$']);
    expect(problemsOf({ funders: [] }).map((p) => p.path)).toEqual(['$.funders']);
  });
});

describe('pointerToPath', () => {
  it('turns RFC 6901 pointers into JSONPath', () => {
    expect(pointerToPath('')).toBe('$');
    expect(pointerToPath('/funders/3/strategy/kind')).toBe('$.funders[3].strategy.kind');
    expect(pointerToPath('/termWeights/12')).toBe('$.termWeights[12]');
    expect(pointerToPath('/a~1b/c~0d')).toBe('$["a/b"]["c~d"]');
  });
});

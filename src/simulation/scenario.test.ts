// Scenario validation: the issue's minimal scenario is valid and takes documented defaults; bad input
// is rejected with every problem listed by JSON path.
import { describe, expect, it } from 'vitest';
import type { PoacherStrategy } from './model.ts';
import { CENSUS_2020_POPULATION_BY_PROVINCE } from './population.ts';
import {
  DEFAULT_MIN_SCORE,
  DEFAULT_RATE_BASE,
  parseScenario,
  pointerToPath,
  type ScenarioProblem,
} from './scenario.ts';

// The minimal scenario from issue 7, verbatim.
const ISSUE_SCENARIO = {
  seed: 1,
  days: 365,
  customers: { count: 100000 },
  platform: { rotation: true, canaryShare: 0.01, relayContacts: true, creditReportOnReapply: true },
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
    expect(s.platform.serviceFeeRate).toBe(0.03);
    const [a, b] = s.funders;
    // A funder given only id and strategy gets default products, licences and approval model.
    expect(a!.licensedRegions).toEqual(['*']);
    expect(a!.rateBase).toBe(DEFAULT_RATE_BASE);
    expect(a!.minScore).toBe(DEFAULT_MIN_SCORE);
    expect(a!.products.map((p) => p.id)).toEqual(['bank-a-small', 'bank-a-standard', 'bank-a-premium']);
    expect(a!.approval).toEqual({ A: 0.92, B: 0.8, C: 0.6, D: 0.35, E: 0.1 });
    const strategy = b!.strategy as PoacherStrategy;
    // Exclusions on → the poacher buys real numbers from a broker by default.
    expect(strategy.contactSource).toBe('broker');
    expect(strategy.brokerSuccess).toBe(0.6);
    expect(strategy.directRegions).toEqual(['*']);
    expect(strategy.offer).toEqual({
      limitUplift: 0.2,
      rateCutPointsMin: 1,
      rateCutPointsMax: 2,
      couponFen: 5000,
    });
  });

  it('defaults contactSource to relay when no exclusion is on, and --seed overrides the seed', () => {
    const input = { funders: [{ id: 'p', strategy: { kind: 'poacher', interceptionRate: 0.5 } }] };
    const result = parseScenario(input, 99);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect((result.value.funders[0]!.strategy as PoacherStrategy).contactSource).toBe('relay');
    expect(result.value.seed).toBe(99);
    expect(result.value.days).toBe(365);
    // the caller's object is not modified by default filling
    expect(input).toEqual({ funders: [{ id: 'p', strategy: { kind: 'poacher', interceptionRate: 0.5 } }] });
  });

  it('directRegions default to the provinces of the licence', () => {
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
  });

  it('lists every problem by JSON path: unknown fields, wrong types, rates outside [0, 1], unknown strategy', () => {
    const problems = problemsOf({
      seed: 1,
      days: 'many',
      colour: 'red',
      customers: { count: 0, migrantShare: 1.5 },
      platform: { canaryShare: -0.1, rotation: 'yes' },
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

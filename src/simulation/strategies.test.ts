// The poacher's decisions and the population's canaries, unit by unit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../kernel/index.ts';
import type { PoacherStrategy } from './model.ts';
import { EMPLOYER_ORDINARY, FLAG_CANARY, generatePopulation, RISK_FLAGS } from './population.ts';
import { parseScenario } from './scenario.ts';
import {
  acceptanceProbability,
  directProvinceMask,
  isTargeted,
  reachChannel,
  reawakeningDelayDays,
  throttleAllows,
} from './strategies.ts';

function parsed(strategy: Record<string, unknown>, customers: Record<string, unknown> = {}) {
  const result = parseScenario({
    customers: { count: 5000, ...customers },
    funders: [{ id: 'p', strategy: { kind: 'poacher', ...strategy } }],
  });
  if (!result.ok) throw new Error(result.message);
  return { scenario: result.value, strategy: result.value.funders[0]!.strategy as PoacherStrategy };
}

describe('population', () => {
  it('has exactly the canaries it is given, each passing every exclusion a poacher can apply', () => {
    const { scenario, strategy } = parsed(
      { exclusions: { personnel: true, risk: true, region: true }, directRegions: ['44'] },
      { migrantShare: 0.5, multiLenderShare: 0.5, platformEmployeeShare: 0.2 },
    );
    const population = generatePopulation(scenario.customers, 185, 365, new SeededRandom(3));
    let canaries = 0;
    const mask = directProvinceMask(strategy, population.provinces)!;
    for (let c = 0; c < population.count; c++) {
      if ((population.flags[c]! & FLAG_CANARY) === 0) continue;
      canaries++;
      expect(population.employer[c]).toBe(EMPLOYER_ORDINARY);
      expect(population.flags[c]! & RISK_FLAGS).toBe(0);
      expect(population.phoneProvince[c]).toBe(population.province[c]);
      expect(population.score[c]).toBeGreaterThanOrEqual(scenario.customers.scoreMean);
      // Inside the licence (where routing sends it), a canary passes even the strict region check.
      if (mask[population.province[c]!] === 1)
        expect(isTargeted(strategy, population, c, mask, new SeededRandom(c))).toBe(true);
    }
    expect(canaries).toBe(185);
    expect(population.canaryCount).toBe(canaries);
  });

  it('a run without canaries has the same people (canaries become ordinary customers)', () => {
    const { scenario } = parsed({});
    const withCanaries = generatePopulation(scenario.customers, 250, 365, new SeededRandom(9));
    const without = generatePopulation(scenario.customers, 0, 365, new SeededRandom(9));
    let same = 0;
    for (let c = 0; c < without.count; c++)
      if (
        (withCanaries.flags[c]! & FLAG_CANARY) === 0 &&
        withCanaries.score[c] === without.score[c] &&
        withCanaries.county[c] === without.county[c]
      )
        same++;
    expect(same).toBe(without.count - withCanaries.canaryCount);
  });
});

describe('poacher decisions', () => {
  const { scenario } = parsed({});
  const population = generatePopulation(scenario.customers, 0, 365, new SeededRandom(5));

  it('each exclusion skips exactly its own kind of customer (a personnel list with no misses)', () => {
    const random = new SeededRandom(1);
    for (let c = 0; c < 500; c++) {
      const base = parsed({}).strategy;
      expect(isTargeted(base, population, c, null, random)).toBe(true);
      const personnel = parsed({ exclusions: { personnel: true }, personnelMissShare: 0 }).strategy;
      expect(isTargeted(personnel, population, c, null, random)).toBe(
        population.employer[c] === EMPLOYER_ORDINARY,
      );
      const risk = parsed({ exclusions: { risk: true } }).strategy;
      expect(isTargeted(risk, population, c, null, random)).toBe((population.flags[c]! & RISK_FLAGS) === 0);
    }
    const region = parsed({ exclusions: { region: true }, directRegions: ['44', '32'] }).strategy;
    const mask = directProvinceMask(region, population.provinces)!;
    for (let c = 0; c < 2000; c++) {
      const id = population.provinces[population.province[c]!]!;
      const phone = population.provinces[population.phoneProvince[c]!]!;
      expect(isTargeted(region, population, c, mask, new SeededRandom(c))).toBe(
        ['44', '32'].includes(id) && ['44', '32'].includes(phone),
      );
    }
  });

  it('the personnel exclusion misses its configured share of staff (stale employer data)', () => {
    const { scenario } = parsed({}, { platformEmployeeShare: 0.5 });
    const staffy = generatePopulation(scenario.customers, 0, 365, new SeededRandom(6));
    const strategy = parsed({ exclusions: { personnel: true }, personnelMissShare: 0.2 }).strategy;
    const random = new SeededRandom(2);
    let staff = 0;
    let missed = 0;
    for (let c = 0; c < staffy.count; c++) {
      if (staffy.employer[c] === EMPLOYER_ORDINARY) continue;
      staff++;
      if (isTargeted(strategy, staffy, c, null, random)) missed++;
    }
    expect(missed / staff).toBeGreaterThan(0.16);
    expect(missed / staff).toBeLessThan(0.24);
  });

  it('the throttle keeps poached within the share of targeted approvals; null means no throttle', () => {
    const throttled = parsed({ maxMonthlyShare: 0.03 }).strategy;
    expect(throttleAllows(throttled, 0, 33)).toBe(false); // 1 > 0.99
    expect(throttleAllows(throttled, 0, 34)).toBe(true);
    expect(throttleAllows(throttled, 2, 100)).toBe(true);
    expect(throttleAllows(throttled, 3, 100)).toBe(false);
    expect(throttleAllows(parsed({}).strategy, 1_000_000, 0)).toBe(true);
  });

  it('contact sources in order: own data, a broker, the relay point; without relays the real number at once', () => {
    const reach = (strategy: PoacherStrategy, ownData: number, relays: boolean, seed: number) =>
      reachChannel(strategy, ownData, relays, new SeededRandom(seed));
    const careful = parsed({ exclusions: { risk: true } }).strategy;
    expect(careful.contactSources).toEqual(['own-data', 'broker']);
    const naive = parsed({}).strategy;
    expect(naive.contactSources).toEqual(['relay']);
    for (let seed = 0; seed < 50; seed++) {
      expect(reach(naive, 0, true, seed)).toBe('relay');
      expect(reach(naive, 0, false, seed)).toBe('real-number');
      expect(reach(careful, 1, true, seed)).toBe('real-number'); // it holds every number itself
      expect(reach(careful, 0, false, seed)).toBe('real-number');
    }
    const noBroker = parsed({ exclusions: { risk: true }, brokerSuccess: 0 }).strategy;
    for (let seed = 0; seed < 50; seed++) expect(reach(noBroker, 0, true, seed)).toBeNull();
    // With a 60% broker, about 60% are reached.
    let reached = 0;
    for (let seed = 0; seed < 2000; seed++) if (reach(careful, 0, true, seed) !== null) reached++;
    expect(reached / 2000).toBeGreaterThan(0.55);
    expect(reached / 2000).toBeLessThan(0.65);
  });

  it('acceptance rises with every improvement of the offer and stays a probability', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 20, noNaN: true }),
        fc.double({ min: 0, max: 20, noNaN: true }),
        (base, cutA, cutB) => {
          const offer = parsed({}).strategy.offer;
          const [low, high] = cutA <= cutB ? [cutA, cutB] : [cutB, cutA];
          const a = acceptanceProbability(base, offer, low, scenario.customers);
          const b = acceptanceProbability(base, offer, high, scenario.customers);
          expect(a).toBeLessThanOrEqual(b);
          expect(a).toBeGreaterThanOrEqual(0);
          expect(b).toBeLessThanOrEqual(1);
          const richer = acceptanceProbability(
            base,
            { ...offer, couponFen: offer.couponFen + 10_000 },
            low,
            scenario.customers,
          );
          expect(richer).toBeGreaterThanOrEqual(a);
        },
      ),
    );
  });

  it('reawakening delay: geometric months with the monthly rate (mean (1 − r) / r months), never negative', () => {
    const random = new SeededRandom(11);
    const rate = 0.1;
    let total = 0;
    const draws = 20_000;
    for (let i = 0; i < draws; i++)
      total += Math.floor(reawakeningDelayDays(rate, random.next(), random.next()) / 30);
    // expected 9 months; standard error of the mean ≈ sqrt(90)/sqrt(20000) ≈ 0.067: 5σ tolerance
    expect(Math.abs(total / draws - 9)).toBeLessThan(0.34);
    expect(reawakeningDelayDays(0, 0.5, 0.5)).toBe(Number.POSITIVE_INFINITY);
    expect(reawakeningDelayDays(5e-324, 0.5, 0.5)).toBe(Number.POSITIVE_INFINITY);
    expect(reawakeningDelayDays(1, 0.9, 0.5)).toBe(15);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../kernel/index.ts';
import {
  attributeCanaryContact,
  type CanaryFunderTarget,
  type CanaryProfile,
  canaryFits,
  planCanaries,
} from './canaries.ts';

const funder = (id: string, over: Partial<CanaryFunderTarget> = {}): CanaryFunderTarget => ({
  funderId: id,
  licensedRegions: ['*'],
  goodBands: ['A', 'B'],
  flowWeight: 1,
  suspicion: 0,
  ...over,
});
const canary = (id: string, over: Partial<CanaryProfile> = {}): CanaryProfile => ({
  canaryId: id,
  band: 'A',
  region: '44',
  phoneRegion: '44',
  employerIsPlatformOrPartner: false,
  ...over,
});
const seeded = (seed: number) => {
  const r = new SeededRandom(seed);
  return () => r.next();
};

describe('canary planner', () => {
  it('places a canary only with a funder it passes every poacher exclusion for', () => {
    const funders = [
      funder('gd', { licensedRegions: ['44'] }),
      funder('js', { licensedRegions: ['32'] }),
      funder('c-only', { goodBands: ['C'] }),
    ];
    const plan = planCanaries({
      canaries: Array.from({ length: 200 }, (_, i) => canary(`k${i}`)),
      funders,
      budgetFen: 1_000_000,
      costPerPlacementFen: 0,
      random: seeded(1),
    });
    expect(plan.placements).toHaveLength(200);
    expect(new Set(plan.placements.map((p) => p.funderId))).toEqual(new Set(['gd']));
    // A phone number from another province fails a strict poacher's region check.
    expect(canaryFits(canary('x', { phoneRegion: '32' }), funders[0]!)).toBe(false);
    expect(canaryFits(canary('x', { employerIsPlatformOrPartner: true }), funder('any'))).toBe(false);
    expect(canaryFits(canary('x', { band: 'D' }), funder('any'))).toBe(false);
  });

  it('keeps a placed canary with its one funder, or places it nowhere', () => {
    const plan = planCanaries({
      canaries: [
        canary('a', { dedicatedTo: 'f2' }),
        canary('b', { dedicatedTo: 'gone' }),
        canary('c', { dedicatedTo: 'f1', band: 'D' }),
      ],
      funders: [funder('f1'), funder('f2')],
      budgetFen: 100,
      costPerPlacementFen: 10,
      random: seeded(2),
    });
    expect(plan.placements).toEqual([{ canaryId: 'a', funderId: 'f2', costFen: 10 }]);
    expect(plan.unplaced).toEqual([
      { canaryId: 'b', reason: 'dedicated-funder-unavailable' },
      { canaryId: 'c', reason: 'dedicated-funder-unavailable' },
    ]);
  });

  it('never spends more than the budget, and says why a canary was not placed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer(),
        (count, budget, cost, seed) => {
          const plan = planCanaries({
            canaries: Array.from({ length: count }, (_, i) =>
              canary(`k${i}`, { employerIsPlatformOrPartner: i % 7 === 3 }),
            ),
            funders: [funder('f1'), funder('f2', { suspicion: 1 })],
            budgetFen: budget,
            costPerPlacementFen: cost,
            random: seeded(seed),
          });
          const spent = plan.placements.reduce((s, p) => s + p.costFen, 0);
          expect(spent).toBeLessThanOrEqual(budget);
          expect(plan.placements.length + plan.unplaced.length).toBe(count);
          for (const u of plan.unplaced) expect(['budget-exhausted', 'staff-profile']).toContain(u.reason);
          if (cost === 0) expect(plan.unplaced.every((u) => u.reason === 'staff-profile')).toBe(true);
        },
      ),
    );
  });

  it('sends canaries toward a suspected funder without starving the others', () => {
    const plan = planCanaries({
      canaries: Array.from({ length: 10_000 }, (_, i) => canary(`k${i}`)),
      funders: [funder('plain'), funder('flagged', { suspicion: 1 }), funder('half', { suspicion: 0.5 })],
      budgetFen: 0,
      costPerPlacementFen: 0,
      random: seeded(3),
    });
    const count = (id: string) => plan.placements.filter((p) => p.funderId === id).length;
    // weights 1 : 4 : 2.5 of 7.5
    expect(count('flagged') / 10_000).toBeCloseTo(4 / 7.5, 1);
    expect(count('half') / 10_000).toBeCloseTo(2.5 / 7.5, 1);
    expect(count('plain') / 10_000).toBeCloseTo(1 / 7.5, 1);
    // Flow weighs the same way: twice the flow, twice the canaries.
    const byFlow = planCanaries({
      canaries: Array.from({ length: 10_000 }, (_, i) => canary(`k${i}`)),
      funders: [funder('small'), funder('big', { flowWeight: 2 })],
      budgetFen: 0,
      costPerPlacementFen: 0,
      random: seeded(4),
    });
    expect(byFlow.placements.filter((p) => p.funderId === 'big').length / 10_000).toBeCloseTo(2 / 3, 1);
  });

  it('rejects weights and money it cannot plan with', () => {
    const base = { canaries: [canary('a')], budgetFen: 0, costPerPlacementFen: 0, random: seeded(5) };
    expect(() => planCanaries({ ...base, funders: [funder('f', { flowWeight: 0 })] })).toThrow(/flowWeight/);
    expect(() => planCanaries({ ...base, funders: [funder('f', { suspicion: 2 })] })).toThrow(/suspicion/);
    expect(() => planCanaries({ ...base, funders: [funder('f')], budgetFen: 0.5 })).toThrow(/budgetFen/);
  });
});

describe('canary contact attribution', () => {
  it('names the one funder that saw the canary, and nobody otherwise', () => {
    expect(attributeCanaryContact(['f1', 'f1'])).toEqual({ funderId: 'f1', attributable: true });
    expect(attributeCanaryContact([])).toEqual({ attributable: false, reason: 'never-exposed' });
    expect(attributeCanaryContact(['f1', 'f2'])).toEqual({
      attributable: false,
      reason: 'exposed-to-several',
    });
  });
});

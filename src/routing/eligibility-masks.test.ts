// The compiled eligibility masks against the rules they compile, stated plainly per product; and
// decide() on the masks against decide() checking product by product (the path it takes for inputs
// the masks do not cover), outcome for outcome. Seeded: a failure prints its seed and replays.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../kernel/index.ts';
import { quote } from '../pricing/index.ts';
import { compileRoutingTable, decide, type RoutingTable } from './decide.ts';
import { DEFAULT_ROUTING_CONFIG } from './defaults.ts';
import { compileRegions, regionLicensed } from './eligibility.ts';
import {
  compileIntervals,
  compileRegionMasks,
  intervalRow,
  regionMask,
  upperBound,
  wordsFor,
} from './eligibility-masks.ts';
import type { ApplicantFeatures, QuoteFunction, RoutingInput } from './model.ts';
import { randomApplicant, randomCatalog, randomFunderStates } from './testing.ts';

const SEED = 20261125;
const pricing: QuoteFunction = (request) => quote(request, { schedule: false });
const has = (mask: ArrayLike<number>, at: number, i: number) =>
  (mask[at + (i >>> 5)]! & (1 << (i & 31))) !== 0;

describe('interval masks', () => {
  it('hold product i for whole x exactly when lo[i] ≤ x < hi[i]', () => {
    const bound = fc.integer({ min: -50, max: 50 });
    const rule = fc.tuple(bound, fc.oneof(bound, fc.constant(Number.POSITIVE_INFINITY)));
    fc.assert(
      fc.property(
        fc.array(rule, { minLength: 1, maxLength: 80 }),
        fc.array(fc.integer({ min: -60, max: 60 })),
        (rules, xs) => {
          const words = wordsFor(rules.length);
          const masks = compileIntervals(
            rules.map(([lo]) => lo),
            rules.map(([, hi]) => hi),
            words,
          );
          for (const x of [...xs, ...rules.flatMap(([lo, hi]) => [lo - 1, lo, lo + 1, hi - 1, hi])]) {
            if (!Number.isFinite(x)) continue;
            const row = intervalRow(masks, x);
            const held = Array.from({ length: words * 32 }, (_, i) => has(masks.masks, row, i));
            const rule = Array.from({ length: words * 32 }, (_, i) => {
              const [lo, hi] = rules[i] ?? [0, 0];
              return lo <= x && x < hi;
            });
            expect(held).toEqual(rule);
          }
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('finds how many breakpoints are at or below x', () => {
    const breaks = Float64Array.of(-3, 0, 0.5, 7, 1e15);
    expect([-4, -3, 0, 0.4, 0.5, 6, 7, 1e15, 2e15].map((x) => upperBound(breaks, x))).toEqual([
      0, 1, 2, 2, 3, 3, 4, 5, 5,
    ]);
  });
});

describe('region masks', () => {
  it('hold a product exactly when its funder is licensed for the region code', () => {
    const digits = (length: number) =>
      fc
        .array(fc.constantFrom('1', '2', '3'), { minLength: length, maxLength: length })
        .map((d) => d.join(''));
    const prefix = fc.oneof(digits(2), digits(4), digits(6), fc.constant('*'), digits(3));
    fc.assert(
      fc.property(
        fc.array(fc.array(prefix, { maxLength: 4 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 70 }),
        fc.array(fc.oneof(digits(6), digits(4), digits(2), digits(7), fc.constant('')), { maxLength: 20 }),
        (licensed, productFunders, codes) => {
          const funders = licensed.map((regions) => compileRegions(regions));
          const funderOf = productFunders.map((f) => f % funders.length);
          const words = wordsFor(funderOf.length);
          const masks = compileRegionMasks(funders, funderOf, words);
          const out = new Uint32Array(words);
          for (const code of codes) {
            regionMask(masks, code, code.slice(0, 2), code.slice(0, 4), out);
            expect(funderOf.map((_, i) => has(out, 0, i))).toEqual(
              funderOf.map((f) => regionLicensed(funders[f]!, code)),
            );
          }
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});

/** The same table, made to check region, age, amount, term and score product by product. */
const oneByOne = (table: RoutingTable): RoutingTable => ({
  ...table,
  masks: { ...table.masks, amount: null },
});

/** Applicants at and around the products' bounds, and some the masks do not cover. */
function edgeApplicant(random: SeededRandom, table: RoutingTable): ApplicantFeatures {
  const base = randomApplicant(random);
  const product = random.pick(table.products).product;
  const around = (value: number) => value + random.int(-1, 1);
  const pickOne = random.int(0, 9);
  return {
    ...base,
    ageYears: pickOne === 0 ? around(random.chance(0.5) ? product.ageMin : product.ageMax) : base.ageYears,
    amountFen:
      pickOne === 1
        ? around(random.chance(0.5) ? product.minAmountFen : product.maxAmountFen)
        : pickOne === 2
          ? random.int(-1, 3)
          : base.amountFen,
    termMonths:
      pickOne === 3 ? random.pick([0, -1, 360, 361, 1000, product.termsMonths[0]!]) : base.termMonths,
    // (the scorecard needs a term of a month or more: a provided score stands in for odd terms)
    score:
      pickOne === 4
        ? random.pick([0, 1000, product.minScore, product.minScore - 1])
        : pickOne === 3
          ? (base.score ?? 700)
          : base.score,
  };
}

describe('decide on the masks', () => {
  it('gives every product the outcome that checking it product by product gives, and the same offers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const catalog = randomCatalog(seed, 20, 10);
        // Some funders licensed by prefecture or county too, not only by province.
        const random = new SeededRandom(seed ^ 0x2545f491);
        for (const funder of catalog.funders)
          if (random.chance(0.3))
            funder.licensedRegions = [`${random.pick(['11', '31', '44'])}0${random.int(1, 9)}`, '440305'];
        const table = compileRoutingTable(catalog, DEFAULT_ROUTING_CONFIG, pricing);
        const reference = oneByOne(table);
        for (let k = 0; k < 40; k++) {
          const input: RoutingInput = {
            applicant: edgeApplicant(random, table),
            funderStates: randomFunderStates(random, catalog.funders),
            lastFunderId: random.chance(0.3) ? random.pick(catalog.funders).id : null,
            seed: random.nextUint32(),
          };
          expect(decide(table, input)).toEqual(decide(reference, input));
        }
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('checks product by product where the masks do not apply, with the same outcomes as before', () => {
    const catalog = randomCatalog(7, 5, 4);
    const table = compileRoutingTable(catalog, DEFAULT_ROUTING_CONFIG, pricing);
    const random = new SeededRandom(7);
    for (const ageYears of [30.5, Number.NaN, 2 ** 60])
      for (let k = 0; k < 5; k++) {
        const input: RoutingInput = {
          applicant: { ...randomApplicant(random), ageYears },
          funderStates: new Map(),
          lastFunderId: null,
          seed: k,
        };
        expect(decide(table, input)).toEqual(decide(oneByOne(table), input));
      }
    // An amount bound that is not whole fen leaves the amounts uncompiled: every decision goes product by product.
    catalog.products[0]!.maxAmountFen += 0.5;
    expect(compileRoutingTable(catalog, DEFAULT_ROUTING_CONFIG, pricing).masks.amount).toBeNull();
  });
});

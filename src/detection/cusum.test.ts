// The risk-adjusted Bernoulli CUSUM: a hand-computed sequence, the Markov-chain ARL against a
// seeded Monte-Carlo simulation, the threshold's inversion, and properties of the weights.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../kernel/index.ts';
import { BernoulliCusum, cusumBatchWeight, cusumWeight, markovChainArl, thresholdForArl } from './cusum.ts';

describe('risk-adjusted Bernoulli CUSUM (Steiner et al. 2000)', () => {
  it('matches a hand-computed sequence', () => {
    // R0 = 1, RA = 2, h = 1. W = y·ln(RA/R0) − ln(1 − p + RA·p) (R0 = 1 makes the numerator 1):
    //  1. p 0.20 y 1: ln 2 − ln 1.20 = 0.693147 − 0.182322 =  0.510826 → S 0.510826
    //  2. p 0.50 y 0:      − ln 1.50 =                      −0.405465 → S 0.105361
    //  3. p 0.10 y 1: ln 2 − ln 1.10 = 0.693147 − 0.095310 =  0.597837 → S 0.703198
    //  4. p 0.30 y 0:      − ln 1.30 =                      −0.262364 → S 0.440834
    //  5. p 0.40 y 0:      − ln 1.40 =                      −0.336472 → S 0.104362
    //  6. p 0.50 y 0:      − ln 1.50 =                      −0.405465 → S max(0, −0.301103) = 0
    //  7. p 0.25 y 1: ln 2 − ln 1.25 = 0.693147 − 0.223144 =  0.470004 → S 0.470004
    //  8. p 0.05 y 1: ln 2 − ln 1.05 = 0.693147 − 0.048790 =  0.644357 → S 1.114361 ≥ 1: signal, restart at 0
    const steps: Array<[number, 0 | 1, number, boolean]> = [
      [0.2, 1, 0.510826, false],
      [0.5, 0, 0.105361, false],
      [0.1, 1, 0.703198, false],
      [0.3, 0, 0.440834, false],
      [0.4, 0, 0.104362, false],
      [0.5, 0, 0, false],
      [0.25, 1, 0.470004, false],
      [0.05, 1, 0, true],
    ];
    const chart = new BernoulliCusum({ r0: 1, ra: 2, threshold: 1 });
    for (const [p, y, expected, signal] of steps) {
      expect(chart.observe(p, y)).toBe(signal);
      // to 5 decimals: the table rounds each step to 6, and the roundings accumulate
      expect(chart.value).toBeCloseTo(expected, 5);
    }
    expect(chart.signals).toBe(1);
    // the general weight with R0 ≠ 1: y·ln(RA/R0) + ln((1 − p + R0·p)/(1 − p + RA·p))
    // p 0.2, R0 1.5, RA 3, y 1: ln 2 + ln(1.1 / 1.4) = 0.693147 − 0.241162 = 0.451985
    expect(cusumWeight(0.2, 1, 1.5, 3)).toBeCloseTo(0.451985, 6);
  });

  it('a batch weighs the same as its observations one by one', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 200 }),
        fc.double({ min: 1.1, max: 5, noNaN: true }),
        (p, a, b, ra) => {
          const n = Math.max(a, b);
          const y = Math.min(a, b);
          const single = y * cusumWeight(p, 1, 1, ra) + (n - y) * cusumWeight(p, 0, 1, ra);
          expect(cusumBatchWeight(p, n, y, 1, ra)).toBeCloseTo(single, 8);
        },
      ),
    );
  });

  it('an event pushes a rise-detecting chart up and a non-event pushes it down (and the reverse for RA < 1)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.double({ min: 1.01, max: 10, noNaN: true }),
        (p, ra) => {
          expect(cusumWeight(p, 1, 1, ra)).toBeGreaterThan(0);
          expect(cusumWeight(p, 0, 1, ra)).toBeLessThan(0);
          expect(cusumWeight(p, 1, 1, 1 / ra)).toBeLessThan(0);
          expect(cusumWeight(p, 0, 1, 1 / ra)).toBeGreaterThan(0);
        },
      ),
    );
  });

  it('S never goes below 0 and a signal restarts it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0.001, max: 0.999, noNaN: true }), fc.boolean()), {
          maxLength: 300,
        }),
        (observations) => {
          const chart = new BernoulliCusum({ r0: 1, ra: 2, threshold: 2 });
          for (const [p, event] of observations) {
            const signalled = chart.observe(p, event ? 1 : 0);
            expect(chart.value).toBeGreaterThanOrEqual(0);
            expect(chart.value).toBeLessThan(2);
            if (signalled) expect(chart.value).toBe(0);
          }
        },
      ),
    );
  });
});

describe('Markov-chain ARL (Brook & Evans 1972)', () => {
  it('agrees with a seeded Monte-Carlo simulation within 4%', () => {
    // 3,000 simulated run lengths: the standard error of their mean is about ARL / √3000 ≈ 1.8%
    // (run lengths are roughly geometric), so 4% is a bit over two standard errors plus the grid's
    // discretisation error (under 0.1% at this grid: 641.10 vs 641.62 at 2,000 states).
    const mix = { p: [0.05, 0.15, 0.3], weight: [1, 2, 1] };
    const design = { r0: 1, ra: 2, threshold: 3 };
    const arl = markovChainArl(design, mix);
    const random = new SeededRandom(20260101);
    const runs = 3000;
    let total = 0;
    for (let r = 0; r < runs; r++) {
      const chart = new BernoulliCusum(design);
      let n = 0;
      for (;;) {
        n++;
        const u = random.next() * 4;
        const p = u < 1 ? 0.05 : u < 3 ? 0.15 : 0.3;
        if (chart.observe(p, random.chance(p) ? 1 : 0)) break;
      }
      total += n;
    }
    const simulated = total / runs;
    expect(Math.abs(arl - simulated) / simulated, `Markov ${arl}, Monte-Carlo ${simulated}`).toBeLessThan(
      0.04,
    );
  });

  it('a larger threshold gives a larger ARL', () => {
    const mix = { p: [0.1], weight: [1] };
    let previous = 0;
    for (const h of [0.5, 1, 2, 3, 4, 6]) {
      const arl = markovChainArl({ r0: 1, ra: 1.5, threshold: h }, mix);
      expect(arl).toBeGreaterThan(previous);
      previous = arl;
    }
  });

  it('thresholdForArl finds the smallest threshold reaching the ARL (to its stated precision)', () => {
    // a fixed grid, so ARL(h) is the same function at every h the bisection tries
    const mix = { p: [0.1, 0.2], weight: [1, 1] };
    const states = 300;
    for (const arl0 of [100, 1000, 50_000]) {
      const h = thresholdForArl(arl0, { r0: 1, ra: 2 }, mix, states);
      expect(markovChainArl({ r0: 1, ra: 2, threshold: h }, mix, states)).toBeGreaterThanOrEqual(arl0);
      expect(markovChainArl({ r0: 1, ra: 2, threshold: h * (1 - 2e-4) }, mix, states)).toBeLessThan(arl0);
    }
  });
});

// The two-sample tests against published values (see stats.ts for the sources).
import { describe, expect, it } from 'vitest';
import { chiSquareTwoSample, entropyBitsPerChar, gammaQ, kolmogorovSurvival, ksTwoSample } from './stats.ts';

describe('two-sample statistics', () => {
  it('the Kolmogorov survival function: P(K > 1) = 0.26999967, P(K > 1.36) ≈ 0.0494', () => {
    expect(kolmogorovSurvival(1)).toBeCloseTo(0.26999967, 7);
    expect(kolmogorovSurvival(1.36)).toBeCloseTo(0.04946, 4);
  });
  it('KS: equal samples D = 0 (p = 1); disjoint samples of 30 D = 1, p below 1e-10', () => {
    const a = Array.from({ length: 30 }, (_, i) => i);
    expect(ksTwoSample(a, a)).toEqual({ d: 0, p: 1 });
    const far = ksTwoSample(
      a,
      a.map((v) => v + 100),
    );
    expect(far.d).toBe(1);
    expect(far.p).toBeLessThan(1e-10);
  });
  it('chi-square: [[10, 20], [20, 10]] gives χ² = 6.6667 with 1 df, p = 0.009823; Q(1, 1) = e⁻¹', () => {
    const a = [...Array(10).fill('x'), ...Array(20).fill('y')];
    const b = [...Array(20).fill('x'), ...Array(10).fill('y')];
    const result = chiSquareTwoSample(a, b);
    expect(result.chi2).toBeCloseTo(6.6667, 4);
    expect(result.df).toBe(1);
    expect(result.p).toBeCloseTo(0.009823, 5);
    expect(gammaQ(1, 1)).toBeCloseTo(Math.exp(-1), 12);
    expect(gammaQ(5, 20)).toBeCloseTo(1.6944e-5, 8); // χ²(10) = 40: p = 1.694e-5
  });
  it('entropy: "aaaa" 0 bits, "abcd" 2 bits per character', () => {
    expect(entropyBitsPerChar('aaaa')).toBe(0);
    expect(entropyBitsPerChar('abcd')).toBe(2);
  });
});

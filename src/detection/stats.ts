// Exact tail probabilities the fusion rule tests evidence counts with: the binomial upper tail and
// the conditional test comparing two Poisson rates. Pure arithmetic in log space, no dependencies.
import { assert } from '../kernel/index.ts';

// Lanczos approximation (g = 7, n = 9; Numerical Recipes 3rd ed. §6.1 coefficients as in
// Boost/SciPy): |relative error| < 1e-15 for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

export function logGamma(x: number): number {
  assert(x > 0, 'logGamma needs x > 0');
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

function logBinomialTerm(k: number, n: number, logP: number, logQ: number, logChooseBase: number): number {
  return logChooseBase - logGamma(k + 1) - logGamma(n - k + 1) + k * logP + (n - k) * logQ;
}

/** A term this small against the running sum no longer changes a double. */
const TAIL_EPSILON = 1e-17;

/**
 * P(X ≥ k) for X ~ Binomial(n, p), exactly (to double precision): the terms are summed from k
 * upward when k is above the mode (they fall from there) and as 1 − P(X ≤ k − 1) summed downward
 * otherwise, stopping once a term no longer changes the sum; O(terms that matter), not O(n).
 */
export function binomialUpperTail(k: number, n: number, p: number): number {
  assert(Number.isInteger(k) && Number.isInteger(n) && n >= 0, 'binomial tail needs integer k and n ≥ 0');
  assert(p >= 0 && p <= 1, 'binomial tail needs p in [0, 1]');
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p === 0) return 0;
  if (p === 1) return 1;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  const base = logGamma(n + 1);
  const mode = Math.floor((n + 1) * p);
  if (k > mode) {
    let sum = 0;
    for (let i = k; i <= n; i++) {
      const term = Math.exp(logBinomialTerm(i, n, logP, logQ, base));
      sum += term;
      if (term <= sum * TAIL_EPSILON) break;
    }
    return Math.min(1, sum);
  }
  let lower = 0;
  for (let i = k - 1; i >= 0; i--) {
    const term = Math.exp(logBinomialTerm(i, n, logP, logQ, base));
    lower += term;
    if (term <= lower * TAIL_EPSILON) break;
  }
  return Math.max(0, 1 - lower);
}

export interface RateComparison {
  /** the funder's count */
  count: number;
  /** what the peers' rate explains, times the null ratio: the count the null hypothesis expects */
  expected: number;
  /** one-sided p-value of count against H0: rate ≤ nullRatio × peer rate */
  pValue: number;
}

/**
 * Is a funder's rate of events per unit of exposure more than `nullRatio` times its peers'? The
 * exact conditional test for two Poisson rates (Przyborowski & Wileński 1940; Lehmann & Romano,
 * Testing Statistical Hypotheses, §4.5): given the total n = x + y, the funder's count x is
 * Binomial(n, π) with π = R·E_x / (R·E_x + E_y) under H0 at the boundary rate ratio R, so the
 * p-value is P(X ≥ x). The peers' rate is estimated from their own counts, so its noise is in the
 * test, not assumed away. With no peer exposure there is nothing to compare: p = 1.
 */
export function comparePoissonRates(
  count: number,
  exposure: number,
  peerCount: number,
  peerExposure: number,
  nullRatio: number,
): RateComparison {
  assert(nullRatio > 0, 'null ratio must be positive');
  if (exposure <= 0 || peerExposure <= 0) return { count, expected: 0, pValue: 1 };
  const weighted = nullRatio * exposure;
  const pi = weighted / (weighted + peerExposure);
  const n = count + peerCount;
  return {
    count,
    expected: (nullRatio * exposure * peerCount) / peerExposure,
    pValue: binomialUpperTail(count, n, pi),
  };
}

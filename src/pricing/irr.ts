// The period IRR of a loan's cash flows: the rate r at which the payments, discounted monthly,
// equal the amount disbursed at t0. Halley's method (Newton's with the curvature) from a close
// first guess, safeguarded by a Newton step and a bisection bracket, so it converges in two or
// three evaluations on ordinary loans and can never diverge on odd ones.
//
// The borrower receives D > 0 at t0 and pays p_t ≥ 0 at t = 1..n. f(r) = Σ p_t (1+r)^-t − D is
// strictly decreasing for r > −1 when some p_t > 0, so the root is unique. Since every schedule
// repays the whole principal and D ≤ principal, Σ p_t ≥ D, so f(0) ≥ 0 and the root is ≥ 0.

/**
 * The solver's range. A quote's cash flows cannot reach it: at least 1 fen is disbursed and at most
 * MAX_FEN (10^13) repaid, so r < 10^13 and (1 + r)^12 stays finite. It bounds the bracket search for
 * any other caller, who gets UNSOLVABLE rather than a runaway loop.
 */
export const MAX_PERIOD_RATE = 1e15;
/** Iteration limit: the bracket search needs ≤ 30 quadruplings, bisection ≤ ~110 halvings. */
export const MAX_ITERATIONS = 200;
/** Stop when |f(r)| ≤ this × D (far inside the 1e-9-of-principal residual the tests demand). */
const RESIDUAL_TOLERANCE = 1e-13;

export const UNSOLVABLE = -1;

/**
 * Σ p_t v^t − D and its first two derivatives in r, by Horner's rule in v = 1/(1+r).
 * payments[t] for t = 1..n.
 */
function presentValue(
  payments: Float64Array,
  n: number,
  disbursed: number,
  rate: number,
  out: Float64Array,
): void {
  const v = 1 / (1 + rate);
  let value = 0;
  let weighted = 0;
  let weightedTwice = 0;
  for (let t = n; t >= 1; t--) {
    const p = payments[t]!;
    value = (value + p) * v;
    weighted = (weighted + t * p) * v;
    weightedTwice = (weightedTwice + t * (t + 1) * p) * v;
  }
  out[0] = value - disbursed;
  out[1] = -weighted * v; // d/dr Σ p_t (1+r)^-t = −Σ t p_t (1+r)^-(t+1)
  out[2] = weightedTwice * v * v; // Σ t(t+1) p_t (1+r)^-(t+2)
}

const scratch = new Float64Array(3);
/** Iterations used by the last solve (for benchmarks and tests). */
export let lastIterations = 0;

/**
 * The period rate r ≥ 0 with Σ payments[t] (1+r)^-t = disbursed, or UNSOLVABLE (−1) when it lies above
 * MAX_PERIOD_RATE. payments[0] is ignored. Requires disbursed > 0 and Σ payments ≥ disbursed.
 */
export function solvePeriodRate(payments: Float64Array, n: number, disbursed: number): number {
  // One pass for the payments' total T and the first two moments of their timing.
  let total = 0;
  let timed = 0;
  let timedSquared = 0;
  const level = payments[1]!;
  let isLevel = true;
  for (let t = 1; t <= n; t++) {
    const p = payments[t]!;
    total += p;
    timed += t * p;
    timedSquared += t * t * p;
    if (p !== level && t < n) isLevel = false;
  }
  const cost = total - disbursed;
  if (cost <= 0) {
    lastIterations = 0;
    return 0; // no cost over the cash actually received: the annual cost is zero
  }
  // A level payment c with the amount disbursed repaid on top of the last one (interest-first with
  // no upfront fee) is a par bond: c/D solves Σ c (1+r)^-t + D (1+r)^-n = D exactly.
  if (isLevel && payments[n]! - level === disbursed) {
    lastIterations = 0;
    return level / disbursed;
  }
  // Σ p_t (1+r)^-t ≤ T/(1+r), so the root is at most T/D − 1 = cost/D: a bracket [0, hi] without
  // evaluating anything (the margin covers the rounding of the division). Beyond the solver's range
  // (never for a quote: D ≥ 1 fen and T ≤ MAX_FEN) the bracket is searched for instead.
  const bound = (cost / disbursed) * (1 + 1e-12);
  if (!(bound <= MAX_PERIOD_RATE)) return solveSearchingBracket(payments, n, disbursed, cost);
  // The first guess: with λ = ln(1+r), ln(Σ p_t e^{−tλ} / T) = −τλ + σ²λ²/2 − …, where τ and σ²
  // are the mean and variance of the payment times weighted by amount. Solving that second-order
  // expansion for ln(D/T) puts the guess within ~1e-4 of the rate on consumer loans (level
  // payments are symmetric in time, so the third-order term is small), against ~1e-1 for simple
  // interest, so one Halley step usually lands within the tolerance.
  const mean = timed / total;
  const variance = Math.max(timedSquared / total - mean * mean, 0);
  const logRatio = Math.log1p(cost / disbursed); // ln(T/D) > 0
  const discriminant = mean * mean - 2 * variance * logRatio;
  let rate = Math.expm1(
    discriminant >= 0 ? (2 * logRatio) / (mean + Math.sqrt(discriminant)) : logRatio / mean,
  );
  // Jensen's inequality puts e^{ln(T/D)/τ} − 1 at or below the root: a safe second choice.
  if (!(rate > 0 && rate < bound)) rate = Math.expm1(logRatio / mean);
  if (!(rate > 0 && rate < bound)) rate = bound / 2;
  return refineInBracket(payments, n, disbursed, rate, 0, bound, 0);
}

/**
 * Halley's method from `start` inside [lo, hi], which holds the root. A Halley step that leaves the
 * bracket falls back to Newton's: f is convex and decreasing, so a Newton step from the left of the
 * root stays left of it and converges monotonically. A step that still leaves the bracket (possible
 * from the right) is replaced by a bisection. Either way the bracket holds the root, so the solve
 * cannot diverge.
 */
function refineInBracket(
  payments: Float64Array,
  n: number,
  disbursed: number,
  start: number,
  lowest: number,
  highest: number,
  used: number,
): number {
  const tolerance = RESIDUAL_TOLERANCE * disbursed;
  let lo = lowest;
  let hi = highest;
  let rate = start;
  let iterations = used;
  while (iterations < MAX_ITERATIONS) {
    presentValue(payments, n, disbursed, rate, scratch);
    iterations++;
    const value = scratch[0]!;
    const slope = scratch[1]!;
    if (Math.abs(value) <= tolerance) break;
    if (value > 0) lo = rate;
    else hi = rate;
    if (hi - lo <= 1e-15 * (1 + hi)) break;
    // Halley's step, r − 2ff′ / (2f′² − ff″): cubic convergence near the root
    const curvature = scratch[2]!;
    const halley = rate - (2 * value * slope) / (2 * slope * slope - value * curvature);
    const newton = rate - value / slope;
    const next = halley > lo && halley < hi ? halley : newton > lo && newton < hi ? newton : (lo + hi) / 2;
    if (Math.abs(next - rate) <= 1e-16 * (1 + rate)) {
      rate = next;
      break;
    }
    rate = next;
  }
  lastIterations = iterations;
  return rate;
}

/**
 * The solve for cash flows whose bound cost/D exceeds MAX_PERIOD_RATE: bracket [lo, hi] with
 * f(lo) ≥ 0 > f(hi) by quadrupling from a simple-interest guess, UNSOLVABLE past the range.
 */
function solveSearchingBracket(payments: Float64Array, n: number, disbursed: number, cost: number): number {
  let lo = 0;
  let hi = Math.min(Math.max((4 * cost) / (disbursed * (n + 1)), 1e-6), MAX_PERIOD_RATE);
  let iterations = 0;
  for (;;) {
    presentValue(payments, n, disbursed, hi, scratch);
    iterations++;
    if (scratch[0]! < 0) break;
    lo = hi;
    if (hi >= MAX_PERIOD_RATE) {
      lastIterations = iterations;
      return UNSOLVABLE;
    }
    hi = Math.min(hi * 4, MAX_PERIOD_RATE);
  }
  let rate = (2 * cost) / (disbursed * (n + 1));
  if (!(rate > lo && rate < hi)) rate = (lo + hi) / 2;
  return refineInBracket(payments, n, disbursed, rate, lo, hi, iterations);
}

/**
 * The reference model (STYLE §9): plain bisection, slow and obviously correct. Tests check the fast
 * solver against it and the benchmark uses it as the naive peer.
 */
export function solvePeriodRateBisection(payments: Float64Array, n: number, disbursed: number): number {
  const f = (rate: number): number => {
    let value = 0;
    for (let t = 1; t <= n; t++) value += payments[t]! / (1 + rate) ** t;
    return value - disbursed;
  };
  if (f(0) <= 0) return 0;
  let lo = 0;
  let hi = 1;
  while (f(hi) >= 0) {
    lo = hi;
    hi *= 2;
    if (hi > MAX_PERIOD_RATE * 2) return UNSOLVABLE;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-16 * (1 + hi); i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) >= 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

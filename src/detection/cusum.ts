// The risk-adjusted Bernoulli CUSUM (Steiner, Cook, Farewell & Treasure 2000, "Monitoring surgical
// performance using risk-adjusted cumulative sum charts", Biostatistics 1(4):441–452), and its
// threshold from an in-control average run length by the Markov-chain approximation of Brook &
// Evans (1972, "An approximation to the average run length of cumulative sum control schemes",
// Biometrika 59(3):539–549), inverted by bisection. Pure: no clock, no randomness, no I/O.
import { assert } from '../kernel/index.ts';

/**
 * The log-likelihood-ratio weight of one observation (Steiner et al. 2000, §2.1, eq. 2.1–2.2).
 * The chart tests the in-control odds ratio R0 against the out-of-control RA: under odds ratio R an
 * event's probability is p_R = R·p / (1 − p + R·p), where p is the risk model's prediction. So
 *   W = log[ p_A^y (1 − p_A)^(1−y) / (p_0^y (1 − p_0)^(1−y)) ]
 *     = y·log(RA / R0) + log[ (1 − p + R0·p) / (1 − p + RA·p) ]
 * (the (1 − p) factors of 1 − p_R cancel). With R0 = 1 this is the paper's
 *   W = log[ RA^y / (1 − p + RA·p) ].
 */
export function cusumWeight(p: number, y: 0 | 1, r0: number, ra: number): number {
  return y * Math.log(ra / r0) + Math.log((1 - p + r0 * p) / (1 - p + ra * p));
}

/**
 * The summed weight of n observations that share the prediction p, y of which were events: the
 * same sum as n calls of `cusumWeight`. A daily cohort is such a batch; the chart then moves once a
 * day (a grouped CUSUM), which can only lengthen the run length against per-observation updating
 * (a crossing inside the day that the day's end undoes is not seen), so thresholds stay conservative.
 */
export function cusumBatchWeight(p: number, n: number, y: number, r0: number, ra: number): number {
  return y * Math.log(ra / r0) + n * Math.log((1 - p + r0 * p) / (1 - p + ra * p));
}

export interface CusumDesign {
  /** in-control odds ratio (1: the prediction is right) */
  r0: number;
  /** the odds ratio the chart is tuned to detect: > r0 for a rise, < r0 for a fall */
  ra: number;
  /** signal when S ≥ threshold */
  threshold: number;
}

/** S_t = max(0, S_{t−1} + W_t); signal at S ≥ h, after which the chart restarts at 0. */
export class BernoulliCusum {
  value = 0;
  signals = 0;
  constructor(readonly design: CusumDesign) {
    assert(design.r0 > 0 && design.ra > 0 && design.ra !== design.r0, 'CUSUM needs r0, ra > 0, ra ≠ r0');
    assert(design.threshold > 0, 'CUSUM threshold must be positive');
  }

  /** One observation; true when it signals. */
  observe(p: number, y: 0 | 1): boolean {
    return this.add(cusumWeight(p, y, this.design.r0, this.design.ra));
  }

  /** A batch of n observations at p with y events; true when it signals. */
  observeBatch(p: number, n: number, y: number): boolean {
    if (n <= 0) return false;
    return this.add(cusumBatchWeight(p, n, y, this.design.r0, this.design.ra));
  }

  private add(weight: number): boolean {
    const next = this.value + weight;
    this.value = Math.max(next, 0);
    if (this.value >= this.design.threshold) {
      this.signals++;
      this.value = 0;
      return true;
    }
    return false;
  }
}

/** A mix of predicted probabilities: the in-control population of patients (here: applicants). */
export interface RiskMix {
  p: readonly number[];
  weight: readonly number[];
}

/**
 * States of the discretised chart. By default the count is chosen so that the smallest step a
 * single observation makes spans about STEP_STATES states (a rare-event chart takes tiny negative
 * steps, and a coarse grid would hold the chart still and overstate the ARL), within these bounds.
 */
export const ARL_STATES_MIN = 1000;
export const ARL_STATES_MAX = 20_000;
const STEP_STATES = 8;

/**
 * In-control ARL (observations until a signal, from S = 0) by the Markov-chain approximation:
 * [0, h) is cut into M intervals of width w = 2h / (2M − 1), state 0 = [0, w/2) holding the
 * reflecting barrier, state j ≥ 1 = [(j − ½)w, (j + ½)w) represented by its centre j·w; S ≥ h
 * absorbs. From centre j·w an observation with prediction p moves to max(0, j·w + W), W drawn from
 * the two weights with P(event) = p_R0 = R0·p / (1 − p + R0·p); the ARL is the first entry of
 * (I − Q)⁻¹·1 (Brook & Evans 1972, §2). A step moves a bounded number of states, so Q is banded and
 * stored as a band; Gaussian elimination needs no pivoting (I − Q is a diagonally dominant
 * M-matrix) and its fill-in stays inside the band: O(M · lower · upper).
 */
export function markovChainArl(design: CusumDesign, mix: RiskMix, states?: number): number {
  const { r0, ra, threshold: h } = design;
  assert(h > 0 && Number.isFinite(h), 'threshold must be positive');
  assert(
    mix.p.length === mix.weight.length && mix.p.length >= 1,
    'risk mix needs p and weight of equal length',
  );
  let totalWeight = 0;
  let smallestStep = Number.POSITIVE_INFINITY;
  let largestUp = 0;
  let largestDown = 0;
  for (let k = 0; k < mix.p.length; k++) {
    const p = mix.p[k]!;
    assert(p > 0 && p < 1, `risk mix p must be in (0, 1), got ${p}`);
    assert(mix.weight[k]! >= 0, 'risk mix weights must be ≥ 0');
    totalWeight += mix.weight[k]!;
    for (const y of [0, 1] as const) {
      const step = cusumWeight(p, y, r0, ra);
      smallestStep = Math.min(smallestStep, Math.abs(step));
      if (step > 0) largestUp = Math.max(largestUp, step);
      else largestDown = Math.max(largestDown, -step);
    }
  }
  assert(totalWeight > 0, 'risk mix weights must sum to more than 0');
  const m =
    states ?? Math.min(ARL_STATES_MAX, Math.max(ARL_STATES_MIN, Math.ceil((STEP_STATES * h) / smallestStep)));
  assert(Number.isInteger(m) && m >= 2 && m <= ARL_STATES_MAX, `states must be 2..${ARL_STATES_MAX}`);
  const w = (2 * h) / (2 * m - 1);
  const lower = Math.min(m - 1, Math.ceil(largestDown / w) + 1);
  const upper = Math.min(m - 1, Math.ceil(largestUp / w) + 1);
  const width = lower + upper + 1;
  // band[j * width + (i − j + lower)] holds (I − Q)[j][i]
  const band = new Float64Array(m * width);
  const at = (j: number, i: number) => j * width + (i - j + lower);
  for (let j = 0; j < m; j++) {
    band[at(j, j)] = 1;
    const centre = j * w;
    for (let k = 0; k < mix.p.length; k++) {
      const p = mix.p[k]!;
      const share = mix.weight[k]! / totalWeight;
      const pEvent = (r0 * p) / (1 - p + r0 * p);
      for (const y of [0, 1] as const) {
        const probability = share * (y === 1 ? pEvent : 1 - pEvent);
        if (probability === 0) continue;
        const next = Math.max(0, centre + cusumWeight(p, y, r0, ra));
        if (next >= h) continue; // absorbed: a signal
        const i = next < w / 2 ? 0 : Math.min(m - 1, Math.round(next / w));
        assert(i - j <= upper && j - i <= lower, 'Markov-chain ARL: a step left the band');
        band[at(j, i)] = band[at(j, i)]! - probability;
      }
    }
  }
  const b = new Float64Array(m).fill(1);
  for (let k = 0; k < m; k++) {
    const pivot = band[at(k, k)]!;
    assert(pivot > 0, 'Markov-chain ARL: singular transition matrix (the chart never signals)');
    const lastRow = Math.min(m - 1, k + lower);
    const lastCol = Math.min(m - 1, k + upper);
    for (let i = k + 1; i <= lastRow; i++) {
      const factor = band[at(i, k)]! / pivot;
      if (factor === 0) continue;
      // row i reaches column k + upper at most within its band (i − lower ≤ k, i + upper ≥ k + upper)
      for (let c = k; c <= lastCol; c++) band[at(i, c)] = band[at(i, c)]! - factor * band[at(k, c)]!;
      b[i] = b[i]! - factor * b[k]!;
    }
  }
  const x = new Float64Array(m);
  for (let k = m - 1; k >= 0; k--) {
    let sum = b[k]!;
    const lastCol = Math.min(m - 1, k + upper);
    for (let c = k + 1; c <= lastCol; c++) sum -= band[at(k, c)]! * x[c]!;
    x[k] = sum / band[at(k, k)]!;
  }
  return x[0]!;
}

/** Bisection steps: the bracket [lo, hi] shrinks by 2^-60, far below any useful precision. */
const BISECTION_STEPS_MAX = 60;
/** Bisection stops when the bracket is this small relative to h: far below the grid's own error. */
export const THRESHOLD_RELATIVE_PRECISION = 1e-4;
/** The largest threshold tried: log-likelihood 200 is an ARL far beyond any configured ARL0. */
export const THRESHOLD_MAX = 200;

/**
 * The smallest threshold h whose in-control ARL (Markov chain) is at least `arl0` observations:
 * the ARL grows with h, so bisection on [0, THRESHOLD_MAX] finds it.
 */
export function thresholdForArl(
  arl0: number,
  design: { r0: number; ra: number },
  mix: RiskMix,
  states?: number,
): number {
  assert(Number.isFinite(arl0) && arl0 >= 1, 'arl0 must be ≥ 1 observation');
  let lo = 0;
  let hi = 1;
  while (markovChainArl({ ...design, threshold: hi }, mix, states) < arl0) {
    lo = hi;
    hi *= 2;
    assert(hi <= THRESHOLD_MAX, `no threshold ≤ ${THRESHOLD_MAX} reaches ARL ${arl0}`);
  }
  for (let step = 0; step < BISECTION_STEPS_MAX && hi - lo > THRESHOLD_RELATIVE_PRECISION * hi; step++) {
    const mid = (lo + hi) / 2;
    if (markovChainArl({ ...design, threshold: mid }, mix, states) < arl0) lo = mid;
    else hi = mid;
  }
  return hi;
}

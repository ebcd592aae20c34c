// Two-sample tests for "the same distribution" checks (detection's indistinguishability test).
// Kolmogorov–Smirnov with the asymptotic Kolmogorov distribution and Stephens' small-sample
// correction (Numerical Recipes 3rd ed. §14.3.3, probks); Pearson's chi-square on a 2×k table with
// the regularised incomplete gamma function (Numerical Recipes §6.2, gammq). Checked in
// stats.test.ts against published values: P(K > 1) = 0.26999967 (Kolmogorov 1933; Marsaglia, Tsang
// & Wang 2003) and χ²(1) = 6.6667 → p = 0.009823 (any χ² table).

/** Q_KS(λ) = 2 Σ_{j≥1} (−1)^{j−1} exp(−2 j² λ²), the Kolmogorov survival function. */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda < 1e-3) return 1;
  let sum = 0;
  for (let j = 1; j <= 100; j++) {
    const term = 2 * (j % 2 === 1 ? 1 : -1) * Math.exp(-2 * j * j * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
  }
  return Math.min(1, Math.max(0, sum));
}

export function ksTwoSample(a: readonly number[], b: readonly number[]): { d: number; p: number } {
  if (a.length === 0 || b.length === 0) throw new Error('KS needs two non-empty samples');
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const en = Math.sqrt((x.length * y.length) / (x.length + y.length));
  return { d, p: kolmogorovSurvival((en + 0.12 + 0.11 / en) * d) };
}

function logGamma(x: number): number {
  // Lanczos (g = 7, n = 9), accurate to ~1e-15 for x > 0
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = c[0]!;
  for (let k = 1; k < 9; k++) sum += c[k]! / (z + k);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Q(a, x) = Γ(a, x) / Γ(a), the upper regularised incomplete gamma function. */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const gln = logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return 1 - sum * Math.exp(-x + a * Math.log(x) - gln);
  }
  // Lentz's continued fraction
  let b = x + 1 - a;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.exp(-x + a * Math.log(x) - gln) * h;
}

/** Pearson's chi-square test that two samples of categories come from one distribution. */
export function chiSquareTwoSample(
  a: readonly string[],
  b: readonly string[],
): { chi2: number; df: number; p: number } {
  const categories = [...new Set([...a, ...b])];
  if (categories.length < 2) return { chi2: 0, df: 0, p: 1 };
  const count = (sample: readonly string[]) => {
    const m = new Map<string, number>();
    for (const v of sample) m.set(v, (m.get(v) ?? 0) + 1);
    return m;
  };
  const ca = count(a);
  const cb = count(b);
  const total = a.length + b.length;
  let chi2 = 0;
  for (const category of categories) {
    const column = (ca.get(category) ?? 0) + (cb.get(category) ?? 0);
    for (const [observed, rowTotal] of [
      [ca.get(category) ?? 0, a.length],
      [cb.get(category) ?? 0, b.length],
    ] as const) {
      const expected = (rowTotal * column) / total;
      chi2 += (observed - expected) ** 2 / expected;
    }
  }
  const df = categories.length - 1;
  return { chi2, df, p: gammaQ(df / 2, chi2 / 2) };
}

/** Shannon entropy of a string's characters, bits per character. */
export function entropyBitsPerChar(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const n = [...text].length;
  let h = 0;
  for (const c of counts.values()) h -= (c / n) * Math.log2(c / n);
  return h;
}

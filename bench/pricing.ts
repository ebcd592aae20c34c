// Pricing: IRR solves per second on 12- and 36-period schedules with fees, one core (Node runs this
// on one thread). The peer in the same run is plain bisection (the reference model in irr.ts).
// Also results: whole APR-only quotes per second (`quote(input, { schedule: false })`, what routing
// calls for every eligible offer: validation, payments, solve, cap check). Logged, not a result:
// whole quotes with schedule lines.
import { SeededRandom } from '../src/kernel/index.ts';
import type { FeeLine, QuoteInput } from '../src/pricing/index.ts';
import { REPAYMENT_METHODS, quote, solvePeriodRate, solvePeriodRateBisection } from '../src/pricing/index.ts';
import { lastIterations } from '../src/pricing/irr.ts';
import type { BenchArea, BenchResult } from './run.ts';

const LOANS = 256;
const ROUNDS = 7;
const ROUND_MS = 150;

interface Flows {
  payments: Float64Array;
  n: number;
  disbursed: number;
}

/** Seeded consumer loans: ¥1k–¥200k, 6–36% a year, every method, with upfront and monthly fees. */
function loans(termMonths: number, seed: number): QuoteInput[] {
  const random = new SeededRandom(seed);
  const out: QuoteInput[] = [];
  for (let i = 0; i < LOANS; i++) {
    const principalFen = 100_000 + Math.floor(random.next() * 19_900_000);
    const fees: FeeLine[] = [
      { kind: 'upfront', amountFen: Math.floor(principalFen * 0.02 * random.next()) },
      { kind: 'monthly', amountFen: Math.floor(random.next() * 2_000) },
      { kind: 'monthly-rate', rate: Math.round(random.next() * 30) / 10_000 },
    ];
    out.push({
      principalFen,
      termMonths,
      rateAnnual: Math.round((0.06 + random.next() * 0.3) * 10_000) / 10_000,
      method: REPAYMENT_METHODS[i % REPAYMENT_METHODS.length]!,
      fees,
    });
  }
  return out;
}

function flowsOf(inputs: QuoteInput[]): Flows[] {
  return inputs.map((input) => {
    const q = quote(input);
    if (!q.ok) throw new Error(q.message);
    const payments = new Float64Array(input.termMonths + 1);
    for (const line of q.value.schedule) payments[line.period] = line.paymentFen;
    return { payments, n: input.termMonths, disbursed: q.value.totals.disbursedFen };
  });
}

/** Median over ROUNDS of operations per second, each round running for ~ROUND_MS. */
function measure(op: (i: number) => number): number {
  let sink = 0;
  for (let i = 0; i < 2_000; i++) sink += op(i % LOANS); // warm up the JIT
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let count = 0;
    const start = process.hrtime.bigint();
    let elapsedNs = 0n;
    const budgetNs = BigInt(ROUND_MS) * 1_000_000n;
    while (elapsedNs < budgetNs) {
      for (let i = 0; i < LOANS; i++) sink += op(i);
      count += LOANS;
      elapsedNs = process.hrtime.bigint() - start;
    }
    rates.push(count / (Number(elapsedNs) / 1e9));
  }
  if (Number.isNaN(sink)) throw new Error('unreachable: keeps the result alive');
  rates.sort((a, b) => a - b);
  return Math.round(rates[Math.floor(ROUNDS / 2)]!);
}

const pricing: BenchArea = {
  description: `IRR solves/s (Newton in a bisection bracket) vs plain bisection, ${LOANS} seeded loans with fees, median of ${ROUNDS}`,
  async run({ log }) {
    const results: BenchResult[] = [];
    for (const termMonths of [12, 36]) {
      const inputs = loans(termMonths, termMonths);
      const flows = flowsOf(inputs);
      // same answers first: a fast wrong solver is no result
      let evaluations = 0;
      let mostEvaluations = 0;
      for (const f of flows) {
        const fast = solvePeriodRate(f.payments, f.n, f.disbursed);
        evaluations += lastIterations;
        mostEvaluations = Math.max(mostEvaluations, lastIterations);
        const slow = solvePeriodRateBisection(f.payments, f.n, f.disbursed);
        if (Math.abs(fast - slow) > 1e-11) throw new Error(`solvers disagree: ${fast} vs ${slow}`);
      }
      const solver = measure((i) => {
        const f = flows[i]!;
        return solvePeriodRate(f.payments, f.n, f.disbursed);
      });
      const bisection = measure((i) => {
        const f = flows[i]!;
        return solvePeriodRateBisection(f.payments, f.n, f.disbursed);
      });
      const aprOnly = measure((i) => {
        const q = quote(inputs[i]!, { schedule: false });
        return q.ok ? q.value.apr.periodRate : 0;
      });
      const full = measure((i) => {
        const q = quote(inputs[i]!);
        return q.ok ? q.value.schedule.length : 0;
      });
      log(
        `${termMonths} periods: ${(evaluations / flows.length).toFixed(1)} present-value evaluations per solve on average, ${mostEvaluations} at most`,
      );
      log(
        `${termMonths} periods: solver ${solver.toLocaleString('en-US')}/s, plain bisection ${bisection.toLocaleString('en-US')}/s, ` +
          `quote (APR only) ${aprOnly.toLocaleString('en-US')}/s, quote with schedule ${full.toLocaleString('en-US')}/s`,
      );
      results.push({
        name: `irr_solves_per_s_${termMonths}`,
        value: solver,
        unit: 'solves/s',
        note: `peer plain bisection ${bisection.toLocaleString('en-US')}/s (${(solver / bisection).toFixed(0)}×)${termMonths === 12 ? '; goal ≥ 200,000' : ''}`,
      });
      results.push({
        name: `quotes_apr_only_per_s_${termMonths}`,
        value: aprOnly,
        unit: 'quotes/s',
        note: `whole quote(input, { schedule: false }), routing's cost per eligible offer; with schedule lines ${full.toLocaleString('en-US')}/s`,
      });
    }
    return results;
  },
};

export default pricing;

// Properties of schedules and the annual cost, plus the bad-input and no-solution cases by name.
// fast-check prints the seed of any failure; replay it with
//   FC_SEED=<seed> npx vitest run src/pricing/quote.test.ts
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FeeLine } from '../catalog/model.ts';
import { MAX_FEN } from '../kernel/index.ts';
import {
  checkJudicialCeiling,
  disclosure,
  enforceCap,
  type Quote,
  type QuoteInput,
  quote,
  REPAYMENT_METHODS,
  solvePeriodRate,
  solvePeriodRateBisection,
} from './index.ts';
import { lastIterations, MAX_ITERATIONS } from './irr.ts';

if (process.env.FC_SEED) fc.configureGlobal({ seed: Number(process.env.FC_SEED) });

function priced(input: QuoteInput): Quote {
  const result = quote(input);
  if (!result.ok) throw new Error(`${result.code} (${result.field}): ${result.message}`);
  return result.value;
}

const method = fc.constantFrom(...REPAYMENT_METHODS);
const rate = fc.integer({ min: 0, max: 9999 }).map((bp) => bp / 10_000);
const fee = (termMonths: number): fc.Arbitrary<FeeLine> =>
  fc.oneof(
    fc.record({ kind: fc.constant('upfront' as const), amountFen: fc.integer({ min: 0, max: 20_000 }) }),
    fc.record({ kind: fc.constant('monthly' as const), amountFen: fc.integer({ min: 0, max: 5_000 }) }),
    fc.record({
      kind: fc.constant('monthly-rate' as const),
      rate: fc.integer({ min: 0, max: 100 }).map((x) => x / 10_000),
    }),
    fc.record({
      kind: fc.constant('once' as const),
      period: fc.integer({ min: 1, max: termMonths }),
      amountFen: fc.integer({ min: 0, max: 50_000 }),
    }),
  );
const loan = fc.integer({ min: 1, max: 360 }).chain((termMonths) =>
  fc.record({
    principalFen: fc.integer({ min: 100_000, max: 50_000_000 }),
    termMonths: fc.constant(termMonths),
    rateAnnual: rate,
    method,
    fees: fc.array(fee(termMonths), { maxLength: 4 }),
  }),
);

/** Σ p_t (1+r)^-t − D, straightforwardly (not the solver's Horner form). */
function residual(q: Quote): number {
  let value = 0;
  for (const line of q.schedule) value += line.paymentFen / (1 + q.apr.periodRate) ** line.period;
  return value - q.totals.disbursedFen;
}

describe('schedules', () => {
  it('sum exactly: principal to the amount lent, each line to its parts, cost to interest + fees', () => {
    fc.assert(
      fc.property(loan, (input) => {
        const q = priced(input);
        expect(q.schedule).toHaveLength(input.termMonths);
        let principal = 0;
        let payment = 0;
        let balance = input.principalFen;
        for (const line of q.schedule) {
          for (const v of [
            line.principalFen,
            line.interestFen,
            line.feeFen,
            line.paymentFen,
            line.balanceFen,
          ]) {
            expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
          }
          expect(line.paymentFen).toBe(line.principalFen + line.interestFen + line.feeFen);
          balance -= line.principalFen;
          expect(line.balanceFen).toBe(balance);
          principal += line.principalFen;
          payment += line.paymentFen;
        }
        expect(principal).toBe(input.principalFen);
        expect(balance).toBe(0);
        expect(q.totals.paymentFen).toBe(payment);
        expect(q.totals.paymentFen - q.totals.disbursedFen).toBe(q.totals.interestFen + q.totals.feeFen);
      }),
      { numRuns: 300 },
    );
  });

  it('equal-installment pays the same every period until the balance is gone, the last absorbing the drift', () => {
    fc.assert(
      fc.property(loan, (input) => {
        const q = priced({ ...input, method: 'equal-installment', fees: [] });
        const r = input.rateAnnual / 12;
        const installment = q.schedule[0]!.paymentFen;
        // Rounding the installment and each period's interest (≤ ½ fen each) shifts that period's
        // principal by ≤ 1 fen, compounding at (1+r): the last installment differs by at most
        // ((1+r)^n − 1) / r fen (+1 for its own rounding). At extreme rate × term that exceeds an installment and the loan is repaid early:
        // the lines after the payoff carry nothing (see ADR 0010).
        const drift = r === 0 ? input.termMonths + 1 : ((1 + r) ** input.termMonths - 1) / r + 1;
        let paidOff = false;
        for (const line of q.schedule.slice(0, -1)) {
          if (paidOff) expect(line.paymentFen).toBe(0);
          else if (line.balanceFen === 0) paidOff = true;
          else expect(line.paymentFen).toBe(installment);
        }
        if (!paidOff)
          expect(Math.abs(q.schedule.at(-1)!.paymentFen - installment)).toBeLessThanOrEqual(drift);
        if (input.rateAnnual <= 0.24 && input.termMonths <= 60) expect(paidOff).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('annual cost', () => {
  it('solves with a residual below 1e-9 of the principal and agrees with plain bisection', () => {
    fc.assert(
      fc.property(loan, (input) => {
        const q = priced(input);
        expect(Math.abs(residual(q))).toBeLessThan(1e-9 * input.principalFen);
        const payments = new Float64Array(input.termMonths + 1);
        for (const line of q.schedule) payments[line.period] = line.paymentFen;
        const reference = solvePeriodRateBisection(payments, input.termMonths, q.totals.disbursedFen);
        expect(Math.abs(q.apr.periodRate - reference)).toBeLessThan(1e-11);
        for (const v of Object.values(q.apr)) expect(Number.isFinite(v)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('rises with every added fee (strictly on consumer-loan terms, never falls on any)', () => {
    fc.assert(
      fc.property(
        loan.chain((input) => fc.tuple(fc.constant(input), fee(input.termMonths))),
        ([input, extra]) => {
          const base = priced(input);
          const more = priced({ ...input, fees: [...input.fees, extra] });
          const adds =
            extra.kind === 'monthly-rate' ? Math.round(input.principalFen * extra.rate) : extra.amountFen;
          // A few fen 350 months out at 99% a year is discounted by 10^12: below a double's resolution.
          const measurable = input.termMonths <= 60 && input.rateAnnual <= 0.36;
          if (adds > 0 && measurable) expect(more.apr.periodRate).toBeGreaterThan(base.apr.periodRate);
          else if (adds === 0) expect(more.apr.periodRate).toBe(base.apr.periodRate);
          // Unmeasurable fees may move the solved rate by the solver's own tolerance (it stops at
          // |f| ≤ 1e-13·D; the tests hold it within 1e-11 of bisection), in either direction.
          else expect(more.apr.periodRate).toBeGreaterThanOrEqual(base.apr.periodRate - 1e-12);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('rises with the rate (rates at least 0.1 point apart, so a fen of rounding cannot reorder them)', () => {
    fc.assert(
      fc.property(loan, fc.integer({ min: 10, max: 2000 }), (input, deltaBp) => {
        const higher = Math.min(input.rateAnnual + deltaBp / 10_000, 0.9999);
        fc.pre(higher - input.rateAnnual >= 0.001);
        const low = priced(input);
        const high = priced({ ...input, rateAnnual: higher });
        expect(high.apr.periodRate).toBeGreaterThan(low.apr.periodRate);
      }),
      { numRuns: 300 },
    );
  });

  it('equals the contract rate for interest-first without fees, and is zero with nothing to pay', () => {
    expect(
      priced({
        principalFen: 2_000_000,
        termMonths: 12,
        rateAnnual: 0.12,
        method: 'interest-first',
        fees: [],
      }).apr.nominal,
    ).toBeCloseTo(0.12, 14);
    const free = priced({
      principalFen: 1_000_001,
      termMonths: 360,
      rateAnnual: 0,
      method: 'equal-installment',
      fees: [],
    });
    expect(free.apr).toEqual({ periodRate: 0, nominal: 0, effective: 0 });
  });

  it('prices rates too small for (1+r)^n − 1 to register (no division by zero)', () => {
    for (const rateAnnual of [1e-300, 1e-20, 1e-16, Number.MIN_VALUE]) {
      const q = priced({
        principalFen: 1_000_000,
        termMonths: 360,
        rateAnnual,
        method: 'equal-installment',
        fees: [],
      });
      expect(q.schedule[0]!.paymentFen).toBe(2_778); // ≈ P / n
      expect(q.apr.periodRate).toBeLessThan(1e-9);
    }
  });

  it('handles 1 and 360 periods, zero rates with fees, and fees larger than interest', () => {
    for (const termMonths of [1, 2, 359, 360]) {
      for (const m of REPAYMENT_METHODS) {
        const q = priced({
          principalFen: 10_000_000,
          termMonths,
          rateAnnual: 0.2399,
          method: m,
          fees: [{ kind: 'monthly', amountFen: 100_000 }],
        });
        expect(Math.abs(residual(q))).toBeLessThan(1e-9 * 10_000_000);
        expect(lastIterations).toBeLessThanOrEqual(MAX_ITERATIONS);
      }
    }
    const feesOnly = priced({
      principalFen: 600_000,
      termMonths: 12,
      rateAnnual: 0,
      method: 'equal-principal',
      fees: [{ kind: 'upfront', amountFen: 6_000 }],
    });
    expect(feesOnly.apr.nominal).toBeGreaterThan(0.018);
  });

  it('converges in a handful of iterations on ordinary loans', () => {
    priced({
      principalFen: 1_000_000,
      termMonths: 36,
      rateAnnual: 0.18,
      method: 'equal-installment',
      fees: [{ kind: 'monthly', amountFen: 1500 }],
    });
    expect(lastIterations).toBeLessThanOrEqual(8);
  });

  it('says clearly when no annual cost exists', () => {
    const nothingLeft = quote({
      principalFen: 100_000,
      termMonths: 12,
      rateAnnual: 0.1,
      method: 'bullet',
      fees: [{ kind: 'upfront', amountFen: 100_000 }],
    });
    expect(nothingLeft).toMatchObject({ ok: false, code: 'fees_exceed_principal', field: 'fees' });
    // one fen reaches the borrower and a million are paid back a month later: absurd, but a
    // solution exists (r = 999,999 a month) and is stated, finite
    const absurd = priced({
      principalFen: 1_000_000,
      termMonths: 1,
      rateAnnual: 0,
      method: 'bullet',
      fees: [{ kind: 'upfront', amountFen: 999_999 }],
    });
    expect(absurd.apr.periodRate).toBeCloseTo(999_999, 6);
    expect(Number.isFinite(absurd.apr.effective)).toBe(true);
    // the solver itself: beyond its range the bracket search stops rather than running away
    const payments = new Float64Array([0, 1e20]);
    expect(solvePeriodRate(payments, 1, 1)).toBe(-1);
  });

  it('never outputs NaN or Infinity, whatever the fees', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 360 }).chain((termMonths) =>
          fc.record({
            principalFen: fc.integer({ min: 1, max: 1_000_000_000 }),
            termMonths: fc.constant(termMonths),
            // any double in [0, 1), subnormals included: (1+r)^n − 1 cancels to 0 for tiny r
            rateAnnual: fc.double({ min: 0, max: 0.9999999, noNaN: true }),
            method,
            fees: fc.array(
              fc.oneof(
                fee(termMonths),
                fc.record({
                  kind: fc.constant('upfront' as const),
                  amountFen: fc.integer({ min: 0, max: 1_000_000_000 }),
                }),
              ),
              { maxLength: 3 },
            ),
          }),
        ),
        (input) => {
          const result = quote(input);
          const text = JSON.stringify(result);
          expect(text).not.toMatch(/NaN|Infinity|null/);
          if (result.ok) {
            for (const v of Object.values(result.value.apr)) expect(Number.isFinite(v)).toBe(true);
            expect(Math.abs(residual(result.value))).toBeLessThan(1e-9 * input.principalFen);
          } else {
            expect(['fees_exceed_principal', 'apr_unsolvable', 'quote_invalid']).toContain(result.code);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the APR-only path (routing calls quote with { schedule: false })', () => {
  it('gives exactly the totals, APR and cap check of the full quote, refusals included', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          loan,
          fc.integer({ min: 1, max: 360 }).chain((termMonths) =>
            fc.record({
              principalFen: fc.integer({ min: 1, max: 1_000_000_000 }),
              termMonths: fc.constant(termMonths),
              rateAnnual: fc.double({ min: 0, max: 0.9999999, noNaN: true }),
              method,
              fees: fc.array(
                fc.oneof(
                  fee(termMonths),
                  fc.record({
                    kind: fc.constant('upfront' as const),
                    amountFen: fc.integer({ min: 0, max: 1_000_000_000 }),
                  }),
                ),
                { maxLength: 5 },
              ),
            }),
          ),
        ),
        (input) => {
          const full = quote(input);
          const short = quote(input, { schedule: false });
          if (!full.ok) {
            expect(short).toEqual(full);
            return;
          }
          expect(short).toEqual({ ok: true, value: { ...full.value, schedule: [] } });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('bad input names the field', () => {
  const good: QuoteInput = {
    principalFen: 1_000_000,
    termMonths: 12,
    rateAnnual: 0.18,
    method: 'equal-installment',
    fees: [],
  };
  const cases: Array<[string, Partial<QuoteInput> | Record<string, unknown>, string]> = [
    ['zero principal', { principalFen: 0 }, 'principalFen'],
    ['negative principal', { principalFen: -5 }, 'principalFen'],
    ['fractional fen', { principalFen: 100.5 }, 'principalFen'],
    ['principal above MAX_FEN', { principalFen: MAX_FEN + 1 }, 'principalFen'],
    ['term 0', { termMonths: 0 }, 'termMonths'],
    ['term 361', { termMonths: 361 }, 'termMonths'],
    ['fractional term', { termMonths: 1.5 }, 'termMonths'],
    ['rate 1', { rateAnnual: 1 }, 'rateAnnual'],
    ['negative rate', { rateAnnual: -0.01 }, 'rateAnnual'],
    ['NaN rate', { rateAnnual: Number.NaN }, 'rateAnnual'],
    ['unknown method', { method: 'balloon' }, 'method'],
    ['fee kind', { fees: [{ kind: 'membership', amountFen: 1 }] }, 'fees.0.kind'],
    ['fee amount', { fees: [{ kind: 'monthly', amountFen: 1.5 }] }, 'fees.0.amountFen'],
    [
      'fee rate',
      {
        fees: [
          { kind: 'upfront', amountFen: 1 },
          { kind: 'monthly-rate', rate: 2 },
        ],
      },
      'fees.1.rate',
    ],
    ['one-off after the term', { fees: [{ kind: 'once', period: 13, amountFen: 1 }] }, 'fees.0.period'],
    [
      'a field the fee kind lacks',
      { fees: [{ kind: 'upfront', amountFen: 1, rate: 0.1 } as FeeLine] },
      'fees.0.rate',
    ],
    ['totals beyond MAX_FEN', { principalFen: MAX_FEN, termMonths: 360, rateAnnual: 0.5 }, 'principalFen'],
  ];
  it.each(cases)('%s', (_name, change, field) => {
    const result = quote({ ...good, ...change } as QuoteInput);
    expect(result).toMatchObject({ ok: false, code: 'quote_invalid', field });
  });
  // The cap's own codes (src/pricing/cap.ts): a cap may lower the legal 24%, never raise it.
  const capCases: Array<[string, unknown, string, string]> = [
    ['cap rate 0', { rate: 0, basis: 'nominal' }, 'cap_invalid', 'cap.rate'],
    ['cap basis', { rate: 0.24, basis: 'simple' }, 'cap_invalid', 'cap.basis'],
    ['cap 36% nominal', { rate: 0.36, basis: 'nominal' }, 'cap_above_legal_maximum', 'cap.rate'],
    ['cap 24.01% effective', { rate: 0.2401, basis: 'effective' }, 'cap_above_legal_maximum', 'cap.rate'],
  ];
  it.each(capCases)('%s', (_name, cap, code, field) => {
    const result = quote({ ...good, cap } as QuoteInput);
    expect(result).toMatchObject({ ok: false, code, field });
  });
});

describe('cap, judicial ceiling and disclosure', () => {
  const at = (rateAnnual: number, cap?: QuoteInput['cap']) =>
    priced({
      principalFen: 1_200_000,
      termMonths: 12,
      rateAnnual,
      method: 'interest-first',
      fees: [],
      ...(cap ? { cap } : {}),
    });

  it('passes a loan at exactly the cap and refuses one above it with both figures', () => {
    expect(at(0.24).capCheck).toEqual({ cap: 0.24, basis: 'nominal', ok: true });
    const above = at(0.2401);
    expect(above.capCheck.ok).toBe(false);
    expect(enforceCap(above)).toMatchObject({
      ok: false,
      code: 'apr_exceeds_cap',
      details: { cap: 0.24, basis: 'nominal' },
    });
    const refused = enforceCap(above);
    if (refused.ok) throw new Error('expected a refusal');
    expect(refused.details!.apr).toBeCloseTo(0.2401, 12);
  });

  it('switches to the effective basis: 22% nominal compounds to 24.36% and fails there', () => {
    expect(at(0.22).capCheck.ok).toBe(true);
    const effective = at(0.22, { rate: 0.24, basis: 'effective' });
    expect(effective.capCheck).toEqual({ cap: 0.24, basis: 'effective', ok: false });
    expect(effective.apr.effective).toBeCloseTo((1 + 0.22 / 12) ** 12 - 1, 12);
  });

  it('adds the contract penalty rate for the judicial ceiling', () => {
    expect(checkJudicialCeiling(at(0.2).apr, 0.04)).toMatchObject({ ok: true });
    expect(checkJudicialCeiling(at(0.2).apr, 0.05)).toMatchObject({
      ok: false,
      code: 'judicial_ceiling_exceeded',
      details: { penaltyRateAnnual: 0.05, ceiling: 0.24 },
    });
    expect(checkJudicialCeiling(at(0.2).apr, Number.NaN)).toMatchObject({
      ok: false,
      field: 'maxPenaltyRateAnnual',
    });
  });

  it('discloses in Chinese with the annual cost to two decimals', () => {
    const q = priced({
      principalFen: 1_000_000,
      termMonths: 12,
      rateAnnual: 0.18,
      method: 'equal-installment',
      fees: [{ kind: 'upfront', amountFen: 30_000 }],
    });
    const d = disclosure(q);
    expect(d.text).toContain('年化利率 18.00%');
    expect(d.text).toMatch(/综合年化成本 \d+\.\d\d%/);
    expect(d.text).toContain('每期还款 ¥916.80，末期 ¥916.81（共 12 期）');
    expect(d.text).toContain('总利息 ¥1,001.61');
    expect(d.text).toContain('总费用 ¥300.00');
    const bullet = disclosure(
      priced({ principalFen: 1_000_000, termMonths: 3, rateAnnual: 0.18, method: 'bullet', fees: [] }),
    );
    expect(bullet.text).toContain('到期一次还款 ¥10,450.00（第 3 期');
    const noSchedule = quote(
      { principalFen: 1_000_000, termMonths: 3, rateAnnual: 0.18, method: 'bullet', fees: [] },
      { schedule: false },
    );
    if (!noSchedule.ok) throw new Error(noSchedule.message);
    expect(() => disclosure(noSchedule.value)).toThrow(/needs the schedule/);
    expect(d.aprText).toBe(`${(Math.round(q.apr.nominal * 10_000) / 100).toFixed(2)}%`);
  });
});

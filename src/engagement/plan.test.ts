// The financing plan's core: every figure re-derived here from pricing's quote() and routing's
// decide() directly, over random catalogues and random loans (fast-check, seeds printed on failure).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CAP_TOLERANCE, equalInstallmentFen, LEGAL_CAP_ANNUAL, quote } from '../pricing/index.ts';
import { compileRoutingTable, DEFAULT_ROUTING_CONFIG, decide, type RoutingConfig } from '../routing/index.ts';
import { pricingQuote } from '../routing/table-cache.ts';
import { randomCatalog } from '../routing/testing.ts';
import { worldText } from '../../test/support/text.ts';
import {
  DEFAULT_PREPAYMENT_FEN,
  type EligibilityContext,
  type FinancingPlan,
  MANUAL_LOANS_MAX,
  manualLoan,
  type PlanLoan,
  planFinancing,
} from './plan.ts';

function contextFor(
  seed: number,
  config: RoutingConfig = DEFAULT_ROUTING_CONFIG,
  score = 760,
): EligibilityContext {
  const table = compileRoutingTable(randomCatalog(seed, 8, 4), config, pricingQuote);
  return {
    table,
    applicant: {
      ageYears: 35,
      regionCode: '310104',
      monthlyIncomeFen: 2_000_000,
      employerType: 'private',
      score,
    },
    funderStates: new Map(),
    lastFunderId: null,
    seed: 42,
  };
}

const loanArbitrary = fc
  .record({
    lender: worldText(20),
    principalOutstandingFen: fc.integer({ min: 100_000, max: 10_000_000 }),
    rateAnnual: fc.integer({ min: 0, max: 3600 }).map((bp) => bp / 10_000),
    remainingTermMonths: fc.integer({ min: 1, max: 36 }),
    extraFen: fc.integer({ min: 0, max: 5_000 }),
  })
  .map(({ extraFen, ...loan }) => ({
    ...loan,
    monthlyPaymentFen:
      equalInstallmentFen(loan.principalOutstandingFen, loan.rateAnnual / 12, loan.remainingTermMonths) +
      // a monthly fee of at most 0.2% of the principal: the cost stays below 100% a year
      Math.min(extraFen, Math.floor(loan.principalOutstandingFen / 500)),
  }));

function loansOf(inputs: ReadonlyArray<Parameters<typeof manualLoan>[0]>): PlanLoan[] {
  return inputs.map((input, i) => {
    const loan = manualLoan(input, i);
    if (!loan.ok) throw new Error(`${loan.code}: ${loan.message}`);
    return loan.value;
  });
}

function planOf(loans: PlanLoan[], context: EligibilityContext, prepaymentFen?: number): FinancingPlan {
  const plan = planFinancing({ monthlyIncomeFen: 2_000_000, loans, prepaymentFen }, context);
  if (!plan.ok) throw new Error(`${plan.code}: ${plan.message}`);
  return plan.value;
}

/** What a loan still costs, from the input alone: payments left minus principal owed. */
const remainingCost = (loan: PlanLoan) =>
  loan.remainingPaymentsFen.reduce((a, b) => a + b, 0) - loan.principalOutstandingFen;

describe('financing plan', () => {
  it('a consolidation saves exactly what pricing computes, is offered by routing now, within the cap, in whole fen', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000 }),
        fc.array(loanArbitrary, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(0.24, 0.18, 0.12),
        (seed, inputs, capAnnual) => {
          const config = {
            ...DEFAULT_ROUTING_CONFIG,
            pricing: { ...DEFAULT_ROUTING_CONFIG.pricing, capAnnual },
          };
          const context = contextFor(seed, config);
          const loans = loansOf(inputs);
          const plan = planOf(loans, context);
          expect(plan.nothingCheaper).toBe(plan.consolidations.length === 0);
          for (const suggestion of plan.consolidations) {
            const replaced = loans.filter((loan) => suggestion.loanIds.includes(loan.id));
            expect(replaced.length).toBe(suggestion.loanIds.length);
            const current = replaced.reduce((sum, loan) => sum + remainingCost(loan), 0);
            const amount = replaced.reduce((sum, loan) => sum + loan.principalOutstandingFen, 0);
            const compiled = context.table.products.find((p) => p.product.id === suggestion.productId)!;
            const priced = quote({
              principalFen: amount,
              termMonths: suggestion.termMonths,
              rateAnnual: suggestion.rateAnnual,
              method: suggestion.method,
              fees: compiled.product.fees,
            });
            expect(priced.ok).toBe(true);
            if (!priced.ok) return;
            const newCost = priced.value.totals.interestFen + priced.value.totals.feeFen;
            expect(suggestion.amountFen).toBe(amount);
            expect(suggestion.currentCostFen).toBe(current);
            expect(suggestion.newCostFen).toBe(newCost);
            expect(suggestion.savingFen).toBe(current - newCost);
            expect(suggestion.savingFen).toBeGreaterThan(0);
            for (const fen of [suggestion.savingFen, suggestion.newCostFen, suggestion.monthlyPaymentFen])
              expect(Number.isSafeInteger(fen)).toBe(true);
            // never above the cap in force nor the legal line
            expect(priced.value.apr.nominal).toBeLessThanOrEqual(
              Math.min(capAnnual, LEGAL_CAP_ANNUAL) + CAP_TOLERANCE,
            );
            // routing's real eligibility: decide() offers this very product for this amount and term now
            const decision = decide(context.table, {
              applicant: { ...context.applicant, amountFen: amount, termMonths: suggestion.termMonths },
              funderStates: context.funderStates,
              lastFunderId: null,
              seed: context.seed,
            });
            expect(decision.offers.some((o) => o.productId === suggestion.productId)).toBe(true);
            // never a longer term than the longest loan it replaces
            expect(suggestion.termMonths).toBeLessThanOrEqual(
              Math.max(...replaced.map((loan) => loan.remainingPaymentsFen.length)),
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('the avalanche names the dearest loan and saves what pricing computes for the prepayment', () => {
    fc.assert(
      fc.property(
        fc.array(loanArbitrary, { minLength: 1, maxLength: 5 }),
        fc.option(fc.integer({ min: 1, max: 20_000_000 }), { nil: undefined }),
        (inputs, prepayment) => {
          const loans = loansOf(inputs);
          const plan = planOf(loans, contextFor(7), prepayment);
          const dearest = plan.loans[0]!;
          for (const loan of plan.loans)
            expect(loan.trueCost.periodRate).toBeLessThanOrEqual(dearest.trueCost.periodRate);
          const input = loans.find((loan) => loan.id === dearest.id)!;
          const amount = Math.min(prepayment ?? DEFAULT_PREPAYMENT_FEN, input.principalOutstandingFen);
          let expected: number;
          if (amount === input.principalOutstandingFen) expected = remainingCost(input);
          else {
            const rate = dearest.trueCost.periodRate * 12;
            const interest = (principalFen: number) => {
              const priced = quote({
                principalFen,
                termMonths: input.remainingPaymentsFen.length,
                rateAnnual: rate,
                method: 'equal-installment',
                fees: [],
              });
              if (!priced.ok) throw new Error(priced.message);
              return priced.value.totals.interestFen;
            };
            expected =
              interest(input.principalOutstandingFen) - interest(input.principalOutstandingFen - amount);
          }
          if (plan.avalanche === null) {
            // only when paying the dearest loan early saves nothing, not even a fen
            expect(expected).toBeLessThanOrEqual(0);
            return;
          }
          expect(plan.avalanche.loanId).toBe(dearest.id);
          expect(plan.avalanche.prepaymentFen).toBe(amount);
          expect(plan.avalanche.interestSavedFen).toBe(expected);
          expect(plan.avalanche.interestSavedFen).toBeGreaterThan(0);
          expect(Number.isSafeInteger(plan.avalanche.interestSavedFen)).toBe(true);
          expect(plan.avalanche.order).toEqual(plan.loans.map((loan) => loan.id));
          // the debt-service ratio adds every next installment
          expect(plan.monthlyPaymentsFen).toBe(
            loans.reduce((sum, loan) => sum + loan.remainingPaymentsFen[0]!, 0),
          );
        },
      ),
      { numRuns: 80 },
    );
  });

  it('never suggests above the cap, even when the table it is handed priced every offer as cheap', () => {
    // A quote function that understates every cost makes decide() offer products above the cap; the
    // plan prices each offer again with pricing's own quote() and cap rule, so none gets through.
    const understating = () => ({
      ok: true as const,
      value: { apr: { periodRate: 0.0001, nominal: 0.0012, effective: 0.0012 }, capCheck: { ok: true } },
    });
    const config = {
      ...DEFAULT_ROUTING_CONFIG,
      pricing: { ...DEFAULT_ROUTING_CONFIG.pricing, capAnnual: 0.1 },
    };
    const expensive = loansOf([
      {
        lender: '某网贷',
        principalOutstandingFen: 5_000_000,
        rateAnnual: 0.359,
        remainingTermMonths: 36,
        monthlyPaymentFen: equalInstallmentFen(5_000_000, 0.359 / 12, 36),
      },
    ]);
    let offered = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const context = contextFor(seed, config);
      const lying = {
        ...context,
        table: compileRoutingTable(randomCatalog(seed, 8, 4), config, understating),
      };
      offered += decide(lying.table, {
        applicant: { ...lying.applicant, amountFen: 5_000_000, termMonths: 12 },
        funderStates: new Map(),
        lastFunderId: null,
        seed: 1,
      }).offers.length;
      for (const suggestion of planOf(expensive, lying).consolidations)
        expect(suggestion.apr.nominal).toBeLessThanOrEqual(0.1 + CAP_TOLERANCE);
    }
    expect(offered).toBeGreaterThan(0);
  });

  it('says plainly when nothing cheaper exists: interest-free loans cannot be beaten', () => {
    const loans = loansOf([
      {
        lender: '朋友',
        principalOutstandingFen: 1_200_000,
        rateAnnual: 0,
        remainingTermMonths: 12,
        monthlyPaymentFen: 100_000,
      },
    ]);
    const plan = planOf(loans, contextFor(3));
    expect(plan.loans[0]!.trueCost.nominal).toBe(0);
    expect(plan.consolidations).toEqual([]);
    expect(plan.nothingCheaper).toBe(true);
    expect(plan.avalanche).toBeNull();
    expect(plan.debtServiceRatio).toBe(0.05);
  });

  it('finds a cheaper product for an expensive loan (the saving is positive and shown)', () => {
    // 35.9% a year on ¥50,000 over 24 months: any product at most 24% beats it.
    const loans = loansOf([
      {
        lender: '某网贷',
        principalOutstandingFen: 5_000_000,
        rateAnnual: 0.359,
        remainingTermMonths: 24,
        monthlyPaymentFen: equalInstallmentFen(5_000_000, 0.359 / 12, 24),
      },
    ]);
    let found = 0;
    for (let seed = 1; seed <= 10; seed++) found += planOf(loans, contextFor(seed)).consolidations.length;
    expect(found).toBeGreaterThan(0);
  });

  it('refuses bad hand-added loans with stable codes', () => {
    const base = {
      lender: 'x',
      principalOutstandingFen: 100_000,
      rateAnnual: 0.1,
      remainingTermMonths: 10,
      monthlyPaymentFen: 11_000,
    };
    const code = (over: Partial<typeof base>) => {
      const loan = manualLoan({ ...base, ...over }, 0);
      return loan.ok ? 'ok' : `${loan.code} ${loan.field}`;
    };
    expect(code({})).toBe('ok');
    expect(code({ principalOutstandingFen: 0 })).toBe('plan_loan_invalid loans.0.principalOutstandingFen');
    expect(code({ principalOutstandingFen: 1.5 })).toBe('plan_loan_invalid loans.0.principalOutstandingFen');
    expect(code({ remainingTermMonths: 361 })).toBe('plan_loan_invalid loans.0.remainingTermMonths');
    expect(code({ monthlyPaymentFen: 9_000 })).toBe(
      'plan_loan_payments_below_principal loans.0.monthlyPaymentFen',
    );
    expect(code({ rateAnnual: Number.NaN })).toBe('plan_loan_invalid loans.0.rateAnnual');
    // ¥1,000 repaid as ten ¥900 payments: 300%+ a year
    const usurious = manualLoan({ ...base, monthlyPaymentFen: 90_000 }, 0);
    expect(usurious.ok).toBe(true);
    if (!usurious.ok) return;
    const plan = planFinancing({ monthlyIncomeFen: 1, loans: [usurious.value] }, contextFor(1));
    expect(plan.ok ? 'ok' : plan.code).toBe('plan_loan_cost_too_high');
    const many = planFinancing(
      { monthlyIncomeFen: 1, loans: new Array(31).fill(usurious.value) },
      contextFor(1),
    );
    expect(many.ok ? 'ok' : many.code).toBe('plan_too_many_loans');
    expect(MANUAL_LOANS_MAX).toBeLessThan(31);
  });
});

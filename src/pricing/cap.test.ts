// The cap rule (cap.ts): unit cases, and one adversarial property over every path that can make or
// admit an offer — routing's decide(), quotes, product vetting, the configuration check — checked
// against an exact reference: the IRR bound is decided in BigInt rational arithmetic from the cash
// flows (NPV at the limit rate ≤ 0), independent of the float solver. A failure prints its seed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CatalogService } from '../catalog/service.ts';
import type { Executor } from '../db/client.ts';
import { DomainError, SeededRandom } from '../kernel/index.ts';
import { checkRoutingConfig } from '../routing/config-check.ts';
import { compileRoutingTable, decide } from '../routing/decide.ts';
import { DEFAULT_ROUTING_CONFIG } from '../routing/defaults.ts';
import type { RoutingConfig, RoutingFunder, RoutingProduct } from '../routing/model.ts';
import { randomApplicant, randomCatalog } from '../routing/testing.ts';
import {
  CAP_TOLERANCE,
  capPolicyOf,
  checkCapSettings,
  DEFAULT_PENALTY_RATE_ANNUAL,
  LEGAL_CAP_ANNUAL,
  narrowCap,
  offerCostRefusal,
  penaltyInForce,
  withinCap,
} from './cap.ts';
import type { Cap, FeeLine, QuoteInput, RepaymentMethod } from './model.ts';
import { checkProductCap } from './product-check.ts';
import { aprOf, quote } from './quote.ts';
import { PricingService } from './service.ts';

// ---- the exact reference ----

/** A finite double as an exact fraction (every double is m·2^e). */
function exactFraction(x: number): { num: bigint; den: bigint } {
  expect(Number.isFinite(x) && x >= 0).toBe(true);
  let den = 1n;
  let scaled = x;
  while (!Number.isInteger(scaled)) {
    scaled *= 2; // exact: a power of two
    den *= 2n;
  }
  return { num: BigInt(scaled), den };
}

/**
 * Exactly: is the monthly IRR of (−disbursed at t0, +payment t at t) at most `periodLimit`? The NPV
 * Σ p_t (1+r)^−t − D falls as r rises, so IRR ≤ r* ⇔ NPV(r*) ≤ 0; with r* = a/b, multiplying by
 * (a+b)^n: Σ p_t b^t (a+b)^(n−t) ≤ D (a+b)^n, all integers.
 */
function irrAtMost(payments: readonly number[], disbursedFen: number, periodLimit: number): boolean {
  const { num: a, den: b } = exactFraction(periodLimit);
  const g = a + b;
  const n = payments.length;
  let lhs = 0n;
  for (let t = 1; t <= n; t++) lhs += BigInt(payments[t - 1]!) * b ** BigInt(t) * g ** BigInt(n - t);
  return lhs <= BigInt(disbursedFen) * g ** BigInt(n);
}

/** The schedule's cash flows for a loan (payments per period and the amount disbursed). */
function cashFlows(input: QuoteInput): { payments: number[]; disbursedFen: number } {
  const priced = quote({ ...input, cap: undefined }, { schedule: true });
  if (!priced.ok) throw new Error(`reference could not price ${JSON.stringify(input)}: ${priced.code}`);
  return {
    payments: priced.value.schedule.map((line) => line.paymentFen),
    disbursedFen: priced.value.totals.disbursedFen,
  };
}

/**
 * The guarantee, restated from the law and not from cap.ts: nominal ≤ 24%, nominal + penalty ≤ 24%,
 * and within the configured cap on its basis (each up to CAP_TOLERANCE, 1e-9 a year: less than a
 * fen a year on ¥10,000,000). Returns the first broken rule, or null.
 */
function referenceBreach(input: QuoteInput, penaltyRateAnnual: number, cap: Cap): string | null {
  const { payments, disbursedFen } = cashFlows(input);
  if (!irrAtMost(payments, disbursedFen, (0.24 + CAP_TOLERANCE) / 12)) return 'above 24% nominal';
  if (!irrAtMost(payments, disbursedFen, (0.24 - penaltyRateAnnual + CAP_TOLERANCE) / 12))
    return `above 24% with ${penaltyRateAnnual} penalty interest`;
  const rate = Math.min(cap.rate, 0.24) + CAP_TOLERANCE;
  const periodLimit = cap.basis === 'nominal' ? rate / 12 : (1 + rate) ** (1 / 12) - 1;
  if (!irrAtMost(payments, disbursedFen, periodLimit)) return `above the ${cap.rate} ${cap.basis} cap`;
  return null;
}

describe('the exact reference', () => {
  it('decides a loan at exactly the cap as within it and a fen more as above it', () => {
    // interest-first at 24%: 2% a month on ¥10,000, exactly 24% nominal
    const loan: QuoteInput = {
      principalFen: 1_000_000,
      termMonths: 12,
      rateAnnual: 0.24,
      method: 'interest-first',
      fees: [],
    };
    const { payments, disbursedFen } = cashFlows(loan);
    expect(irrAtMost(payments, disbursedFen, 0.02)).toBe(true);
    expect(irrAtMost(payments, disbursedFen + 1, 0.02)).toBe(true);
    expect(irrAtMost(payments, disbursedFen - 1, 0.02)).toBe(false);
    expect(
      referenceBreach({ ...loan, fees: [{ kind: 'once', period: 12, amountFen: 1 }] }, 0, {
        rate: 0.24,
        basis: 'nominal',
      }),
    ).toBe('above 24% nominal');
  });
});

// ---- the rule, case by case ----

describe('cap settings', () => {
  it('may lower the cap on either basis, never raise it above 24%', () => {
    expect(checkCapSettings({ capAnnual: 0.24, capBasis: 'nominal' })).toMatchObject({ ok: true });
    expect(checkCapSettings({ capAnnual: 0.24, capBasis: 'effective' })).toMatchObject({ ok: true });
    expect(checkCapSettings({ capAnnual: 0.15, capBasis: 'nominal' })).toMatchObject({
      ok: true,
      value: { cap: { rate: 0.15 }, defaultPenaltyRateAnnual: DEFAULT_PENALTY_RATE_ANNUAL },
    });
    for (const basis of ['nominal', 'effective'] as const) {
      expect(checkCapSettings({ capAnnual: 0.2401, capBasis: basis })).toMatchObject({
        ok: false,
        code: 'cap_above_legal_maximum',
        field: 'pricing.capAnnual',
      });
    }
    expect(checkCapSettings({ capAnnual: 0, capBasis: 'nominal' })).toMatchObject({ code: 'cap_invalid' });
    expect(
      checkCapSettings({ capAnnual: 0.2, capBasis: 'nominal', defaultPenaltyRateAnnual: 0.25 }),
    ).toMatchObject({ code: 'cap_invalid', field: 'pricing.defaultPenaltyRateAnnual' });
  });

  it('bounds any configuration by the legal line, even one stored before the line was enforced', () => {
    expect(capPolicyOf({ capAnnual: 0.36, capBasis: 'nominal' })).toEqual({
      cap: { rate: LEGAL_CAP_ANNUAL, basis: 'nominal' },
      defaultPenaltyRateAnnual: DEFAULT_PENALTY_RATE_ANNUAL,
    });
    expect(capPolicyOf({ capAnnual: Number.NaN, capBasis: 'effective' }).cap).toEqual({
      rate: LEGAL_CAP_ANNUAL,
      basis: 'effective',
    });
    expect(capPolicyOf({ capAnnual: 0.2, capBasis: 'nominal', defaultPenaltyRateAnnual: -1 })).toMatchObject({
      defaultPenaltyRateAnnual: DEFAULT_PENALTY_RATE_ANNUAL,
    });
    // whatever cap a caller hands in, the nominal figure stays within the legal line
    expect(withinCap(aprOf(0.3 / 12), { rate: 0.36, basis: 'nominal' })).toBe(false);
  });

  it('lets a quote ask for a stricter cap than the configured one, never a looser one, across bases', () => {
    const configured: Cap = { rate: 0.2, basis: 'nominal' };
    expect(narrowCap(configured, undefined)).toEqual({ ok: true, value: configured });
    expect(narrowCap(configured, { rate: 0.18, basis: 'nominal' })).toMatchObject({ ok: true });
    // 21% effective is 19.21% nominal: stricter than 20% nominal
    expect(narrowCap(configured, { rate: 0.21, basis: 'effective' })).toMatchObject({ ok: true });
    // 20% nominal is 21.94% effective: looser than 21% effective
    expect(narrowCap({ rate: 0.21, basis: 'effective' }, { rate: 0.2, basis: 'nominal' })).toMatchObject({
      ok: false,
      code: 'cap_above_configured',
      field: 'cap.rate',
    });
    expect(narrowCap(configured, { rate: 0.22, basis: 'nominal' })).toMatchObject({
      code: 'cap_above_configured',
    });
    expect(narrowCap(configured, { rate: 0.36, basis: 'nominal' })).toMatchObject({
      code: 'cap_above_legal_maximum',
    });
  });

  it('takes the contract’s penalty, else the platform default; a request may only raise it', () => {
    const policy = capPolicyOf({ capAnnual: 0.24, capBasis: 'nominal', defaultPenaltyRateAnnual: 0.05 });
    expect(penaltyInForce(policy, 0.03)).toEqual({ rate: 0.03, source: 'contract' });
    expect(penaltyInForce(policy, undefined)).toEqual({ rate: 0.05, source: 'platform-default' });
    expect(penaltyInForce(policy, 0.03, 0)).toEqual({ rate: 0.03, source: 'contract' });
    expect(penaltyInForce(policy, 0.03, 0.06)).toEqual({ rate: 0.06, source: 'request' });
    // 20% + the 5% default breaks the judicial ceiling without a contract; with a 3% contract it passes
    const apr = aprOf(0.2 / 12);
    expect(offerCostRefusal(apr, policy, undefined)).toBe('judicial_ceiling_exceeded');
    expect(offerCostRefusal(apr, policy, 0.03)).toBeNull();
    expect(offerCostRefusal(aprOf(0.305 / 12), policy, 0)).toBe('apr_exceeds_cap');
  });
});

// ---- no path offers above 24% ----

const METHODS: RepaymentMethod[] = ['equal-installment', 'equal-principal', 'interest-first', 'bullet'];
/** Rates an adversary would try: at, just below and just above the line, and the 30.5% of the review. */
const EDGE_RATES = [0.16, 0.18, 0.2, 0.2199, 0.22, 0.2399, 0.24, 0.2401, 0.25, 0.305, 0.36];
const basisPoints = (random: SeededRandom, min: number, max: number) => random.int(min, max) / 10_000;

/** A configuration an operator (or an old stored row, or the simulator) might hold: caps up to 40%. */
function adversarialConfig(random: SeededRandom): RoutingConfig {
  const capAnnual = random.chance(0.4) ? random.pick(EDGE_RATES) : basisPoints(random, 500, 4000);
  const pricing: RoutingConfig['pricing'] = {
    ...DEFAULT_ROUTING_CONFIG.pricing,
    capAnnual,
    capBasis: random.chance(0.5) ? 'nominal' : 'effective',
  };
  if (random.chance(0.7)) pricing.defaultPenaltyRateAnnual = basisPoints(random, 0, 1200);
  else delete pricing.defaultPenaltyRateAnnual;
  return { ...DEFAULT_ROUTING_CONFIG, pricing };
}

/** The routing test catalogue with rates, fees and penalties pushed to and past the line. */
function adversarialCatalog(random: SeededRandom, seed: number) {
  const catalog = randomCatalog(seed, 8, 5);
  const funders: RoutingFunder[] = catalog.funders.map((f) => ({
    ...f,
    status: 'active',
    licensedRegions: ['*'],
    monthlyQuotaFen: null,
    // a third have no contract: the case the review found
    maxPenaltyRateAnnual: random.chance(1 / 3) ? undefined : basisPoints(random, 0, 1000),
  }));
  const products: RoutingProduct[] = catalog.products.map((p) => {
    const fees: FeeLine[] = [...p.fees];
    if (random.chance(0.3)) fees.push({ kind: 'monthly-rate', rate: basisPoints(random, 1, 60) });
    if (random.chance(0.2)) fees.push({ kind: 'monthly', amountFen: random.int(1, 5_000) });
    const rateAnnualMin = random.chance(0.5) ? random.pick(EDGE_RATES) : basisPoints(random, 300, 3000);
    return {
      ...p,
      status: 'active',
      minAmountFen: 100_000,
      maxAmountFen: 50_000_000,
      ageMin: 18,
      ageMax: 70,
      minScore: 0,
      rateAnnualMin,
      rateAnnualMax: Math.max(rateAnnualMin, random.chance(0.5) ? random.pick(EDGE_RATES) : rateAnnualMin),
      methods: [random.pick(METHODS)],
      fees,
    };
  });
  return { funders, products };
}

const NO_TX = {} as Executor;

describe('no path offers above 24%', () => {
  it('routing offers, quotes, product vetting and the configuration check, against the exact reference', async () => {
    let offersChecked = 0;
    let quotesPassed = 0;
    let productsAdmitted = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (seed) => {
        const random = new SeededRandom(seed);
        const config = adversarialConfig(random);
        const policy = capPolicyOf(config.pricing);
        const configured: Cap = { rate: config.pricing.capAnnual, basis: config.pricing.capBasis };
        const defaultPenalty = config.pricing.defaultPenaltyRateAnnual ?? 0.08;

        // PUT /v1/routing/config: anything above 24% is refused with its code and field
        const checked = checkRoutingConfig(config);
        if (config.pricing.capAnnual > 0.24)
          expect(checked).toMatchObject({
            ok: false,
            code: 'cap_above_legal_maximum',
            field: 'pricing.capAnnual',
          });
        else expect(checked.ok).toBe(true);

        // routing: every offer of every decision (configurations that bypass the check included)
        const catalog = adversarialCatalog(random, seed);
        const table = compileRoutingTable(catalog, config, (request) => quote(request, { schedule: false }));
        for (let k = 0; k < 6; k++) {
          const applicant = { ...randomApplicant(random, true), ageYears: 30 };
          const decision = decide(table, { applicant, funderStates: new Map(), seed: k });
          for (const offer of decision.offers) {
            const product = catalog.products.find((p) => p.id === offer.productId)!;
            const funder = catalog.funders.find((f) => f.id === offer.funderId)!;
            const loan: QuoteInput = {
              principalFen: offer.amountFen,
              termMonths: offer.termMonths,
              rateAnnual: offer.rateAnnual,
              method: offer.method,
              fees: product.fees,
            };
            const penalty = funder.maxPenaltyRateAnnual ?? defaultPenalty;
            expect(
              referenceBreach(loan, penalty, configured),
              `seed ${seed} offer ${offer.productId}`,
            ).toBeNull();
            offersChecked++;
          }
        }

        // POST /v1/quotes: with the configured cap (requests may ask for any cap up to 40%)
        const product = random.pick(catalog.products);
        const funder = catalog.funders.find((f) => f.id === product.funderId)!;
        const contract =
          funder.maxPenaltyRateAnnual === undefined
            ? undefined
            : { terms: { maxPenaltyRateAnnual: funder.maxPenaltyRateAnnual } };
        const pricing = new PricingService({
          catalog: {
            getFunder: async () => funder,
            currentContract: async () => contract,
          } as unknown as CatalogService,
          capPolicy: async () => policy,
        });
        for (let k = 0; k < 8; k++) {
          const loan: QuoteInput = {
            principalFen: random.int(1, 500) * 10_000,
            termMonths: random.pick(product.termsMonths),
            rateAnnual: random.chance(0.5) ? random.pick(EDGE_RATES) : basisPoints(random, 300, 3000),
            method: random.pick(METHODS),
            fees: product.fees,
          };
          // a third ask for nothing, a third for a cap around the configured one (looser or
          // stricter, on either basis), a third for anything up to 40%
          const around = Math.max(0.0001, Math.min(0.4, configured.rate + basisPoints(random, -300, 300)));
          const roll = random.int(0, 2);
          const requestedCap: Cap | undefined =
            roll === 0
              ? undefined
              : {
                  rate: roll === 1 ? Math.round(around * 10_000) / 10_000 : basisPoints(random, 500, 4000),
                  basis: random.chance(0.5) ? 'nominal' : 'effective',
                };
          const requestedPenalty = random.chance(0.3) ? basisPoints(random, 0, 1000) : undefined;
          const enforce = random.chance(0.5);
          let answer: Awaited<ReturnType<PricingService['quoteWithChecks']>>;
          try {
            answer = await pricing.quoteWithChecks(NO_TX, {
              ...loan,
              ...(requestedCap ? { cap: requestedCap } : {}),
              ...(requestedPenalty === undefined ? {} : { penaltyRateAnnual: requestedPenalty }),
              funderId: funder.id,
              enforceCap: enforce,
            });
          } catch (error) {
            expect(error).toBeInstanceOf(DomainError);
            const code = (error as DomainError).code;
            expect([
              'apr_exceeds_cap',
              'judicial_ceiling_exceeded',
              'cap_above_configured',
              'cap_above_legal_maximum',
              'quote_invalid',
              'fees_exceed_principal',
            ]).toContain(code);
            if (code === 'cap_above_configured' || code === 'cap_above_legal_maximum')
              expect(requestedCap).toBeDefined();
            continue;
          }
          // the cap it was checked against is the configured one or a stricter one the request asked for
          const used: Cap = { rate: answer.capCheck.cap, basis: answer.capCheck.basis };
          expect(used.rate).toBeLessThanOrEqual(0.24);
          const penalty = answer.judicialCheck.penaltyRateAnnual;
          expect(penalty).toBeGreaterThanOrEqual(
            funder.maxPenaltyRateAnnual ?? policy.defaultPenaltyRateAnnual,
          );
          const passed = answer.capCheck.ok && answer.judicialCheck.ok;
          if (enforce) expect(passed).toBe(true);
          if (answer.capCheck.ok) {
            expect(referenceBreach(loan, 0, used), `seed ${seed} quote`).toBeNull();
            expect(referenceBreach(loan, 0, configured), `seed ${seed} quote`).toBeNull();
          }
          if (passed) {
            expect(referenceBreach(loan, penalty, used), `seed ${seed} quote`).toBeNull();
            quotesPassed++;
          }
        }

        // product creation: an admitted product's cheapest configuration is within the configured cap
        for (const candidate of catalog.products.slice(0, 8)) {
          const vetted = checkProductCap(candidate, policy.cap);
          if (!vetted.ok) continue;
          const c = vetted.value;
          const loan: QuoteInput = {
            principalFen: c.principalFen,
            termMonths: c.termMonths,
            rateAnnual: c.rateAnnual,
            method: c.method,
            fees: candidate.fees,
          };
          expect(referenceBreach(loan, 0, configured), `seed ${seed} product ${candidate.id}`).toBeNull();
          productsAdmitted++;
        }
      }),
      // a fixed seed: the run replays exactly; a failure prints the case's own seed too
      { numRuns: 60, seed: 20_261_202 },
    );
    // the generator must reach every path, or the property proves nothing
    expect(offersChecked).toBeGreaterThan(100);
    expect(quotesPassed).toBeGreaterThan(20);
    expect(productsAdmitted).toBeGreaterThan(50);
  });
});

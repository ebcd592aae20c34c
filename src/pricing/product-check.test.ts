// The product cap check: the cheapest configuration decides whether a product may exist.
import { describe, expect, it } from 'vitest';
import { DEMO_FUNDERS } from '../catalog/demo.ts';
import { checkProductCap, cheapestApr, type PricedProduct, quote } from './index.ts';

const base: PricedProduct = {
  minAmountFen: 100_000,
  maxAmountFen: 3_000_000,
  termsMonths: [3, 6, 12],
  rateAnnualMin: 0.18,
  methods: ['equal-installment', 'interest-first'],
  fees: [{ kind: 'upfront', amountFen: 5_000 }],
};

describe('cheapestApr', () => {
  it('finds the cheapest of amounts × terms × methods at the lowest rate, matching a brute-force search', () => {
    const found = cheapestApr(base);
    if (!found.ok) throw new Error(found.message);
    // brute force over every amount step of ¥1,000 in the range
    let best = Number.POSITIVE_INFINITY;
    for (let principalFen = base.minAmountFen; principalFen <= base.maxAmountFen; principalFen += 100_000) {
      for (const termMonths of base.termsMonths) {
        for (const method of base.methods) {
          const q = quote(
            { principalFen, termMonths, rateAnnual: base.rateAnnualMin, method, fees: base.fees! },
            { schedule: false },
          );
          if (q.ok) best = Math.min(best, q.value.apr.nominal);
        }
      }
    }
    expect(found.value.apr.nominal).toBeCloseTo(best, 12);
    // a fixed upfront fee weighs least on the largest, longest loan
    expect(found.value).toMatchObject({ principalFen: 3_000_000, termMonths: 12, rateAnnual: 0.18 });
  });

  it('skips configurations that cannot be priced and errs only when none can', () => {
    const small = { ...base, minAmountFen: 1_000, fees: [{ kind: 'upfront' as const, amountFen: 2_000 }] };
    expect(cheapestApr(small)).toMatchObject({ ok: true, value: { principalFen: 3_000_000 } });
    const hopeless = {
      ...base,
      maxAmountFen: 2_000,
      minAmountFen: 1_000,
      fees: [{ kind: 'upfront' as const, amountFen: 2_000 }],
    };
    expect(cheapestApr(hopeless)).toMatchObject({ ok: false, code: 'fees_exceed_principal' });
  });
});

describe('checkProductCap', () => {
  it('lets a product whose cheapest configuration is within the cap exist', () => {
    expect(checkProductCap(base)).toMatchObject({ ok: true });
  });

  it('refuses a product priced above the cap with both figures', () => {
    const result = checkProductCap({ ...base, rateAnnualMin: 0.25 });
    expect(result).toMatchObject({
      ok: false,
      code: 'apr_exceeds_cap',
      field: 'rateAnnualMin',
      details: { cap: 0.24, basis: 'nominal' },
    });
    if (result.ok) return;
    expect(result.details!.apr as number).toBeGreaterThan(0.25);
  });

  it('counts fees: a 20% product with a 1%-a-month service fee is above 24%', () => {
    const result = checkProductCap({
      ...base,
      rateAnnualMin: 0.2,
      fees: [{ kind: 'monthly-rate', rate: 0.01 }],
    });
    expect(result).toMatchObject({ ok: false, code: 'apr_exceeds_cap' });
  });

  it('honours the effective basis', () => {
    const product = { ...base, rateAnnualMin: 0.22, fees: [] };
    expect(checkProductCap(product, { rate: 0.24, basis: 'nominal' })).toMatchObject({ ok: true });
    expect(checkProductCap(product, { rate: 0.24, basis: 'effective' })).toMatchObject({
      ok: false,
      code: 'apr_exceeds_cap',
    });
  });

  it('reports a product no configuration of which disburses anything as product_invalid through the vetter', async () => {
    const { PricingService } = await import('./service.ts');
    const { CatalogService } = await import('../catalog/service.ts');
    const pricing = new PricingService({ catalog: {} as InstanceType<typeof CatalogService> });
    const product = {
      name: 'x',
      ageMin: 20,
      ageMax: 50,
      minScore: 0,
      rateAnnualMax: 0.1,
      methods: ['bullet' as const],
    };
    const tx = {} as Parameters<typeof pricing.vetProduct>[0]; // the default cap source reads nothing
    await expect(
      pricing.vetProduct(tx, {
        ...product,
        minAmountFen: 1_000,
        maxAmountFen: 2_000,
        termsMonths: [3],
        rateAnnualMin: 0.1,
        fees: [{ kind: 'upfront', amountFen: 5_000 }],
      }),
    ).rejects.toThrow(expect.objectContaining({ code: 'product_invalid', field: 'fees' }));
    await expect(
      pricing.vetProduct(tx, {
        ...product,
        minAmountFen: 1_000,
        maxAmountFen: 2_000,
        termsMonths: [3],
        rateAnnualMin: 0.3,
        fees: [],
      }),
    ).rejects.toThrow(
      expect.objectContaining({ code: 'apr_exceeds_cap', details: expect.objectContaining({ cap: 0.24 }) }),
    );
  });

  it('passes every demo funder’s rates (the demo catalogue must seed)', () => {
    for (const funder of DEMO_FUNDERS) {
      const product = {
        ...base,
        rateAnnualMin: Math.min(0.2, funder.rateBase + 0.03),
        fees: [{ kind: 'monthly-rate' as const, rate: 0.001 }],
      };
      expect(checkProductCap(product)).toMatchObject({ ok: true });
    }
  });
});

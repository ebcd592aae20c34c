// The scenario's funders as the routing core sees them: its catalogue compiled once, its rotation
// settings, and pricing exactly as the routing service calls it (memoised within one application).
import type { RepaymentMethod } from '../catalog/model.ts';
import { quote } from '../pricing/index.ts';
import {
  compileRoutingTable,
  DEFAULT_ROUTING_CONFIG,
  type QuoteFunction,
  type QuoteOutcome,
  type RoutingConfig,
  type RoutingTable,
} from '../routing/index.ts';
import type { Scenario } from './model.ts';

/**
 * Pricing as the routing service calls it (APR only, no schedule objects), memoised within one
 * application. quote() is a pure function of its input, so the memo returns exactly what pricing
 * would; it saves solving the same IRR again when several funders' products quote the same rate and
 * method for the applicant's amount and term (common: default funders are interchangeable). The
 * memo is keyed by rate and method and starts afresh whenever amount, term or cap change, so it
 * holds at most one application's products. Inputs with fees bypass it.
 */
export function memoisedQuote(): QuoteFunction & { hits: () => number; misses: () => number } {
  const memo = new Map<number, QuoteOutcome>();
  let principal = -1;
  let term = -1;
  let capRate: number | undefined;
  let capBasis: string | undefined;
  let hits = 0;
  let misses = 0;
  const fn = (request: Parameters<QuoteFunction>[0]): QuoteOutcome => {
    if (request.fees.length > 0) return quoteOnce(request);
    if (
      request.principalFen !== principal ||
      request.termMonths !== term ||
      request.cap?.rate !== capRate ||
      request.cap?.basis !== capBasis
    ) {
      memo.clear();
      principal = request.principalFen;
      term = request.termMonths;
      capRate = request.cap?.rate;
      capBasis = request.cap?.basis;
    }
    // rateForScore rounds rates to 1e-6, so rate × 1e6 is an exact integer key; anything else bypasses.
    const micro = request.rateAnnual * 1_000_000;
    const rounded = Math.round(micro);
    if (Math.abs(micro - rounded) > 1e-6) return quoteOnce(request);
    const key = rounded * 4 + METHOD_KEYS[request.method];
    const known = memo.get(key);
    if (known !== undefined) {
      hits++;
      return known;
    }
    misses++;
    const outcome = quoteOnce(request);
    memo.set(key, outcome);
    return outcome;
  };
  return Object.assign(fn, { hits: () => hits, misses: () => misses });
}

const METHOD_KEYS: Record<RepaymentMethod, number> = {
  'equal-installment': 0,
  'equal-principal': 1,
  'interest-first': 2,
  bullet: 3,
};

/** Pricing exactly as the routing service calls it (src/routing/service.ts pricingQuote). */
const quoteOnce: QuoteFunction = (request) => quote(request, { schedule: false });

export function routingConfigFor(scenario: Scenario): RoutingConfig {
  return {
    ...DEFAULT_ROUTING_CONFIG,
    rotation: {
      ...DEFAULT_ROUTING_CONFIG.rotation,
      enabled: scenario.platform.rotation,
      ...(scenario.platform.routing.sameFunderMarginAnnual === undefined
        ? {}
        : { sameFunderMarginAnnual: scenario.platform.routing.sameFunderMarginAnnual }),
      // Shares of each funder's own flow (ADR 0073): the scenario's bands over routing's defaults.
      exposureShareByBand: {
        ...DEFAULT_ROUTING_CONFIG.rotation.exposureShareByBand,
        ...(scenario.platform.routing.exposureShareByBand ?? {}),
      },
    },
  };
}

/** The scenario's funders and products as the routing core's catalogue, compiled once. */
export function routingTableFor(scenario: Scenario, config: RoutingConfig, memoise = true): RoutingTable {
  const funders = scenario.funders.map((f) => ({
    id: f.id,
    status: 'active' as const,
    licensedRegions: f.licensedRegions,
    monthlyQuotaFen: f.monthlyQuotaFen,
    serviceFee: { basis: 'disbursed' as const, rate: f.serviceFeeRate },
  }));
  const products = scenario.funders.flatMap((f) =>
    f.products.map((p) => ({ ...p, funderId: f.id, status: 'active' as const, fees: [] })),
  );
  return compileRoutingTable({ funders, products }, config, memoise ? memoisedQuote() : quoteOnce);
}

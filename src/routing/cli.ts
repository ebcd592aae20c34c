// `shoujia route`: route one applicant offline against the demo catalogue (no server, no PII: age
// and region instead of an ID number) and print the ranked offers and, for every other product, the
// first rule that failed — what GET /v1/applications/:id/routing shows for a real application.
// Exit 0 when routed (also with no offers), 2 for bad arguments, naming the argument.
import { randomBytes } from 'node:crypto';
import { seedDemoCatalog } from '../catalog/demo.ts';
import type { Command } from '../cli/main.ts';
import { openDatabase } from '../db/client.ts';
import { lookupRegion } from '../identity/regions.ts';
import { createServices } from '../services.ts';
import { compileRoutingTable, decide, explainDecision } from './decide.ts';
import { DEFAULT_ROUTING_CONFIG } from './defaults.ts';
import { EMPLOYER_TYPES, type EmployerType, type RoutingFunder, type RoutingInput } from './model.ts';
import { seedOf } from './rotation.ts';
import { pricingQuote } from './service.ts';

const USAGE = `Usage: shoujia route --age N --region CODE --amount-fen N --term-months N [options]

Routes one applicant against the demo catalogue (ten funders): score, ranked offers with their
comprehensive annual cost, and for every other product the first eligibility rule that failed.

Required:
  --age N              applicant's age in whole years (18..100)
  --region CODE        six-digit GB/T 2260 division code, e.g. 310104
  --amount-fen N       amount requested, whole fen (2000000 = ¥20,000)
  --term-months N      1..360

Options:
  --score N            0..1000 from the platform's risk system (absent: the built-in scorecard)
  --income-fen N       monthly income, whole fen (default 1000000)
  --employer-type T    ${EMPLOYER_TYPES.join(' | ')} (default private)
  --last-funder ID     the funder of the customer's previous loan (rotation)
  --seed N             tie-break seed (default: derived from the arguments)
  --json               print {"score","band","offers","explanations"}

Exit status: 0 routed; 2 bad arguments.`;

function fail(argument: string, message: string): number {
  console.error(`shoujia route: ${argument} ${message}\n\n${USAGE}`);
  return 2;
}

export const routeCommand: Command = {
  summary: 'route one applicant offline against the demo catalogue and explain every product',
  usage: USAGE,
  async run(argv) {
    const values = new Map<string, string>();
    let json = false;
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (arg === '--json') {
        json = true;
        continue;
      }
      if (
        ![
          '--age',
          '--region',
          '--amount-fen',
          '--term-months',
          '--score',
          '--income-fen',
          '--employer-type',
          '--last-funder',
          '--seed',
        ].includes(arg)
      )
        return fail(arg, 'is not an option');
      const value = argv[++i];
      if (value === undefined) return fail(arg, 'needs a value');
      values.set(arg, value);
    }
    const whole = (name: string, min: number, max: number, fallback?: number): number | string => {
      const text = values.get(name);
      if (text === undefined) return fallback ?? `${name} is required`;
      if (!/^\d{1,16}$/.test(text) || Number(text) < min || Number(text) > max)
        return `${name} must be a whole number in ${min}..${max}`;
      return Number(text);
    };
    const age = whole('--age', 18, 100);
    const amount = whole('--amount-fen', 1, 10_000_000_000_000);
    const term = whole('--term-months', 1, 360);
    const score = values.has('--score') ? whole('--score', 0, 1000) : undefined;
    const income = whole('--income-fen', 0, 10_000_000_000_000, 1_000_000);
    const seed = whole('--seed', 0, 2 ** 32 - 1, seedOf(argv.join(' ')));
    for (const [name, value] of [
      ['--age', age],
      ['--amount-fen', amount],
      ['--term-months', term],
      ['--score', score],
      ['--income-fen', income],
      ['--seed', seed],
    ] as const) {
      if (typeof value === 'string') return fail(name, value.replace(`${name} `, ''));
    }
    const region = values.get('--region');
    if (!region || !/^\d{6}$/.test(region) || !lookupRegion(region))
      return fail('--region', 'must be a six-digit GB/T 2260 division code');
    const employerType = (values.get('--employer-type') ?? 'private') as EmployerType;
    if (!EMPLOYER_TYPES.includes(employerType))
      return fail('--employer-type', `must be one of ${EMPLOYER_TYPES.join(', ')}`);

    const database = await openDatabase({ dataDir: 'memory://' });
    try {
      const services = createServices({ database, masterKey: randomBytes(32) });
      await services.units.run((unit) => seedDemoCatalog(unit, services.catalog));
      const funders: RoutingFunder[] = [];
      for (const funder of await services.catalog.listFunders(database.db, { limit: 500 })) {
        const contract = await services.catalog.currentContract(database.db, funder.id);
        funders.push({ ...funder, serviceFee: contract?.terms.serviceFee });
      }
      const products = await services.catalog.listProducts(database.db, { activeOnly: true, limit: 5000 });
      const table = compileRoutingTable({ funders, products }, DEFAULT_ROUTING_CONFIG, pricingQuote);
      const input: RoutingInput = {
        applicant: {
          ageYears: age as number,
          regionCode: region,
          amountFen: amount as number,
          termMonths: term as number,
          monthlyIncomeFen: income as number,
          employerType,
          score: score as number | undefined,
        },
        funderStates: new Map(),
        lastFunderId: values.get('--last-funder') ?? null,
        seed: seed as number,
      };
      const decision = decide(table, input);
      const explanations = explainDecision(table, input, decision);
      if (json) {
        const offers = decision.offers.map(({ totals: _t, ...offer }) => offer);
        console.log(
          JSON.stringify({
            score: decision.score,
            scoreSource: decision.scoreSource,
            band: decision.band,
            offers,
            explanations,
          }),
        );
        return 0;
      }
      console.log(
        `score ${decision.score} (${decision.scoreSource}), band ${decision.band}; ${decision.offers.length} offers`,
      );
      for (const offer of decision.offers) {
        console.log(
          `  ${String(offer.rank).padStart(2)}. ${offer.productId.padEnd(26)} rate ${(offer.rateAnnual * 100).toFixed(2)}%  综合年化 ${(offer.apr.nominal * 100).toFixed(2)}%  ${offer.method}`,
        );
      }
      console.log('not offered:');
      for (const e of explanations)
        if (!e.eligible) console.log(`  ${e.productId.padEnd(26)} ${e.code}: ${e.reason}`);
      return 0;
    } finally {
      await database.close();
    }
  },
};

// Simulation: a 24-month market of 1,000,000 customers and 30 funders (three of them poaching:
// naive, evasive and reawakening-heavy) run on one core, through the real routing and pricing
// cores. The peer in the same run is the routing core itself: the time spent inside decide()
// (eligibility, pricing, ranking, rotation) for every application of the run, the floor any
// simulator driving that core must pay; the rest is the market model's own cost.
// `--customers N` runs a smaller market for a quick look (the result name then changes); `--rounds N`
// (default 3) repeats the run and reports the median; `--no-memo` calls pricing for every quote.
import { runMarket } from '../src/simulation/market.ts';
import { parseScenario } from '../src/simulation/scenario.ts';
import type { BenchArea } from './run.ts';

function benchScenario(customers: number) {
  // Heterogeneous by default (issue 13): a type each, and the scenario normaliser draws approval,
  // pricing, speed and (for banks) a regional licence per funder.
  const types = ['bank', 'consumer-finance', 'consumer-finance', 'other'] as const;
  const funders: Array<Record<string, unknown>> = Array.from({ length: 30 }, (_, i) => ({
    id: `funder-${String(i).padStart(2, '0')}`,
    type: types[i % types.length],
    strategy: { kind: 'honest' },
  }));
  funders[3] = {
    ...funders[3],
    id: 'naive-03',
    // priced to win flow (the cheapest banks' rate), as the article's poachers compete for the platform's traffic
    rateBase: 0.06,
    licensedRegions: ['*'],
    strategy: { kind: 'poacher', startDay: 60, interceptionRate: 0.1, reawakeningRate: 0.05 },
  };
  funders[13] = {
    ...funders[13],
    id: 'evasive-13',
    // priced to win flow (the cheapest banks' rate), as the article's poachers compete for the platform's traffic
    rateBase: 0.06,
    licensedRegions: ['*'],
    strategy: {
      kind: 'poacher',
      startDay: 60,
      exclusions: { personnel: true, risk: true, region: true },
      maxMonthlyShare: 0.03,
    },
  };
  funders[23] = {
    ...funders[23],
    id: 'reawaken-23',
    // priced to win flow (the cheapest banks' rate), as the article's poachers compete for the platform's traffic
    rateBase: 0.06,
    licensedRegions: ['*'],
    strategy: { kind: 'poacher', startDay: 120, reawakeningRate: 0.1, exclusions: { risk: true } },
  };
  const parsed = parseScenario({ seed: 2026, days: 730, customers: { count: customers }, funders });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

const area: BenchArea = {
  description:
    '1M customers × 24 months × 30 funders through the real routing core (goal ≤ 60 s on one core)',
  async run({ log, args }) {
    const option = (name: string, fallback: number) => {
      const i = args.indexOf(name);
      const value = i >= 0 ? Number(args[i + 1]) : fallback;
      if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
      return value;
    };
    const customers = option('--customers', 1_000_000);
    const rounds = option('--rounds', 3);
    const scenario = benchScenario(customers);
    log(
      `customers ${customers.toLocaleString('en-US')}, days ${scenario.days}, funders ${scenario.funders.length}, rounds ${rounds} (median reported)`,
    );
    const samples: Array<{ seconds: number; routingSeconds: number; decisions: number }> = [];
    for (let round = 1; round <= rounds; round++) {
      const started = performance.now();
      const run = runMarket(scenario, { timeRouting: true, memoiseQuotes: !args.includes('--no-memo') });
      const seconds = (performance.now() - started) / 1000;
      samples.push({ seconds, routingSeconds: run.routingMs / 1000, decisions: run.decisions });
      const p = run.report.platform;
      log(
        `  round ${round}: ${seconds.toFixed(2)} s (routing core ${(run.routingMs / 1000).toFixed(2)} s); ` +
          `applications ${p.applications.toLocaleString('en-US')}, booked ${p.booked.toLocaleString('en-US')}, customers lost ${p.customersLost}`,
      );
    }
    const median = [...samples].sort((a, b) => a.seconds - b.seconds)[Math.floor(samples.length / 2)]!;
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const label = customers === 1_000_000 ? '1m' : `${customers}c`;
    return [
      {
        name: `sim_${label}_24mo_30f_s`,
        value: Number(median.seconds.toFixed(2)),
        unit: 's',
        note: `median of ${rounds}; goal ≤ 60 s`,
      },
      {
        name: `sim_${label}_24mo_30f_rss_mb`,
        value: Math.round(peakRssMb),
        unit: 'MB',
        note: 'peak RSS of the whole process, tsx included; goal ≤ 1,024',
      },
      { name: 'sim_decisions', value: median.decisions, unit: 'decisions' },
      { name: 'sim_applications_per_s', value: Math.round(median.decisions / median.seconds), unit: '/s' },
      {
        name: 'peer_routing_core_s',
        value: Number(median.routingSeconds.toFixed(2)),
        unit: 's',
        note: 'time inside decide() in the median round',
      },
      {
        name: 'sim_market_model_s',
        value: Number((median.seconds - median.routingSeconds).toFixed(2)),
        unit: 's',
        note: 'the simulator’s own share',
      },
    ];
  },
};

export default area;

// Routing: full in-process decisions per second on one core (eligibility over 50 funders × 10
// products, pricing quotes for every eligible offer, ranking, rotation), side by side with
// @gorules/zen-engine evaluating the same eligibility as a 500-row collect decision table compiled
// once; then POST /v1/applications (intake + routing) over HTTP against PostgreSQL with autocannon.
// The HTTP part uses its own database on SHOUJIA_BENCH_PG_URL (or SHOUJIA_TEST_PG_URL, or the
// local server), dropped after. Options: --seconds N (HTTP duration, default 10), --connections N,
// --http-only (skip the in-process part, for profiling the submit path), --processes N (N API
// processes sharing the port through node:cluster, bench/_routing-server.ts; default 1, in this
// process), --warmup N (seconds of load before the measured run, default 2, not counted; 0: none).
import { spawn } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZenEngine } from '@gorules/zen-engine';
import pg from 'pg';
import { openDatabase } from '../src/db/client.ts';
import { buildApp } from '../src/http/app.ts';
import { SeededRandom } from '../src/kernel/index.ts';
import {
  compileRoutingTable,
  DEFAULT_ROUTING_CONFIG,
  decide,
  type RoutingInput,
} from '../src/routing/index.ts';
import { pricingQuote } from '../src/routing/service.ts';
import { randomApplicant, randomCatalog, randomFunderStates } from '../src/routing/testing.ts';
import { createServices } from '../src/services.ts';
import type { BenchArea, BenchResult } from './run.ts';

const BASE_URL =
  process.env.SHOUJIA_BENCH_PG_URL ??
  process.env.SHOUJIA_TEST_PG_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';
const SEED = 20260301;
const APPLICANTS = 20_000;
const ROUNDS = 5;
const ROUND_MS = 1_000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function option(args: string[], name: string, fallback: number, zeroAllowed = false): number {
  const index = args.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isSafeInteger(value) || value < (zeroAllowed ? 0 : 1))
    throw new Error(`--${name} needs a ${zeroAllowed ? 'non-negative' : 'positive'} integer`);
  return value;
}

/** Decisions per second: rounds of ROUND_MS over pre-built inputs; the median round. */
function measureInProcess(
  inputs: RoutingInput[],
  table: ReturnType<typeof compileRoutingTable>,
): { perSecond: number; offersPerDecision: number } {
  let offers = 0;
  for (let i = 0; i < 2_000; i++) offers += decide(table, inputs[i % inputs.length]!).offers.length; // warm up
  const rates: number[] = [];
  let decisions = 0;
  offers = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < ROUND_MS) {
      for (let k = 0; k < 100; k++)
        offers += decide(table, inputs[(decisions + n++) % inputs.length]!).offers.length;
    }
    decisions += n;
    rates.push((n * 1000) / (performance.now() - start));
  }
  return { perSecond: median(rates), offersPerDecision: offers / decisions };
}

/** The same eligibility rules as a JDM decision table: one row per product, hit policy collect. */
function zenTable(catalog: ReturnType<typeof randomCatalog>) {
  const funders = new Map(catalog.funders.map((f) => [f.id, f]));
  const rules = catalog.products
    .filter((p) => p.status === 'active')
    .map((p, i) => {
      const funder = funders.get(p.funderId)!;
      const region = funder.licensedRegions.includes('*')
        ? ''
        : funder.licensedRegions.map((prefix) => `startsWith($, "${prefix}")`).join(' or ');
      return {
        _id: `r${i}`,
        c_region: region,
        c_age: `[${p.ageMin}..${p.ageMax}]`,
        c_amount: `[${p.minAmountFen}..${p.maxAmountFen}]`,
        c_term: p.termsMonths.join(', '),
        c_score: `>= ${p.minScore}`,
        c_status: `"${funder.status === 'active' ? 'active' : 'never'}"`,
        c_capacity: funder.monthlyQuotaFen === null ? '' : '>= 0',
        c_capfield: '',
        o_product: `"${p.id}"`,
      };
    });
  // Funder status and capacity come from per-funder inputs, read through the row's own funder.
  const table = {
    hitPolicy: 'collect',
    inputs: [
      { id: 'c_region', name: 'region', field: 'regionCode' },
      { id: 'c_age', name: 'age', field: 'ageYears' },
      { id: 'c_amount', name: 'amount', field: 'amountFen' },
      { id: 'c_term', name: 'term', field: 'termMonths' },
      { id: 'c_score', name: 'score', field: 'score' },
    ],
    outputs: [{ id: 'o_product', name: 'productId', field: 'productId' }],
    rules: rules.map(({ c_status: _s, c_capacity: _c, c_capfield: _f, ...rest }) => rest),
  };
  // Status and capacity per row need the row's funder: one input column each, keyed by funder.
  table.inputs.push({ id: 'c_funder_ok', name: 'funder ok', field: 'funderOk' });
  table.rules = table.rules.map(
    (rule, i) =>
      ({
        ...rule,
        c_funder_ok: `contains($, "${catalog.products.filter((p) => p.status === 'active')[i]!.funderId}")`,
      }) as never,
  );
  return {
    contentType: 'application/vnd.gorules.decision',
    nodes: [
      { id: 'in', type: 'inputNode', name: 'request', position: { x: 0, y: 0 } },
      {
        id: 'tbl',
        type: 'decisionTableNode',
        name: 'eligibility',
        position: { x: 200, y: 0 },
        content: table,
      },
      { id: 'out', type: 'outputNode', name: 'response', position: { x: 400, y: 0 } },
    ],
    edges: [
      { id: 'e1', sourceId: 'in', targetId: 'tbl', type: 'edge' },
      { id: 'e2', sourceId: 'tbl', targetId: 'out', type: 'edge' },
    ],
  };
}

async function measureZen(
  catalog: ReturnType<typeof randomCatalog>,
  inputs: RoutingInput[],
): Promise<{ sequential: number; inFlight8: number; agreement: number }> {
  const engine = new ZenEngine();
  const decision = engine.createDecision(zenTable(catalog)); // compiled once
  const funders = catalog.funders;
  const contexts = inputs.map((input) => ({
    regionCode: input.applicant.regionCode,
    ageYears: input.applicant.ageYears,
    amountFen: input.applicant.amountFen,
    termMonths: input.applicant.termMonths,
    score: input.applicant.score ?? 600,
    // A funder is ok when active, not excluded by trust 0 (ADR 0073) and its quota can take the
    // amount (the same funder rules decide() applies without flow counted).
    funderOk: funders
      .filter(
        (f) =>
          f.status === 'active' &&
          (input.funderStates.get(f.id)?.trust ?? 1) > 0 &&
          (f.monthlyQuotaFen === null ||
            (input.funderStates.get(f.id)?.monthlyUsedFen ?? 0) + input.applicant.amountFen <=
              f.monthlyQuotaFen),
      )
      .map((f) => f.id)
      .join(','),
  }));
  // Agreement check on a sample: zen's matches equal the products that pass the same rules in decide().
  const noQuoteTable = compileRoutingTable(
    catalog,
    {
      ...DEFAULT_ROUTING_CONFIG,
      rotation: {
        ...DEFAULT_ROUTING_CONFIG.rotation,
        enabled: false,
        exposureShareByBand: {},
        exposureBudgetPerMonth: {},
      },
    },
    // zen's table has no price rules: a quote of zero cost, so the cap (which no configuration can
    // lift, ADR 0065) never binds and the comparison is about the other rules only
    () => ({
      ok: true,
      value: { apr: { periodRate: 0, nominal: 0, effective: 0 }, capCheck: { ok: true }, totals: undefined },
    }),
  );
  let agree = 0;
  const SAMPLE = 200;
  for (let i = 0; i < SAMPLE; i++) {
    const zen = await decision.evaluate(contexts[i]!);
    const zenIds = ((zen.result as Array<{ productId: string }>) ?? []).map((r) => r.productId).sort();
    // Without flow counted, only trust 0 of the budget rules applies (zen's funderOk has it).
    const untracked = new Map(
      [...inputs[i]!.funderStates].map(([id, state]) => [id, { ...state, flowByBand: undefined }]),
    );
    const ours = decide(noQuoteTable, {
      ...inputs[i]!,
      funderStates: untracked,
      applicant: { ...inputs[i]!.applicant, score: contexts[i]!.score },
      lastFunderId: null,
    })
      .offers.map((o) => o.productId)
      .sort();
    if (JSON.stringify(zenIds) === JSON.stringify(ours)) agree++;
  }
  const rates: number[] = [];
  let next = 0;
  for (let round = 0; round < 3; round++) {
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < ROUND_MS) {
      await decision.evaluate(contexts[next++ % contexts.length]!);
      n++;
    }
    rates.push((n * 1000) / (performance.now() - start));
  }
  let n = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (performance.now() - start < ROUND_MS) {
        await decision.evaluate(contexts[next++ % contexts.length]!);
        n++;
      }
    }),
  );
  return {
    sequential: median(rates),
    inFlight8: (n * 1000) / (performance.now() - start),
    agreement: agree / SAMPLE,
  };
}

async function measureHttp(
  log: (line: string) => void,
  seconds: number,
  connections: number,
  processes: number,
  warmupSeconds: number,
  rounds: number,
): Promise<{
  perSecond: number;
  p99Ms: number;
  p50Ms: number;
  non2xx: number;
  cpuMsPerRequest: number;
  rounds: Array<{ rps50: number; p99: number }>;
}> {
  const name = `shoujia_bench_routing_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolMax: 16 });
  const masterKey = randomBytes(32);
  const services = createServices({ database, masterKey });
  const workers: Worker[] = [];
  const app = await buildApp(services, { logger: false });
  try {
    const catalog = randomCatalog(SEED, 50, 10);
    let products = 0;
    await services.units.run(async (unit) => {
      for (const f of catalog.funders) {
        await services.catalog.createFunder(unit, {
          id: f.id,
          name: f.id,
          type: 'bank',
          status: f.status,
          licensedRegions: f.licensedRegions,
          monthlyQuotaFen: f.monthlyQuotaFen,
        });
        for (const p of catalog.products.filter((x) => x.funderId === f.id && x.status === 'active')) {
          try {
            await services.catalog.createProduct(unit, f.id, { ...p, name: p.id });
            products++;
          } catch {
            // the pricing vetter refuses a product whose cheapest loan is above the cap: skip it
          }
        }
      }
    });
    log(
      `http: ${catalog.funders.length} funders, ${products} products on PostgreSQL; ${connections} connections for ${seconds} s; ${processes === 1 ? 'one API process (this one)' : `${processes} API processes (node:cluster)`}; warm-up ${warmupSeconds} s`,
    );
    const key = (await services.access.issueKey(database.db, { role: 'system', label: 'bench' })).secret;
    const here = dirname(fileURLToPath(import.meta.url));
    let address: string;
    if (processes === 1) address = await app.listen({ port: 0, host: '127.0.0.1' });
    else {
      cluster.setupPrimary({ exec: `${here}/_routing-server.ts`, execArgv: ['--import', 'tsx'] });
      const addresses: Promise<string>[] = [];
      for (let i = 0; i < processes; i++) {
        const worker = cluster.fork({
          SHOUJIA_BENCH_WORKER_DB_URL: url.toString(),
          SHOUJIA_BENCH_WORKER_MASTER_KEY: masterKey.toString('hex'),
        });
        workers.push(worker);
        addresses.push(
          new Promise((resolve, reject) => {
            worker.on('message', (m: { type: string; address?: string }) => {
              if (m.type === 'listening') resolve(m.address!);
            });
            worker.on('exit', (code) => reject(new Error(`API process exited ${code} before listening`)));
          }),
        );
      }
      const listening = await Promise.all(addresses);
      if (new Set(listening).size !== 1)
        throw new Error(`API processes listen apart: ${listening.join(', ')}`);
      address = listening[0]!;
    }
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        `${here}/_routing-load.ts`,
        address,
        key,
        String(seconds),
        String(connections),
        String(warmupSeconds),
        String(rounds),
      ],
      { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
    );
    let out = '';
    // The server's own CPU per measured request (after the warm-up): steadier than the rate on a
    // shared machine.
    let cpuBefore = process.cpuUsage();
    child.on('message', (message) => {
      if (message !== 'measuring') return;
      cpuBefore = process.cpuUsage();
      for (const worker of workers) worker.send({ type: 'start' });
    });
    child.stdout!.on('data', (chunk) => (out += chunk));
    await new Promise<void>((resolve, reject) =>
      child.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`load generator exited ${code}`)),
      ),
    );
    const own = process.cpuUsage(cpuBefore);
    const grouping = services.intake.groupingStats(database.run);
    if (grouping)
      log(
        `http: ${grouping.writes.parts} submissions written in ${grouping.writes.statements} statements (${(grouping.writes.parts / Math.max(1, grouping.writes.statements)).toFixed(1)} a statement), looked up in ${grouping.lookups.statements}; ${grouping.writes.retriedAlone} retried alone`,
      );
    let cpuMicros = own.user + own.system;
    const stopped = workers.map(
      (worker) =>
        new Promise<number>((resolve) => {
          worker.on('message', (m: { type: string; cpuMicros?: number }) => {
            if (m.type === 'stopped') resolve(m.cpuMicros!);
          });
          worker.send({ type: 'stop' });
        }),
    );
    for (const micros of await Promise.all(stopped)) cpuMicros += micros;
    workers.length = 0;
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as {
      rps50: number;
      p99: number;
      p50: number;
      non2xx: number;
      total: number;
      rounds: Array<{ rps50: number; p99: number }>;
    };
    return {
      perSecond: result.rps50,
      p99Ms: result.p99,
      p50Ms: result.p50,
      non2xx: result.non2xx,
      cpuMsPerRequest: cpuMicros / 1000 / Math.max(1, result.total),
      rounds: result.rounds,
    };
  } finally {
    for (const worker of workers) worker.kill();
    await app.close();
    await database.close();
    const dropper = new pg.Client({ connectionString: BASE_URL });
    await dropper.connect();
    await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await dropper.end();
  }
}

/** The HTTP part with the command line's options, logged; its two results. */
async function httpResults(log: (line: string) => void, args: string[]): Promise<BenchResult[]> {
  const http = await measureHttp(
    log,
    option(args, 'seconds', 10),
    option(args, 'connections', 16),
    option(args, 'processes', 1),
    option(args, 'warmup', 2, true),
    option(args, 'rounds', 3),
  );
  log(
    `http: ${Math.round(http.perSecond)} applications/s (median second of the median round), p50 ${http.p50Ms} ms, p99 ${http.p99Ms} ms, non-2xx ${http.non2xx}, server CPU ${http.cpuMsPerRequest.toFixed(2)} ms per request; rounds ${http.rounds.map((r) => `${r.rps50}/s p99 ${r.p99} ms`).join(', ')}`,
  );
  return [
    {
      name: 'http_applications_per_s',
      value: Math.round(http.perSecond),
      unit: 'applications/s',
      note: 'goal ≥ 2,000',
    },
    { name: 'http_p99_ms', value: http.p99Ms, unit: 'ms', note: 'goal ≤ 25' },
    {
      name: 'http_server_cpu_us_per_request',
      value: Math.round(http.cpuMsPerRequest * 1000),
      unit: 'µs',
      note: "the API process's CPU per measured request: steadier than the rate on a shared machine",
    },
  ];
}

const area: BenchArea = {
  description:
    'routing decisions in process (vs zen-engine on the same eligibility) and POST /v1/applications over HTTP on PostgreSQL',
  async run({ log, args }) {
    if (args.includes('--http-only')) return httpResults(log, args);
    const catalog = randomCatalog(SEED, 50, 10);
    const random = new SeededRandom(SEED);
    const states = randomFunderStates(random, catalog.funders);
    const inputs: RoutingInput[] = Array.from({ length: APPLICANTS }, () => ({
      applicant: randomApplicant(random),
      funderStates: states,
      lastFunderId: random.chance(0.3) ? random.pick(catalog.funders).id : null,
      seed: random.nextUint32(),
    }));
    const table = compileRoutingTable(catalog, DEFAULT_ROUTING_CONFIG, pricingQuote);
    const inProcess = measureInProcess(inputs, table);
    log(
      `in process: ${Math.round(inProcess.perSecond).toLocaleString('en-US')} decisions/s (median of ${ROUNDS} × ${ROUND_MS} ms), ${inProcess.offersPerDecision.toFixed(1)} quoted offers per decision`,
    );
    const constantQuote = pricingQuote({
      principalFen: 1_000_000,
      termMonths: 12,
      rateAnnual: 0.1,
      method: 'equal-installment',
      fees: [],
    });
    const withoutPricing = measureInProcess(
      inputs,
      compileRoutingTable(catalog, DEFAULT_ROUTING_CONFIG, () => constantQuote),
    );
    log(
      `  breakdown: the same decisions with a constant quote (routing's own work only): ${Math.round(withoutPricing.perSecond).toLocaleString('en-US')}/s`,
    );
    const zen = await measureZen(catalog, inputs);
    log(
      `zen-engine: ${Math.round(zen.sequential).toLocaleString('en-US')}/s sequential, ${Math.round(zen.inFlight8).toLocaleString('en-US')}/s with 8 in flight; same eligible set as decide() on ${(zen.agreement * 100).toFixed(0)}% of a 200-applicant sample`,
    );
    log(`ratio: ${(inProcess.perSecond / zen.sequential).toFixed(1)}× (goal ≥ 20×)`);
    const http = await httpResults(log, args);
    const results: BenchResult[] = [
      {
        name: 'inprocess_decisions_per_s',
        value: Math.round(inProcess.perSecond),
        unit: 'decisions/s',
        note: 'goal ≥ 50,000',
      },
      {
        name: 'zen_engine_decisions_per_s',
        value: Math.round(zen.sequential),
        unit: 'decisions/s',
        note: 'peer, eligibility only, sequential',
      },
      ...http,
    ];
    return results;
  },
};

export default area;

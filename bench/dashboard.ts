// The dashboard's reads on PostgreSQL with 1M applications (issue 17, Performance): through the real
// HTTP API of a server started in this process (a real port), p95 over ≥ 50 requests of the
// applications list — first page, a deep page reached by following cursors, filtered pages — and of
// the funders page's scorecards (goals ≤ 200 ms each), the overview beside them, and
// `first_render_ms` of the overview in Chromium (no goal). Every statement each request sends is
// EXPLAINed (ANALYZE) once; a Seq Scan over applications fails the run (ADR 0104). Peers in the same
// run: the first page (for the deep page's ratio) and the same deep page by OFFSET.
// Data: bench/_dashboard-data.ts (INSERT … SELECT generate_series). Its own database on
// SHOUJIA_BENCH_PG_URL (or SHOUJIA_TEST_PG_URL, or the local server), dropped after. Options:
// --quick (20k applications), --applications N, --funders N, --deep-pages N, --no-browser.
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import pg from 'pg';
import { openDatabase } from '../src/db/client.ts';
import { buildApp } from '../src/http/app.ts';
import { ManualClock, MS_PER_DAY } from '../src/kernel/index.ts';
import { createServices } from '../src/services.ts';
import { seedFunder } from '../src/settlement/testing.ts';
import { buildMarket } from './_dashboard-data.ts';
import { buildDashboardForBench, medianFirstRender } from './_first-render.ts';
import { explainAll, type PlanReport, recordStatements } from './_dashboard-plans.ts';
import type { BenchArea, BenchResult } from './run.ts';

const BASE_URL =
  process.env.SHOUJIA_BENCH_PG_URL ??
  process.env.SHOUJIA_TEST_PG_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';
const GOAL_MS = 200;
/** requests per timed figure (the brief: ≥ 50) */
const REPEATS = 50;
const PAGE = 50;
/** the page size the deep walk strides with (the list's maximum) */
const STRIDE = 200;
const MARKET_DAYS = 365;
/** the web's funders page reads 90 days, its overview 30 (web/src/pages) */
const SCORECARD_DAYS = 90;
const OVERVIEW_DAYS = 30;
/** below this many applications a sequential scan is the planner's right answer: reported, not failed */
const SEQ_SCAN_GATE_ROWS = 100_000;
const UTC8_MS = 8 * 3_600_000;

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer`);
  return value;
}

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const round1 = (ms: number) => Math.round(ms * 10) / 10;

/** YYYY-MM-DD of the Asia/Shanghai day `daysBack` days before the one `at` falls in. */
function shanghaiDate(at: Date, daysBack = 0): string {
  return new Date(at.getTime() + UTC8_MS - daysBack * MS_PER_DAY).toISOString().slice(0, 10);
}

interface Client {
  get(path: string): Promise<{ ms: number; body: { nextCursor?: string | null; [k: string]: unknown } }>;
}

function httpClient(baseUrl: string, key: string): Client {
  return {
    async get(path) {
      const started = performance.now();
      const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
      const body = (await response.json()) as { nextCursor?: string | null };
      const ms = performance.now() - started;
      if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${JSON.stringify(body)}`);
      return { ms, body };
    },
  };
}

/**
 * `count` pages of the list under `query`, following cursors from `cursor`; each page's time. At the
 * last page it stops, or with `wrap` starts again from the first (a narrow filter on a small market).
 */
async function walk(
  client: Client,
  query: string,
  count: number,
  limit: number,
  cursor: string | null = null,
  wrap = false,
): Promise<{ samples: number[]; cursor: string | null }> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const c: string | null = cursor;
    const page = await client.get(
      `/v1/applications?limit=${limit}${query}${c ? `&cursor=${encodeURIComponent(c)}` : ''}`,
    );
    samples.push(page.ms);
    cursor = page.body.nextCursor ?? null;
    if (cursor === null && !wrap) break;
  }
  return { samples, cursor };
}

async function repeat(client: Client, path: string, times: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) samples.push((await client.get(path)).ms);
  return samples;
}

const area: BenchArea = {
  description:
    'the applications list and the funders scorecards through the HTTP API over 1M applications on PostgreSQL (p95, goal ≤ 200 ms), plans checked, first render in Chromium',
  async run({ log, args }) {
    const quick = args.includes('--quick');
    const applications = option(args, 'applications', quick ? 20_000 : 1_000_000);
    const funders = option(args, 'funders', quick ? 10 : 40);
    const deepPages = option(args, 'deep-pages', quick ? 20 : 1_000);
    const browser = !args.includes('--no-browser');
    const name = `shoujia_bench_dashboard_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: BASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(BASE_URL);
    url.pathname = `/${name}`;
    const database = await openDatabase({ url: url.toString(), poolMax: 4 });
    const explainer = new pg.Client({ connectionString: url.toString() });
    await explainer.connect();
    // the market ends an hour ago, so the browser's own "today" (the web pages' default range) sees it
    const now = new Date();
    const clock = new ManualClock(now);
    const services = createServices({
      database,
      masterKey: randomBytes(32),
      clock,
      crossProcessNotices: false,
    });
    const dashboardDir = browser ? await buildDashboardForBench(log) : undefined;
    const app = await buildApp(services, { logger: false, ...(dashboardDir ? { dashboardDir } : {}) });
    try {
      let started = performance.now();
      for (let i = 0; i < funders; i++) await seedFunder(services, `bf-${i}`);
      log(`market: ${applications} applications, ${funders} funders over ${MARKET_DAYS} days`);
      const counts = await buildMarket(
        database,
        { applications, funders, end: new Date(now.getTime() - 3_600_000), days: MARKET_DAYS },
        log,
      );
      log(
        `data: ${Object.entries(counts)
          .map(([t, n]) => `${n} ${t}`)
          .join(', ')} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      const analyst = (await services.access.issueKey(database.db, { role: 'analyst', label: 'bench' }))
        .secret;
      const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
      const client = httpClient(baseUrl, analyst);

      // filters: a common status, a mid-sized funder, a week in the middle, and status with funder
      const mid = new Date(now.getTime() - 120 * MS_PER_DAY);
      const week = `&from=${encodeURIComponent(new Date(mid.getTime() - 7 * MS_PER_DAY).toISOString())}&to=${encodeURIComponent(mid.toISOString())}`;
      const filters: Record<string, string> = {
        status: '&status=booked',
        funder: `&funderId=bf-${Math.floor(funders / 2)}`,
        range: week,
        status_funder: `&status=approved&funderId=bf-${Math.floor(funders / 3)}`,
      };
      const scorecardPath = `/v1/dashboard/funders?from=${shanghaiDate(now, SCORECARD_DAYS - 1)}&to=${shanghaiDate(now)}`;
      const overviewPath = `/v1/dashboard/overview?from=${shanghaiDate(now, OVERVIEW_DAYS - 1)}&to=${shanghaiDate(now)}`;

      // warm: one of each, so the first timed sample is not the cache's first read
      await walk(client, '', 2, PAGE);
      await client.get(scorecardPath);

      // first page
      const first = await repeat(client, `/v1/applications?limit=${PAGE}`, REPEATS);
      // deep: stride down deepPages × STRIDE rows by cursors, then time REPEATS consecutive pages there
      started = performance.now();
      const stride = await walk(client, '', deepPages, STRIDE);
      const depthRows = stride.samples.length * STRIDE;
      log(
        `deep walk: ${stride.samples.length} pages of ${STRIDE} (${depthRows} rows) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      if (stride.cursor === null)
        throw new Error('the deep walk reached the end of the list: lower --deep-pages');
      const deepCursor = stride.cursor;
      const deep = (await walk(client, '', REPEATS, PAGE, deepCursor)).samples;
      // filtered: per filter, its first page REPEATS/5 times, then REPEATS·4/5 pages down its cursors
      const filtered: number[] = [];
      const perFilter: Record<string, number> = {};
      for (const [label, query] of Object.entries(filters)) {
        const samples = [
          ...(await repeat(client, `/v1/applications?limit=${PAGE}${query}`, REPEATS / 5)),
          ...(await walk(client, query, (REPEATS * 4) / 5, PAGE, null, true)).samples,
        ];
        perFilter[label] = percentile(samples, 95);
        filtered.push(...samples);
      }
      const scorecard = await repeat(client, scorecardPath, REPEATS);
      const overview = await repeat(client, overviewPath, REPEATS);

      // the peer: the same deep page by OFFSET (what a page-number list would read), median of 3
      const offsetSamples: number[] = [];
      for (let i = 0; i < 3; i++) {
        started = performance.now();
        await database.query(
          `SELECT id, status, created_at, amount_fen, term_months, funder_id, product_id FROM applications
           ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT $2`,
          [depthRows, PAGE + 1],
        );
        offsetSamples.push(performance.now() - started);
      }

      // every statement of each kind of request, EXPLAINed once
      const plans: PlanReport[] = [];
      const requests: Record<string, string> = {
        first_page: `/v1/applications?limit=${PAGE}`,
        deep_page: `/v1/applications?limit=${PAGE}&cursor=${encodeURIComponent(deepCursor)}`,
        ...Object.fromEntries(
          Object.entries(filters).map(([label, query]) => [
            `filter_${label}`,
            `/v1/applications?limit=${PAGE}${query}`,
          ]),
        ),
        funder_scorecard: scorecardPath,
        overview: overviewPath,
      };
      for (const [label, path] of Object.entries(requests)) {
        const statements = await recordStatements(async () => {
          await client.get(path);
        });
        plans.push(...(await explainAll(explainer, label, statements)));
      }
      const seqScansOverApplications = plans.filter((p) =>
        p.seqScans.some((s) => s.relation === 'applications'),
      );
      for (const p of plans)
        log(
          `plan ${p.label}: ${p.executionMs.toFixed(1)} ms ${p.seqScans.length ? `SEQ SCAN ${p.seqScans.map((s) => s.relation).join(', ')} ` : ''}— ${p.nodes.slice(0, 6).join(' > ')}`,
        );
      let violation: string | undefined;
      if (seqScansOverApplications.length > 0) {
        const detail = seqScansOverApplications.map(
          (p) => `${p.label}: ${p.text.replace(/\s+/g, ' ').slice(0, 300)}`,
        );
        if (applications >= SEQ_SCAN_GATE_ROWS)
          violation = `a plan reads applications by a sequential scan (no unbounded reads):\n${detail.join('\n')}`;
        else
          log(
            `note: ${seqScansOverApplications.length} plans seq-scan applications at ${applications} rows (gate at ${SEQ_SCAN_GATE_ROWS})`,
          );
      }

      let firstRenderMs: number | undefined;
      if (dashboardDir) {
        // a page that never draws is reported, not fatal: the API figures above still stand
        try {
          firstRenderMs = await medianFirstRender(baseUrl, analyst);
          log(`first render: ${firstRenderMs.toFixed(0)} ms (median of fresh contexts)`);
        } catch (error) {
          log(`first render: not measured, ${String(error).split('\n')[0]}`);
        }
      }

      const firstP95 = percentile(first, 95);
      const deepP95 = percentile(deep, 95);
      const filteredP95 = percentile(filtered, 95);
      const pageP95 = Math.max(firstP95, deepP95, filteredP95);
      const offsetMs = percentile(offsetSamples, 50);
      const scale = applications === 1_000_000 ? '' : ` at ${applications} applications`;
      log(
        `filtered p95 by filter: ${Object.entries(perFilter)
          .map(([k, v]) => `${k} ${v.toFixed(1)} ms`)
          .join(', ')}`,
      );
      const results: BenchResult[] = [
        {
          name: 'applications_page_p95_ms',
          value: round1(pageP95),
          unit: 'ms',
          note: `goal ≤ ${GOAL_MS} ms${scale}; the worst of first / deep / filtered`,
        },
        {
          name: 'applications_first_page_p95_ms',
          value: round1(firstP95),
          unit: 'ms',
          note: `median ${percentile(first, 50).toFixed(1)} ms, ${first.length} requests of ${PAGE}`,
        },
        {
          name: 'applications_deep_page_p95_ms',
          value: round1(deepP95),
          unit: 'ms',
          note: `${depthRows} rows deep; median ${percentile(deep, 50).toFixed(1)} ms = ${(percentile(deep, 50) / percentile(first, 50)).toFixed(2)}× the first page's`,
        },
        {
          name: 'applications_filtered_page_p95_ms',
          value: round1(filteredP95),
          unit: 'ms',
          note: `${filtered.length} requests: status, funder, a week, status + funder; median ${percentile(filtered, 50).toFixed(1)} ms`,
        },
        {
          name: 'offset_deep_page_ms',
          value: round1(offsetMs),
          unit: 'ms',
          note: `peer: the deep page by OFFSET ${depthRows} in SQL alone, ${(offsetMs / percentile(deep, 50)).toFixed(1)}× the keyset page over HTTP`,
        },
        {
          name: 'funder_scorecard_p95_ms',
          value: round1(percentile(scorecard, 95)),
          unit: 'ms',
          note: `goal ≤ ${GOAL_MS} ms${scale}; ${funders} funders, ${SCORECARD_DAYS} days; median ${percentile(scorecard, 50).toFixed(1)} ms`,
        },
        {
          name: 'overview_p95_ms',
          value: round1(percentile(overview, 95)),
          unit: 'ms',
          note: `no goal; ${OVERVIEW_DAYS} days; median ${percentile(overview, 50).toFixed(1)} ms`,
        },
        {
          name: 'plans_seq_scan_applications',
          value: seqScansOverApplications.length,
          unit: 'plans',
          note: `of ${plans.length} statements EXPLAINed; must be 0`,
        },
      ];
      if (violation) {
        // the figures first, so a failed run still says what it measured
        for (const r of results) log(`${r.name} ${r.value} ${r.unit} (${r.note ?? ''})`);
        throw new Error(violation);
      }
      if (firstRenderMs !== undefined)
        results.push({
          name: 'first_render_ms',
          value: Math.round(firstRenderMs),
          unit: 'ms',
          note: 'overview in Chromium, no goal',
        });
      return results;
    } finally {
      await app.close();
      if (dashboardDir) rmSync(dashboardDir, { recursive: true, force: true });
      for (const hook of services.stopHooks) await hook();
      await explainer.end();
      await database.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  },
};

export default area;

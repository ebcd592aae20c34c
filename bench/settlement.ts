// Settlement on PostgreSQL: issue one month's statements for 50 funders over 1M booked loans and
// their repayments (goal ≤ 60 s, issue 16), and postings written per second. Peer in the same run:
// the same month's fees summed by one SQL aggregate with no journal (the floor any statement run
// pays to read the data), which also checks the journal's totals to the fen.
// Data is inserted with INSERT … SELECT generate_series, not through the API.
// Uses its own database on SHOUJIA_BENCH_PG_URL (or SHOUJIA_TEST_PG_URL, or the local server),
// dropped after. Options: --quick (10k loans, 5 funders), --loans N, --funders N, --concurrency N.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { ContractTerms } from '../src/catalog/model.ts';
import { openDatabase } from '../src/db/client.ts';
import { ManualClock } from '../src/kernel/index.ts';
import { createServices } from '../src/services.ts';
import { periodWindow } from '../src/settlement/period.ts';
import { seedFunder, TEST_TERMS } from '../src/settlement/testing.ts';
import type { BenchArea, BenchResult } from './run.ts';

const BASE_URL =
  process.env.SHOUJIA_BENCH_PG_URL ??
  process.env.SHOUJIA_TEST_PG_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';
const PERIOD = '2026-03';
const FINDINGS_PER_FUNDER = 20;

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer`);
  return value;
}

/** Funder i's contract: the three fee bases in turn. */
function termsOf(i: number): ContractTerms {
  const basis = (['disbursed', 'interest', 'fixed'] as const)[i % 3]!;
  return {
    ...TEST_TERMS,
    serviceFee: { basis, rate: basis === 'interest' ? 0.1 : 0.015 + (i % 5) / 1000, fixedFen: 25_00 },
    noBackflow: { ...TEST_TERMS.noBackflow, penaltyCapPerPeriodFen: 20_000_00 },
  };
}

const area: BenchArea = {
  description: "one month's statements for 50 funders over 1M booked loans on PostgreSQL, and postings/s",
  async run({ log, args }) {
    const quick = args.includes('--quick');
    const loans = option(args, 'loans', quick ? 10_000 : 1_000_000);
    const funders = option(args, 'funders', quick ? 5 : 50);
    const concurrency = option(args, 'concurrency', 2);
    const name = `shoujia_bench_settlement_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: BASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(BASE_URL);
    url.pathname = `/${name}`;
    const database = await openDatabase({ url: url.toString(), poolMax: concurrency + 1 });
    try {
      const clock = new ManualClock('2026-01-01T00:00:00Z');
      const services = createServices({
        database,
        masterKey: randomBytes(32),
        clock,
        crossProcessNotices: false,
      });
      for (let i = 0; i < funders; i++) await seedFunder(services, `bf-${i}`, termsOf(i));
      const { from, to } = periodWindow(PERIOD);
      const spanMs = to.getTime() - from.getTime();
      let started = performance.now();
      // loans spread over the month; half as many customers as loans (repeat borrowers)
      await database.query(
        `INSERT INTO booked_loans (application_id, id, customer_id, funder_id, product_id, principal_fen, term_months,
           rate_annual, method, apr_nominal, apr_effective, schedule, totals, booked_at)
         SELECT 'app-' || g, 'loan-' || g, 'cus-' || (g % $2), 'bf-' || (g % $3), 'prd', 100000 + (g::bigint * 7919) % 5000000, 12,
           0.12, 'equal-installment', 0.12, 0.1268, '[]'::jsonb, '{}'::jsonb,
           $4::timestamptz + ((g::bigint * 104729) % $5::bigint) * interval '1 millisecond'
           FROM generate_series(1, $1) AS g`,
        [loans, Math.max(1, Math.floor(loans / 2)), funders, from.toISOString(), spanMs],
      );
      // one repayment per loan in the month, its interest 1% of the principal
      await database.query(
        `INSERT INTO settlement_collections (repayment_id, loan_id, funder_id, customer_id, interest_fen, collected_at)
         SELECT 'rep-' || id, id, funder_id, customer_id, principal_fen / 100, booked_at FROM booked_loans`,
      );
      await database.query(
        `INSERT INTO settlement_findings (finding_id, customer_id, funder_id, confirmed_at)
         SELECT 'fnd-' || f, 'cus-' || (f * 31 + c), 'bf-' || f, $3::timestamptz + c * interval '1 hour'
           FROM generate_series(0, $1 - 1) AS f, generate_series(1, $2) AS c`,
        [funders, FINDINGS_PER_FUNDER, from.toISOString()],
      );
      await database.query('ANALYZE');
      log(
        `data: ${loans} loans, ${loans} repayments, ${funders * FINDINGS_PER_FUNDER} findings in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );

      // the peer: the month's service fees in one aggregate, no journal
      started = performance.now();
      const rows = await database.query<{ funder_id: string; fee: string }>(
        `SELECT l.funder_id, sum(CASE c.terms->'serviceFee'->>'basis'
             WHEN 'disbursed' THEN round(l.principal_fen * (c.terms->'serviceFee'->>'rate')::numeric)
             WHEN 'fixed' THEN (c.terms->'serviceFee'->>'fixedFen')::numeric
             ELSE round((l.principal_fen / 100) * (c.terms->'serviceFee'->>'rate')::numeric) END)::text AS fee
           FROM booked_loans l JOIN contracts c ON c.funder_id = l.funder_id AND c.effective_to IS NULL
          GROUP BY l.funder_id`,
      );
      const aggregateS = (performance.now() - started) / 1000;
      const expected = new Map(rows.map((r) => [r.funder_id, Number(r.fee)]));

      clock.set('2026-04-02T00:00:00Z');
      started = performance.now();
      const queue = Array.from({ length: funders }, (_, i) => `bf-${i}`);
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let f = queue.shift(); f !== undefined; f = queue.shift())
            await services.settlement.issue(f, PERIOD);
        }),
      );
      const issueS = (performance.now() - started) / 1000;
      const [counts] = await database.query<{ postings: string }>(
        'SELECT count(*)::text AS postings FROM settlement_postings',
      );
      const postings = Number(counts!.postings);
      const fees = await database.query<{ funder_id: string; fee: string }>(
        `SELECT funder_id, sum(amount_fen)::text AS fee FROM settlement_postings WHERE kind = 'service-fee' GROUP BY funder_id`,
      );
      for (const r of fees)
        if (Number(r.fee) !== expected.get(r.funder_id))
          throw new Error(`${r.funder_id}: journal ${r.fee} fen, aggregate ${expected.get(r.funder_id)} fen`);
      if (fees.length !== funders) throw new Error(`${fees.length} funders have fees, expected ${funders}`);
      log(
        `issued ${funders} statements, ${postings} postings in ${issueS.toFixed(1)} s; fees agree with the aggregate`,
      );
      for (const hook of services.stopHooks) await hook();
      const results: BenchResult[] = [
        {
          name:
            loans === 1_000_000 && funders === 50
              ? 'statement_month_1m_loans_s'
              : `statement_month_${loans}_loans_${funders}_funders_s`,
          value: Number(issueS.toFixed(2)),
          unit: 's',
          note: `goal ≤ 60 s; ${concurrency} funders at a time`,
        },
        { name: 'postings_per_s', value: Math.round(postings / issueS), unit: 'postings/s' },
        {
          name: 'fees_aggregate_only_s',
          value: Number(aggregateS.toFixed(2)),
          unit: 's',
          note: 'peer: the same fees by one SQL aggregate, no journal',
        },
      ];
      return results;
    } finally {
      await database.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  },
};

export default area;

// The dashboard bench's market (bench/dashboard.ts): N applications over a year of Asia/Shanghai days,
// written by INSERT … SELECT generate_series (never through the API), with the rows the funders page
// counts: status history, dispatches, exposures and booked loans. Deterministic: every spread is a
// multiplicative hash of the row number g, so two runs with the same N build the same market.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, MIGRATIONS_DIR } from '../src/db/client.ts';
import { MS_PER_DAY } from '../src/kernel/index.ts';

const LOADED_TABLES = [
  'customers',
  'applications',
  'application_events',
  'routing_dispatches',
  'shares',
  'booked_loans',
];
const TRIGGERS: Array<[string, string]> = [
  ['application_events', 'application_events_approval'],
  ['booked_loans', 'booked_loans_first_loan'],
  ['shares', 'shares_dashboard'],
  ['routing_dispatches', 'routing_dispatches_dashboard'],
  ['applications', 'applications_dashboard'],
  ['customer_first_loans', 'customer_first_loans_dashboard'],
];
const BACKFILLED_MIGRATIONS = ['0021_dashboard_scorecard_reads.sql', '0022_dashboard_funder_days.sql'];
/**
 * The migrations' own backfill statements (those marked `-- backfill:` in drizzle/0021 and 0022): the
 * bench writes the derived rows exactly as a migration over existing data would.
 */
function backfillStatements(): string[] {
  return BACKFILLED_MIGRATIONS.flatMap((file) =>
    readFileSync(join(MIGRATIONS_DIR, file), 'utf8')
      .split('--> statement-breakpoint')
      .filter((statement) => statement.includes('-- backfill:')),
  );
}

export interface MarketShape {
  applications: number;
  funders: number;
  /** the market's last instant: applications are submitted in [end − days, end) */
  end: Date;
  days: number;
}

/**
 * Where each application ends up, by b = its hash in [0, 1000): a tenth of a percent per unit.
 * Funder buckets have a funder (a dispatch, an exposure); `approved` ones carry an approval event.
 */
const STATUS_CASE = `CASE
    WHEN b < 40 THEN 'submitted' WHEN b < 80 THEN 'offered' WHEN b < 100 THEN 'consented'
    WHEN b < 130 THEN 'sent' WHEN b < 250 THEN 'declined' WHEN b < 320 THEN 'approved'
    WHEN b < 360 THEN 'confirmed' WHEN b < 560 THEN 'booked' WHEN b < 760 THEN 'abandoned'
    ELSE 'expired' END`;
/** reached a funder: sent and after, and the abandoned/expired ones that were approved first */
const HAS_FUNDER = '(b >= 100 AND b < 660) OR (b >= 760 AND b < 860)';
const WAS_APPROVED = '(b >= 250 AND b < 660) OR (b >= 760 AND b < 860)';

/** The market's rows, table by table; returns how many of each it wrote. */
export async function buildMarket(
  database: Database,
  shape: MarketShape,
  log: (line: string) => void,
): Promise<Record<string, number>> {
  const q = (text: string, params: unknown[] = []) => database.query(text, params);
  const n = shape.applications;
  const customers = Math.max(1, Math.floor(n / 3)); // repeat borrowers: three applications each
  const startMs = shape.end.getTime() - shape.days * MS_PER_DAY;
  const spanMs = shape.days * MS_PER_DAY;
  const start = new Date(startMs).toISOString();
  const step = async (label: string, text: string, params: unknown[] = []) => {
    const began = performance.now();
    await q(text, params);
    log(`  ${label}: ${((performance.now() - began) / 1000).toFixed(1)} s`);
  };

  // Bulk load as a restore would: secondary indexes built once after the rows (not row by row), and
  // the derived rows the triggers keep (migration 0021) written in bulk by the migration's own
  // backfill instead of one trigger call per row.
  const indexes = await q(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY($1)
       AND indexname NOT IN (SELECT conname FROM pg_constraint)`,
    [LOADED_TABLES],
  );
  for (const index of indexes) await q(`DROP INDEX ${(index as { indexname: string }).indexname}`);
  for (const [table, trigger] of TRIGGERS) await q(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
  await step(
    'customers',
    `INSERT INTO customers (id, customer_key, name_enc, id_number_enc, phone_enc, phone_key, birth_date,
       gender, region_code, created_at, updated_at)
     SELECT 'cus-' || c, 'ck-' || c, 'x', 'x', 'x', 'pk-' || c, DATE '1970-01-01' + (c % 15000),
       CASE WHEN c % 2 = 0 THEN 'male' ELSE 'female' END, '110105', $2::timestamptz, $2::timestamptz
     FROM generate_series(0, $1 - 1) AS c`,
    [customers, start],
  );
  // One staging row per application: its status bucket b, its funder f (a skewed share: a few
  // large funders, a long tail) and its submission time t (density growing over the year, as a
  // market that grows does: t = start + span·√u).
  await step(
    'staging',
    `CREATE UNLOGGED TABLE bench_apps AS
     SELECT g, (g::bigint * 2654435761) % 1000 AS b,
       floor($2 * power(((g::bigint * 40503) % 10007) / 10007.0, 1.6))::int AS f,
       $3::timestamptz + floor($4::float8 * sqrt(((g::bigint * 104729) % $1)::float8 / $1)) * interval '1 millisecond' AS t
     FROM generate_series(1, $1) AS g`,
    [n, shape.funders, start, spanMs],
  );
  await step(
    'applications',
    `INSERT INTO applications (id, customer_id, status, amount_fen, term_months, purpose, channel,
       monthly_income_fen, score, funder_id, product_id, created_at, updated_at)
     SELECT 'app-' || g, 'cus-' || ((g::bigint * 7919) % $1), ${STATUS_CASE},
       100000 + (g::bigint * 7919) % 20000000, (ARRAY[3, 6, 12, 24, 36])[1 + g % 5], '消费',
       (ARRAY['app', 'h5', 'partner'])[1 + g % 3], 800000, 500 + g % 400,
       CASE WHEN ${HAS_FUNDER} THEN 'bf-' || f END, CASE WHEN ${HAS_FUNDER} THEN 'prd-' || f END,
       t, t + interval '1 hour'
     FROM bench_apps`,
    [customers],
  );
  await step(
    'application_events',
    `INSERT INTO application_events (application_id, from_status, to_status, reason, at)
     SELECT 'app-' || g, NULL, 'submitted', NULL, t FROM bench_apps
     UNION ALL SELECT 'app-' || g, 'sent', 'approved', NULL, t + interval '2 hours' FROM bench_apps WHERE ${WAS_APPROVED}
     UNION ALL SELECT 'app-' || g, 'sent', 'declined', 'funder_declined', t + interval '2 hours' FROM bench_apps WHERE b >= 130 AND b < 250
     UNION ALL SELECT 'app-' || g, 'approved', 'confirmed', NULL, t + interval '4 hours' FROM bench_apps WHERE b >= 320 AND b < 560
     UNION ALL SELECT 'app-' || g, 'confirmed', 'booked', NULL, t + interval '6 hours' FROM bench_apps WHERE b >= 360 AND b < 560
     UNION ALL SELECT 'app-' || g, NULL, ${STATUS_CASE}, 'timeout', t + interval '1 day' FROM bench_apps WHERE b >= 560`,
  );
  // The funder that answered, and for every other application a second funder asked in parallel
  // (it declined, or approved and was superseded). Decided two hours after submission.
  await step(
    'routing_dispatches',
    `INSERT INTO routing_dispatches (id, application_id, funder_id, product_id, adapter, status, attempts,
       band, created_at, decided_at)
     SELECT 'dsp-' || g || '-1', 'app-' || g, 'bf-' || f, 'prd-' || f, 'webhook',
       CASE WHEN ${WAS_APPROVED} THEN 'approved' WHEN b < 130 THEN 'awaiting_callback' ELSE 'declined' END,
       1, 'B', t + interval '1 hour', CASE WHEN b >= 130 THEN t + interval '2 hours' END
     FROM bench_apps WHERE ${HAS_FUNDER}
     UNION ALL
     SELECT 'dsp-' || g || '-2', 'app-' || g, 'bf-' || ((f + 1) % $1), 'prd-' || ((f + 1) % $1), 'webhook',
       CASE WHEN g % 4 = 0 THEN 'superseded' ELSE 'declined' END, 1, 'B', t + interval '1 hour',
       t + interval '2 hours'
     FROM bench_apps WHERE (${HAS_FUNDER}) AND g % 2 = 0`,
    [shape.funders],
  );
  await step(
    'shares',
    `INSERT INTO shares (id, funder_id, customer_id, application_id, stage, customer_ref, application_ref,
       fields, payload_hash, consent_id, policy_version, exposure_entry_id, shared_at)
     SELECT 'shr-' || d.id, d.funder_id, a.customer_id, d.application_id, 'application', 'cr-' || a.customer_id,
       'ar-' || d.application_id, '["amount","term"]'::jsonb, 'h', 'cns-' || d.application_id, 1,
       'ent-' || d.id, d.created_at
     FROM routing_dispatches d JOIN applications a ON a.id = d.application_id`,
  );
  await step(
    'booked_loans',
    `INSERT INTO booked_loans (application_id, id, customer_id, funder_id, product_id, principal_fen,
       term_months, rate_annual, method, apr_nominal, apr_effective, schedule, totals, booked_at)
     SELECT 'app-' || g, 'loan-' || g, 'cus-' || ((g::bigint * 7919) % $1), 'bf-' || f, 'prd-' || f,
       100000 + (g::bigint * 7919) % 20000000, 12, 0.12, 'equal-installment', 0.12, 0.1268, '[]'::jsonb,
       '{}'::jsonb, t + interval '6 hours'
     FROM bench_apps WHERE b >= 360 AND b < 560`,
    [customers],
  );
  await step(
    'trust',
    `INSERT INTO routing_funder_settings (funder_id, trust, updated_at)
     SELECT 'bf-' || i, 0.5 + (i % 6) / 10.0, $2::timestamptz FROM generate_series(0, $1 - 1) AS i`,
    [shape.funders, start],
  );
  await q('DROP TABLE bench_apps');
  for (const [i, statement] of backfillStatements().entries())
    await step(`migration backfill ${i + 1}`, statement);
  for (const [table, trigger] of TRIGGERS) await q(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`);
  const began = performance.now();
  for (const index of indexes) await q((index as { indexdef: string }).indexdef);
  log(`  ${indexes.length} indexes: ${((performance.now() - began) / 1000).toFixed(1)} s`);
  // a year-old table has been vacuumed: the visibility map lets the counts read indexes alone
  await step('vacuum analyze', 'VACUUM ANALYZE');
  const counts: Record<string, number> = {};
  for (const table of [
    'applications',
    'application_events',
    'routing_dispatches',
    'shares',
    'booked_loans',
  ]) {
    const [row] = await q(`SELECT count(*)::int AS n FROM ${table}`);
    counts[table] = Number((row as { n: number }).n);
  }
  return counts;
}

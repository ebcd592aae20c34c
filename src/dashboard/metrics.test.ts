// /metrics (ADR 0102): scraped after known requests, the text is parsed and every count checked
// exactly; labels carry route patterns, never raw URLs; a hidden route's probe looks like a missing
// path's; the ledger's lag and the detection levels are read at scrape time; SHOUJIA_METRICS=0
// (buildApp's `metrics: false`) removes the route and the counting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicationBody } from '../../test/support/fixtures.ts';
import { createHarness, type Harness } from '../../test/support/harness.ts';
import { detectionLevels } from '../detection/schema.ts';
import { buildApp } from '../http/app.ts';

/** `name{labels} value` lines → a map from `name{labels}` (labels as printed) to the value. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

const requests = (method: string, route: string, status: string) =>
  `shoujia_http_requests_total{method="${method}",route="${route}",status_class="${status}"}`;

describe('/metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('pglite');
  });
  afterAll(() => h?.close());

  const scrape = async () => {
    const answer = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return { text: answer.body, samples: parse(answer.body) };
  };

  it('counts requests by method, route pattern and status class, exactly', async () => {
    const before = await scrape();
    // the first scrape was answered after its own collection: it is counted from the next one on
    expect(before.samples.get(requests('GET', '/metrics', '2xx'))).toBeUndefined();

    for (let i = 0; i < 2; i++)
      expect((await h.call('GET', '/health', undefined, { key: null })).status).toBe(200);
    expect((await h.call('GET', '/v1/funders')).status).toBe(200);
    expect((await h.call('GET', '/v1/applications/app_13812345678')).status).toBe(404);
    expect((await h.call('GET', '/no/such/13812345678')).status).toBe(404);
    expect((await h.call('GET', '/v1/funders', undefined, { key: 'sk_wrong_key_123456' })).status).toBe(401);
    const body = applicationBody();
    const first = await h.call('POST', '/v1/applications', body, { headers: { 'idempotency-key': 'm-1' } });
    expect(first.status).toBe(201);
    const replay = await h.call('POST', '/v1/applications', body, { headers: { 'idempotency-key': 'm-1' } });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    // a hidden route (the canary registry): a stranger's probe counts as no route, a staff read not at all
    expect((await h.call('GET', '/v1/canaries', undefined, { key: null })).status).toBe(404);
    expect((await h.call('GET', '/v1/canaries')).status).toBe(200);

    const { text, samples } = await scrape();
    expect(samples.get(requests('GET', '/metrics', '2xx'))).toBe(1);
    expect(samples.get(requests('GET', '/health', '2xx'))).toBe(2);
    expect(samples.get(requests('GET', '/v1/funders', '2xx'))).toBe(1);
    expect(samples.get(requests('GET', '/v1/funders', '4xx'))).toBe(1);
    expect(samples.get(requests('GET', '/v1/applications/:id', '4xx'))).toBe(1);
    expect(samples.get(requests('GET', 'unmatched', '4xx'))).toBe(2); // the unknown path and the probe
    expect(samples.get(requests('POST', '/v1/applications', '2xx'))).toBe(2);
    expect(text).not.toContain('canaries');
    expect(text).not.toContain('13812345678');
    const total = [...samples].filter(([k]) => k.startsWith('shoujia_http_requests_total{'));
    expect(total.reduce((sum, [, v]) => sum + v, 0)).toBe(10);
    // the latency histogram counts the same requests, each in the +Inf bucket
    const latency = '{method="GET",route="/health",status_class="2xx"}';
    expect(samples.get(`shoujia_http_request_duration_seconds_count${latency}`)).toBe(2);
    expect(
      samples.get(
        'shoujia_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/health",status_class="2xx"}',
      ),
    ).toBe(2);
    expect(samples.get('shoujia_submissions_total{replayed="false"}')).toBe(1);
    expect(samples.get('shoujia_submissions_total{replayed="true"}')).toBe(1);
    for (const name of [
      'shoujia_http_requests_total',
      'shoujia_http_request_duration_seconds',
      'shoujia_submissions_total',
      'shoujia_dispatch_outcomes_total',
      'shoujia_ledger_tree_size',
      'shoujia_ledger_pending_entries',
      'shoujia_ledger_integration_lag_seconds',
      'shoujia_job_queue_depth',
      'shoujia_detection_level',
    ])
      expect(text, name).toContain(`# HELP ${name} `);
  });

  it('reads the ledger lag, dispatch outcomes and detection levels at scrape time', async () => {
    // the submission above appended its origination entry; nothing is integrated yet
    let { samples } = await scrape();
    expect(samples.get('shoujia_ledger_tree_size')).toBe(0);
    expect(samples.get('shoujia_ledger_pending_entries')).toBe(1);
    h.clock.advance(7_000);
    ({ samples } = await scrape());
    expect(samples.get('shoujia_ledger_integration_lag_seconds')).toBe(7);
    await h.services.ledger.integrate();
    ({ samples } = await scrape());
    expect(samples.get('shoujia_ledger_tree_size')).toBe(1);
    expect(samples.get('shoujia_ledger_pending_entries')).toBe(0);
    expect(samples.get('shoujia_ledger_integration_lag_seconds')).toBe(0);
    // the queue has not been opened by this process's worker: no sample rather than a made-up 0
    expect([...samples.keys()].some((k) => k.startsWith('shoujia_job_queue_depth'))).toBe(false);

    for (const id of ['fund-m1', 'fund-m2'])
      expect(
        (await h.call('POST', '/v1/funders', { id, name: id, type: 'bank', licensedRegions: ['*'] })).status,
      ).toBe(201);
    await h.database.db
      .insert(detectionLevels)
      .values({ funderId: 'fund-m2', level: 'suspect', changeId: 'lc-m', changedAt: h.clock.now() });
    for (const decision of ['approved', 'approved', 'declined'] as const)
      await h.services.units.run(async (unit) => {
        unit.publish({
          topic: 'funder.decided',
          aggregateId: 'app_metrics',
          payload: { applicationId: 'app_metrics', funderId: 'fund-m1', decision },
          at: h.clock.now(),
          customerId: null,
        });
      });
    ({ samples } = await scrape());
    expect(samples.get('shoujia_detection_level{funder="fund-m1"}')).toBe(0);
    expect(samples.get('shoujia_detection_level{funder="fund-m2"}')).toBe(2);
    expect(samples.get('shoujia_dispatch_outcomes_total{kind="approved"}')).toBe(2);
    expect(samples.get('shoujia_dispatch_outcomes_total{kind="declined"}')).toBe(1);
  });

  it('SHOUJIA_METRICS=0: no route, nothing counted', async () => {
    const app = await buildApp(h.services, { logger: false, metrics: false });
    try {
      const answer = await app.inject({ method: 'GET', url: '/metrics' });
      expect(answer.statusCode).toBe(404);
      expect(JSON.parse(answer.body).error.code).toBe('route_not_found');
      const before = parse(await h.services.metrics.registry.metrics());
      await app.inject({ method: 'GET', url: '/health' });
      const after = parse(await h.services.metrics.registry.metrics());
      expect(after.get(requests('GET', '/health', '2xx'))).toBe(
        before.get(requests('GET', '/health', '2xx')),
      );
    } finally {
      await app.close();
    }
  });
});

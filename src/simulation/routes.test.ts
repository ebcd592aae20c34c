// Simulation over HTTP on both engines: validation names every problem under `scenario`, a queued
// run is taken by the runner and its report is byte-identical to the CLI's for the same scenario
// and seed (apart from runtimeMs); roles and missing runs answer as documented.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/support/engines.ts';
import { createHarness, type Harness } from '../../test/support/harness.ts';
import { parseScenario } from './scenario.ts';
import { simulationRuns } from './schema.ts';
import { SIMULATION_QUEUE_MAX, SimulationService } from './service.ts';
import { reportJson, simulate } from './simulate.ts';

const SCENARIO = {
  seed: 3,
  days: 90,
  customers: { count: 1500 },
  funders: [
    { id: 'bank-a', strategy: { kind: 'honest' } },
    { id: 'cfc-b', strategy: { kind: 'poacher', startDay: 5, interceptionRate: 0.5, reawakeningRate: 0.3 } },
  ],
};

const withoutRuntime = (text: string) => text.replace(/"runtimeMs": \d+/, '"runtimeMs": 0');

describe.each(ENGINES)('simulation API on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(engine);
  });
  afterAll(async () => {
    await h.close();
  });

  it('rejects an invalid scenario with every problem named under scenario, and queues nothing', async () => {
    const res = await h.call('POST', '/v1/simulations', {
      scenario: { days: -1, funders: [{ id: 'x', strategy: { kind: 'thief' } }], bogus: 1 },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('scenario_invalid');
    const paths = res.body.error.details.problems.map((p: { path: string }) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['scenario.days', 'scenario.bogus', 'scenario.funders[0].strategy.kind']),
    );
    expect(res.body.error.field).toBe(paths[0]);
    expect(await h.services.simulation.counts(h.database.db)).toEqual({});
  });

  it('refuses a run larger than one API simulation may take', async () => {
    const res = await h.call('POST', '/v1/simulations', {
      scenario: { ...SCENARIO, days: 1100, customers: { count: 1_000_000 } },
      compareBaseline: true,
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('scenario_too_large');
  });

  it('queues a run, runs it, and serves the same report.json the CLI writes', async () => {
    const created = await h.call(
      'POST',
      '/v1/simulations',
      { scenario: SCENARIO, seed: 11, compareBaseline: true },
      { headers: { 'idempotency-key': 'sim-1' } },
    );
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({
      status: 'queued',
      seed: 11,
      days: 90,
      customers: 1500,
      funders: 2,
      compareBaseline: true,
    });
    const replay = await h.call(
      'POST',
      '/v1/simulations',
      { scenario: SCENARIO, seed: 11, compareBaseline: true },
      { headers: { 'idempotency-key': 'sim-1' } },
    );
    expect(replay.body.id).toBe(created.body.id);

    const early = await h.call('GET', `/v1/simulations/${created.body.id}/report.json`);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('simulation_not_finished');

    expect(await h.services.simulation.runPending()).toBe(1);
    const done = await h.call('GET', `/v1/simulations/${created.body.id}`);
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('done');
    expect(done.body.report.funders[1]).toMatchObject({
      id: 'cfc-b',
      truth: 'poacher',
      alertDay: { watch: null, suspect: null, confirmed: null },
    });
    expect(done.body.report.baseline.platform.canaries).toBe(0);

    const text = await h.app.inject({
      method: 'GET',
      url: `/v1/simulations/${created.body.id}/report.json`,
      headers: { authorization: `Bearer ${h.adminKey}` },
    });
    expect(text.statusCode).toBe(200);
    const parsed = parseScenario(SCENARIO, 11);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(withoutRuntime(text.body)).toBe(
      withoutRuntime(reportJson(simulate(parsed.value, { compareBaseline: true }).report)),
    );

    const html = await h.app.inject({
      method: 'GET',
      url: `/v1/simulations/${created.body.id}/report.html`,
      headers: { authorization: `Bearer ${h.adminKey}` },
    });
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.body).toContain('<svg');

    const list = await h.call('GET', '/v1/simulations?limit=5');
    expect(list.body.items.map((r: { id: string }) => r.id)).toContain(created.body.id);
    expect(await h.services.simulation.runPending()).toBe(0);
  });

  it('the runner yields to the event loop between slices, so the server keeps answering during a run', async () => {
    // A slice of 0 ms yields after every virtual day: the count of event-loop turns seen while the run
    // is in progress must then reach the number of days (no wall-clock assertion).
    const service = new SimulationService(
      { database: h.database, clock: h.clock, ids: h.services.ids },
      { sliceMs: 0 },
    );
    const run = await service.submit(h.database.db, { scenario: { ...SCENARIO, days: 60 } }, 'test');
    let turns = 0;
    let finished = false;
    const pass = service.runPending().then((n) => {
      finished = true;
      return n;
    });
    while (!finished) {
      await new Promise((resolve) => setImmediate(resolve));
      turns++;
    }
    expect(await pass).toBe(1);
    expect(turns).toBeGreaterThanOrEqual(60);
    expect((await service.get(h.database.db, run.id))?.status).toBe('done');
  });

  it('marks a run that throws as failed with its message, and requeues a run whose process died', async () => {
    const db = h.database.db;
    const broken = await h.services.simulation.submit(db, { scenario: SCENARIO }, 'test');
    // Corrupt the stored scenario behind the service's back: the market cannot run -1 days.
    await db
      .update(simulationRuns)
      .set({ scenario: sql`jsonb_set(${simulationRuns.scenario}, '{days}', '-1')` })
      .where(eq(simulationRuns.id, broken.id));
    expect(await h.services.simulation.runPending()).toBe(1);
    const failed = await h.services.simulation.get(db, broken.id);
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatch(/\S/);

    const orphan = await h.services.simulation.submit(db, { scenario: { ...SCENARIO, days: 10 } }, 'test');
    const longAgo = new Date(h.clock.now().getTime() - 2 * 60 * 60_000);
    await db
      .update(simulationRuns)
      .set({ status: 'running', startedAt: longAgo })
      .where(eq(simulationRuns.id, orphan.id));
    expect(await h.services.simulation.runPending()).toBe(1);
    expect((await h.services.simulation.get(db, orphan.id))?.status).toBe('done');
  });

  it('keeps the queue bounded: past SIMULATION_QUEUE_MAX queued runs, 429 rate_limited', async () => {
    const service = new SimulationService({ database: h.database, clock: h.clock, ids: h.services.ids });
    const queued = (await service.counts(h.database.db)).queued ?? 0;
    for (let i = queued; i < SIMULATION_QUEUE_MAX; i++)
      await service.submit(h.database.db, { scenario: SCENARIO }, 'test');
    const res = await h.call('POST', '/v1/simulations', { scenario: SCENARIO });
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('rate_limited');
    await h.database.db.delete(simulationRuns).where(eq(simulationRuns.status, 'queued'));
  });

  it('answers 404 for an unknown run and refuses funders and borrowers', async () => {
    const missing = await h.call('GET', '/v1/simulations/sim_nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('simulation_not_found');
    const funderKey = (
      await h.services.access.issueKey(h.database.db, { role: 'funder', funderId: 'bank-a', label: 'f' })
    ).secret;
    const res = await h.call('POST', '/v1/simulations', { scenario: SCENARIO }, { key: funderKey });
    expect(res.status).toBe(403);
  });
});

// A dispatch survives a crash at every step boundary (issue 11 item 6, ADR 0035): a process stops
// at each occurrence of each boundary in DISPATCH_BOUNDARIES, a new service instance on the same
// database sweeps once the lease has run out, and every funder has made exactly one decision, each
// recorded once, and the application ends where an uninterrupted dispatch ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { readFileSync } from 'node:fs';
import { DISPATCH_BOUNDARIES, type DispatchBoundary, MAX_RESUMED_SENDS } from '../../src/routing/dispatch.ts';
import type { RoutingServiceOptions } from '../../src/routing/service.ts';
import { createServices, type Services } from '../../src/services.ts';
import { ENGINES } from '../support/engines.ts';
import { DEFAULT_ROUTING_CONFIG } from '../../src/routing/defaults.ts';
import { applicationBody, makeIdNumber } from '../support/fixtures.ts';
import {
  consentBody,
  type FunderBehaviour,
  type MockFunder,
  mockFunder,
  type RoutingHarness,
  routingHarness,
  signedCallback,
} from './support.ts';

const LEASE_MS = 10_000;
const FUNDERS = ['fund-a', 'fund-b', 'fund-c'] as const;
type FunderId = (typeof FUNDERS)[number];
const RATES: Record<FunderId, number> = { 'fund-a': 0.08, 'fund-b': 0.09, 'fund-c': 0.1 };

interface Scenario {
  name: string;
  choice: Record<string, unknown>;
  consented: FunderId[];
  behaviour: Partial<Record<FunderId, FunderBehaviour>>;
  /** the decision a `pending` funder later sends by signed callback */
  callbacks?: Partial<Record<FunderId, 'approved' | 'declined'>>;
  /** how often an uninterrupted dispatch passes each boundary: one crash case per occurrence */
  passes: Record<DispatchBoundary, number>;
  /** where an uninterrupted dispatch ends */
  status: string;
  funderId?: FunderId;
  dispatches: Array<[FunderId, string]>;
  events: string[];
}

const SCENARIOS: Scenario[] = [
  {
    name: 'waterfall: a declines, b approves',
    choice: { mode: 'auto' },
    consented: ['fund-a', 'fund-b'],
    behaviour: { 'fund-a': 'decline', 'fund-b': 'approve' },
    passes: { chosen: 1, prepared: 2, answered: 2, recorded: 2 },
    status: 'approved',
    funderId: 'fund-b',
    dispatches: [
      ['fund-a', 'declined'],
      ['fund-b', 'approved'],
    ],
    events: ['submitted', 'offered', 'consented', 'sent', 'declined', 'sent', 'approved'],
  },
  {
    name: 'waterfall: a approves but its answer is lost once',
    choice: { mode: 'auto' },
    consented: ['fund-a', 'fund-b'],
    behaviour: { 'fund-a': 'approve-then-lose-answer' },
    passes: { chosen: 1, prepared: 1, answered: 1, recorded: 1 },
    status: 'approved',
    funderId: 'fund-a',
    dispatches: [['fund-a', 'approved']],
    events: ['submitted', 'offered', 'consented', 'sent', 'approved'],
  },
  {
    name: 'parallel: a declines, b and c approve',
    choice: { mode: 'parallel', funders: 3 },
    consented: ['fund-a', 'fund-b', 'fund-c'],
    behaviour: { 'fund-a': 'decline' },
    passes: { chosen: 1, prepared: 1, answered: 1, recorded: 1 },
    status: 'approved',
    funderId: 'fund-b',
    dispatches: [
      ['fund-a', 'declined'],
      ['fund-b', 'approved'],
      ['fund-c', 'superseded'],
    ],
    events: ['submitted', 'offered', 'consented', 'sent', 'approved'],
  },
  {
    name: 'waterfall by callback: a answers later and declines, c approves',
    choice: { mode: 'auto' },
    consented: ['fund-a', 'fund-c'],
    behaviour: { 'fund-a': 'pending' },
    callbacks: { 'fund-a': 'declined' },
    // recorded: after a's pending answer, after its callback (the resume), after c's approval
    passes: { chosen: 1, prepared: 2, answered: 2, recorded: 3 },
    status: 'approved',
    funderId: 'fund-c',
    dispatches: [
      ['fund-a', 'declined'],
      ['fund-c', 'approved'],
    ],
    events: ['submitted', 'offered', 'consented', 'sent', 'declined', 'sent', 'approved'],
  },
];

/** Stops the process at one occurrence of one boundary: from then on it takes no step of that application. */
class Crash {
  seen = 0;
  dead = false;
  constructor(
    readonly boundary: DispatchBoundary | null,
    readonly occurrence: number,
    readonly counts = new Map<DispatchBoundary, number>(),
  ) {}
  hit(boundary: DispatchBoundary): void {
    if (this.dead) throw new Error('crashed: this process takes no more steps');
    this.counts.set(boundary, (this.counts.get(boundary) ?? 0) + 1);
    if (boundary === this.boundary && ++this.seen === this.occurrence) {
      this.dead = true;
      throw new Error(`crash at ${boundary} #${this.occurrence}`);
    }
  }
}

describe.each(ENGINES)('dispatch resumes after a crash at every step boundary on %s', (engine) => {
  let h: RoutingHarness;
  const funders = new Map<FunderId, MockFunder>();
  let crash = new Crash(null, 0);
  let current = '';
  let sequence = 500;
  const routingOptions: RoutingServiceOptions = {
    // Every application here goes to the same funders first, which the share budgets (ADR 0073)
    // exist to stop: they would skip fund-a after a few. Budgets have their own tests.
    config: {
      ...DEFAULT_ROUTING_CONFIG,
      rotation: { ...DEFAULT_ROUTING_CONFIG.rotation, exposureShareByBand: {} },
    },
    webhook: { timeoutMs: 200, maxAttempts: 3, backoffBaseMs: 10 },
    dispatchLeaseMs: LEASE_MS,
  };

  beforeAll(async () => {
    h = await routingHarness(engine, {
      ...routingOptions,
      onDispatchBoundary: (boundary, applicationId) => {
        if (applicationId === current) crash.hit(boundary);
      },
    });
    for (const id of FUNDERS) {
      const mock = await mockFunder(h.clock, 'approve');
      funders.set(id, mock);
      expect(
        (
          await h.call('POST', '/v1/funders', {
            id,
            name: id,
            type: 'bank',
            licensedRegions: ['*'],
            webhookUrl: mock.url,
            webhookSecret: mock.secret,
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await h.call('POST', `/v1/funders/${id}/products`, {
            id: `${id}-loan`,
            name: `${id}-loan`,
            minAmountFen: 100_000,
            maxAmountFen: 10_000_000,
            termsMonths: [12],
            rateAnnualMin: RATES[id],
            rateAnnualMax: RATES[id],
            methods: ['equal-installment'],
            ageMin: 20,
            ageMax: 60,
            minScore: 0,
          })
        ).status,
      ).toBe(201);
    }
  });
  afterAll(async () => {
    await h?.close();
    for (const mock of funders.values()) await mock.close();
  });

  /** A second Shoujia on the same database: what a restarted process is. */
  const restart = async () => {
    const services = createServices({
      database: h.database,
      masterKey: h.services.masterKey,
      ledgerOrigin: h.services.ledgerOrigin,
      clock: h.clock,
      routing: routingOptions,
    });
    const app = await buildApp(services, { logger: false });
    return {
      services,
      app,
      async close() {
        await services.routing.stop();
        await app.close();
        for (const hook of services.stopHooks) await hook();
      },
    };
  };

  /** Send the scenario's callbacks for the funders whose dispatch awaits one (through `app`). */
  const sendCallbacks = async (
    scenario: Scenario,
    applicationId: string,
    services: Services,
    inject: (raw: string, headers: Record<string, string>, key: string) => Promise<number>,
  ) => {
    const dispatches = await services.routing.dispatches(h.database.db, applicationId);
    for (const [funderId, decision] of Object.entries(scenario.callbacks ?? {})) {
      if (!dispatches.some((d) => d.funderId === funderId && d.status === 'awaiting_callback')) continue;
      const key = (
        await services.access.issueKey(h.database.db, { role: 'funder', funderId, label: 'callback' })
      ).secret;
      const applicationRef = services.sharing.pseudonyms.applicationRef(funderId, applicationId);
      const cb = signedCallback(funders.get(funderId as FunderId)!.secret, h.clock.now(), {
        applicationRef,
        decision,
      });
      expect(await inject(cb.raw, cb.headers, key)).toBe(200);
    }
  };

  const cases = SCENARIOS.flatMap((scenario) => [
    { scenario, boundary: null, occurrence: 0, label: `${scenario.name}, no crash` },
    ...DISPATCH_BOUNDARIES.flatMap((boundary) =>
      Array.from({ length: scenario.passes[boundary] }, (_, i) => ({
        scenario,
        boundary,
        occurrence: i + 1,
        label: `${scenario.name}, crash at ${boundary} #${i + 1}`,
      })),
    ),
  ]);

  it.each(cases)('$label', async ({ scenario, boundary, occurrence }) => {
    for (const [id, mock] of funders) mock.behaviour = scenario.behaviour[id] ?? 'approve';
    sequence += 2;
    const submitted = await h.call(
      'POST',
      '/v1/applications',
      applicationBody({ idNumber: makeIdNumber('310104', '19880521', String(sequence)), score: 720 }),
      { headers: { 'idempotency-key': `crash-${engine}-${sequence}` } },
    );
    expect(submitted.status).toBe(201);
    const applicationId = submitted.body.id as string;
    for (const id of scenario.consented)
      expect(
        (await h.call('POST', `/v1/applications/${applicationId}/consents`, consentBody(id))).status,
      ).toBe(201);
    crash = new Crash(boundary, occurrence);
    current = applicationId;

    // The first process: choose, answer callbacks, until it dies at the boundary.
    const chosen = await h.call('POST', `/v1/applications/${applicationId}/choose`, scenario.choice);
    expect([200, 202, 500]).toContain(chosen.status);
    await h.services.routing.idle();
    if (!crash.dead)
      await sendCallbacks(scenario, applicationId, h.services, async (raw, headers, key) => {
        const answer = await h.call('POST', '/v1/funder/decisions', undefined, { key, raw, headers });
        return answer.status;
      });
    await h.services.routing.idle();
    if (boundary === null) {
      // The uninterrupted run passes each boundary as often as the crash cases assume.
      expect(Object.fromEntries(crash.counts)).toEqual(scenario.passes);
    } else {
      expect(crash.dead).toBe(true);
    }

    // The restarted process: nothing is taken over while the dead process's lease runs, then it is.
    const second = await restart();
    try {
      expect((await second.services.routing.sweepDispatches()).resumed).toBe(0);
      h.clock.advance(LEASE_MS + 1);
      await second.services.routing.sweepDispatches();
      await sendCallbacks(scenario, applicationId, second.services, async (raw, headers, key) => {
        const answer = await second.app.inject({
          method: 'POST',
          url: '/v1/funder/decisions',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
          payload: raw,
        });
        return answer.statusCode;
      });
      await second.services.routing.idle();

      const application = await second.services.intake.get(h.database.db, applicationId);
      expect(application).toMatchObject({ status: scenario.status, funderId: scenario.funderId ?? null });
      const dispatches = await second.services.routing.dispatches(h.database.db, applicationId);
      expect(dispatches.map((d) => [d.funderId, d.status])).toEqual(scenario.dispatches);
      const events = await h.database.query<{ to_status: string }>(
        'SELECT to_status FROM application_events WHERE application_id = $1 ORDER BY seq',
        [applicationId],
      );
      expect(events.map((e) => e.to_status)).toEqual(scenario.events);
      // Exactly one decision per funder: made once at the funder, recorded once in the ledger.
      for (const [funderId] of scenario.dispatches) {
        const applicationRef = second.services.sharing.pseudonyms.applicationRef(funderId, applicationId);
        const made = funders.get(funderId)!.decisions.get(applicationRef) ?? [];
        expect(made).toHaveLength(1);
        const entries = await h.database.query<{ n: string }>(
          `SELECT count(*) AS n FROM ledger_entries
           WHERE kind = 'decision' AND funder_id = $1 AND body::jsonb->>'applicationRef' = $2`,
          [funderId, applicationRef],
        );
        expect(Number(entries[0]!.n)).toBe(1);
        const shares = await h.database.query<{ n: string }>(
          'SELECT count(*) AS n FROM shares WHERE funder_id = $1 AND application_id = $2',
          [funderId, applicationId],
        );
        expect(Number(shares[0]!.n)).toBe(1); // one payload, one exposure receipt, however often sent
      }
      const steps = await h.database.query('SELECT * FROM routing_dispatch_steps WHERE application_id = $1', [
        applicationId,
      ]);
      expect(steps).toEqual([]);
    } finally {
      current = '';
      await second.close();
    }
  });
  /** Submit, consent to a and b, choose the waterfall, and stop the process at `boundary` #1. */
  const crashedWaterfall = async (boundary: DispatchBoundary) => {
    for (const [id, mock] of funders) mock.behaviour = id === 'fund-a' ? 'decline' : 'approve';
    sequence += 2;
    const submitted = await h.call(
      'POST',
      '/v1/applications',
      applicationBody({ idNumber: makeIdNumber('310104', '19880521', String(sequence)), score: 720 }),
      { headers: { 'idempotency-key': `crash-${engine}-${sequence}` } },
    );
    const applicationId = submitted.body.id as string;
    for (const id of ['fund-a', 'fund-b'])
      await h.call('POST', `/v1/applications/${applicationId}/consents`, consentBody(id));
    crash = new Crash(boundary, 1);
    current = applicationId;
    await h.call('POST', `/v1/applications/${applicationId}/choose`, { mode: 'auto' });
    await h.services.routing.idle();
    expect(crash.dead).toBe(true);
    current = '';
    return applicationId;
  };

  it('resumes an application stranded before migration 0011 (dispatching, no dispatch, no step)', async () => {
    const applicationId = await crashedWaterfall('chosen');
    // What today's main leaves behind: the choice committed, nothing else.
    await h.database.query('DELETE FROM routing_dispatch_steps WHERE application_id = $1', [applicationId]);
    const migration = readFileSync(new URL('../../drizzle/0011_dispatch_steps.sql', import.meta.url), 'utf8');
    const backfill = migration.split('--> statement-breakpoint').at(-1)!;
    expect(backfill).toContain('INSERT INTO "routing_dispatch_steps"');
    await h.database.query(backfill);
    const second = await restart();
    try {
      expect((await second.services.routing.sweepDispatches()).resumed).toBe(1);
      expect(await second.services.intake.get(h.database.db, applicationId)).toMatchObject({
        status: 'approved',
        funderId: 'fund-b',
      });
    } finally {
      await second.close();
    }
  });

  it(`gives up a send taken up more than ${MAX_RESUMED_SENDS} times and moves down the waterfall`, async () => {
    const applicationId = await crashedWaterfall('prepared');
    // As if MAX_RESUMED_SENDS processes had died during this send; the next claim is one more.
    await h.database.query('UPDATE routing_dispatch_steps SET attempts = $2 WHERE application_id = $1', [
      applicationId,
      MAX_RESUMED_SENDS,
    ]);
    const second = await restart();
    try {
      h.clock.advance(LEASE_MS + 1);
      expect((await second.services.routing.sweepDispatches()).resumed).toBe(1);
      const dispatches = await second.services.routing.dispatches(h.database.db, applicationId);
      expect(dispatches.map((d) => [d.funderId, d.status])).toEqual([
        ['fund-a', 'error'],
        ['fund-b', 'approved'],
      ]);
      const refA = second.services.sharing.pseudonyms.applicationRef('fund-a', applicationId);
      expect(funders.get('fund-a')!.decisions.get(refA)).toBeUndefined(); // never asked again
    } finally {
      await second.close();
    }
  });
});

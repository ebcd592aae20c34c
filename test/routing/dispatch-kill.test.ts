// A real SIGKILL during dispatch on PostgreSQL (issue 11 item 6): a child process takes choices
// and drives a waterfall (fund-a declines, fund-b approves, both slow) and is killed mid-flight; a
// restarted service's sweeper (started as a server starts it) finishes every chosen application,
// with exactly one decision per funder at the funder and in the ledger.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createServices } from '../../src/services.ts';
import { ENGINES } from '../support/engines.ts';
import { applicationBody, makeIdNumber } from '../support/fixtures.ts';
import { createHarness } from '../support/harness.ts';
import { consentBody, type MockFunder, mockFunder } from './support.ts';

const APPLICATIONS = 24;
/** The child's lease on the steps it runs: the restarted sweeper takes them over after this. */
const CHILD_LEASE_MS = 3_000;
const FUNDER_DELAY_MS = 150;
/** Kill once fund-b has been asked this often: some waterfalls are done, others mid-way. */
const KILL_AFTER_REQUESTS_TO_B = 4;
/** Upper bounds on waiting (never asserted as durations). */
const KILL_WAIT_MS = 60_000;
const FINISH_WAIT_MS = 60_000;

const waitFor = async (condition: () => Promise<boolean> | boolean, limitMs: number, what: string) => {
  const deadline = performance.now() + limitMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describe.skipIf(!ENGINES.includes('postgres'))('dispatch after a SIGKILL on PostgreSQL', () => {
  it('finishes every chosen application with one decision per funder', async () => {
    // The harness's manual clock starts at the real time: the child and the restarted service use
    // the system clock on the same rows.
    const h = await createHarness('postgres', {
      start: new Date().toISOString(),
      services: { routing: { webhook: { timeoutMs: 500, maxAttempts: 3, backoffBaseMs: 10 } } },
    });
    const mocks = new Map<string, MockFunder>();
    let restarted: ReturnType<typeof createServices> | undefined;
    try {
      for (const [id, behaviour, rate] of [
        ['fund-a', 'decline', 0.08],
        ['fund-b', 'approve', 0.09],
      ] as const) {
        const mock = await mockFunder(h.clock, behaviour);
        mock.delayMs = FUNDER_DELAY_MS;
        mocks.set(id, mock);
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
              rateAnnualMin: rate,
              rateAnnualMax: rate,
              methods: ['equal-installment'],
              ageMin: 20,
              ageMax: 60,
              minScore: 0,
            })
          ).status,
        ).toBe(201);
      }
      const ids: string[] = [];
      for (let i = 0; i < APPLICATIONS; i++) {
        const submitted = await h.call(
          'POST',
          '/v1/applications',
          applicationBody({ idNumber: makeIdNumber('310104', '19880521', String(700 + 2 * i)), score: 720 }),
          { headers: { 'idempotency-key': `kill-${i}` } },
        );
        expect(submitted.status).toBe(201);
        ids.push(submitted.body.id);
        for (const funderId of ['fund-a', 'fund-b'])
          expect(
            (await h.call('POST', `/v1/applications/${submitted.body.id}/consents`, consentBody(funderId)))
              .status,
          ).toBe(201);
      }

      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          fileURLToPath(new URL('./dispatch-kill.child.ts', import.meta.url)),
          h.database.url!,
          h.services.masterKey.toString('hex'),
          String(CHILD_LEASE_MS),
          ids.join(','),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, signal) => resolve(signal)),
      );
      await waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`the child ended before the kill: ${stderr}`);
          return mocks.get('fund-b')!.received.length >= KILL_AFTER_REQUESTS_TO_B;
        },
        KILL_WAIT_MS,
        'the child to reach fund-b',
      );
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      // What the kill left: applications chosen but not settled, and their recorded steps.
      const left = await h.database.query<{ status: string; n: string }>(
        `SELECT status, count(*) AS n FROM applications WHERE id = ANY($1) GROUP BY status ORDER BY status`,
        [ids],
      );
      const unsettled = left
        .filter((r) => r.status === 'consented' || r.status === 'sent' || r.status === 'declined')
        .reduce((sum, r) => sum + Number(r.n), 0);
      expect(unsettled).toBeGreaterThan(0); // the kill landed mid-dispatch
      const steps = await h.database.query<{ n: string }>('SELECT count(*) AS n FROM routing_dispatch_steps');
      expect(Number(steps[0]!.n)).toBe(unsettled);

      // Restart as a server does: the sweeper runs at start and on its timer, on the system clock.
      restarted = createServices({
        database: h.database,
        masterKey: h.services.masterKey,
        ledgerOrigin: h.services.ledgerOrigin,
        crossProcessNotices: false,
        routing: { webhook: { timeoutMs: 500, maxAttempts: 3, backoffBaseMs: 10 } },
        routingExpireIntervalMs: 60_000,
      });
      await waitFor(
        async () => {
          const [open] = await h.database.query<{ n: string }>(
            `SELECT (SELECT count(*) FROM routing_dispatch_steps) + (SELECT count(*) FROM applications
               WHERE id = ANY($1) AND status IN ('consented', 'sent', 'declined')) AS n`,
            [ids],
          );
          return Number(open!.n) === 0;
        },
        FINISH_WAIT_MS,
        'the sweeper to finish every dispatch',
      );
      await restarted.routing.stop();

      const chosen = await h.database.query<{ id: string; status: string; funder_id: string | null }>(
        `SELECT id, status, funder_id FROM applications WHERE id = ANY($1) AND status <> 'offered'`,
        [ids],
      );
      expect(chosen.length).toBeGreaterThan(0);
      for (const application of chosen) {
        expect(application).toMatchObject({ status: 'approved', funder_id: 'fund-b' });
        const dispatches = await restarted.routing.dispatches(h.database.db, application.id);
        expect(dispatches.map((d) => [d.funderId, d.status])).toEqual([
          ['fund-a', 'declined'],
          ['fund-b', 'approved'],
        ]);
        for (const funderId of ['fund-a', 'fund-b']) {
          const applicationRef = h.services.sharing.pseudonyms.applicationRef(funderId, application.id);
          expect(mocks.get(funderId)!.decisions.get(applicationRef)).toHaveLength(1);
          const [entries] = await h.database.query<{ n: string }>(
            `SELECT count(*) AS n FROM ledger_entries
             WHERE kind = 'decision' AND funder_id = $1 AND body::jsonb->>'applicationRef' = $2`,
            [funderId, applicationRef],
          );
          expect(Number(entries!.n)).toBe(1);
        }
      }
      // Applications the child never chose are untouched: no dispatch, no step.
      const [untouched] = await h.database.query<{ n: string }>(
        `SELECT count(*) AS n FROM routing_dispatches WHERE application_id IN
           (SELECT id FROM applications WHERE id = ANY($1) AND status = 'offered')`,
        [ids],
      );
      expect(Number(untouched!.n)).toBe(0);
      console.log(
        `SIGKILL test: ${chosen.length} of ${APPLICATIONS} chosen, ${unsettled} left mid-dispatch by the kill, all finished`,
      );
    } finally {
      if (restarted) for (const hook of restarted.stopHooks) await hook();
      await h.close();
      for (const mock of mocks.values()) await mock.close();
    }
  }, 240_000);
});

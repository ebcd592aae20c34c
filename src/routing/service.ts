// Routing use cases, as one facade over the parts that do the work: the catalogue compiled and
// cached (table-cache.ts), routing at submission (submission.ts), offers and explanations
// (offers.ts), the dispatch step machine (dispatch.ts, ADR 0035) and the funders' callbacks
// (callbacks.ts). Here: the configuration, trust, expiry of unanswered offers and approvals, and
// the timers. Booking is intake's (src/intake/booking.ts); routing supplies its part (booking-port.ts).
import type { Database, Executor } from '../db/client.ts';
import type { ApplicationInput, Application } from '../intake/model.ts';
import type { BookingRouting } from '../intake/booking.ts';
import type { SubmitIdempotency } from '../intake/service.ts';
import type { StoredResponse } from '../db/idempotency.ts';
import { assert } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import { type CapPolicy, capPolicyOf } from '../pricing/index.ts';
import {
  DEFAULT_SIMULATED_FUNDER,
  DEFAULT_WEBHOOK_OPTIONS,
  type SimulatedFunderConfig,
  type WebhookOptions,
} from './adapters.ts';
import { bookingPort } from './booking-port.ts';
import { DispatchCallbacks } from './callbacks.ts';
import { checkRoutingConfig } from './config-check.ts';
import { DEFAULT_DETECTION_TRUST, withRotationDefaults } from './defaults.ts';
import { DETECTION_LEVELS, type DetectionLevel } from '../detection/model.ts';
import type { EligibilityContext, ProductExplanation, RoutingConfig, RoutingEvent } from './model.ts';
import { monthOf } from './dispatch.ts';
import type { TransactionUnit, UnitOfWork } from '../db/unit-of-work.ts';
import { RoutingOffers } from './offers.ts';
import * as store from './store.ts';
import { RoutingSubmission } from './submission.ts';
import { FlowCounter } from './flow-counter.ts';
import { RoutingTableCache } from './table-cache.ts';
import {
  type Choice,
  DEFAULT_DISPATCH_LEASE_MS,
  DISPATCH_SWEEP_INTERVAL_MS,
  type DispatchOptions,
  DispatchWorkflow,
  type RoutingDeps,
} from './dispatch.ts';

export {
  type Choice,
  DEFAULT_PARALLEL_FUNDERS,
  MAX_PLAN,
  monthOf,
  type SharingGateway,
} from './dispatch.ts';

export interface RoutingServiceOptions {
  config?: RoutingConfig;
  /** flow counts wait this long to share one write (ms of process time; default 250, ADR 0073) */
  flowWritePauseMs?: number;
  /** approved applications not confirmed within this long expire (default 72 h) */
  approvalTtlMs?: number;
  /** how long POST …/choose waits for the dispatch before answering 202 and finishing in the background (default 10 s) */
  choiceWaitMs?: number;
  /** a funder that answered "pending" and sent no callback within this long is a timeout (default 24 h) */
  callbackTtlMs?: number;
  /**
   * parallel mode: once an approval is in hand, wait at most this long (from the fan-out) for the
   * funders still deciding, then keep the best approval so far (default 2 min); later answers are
   * recorded, and a later approval is superseded
   */
  parallelWindowMs?: number;
  /** offers left unanswered this long expire (default 7 days) */
  offerTtlMs?: number;
  webhook?: Partial<WebhookOptions>;
  /** funders without a webhook URL answer through the built-in simulated funder; null: they fail */
  simulatedFunder?: SimulatedFunderConfig | null;
  /** how long the compiled catalogue is trusted before reloading (ms of process time); changes through this process invalidate at once */
  catalogCacheMs?: number;
  /** how long this month's quota and exposure usage is reused for new offers (dispatch always reads it fresh) */
  usageCacheMs?: number;
  /** how long a process holds a dispatch step before a sweeper may take it over (default DEFAULT_DISPATCH_LEASE_MS) */
  dispatchLeaseMs?: number;
  /**
   * the trust each detection level sets (ADR 0076); levels not given keep DEFAULT_DETECTION_TRUST.
   * Each in [0, 1], none above the level before it (none ≥ watch ≥ suspect ≥ confirmed).
   */
  detectionTrust?: Partial<Record<DetectionLevel, number>>;
  /** test seam: called at every dispatch step boundary (DISPATCH_BOUNDARIES); a throw stops the drive there */
  onDispatchBoundary?: DispatchOptions['onBoundary'];
}

export type { StoredOffer } from './offers-codec.ts';
export { pricingQuote } from './table-cache.ts';

type Deps = RoutingDeps;

const HOUR_MS = 3_600_000;

export class RoutingService {
  private readonly approvalTtlMs: number;
  /** the trust each detection level sets (ADR 0076) */
  readonly detectionTrust: Readonly<Record<DetectionLevel, number>>;
  private readonly offerTtlMs: number;
  /** the compiled catalogue, usage and funder states, and the configuration in force */
  private readonly tables: RoutingTableCache;
  private readonly submission: RoutingSubmission;
  private readonly reads: RoutingOffers;
  /** the choice, the sends and the answers: the dispatch step machine */
  private readonly dispatch: DispatchWorkflow;
  private readonly callbacks: DispatchCallbacks;
  /** routing's part of a booking, for intake's BookingService (src/services.ts passes it) */
  readonly forBooking: BookingRouting;
  private timer: NodeJS.Timeout | undefined;
  /** a failed flow write (kept for the next one): the server's start() hands its logger here */
  private onFlowError: (error: unknown) => void = () => {};

  constructor(
    private readonly deps: Deps,
    options: RoutingServiceOptions = {},
  ) {
    this.approvalTtlMs = options.approvalTtlMs ?? 72 * HOUR_MS;
    this.detectionTrust = { ...DEFAULT_DETECTION_TRUST, ...options.detectionTrust };
    DETECTION_LEVELS.forEach((level, i) => {
      const trust = this.detectionTrust[level];
      assert(trust >= 0 && trust <= 1, `detectionTrust.${level} in [0, 1]`);
      const before = i === 0 ? 1 : this.detectionTrust[DETECTION_LEVELS[i - 1]!];
      assert(trust <= before, `detectionTrust.${level} is not above the level before it`);
    });
    this.offerTtlMs = options.offerTtlMs ?? 7 * 24 * HOUR_MS;
    this.tables = new RoutingTableCache(
      deps,
      options,
      new FlowCounter(
        (deltas) =>
          deps.units.run(async (unit) => {
            for (const [month, byFunder] of deltas) await store.addFlow(unit.tx, month, byFunder);
          }),
        (error) => this.onFlowError(error),
        options.flowWritePauseMs ?? 250,
      ),
    );
    this.submission = new RoutingSubmission(deps, this.tables);
    this.reads = new RoutingOffers(this.tables);
    const dispatchOptions: DispatchOptions = {
      choiceWaitMs: options.choiceWaitMs ?? 10_000,
      callbackTtlMs: options.callbackTtlMs ?? 24 * HOUR_MS,
      parallelWindowMs: options.parallelWindowMs ?? 2 * 60_000,
      webhook: { ...DEFAULT_WEBHOOK_OPTIONS, ...options.webhook },
      simulatedFunder:
        options.simulatedFunder === null ? null : (options.simulatedFunder ?? DEFAULT_SIMULATED_FUNDER),
      leaseMs: options.dispatchLeaseMs ?? DEFAULT_DISPATCH_LEASE_MS,
      onBoundary: options.onDispatchBoundary,
    };
    const dispatchDeps = {
      ...deps,
      routing: {
        config: () => this.config,
        trust: async (tx: Executor) => (await this.tables.routingTable(tx)).trust,
        usageChanged: () => this.tables.usageChanged(),
        flowOf: (usage: Pick<store.UsageRow, 'flow'> | undefined, month: string, funderId: string) =>
          this.tables.flowOf(usage, month, funderId),
      },
    };
    this.dispatch = new DispatchWorkflow(dispatchDeps, dispatchOptions);
    this.callbacks = new DispatchCallbacks(dispatchDeps, this.dispatch, dispatchOptions);
    this.forBooking = bookingPort({
      clock: deps.clock,
      tables: this.tables,
      capPolicy: (tx) => this.capPolicy(tx),
    });
  }

  // ---- the configuration and the compiled catalogue ----

  get config(): RoutingConfig {
    return this.tables.config;
  }

  /** The configuration in force and its version (0: the defaults, never changed through the API). */
  async configuration(tx: Executor): Promise<{ version: number; config: RoutingConfig }> {
    await this.tables.routingTable(tx);
    return this.tables.current;
  }

  /**
   * The cap in force, read from the stored configuration in the caller's transaction (not the
   * compiled table's copy), so quotes and product vetting use the configuration as of their own
   * write, in any process (ADR 0065).
   */
  async capPolicy(tx: Executor): Promise<CapPolicy> {
    const stored = await store.activeConfig(tx);
    return capPolicyOf((stored?.config ?? this.tables.baseConfig).pricing);
  }

  /**
   * What decide() needs to ask, now, which products a known applicant is eligible for (the
   * financing plan's consolidation, ADR 0083): the compiled catalogue, this month's funder states,
   * and the applicant as their last application's decision saw them (age and region from the ID
   * number then, the score then, so the scorecard is not run again on stale income). Null when the
   * application has no routing decision. Nothing is counted in any funder's flow: a plan shares
   * nothing with anyone.
   */
  async eligibilityFor(tx: Executor, applicationId: string): Promise<EligibilityContext | null> {
    const decision = await store.getDecision(tx, applicationId);
    if (!decision) return null;
    const { table, trust } = await this.tables.routingTable(tx);
    const funderStates = await this.tables.funderStates(tx, monthOf(this.deps.clock.now()), trust);
    return {
      table,
      applicant: {
        ageYears: decision.features.ageYears,
        regionCode: decision.features.regionCode,
        monthlyIncomeFen: 0,
        employerType: 'unknown',
        score: decision.score,
      },
      funderStates,
      lastFunderId: decision.lastFunderId,
      seed: decision.seed,
    };
  }

  /** Replace the routing configuration; new decisions use it at once (in this process). */
  /** A new routing configuration; raises routing.configured (the compiled table is dropped after commit). */
  async setConfiguration(
    unit: TransactionUnit,
    config: RoutingConfig,
  ): Promise<{ version: number; config: RoutingConfig }> {
    const checked = checkRoutingConfig(withRotationDefaults(config));
    if (!checked.ok) throw new DomainError(checked.code, checked.message, checked.field);
    config = checked.value;
    const at = this.deps.clock.now();
    const version = await store.saveConfig(unit.tx, config, at);
    unit.publish({
      topic: 'routing.configured',
      aggregateId: String(version),
      payload: { version },
      at,
    } satisfies RoutingEvent);
    return { version, config };
  }

  /** Drop the compiled catalogue (catalog and trust changes call this). */
  invalidateCatalog(): void {
    this.tables.invalidateCatalog();
  }

  // ---- submission, offers and explanations ----

  /** Submit through intake and route before intake stores it (submission.ts). */
  submitAndRoute(tx: Executor, input: ApplicationInput): ReturnType<RoutingSubmission['submitAndRoute']> {
    return this.submission.submitAndRoute(tx, input);
  }

  /** The API's submission: intake's idempotent two-statement path, routed (submission.ts). */
  submitAndRouteIdempotent(
    database: Database,
    input: ApplicationInput,
    idempotency: Omit<SubmitIdempotency, 'respond'>,
  ): Promise<StoredResponse> {
    return this.submission.submitAndRouteIdempotent(database, input, idempotency);
  }

  /** The explanation of every product as decided (PIPL art. 24), rendered from the stored outcomes. */
  explanations(tx: Executor, row: store.DecisionRow): Promise<ProductExplanation[]> {
    return this.reads.explanations(tx, row);
  }

  decision(tx: Executor, applicationId: string): Promise<store.DecisionRow> {
    return this.reads.decision(tx, applicationId);
  }

  /** The ranked offers with the borrower's disclosure (schedule figures, annual cost) for each. */
  offers(tx: Executor, applicationId: string): ReturnType<RoutingOffers['offers']> {
    return this.reads.offers(tx, applicationId);
  }

  // ---- choice and dispatch: the step machine in dispatch.ts ----

  /** Record the borrower's choice (consent required for each funder tried), plan, and record the first step. */
  choose(tx: Executor, application: Application, choice: Choice): Promise<{ plan: string[]; mode: string }> {
    return this.dispatch.choose(tx, application, choice);
  }

  /** Run the application's dispatch steps held by this process (see DispatchWorkflow.drive). */
  drive(applicationId: string): Promise<void> {
    return this.dispatch.drive(applicationId);
  }

  /** Continue a drive in the background (after a callback); shutdown and tests wait with idle(). */
  resume(applicationId: string): void {
    this.dispatch.resume(applicationId);
  }

  /** Drive for at most choiceWaitMs; false when the drive goes on in the background. */
  driveWithin(applicationId: string): Promise<boolean> {
    return this.dispatch.driveWithin(applicationId);
  }

  /** Resume every dispatch step that is due (one batch); servers run it on a timer. */
  sweepDispatches(): Promise<{ resumed: number }> {
    return this.dispatch.sweep();
  }

  idle(): Promise<void> {
    return this.dispatch.idle();
  }

  /** The dispatches in the order they were sent (steps), and by offer rank within a parallel step. */
  dispatches(tx: Executor, applicationId: string) {
    return this.dispatch.dispatches(tx, applicationId);
  }

  /** Record a decision the funder sends later (POST /v1/funder/decisions); see callbacks.ts. */
  recordCallback(
    tx: Executor,
    funderId: string,
    rawBody: string,
    signature: string | undefined,
    body: { applicationRef: string; decision: string },
  ): Promise<{ applicationId: string; continueDispatch: boolean; status: string }> {
    return this.callbacks.recordCallback(tx, funderId, rawBody, signature, body);
  }

  /** Check a funder's signed request (repayments reuse the decisions' signature, ADR 0080). */
  async verifyFunderRequest(
    tx: Executor,
    funderId: string,
    rawBody: string,
    signature: string | undefined,
  ): Promise<void> {
    await this.callbacks.verifyFunderRequest(tx, funderId, rawBody, signature);
  }

  // ---- expiry and timers ----

  /**
   * Time out callbacks never sent within callbackTtlMs (the waterfall continues), expire approvals
   * nobody confirmed within approvalTtlMs, and offers nobody answered within
   * offerTtlMs. One batch per kind per call; the timer calls it, tests call it with a ManualClock.
   */
  async expireStale(): Promise<{ expired: number; callbacksTimedOut: number; parallelSettled: number }> {
    const now = this.deps.clock.now();
    let expired = 0;
    const { callbacksTimedOut, parallelSettled } = await this.callbacks.expireAwaiting();
    for (const [phase, ttl] of [
      ['approved', this.approvalTtlMs],
      ['offered', this.offerTtlMs],
    ] as const) {
      const ids = await store.stale(this.deps.database.db, phase, new Date(now.getTime() - ttl));
      for (const id of ids) {
        const done = await this.deps.database.db.transaction(async (tx) => {
          const row = await store.getDecision(tx, id, true);
          const application = await this.deps.intake.get(tx, id);
          if (!row || row.phase !== phase || !application || application.status !== phase) return false;
          await this.deps.intake.transition(tx, id, 'expired', {
            reason:
              phase === 'approved'
                ? `approval not confirmed within ${ttl / HOUR_MS} h`
                : `offers unanswered for ${ttl / HOUR_MS} h`,
          });
          await store.updateDecision(tx, id, { phase: 'closed', updatedAt: now });
          return true;
        });
        if (done) expired++;
      }
    }
    return { expired, callbacksTimedOut, parallelSettled };
  }

  /** Servers: the expiry timer, and the dispatch sweeper (a sweep at once, then every DISPATCH_SWEEP_INTERVAL_MS). */
  start(intervalMs: number, onError: (error: unknown) => void = () => {}): void {
    this.onFlowError = onError;
    this.timer = setInterval(() => void this.expireStale().catch(onError), intervalMs);
    this.timer.unref();
    this.dispatch.startSweeper(DISPATCH_SWEEP_INTERVAL_MS, onError);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.dispatch.stop();
    await this.tables.flow.flush();
  }

  /** Until the flow counted so far is written (tests; stop() flushes). */
  async flowWritten(): Promise<void> {
    await this.tables.flow.flush();
  }

  // ---- settings ----

  /**
   * Detection's lever (ADR 0076), a subscriber of detection.level_changed: the funder's trust becomes
   * the one its level maps to (detectionTrust), in the unit that changed the level, and
   * routing.trust_set drops the compiled table after commit. The level's change already checked the
   * funder exists. A later PUT …/routing-trust overrides it until the next level change.
   */
  applyDetectionLevel(unit: UnitOfWork, funderId: string, level: DetectionLevel): void {
    const trust = this.detectionTrust[level];
    const at = this.deps.clock.now();
    store.setTrustIntent(unit, funderId, trust, at);
    unit.publish({
      topic: 'routing.trust_set',
      aggregateId: funderId,
      payload: { funderId, trust },
      at,
    } satisfies RoutingEvent);
  }

  /** Trust per funder as set (a funder without a setting has trust 1): the dashboard's column. */
  trustSettings(tx: Executor): Promise<Map<string, number>> {
    return store.trustSettings(tx);
  }

  /** Funders' approvals and declines in [from, to): the dashboard's approval rates (ADR 0101). */
  decisionCounts(
    tx: Executor,
    from: Date,
    to: Date,
  ): Promise<Map<string, { approved: number; declined: number }>> {
    return store.decisionCounts(tx, from, to);
  }

  /** A funder's trust in [0, 1] (scales its exposure budgets in every band); raises routing.trust_set. */
  async setTrust(
    unit: TransactionUnit,
    funderId: string,
    trust: number,
  ): Promise<{ funderId: string; trust: number }> {
    assert(trust >= 0 && trust <= 1, 'trust in [0, 1]');
    if (!(await this.deps.catalog.getFunder(unit.tx, funderId)))
      throw new DomainError('funder_not_found', `no funder ${funderId}`, 'funderId');
    const at = this.deps.clock.now();
    await store.setTrust(unit.tx, funderId, trust, at);
    unit.publish({
      topic: 'routing.trust_set',
      aggregateId: funderId,
      payload: { funderId, trust },
      at,
    } satisfies RoutingEvent);
    return { funderId, trust };
  }
}

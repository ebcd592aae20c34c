// Routing use cases: route an application at submission (score, eligibility, ranking, rotation;
// offers and explanations stored), take the borrower's choice, dispatch through the sharing gateway
// to funder adapters (waterfall or parallel), record decisions (synchronous or by signed callback),
// book the loan with its pricing schedule, and expire approvals nobody confirmed.
//
// The choice, the dispatch and the funders' answers are the persisted step machine in dispatch.ts
// (ADR 0035); this service delegates to it.
import type { FeeLine } from '../catalog/model.ts';
import type { Database, Executor } from '../db/client.ts';
import { ageAt, parseIdNumber } from '../identity/id-number.ts';
import type { ApplicationInput, Application } from '../intake/model.ts';
import type { SubmitIdempotency, SubmitRouter } from '../intake/service.ts';
import type { Ref, UnitOfWork } from '../db/unit-of-work.ts';
import type { StoredResponse } from '../db/idempotency.ts';
import type { ApplicationStatus } from '../intake/status.ts';
import { assert, canonicalJson, sha256Hex } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import { type CapPolicy, capPolicyOf, disclosure, offerCostRefusal, quote } from '../pricing/index.ts';
import {
  DEFAULT_SIMULATED_FUNDER,
  DEFAULT_WEBHOOK_OPTIONS,
  type SimulatedFunderConfig,
  type WebhookOptions,
} from './adapters.ts';
import {
  catalogSnapshot,
  compileRoutingTable,
  decide,
  decodeOutcomes,
  encodeOutcomes,
  explainOutcomes,
  type RoutingTable,
  type SnapshotProduct,
} from './decide.ts';
import { checkRoutingConfig } from './config-check.ts';
import { DEFAULT_ROUTING_CONFIG } from './defaults.ts';
import {
  type FunderState,
  INELIGIBILITY_CODES,
  type ProductExplanation,
  type QuoteFunction,
  type RoutingConfig,
  type RoutingFunder,
  type RoutingProduct,
} from './model.ts';
import { seedOf } from './rotation.ts';
import { classifyEmployer } from './scorecard.ts';
import { decodeOffers, encodeOffers, type StoredOffer } from './offers-codec.ts';
import * as store from './store.ts';
import {
  type Choice,
  DEFAULT_DISPATCH_LEASE_MS,
  DISPATCH_SWEEP_INTERVAL_MS,
  type DispatchOptions,
  DispatchWorkflow,
  monthOf,
  type RoutingDeps,
} from './dispatch.ts';

export {
  type Choice,
  type DecisionLedger,
  DEFAULT_PARALLEL_FUNDERS,
  MAX_PLAN,
  monthOf,
  type SharingGateway,
} from './dispatch.ts';

export interface RoutingServiceOptions {
  config?: RoutingConfig;
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
  /** test seam: called at every dispatch step boundary (DISPATCH_BOUNDARIES); a throw stops the drive there */
  onDispatchBoundary?: DispatchOptions['onBoundary'];
}

export type { StoredOffer } from './offers-codec.ts';

/** The offers stored with a decision row. */
function offersOf(row: Pick<store.DecisionRow, 'offers' | 'features'>): StoredOffer[] {
  return decodeOffers(row.offers, row.features);
}

type Deps = RoutingDeps;

const HOUR_MS = 3_600_000;

export const pricingQuote: QuoteFunction = (request) => quote(request, { schedule: false });

export class RoutingService {
  /** the configuration in force: the stored one (PUT /v1/routing/config), else the constructor's */
  private current: { config: RoutingConfig; version: number };
  private readonly baseConfig: RoutingConfig;
  private readonly approvalTtlMs: number;
  private readonly offerTtlMs: number;
  /** the choice, the sends and the answers: the dispatch step machine */
  private readonly dispatch: DispatchWorkflow;
  private readonly catalogCacheMs: number;
  private cached: {
    table: RoutingTable;
    trust: Map<string, number>;
    loadedAt: number;
    version: string;
    snapshot: SnapshotProduct[];
    /** true once the snapshot row is seen committed; until then each decision makes sure it is stored */
    stored: boolean;
    /** each table product's fees, for the offers stored with a decision */
    fees: Map<string, readonly FeeLine[]>;
  } | null = null;
  private usageCache: { month: string; rows: store.UsageRow[]; loadedAt: number } | null = null;
  /** the funder states built from the cached usage rows and trust (decide() only reads them) */
  private statesMemo: {
    rows: store.UsageRow[];
    trust: Map<string, number>;
    config: RoutingConfig;
    states: Map<string, FunderState>;
  } | null = null;
  private readonly usageCacheMs: number;
  /** snapshots read back for explanations, by version (a handful: one per catalogue change) */
  private readonly snapshots = new Map<string, SnapshotProduct[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: Deps,
    options: RoutingServiceOptions = {},
  ) {
    this.baseConfig = options.config ?? DEFAULT_ROUTING_CONFIG;
    this.current = { config: this.baseConfig, version: 0 };
    this.approvalTtlMs = options.approvalTtlMs ?? 72 * HOUR_MS;
    this.offerTtlMs = options.offerTtlMs ?? 7 * 24 * HOUR_MS;
    this.dispatch = new DispatchWorkflow(
      {
        ...deps,
        routing: {
          config: () => this.config,
          trust: async (tx) => (await this.routingTable(tx)).trust,
          usageChanged: () => {
            this.usageCache = null;
          },
        },
      },
      {
        choiceWaitMs: options.choiceWaitMs ?? 10_000,
        callbackTtlMs: options.callbackTtlMs ?? 24 * HOUR_MS,
        parallelWindowMs: options.parallelWindowMs ?? 2 * 60_000,
        webhook: { ...DEFAULT_WEBHOOK_OPTIONS, ...options.webhook },
        simulatedFunder:
          options.simulatedFunder === null ? null : (options.simulatedFunder ?? DEFAULT_SIMULATED_FUNDER),
        leaseMs: options.dispatchLeaseMs ?? DEFAULT_DISPATCH_LEASE_MS,
        onBoundary: options.onDispatchBoundary,
      },
    );
    this.catalogCacheMs = options.catalogCacheMs ?? 30_000;
    this.usageCacheMs = options.usageCacheMs ?? 1_000;
  }

  // ---- the catalogue, compiled and cached ----

  get config(): RoutingConfig {
    return this.current.config;
  }

  /** The configuration in force and its version (0: the defaults, never changed through the API). */
  async configuration(tx: Executor): Promise<{ version: number; config: RoutingConfig }> {
    await this.routingTable(tx);
    return this.current;
  }

  /**
   * The cap in force, read from the stored configuration in the caller's transaction (not the
   * compiled table's copy), so quotes and product vetting use the configuration as of their own
   * write, in any process (ADR 0065).
   */
  async capPolicy(tx: Executor): Promise<CapPolicy> {
    const stored = await store.activeConfig(tx);
    return capPolicyOf((stored?.config ?? this.baseConfig).pricing);
  }

  /** Replace the routing configuration; new decisions use it at once (in this process). */
  async setConfiguration(
    tx: Executor,
    config: RoutingConfig,
  ): Promise<{ version: number; config: RoutingConfig }> {
    const checked = checkRoutingConfig(config);
    if (!checked.ok) throw new DomainError(checked.code, checked.message, checked.field);
    const version = await store.saveConfig(tx, config, this.deps.clock.now());
    this.invalidateCatalog();
    return { version, config };
  }

  /** Drop the compiled catalogue (catalog and trust changes call this). */
  invalidateCatalog(): void {
    this.cached = null;
  }

  private async routingTable(tx: Executor): Promise<NonNullable<RoutingService['cached']>> {
    if (this.cached && performance.now() - this.cached.loadedAt < this.catalogCacheMs) return this.cached;
    const funders: RoutingFunder[] = [];
    let after: string | undefined;
    while (funders.length < store.MAX_FUNDERS) {
      const page = await this.deps.catalog.listFunders(tx, { ...(after ? { after } : {}), limit: 500 });
      for (const funder of page) {
        const contract = await this.deps.catalog.currentContract(tx, funder.id);
        funders.push({
          ...funder,
          serviceFee: contract?.terms.serviceFee,
          maxPenaltyRateAnnual: contract?.terms.maxPenaltyRateAnnual,
        });
      }
      if (page.length < 500) break;
      after = page[page.length - 1]!.id;
    }
    const products: RoutingProduct[] = await this.deps.catalog.listProducts(tx, {
      activeOnly: true,
      limit: 5000,
    });
    const trust = await store.trustSettings(tx);
    const stored = await store.activeConfig(tx);
    this.current = stored ?? { config: this.baseConfig, version: 0 };
    const table = compileRoutingTable({ funders, products }, this.config, pricingQuote);
    const snapshot = catalogSnapshot(table);
    this.cached = {
      table,
      trust,
      loadedAt: performance.now(),
      version: sha256Hex(canonicalJson(snapshot)),
      snapshot,
      stored: false,
      fees: new Map(table.products.map((p) => [p.product.id, p.product.fees])),
    };
    return this.cached;
  }

  /**
   * Make sure the decision's catalogue snapshot is stored, in the caller's transaction. Once a
   * later transaction sees the row (it committed), the check stops.
   */
  private async ensureSnapshot(tx: Executor, cached: NonNullable<RoutingService['cached']>): Promise<void> {
    if (cached.stored) return;
    if (await store.hasCatalogVersion(tx, cached.version)) {
      cached.stored = true;
      return;
    }
    await store.insertCatalogVersion(tx, {
      id: cached.version,
      products: cached.snapshot,
      createdAt: this.deps.clock.now(),
    });
  }

  private async snapshotOf(tx: Executor, version: string): Promise<SnapshotProduct[]> {
    const known =
      this.snapshots.get(version) ?? (this.cached?.version === version ? this.cached.snapshot : undefined);
    if (known) return known;
    const products = await store.catalogVersion(tx, version);
    assert(products, `catalogue snapshot ${version} is stored with its decisions`);
    if (this.snapshots.size >= 16) this.snapshots.clear();
    this.snapshots.set(version, products);
    return products;
  }

  /**
   * This month's usage rows, cached for usageCacheMs: offers are advisory, and dispatch re-checks
   * quota and exposure budget against the database before anything is sent (recheck()).
   */
  private async usageRows(tx: Executor, month: string): Promise<store.UsageRow[]> {
    const cached = this.usageCache;
    if (cached && cached.month === month && performance.now() - cached.loadedAt < this.usageCacheMs)
      return cached.rows;
    const rows = await store.usageForMonth(tx, month);
    this.usageCache = { month, rows, loadedAt: performance.now() };
    return rows;
  }

  private async funderStates(
    tx: Executor,
    month: string,
    trust: Map<string, number>,
  ): Promise<Map<string, FunderState>> {
    const rows = await this.usageRows(tx, month);
    // The same rows and trust give the same states: built once per usage refresh, not per decision.
    const memo = this.statesMemo;
    if (memo && memo.rows === rows && memo.trust === trust && memo.config === this.config) return memo.states;
    const states = new Map<string, FunderState>();
    for (const [funderId, value] of trust)
      states.set(funderId, { monthlyUsedFen: 0, exposureUsedByBand: {}, trust: value });
    for (const row of rows) {
      states.set(row.funderId, {
        monthlyUsedFen: row.bookedFen,
        exposureUsedByBand: row.exposure,
        trust: trust.get(row.funderId) ?? 1,
        // A few decisions say little: blend with the default as if 10 decisions had been seen at it.
        approvalRate: (row.approved + 10 * this.config.ranking.defaultApprovalRate) / (row.decided + 10),
      });
    }
    this.statesMemo = { rows, trust, config: this.config, states };
    return states;
  }

  // ---- submission ----

  /**
   * Submit an application through intake and route it before intake stores it: the application is
   * inserted directly in its routed status (offered or declined), with both events and the
   * decision row, in intake's one write statement.
   */
  async submitAndRoute(
    tx: Executor,
    input: ApplicationInput,
  ): Promise<{
    application: Application;
    customerCreated: boolean;
    status: ApplicationStatus;
    score: number;
    band: string;
    offers: number;
  }> {
    const router = this.router(tx, input);
    const { application, customerCreated } = await this.deps.intake.submit(tx, input, router);
    assert(router.routed, 'intake called the router');
    assert(application.score !== null, 'a routed application has its score');
    return {
      application,
      customerCreated,
      status: application.status,
      score: application.score,
      band: router.routed.band,
      offers: router.routed.offers,
    };
  }

  /**
   * The API's submission: intake's two-statement idempotent path (no transaction), routed. The
   * answer is the application with its band, the number of offers and whether the customer is new.
   */
  async submitAndRouteIdempotent(
    database: Database,
    input: ApplicationInput,
    idempotency: Omit<SubmitIdempotency, 'respond'>,
  ): Promise<StoredResponse> {
    const router = this.router(database.db, input);
    return this.deps.intake.submitIdempotent(database.run, input, router, {
      ...idempotency,
      respond: (application, customerCreated) => {
        assert(router.routed, 'intake called the router');
        assert(application.score !== null, 'a routed application has its score');
        return {
          ...application,
          band: router.routed.band,
          offerCount: router.routed.offers,
          customerCreated,
        };
      },
    });
  }

  private router(
    executor: Executor,
    input: ApplicationInput,
  ): SubmitRouter & { routed?: { band: string; offers: number } } {
    const router: SubmitRouter & { routed?: { band: string; offers: number } } = {
      lookup: (lookups, customerId) => store.lastFunderOf(lookups, customerId),
      route: async (draft, looked) => {
        const decided = await this.route(executor, draft, input, (looked as string | null) ?? null);
        router.routed = decided;
        return decided;
      },
    };
    return router;
  }

  /** Score and route an application about to be stored; the decision row goes in intake's statement. */
  private async route(
    tx: Executor,
    application: Application,
    input: ApplicationInput,
    lastFunderId: string | null,
  ): Promise<{
    to: 'offered' | 'declined';
    score: number;
    reason: string;
    band: string;
    offers: number;
    alongside: (unit: UnitOfWork, customer: { id: Ref<string> }) => void;
  }> {
    const now = application.createdAt;
    const parsed = parseIdNumber(input.applicant.idNumber, now);
    assert(parsed.ok, 'intake validated the ID number');
    const cached = await this.routingTable(tx);
    const { table, trust } = cached;
    await this.ensureSnapshot(tx, cached);
    const funderStates = await this.funderStates(tx, monthOf(now), trust);
    const routingInput = {
      applicant: {
        ageYears: ageAt(parsed.value, now),
        regionCode: parsed.value.region.code,
        amountFen: application.amountFen,
        termMonths: application.termMonths,
        monthlyIncomeFen: application.monthlyIncomeFen,
        employerType: classifyEmployer(input.applicant.employer),
        score: input.score,
      },
      funderStates,
      lastFunderId,
      seed: seedOf(application.id),
    };
    const decision = decide(table, routingInput);
    const offered = decision.offers.length > 0;
    // Written in intake's submit statement, one round trip for everything.
    const decisionRow = {
      applicationId: application.id,
      score: decision.score,
      scoreSource: decision.scoreSource,
      band: decision.band,
      // The totals are recomputed with the disclosure on read; stored offers stay small.
      // The offered terms include the fees, so the disclosure and the booking price what was offered.
      offers: encodeOffers(decision.offers, application, (productId) => cached.fees.get(productId) ?? []),
      catalogVersion: cached.version,
      outcomes: encodeOutcomes(decision.outcomes),
      features: {
        ageYears: routingInput.applicant.ageYears,
        regionCode: routingInput.applicant.regionCode,
        amountFen: routingInput.applicant.amountFen,
        termMonths: routingInput.applicant.termMonths,
      },
      lastFunderId,
      seed: routingInput.seed,
      phase: offered ? 'offered' : 'declined',
      decidedAt: now,
      updatedAt: now,
    } as const;
    return {
      to: offered ? 'offered' : 'declined',
      score: decision.score,
      reason: offered
        ? `${decision.offers.length} offers`
        : `no eligible product: ${summarise(decision.outcomes)}`,
      band: decision.band,
      offers: decision.offers.length,
      alongside: (unit, customer) => store.addDecision(unit, { ...decisionRow, customerId: customer.id }),
    };
  }

  /** The explanation of every product as decided (PIPL art. 24), rendered from the stored outcomes. */
  async explanations(tx: Executor, row: store.DecisionRow): Promise<ProductExplanation[]> {
    const snapshot = await this.snapshotOf(tx, row.catalogVersion);
    return explainOutcomes(
      snapshot,
      decodeOutcomes(row.outcomes),
      {
        applicant: row.features,
        score: row.score,
        band: row.band,
        capAnnual: capPolicyOf(this.config.pricing).cap.rate,
        sameFunderMarginAnnual: this.config.rotation.sameFunderMarginAnnual,
      },
      offersOf(row),
    );
  }

  async decision(tx: Executor, applicationId: string): Promise<store.DecisionRow> {
    const row = await store.getDecision(tx, applicationId);
    if (!row)
      throw new DomainError('routing_not_found', `application ${applicationId} has not been routed`, 'id');
    return row;
  }

  /** The ranked offers with the borrower's disclosure (schedule figures, annual cost) for each. */
  async offers(tx: Executor, applicationId: string) {
    const row = await this.decision(tx, applicationId);
    const offers = offersOf(row);
    const cap = capPolicyOf(this.config.pricing).cap;
    return offers.map((offer) => {
      const fees = offer.fees;
      const priced = quote({
        principalFen: offer.amountFen,
        termMonths: offer.termMonths,
        rateAnnual: offer.rateAnnual,
        method: offer.method,
        fees,
        cap,
      });
      assert(priced.ok, `offer ${offer.productId} was quoted at routing time`);
      return { ...offer, disclosure: disclosure(priced.value) };
    });
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

  /** Record a decision the funder sends later (POST /v1/funder/decisions); see DispatchWorkflow. */
  recordCallback(
    tx: Executor,
    funderId: string,
    rawBody: string,
    signature: string | undefined,
    body: { applicationRef: string; decision: string },
  ): Promise<{ applicationId: string; continueDispatch: boolean; status: string }> {
    return this.dispatch.recordCallback(tx, funderId, rawBody, signature, body);
  }

  private async addUsage(...args: Parameters<typeof store.addUsage>): Promise<void> {
    await store.addUsage(...args);
    this.usageCache = null;
  }

  // ---- confirmation, abandonment, expiry ----

  /** Book the approved loan with its schedule from pricing. The loans' primary key forbids a second booking. */
  async confirm(tx: Executor, application: Application): Promise<store.LoanRow> {
    if (application.status !== 'approved')
      throw new DomainError(
        'application_not_approved',
        `the application is ${application.status}, not approved`,
        'id',
      );
    const row = await store.getDecision(tx, application.id, true);
    assert(
      row && application.funderId && application.productId,
      'an approved application has a decision, a funder and a product',
    );
    const offer = offersOf(row).find((o) => o.productId === application.productId);
    assert(offer, 'the approved product was offered');
    const dispatch = await store.dispatchTo(tx, application.id, application.funderId);
    const answer = (dispatch?.decision ?? {}) as { amountFen?: number; rateAnnual?: number };
    // The funder may approve less, or a lower rate, never more than offered.
    const principalFen = Math.min(answer.amountFen ?? offer.amountFen, offer.amountFen);
    const rateAnnual = Math.min(answer.rateAnnual ?? offer.rateAnnual, offer.rateAnnual);
    const policy = await this.capPolicy(tx);
    const priced = quote({
      principalFen,
      termMonths: offer.termMonths,
      rateAnnual,
      method: offer.method,
      fees: offer.fees,
      cap: policy.cap,
    });
    if (!priced.ok) throw new DomainError(priced.code, priced.message, priced.field);
    // The booking passes the same rule as the offer, with the contract in force now.
    const contract = await this.deps.catalog.currentContract(tx, application.funderId);
    const refusal = offerCostRefusal(priced.value.apr, policy, contract?.terms.maxPenaltyRateAnnual);
    if (refusal !== null)
      throw new DomainError(refusal, 'the approved terms exceed the annual cost cap', 'id');
    const now = this.deps.clock.now();
    await this.deps.intake.transition(tx, application.id, 'confirmed', { reason: 'borrower confirmed' });
    const loan = {
      applicationId: application.id,
      id: this.deps.ids.next('loan'),
      customerId: application.customerId,
      funderId: application.funderId,
      productId: application.productId,
      principalFen,
      termMonths: offer.termMonths,
      rateAnnual,
      method: offer.method,
      aprNominal: priced.value.apr.nominal,
      aprEffective: priced.value.apr.effective,
      schedule: priced.value.schedule,
      totals: { ...priced.value.totals },
      bookedAt: now,
    };
    if (!(await store.insertLoan(tx, loan)))
      throw new DomainError('conflict', 'the loan is booked already', 'id');
    await this.deps.intake.transition(tx, application.id, 'booked', { reason: `loan ${loan.id}` });
    await this.addUsage(tx, application.funderId, monthOf(now), { bookedFen: principalFen });
    await store.setLastFunder(tx, application.customerId, application.funderId, now);
    await store.updateDecision(tx, application.id, { phase: 'booked', updatedAt: now });
    await this.deps.ledger.append(tx, {
      kind: 'booking',
      funderId: application.funderId,
      applicationId: application.id,
      customerId: application.customerId,
      amountFen: principalFen,
      loanId: loan.id,
      at: now,
    });
    return loan;
  }

  async loan(tx: Executor, applicationId: string): Promise<store.LoanRow | undefined> {
    return store.loanOf(tx, applicationId);
  }

  async abandon(tx: Executor, application: Application): Promise<Application> {
    const updated = await this.deps.intake.transition(tx, application.id, 'abandoned', {
      reason: 'borrower abandoned',
    });
    await store.updateDecision(tx, application.id, {
      phase: 'closed',
      plan: [],
      updatedAt: this.deps.clock.now(),
    });
    return updated;
  }

  /**
   * Time out callbacks never sent within callbackTtlMs (the waterfall continues), expire approvals
   * nobody confirmed within approvalTtlMs, and offers nobody answered within
   * offerTtlMs. One batch per kind per call; the timer calls it, tests call it with a ManualClock.
   */
  async expireStale(): Promise<{ expired: number; callbacksTimedOut: number; parallelSettled: number }> {
    const now = this.deps.clock.now();
    let expired = 0;
    const { callbacksTimedOut, parallelSettled } = await this.dispatch.expireAwaiting();
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
    this.timer = setInterval(() => void this.expireStale().catch(onError), intervalMs);
    this.timer.unref();
    this.dispatch.startSweeper(DISPATCH_SWEEP_INTERVAL_MS, onError);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.dispatch.stop();
  }

  // ---- settings ----

  /** The detection module's lever: trust in [0, 1] scales the funder's top-band exposure budgets. */
  async setTrust(
    tx: Executor,
    funderId: string,
    trust: number,
  ): Promise<{ funderId: string; trust: number }> {
    assert(trust >= 0 && trust <= 1, 'trust in [0, 1]');
    if (!(await this.deps.catalog.getFunder(tx, funderId)))
      throw new DomainError('funder_not_found', `no funder ${funderId}`, 'funderId');
    await store.setTrust(tx, funderId, trust, this.deps.clock.now());
    this.invalidateCatalog();
    return { funderId, trust };
  }
}

function summarise(outcomes: Uint8Array): string {
  const counts = new Map<string, number>();
  for (const outcome of outcomes) {
    if (outcome === 0) continue;
    const code = INELIGIBILITY_CODES[outcome - 1]!;
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return [...counts].map(([code, n]) => `${code} ×${n}`).join(', ') || 'no active products';
}

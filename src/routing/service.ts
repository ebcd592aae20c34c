// Routing use cases: route an application at submission (score, eligibility, ranking, rotation;
// offers and explanations stored), take the borrower's choice, dispatch through the sharing gateway
// to funder adapters (waterfall or parallel), record decisions (synchronous or by signed callback),
// book the loan with its pricing schedule, and expire approvals nobody confirmed.
//
// Each dispatch step is two short transactions around the network call: (1) consent re-checked,
// payload built and receipted by the gateway, dispatch row and exposure recorded, application
// `sent`; (2) the answer recorded. No transaction is held open while a funder thinks.
import type { SQL } from 'drizzle-orm';
import type { FeeLine } from '../catalog/model.ts';
import type { CatalogService } from '../catalog/service.ts';
import type { Database, Executor } from '../db/client.ts';
import { ageAt, parseIdNumber } from '../identity/id-number.ts';
import type { IdentityService } from '../identity/service.ts';
import type { ApplicationInput, Application } from '../intake/model.ts';
import type { IntakeService, CustomerRef, SubmitIdempotency, SubmitRouter } from '../intake/service.ts';
import type { StoredResponse } from '../db/idempotency.ts';
import type { ApplicationStatus } from '../intake/status.ts';
import type { LedgerEntryInput } from '../ledger/model.ts';
import {
  type Clock,
  DomainError,
  type IdGenerator,
  assert,
  canonicalJson,
  sha256Hex,
} from '../kernel/index.ts';
import { type CapPolicy, capPolicyOf, disclosure, offerCostRefusal, quote } from '../pricing/index.ts';
import '../pricing/errors.ts';
import type { ShareResult } from '../sharing/model.ts';
import type { LiveConsent } from '../identity/model.ts';
import {
  DEFAULT_SIMULATED_FUNDER,
  DEFAULT_WEBHOOK_OPTIONS,
  type DispatchMessage,
  type DispatchOutcome,
  type FunderAdapter,
  type FunderAnswer,
  parseAnswer,
  SimulatedFunderAdapter,
  type SimulatedFunderConfig,
  WebhookAdapter,
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
import { exposureLeft } from './eligibility.ts';
import './errors.ts';
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
import { verifySignature } from './signature.ts';
import { decodeOffers, encodeOffers, type StoredOffer } from './offers-codec.ts';
import * as store from './store.ts';

/** The most funders one auto (waterfall) choice will try, and the default fan-out of parallel mode. */
export const MAX_PLAN = 20;
export const DEFAULT_PARALLEL_FUNDERS = 3;
/** A drive never runs more steps than this (each step is one funder, or one parallel fan-out). */
const MAX_DRIVE_STEPS = MAX_PLAN + 2;

/** What routing needs of the sharing gateway (src/sharing/service.ts). */
export interface SharingGateway {
  share(
    tx: Executor,
    request: { consent: LiveConsent; funderId: string; stage: 'application'; applicationId: string },
  ): Promise<ShareResult>;
  pseudonyms: { applicationRef(funderId: string, applicationId: string): string };
  resolveApplicationRef(tx: Executor, funderId: string, applicationRef: string): Promise<string | undefined>;
}

export interface DecisionLedger {
  append(tx: Executor, entry: LedgerEntryInput): Promise<unknown>;
}

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
}

export type { StoredOffer } from './offers-codec.ts';

/** The offers stored with a decision row. */
function offersOf(row: Pick<store.DecisionRow, 'offers' | 'features'>): StoredOffer[] {
  return decodeOffers(row.offers, row.features);
}

export type Choice =
  | { productId: string }
  | { mode: 'auto' }
  | { mode: 'parallel'; funders?: number | undefined };

interface Deps {
  database: Database;
  clock: Clock;
  ids: IdGenerator;
  catalog: CatalogService;
  identity: IdentityService;
  intake: IntakeService;
  sharing: SharingGateway;
  ledger: DecisionLedger;
}

interface Prepared {
  dispatchId: string;
  funderId: string;
  productId: string;
  rank: number;
  adapter: FunderAdapter;
  message: DispatchMessage;
  target: Parameters<FunderAdapter['send']>[0];
}

const HOUR_MS = 3_600_000;
const UTC8_OFFSET_MS = 8 * HOUR_MS;

/** The calendar month in China Standard Time (UTC+8), 'YYYY-MM': quotas and budgets reset with it. */
export function monthOf(at: Date): string {
  return new Date(at.getTime() + UTC8_OFFSET_MS).toISOString().slice(0, 7);
}

export const pricingQuote: QuoteFunction = (request) => quote(request, { schedule: false });

export class RoutingService {
  /** the configuration in force: the stored one (PUT /v1/routing/config), else the constructor's */
  private current: { config: RoutingConfig; version: number };
  private readonly baseConfig: RoutingConfig;
  private readonly approvalTtlMs: number;
  private readonly choiceWaitMs: number;
  private readonly callbackTtlMs: number;
  private readonly parallelWindowMs: number;
  private readonly offerTtlMs: number;
  private readonly webhook: WebhookAdapter;
  private readonly simulated: SimulatedFunderAdapter | null;
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
  private readonly inFlight = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: Deps,
    options: RoutingServiceOptions = {},
  ) {
    this.baseConfig = options.config ?? DEFAULT_ROUTING_CONFIG;
    this.current = { config: this.baseConfig, version: 0 };
    this.approvalTtlMs = options.approvalTtlMs ?? 72 * HOUR_MS;
    this.choiceWaitMs = options.choiceWaitMs ?? 10_000;
    this.callbackTtlMs = options.callbackTtlMs ?? 24 * HOUR_MS;
    this.parallelWindowMs = options.parallelWindowMs ?? 2 * 60_000;
    this.offerTtlMs = options.offerTtlMs ?? 7 * 24 * HOUR_MS;
    this.webhook = new WebhookAdapter(deps.clock, { ...DEFAULT_WEBHOOK_OPTIONS, ...options.webhook });
    this.simulated =
      options.simulatedFunder === null
        ? null
        : new SimulatedFunderAdapter(options.simulatedFunder ?? DEFAULT_SIMULATED_FUNDER);
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
      lookup: (customerId) => store.lastFunderLookup(customerId),
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
    alongside: (customer: CustomerRef) => SQL;
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
      alongside: (customer: CustomerRef) =>
        store.insertDecisionStatement({ ...decisionRow, customerId: customer.id }),
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

  // ---- choice and dispatch ----

  /** Record the borrower's choice (consent required for each funder tried) and plan the dispatch. */
  async choose(
    tx: Executor,
    application: Application,
    choice: Choice,
  ): Promise<{ plan: string[]; mode: string }> {
    const row = await store.getDecision(tx, application.id, true);
    if (!row)
      throw new DomainError('routing_not_found', `application ${application.id} has not been routed`, 'id');
    if (application.status !== 'offered' || row.phase !== 'offered') {
      throw new DomainError(
        'choice_not_allowed',
        `the application is ${application.status}, not waiting for a choice`,
        'id',
      );
    }
    const offers = offersOf(row);
    let plan: string[];
    let mode: string;
    if ('productId' in choice) {
      const offer = offers.find((o) => o.productId === choice.productId);
      if (!offer)
        throw new DomainError(
          'product_not_offered',
          `product ${choice.productId} was not offered for this application`,
          'productId',
        );
      await this.deps.identity.requireLiveConsent(tx, application.customerId, offer.funderId);
      plan = [offer.productId];
      mode = 'product';
    } else {
      // One product per funder (the best), in rank order, among funders the borrower consented to.
      const seen = new Set<string>();
      plan = [];
      for (const offer of offers) {
        if (plan.length >= MAX_PLAN || seen.has(offer.funderId)) continue;
        seen.add(offer.funderId);
        if (await this.deps.identity.findLiveConsent(tx, application.customerId, offer.funderId))
          plan.push(offer.productId);
      }
      if (plan.length === 0)
        throw new DomainError(
          'consent_missing',
          'no offered funder has a live separate consent yet',
          'funderId',
        );
      mode = choice.mode;
      if (choice.mode === 'parallel')
        plan = plan.slice(0, Math.max(1, Math.min(choice.funders ?? DEFAULT_PARALLEL_FUNDERS, MAX_PLAN)));
    }
    await this.deps.intake.transition(tx, application.id, 'consented', {
      reason: `choice ${mode}: ${plan.join(', ')}`,
    });
    await store.updateDecision(tx, application.id, {
      phase: 'dispatching',
      mode,
      plan,
      updatedAt: this.deps.clock.now(),
    });
    return { plan, mode };
  }

  /**
   * Run the planned dispatches until a funder approves, the plan runs out, or an answer is awaited
   * by callback. Idempotent: with nothing planned or everything in flight it does nothing.
   */
  async drive(applicationId: string): Promise<void> {
    const { db } = this.deps.database;
    for (let step = 0; step < MAX_DRIVE_STEPS; step++) {
      const prepared = await db.transaction((tx) => this.prepare(tx, applicationId));
      if (prepared === null) return;
      const outcomes = await Promise.all(prepared.map((p) => p.adapter.send(p.target, p.message)));
      const more = await db.transaction((tx) => this.record(tx, applicationId, prepared, outcomes));
      if (!more) return;
    }
  }

  /** Continue a drive in the background (after a callback); shutdown and tests wait with idle(). */
  resume(applicationId: string): void {
    this.track(this.drive(applicationId));
  }

  private track(running: Promise<void>): void {
    const settled = running.catch(() => {}); // a failed step leaves its state for the next resume
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
  }

  /**
   * Drive for at most choiceWaitMs, then let it finish in the background: a waterfall over slow
   * funders (timeouts × retries × funders) must not hold the borrower's request for minutes.
   * Returns false when the drive is still running.
   */
  async driveWithin(applicationId: string): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const running = this.drive(applicationId);
    this.track(running);
    // A failure within the wait reaches the caller (a 500 that changed nothing past the last step).
    const finished = await Promise.race([
      running.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), this.choiceWaitMs);
      }),
    ]);
    clearTimeout(timer);
    return finished;
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private adapterFor(webhookUrl: string | null): FunderAdapter | null {
    if (webhookUrl) return this.webhook;
    return this.simulated;
  }

  private async addUsage(...args: Parameters<typeof store.addUsage>): Promise<void> {
    await store.addUsage(...args);
    this.usageCache = null;
  }

  /** Step (1): take the next funder(s) of the plan, share, record, mark sent. null: nothing to do. */
  private async prepare(tx: Executor, applicationId: string): Promise<Prepared[] | null> {
    const row = await store.getDecision(tx, applicationId, true);
    if (row?.phase !== 'dispatching') return null;
    const dispatches = await store.dispatchesOf(tx, applicationId);
    if (dispatches.some((d) => d.status === 'pending' || d.status === 'awaiting_callback')) return null;
    const plan = row.plan ?? [];
    const application = await this.deps.intake.get(tx, applicationId);
    assert(application, 'a routed application exists');
    if (plan.length === 0) {
      await this.finishDeclined(tx, application, row);
      return null;
    }
    const take = row.mode === 'parallel' ? plan : plan.slice(0, 1);
    const offers = offersOf(row);
    const now = this.deps.clock.now();
    const month = monthOf(now);
    const prepared: Prepared[] = [];
    for (const productId of take) {
      const offer = offers.find((o) => o.productId === productId);
      assert(offer, 'planned products come from the offers');
      const skip = await this.recheck(tx, application, offer, row.band, month);
      const dispatchId = this.deps.ids.next('dsp');
      if (skip) {
        await store.insertDispatch(tx, {
          id: dispatchId,
          applicationId,
          funderId: offer.funderId,
          productId,
          adapter: 'none',
          status: 'skipped',
          lastError: skip,
          band: row.band,
          createdAt: now,
          decidedAt: now,
        });
        continue;
      }
      const funder = await this.deps.catalog.getFunder(tx, offer.funderId);
      const adapter = this.adapterFor(funder?.webhookUrl ?? null);
      const consent = await this.deps.identity.requireLiveConsent(tx, application.customerId, offer.funderId);
      const fresh = await store.insertDispatch(tx, {
        id: dispatchId,
        applicationId,
        funderId: offer.funderId,
        productId,
        adapter: adapter?.name ?? 'none',
        status: adapter ? 'pending' : 'error',
        lastError: adapter ? null : 'no adapter',
        band: row.band,
        createdAt: now,
        decidedAt: adapter ? null : now,
      });
      if (!fresh || !adapter) continue;
      // The gateway builds the minimum payload and writes the exposure receipt in this transaction.
      const shared = await this.deps.sharing.share(tx, {
        consent,
        funderId: offer.funderId,
        stage: 'application',
        applicationId,
      });
      await this.addUsage(tx, offer.funderId, month, { band: row.band });
      const applicationRef = this.deps.sharing.pseudonyms.applicationRef(offer.funderId, applicationId);
      prepared.push({
        dispatchId,
        funderId: offer.funderId,
        productId,
        rank: offer.rank,
        adapter,
        target: {
          funderId: offer.funderId,
          webhookUrl: funder?.webhookUrl ?? null,
          secret: funder?.webhookUrl ? await this.deps.catalog.webhookSecret(tx, offer.funderId) : null,
          idempotencyKey: applicationRef,
          score: row.score,
        },
        message: {
          type: 'application.dispatched',
          applicationRef,
          productId,
          offer: { rateAnnual: offer.rateAnnual, method: offer.method, aprNominal: offer.apr.nominal },
          payload: shared.payload,
        },
      });
    }
    await store.updateDecision(tx, applicationId, { plan: plan.slice(take.length), updatedAt: now });
    if (prepared.length > 0) {
      await this.deps.intake.transition(tx, applicationId, 'sent', {
        reason: `sent to ${prepared.map((p) => p.funderId).join(', ')}`,
      });
    }
    return prepared;
  }

  /** Rules that can change between the offer and the send: funder status, consent, exposure budget. */
  private async recheck(
    tx: Executor,
    application: Application,
    offer: StoredOffer,
    band: string,
    month: string,
  ): Promise<string | null> {
    const funder = await this.deps.catalog.getFunder(tx, offer.funderId);
    if (funder?.status !== 'active') return 'funder_suspended';
    if (!(await this.deps.identity.findLiveConsent(tx, application.customerId, offer.funderId)))
      return 'consent_missing';
    const usage = await store.usageOf(tx, offer.funderId, month);
    const { trust } = await this.routingTable(tx);
    const state: FunderState = {
      monthlyUsedFen: usage?.bookedFen ?? 0,
      exposureUsedByBand: usage?.exposure ?? {},
      trust: trust.get(offer.funderId) ?? 1,
    };
    if (!exposureLeft(this.config.rotation, offer.funderId, band, state)) return 'exposure_budget_exhausted';
    if (funder.monthlyQuotaFen !== null && state.monthlyUsedFen + offer.amountFen > funder.monthlyQuotaFen)
      return 'funder_capacity_exhausted';
    return null;
  }

  /** Step (2): record the answers and move the application. Returns true when the waterfall goes on. */
  private async record(
    tx: Executor,
    applicationId: string,
    prepared: Prepared[],
    outcomes: DispatchOutcome[],
  ): Promise<boolean> {
    for (let i = 0; i < prepared.length; i++) {
      await this.recordAnswer(
        tx,
        applicationId,
        prepared[i]!.funderId,
        prepared[i]!.dispatchId,
        outcomes[i]!.answer,
        outcomes[i]!.attempts,
        null,
      );
    }
    return this.settle(tx, applicationId);
  }

  private async recordAnswer(
    tx: Executor,
    applicationId: string,
    funderId: string,
    dispatchId: string,
    answer: FunderAnswer,
    attempts: number,
    callbackSignature: string | null,
  ): Promise<void> {
    const now = this.deps.clock.now();
    const status = answer.kind === 'pending' ? 'awaiting_callback' : answer.kind;
    // A funder may call back while its synchronous answer is still on the way: whichever is
    // recorded first stands, so the answer only lands on a dispatch still waiting for one.
    const landed = await store.updateDispatch(
      tx,
      dispatchId,
      {
        status,
        attempts,
        lastError: answer.kind === 'error' ? answer.message : null,
        decision: { ...answer, ...(callbackSignature ? { callbackSignature } : {}) },
        decidedAt: answer.kind === 'pending' ? null : now,
      },
      ['pending', 'awaiting_callback'],
    );
    if (!landed || answer.kind === 'pending') return;
    await this.addUsage(tx, funderId, monthOf(now), {
      decided: 1,
      approved: answer.kind === 'approved' ? 1 : 0,
    });
    const application = await this.deps.intake.get(tx, applicationId);
    await this.deps.ledger.append(tx, {
      kind: 'decision',
      funderId,
      applicationId,
      decision: answer.kind,
      ...(application ? { customerId: application.customerId } : {}),
      at: now,
    });
  }

  /** Move the application from the dispatches' states. Returns true when another step should run. */
  private async settle(tx: Executor, applicationId: string): Promise<boolean> {
    const row = await store.getDecision(tx, applicationId, true);
    assert(row, 'a dispatched application has a routing decision');
    const application = await this.deps.intake.get(tx, applicationId);
    assert(application, 'a routed application exists');
    const dispatches = await store.dispatchesOf(tx, applicationId);
    const offers = offersOf(row);
    const rankOf = (d: store.DispatchRow) =>
      offers.find((o) => o.productId === d.productId)?.rank ?? Number.MAX_SAFE_INTEGER;
    const now = this.deps.clock.now();
    if (row.phase !== 'dispatching') {
      // Already approved elsewhere (parallel) or closed: a late approval is superseded.
      for (const d of dispatches)
        if (d.status === 'approved' && d.funderId !== application.funderId)
          await store.updateDispatch(tx, d.id, { status: 'superseded' });
      return false;
    }
    const approved = dispatches.filter((d) => d.status === 'approved').sort((a, b) => rankOf(a) - rankOf(b));
    const undecided = dispatches.filter((d) => d.status === 'pending' || d.status === 'awaiting_callback');
    const waiting = undecided.length > 0;
    // Parallel: wait for the funders still deciding, but not past the window once one has approved.
    const windowOver =
      waiting && undecided.every((d) => now.getTime() - d.createdAt.getTime() >= this.parallelWindowMs);
    if (approved.length > 0 && (!waiting || row.mode !== 'parallel' || windowOver)) {
      const best = approved[0]!;
      for (const d of approved.slice(1)) await store.updateDispatch(tx, d.id, { status: 'superseded' });
      await this.deps.intake.transition(tx, applicationId, 'approved', {
        funderId: best.funderId,
        productId: best.productId,
        reason: `approved by ${best.funderId}`,
      });
      await store.updateDecision(tx, applicationId, { phase: 'approved', approvedAt: now, updatedAt: now });
      return false;
    }
    if (waiting) return false;
    const last = dispatches.filter((d) => d.status !== 'skipped').at(-1);
    if (application.status === 'sent') {
      await this.deps.intake.transition(tx, applicationId, 'declined', {
        reason: `${last?.funderId ?? 'funder'}: ${last?.status ?? 'declined'}`,
      });
    }
    if ((row.plan ?? []).length > 0) return true;
    await this.finishDeclined(tx, application, row);
    return false;
  }

  private async finishDeclined(
    tx: Executor,
    application: Application,
    row: store.DecisionRow,
  ): Promise<void> {
    const now = this.deps.clock.now();
    // A plan whose every funder was skipped never left `consented`: close it as declined too.
    if (application.status === 'consented')
      await this.deps.intake.transition(tx, application.id, 'sent', { reason: 'no funder could be sent to' });
    const current = await this.deps.intake.get(tx, application.id);
    if (current?.status === 'sent')
      await this.deps.intake.transition(tx, application.id, 'declined', {
        reason: 'every planned funder declined or was skipped',
      });
    if (row.phase === 'dispatching')
      await store.updateDecision(tx, application.id, { phase: 'declined', updatedAt: now });
  }

  /** The dispatches in the order they were sent (steps), and by offer rank within a parallel step. */
  async dispatches(tx: Executor, applicationId: string) {
    const row = await store.getDecision(tx, applicationId);
    const rank = new Map((row ? offersOf(row) : []).map((o) => [o.productId, o.rank]));
    const rows = (await store.dispatchesOf(tx, applicationId)).sort(
      (a, b) =>
        a.createdAt.getTime() - b.createdAt.getTime() ||
        (rank.get(a.productId) ?? 0) - (rank.get(b.productId) ?? 0),
    );
    return rows.map(({ decision, ...d }) => {
      const { callbackSignature: _s, ...answer } = (decision ?? {}) as Record<string, unknown>;
      return { ...d, answer: decision ? answer : null };
    });
  }

  // ---- the funder's signed callback ----

  /**
   * Record a decision the funder sends later (POST /v1/funder/decisions). The signature is checked
   * against the raw body with the funder's webhook secret; the application is found through the
   * funder's own pseudonymous reference, so another funder's application is simply not found.
   */
  async recordCallback(
    tx: Executor,
    funderId: string,
    rawBody: string,
    signature: string | undefined,
    body: { applicationRef: string; decision: string },
  ): Promise<{ applicationId: string; continueDispatch: boolean; status: string }> {
    const secret = await this.deps.catalog.webhookSecret(tx, funderId);
    if (!secret)
      throw new DomainError(
        'signature_invalid',
        'the funder has no webhook secret to sign with',
        'Shoujia-Signature',
      );
    const verified = verifySignature(secret, signature, rawBody, this.deps.clock.now());
    if (!verified.ok) throw new DomainError(verified.code, verified.message, verified.field);
    const applicationId = await this.deps.sharing.resolveApplicationRef(tx, funderId, body.applicationRef);
    const dispatch = applicationId ? await store.dispatchTo(tx, applicationId, funderId) : undefined;
    if (!applicationId || !dispatch)
      throw new DomainError(
        'application_not_found',
        'no application with this reference was sent to you',
        'applicationRef',
      );
    if (
      (dispatch.decision as { callbackSignature?: string } | null)?.callbackSignature ===
      verified.value.signature
    ) {
      throw new DomainError(
        'signature_replayed',
        'this signed callback was received before',
        'Shoujia-Signature',
      );
    }
    if (dispatch.status !== 'awaiting_callback' && dispatch.status !== 'pending') {
      throw new DomainError(
        'decision_already_recorded',
        `a decision (${dispatch.status}) is already recorded for this application`,
        'applicationRef',
      );
    }
    const answer = parseAnswer(body);
    if (answer.kind !== 'approved' && answer.kind !== 'declined')
      throw new DomainError('invalid_request', 'decision must be approved or declined', 'decision');
    await this.recordAnswer(
      tx,
      applicationId,
      funderId,
      dispatch.id,
      answer,
      dispatch.attempts,
      verified.value.signature,
    );
    const more = await this.settle(tx, applicationId);
    return { applicationId, continueDispatch: more, status: answer.kind };
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
    // A funder that promised a callback and never sent one counts as a timeout: the waterfall moves on.
    let callbacksTimedOut = 0;
    for (const stale of await store.staleAwaiting(
      this.deps.database.db,
      new Date(now.getTime() - this.callbackTtlMs),
    )) {
      const more = await this.deps.database.db.transaction(async (tx) => {
        const dispatch = await store.dispatchTo(tx, stale.applicationId, stale.funderId);
        if (dispatch?.status !== 'awaiting_callback' && dispatch?.status !== 'pending') return null;
        await this.recordAnswer(
          tx,
          stale.applicationId,
          stale.funderId,
          dispatch.id,
          { kind: 'timeout' },
          dispatch.attempts,
          null,
        );
        return this.settle(tx, stale.applicationId);
      });
      if (more === null) continue;
      callbacksTimedOut++;
      if (more) await this.drive(stale.applicationId);
    }
    // Parallel fan-outs holding an approval whose window is over: keep the best approval so far.
    let parallelSettled = 0;
    for (const applicationId of await store.parallelPastWindow(
      this.deps.database.db,
      new Date(now.getTime() - this.parallelWindowMs),
    )) {
      await this.deps.database.db.transaction((tx) => this.settle(tx, applicationId));
      parallelSettled++;
    }
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

  start(intervalMs: number, onError: (error: unknown) => void = () => {}): void {
    this.timer = setInterval(() => void this.expireStale().catch(onError), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.idle();
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

// Over 500 lines because it is the one composition root: every service and every cross-module
// subscription (ADR 0069) is wired here, so the whole wiring reads in one place.
// The composition root: one place that builds every service from its dependencies. The HTTP app,
// the CLI and the tests all start here, so they run the same wiring.
import type { AccessEvent } from './access/model.ts';
import { AccessService } from './access/service.ts';
import { CATALOG_TOPICS, type CatalogEvent } from './catalog/model.ts';
import { CatalogService } from './catalog/service.ts';
import { CanaryService } from './detection/canary-service.ts';
import { Metrics } from './dashboard/metrics.ts';
import { DashboardService } from './dashboard/service.ts';
import type { Database, Executor } from './db/client.ts';
import { listenForNotices, NOTICE_CHANNEL } from './db/notices.ts';
import type { GroupOptions } from './db/statement-groups.ts';
import { EventBus, TransactionUnit, Units } from './db/unit-of-work.ts';
import type { DetectionEvent } from './detection/model.ts';
import { DetectionService } from './detection/service.ts';
import { mobileFromIdentity, type ReminderOptions, ReminderService } from './engagement/service.ts';
import type { IdentityEvent } from './identity/model.ts';
import { IdentityService } from './identity/service.ts';
import { BookingService } from './intake/booking.ts';
import { ApplicationReads } from './intake/read-service.ts';
import { RepaymentService } from './intake/repayment-service.ts';
import type { IntakeEvent } from './intake/model.ts';
import { type FunderDecided, ROUTING_TABLE_TOPICS, type RoutingEvent } from './routing/model.ts';
import type { SharingEvent } from './sharing/model.ts';
import { IntakeService } from './intake/service.ts';
import {
  assert,
  type Clock,
  type IdGenerator,
  Vault,
  createIdGenerator,
  systemClock,
} from './kernel/index.ts';
import { FinancingPlanService } from './engagement/plan-service.ts';
import { LedgerService } from './ledger/service.ts';
import { Pseudonymiser } from './sharing/pseudonym.ts';
import { PoolRelayProvider, type RelayProvider } from './sharing/relay.ts';
import { SharingService } from './sharing/service.ts';
import type { SettlementEvent } from './settlement/model.ts';
import { SettlementService } from './settlement/service.ts';
import { SimulationService } from './simulation/service.ts';
import { PricingService } from './pricing/service.ts';
import { RoutingService, type RoutingServiceOptions } from './routing/service.ts';

export interface ServiceOptions {
  database: Database;
  masterKey: Buffer;
  clock?: Clock;
  ids?: IdGenerator;
  ledgerOrigin?: string;
  /** run the ledger integrator every this many ms (servers); absent: tests call ledger.integrate() */
  ledgerIntegrateIntervalMs?: number;
  /** where the integrator reports a failed tick (it retries on the next) */
  onLedgerError?: (error: unknown) => void;
  /** look for queued simulation runs every this many ms (servers); absent: tests call simulation.runPending() */
  simulationPollIntervalMs?: number;
  onSimulationError?: (error: unknown) => void;
  /** the ledger checkpoint key's Ed25519 seed; absent: derived from the master key (ADR 0020) */
  ledgerSigningSeed?: Buffer | undefined;
  /** how concurrent submissions share statements (src/db/statement-groups.ts; default ≤ 16 a statement, 2 in flight) */
  submissionGrouping?: GroupOptions;
  /**
   * PostgreSQL: hear other API processes' catalogue changes and key revocations (LISTEN on a
   * connection of its own; default true)
   */
  crossProcessNotices?: boolean;
  onNoticeError?: (error: unknown) => void;
  /** how long a verified API key is trusted without a database lookup (default 2 s; 0: never) */
  apiKeyCacheMs?: number;
  /**
   * with the built-in relay pool: mint synthetic addresses when it is empty (default true: tests
   * and the demo; `shoujia serve` turns it off unless SHOUJIA_RELAY_MINT=1)
   */
  relayMintWhenEmpty?: boolean;
  /** how long a released relay address rests before another (customer, funder) may lease it (default 90 days) */
  relayQuarantineMs?: number;
  /** relay contact points (a virtual-number service); absent: the built-in pool, minting demo addresses when empty */
  relayProvider?: RelayProvider;
  /** routing configuration, adapters and expiry times; routingExpireIntervalMs runs the expiry timer (servers) */
  routing?: RoutingServiceOptions;
  routingExpireIntervalMs?: number;
  /** where the expiry timer reports a failed tick (it retries on the next) */
  onRoutingError?: (error: unknown) => void;
  /** reminder channels, plan and job queue (engagement); default: the recording adapter on every channel */
  reminders?: ReminderOptions;
  /** run the reminder worker every this many ms (servers); absent: tests call reminders.tick() */
  remindersIntervalMs?: number;
  onReminderError?: (error: unknown) => void;
  /** rescore every funder from the stored evidence every this many ms (servers); absent: tests call detection.rescore */
  detectionRescoreIntervalMs?: number;
  onDetectionError?: (error: unknown) => void;
  /** called after each settlement step commits (the crash tests stop the process there) */
  settlementAfterStep?: import('./settlement/service.ts').SettlementDeps['afterStep'];
}

/** Every domain event a module raises (ADR 0069); subscribers are wired below. */
export type DomainEvents =
  | AccessEvent
  | CatalogEvent
  | DetectionEvent
  | IdentityEvent
  | IntakeEvent
  | FunderDecided
  | RoutingEvent
  | SettlementEvent
  | SharingEvent;

export interface Services {
  database: Database;
  /** opens units of work: every write that raises events goes through one */
  units: Units;
  events: EventBus<DomainEvents>;
  clock: Clock;
  ids: IdGenerator;
  vault: Vault;
  masterKey: Buffer;
  ledgerOrigin: string;
  access: AccessService;
  identity: IdentityService;
  catalog: CatalogService;
  intake: IntakeService;
  /** intake's staff reads: the applications list (keyset pages), timelines, the dashboard's counts */
  applicationReads: ApplicationReads;
  ledger: LedgerService;
  sharing: SharingService;
  pricing: PricingService;
  simulation: SimulationService;
  routing: RoutingService;
  booking: BookingService;
  detection: DetectionService;
  /** the canary registry (restricted: admin and analyst only, ADR 0077) */
  canaries: CanaryService;
  /** repayments of booked loans (intake's): the booking funder's signed events, installment states */
  repayments: RepaymentService;
  /** the borrower's financing plan (engagement's; pure core in engagement/plan.ts) */
  plans: FinancingPlanService;
  /** repayment reminders (engagement): planned at booking, cancelled by repayment, sent by the worker */
  reminders: ReminderService;
  /** monthly statements on the double-entry journal, disputes, declared conversions (ADR 0090) */
  settlement: SettlementService;
  /** the dashboard's overview and funder scorecards (ADR 0101) */
  dashboard: DashboardService;
  /** /metrics: this instance's Prometheus registry (ADR 0102) */
  metrics: Metrics;
  /** Called on shutdown, after the HTTP server stops taking requests and before the database closes. */
  stopHooks: Array<() => Promise<void>>;
}

export function createServices(options: ServiceOptions): Services {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? createIdGenerator(clock);
  const vault = new Vault(options.masterKey);
  const base = { clock, ids, vault, masterKey: options.masterKey };
  const events = new EventBus<DomainEvents>();
  const units = new Units(options.database.db, events);
  const identity = new IdentityService(base);
  const ledgerOrigin = options.ledgerOrigin ?? 'shoujia.local/ledger';
  // One pseudonymiser for the sharing gateway's payloads and the ledger's funder-facing entries:
  // a funder meets the same customerRef and applicationRef in both.
  const pseudonyms = new Pseudonymiser(options.masterKey);
  const ledger = new LedgerService({
    database: options.database,
    clock,
    masterKey: options.masterKey,
    signingSeed: options.ledgerSigningSeed,
    origin: ledgerOrigin,
    blinding: pseudonyms,
  });
  const intake = new IntakeService({ ...base, identity, units, grouping: options.submissionGrouping });
  const catalog = new CatalogService(base);
  // Quotes and product vetting use routing's configured cap, read in the caller's transaction
  // (ADR 0065); routing is built below, so the source looks it up when called.
  const pricing = new PricingService({
    catalog,
    capPolicy: (tx) => services.routing.capPolicy(tx),
  });
  // A product whose cheapest configuration is already above the cost cap cannot be created.
  catalog.setProductVetter((tx, product) => pricing.vetProduct(tx, product));
  const sharing = new SharingService({
    ...base,
    identity,
    intake,
    units,
    relay:
      options.relayProvider ??
      new PoolRelayProvider(clock, {
        mintWhenEmpty: options.relayMintWhenEmpty ?? true,
        ...(options.relayQuarantineMs === undefined ? {} : { quarantineMs: options.relayQuarantineMs }),
      }),
  });
  const routing = new RoutingService(
    { database: options.database, clock, ids, vault, catalog, identity, intake, sharing, units },
    options.routing,
  );
  // Booking is intake's; routing supplies the approved terms, the cap and its usage accounting.
  const booking = new BookingService({ clock, ids, intake, catalog, units, routing: routing.forBooking });
  // Repayments are signed as the funder's decisions are: routing's check, with the funder's secret.
  const repayments = new RepaymentService({
    clock,
    units,
    intake,
    signatures: {
      verify: (tx, funderId, raw, header) => routing.verifyFunderRequest(tx, funderId, raw, header),
    },
  });
  // The timeline reads what sharing and the ledger own through their services (intake imports neither).
  const applicationReads = new ApplicationReads({
    intake,
    masterKey: options.masterKey,
    sources: {
      sharesOf: (tx, customerId, applicationId) => sharing.sharesOfApplication(tx, customerId, applicationId),
      ledgerIndexes: (tx, entryIds) => ledger.indexesOf(tx, entryIds),
      ledgerEntriesOf: (tx, customerId, applicationId) =>
        ledger.entriesOfApplication(tx, customerId, applicationId),
    },
  });
  // Evidence after a declared conversion is explained (ADR 0092); settlement is built below.
  const declaredConversions = (tx: Executor, customerId: string) =>
    services.settlement.declaredConversionsOf(tx, customerId);
  const detection = new DetectionService({
    ...base,
    catalog,
    identity,
    sharing,
    booking,
    declaredConversions,
  });
  const reminders = new ReminderService(
    {
      database: options.database,
      units,
      clock,
      customerExists: async (tx, customerId) => (await identity.getProfile(tx, customerId)) !== undefined,
      mobile: mobileFromIdentity(identity, options.database.db),
    },
    options.reminders,
  );
  const settlement = new SettlementService({
    clock,
    db: options.database.db,
    units,
    catalog,
    intake,
    customerRef: (funderId, customerId) => pseudonyms.customerRef(funderId, customerId),
    resolveCustomerRef: (tx, funderId, customerRef) => sharing.resolveCustomerRef(tx, funderId, customerRef),
    ledgerIndexOf: async (tx, entryId) => (await ledger.indexesOf(tx, [entryId])).get(entryId),
    ...(options.settlementAfterStep ? { afterStep: options.settlementAfterStep } : {}),
  });
  const services: Services = {
    database: options.database,
    units,
    events,
    ...base,
    ledgerOrigin,
    access: new AccessService({ ...base, keyCacheMs: options.apiKeyCacheMs }),
    identity,
    catalog,
    intake,
    applicationReads,
    ledger,
    sharing,
    pricing,
    simulation: new SimulationService({ database: options.database, clock, ids }),
    routing,
    booking,
    detection,
    canaries: new CanaryService({ ...base, identity, catalog, sharing, declaredConversions }),
    // Repayments are signed as the funder's decisions are: routing's check, with the funder's secret.
    repayments,
    plans: new FinancingPlanService({ clock, intake, booking, routing, repayments }),
    reminders,
    settlement,
    dashboard: new DashboardService({
      clock,
      catalog,
      applications: applicationReads,
      routing,
      detection,
      settlement,
    }),
    metrics: new Metrics({ db: options.database.db, clock, ledger, reminders, detection, catalog }),
    stopHooks: [],
  };
  // Issued statements never change: catalog refuses a contract taking effect inside a month that
  // has a statement.
  catalog.setIssuedUntil((tx, funderId) => services.settlement.postedUntil(tx, funderId));
  // A terminated funder is reactivated only by the termination's recorded lift (ADR 0093).
  catalog.setTerminationInForce((tx, funderId) => services.settlement.terminationInForce(tx, funderId));
  wireLedger(services);
  // /metrics counts each funder's answer as routing records it (in its unit: a unit that then fails
  // to commit, a bug, would still have been counted; ADR 0102).
  events.on('funder.decided', (_unit, { payload }) => services.metrics.dispatchOutcome(payload.decision));
  wireReminders(services, options.remindersIntervalMs, options.onReminderError);
  if (options.simulationPollIntervalMs !== undefined)
    services.simulation.start(options.simulationPollIntervalMs, options.onSimulationError);
  services.stopHooks.push(() => services.simulation.stop());
  wireRouting(services, options.routingExpireIntervalMs, options.onRoutingError);
  wireDetection(services, options.detectionRescoreIntervalMs, options.onDetectionError);
  wireSettlement(services);
  wireNotices(services, options.crossProcessNotices ?? true, options.onNoticeError);
  if (options.ledgerIntegrateIntervalMs !== undefined) {
    ledger.start(options.ledgerIntegrateIntervalMs, options.onLedgerError);
    services.stopHooks.push(() => ledger.stop());
  }
  return services;
}

/**
 * Cache notices between API processes (PostgreSQL only; PGlite is one process): catalogue changes
 * and key revocations made elsewhere reach this process's caches when they commit.
 */
function wireNotices(services: Services, enabled: boolean, onError?: (error: unknown) => void): void {
  const { database, access, routing, events } = services;
  if (!database.url) return;
  events.on('api-key.revoked', (unit, { payload }) => unit.notify(NOTICE_CHANNEL, `key:${payload.keyId}`));
  if (!enabled) return;
  const listener = listenForNotices(
    database.url,
    (payload) => {
      if (payload === 'catalog') routing.invalidateCatalog();
      else if (payload.startsWith('key:')) access.forget(payload.slice(4));
    },
    {
      ...(onError ? { onError } : {}),
      // notices sent while disconnected are lost: start again from the database
      onReconnect: () => {
        routing.invalidateCatalog();
        access.forgetAll();
      },
    },
  );
  services.stopHooks.push(() => listener.stop());
}

/**
 * The ledger records what other modules raise, in the same unit of work as the change it records
 * (ADR 0069): origination (only when the submission created the customer) and consent.
 */
function wireLedger(services: Services): void {
  const { ledger, events } = services;
  events.on('application.submitted', (unit, event) =>
    ledger.record(
      unit,
      {
        kind: 'origination',
        customerId: event.customer.drawnId,
        applicationId: event.application.id,
        channel: event.application.channel,
        at: event.at,
      },
      event.customer.created,
    ),
  );
  events.on('consent.granted', (unit, { consent }) =>
    ledger.record(unit, {
      kind: 'consent-granted',
      customerId: consent.customerId,
      funderId: consent.funderId,
      consentId: consent.id,
      purpose: consent.purpose,
      dataCategories: consent.dataCategories,
      textVersionHash: consent.textVersionHash,
      at: consent.grantedAt,
    }),
  );
  events.on('consent.withdrawn', (unit, { payload }) =>
    ledger.record(unit, { kind: 'consent-withdrawn', ...payload }),
  );
  events.on('funder.decided', (unit, { payload, customerId, at }) =>
    ledger.record(unit, {
      kind: 'decision',
      funderId: payload.funderId,
      applicationId: payload.applicationId,
      decision: payload.decision,
      ...(customerId ? { customerId } : {}),
      at,
    }),
  );
  events.on('loan.booked', (unit, { payload, at }) =>
    ledger.record(unit, { kind: 'booking', ...payload, at }),
  );
  events.on('repayment.recorded', (unit, { payload, at }) =>
    ledger.record(unit, {
      kind: 'repayment',
      funderId: payload.funderId,
      customerId: payload.customerId,
      loanId: payload.loanId,
      repaymentId: payload.repaymentId,
      repaymentKind: payload.kind,
      installmentNo: payload.installmentNo,
      amountFen: payload.amountFen,
      paidAt: payload.at,
      at,
    }),
  );
  // An issued statement's canonical hash, in the unit that marks it issued.
  events.on('statement.issued', (unit, { payload, at, receipt }) =>
    receipt.set(ledger.record(unit, { kind: 'statement', ...payload, at }).entryId),
  );
  // A declared conversion (the cooperative path): its fee and customer, in the declaring unit.
  events.on('conversion.declared', (unit, { payload, at }) =>
    ledger.record(unit, { kind: 'conversion', ...payload, at }),
  );
  events.on('funder.exposed', (unit, { exposure, at, receipt }) =>
    receipt.set(ledger.record(unit, { kind: 'exposure', ...exposure, at }).entryId),
  );
}

/**
 * Reminders are planned in the booking's unit and cancelled in the unit of the repayment that
 * settles their installment (ADR 0082); the worker's timer runs on servers.
 */
function wireReminders(
  services: Services,
  intervalMs: number | undefined,
  onError?: (error: unknown) => void,
): void {
  const { reminders, events } = services;
  events.on('loan.booked', (unit, event) => reminders.planLoan(unit, event));
  events.on('installment.settled', (unit, event) => reminders.cancelInstallment(unit, event));
  if (intervalMs !== undefined) reminders.start(intervalMs, onError);
  services.stopHooks.push(() => reminders.stop());
}

/**
 * Routing keeps the active catalogue compiled in memory: catalogue, trust and configuration
 * changes made through this process drop it at once, and on PostgreSQL a notice drops it in the
 * other processes when the change commits (the cache time remains the fallback, ADR 0031). The
 * expiry timer runs on servers; tests call routing.expireStale() with their manual clock.
 */
function wireRouting(
  services: Services,
  expireIntervalMs: number | undefined,
  onError?: (error: unknown) => void,
): void {
  const { routing, events } = services;
  const crossProcess = services.database.url !== undefined;
  // The compiled table depends on the catalogue and on routing's own levers.
  for (const topic of [...CATALOG_TOPICS, ...ROUTING_TABLE_TOPICS])
    events.on(topic, (unit) => {
      unit.afterCommit(() => routing.invalidateCatalog());
      // other API processes drop theirs when this transaction commits
      if (crossProcess) unit.notify(NOTICE_CHANNEL, 'catalog');
    });
  if (expireIntervalMs !== undefined) routing.start(expireIntervalMs, onError);
  services.stopHooks.push(() => routing.stop());
}

/**
 * The detection loop (ADR 0076): relay contacts become evidence in the unit that records them, and
 * a funder's level sets its routing trust in the unit that changes the level.
 */
function wireDetection(
  services: Services,
  rescoreIntervalMs: number | undefined,
  onError?: (error: unknown) => void,
): void {
  const { detection, routing, events, units } = services;
  // Rescoring (ADR 0075): the fusion rule over the stored evidence, on a timer; each tick one unit,
  // so a raised level and routing's trust commit together.
  if (rescoreIntervalMs !== undefined) {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      units
        .run((unit) => detection.rescore(unit))
        .catch((error: unknown) => onError?.(error))
        .finally(() => {
          running = false;
        });
    }, rescoreIntervalMs);
    timer.unref();
    services.stopHooks.push(async () => clearInterval(timer));
  }
  events.on('contact.recorded', (unit, event) => {
    // detection reads (the staff contact points) before it writes: only a transaction's unit can
    assert(unit instanceof TransactionUnit, 'contact.recorded is raised in a transaction');
    unit.beforeFlush((own) => detection.recordContact(own, event));
  });
  events.on('detection.level_changed', (unit, { payload }) =>
    routing.applyDetectionLevel(unit, payload.funderId, payload.level),
  );
}

/**
 * Settlement's inputs arrive as events in the units that cause them (ADR 0091–0093): a repayment's
 * collection (fee, interest, principal), a confirmation's findings (and the termination trigger);
 * a triggered termination suspends routing to the funder and a lift restores it, through catalog's
 * funder status in the same unit.
 */
function wireSettlement(services: Services): void {
  const { settlement, catalog, events } = services;
  events.on('repayment.recorded', (unit, { payload }) =>
    settlement.recordCollection(unit, {
      repaymentId: payload.repaymentId,
      loanId: payload.loanId,
      funderId: payload.funderId,
      customerId: payload.customerId,
      ...payload.allocation,
      collectedAt: new Date(payload.at),
    }),
  );
  events.on('detection.level_changed', (unit, event) => {
    if (event.payload.level !== 'confirmed') return;
    // recording reads (the contract, the findings so far) before it writes: only a transaction's unit can
    assert(unit instanceof TransactionUnit, 'detection.level_changed is raised in a transaction');
    const customerIds = event.confirmedCustomerIds ?? [];
    unit.beforeFlush(async (own) => {
      await settlement.recordConfirmation(own, {
        findingId: event.payload.changeId,
        funderId: event.payload.funderId,
        customerIds,
        confirmedAt: event.at,
      });
    });
  });
  events.on('settlement.termination_triggered', (unit, { payload }) => {
    assert(unit instanceof TransactionUnit, 'a termination is raised in a transaction');
    unit.beforeFlush(async (own) => {
      await catalog.setFunderStatus(own, payload.funderId, 'suspended');
    });
  });
  events.on('settlement.termination_lifted', (unit, { payload }) => {
    assert(unit instanceof TransactionUnit, 'a lift is raised in a transaction');
    unit.beforeFlush(async (own) => {
      await catalog.setFunderStatus(own, payload.funderId, 'active');
    });
  });
}

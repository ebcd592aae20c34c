// Over 500 lines because: one persisted step machine (ADR 0035) whose steps share private state
// (leases, the running map, the sweeper); callbacks and expiry are already out (callbacks.ts).
// Dispatch as a persisted step machine (ADR 0035): the borrower's choice, the sends to funders
// through the sharing gateway (waterfall or parallel), their answers, and a sweeper that resumes
// any application whose next step is due after a crash. Answers that come later (signed callbacks)
// and the expiry of awaited ones are in callbacks.ts; they record through this machine.
//
// Every step is recorded in routing_dispatch_steps before it is taken, in the transaction of the
// state it follows from; every step can be taken again: a resumed send repeats the sealed message
// with the same idempotency key (the funder answers a repeat with its first decision), and an
// answer lands only on a dispatch still waiting for one. No transaction waits on a funder.
import type { CatalogService } from '../catalog/service.ts';
import type { Database, Executor } from '../db/client.ts';
import type { IdentityService } from '../identity/service.ts';
import type { LiveConsent } from '../identity/model.ts';
import type { Application } from '../intake/model.ts';
import type { IntakeService } from '../intake/service.ts';
import type { Units } from '../db/unit-of-work.ts';
import type { FunderDecided } from './model.ts';
import { type Clock, type IdGenerator, assert, type Vault } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import type { ShareResult } from '../sharing/model.ts';
import {
  type DispatchMessage,
  type DispatchOutcome,
  type FunderAdapter,
  type FunderAnswer,
  SimulatedFunderAdapter,
  type SimulatedFunderConfig,
  WebhookAdapter,
  type WebhookOptions,
} from './adapters.ts';
import { exposureLeft } from './eligibility.ts';
import type { FunderState, RoutingConfig } from './model.ts';
import { decodeOffers, type StoredOffer } from './offers-codec.ts';
import * as store from './store.ts';

/** The most funders one auto (waterfall) choice will try, and the default fan-out of parallel mode. */
export const MAX_PLAN = 20;
export const DEFAULT_PARALLEL_FUNDERS = 3;
/** A drive never runs more steps than this (each step is one funder, or one parallel fan-out). */
const MAX_DRIVE_STEPS = MAX_PLAN + 2;

/**
 * The steps an unfinished dispatch can be at. prepare: take the next funder(s) of the plan
 * (re-check, share and receipt, dispatch rows `pending`, application `sent`); send: call each
 * `pending` dispatch's funder and record the answers; await: wait for callbacks or the parallel
 * window, due at the first deadline.
 */
export const DISPATCH_STEPS = ['prepare', 'send', 'await'] as const;
export type DispatchStep = (typeof DISPATCH_STEPS)[number];

/**
 * The boundaries between steps, where a crash leaves only what is committed. The crash tests
 * (test/routing/dispatch-crash.test.ts) stop a process at every occurrence of each one, so a new
 * boundary here gets its tests. chosen: the choice committed; prepared: the dispatch rows are
 * committed, the funders not yet called; answered: the funders answered, nothing recorded;
 * recorded: the answers and the next step are committed, the next step not yet taken.
 */
export const DISPATCH_BOUNDARIES = ['chosen', 'prepared', 'answered', 'recorded'] as const;
export type DispatchBoundary = (typeof DISPATCH_BOUNDARIES)[number];

/** How often a server's sweeper looks for due steps (the first sweep runs at start). */
export const DISPATCH_SWEEP_INTERVAL_MS = 5_000;
/** The most steps one sweep takes up; the rest wait for the next sweep. */
export const DISPATCH_SWEEP_BATCH = 100;
/**
 * How long the process running a step holds it before a sweeper may take it over. Longer than the
 * longest send (webhook timeout × attempts + backoff), so a live send is never taken over; a
 * crashed process's steps resume this long after they were taken at the latest.
 */
export const DEFAULT_DISPATCH_LEASE_MS = 60_000;
/**
 * A send taken up again this many times without an answer recorded (a process killed during each)
 * is given up: its dispatches are recorded as errors and the waterfall moves on.
 */
export const MAX_RESUMED_SENDS = 5;

const HOUR_MS = 3_600_000;
const UTC8_OFFSET_MS = 8 * HOUR_MS;

/** The calendar month in China Standard Time (UTC+8), 'YYYY-MM': quotas and budgets reset with it. */
export function monthOf(at: Date): string {
  return new Date(at.getTime() + UTC8_OFFSET_MS).toISOString().slice(0, 7);
}

/** What routing needs of the sharing gateway (src/sharing/service.ts). */
export interface SharingGateway {
  share(
    tx: Executor,
    request: { consent: LiveConsent; funderId: string; stage: 'application'; applicationId: string },
  ): Promise<ShareResult>;
  pseudonyms: { applicationRef(funderId: string, applicationId: string): string };
  resolveApplicationRef(tx: Executor, funderId: string, applicationRef: string): Promise<string | undefined>;
}

export type Choice =
  | { productId: string }
  | { mode: 'auto' }
  | { mode: 'parallel'; funders?: number | undefined };

/** What routing is built on: the service and its dispatch workflow share these. */
export interface RoutingDeps {
  database: Database;
  clock: Clock;
  ids: IdGenerator;
  vault: Vault;
  catalog: CatalogService;
  identity: IdentityService;
  intake: IntakeService;
  sharing: SharingGateway;
  /** units joined to the step's transaction: the decision is an event (the ledger records it) */
  units: Units;
}

export interface DispatchDeps extends RoutingDeps {
  /** the routing configuration in force, the funders' trust, and a hook for usage changes (its cache) */
  routing: {
    config(): RoutingConfig;
    trust(tx: Executor): Promise<Map<string, number>>;
    usageChanged(): void;
    /** a funder's flow this month: its usage row's plus this process's counts not yet written (ADR 0073) */
    flowOf(
      usage: Pick<store.UsageRow, 'flow'> | undefined,
      month: string,
      funderId: string,
    ): Record<string, number>;
  };
}

export interface DispatchOptions {
  choiceWaitMs: number;
  callbackTtlMs: number;
  parallelWindowMs: number;
  webhook: WebhookOptions;
  simulatedFunder: SimulatedFunderConfig | null;
  leaseMs: number;
  /** test seam: called at each step boundary; a throw stops the drive there, as a crash would */
  onBoundary?: ((boundary: DispatchBoundary, applicationId: string) => void | Promise<void>) | undefined;
}

interface Prepared {
  dispatchId: string;
  funderId: string;
  adapter: FunderAdapter;
  message: DispatchMessage;
  target: Parameters<FunderAdapter['send']>[0];
}

function offersOf(row: Pick<store.DecisionRow, 'offers' | 'features'>): StoredOffer[] {
  return decodeOffers(row.offers, row.features);
}

/** The vault's associated data for a dispatch's sealed message: a row's envelope opens for that row only. */
const sealedFor = (dispatchId: string) => `routing_dispatches.message_sealed:${dispatchId}`;

export class DispatchWorkflow {
  /** this process's name on the steps it holds (a crashed process's leases simply run out) */
  readonly owner: string;
  private readonly webhook: WebhookAdapter;
  private readonly simulated: SimulatedFunderAdapter | null;
  /** drives running in this process, by application: never two of one application here */
  private readonly running = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> | undefined;
  private stopping = false;

  constructor(
    private readonly deps: DispatchDeps,
    private readonly options: DispatchOptions,
  ) {
    this.owner = deps.ids.next('dwk');
    this.webhook = new WebhookAdapter(deps.clock, options.webhook);
    this.simulated = options.simulatedFunder ? new SimulatedFunderAdapter(options.simulatedFunder) : null;
    const { timeoutMs, maxAttempts, backoffBaseMs } = options.webhook;
    const longestSendMs =
      Math.max(timeoutMs * maxAttempts + backoffBaseMs * (2 ** Math.max(0, maxAttempts - 1) - 1), 0) +
      (options.simulatedFunder?.latencyMs ?? 0);
    assert(options.leaseMs > longestSendMs, 'the dispatch lease outlasts the longest send');
  }

  // ---- the borrower's choice ----

  /** Record the borrower's choice (consent required for each funder tried), plan, and record the first step. */
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
    const now = this.deps.clock.now();
    await store.updateDecision(tx, application.id, { phase: 'dispatching', mode, plan, updatedAt: now });
    // The first step is recorded with the choice, held by this process: the request drives it at
    // once; if the process dies first, a sweeper takes it up when the lease runs out.
    await this.schedule(tx, application.id, 'prepare', this.owner);
    return { plan, mode };
  }

  // ---- driving the steps ----

  /**
   * Run the application's steps held by this process until a funder approves, the plan runs out,
   * or an answer is awaited. Joins a drive of the same application already running here.
   */
  drive(applicationId: string): Promise<void> {
    const running = this.running.get(applicationId);
    if (running) return running;
    const started = this.run(applicationId).finally(() => this.running.delete(applicationId));
    this.running.set(applicationId, started);
    return started;
  }

  /** Continue after a callback recorded its answer (POST /v1/funder/decisions); tests wait with idle(). */
  resume(applicationId: string): void {
    this.track(
      (async () => {
        await this.boundary('recorded', applicationId);
        await this.drive(applicationId);
      })(),
    );
  }

  /**
   * Drive for at most choiceWaitMs, then let it finish in the background: a waterfall over slow
   * funders (timeouts × retries × funders) must not hold the borrower's request for minutes.
   * Returns false when the drive is still running.
   */
  async driveWithin(applicationId: string): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const running = (async () => {
      await this.boundary('chosen', applicationId);
      await this.drive(applicationId);
    })();
    this.track(running);
    // A failure within the wait reaches the caller (a 500 that changed nothing past the last step).
    const finished = await Promise.race([
      running.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), this.options.choiceWaitMs);
      }),
    ]);
    clearTimeout(timer);
    return finished;
  }

  private async run(applicationId: string): Promise<void> {
    const { db } = this.deps.database;
    for (let step = 0; step < MAX_DRIVE_STEPS; step++) {
      if (this.stopping) return;
      const sends = await db.transaction((tx) => this.takeStep(tx, applicationId));
      if (sends === null) return;
      if (sends.length === 0) continue; // a step that called nobody (all skipped, deadlines passed)
      await this.boundary('prepared', applicationId);
      const outcomes = await Promise.all(sends.map((p) => p.adapter.send(p.target, p.message)));
      await this.boundary('answered', applicationId);
      const more = await db.transaction((tx) => this.recordSends(tx, applicationId, sends, outcomes));
      await this.boundary('recorded', applicationId);
      if (!more) return;
    }
  }

  private async boundary(boundary: DispatchBoundary, applicationId: string): Promise<void> {
    if (this.options.onBoundary) await this.options.onBoundary(boundary, applicationId);
  }

  private track(running: Promise<void>): void {
    const settled = running.catch(() => {}); // a failed step stays recorded: the sweeper takes it up again
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.sweeping) {
      await Promise.all([...this.inFlight, this.sweeping]);
    }
  }

  /** Record `step` as the application's next, held by `owner` for a lease (null: due at `dueAt` for anyone). */
  private async schedule(
    tx: Executor,
    applicationId: string,
    step: DispatchStep,
    owner: string | null,
    dueAt?: Date,
  ): Promise<void> {
    const now = this.deps.clock.now();
    await store.scheduleStep(tx, {
      applicationId,
      step,
      owner,
      dueAt: dueAt ?? new Date(now.getTime() + (owner ? this.options.leaseMs : 0)),
      updatedAt: now,
    });
  }

  /**
   * Take the application's next step if this process holds it: resend what is pending, time out
   * what waited too long, or prepare the next funder(s). Returns the sends to make, [] when the
   * step called nobody and another follows, null when there is nothing more to do here.
   */
  private async takeStep(tx: Executor, applicationId: string): Promise<Prepared[] | null> {
    const step = await store.lockStep(tx, applicationId);
    if (!step || step.owner !== this.owner) return null;
    const row = await store.getDecision(tx, applicationId, true);
    if (row?.phase !== 'dispatching') {
      await store.deleteStep(tx, applicationId);
      return null;
    }
    const application = await this.deps.intake.get(tx, applicationId);
    assert(application, 'a routed application exists');
    const dispatches = await store.dispatchesOf(tx, applicationId);
    const pending = dispatches.filter((d) => d.status === 'pending');
    if (pending.length > 0) {
      // Sent before, answer never recorded: send again, the same bytes under the same key.
      const resend: Prepared[] = [];
      for (const dispatch of pending) {
        const prepared =
          step.step === 'send' && step.attempts > MAX_RESUMED_SENDS
            ? null
            : await this.reprepare(tx, applicationId, dispatch);
        if (prepared) {
          resend.push(prepared);
          continue;
        }
        await this.recordAnswer(
          tx,
          applicationId,
          dispatch.funderId,
          dispatch.id,
          {
            kind: 'error',
            message: dispatch.messageSealed
              ? `no answer recorded after ${MAX_RESUMED_SENDS} interrupted sends`
              : 'sent before dispatch steps were kept: the message cannot be repeated',
          },
          dispatch.attempts,
          null,
        );
      }
      if (resend.length > 0) {
        await this.schedule(tx, applicationId, 'send', this.owner);
        return resend;
      }
      return (await this.settleAndSchedule(tx, applicationId, this.owner)) ? [] : null;
    }
    if (dispatches.some((d) => d.status === 'awaiting_callback')) {
      await this.timeOutCallbacks(tx, applicationId, dispatches);
      return (await this.settleAndSchedule(tx, applicationId, this.owner)) ? [] : null;
    }
    const plan = row.plan ?? [];
    if (plan.length === 0) {
      await this.finishDeclined(tx, application, row);
      await store.deleteStep(tx, applicationId);
      return null;
    }
    const prepared = await this.prepare(tx, application, row);
    await this.schedule(tx, applicationId, prepared.length > 0 ? 'send' : 'prepare', this.owner);
    return prepared;
  }

  private adapterFor(webhookUrl: string | null): FunderAdapter | null {
    if (webhookUrl) return this.webhook;
    return this.simulated;
  }

  private async addUsage(...args: Parameters<typeof store.addUsage>): Promise<void> {
    await store.addUsage(...args);
    this.deps.routing.usageChanged();
  }

  private async target(
    tx: Executor,
    funderId: string,
    applicationId: string,
    score: number,
  ): Promise<{ adapter: FunderAdapter | null; target: Prepared['target'] }> {
    const funder = await this.deps.catalog.getFunder(tx, funderId);
    const webhookUrl = funder?.webhookUrl ?? null;
    return {
      adapter: this.adapterFor(webhookUrl),
      target: {
        funderId,
        webhookUrl,
        secret: webhookUrl ? await this.deps.catalog.webhookSecret(tx, funderId) : null,
        idempotencyKey: this.deps.sharing.pseudonyms.applicationRef(funderId, applicationId),
        score,
      },
    };
  }

  /** A pending dispatch's send again, from its sealed message; null when it cannot be repeated. */
  private async reprepare(
    tx: Executor,
    applicationId: string,
    dispatch: store.DispatchRow,
  ): Promise<Prepared | null> {
    if (!dispatch.messageSealed) return null;
    const row = await store.getDecision(tx, applicationId);
    assert(row, 'a dispatched application has a routing decision');
    const message = JSON.parse(
      this.deps.vault.decrypt(dispatch.messageSealed, sealedFor(dispatch.id)),
    ) as DispatchMessage;
    const { adapter, target } = await this.target(tx, dispatch.funderId, applicationId, row.score);
    if (!adapter) return null;
    return { dispatchId: dispatch.id, funderId: dispatch.funderId, adapter, target, message };
  }

  /** Step prepare: take the next funder(s) of the plan, share, record, mark sent. */
  private async prepare(tx: Executor, application: Application, row: store.DecisionRow): Promise<Prepared[]> {
    const applicationId = application.id;
    const plan = row.plan ?? [];
    const take = row.mode === 'parallel' ? plan : plan.slice(0, 1);
    const offers = offersOf(row);
    const now = this.deps.clock.now();
    const month = monthOf(now);
    const prepared: Prepared[] = [];
    for (const productId of take) {
      const offer = offers.find((o) => o.productId === productId);
      assert(offer, 'planned products come from the offers');
      const skip = await this.recheck(tx, application, offer, row, month);
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
      const { adapter, target } = await this.target(tx, offer.funderId, applicationId, row.score);
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
      const message: DispatchMessage = {
        type: 'application.dispatched',
        applicationRef: target.idempotencyKey,
        productId,
        offer: { rateAnnual: offer.rateAnnual, method: offer.method, aprNominal: offer.apr.nominal },
        payload: shared.payload,
      };
      // Kept sealed so a resumed send repeats exactly what the receipt hashed.
      await store.updateDispatch(tx, dispatchId, {
        messageSealed: this.deps.vault.encrypt(JSON.stringify(message), sealedFor(dispatchId)),
      });
      prepared.push({ dispatchId, funderId: offer.funderId, adapter, target, message });
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
    row: Pick<store.DecisionRow, 'band' | 'decidedAt'>,
    month: string,
  ): Promise<string | null> {
    const band = row.band;
    const funder = await this.deps.catalog.getFunder(tx, offer.funderId);
    if (funder?.status !== 'active') return 'funder_suspended';
    if (!(await this.deps.identity.findLiveConsent(tx, application.customerId, offer.funderId)))
      return 'consent_missing';
    const usage = await store.usageOf(tx, offer.funderId, month);
    const trust = await this.deps.routing.trust(tx);
    const state: FunderState = {
      monthlyUsedFen: usage?.bookedFen ?? 0,
      exposureUsedByBand: usage?.exposure ?? {},
      flowByBand: this.deps.routing.flowOf(usage, month, offer.funderId),
      trust: trust.get(offer.funderId) ?? 1,
    };
    // The application is in this month's flow if it was decided this month; one decided last month
    // is in last month's, so it counts here as one more (ADR 0073).
    const uncounted = monthOf(row.decidedAt) === month ? 0 : 1;
    if (!exposureLeft(this.deps.routing.config().rotation, offer.funderId, band, state, uncounted))
      return 'exposure_budget_exhausted';
    if (funder.monthlyQuotaFen !== null && state.monthlyUsedFen + offer.amountFen > funder.monthlyQuotaFen)
      return 'funder_capacity_exhausted';
    return null;
  }

  /** Step send, its second half: record the answers, move the application, record the next step. */
  private async recordSends(
    tx: Executor,
    applicationId: string,
    prepared: Prepared[],
    outcomes: DispatchOutcome[],
  ): Promise<boolean> {
    const step = await store.lockStep(tx, applicationId);
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
    // The answers are the funders' and land once whoever records them; the next step is this
    // process's to record only while it still holds the step (else a sweeper took it over).
    if (step?.owner !== this.owner) {
      await this.settle(tx, applicationId);
      return false;
    }
    return this.settleAndSchedule(tx, applicationId, this.owner);
  }

  /** Record a funder's answer on a dispatch still waiting for one (also callbacks.ts). */
  async recordAnswer(
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
    // A funder may call back while its synchronous answer is still on the way, and a resumed send
    // may race the one it replaces: whichever is recorded first stands, so the answer only lands on
    // a dispatch still waiting for one, and the decision entry is written once.
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
      answer.kind === 'pending' ? ['pending'] : ['pending', 'awaiting_callback'],
    );
    if (!landed || answer.kind === 'pending') return;
    await this.addUsage(tx, funderId, monthOf(now), {
      decided: 1,
      approved: answer.kind === 'approved' ? 1 : 0,
    });
    const application = await this.deps.intake.get(tx, applicationId);
    const unit = this.deps.units.join(tx);
    unit.publish({
      topic: 'funder.decided',
      aggregateId: applicationId,
      payload: { applicationId, funderId, decision: answer.kind },
      at: now,
      customerId: application?.customerId ?? null,
    } satisfies FunderDecided);
    await unit.flush();
  }

  /**
   * Settle, then record what follows: the next prepare (held by `owner`, or due at once for any
   * process), an await due at its first deadline, or nothing (the dispatch is over). Returns true
   * when `owner` should take the next step now.
   */
  async settleAndSchedule(tx: Executor, applicationId: string, owner: string | null): Promise<boolean> {
    const more = await this.settle(tx, applicationId);
    const row = await store.getDecision(tx, applicationId);
    if (row?.phase !== 'dispatching') {
      await store.deleteStep(tx, applicationId);
      return false;
    }
    if (more) {
      await this.schedule(tx, applicationId, 'prepare', owner);
      return owner !== null;
    }
    const deadline = this.awaitDeadline(row, await store.dispatchesOf(tx, applicationId));
    await this.schedule(tx, applicationId, 'await', null, deadline);
    return false;
  }

  /** When an awaiting dispatch next needs the sweeper: the first callback deadline, or the parallel window's end. */
  private awaitDeadline(row: store.DecisionRow, dispatches: store.DispatchRow[]): Date {
    const undecided = dispatches.filter((d) => d.status === 'pending' || d.status === 'awaiting_callback');
    const first = Math.min(...undecided.map((d) => d.createdAt.getTime()));
    assert(Number.isFinite(first), 'an awaiting dispatch has something undecided');
    const windowEnds =
      row.mode === 'parallel' && dispatches.some((d) => d.status === 'approved')
        ? first + this.options.parallelWindowMs
        : Number.POSITIVE_INFINITY;
    return new Date(Math.min(first + this.options.callbackTtlMs, windowEnds));
  }

  /** Callbacks promised and never sent within callbackTtlMs count as timeouts. Returns how many. */
  private async timeOutCallbacks(
    tx: Executor,
    applicationId: string,
    dispatches: store.DispatchRow[],
  ): Promise<number> {
    const before = this.deps.clock.now().getTime() - this.options.callbackTtlMs;
    let timedOut = 0;
    for (const d of dispatches) {
      if (d.status !== 'awaiting_callback' || d.createdAt.getTime() >= before) continue;
      await this.recordAnswer(tx, applicationId, d.funderId, d.id, { kind: 'timeout' }, d.attempts, null);
      timedOut++;
    }
    return timedOut;
  }

  /** Move the application from the dispatches' states. Returns true when another step should run. */
  async settle(tx: Executor, applicationId: string): Promise<boolean> {
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
      waiting &&
      undecided.every((d) => now.getTime() - d.createdAt.getTime() >= this.options.parallelWindowMs);
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
    return rows.map(({ decision, messageSealed: _m, ...d }) => {
      const { callbackSignature: _s, ...answer } = (decision ?? {}) as Record<string, unknown>;
      return { ...d, answer: decision ? answer : null };
    });
  }

  // ---- the sweeper ----

  /**
   * Take up every step that is due (at most DISPATCH_SWEEP_BATCH): those of a crashed process once
   * its lease ran out, awaits whose deadline came, steps a failure left behind. Returns how many
   * were taken up; the drives have finished when it returns.
   */
  async sweep(): Promise<{ resumed: number }> {
    if (this.stopping) return { resumed: 0 };
    const now = this.deps.clock.now();
    const claimed = await store.claimDueSteps(this.deps.database.db, {
      now,
      owner: this.owner,
      leaseUntil: new Date(now.getTime() + this.options.leaseMs),
      limit: DISPATCH_SWEEP_BATCH,
    });
    const drives = claimed.map((c) => {
      const running = this.drive(c.applicationId);
      this.track(running);
      return running.catch(() => {});
    });
    await Promise.all(drives);
    return { resumed: claimed.length };
  }

  /** Sweep now (a restarted server resumes at once), then every intervalMs; a tick never overlaps the last. */
  startSweeper(intervalMs: number, onError: (error: unknown) => void = () => {}): void {
    this.stopping = false;
    const tick = () => {
      if (this.sweeping || this.stopping) return;
      this.sweeping = this.sweep()
        .catch(onError)
        .finally(() => {
          this.sweeping = undefined;
        });
    };
    // The first sweep waits for the next turn of the event loop after the caller's start-up
    // statements are queued (on PGlite's one connection a sweep raced the demo's seeding).
    setImmediate(tick);
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  /** Stop the sweeper and wait for running drives; a drive stops before its next step. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.idle();
  }
}

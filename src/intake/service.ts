// Application intake: validate, upsert the customer, store the application and its first events.
// A submission is two statements: a read of what is known, then one statement that writes it all,
// atomically (ADR 0034); concurrent submissions share those statements.
import { type Executor, type Runner, runnerOf } from '../db/client.ts';
import {
  type IdempotencyRecord,
  isClaimConflict,
  lookupRecord,
  recordIntent,
  replay,
  type StoredResponse,
} from '../db/idempotency.ts';
import { type LookupRef, Lookups } from '../db/lookups.ts';
import { type GroupOptions, runPart, StatementGroups } from '../db/statement-groups.ts';
import {
  groupedAnswer,
  groupedPart,
  jsonWith,
  type Ref,
  runAfterCommit,
  type UnitOfWork,
  type Units,
} from '../db/unit-of-work.ts';
import type { Principal } from '../access/model.ts';
import { canSeeApplication } from '../access/visibility.ts';
import type { IdentityService } from '../identity/service.ts';
import { type Clock, type IdGenerator, type Vault, assert } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import {
  type Application,
  type ApplicationEvent,
  type ApplicationInput,
  type ApplicationMoved,
  type ApplicationSubmitted,
  DEFAULT_MAX_REQUEST_FEN,
  type FunderApplicationView,
} from './model.ts';
import * as store from './store.ts';
import { type ApplicationStatus, canTransition } from './status.ts';

export const EVENTS_LIMIT = 200;

/**
 * Decides the first status of an application at submission (routing), before it is stored, so the
 * application is inserted in that status with both events in the same unit.
 */
export interface SubmitRouter {
  /** A value read with the customer lookup, before routing (routing: the customer's last funder). */
  lookup?: (lookups: Lookups, customerId: LookupRef<string | null>) => LookupRef<unknown>;
  /** `draft` is the application as it will be stored; `looked` is what `lookup` read. */
  route: (
    draft: Application,
    looked: unknown,
  ) => Promise<{
    to: ApplicationStatus;
    score: number;
    reason: string;
    /** the router's own rows, as intents of the submission's unit (the customer's id as written) */
    alongside?: (unit: UnitOfWork, customer: { id: Ref<string> }) => void;
  }>;
}

/** A submission that keeps its own idempotency record, written in the same statement. */
export interface SubmitIdempotency {
  scope: string;
  key: string;
  hash: string;
  /**
   * The answer to keep and send, from the application as stored. Its top-level `customerId` and
   * `customerCreated` are what the statement itself found (they differ from the prediction only
   * when the same person's first application ran concurrently).
   */
  respond: (application: Application, customerCreated: boolean) => Record<string, unknown>;
}

function toApplication(row: store.ApplicationRow): Application {
  return {
    id: row.id,
    status: row.status as ApplicationStatus,
    customerId: row.customerId,
    amountFen: row.amountFen,
    termMonths: row.termMonths,
    purpose: row.purpose,
    channel: row.channel,
    monthlyIncomeFen: row.monthlyIncomeFen,
    score: row.score,
    funderId: row.funderId,
    productId: row.productId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The answer kept for an Idempotency-Key, if any (read alone, after a lost claim). */
async function storedAnswer(
  run: Runner,
  key: { scope: string; key: string },
): Promise<IdempotencyRecord | null> {
  const lookups = new Lookups();
  const record = lookupRecord(lookups, key.scope, key.key);
  const row = await runPart<{ batch_index: number }>(run, lookups.part());
  return lookups.read(row as Record<string, unknown>)(record);
}

/** A grouped statement's answer row (statement-groups.ts). */
type Row = { batch_index: number } & Record<string, unknown>;

/** The application's columns the submit statement answers with. */
const APPLICATION_COLUMNS = [
  'id',
  'status',
  'customerId',
  'amountFen',
  'termMonths',
  'purpose',
  'channel',
  'monthlyIncomeFen',
  'score',
  'funderId',
  'productId',
  'createdAt',
  'updatedAt',
] as const;

type Submitted =
  | { replayed: false; application: Application; customerCreated: boolean; body?: Record<string, unknown> }
  | { replayed: true; response: StoredResponse };

export class IntakeService {
  /** grouped statements per runner (the database's): lookups and writes of concurrent submissions */
  private readonly groups = new WeakMap<
    Runner,
    { lookups: StatementGroups<Row>; writes: StatementGroups<Row> }
  >();

  constructor(
    private readonly deps: {
      clock: Clock;
      ids: IdGenerator;
      vault: Vault;
      identity: IdentityService;
      /** opens the submission's unit of work (its events reach the bus's subscribers) */
      units: Units;
      maxRequestFen?: number;
      /** how concurrent submissions share statements (src/db/statement-groups.ts) */
      grouping?: GroupOptions;
    },
  ) {}

  /** Submit on an executor (inside a transaction: in it). */
  async submit(
    tx: Executor,
    input: ApplicationInput,
    route?: SubmitRouter,
  ): Promise<{ application: Application; customerCreated: boolean }> {
    const result = await this.submitWith(runnerOf(tx), input, route);
    assert(!result.replayed, 'no idempotency record, no replay');
    return result;
  }

  /**
   * Submit with an Idempotency-Key as two statements and no transaction (the API's hot path): a
   * read (the known customer, the router's lookup, an earlier answer to the key), then one
   * statement that writes everything — customer, application, events, outbox, the router's row,
   * the origination entry and the idempotency record — atomically, since it is one statement.
   * A repeat replays the first answer; a concurrent one loses the key's unique index and replays.
   */
  async submitIdempotent(
    run: Runner,
    input: ApplicationInput,
    route: SubmitRouter | undefined,
    idempotency: SubmitIdempotency,
  ): Promise<StoredResponse> {
    let result: Submitted;
    try {
      result = await this.submitWith(run, input, route, idempotency);
    } catch (error) {
      if (!isClaimConflict(error)) throw error;
      const record = await storedAnswer(run, idempotency);
      if (!record)
        throw new DomainError('conflict', 'a concurrent request with this Idempotency-Key failed; retry');
      return replay(record, idempotency.hash);
    }
    if (result.replayed) return result.response;
    assert(result.body, 'an idempotent submission has its answer');
    return { status: 201, body: result.body, replayed: false };
  }

  private validate(input: ApplicationInput, now: Date) {
    const applicant = this.deps.identity.validateApplicant(input.applicant, now);
    const maxFen = this.deps.maxRequestFen ?? DEFAULT_MAX_REQUEST_FEN;
    if (input.request.amountFen > maxFen) {
      throw new DomainError(
        'amount_above_platform_limit',
        `amount above the platform limit of ${maxFen} fen`,
        'request.amountFen',
      );
    }
    return applicant;
  }

  private async submitWith(
    run: Runner,
    input: ApplicationInput,
    route?: SubmitRouter,
    idempotency?: SubmitIdempotency,
  ): Promise<Submitted> {
    const now = this.deps.clock.now();
    const identity = this.deps.identity;
    let applicant: ReturnType<IdentityService['validateApplicant']>;
    try {
      applicant = this.validate(input, now);
    } catch (error) {
      // A repeat of a request that was answered keeps its first answer, even if the same body would
      // now be refused (the applicant has had a birthday, the platform limit moved).
      if (!(idempotency && error instanceof DomainError)) throw error;
      const record = await storedAnswer(run, idempotency);
      if (!record) throw error;
      return { replayed: true, response: replay(record, idempotency.hash) };
    }
    // Statement 1: what is known already.
    const customerKey = identity.customerKey(applicant.idNumber.normalised);
    const lookups = new Lookups();
    const knownCustomer = identity.lookupCustomer(lookups, customerKey);
    const lookedRef = route?.lookup ? route.lookup(lookups, knownCustomer) : undefined;
    const recordRef = idempotency ? lookupRecord(lookups, idempotency.scope, idempotency.key) : undefined;
    const read = lookups.read(
      await (idempotency
        ? this.groupsFor(run).lookups.run(lookups.part())
        : runPart<Row>(run, lookups.part())),
    );
    const record = recordRef ? read(recordRef) : null;
    if (idempotency && record) return { replayed: true, response: replay(record, idempotency.hash) };

    const known = read(knownCustomer);
    const predictedCreated = known === null;
    const customerId = known ?? this.deps.ids.next('cus');
    const id = this.deps.ids.next('app');
    const draft: Application = {
      id,
      status: 'submitted',
      customerId,
      amountFen: input.request.amountFen,
      termMonths: input.request.termMonths,
      purpose: input.request.purpose,
      channel: input.channel,
      monthlyIncomeFen: applicant.monthlyIncomeFen,
      score: input.score ?? null,
      funderId: null,
      productId: null,
      createdAt: now,
      updatedAt: now,
    };
    const routed = route ? await route.route(draft, lookedRef ? read(lookedRef) : null) : null;
    if (routed)
      assert(canTransition('submitted', routed.to), `routing may not move a submission to ${routed.to}`);
    const status: ApplicationStatus = routed?.to ?? 'submitted';
    const score = routed ? routed.score : draft.score;
    let body: Record<string, unknown> | undefined;
    if (idempotency) {
      body = idempotency.respond({ ...draft, status, score }, predictedCreated);
      assert('customerId' in body && 'customerCreated' in body, 'the answer names the customer');
    }

    // Statement 2, everything at once (atomic as one statement): the customer, the application, its
    // history and events, what the subscribers add (the ledger's origination entry, written only if
    // this unit created the customer), the router's rows and the idempotency record.
    const unit = this.deps.units.begin();
    const customer = identity.addCustomer(unit, applicant, customerId, now, customerKey);
    const customerRef = { id: customer.col('id'), created: customer.created };
    const application = store.insertApplication(unit, {
      id,
      customerId: customerRef.id,
      status,
      amountFen: draft.amountFen,
      termMonths: draft.termMonths,
      purpose: draft.purpose,
      channel: draft.channel,
      employerEnc: applicant.employer
        ? this.deps.vault.encrypt(applicant.employer, `application:${id}:employer`)
        : null,
      monthlyIncomeFen: draft.monthlyIncomeFen,
      score,
      createdAt: now,
      updatedAt: now,
    });
    // The history keeps every status with its time: 'submitted', then the routed status (same time).
    store.insertEvent(unit, {
      applicationId: id,
      fromStatus: null,
      toStatus: 'submitted',
      reason: null,
      at: now,
    });
    unit.publish({
      topic: 'application.submitted',
      aggregateId: id,
      payload: jsonWith(
        { applicationId: id },
        { customerId: customerRef.id, customerCreated: customerRef.created },
      ),
      at: now,
      application: { id, channel: input.channel },
      customer: { drawnId: customerId, created: customerRef.created },
    } satisfies ApplicationSubmitted);
    if (routed) {
      store.insertEvent(unit, {
        applicationId: id,
        fromStatus: 'submitted',
        toStatus: status,
        reason: routed.reason,
        at: now,
      });
      unit.publish({
        topic: `application.${status as Exclude<ApplicationStatus, 'submitted'>}`,
        aggregateId: id,
        payload: { applicationId: id, from: 'submitted', to: status },
        at: now,
      } satisfies ApplicationMoved);
      routed.alongside?.(unit, customerRef);
    }
    if (idempotency && body)
      recordIntent(unit, {
        scope: idempotency.scope,
        key: idempotency.key,
        hash: idempotency.hash,
        status: 201,
        body: jsonWith(body, { customerId: customerRef.id, customerCreated: customerRef.created }),
        at: now,
      });
    const answer = [...APPLICATION_COLUMNS.map((column) => application.col(column)), customerRef.created];
    const part = groupedPart(unit, answer);
    const row = await (idempotency ? this.groupsFor(run).writes.run(part) : runPart<Row>(run, part));
    const written = groupedAnswer(unit, answer, row);
    const stored = toApplication(written.row(application) as store.ApplicationRow);
    assert(stored.id === id, 'the submit statement returns the application');
    const customerCreated = written.value(customerRef.created);
    // The grouped statement committed on its own; inside a caller's transaction (submit), hooks
    // would run before that commits, so none may be added there (none are today).
    if (idempotency) await runAfterCommit(unit);
    else assert(unit.hooks.length === 0, 'a submission inside a transaction has no after-commit hooks');
    if (idempotency && (customerCreated !== predictedCreated || stored.customerId !== customerId))
      body = idempotency.respond(stored, customerCreated);
    return { replayed: false, application: stored, customerCreated, ...(body ? { body } : {}) };
  }

  /** How grouped the submissions on `run` were: statements run and submissions in them, per kind. */
  groupingStats(run: Runner) {
    const groups = this.groups.get(run);
    return groups ? { lookups: { ...groups.lookups.stats }, writes: { ...groups.writes.stats } } : null;
  }

  /**
   * Grouped statements on the database's runner (the API's path); a submission inside a
   * transaction runs its statements alone, in the transaction.
   */
  private groupsFor(run: Runner) {
    let groups = this.groups.get(run);
    if (!groups) {
      groups = {
        lookups: new StatementGroups<Row>(run, this.deps.grouping),
        writes: new StatementGroups<Row>(run, this.deps.grouping),
      };
      this.groups.set(run, groups);
    }
    return groups;
  }

  async get(tx: Executor, id: string): Promise<Application | undefined> {
    const row = await store.getApplication(tx, id);
    return row ? toApplication(row) : undefined;
  }

  /**
   * The application if this principal may see it (access/visibility.ts); otherwise the answer for a
   * missing one, so a funder cannot tell another funder's application from no application. Inside a
   * transaction pass its `tx`: PGlite serves one connection, and a read on the database handle while
   * a transaction is open waits for that transaction forever.
   */
  async getVisible(tx: Executor, principal: Principal, id: string): Promise<Application> {
    const application = await this.get(tx, id);
    if (!application || !canSeeApplication(principal, application))
      throw new DomainError('application_not_found', `no application ${id}`, 'id');
    return application;
  }

  /** What this principal reads of an application: a funder key the reduced view, staff all of it. */
  async view(tx: Executor, principal: Principal, id: string): Promise<Application | FunderApplicationView> {
    const application = await this.getVisible(tx, principal, id);
    if (principal.role !== 'funder') return application;
    const { status, amountFen, termMonths, funderId, productId, createdAt, updatedAt } = application;
    return { id: application.id, status, amountFen, termMonths, funderId, productId, createdAt, updatedAt };
  }

  /** The employer as the borrower gave it (for the scorecard and the personnel check). Never logged. */
  async employer(tx: Executor, id: string): Promise<string | null> {
    const enc = await store.getEmployerEnc(tx, id);
    return enc ? this.deps.vault.decrypt(enc, `application:${id}:employer`) : null;
  }

  async events(tx: Executor, id: string): Promise<ApplicationEvent[]> {
    const rows = await store.listEvents(tx, id, EVENTS_LIMIT);
    return rows.map((r) => ({
      fromStatus: r.fromStatus as ApplicationStatus | null,
      toStatus: r.toStatus as ApplicationStatus,
      reason: r.reason,
      at: r.at,
    }));
  }

  /**
   * Move an application to a new status if the machine allows it from its current status. The
   * UPDATE is conditional on the status read, so two concurrent moves cannot both win.
   */
  async transition(
    tx: Executor,
    id: string,
    to: ApplicationStatus,
    change: { reason?: string; funderId?: string | null; productId?: string | null; score?: number } = {},
  ): Promise<Application> {
    const current = await this.get(tx, id);
    if (!current) throw new DomainError('application_not_found', `no application ${id}`, 'id');
    if (!canTransition(current.status, to)) {
      throw new DomainError('invalid_transition', `cannot go from ${current.status} to ${to}`, 'status', {
        from: current.status,
        to,
      });
    }
    const now = this.deps.clock.now();
    const row = await store.moveApplication(tx, id, current.status, {
      status: to,
      updatedAt: now,
      ...(change.funderId === undefined ? {} : { funderId: change.funderId }),
      ...(change.productId === undefined ? {} : { productId: change.productId }),
      ...(change.score === undefined ? {} : { score: change.score }),
    });
    if (!row) throw new DomainError('conflict', 'the application changed concurrently; retry');
    // The history row and the event go through a unit joined to the caller's transaction.
    const unit = this.deps.units.join(tx);
    store.insertEvent(unit, {
      applicationId: id,
      fromStatus: current.status,
      toStatus: to,
      reason: change.reason ?? null,
      at: now,
    });
    unit.publish({
      topic: `application.${to as Exclude<ApplicationStatus, 'submitted'>}`,
      aggregateId: id,
      payload: { applicationId: id, from: current.status, to },
      at: now,
    } satisfies ApplicationMoved);
    await unit.flush();
    return toApplication(row);
  }
}

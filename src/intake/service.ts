// Over 500 lines because intake's submission (the grouped hot path, ADR 0034) and the reads the
// borrower portal, the plan and settlement added sit with the store they share; the loan reads are
// the part to move out next.
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
import { Lookups } from '../db/lookups.ts';
import { type GroupOptions, runPart, StatementGroups } from '../db/statement-groups.ts';
import {
  groupedAnswer,
  groupedPart,
  jsonWith,
  type Ref,
  type RowHandle,
  runAfterCommit,
  type UnitOfWork,
  type Units,
} from '../db/unit-of-work.ts';
import type { Principal } from '../access/model.ts';
import { borrowerCustomer, canSeeApplication, canSeeLoan, isStaff } from '../access/visibility.ts';
import type { IdentityService, ValidatedApplicant } from '../identity/service.ts';
import { type Clock, type IdGenerator, type Vault, assert } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import {
  type Application,
  type ApplicationEvent,
  type ApplicationInput,
  type ApplicationMoved,
  type ApplicationSubmitted,
  type SubmitIdempotency,
  type SubmitRouter,
  DEFAULT_MAX_REQUEST_FEN,
  draftApplication,
  type FunderApplicationView,
} from './model.ts';
import type { applications } from './schema.ts';
import * as store from './store.ts';
import { type ApplicationStatus, canTransition } from './status.ts';

export const EVENTS_LIMIT = 200;

export type { SubmitIdempotency, SubmitRouter } from './model.ts';

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

type LoanRead = { lock?: boolean; field?: string };

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
    const validated = await this.validateOrReplay(run, input, now, idempotency);
    if ('replayed' in validated) return validated;
    const applicant = validated.applicant;
    // Statement 1: what is known already.
    const customerKey = identity.customerKey(applicant.idNumber.normalised);
    const known = await this.readKnown(run, customerKey, route, idempotency);
    if (idempotency && known.record)
      return { replayed: true, response: replay(known.record, idempotency.hash) };

    const predictedCreated = known.customerId === null;
    const customerId = known.customerId ?? this.deps.ids.next('cus');
    const draft = draftApplication(
      this.deps.ids.next('app'),
      customerId,
      input,
      applicant.monthlyIncomeFen,
      now,
    );
    const routed = route ? await route.route(draft, known.looked) : null;
    if (routed)
      assert(canTransition('submitted', routed.to), `routing may not move a submission to ${routed.to}`);
    const status: ApplicationStatus = routed?.to ?? 'submitted';
    const score = routed ? routed.score : draft.score;
    let body: Record<string, unknown> | undefined;
    if (idempotency) {
      body = idempotency.respond({ ...draft, status, score }, predictedCreated);
      assert('customerId' in body && 'customerCreated' in body, 'the answer names the customer');
    }

    const unit = this.deps.units.begin(); // statement 2: everything at once, atomic as one statement
    const { application, customer } = this.addSubmission(unit, {
      draft: { ...draft, status, score },
      applicant,
      customerKey,
      routed,
    });
    if (idempotency && body)
      recordIntent(unit, {
        scope: idempotency.scope,
        key: idempotency.key,
        hash: idempotency.hash,
        status: 201,
        body: jsonWith(body, { customerId: customer.id, customerCreated: customer.created }),
        at: now,
      });
    const { stored, customerCreated } = await this.write(
      run,
      unit,
      application,
      customer.created,
      !!idempotency,
    );
    assert(stored.id === draft.id, 'the submit statement returns the application');
    if (idempotency && (customerCreated !== predictedCreated || stored.customerId !== customerId))
      body = idempotency.respond(stored, customerCreated);
    return { replayed: false, application: stored, customerCreated, ...(body ? { body } : {}) };
  }

  /**
   * Statement 2: the unit as one statement (grouped with concurrent submissions on the API's path),
   * answering the application as stored and whether this statement created the customer.
   */
  private async write(
    run: Runner,
    unit: UnitOfWork,
    application: RowHandle<typeof applications>,
    created: Ref<boolean>,
    grouped: boolean,
  ): Promise<{ stored: Application; customerCreated: boolean }> {
    const answer = [...APPLICATION_COLUMNS.map((column) => application.col(column)), created];
    const part = groupedPart(unit, answer);
    const row = await (grouped ? this.groupsFor(run).writes.run(part) : runPart<Row>(run, part));
    const written = groupedAnswer(unit, answer, row);
    // The grouped statement committed on its own; inside a caller's transaction (submit), hooks
    // would run before that commits, so none may be added there (none are today).
    if (grouped) await runAfterCommit(unit);
    else assert(unit.hooks.length === 0, 'a submission inside a transaction has no after-commit hooks');
    return {
      stored: store.toApplication(written.row(application) as store.ApplicationRow),
      customerCreated: written.value(created),
    };
  }

  /**
   * The applicant as validated; or, for a repeat of a request that was answered, its first answer,
   * even if the same body would now be refused (the applicant has had a birthday, the limit moved).
   */
  private async validateOrReplay(
    run: Runner,
    input: ApplicationInput,
    now: Date,
    idempotency: SubmitIdempotency | undefined,
  ): Promise<{ applicant: ValidatedApplicant } | { replayed: true; response: StoredResponse }> {
    try {
      return { applicant: this.validate(input, now) };
    } catch (error) {
      if (!(idempotency && error instanceof DomainError)) throw error;
      const record = await storedAnswer(run, idempotency);
      if (!record) throw error;
      return { replayed: true, response: replay(record, idempotency.hash) };
    }
  }

  /** Statement 1: the known customer, the router's lookup and an earlier answer to the key. */
  private async readKnown(
    run: Runner,
    customerKey: string,
    route: SubmitRouter | undefined,
    idempotency: SubmitIdempotency | undefined,
  ): Promise<{ customerId: string | null; looked: unknown; record: IdempotencyRecord | null }> {
    const lookups = new Lookups();
    const knownCustomer = this.deps.identity.lookupCustomer(lookups, customerKey);
    const lookedRef = route?.lookup ? route.lookup(lookups, knownCustomer) : undefined;
    const recordRef = idempotency ? lookupRecord(lookups, idempotency.scope, idempotency.key) : undefined;
    const read = lookups.read(
      await (idempotency
        ? this.groupsFor(run).lookups.run(lookups.part())
        : runPart<Row>(run, lookups.part())),
    );
    return {
      customerId: read(knownCustomer),
      looked: lookedRef ? read(lookedRef) : null,
      record: recordRef ? read(recordRef) : null,
    };
  }

  /**
   * The submission's intents: the customer, the application, its history and events, what the
   * subscribers add (the ledger's origination entry, written only if this unit created the
   * customer) and the router's rows.
   */
  private addSubmission(
    unit: UnitOfWork,
    submission: {
      draft: Application;
      applicant: ValidatedApplicant;
      customerKey: string;
      routed: Awaited<ReturnType<SubmitRouter['route']>> | null;
    },
  ) {
    const { draft, applicant, customerKey, routed } = submission;
    const { id, createdAt: now } = draft;
    const upserted = this.deps.identity.addCustomer(unit, applicant, draft.customerId, now, customerKey);
    const customer = { id: upserted.col('id'), created: upserted.created };
    const application = store.insertApplication(unit, {
      id,
      customerId: customer.id,
      status: draft.status,
      amountFen: draft.amountFen,
      termMonths: draft.termMonths,
      purpose: draft.purpose,
      channel: draft.channel,
      employerEnc: applicant.employer
        ? this.deps.vault.encrypt(applicant.employer, `application:${id}:employer`)
        : null,
      monthlyIncomeFen: draft.monthlyIncomeFen,
      score: draft.score,
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
        { customerId: customer.id, customerCreated: customer.created },
      ),
      at: now,
      application: { id, channel: draft.channel },
      customer: { drawnId: draft.customerId, created: customer.created },
    } satisfies ApplicationSubmitted);
    if (routed) {
      const to = draft.status as Exclude<ApplicationStatus, 'submitted'>;
      store.insertEvent(unit, {
        applicationId: id,
        fromStatus: 'submitted',
        toStatus: to,
        reason: routed.reason,
        at: now,
      });
      unit.publish({
        topic: `application.${to}`,
        aggregateId: id,
        payload: { applicationId: id, from: 'submitted', to },
        at: now,
      } satisfies ApplicationMoved);
      routed.alongside?.(unit, customer);
    }
    return { application, customer };
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

  /** A page of a funder's loans booked in [from, to) (settlement's service-fee lines), keyset-paged. */
  loansBookedBetween(
    tx: Executor,
    funderId: string,
    window: { from: Date; to: Date },
    after: { bookedAt: Date; id: string } | null,
    limit: number,
  ): ReturnType<typeof store.loansBookedBetween> {
    return store.loansBookedBetween(tx, funderId, window.from, window.to, after, limit);
  }

  async get(tx: Executor, id: string): Promise<Application | undefined> {
    const row = await store.getApplication(tx, id);
    return row ? store.toApplication(row) : undefined;
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

  /** One keyset page of the staff list, newest first (store.applicationsPage); other keys see no list. */
  async listPage(tx: Executor, principal: Principal, filter: store.ApplicationFilter, limit: number) {
    if (!isStaff(principal)) throw new DomainError('forbidden', 'only staff list applications');
    return store.applicationsPage(tx, filter, limit);
  }

  /** The loan if this principal may see it, else loan_not_found as for none; `lock`: FOR UPDATE. */
  async getVisibleLoan(tx: Executor, principal: Principal, loanId: string, options: LoanRead = {}) {
    const loan = await store.loanById(tx, loanId, options.lock ?? false);
    if (!loan || !canSeeLoan(principal, loan))
      throw new DomainError('loan_not_found', 'no such loan visible to this key', options.field ?? 'id');
    return loan;
  }

  /** A borrower principal's own loans, newest first, at most `limit` (other principals have none). */
  async ownLoans(tx: Executor, principal: Principal, limit: number): Promise<store.LoanRow[]> {
    const customerId = borrowerCustomer(principal);
    if (customerId === null) return [];
    const loans = await store.loansOfCustomer(tx, customerId, limit);
    assert(
      loans.every((loan) => canSeeLoan(principal, loan)),
      'a borrower lists their own loans only',
    );
    return loans;
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
    return store.toApplication(row);
  }
}

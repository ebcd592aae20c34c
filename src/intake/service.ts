// Application intake: validate, upsert the customer, store the application and its first events.
// A submission is two statements: a read of what is known, then one statement that writes it all,
// atomically (ADR 0034); concurrent submissions share those statements.
import { plainSql } from '../db/render.ts';
import { and, asc, eq, type SQL } from 'drizzle-orm';
import { type Executor, type Runner, runnerOf } from '../db/client.ts';
import { type GroupOptions, runPart, StatementGroups, type StatementPart } from '../db/statement-groups.ts';
import {
  type IdempotencyRecord,
  isClaimConflict,
  recordInsert,
  recordLookup,
  replay,
  type StoredResponse,
} from '../db/idempotency.ts';
import { emit } from '../db/outbox.ts';
import type { Principal } from '../access/model.ts';
import { canSeeApplication } from '../access/visibility.ts';
import type { IdentityService } from '../identity/service.ts';
import { type Clock, type IdGenerator, type Vault, assert } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import {
  type Application,
  type ApplicationEvent,
  type ApplicationInput,
  DEFAULT_MAX_REQUEST_FEN,
  type FunderApplicationView,
} from './model.ts';
import { applicationEvents, applications } from './schema.ts';

import { type ApplicationStatus, canTransition } from './status.ts';

export const EVENTS_LIMIT = 200;

/**
 * Inside a submit statement, the customer row as upserted (the CTE `customer<tag>`): its id, and
 * whether the statement created it. The application, the router's row and the origination entry
 * refer to it, so a concurrent first application of the same person cannot leave them pointing at
 * another id. Several submissions share a statement under different tags (SubmitWriter).
 */
export interface CustomerRef {
  id: SQL;
  created: SQL;
}

export function customerRef(tag: string): CustomerRef {
  const name = plainSql.raw(`customer${tag}`);
  return { id: plainSql`(SELECT id FROM ${name})`, created: plainSql`(SELECT created FROM ${name})` };
}

/**
 * Called for every submission: returns an INSERT of the ledger's origination entry that runs in the
 * submit statement and must write only when the statement created the customer (`customer.created`).
 */
export type OriginationHook = (event: {
  customerId: string;
  applicationId: string;
  channel: string;
  at: Date;
  customer: CustomerRef;
}) => SQL;

/**
 * Decides the first status of an application at submission (routing), before it is stored, so the
 * application is inserted in that status with both events in the same statement.
 */
export interface SubmitRouter {
  /**
   * A scalar expression read with the customer lookup, before routing (routing: the customer's last
   * funder). `customerId` is the known customer's id, NULL for a new one.
   */
  lookup?: (customerId: SQL) => SQL;
  /** `draft` is the application as it will be stored; `looked` is what `lookup` read. */
  route: (
    draft: Application,
    looked: unknown,
  ) => Promise<{
    to: ApplicationStatus;
    score: number;
    reason: string;
    /** the router's own row: an INSERT run in the submit statement (see CustomerRef) */
    alongside?: (customer: CustomerRef) => SQL;
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

/** What the lookup statement reads of a submission. */
type LookupRow = {
  batch_index: number;
  customer_id: string | null;
  looked: unknown;
  record: IdempotencyRecord | null;
};

/** Column order of the submit statement's answer; `fromRow` maps it back. */
export type ApplicationRow = {
  id: string;
  status: string;
  customer_id: string;
  amount_fen: string | number;
  term_months: number;
  purpose: string;
  channel: string;
  monthly_income_fen: string | number;
  score: number | null;
  funder_id: string | null;
  product_id: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  customer_created: boolean;
  batch_index: number;
};

function toApplication(row: typeof applications.$inferSelect): Application {
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

function fromRow(row: ApplicationRow): Application {
  return {
    id: row.id,
    status: row.status as ApplicationStatus,
    customerId: row.customer_id,
    amountFen: Number(row.amount_fen),
    termMonths: row.term_months,
    purpose: row.purpose,
    channel: row.channel,
    monthlyIncomeFen: Number(row.monthly_income_fen),
    score: row.score,
    funderId: row.funder_id,
    productId: row.product_id,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** The answer kept for an Idempotency-Key, if any. */
async function storedAnswer(
  run: Runner,
  key: { scope: string; key: string },
): Promise<IdempotencyRecord | null> {
  const [row] = await run<{ record: IdempotencyRecord | null }>(
    plainSql`SELECT ${recordLookup(key.scope, key.key)} AS record`,
  );
  return row?.record ?? null;
}

type Submitted =
  | { replayed: false; application: Application; customerCreated: boolean; body?: Record<string, unknown> }
  | { replayed: true; response: StoredResponse };

export class IntakeService {
  private readonly originationHooks: OriginationHook[] = [];
  /** grouped statements per runner (the database's): lookups and writes of concurrent submissions */
  private readonly groups = new WeakMap<
    Runner,
    { lookups: StatementGroups<LookupRow>; writes: StatementGroups<ApplicationRow> }
  >();

  constructor(
    private readonly deps: {
      clock: Clock;
      ids: IdGenerator;
      vault: Vault;
      identity: IdentityService;
      maxRequestFen?: number;
      /** how concurrent submissions share statements (src/db/statement-groups.ts) */
      grouping?: GroupOptions;
    },
  ) {}

  onOrigination(hook: OriginationHook): void {
    this.originationHooks.push(hook);
  }

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
    const lookup: StatementPart = {
      select: (_tag, index) => plainSql`
        SELECT ${index}::integer AS batch_index, c.id AS customer_id,
          ${route?.lookup ? route.lookup(plainSql`c.id`) : plainSql`NULL`} AS looked,
          ${idempotency ? recordLookup(idempotency.scope, idempotency.key) : plainSql`NULL`} AS record
        FROM (SELECT 1) AS one LEFT JOIN customers c ON c.customer_key = ${customerKey}`,
    };
    const known = await (idempotency
      ? this.groupsFor(run).lookups.run(lookup)
      : runPart<LookupRow>(run, lookup));
    if (idempotency && known.record)
      return { replayed: true, response: replay(known.record, idempotency.hash) };

    const predictedCreated = known.customer_id === null;
    const customerId = known.customer_id ?? this.deps.ids.next('cus');
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
    const routed = route ? await route.route(draft, known.looked) : null;
    if (routed)
      assert(canTransition('submitted', routed.to), `routing may not move a submission to ${routed.to}`);
    const status: ApplicationStatus = routed?.to ?? 'submitted';
    const score = routed ? routed.score : draft.score;
    const at = now.toISOString();
    const employerEnc = applicant.employer
      ? this.deps.vault.encrypt(applicant.employer, `application:${id}:employer`)
      : null;
    const upsert = identity.upsertCustomerStatement(applicant, customerId, now, customerKey);
    let body: Record<string, unknown> | undefined;
    if (idempotency) {
      body = idempotency.respond({ ...draft, status, score }, predictedCreated);
      assert('customerId' in body && 'customerCreated' in body, 'the answer names the customer');
    }
    const bodyJson = body ? JSON.stringify(body) : undefined;
    const origination = this.originationHooks;
    // Everything at once, atomic as one statement: the customer, the application, its events and
    // outbox rows, the router's row, the origination entry (always in the statement, so its text is
    // the same every time; it writes only when the statement created the customer) and the
    // idempotency record. The events' foreign key is checked at the end of the statement, when the
    // application row exists. CTE names carry the tag, so several submissions can share a statement.
    const write: StatementPart = {
      conflictKeys: [
        `customer:${customerKey}`,
        ...(idempotency ? [`idempotency:${idempotency.scope}\u0000${idempotency.key}`] : []),
      ],
      ctes(tag) {
        const customer = customerRef(tag);
        const name = (base: string) => plainSql.raw(`${base}${tag}`);
        const submitted = plainSql`jsonb_build_object('applicationId', ${id}::text, 'customerId', ${customer.id},
          'customerCreated', ${customer.created})`;
        // The history keeps every status with its time: 'submitted', then the routed status (same time).
        const events = routed
          ? plainSql`(${id}, NULL, 'submitted', NULL, ${at}::timestamptz),
                (${id}, 'submitted', ${status}, ${routed.reason}, ${at}::timestamptz)`
          : plainSql`(${id}, NULL, 'submitted', NULL, ${at}::timestamptz)`;
        const outboxRows = routed
          ? plainSql`('application.submitted', ${id}, ${submitted}, ${at}::timestamptz),
                (${`application.${status}`}, ${id}, ${JSON.stringify({ applicationId: id, from: 'submitted', to: status })}::jsonb, ${at}::timestamptz)`
          : plainSql`('application.submitted', ${id}, ${submitted}, ${at}::timestamptz)`;
        const alongside = [
          ...(routed?.alongside ? [routed.alongside(customer)] : []),
          ...origination.map((hook) =>
            hook({ customerId, applicationId: id, channel: input.channel, at: now, customer }),
          ),
          ...(idempotency && bodyJson
            ? [
                recordInsert(
                  idempotency.scope,
                  idempotency.key,
                  idempotency.hash,
                  201,
                  plainSql`${bodyJson}::jsonb || jsonb_build_object('customerId', ${customer.id},
                    'customerCreated', ${customer.created})`,
                  now,
                ),
              ]
            : []),
        ];
        return plainSql`${name('customer')} AS (${upsert}),
          ${name('inserted')} AS (
            INSERT INTO applications (id, customer_id, status, amount_fen, term_months, purpose, channel,
              employer_enc, monthly_income_fen, score, created_at, updated_at)
            SELECT ${id}::text, c.id, ${status}::text, ${draft.amountFen}::bigint, ${draft.termMonths}::integer,
              ${draft.purpose}::text, ${draft.channel}::text, ${employerEnc}::text,
              ${draft.monthlyIncomeFen}::bigint, ${score}::integer, ${at}::timestamptz, ${at}::timestamptz
            FROM ${name('customer')} AS c
            RETURNING id, status, customer_id, amount_fen, term_months, purpose, channel, monthly_income_fen,
              score, funder_id, product_id, created_at, updated_at
          ), ${name('events')} AS (
            INSERT INTO application_events (application_id, from_status, to_status, reason, at) VALUES ${events}
          ), ${name('emitted')} AS (
            INSERT INTO outbox (topic, aggregate_id, payload, created_at) VALUES ${outboxRows}
          )${plainSql.join(alongside.map((statement, i) => plainSql`, ${name(`alongside_${i}_`)} AS (${statement})`))}`;
      },
      select(tag, index) {
        const name = (base: string) => plainSql.raw(`${base}${tag}`);
        return plainSql`SELECT ${index}::integer AS batch_index, i.*, c.created AS customer_created
          FROM ${name('inserted')} AS i, ${name('customer')} AS c`;
      },
    };
    const row = await (idempotency
      ? this.groupsFor(run).writes.run(write)
      : runPart<ApplicationRow>(run, write));
    assert(row.id === id, 'the submit statement returns the application');
    const application = fromRow(row);
    const customerCreated = row.customer_created;
    if (idempotency && (customerCreated !== predictedCreated || application.customerId !== customerId))
      body = idempotency.respond(application, customerCreated);
    return { replayed: false, application, customerCreated, ...(body ? { body } : {}) };
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
        lookups: new StatementGroups<LookupRow>(run, this.deps.grouping),
        writes: new StatementGroups<ApplicationRow>(run, this.deps.grouping),
      };
      this.groups.set(run, groups);
    }
    return groups;
  }

  async get(tx: Executor, id: string): Promise<Application | undefined> {
    const [row] = await tx.select().from(applications).where(eq(applications.id, id));
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
    const [row] = await tx
      .select({ enc: applications.employerEnc })
      .from(applications)
      .where(eq(applications.id, id));
    return row?.enc ? this.deps.vault.decrypt(row.enc, `application:${id}:employer`) : null;
  }

  async events(tx: Executor, id: string): Promise<ApplicationEvent[]> {
    const rows = await tx
      .select()
      .from(applicationEvents)
      .where(eq(applicationEvents.applicationId, id))
      .orderBy(asc(applicationEvents.seq))
      .limit(EVENTS_LIMIT);
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
    const [row] = await tx
      .update(applications)
      .set({
        status: to,
        updatedAt: now,
        ...(change.funderId === undefined ? {} : { funderId: change.funderId }),
        ...(change.productId === undefined ? {} : { productId: change.productId }),
        ...(change.score === undefined ? {} : { score: change.score }),
      })
      .where(and(eq(applications.id, id), eq(applications.status, current.status)))
      .returning();
    if (!row) throw new DomainError('conflict', 'the application changed concurrently; retry');
    await tx.insert(applicationEvents).values({
      applicationId: id,
      fromStatus: current.status,
      toStatus: to,
      reason: change.reason ?? null,
      at: now,
    });
    await emit(tx, this.deps.clock, `application.${to}`, id, { applicationId: id, from: current.status, to });
    return toApplication(row);
  }
}

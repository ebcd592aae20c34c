// Application intake: validate, upsert the customer, store the application and its first event,
// all in one transaction (with the caller's idempotency record).
import './errors.ts';
import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { emit } from '../db/outbox.ts';
import type { IdentityService } from '../identity/service.ts';
import { type Clock, DomainError, type IdGenerator, type Vault, assert } from '../kernel/index.ts';
import {
  type Application,
  type ApplicationEvent,
  type ApplicationInput,
  DEFAULT_MAX_REQUEST_FEN,
} from './model.ts';
import { applicationEvents, applications } from './schema.ts';
import { type ApplicationStatus, canTransition } from './status.ts';

export const EVENTS_LIMIT = 200;

/**
 * Called when a customer is seen for the first time (the ledger's origination entry): returns an
 * INSERT that runs in the same statement as the application, in the submitting transaction.
 */
export type OriginationHook = (event: {
  customerId: string;
  applicationId: string;
  channel: string;
  at: Date;
}) => SQL;

/**
 * Decides the first status of an application at submission (routing), before it is stored, so the
 * application is inserted in that status with both events in one statement instead of being
 * inserted, read back and moved. `draft` is the application as it will be stored.
 */
export type SubmitRouter = (
  tx: Executor,
  draft: Application,
) => Promise<{
  to: ApplicationStatus;
  score: number;
  reason: string;
  /** the router's own row, an INSERT run in the same statement as the application (one round trip) */
  alongside?: SQL;
}>;

/** Column order of the raw submit statement; `toApplication` maps the row back. */
type ApplicationRow = {
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

export class IntakeService {
  private readonly originationHooks: OriginationHook[] = [];

  constructor(
    private readonly deps: {
      clock: Clock;
      ids: IdGenerator;
      vault: Vault;
      identity: IdentityService;
      maxRequestFen?: number;
    },
  ) {}

  onOrigination(hook: OriginationHook): void {
    this.originationHooks.push(hook);
  }

  async submit(
    tx: Executor,
    input: ApplicationInput,
    route?: SubmitRouter,
  ): Promise<{ application: Application; customerCreated: boolean }> {
    const now = this.deps.clock.now();
    const applicant = this.deps.identity.validateApplicant(input.applicant, now);
    const maxFen = this.deps.maxRequestFen ?? DEFAULT_MAX_REQUEST_FEN;
    if (input.request.amountFen > maxFen) {
      throw new DomainError(
        'amount_above_platform_limit',
        `amount above the platform limit of ${maxFen} fen`,
        'request.amountFen',
      );
    }
    const { customerId, created } = await this.deps.identity.upsertCustomer(tx, applicant);
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
    const routed = route ? await route(tx, draft) : null;
    if (routed)
      assert(canTransition('submitted', routed.to), `routing may not move a submission to ${routed.to}`);
    const status: ApplicationStatus = routed?.to ?? 'submitted';
    const score = routed ? routed.score : draft.score;
    const employerEnc = applicant.employer
      ? this.deps.vault.encrypt(applicant.employer, `application:${id}:employer`)
      : null;
    // The history keeps every status with its time: 'submitted', then the routed status (same time).
    const events = routed
      ? sql`(${id}, NULL, 'submitted', NULL, ${now.toISOString()}::timestamptz),
            (${id}, 'submitted', ${status}, ${routed.reason}, ${now.toISOString()}::timestamptz)`
      : sql`(${id}, NULL, 'submitted', NULL, ${now.toISOString()}::timestamptz)`;
    const submittedEvent = JSON.stringify({ applicationId: id, customerId, customerCreated: created });
    const outboxRows = routed
      ? sql`('application.submitted', ${id}, ${submittedEvent}::jsonb, ${now.toISOString()}::timestamptz),
            (${`application.${status}`}, ${id}, ${JSON.stringify({ applicationId: id, from: 'submitted', to: status })}::jsonb, ${now.toISOString()}::timestamptz)`
      : sql`('application.submitted', ${id}, ${submittedEvent}::jsonb, ${now.toISOString()}::timestamptz)`;
    const alongside = [
      ...(routed?.alongside ? [routed.alongside] : []),
      ...(created
        ? this.originationHooks.map((hook) =>
            hook({ customerId, applicationId: id, channel: input.channel, at: now }),
          )
        : []),
    ];
    // One statement for the application, its events, its outbox rows, the router's row and the
    // origination entry: one round trip (the foreign key from the events is checked at the end of
    // the statement, when the application row exists).
    const result = (await tx.execute(sql`
      WITH inserted AS (
        INSERT INTO applications (id, customer_id, status, amount_fen, term_months, purpose, channel,
          employer_enc, monthly_income_fen, score, created_at, updated_at)
        VALUES (${id}, ${customerId}, ${status}, ${draft.amountFen}, ${draft.termMonths}, ${draft.purpose},
          ${draft.channel}, ${employerEnc}, ${draft.monthlyIncomeFen}, ${score},
          ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)
        RETURNING id, status, customer_id, amount_fen, term_months, purpose, channel, monthly_income_fen,
          score, funder_id, product_id, created_at, updated_at
      ), events AS (
        INSERT INTO application_events (application_id, from_status, to_status, reason, at) VALUES ${events}
      ), emitted AS (
        INSERT INTO outbox (topic, aggregate_id, payload, created_at) VALUES ${outboxRows}
      )${sql.join(alongside.map((statement, i) => sql`, ${sql.raw(`alongside_${i}`)} AS (${statement})`))}
      SELECT * FROM inserted`)) as unknown as { rows: ApplicationRow[] };
    const [row] = result.rows;
    assert(row && row.id === id, 'insert returned the application');
    return { application: fromRow(row), customerCreated: created };
  }

  async get(tx: Executor, id: string): Promise<Application | undefined> {
    const [row] = await tx.select().from(applications).where(eq(applications.id, id));
    return row ? toApplication(row) : undefined;
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

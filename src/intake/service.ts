// Application intake: validate, upsert the customer, store the application and its first event,
// all in one transaction (with the caller's idempotency record).
import './errors.ts';
import { and, asc, eq } from 'drizzle-orm';
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

/** Called in the submitting transaction when a customer is seen for the first time (the ledger's origination entry). */
export type OriginationHook = (
  tx: Executor,
  event: { customerId: string; applicationId: string; channel: string; at: Date },
) => Promise<void>;

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
    const [row] = await tx
      .insert(applications)
      .values({
        id,
        customerId,
        status: 'submitted',
        amountFen: input.request.amountFen,
        termMonths: input.request.termMonths,
        purpose: input.request.purpose,
        channel: input.channel,
        employerEnc: applicant.employer
          ? this.deps.vault.encrypt(applicant.employer, `application:${id}:employer`)
          : null,
        monthlyIncomeFen: applicant.monthlyIncomeFen,
        score: input.score ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    assert(row, 'insert returned the application');
    await tx
      .insert(applicationEvents)
      .values({ applicationId: id, fromStatus: null, toStatus: 'submitted', reason: null, at: now });
    if (created) {
      for (const hook of this.originationHooks)
        await hook(tx, { customerId, applicationId: id, channel: input.channel, at: now });
    }
    await emit(tx, this.deps.clock, 'application.submitted', id, {
      applicationId: id,
      customerId,
      customerCreated: created,
    });
    return { application: toApplication(row), customerCreated: created };
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
    await tx
      .insert(applicationEvents)
      .values({
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

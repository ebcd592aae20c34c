// Intake's staff reads (issue 17, ADR 0100, 0103): the applications list as keyset pages with an
// authenticated cursor, one application's timeline (its status history, what left for funders and
// its ledger entries, read through sharing's and the ledger's services), and the counts the
// dashboard's overview and funder rates are built from (ADR 0101). Reads only; visibility is
// IntakeService's (getVisible, listPage).
import type { Principal } from '../access/model.ts';
import type { Executor } from '../db/client.ts';
import { deriveKey } from '../kernel/index.ts';
import { type CursorPosition, decodeCursor, encodeCursor, filterKey } from './cursor.ts';
import { DomainError } from './errors.ts';
import type { IntakeService } from './service.ts';
import * as store from './store.ts';
import { APPLICATION_STATUSES, type ApplicationStatus } from './status.ts';

export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 200;

/** What the timeline reads from the modules that own it, wired in services.ts (intake imports neither). */
export interface TimelineSources {
  sharesOf(
    tx: Executor,
    customerId: string,
    applicationId: string,
  ): Promise<Array<{ funderId: string; stage: string; fields: string[]; at: Date; exposureEntryId: string }>>;
  ledgerIndexes(tx: Executor, entryIds: readonly string[]): Promise<Map<string, number>>;
  ledgerEntriesOf(
    tx: Executor,
    customerId: string,
    applicationId: string,
  ): Promise<Array<{ entryId: string; index: number | null; kind: string; at: Date }>>;
}

export interface ApplicationListQuery {
  limit: number;
  cursor?: string | undefined;
  /** one of APPLICATION_STATUSES (the route's schema checks it) */
  status?: string | undefined;
  funderId?: string | undefined;
  /** ISO 8601 instants: submitted at or after `from`, before `to` */
  from?: string | undefined;
  to?: string | undefined;
}

export interface ApplicationListItem {
  id: string;
  status: string;
  submittedAt: Date;
  amountFen: number;
  termMonths: number;
  funderId: string | null;
  productId: string | null;
}

export interface Timeline {
  events: Array<{ at: Date; type: string; detail?: string }>;
  shares: Array<{ funderId: string; stage: string; at: Date; fields: string[]; ledgerIndex: number | null }>;
  ledgerEntries: Array<{ entryId: string; index: number | null; kind: string; at: Date }>;
}

function instant(text: string | undefined, field: string): Date | undefined {
  if (text === undefined) return undefined;
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new DomainError('invalid_request', `${field} is not a time`, field);
  return at;
}

export class ApplicationReads {
  private readonly cursorKey: Buffer;

  constructor(private readonly deps: { intake: IntakeService; sources: TimelineSources; masterKey: Buffer }) {
    this.cursorKey = deriveKey(deps.masterKey, 'applications-cursor/v1');
  }

  /** One page, newest first; `nextCursor` reads the next (null: this was the last). */
  async list(
    tx: Executor,
    principal: Principal,
    query: ApplicationListQuery,
  ): Promise<{ items: ApplicationListItem[]; nextCursor: string | null }> {
    if (query.status !== undefined && !(APPLICATION_STATUSES as readonly string[]).includes(query.status))
      throw new DomainError('invalid_request', `no status ${query.status}`, 'status');
    const filter = {
      status: query.status,
      funderId: query.funderId,
      from: instant(query.from, 'from'),
      to: instant(query.to, 'to'),
    };
    if (filter.from && filter.to && filter.from.getTime() >= filter.to.getTime())
      throw new DomainError('invalid_request', 'from must be before to', 'to');
    const bound = filterKey(filter);
    let before: CursorPosition | undefined;
    if (query.cursor !== undefined) {
      const position = decodeCursor(this.cursorKey, query.cursor, bound);
      if (!position)
        throw new DomainError(
          'invalid_cursor',
          'not a cursor this list handed out for these filters',
          'cursor',
        );
      before = position;
    }
    const where: store.ApplicationFilter = {
      ...(filter.status !== undefined ? { status: filter.status as ApplicationStatus } : {}),
      ...(filter.funderId !== undefined ? { funderId: filter.funderId } : {}),
      ...(filter.from !== undefined ? { from: filter.from } : {}),
      ...(filter.to !== undefined ? { to: filter.to } : {}),
      ...(before !== undefined ? { before } : {}),
    };
    const rows = await this.deps.intake.listPage(tx, principal, where, query.limit + 1);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => ({
        id: row.id,
        status: row.status,
        submittedAt: row.createdAt,
        amountFen: row.amountFen,
        termMonths: row.termMonths,
        funderId: row.funderId,
        productId: row.productId,
      })),
      nextCursor:
        rows.length > query.limit && last
          ? encodeCursor(this.cursorKey, { submittedAt: last.createdAt, id: last.id }, bound)
          : null,
    };
  }

  /** One application's history, shares and ledger entries, oldest first each. */
  async timeline(tx: Executor, principal: Principal, id: string): Promise<Timeline> {
    const application = await this.deps.intake.getVisible(tx, principal, id);
    const { sources } = this.deps;
    const events = await this.deps.intake.events(tx, id);
    const shares = await sources.sharesOf(tx, application.customerId, id);
    const indexes = await sources.ledgerIndexes(
      tx,
      shares.map((s) => s.exposureEntryId),
    );
    return {
      events: events.map((e) => ({ at: e.at, type: e.toStatus, ...(e.reason ? { detail: e.reason } : {}) })),
      shares: shares.map((s) => ({
        funderId: s.funderId,
        stage: s.stage,
        at: s.at,
        fields: s.fields,
        ledgerIndex: indexes.get(s.exposureEntryId) ?? null,
      })),
      ledgerEntries: await sources.ledgerEntriesOf(tx, application.customerId, id),
    };
  }

  /** Submissions, approvals and bookings per Asia/Shanghai day in [from, to). */
  async dailyCounts(tx: Executor, from: Date, to: Date) {
    return {
      submissions: await store.submissionsByDay(tx, from, to),
      approvals: await store.approvalsByDay(tx, from, to),
      bookings: await store.bookingsByDay(tx, from, to),
    };
  }

  /** Per funder: what became of its approvals in [from, to), and its first-time borrowers' return. */
  async funderOutcomes(tx: Executor, from: Date, to: Date) {
    const [approvals, repeat] = await Promise.all([
      store.approvalOutcomes(tx, from, to),
      store.repeatBorrowing(tx, from, to),
    ]);
    return { approvals, repeat };
  }
}

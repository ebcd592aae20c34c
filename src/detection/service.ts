// Over 500 lines because it is the one place where evidence from relay contacts, credit reports and
// borrower reports meets the level rule and its visibility; the credit-report ingestion is the
// part to move out next (with the cohort-count feed, ADR 0075 "Production").
// Detection use cases (ADR 0076): the evidence register fed by relay contacts (contact.recorded),
// credit reports and borrower reports; the institution alias and staff contact tables; and each
// funder's level, set by one method for analysts and for the rescoring step alike, which raises
// detection.level_changed so routing moves the funder's trust in the same unit of work.
import type { Principal } from '../access/model.ts';
import { borrowerCustomer, canSeeDetectionFindings } from '../access/visibility.ts';
import type { CatalogService } from '../catalog/service.ts';
import type { Executor } from '../db/client.ts';
import type { TransactionUnit } from '../db/unit-of-work.ts';
import type { IdentityService } from '../identity/service.ts';
import type { BookingService } from '../intake/booking.ts';
import { type Clock, type IdGenerator, sha256Hex } from '../kernel/index.ts';
import type { ContactRecorded } from '../sharing/model.ts';
import type { SharingService } from '../sharing/service.ts';
import { matchCreditReport, parseCreditReport } from './credit-report.ts';
import { type DeclaredConversions, explainDeclared } from './conversions.ts';
import { isoOfDay } from './days.ts';
import { DomainError, unwrap } from './errors.ts';
import { normaliseInstitutionName, resolveInstitution } from './institutions.ts';
import {
  type CreditReport,
  type CreditReportContext,
  type CreditReportEvidence,
  type DetectionLevel,
  type DetectionLevelChanged,
  type Evidence,
  LEVEL_REASONS_MAX,
  type LevelChange,
  type LevelReason,
  LOAN_ACCOUNT_TYPES,
} from './model.ts';
import { type Actor, DetectionRegisters } from './registers.ts';
import { type RescoreResult, rescore } from './rescoring.ts';
import * as store from './store.ts';
import type { EvidenceRecord } from './package.ts';
import { asFunderSees, decodeCursor } from './views.ts';

export interface DetectionDeps {
  clock: Clock;
  ids: IdGenerator;
  masterKey: Buffer;
  catalog: Pick<CatalogService, 'getFunder' | 'listFunders'>;
  identity: Pick<IdentityService, 'getProfile'>;
  sharing: Pick<SharingService, 'exposuresOf' | 'pseudonyms' | 'funderActivity'>;
  booking: Pick<BookingService, 'loansOfCustomer' | 'bookedCounts'>;
  /** settlement's declared conversions: later evidence about the customer and funder is explained */
  declaredConversions?: DeclaredConversions;
}

export type { Actor } from './registers.ts';

export interface LevelView {
  funderId: string;
  level: DetectionLevel;
  changedAt: Date | null;
  /** the latest changes, newest first (at most LEVEL_HISTORY_SHOWN) */
  history: LevelChange[];
}

export const LEVEL_HISTORY_SHOWN = 20;
/** Level changes the dashboard's funder trends read at most, over every funder of one window. */
export const LEVEL_CHANGES_SHOWN_MAX = 5_000;
/** A borrower's "when" may be at most this far ahead of the platform's clock (clock skew), never more. */
export const REPORT_CLOCK_SKEW_MS = 5 * 60_000;

export interface BorrowerReportInput {
  customerId: string;
  funderId?: string | undefined;
  /** the name the borrower gave (资方名称 as they heard it), resolved through the alias table */
  funderName?: string | undefined;
  contactedAt: Date;
  channel: string;
  offered: string;
  /** the caller's own id for the report (a retried submission names the same one) */
  reportRef?: string | undefined;
}

export interface CreditReportResult {
  reportId: string;
  customerId: string;
  duplicate: boolean;
  findings: Evidence[];
  unmatchedInstitutions: string[];
}

/** A bureau's civil day (UTC+8) as the instant it starts. */
const startOfChinaDay = (iso: string): Date => new Date(`${iso}T00:00:00+08:00`);

export class DetectionService {
  /** the institution alias table and the staff contact points */
  readonly registers: DetectionRegisters;

  constructor(private readonly deps: DetectionDeps) {
    this.registers = new DetectionRegisters(deps);
  }

  // ---- levels: one way to set them (analysts and the rescoring step) ----

  /**
   * Set a funder's level with its reasons. Writes the level and a change row and raises
   * detection.level_changed (routing sets the funder's trust in the same unit). The same level
   * again changes nothing and raises nothing (a rescoring step may call it every run). Reasons may
   * cite evidence ids; they must be this funder's. `confirmed` needs at least one cited piece of
   * attributed evidence: the platform never confirms on suspicion alone.
   */
  async setLevel(
    unit: TransactionUnit,
    funderId: string,
    level: DetectionLevel,
    reasons: readonly LevelReason[],
    actor: Actor,
  ): Promise<{ changed: boolean; view: LevelView }> {
    const tx = unit.tx;
    if (!(await this.deps.catalog.getFunder(tx, funderId)))
      throw new DomainError('funder_not_found', `no funder ${funderId}`, 'funderId');
    if (reasons.length === 0 || reasons.length > LEVEL_REASONS_MAX)
      throw new DomainError('invalid_request', `between 1 and ${LEVEL_REASONS_MAX} reasons`, 'reasons');
    const cited = [...new Set(reasons.flatMap((r) => r.evidenceIds))];
    const found = await store.evidenceByIds(tx, cited);
    const unknown = cited.filter((id) => !found.some((e) => e.id === id && e.funderId === funderId));
    if (unknown.length > 0)
      throw new DomainError(
        'detection_evidence_unknown',
        `evidence not about ${funderId}: ${unknown.slice(0, 5).join(', ')}`,
        'reasons',
        { evidenceIds: unknown.slice(0, 20) },
      );
    if (level === 'confirmed' && !found.some((e) => e.status === 'attributed'))
      throw new DomainError(
        'detection_confirm_without_evidence',
        'confirmed needs at least one cited piece of attributed evidence',
        'reasons',
      );
    const current = await store.levelOf(tx, funderId, true);
    const from: DetectionLevel = current?.level ?? 'none';
    if (from === level) return { changed: false, view: await this.levelView(tx, funderId) };
    const change: LevelChange = {
      id: this.deps.ids.next('dlc'),
      funderId,
      from,
      level,
      reasons: reasons.map((r) => ({ rule: r.rule, text: r.text, evidenceIds: [...r.evidenceIds] })),
      actor,
      at: this.deps.clock.now(),
    };
    await store.writeLevel(tx, change);
    unit.publish({
      topic: 'detection.level_changed',
      aggregateId: funderId,
      payload: { funderId, from, level, changeId: change.id },
      at: change.at,
      // a confirmation's findings: the customers of the attributed evidence it cites (ADR 0092)
      ...(level === 'confirmed'
        ? {
            confirmedCustomerIds: [
              ...new Set(
                found.flatMap((e) =>
                  e.status === 'attributed' && e.customerId !== null ? [e.customerId] : [],
                ),
              ),
            ],
          }
        : {}),
    } satisfies DetectionLevelChanged);
    return { changed: true, view: await this.levelView(tx, funderId) };
  }

  /**
   * Score every funder from the stored evidence with the fusion core (rescoring.ts) and raise
   * the levels its rule raises, in this unit: routing's trust moves with them.
   */
  rescore(unit: TransactionUnit): Promise<RescoreResult> {
    return rescore(
      this.deps,
      (u, f, level, reasons, actor) => this.setLevel(u, f, level, reasons, actor),
      unit,
      this.deps.clock.now(),
    );
  }

  private async levelView(tx: Executor, funderId: string): Promise<LevelView> {
    const row = await store.levelOf(tx, funderId);
    const history = (await store.changesOf(tx, funderId, LEVEL_HISTORY_SHOWN)).map(store.toLevelChange);
    return { funderId, level: row?.level ?? 'none', changedAt: row?.changedAt ?? null, history };
  }

  /** These funders' levels now (a funder without a row is at `none`): /metrics. */
  levelsOf(tx: Executor, funderIds: readonly string[]): Promise<Map<string, DetectionLevel>> {
    return store.levelsOf(tx, funderIds);
  }

  /**
   * The dashboard's detection columns for these funders (ADR 0101): each level now, attributed
   * evidence in [from, to), the level in force at `from` and every change in the window (at most
   * LEVEL_CHANGES_SHOWN_MAX in all: detection stores levels and their changes, not daily scores).
   */
  async funderColumns(tx: Executor, funderIds: readonly string[], from: Date, to: Date) {
    return {
      levels: await store.levelsOf(tx, funderIds),
      evidence: await store.attributedEvidenceCounts(tx, funderIds, from, to),
      levelAtFrom: await store.levelsBefore(tx, funderIds, from),
      changes: (await store.changesBetween(tx, funderIds, from, to, LEVEL_CHANGES_SHOWN_MAX)).map((row) => ({
        funderId: row.funderId,
        level: row.level,
        at: row.at,
      })),
    };
  }

  /** The level as the principal may see it; a funder not visible answers as an unknown one. */
  async visibleLevel(tx: Executor, principal: Principal, funderId: string): Promise<LevelView> {
    const view = await this.levelView(tx, funderId);
    if (!canSeeDetectionFindings(principal, { funderId, level: view.level }))
      throw new DomainError('funder_not_found', `no funder ${funderId}`, 'id');
    if (!(await this.deps.catalog.getFunder(tx, funderId)))
      throw new DomainError('funder_not_found', `no funder ${funderId}`, 'id');
    return view;
  }

  /** Funders above `none`, newest change first, with the latest change's reasons. */
  async alerts(
    tx: Executor,
    page: { limit: number; before?: string | undefined },
  ): Promise<{
    alerts: Array<{ funderId: string; level: DetectionLevel; changedAt: Date; change: LevelChange }>;
    next: string | null;
  }> {
    const rows = await store.alerts(tx, { limit: page.limit, before: decodeCursor(page.before) });
    const alerts = [];
    for (const row of rows) {
      const change = await store.levelChange(tx, row.changeId);
      if (!change) throw new Error(`level of ${row.funderId} names a missing change ${row.changeId}`);
      alerts.push({
        funderId: row.funderId,
        level: row.level,
        changedAt: row.changedAt,
        change: store.toLevelChange(change),
      });
    }
    const last = rows.length === page.limit ? rows[rows.length - 1] : undefined;
    return { alerts, next: last ? `${last.changedAt.getTime()}.${last.funderId}` : null };
  }

  /** The evidence about a funder, newest first: analysts and admins; the funder itself once confirmed. */
  async visibleEvidence(
    tx: Executor,
    principal: Principal,
    funderId: string,
    page: { limit: number; before?: string | undefined },
  ): Promise<{ funderId: string; level: DetectionLevel; evidence: Evidence[]; next: string | null }> {
    const { level } = await this.visibleLevel(tx, principal, funderId);
    const cursor = decodeCursor(page.before);
    const rows = await store.evidenceOfFunder(tx, funderId, {
      limit: page.limit,
      before: cursor ? { at: cursor.at, id: cursor.funderId } : undefined,
    });
    const last = rows.length === page.limit ? rows[rows.length - 1] : undefined;
    return {
      funderId,
      level,
      evidence: rows.map((row) =>
        principal.role === 'funder'
          ? asFunderSees(store.toEvidence(row), this.deps.sharing.pseudonyms)
          : store.toEvidence(row),
      ),
      next: last ? `${last.occurredAt.getTime()}.${last.id}` : null,
    };
  }

  /**
   * The evidence an evidence package carries about a funder: every attributed record that cites an
   * exposure, by the funder's own pseudonym of the customer. Analysts and admins; the funder
   * itself once it is `confirmed` (the package is the basis of a penalty, issue 14 item 6).
   */
  async packageRecords(
    tx: Executor,
    principal: Principal,
    funderId: string,
    limit: number,
  ): Promise<EvidenceRecord[]> {
    await this.visibleLevel(tx, principal, funderId);
    const rows = await store.evidenceOfFunder(tx, funderId, { limit });
    const records: EvidenceRecord[] = [];
    for (const row of rows) {
      if (row.status !== 'attributed' || row.exposureEntryId === null || row.customerId === null) continue;
      records.push({
        id: row.id,
        kind: row.kind,
        funderId,
        customerPseudonym: this.deps.sharing.pseudonyms.customerRef(funderId, row.customerId),
        occurredAt: row.occurredAt.toISOString(),
        source: row.kind,
        proves: row.proves,
        exposureEntryId: row.exposureEntryId,
      });
    }
    return records;
  }

  /** Every evidence row is stored through here: a declared conversion explains what follows it. */
  private async insertEvidence(tx: Executor, row: store.EvidenceRow) {
    return store.insertEvidence(tx, await explainDeclared(this.deps.declaredConversions, tx, row));
  }

  // ---- contact evidence (subscriber of contact.recorded) ----

  /**
   * An out-of-purpose relay contact is `relay-contact` evidence against the funder holding the relay
   * point; when the point is a registered staff contact, also `staff-contact` evidence (a careful
   * poacher skips staff: one that markets to them is not careful). In-purpose and unattributed
   * contacts are not evidence. Idempotent on the contact id: a replay writes nothing.
   */
  async recordContact(unit: TransactionUnit, event: ContactRecorded): Promise<void> {
    const { payload } = event;
    if (payload.funderId === null || payload.verdict !== 'out-of-purpose') return;
    const base = {
      funderId: payload.funderId,
      customerId: payload.customerId,
      occurredAt: new Date(payload.at),
      recordedAt: this.deps.clock.now(),
      source: payload.contactId,
      exposureEntryId: event.exposureEntryId,
      status: 'attributed' as const,
    };
    const detail = {
      contactId: payload.contactId,
      channel: payload.channel,
      verdict: payload.verdict,
      reason: payload.reason,
      category: payload.category,
      applicationId: event.applicationId,
    };
    await this.insertEvidence(unit.tx, {
      ...base,
      id: this.deps.ids.next('evd'),
      kind: 'relay-contact',
      proves: `${payload.funderId} contacted the customer through its relay point out of the consented purpose (${payload.reason})`,
      detail,
    });
    const staff = await store.staffContactByKey(unit.tx, this.registers.staffKey(event.relayAddress));
    if (staff)
      await this.insertEvidence(unit.tx, {
        ...base,
        id: this.deps.ids.next('evd'),
        kind: 'staff-contact',
        proves: `${payload.funderId} contacted a ${staff.owner} staff contact point out of purpose (${payload.reason})`,
        detail: { ...detail, staffContactId: staff.id, owner: staff.owner, label: staff.label },
      });
  }

  // ---- credit reports ----

  /**
   * A credit report for a known customer, read with their authorisation: parsed strictly, matched
   * against the funders that saw the customer (sharing's register) and the loans booked through the
   * platform, and every finding stored as evidence carrying the exposure's ledger entry. Institutions
   * the alias table does not know are stored as unattributed findings for an operator. All or
   * nothing: a report that does not parse writes nothing.
   */
  async ingestCreditReport(
    unit: TransactionUnit,
    customerId: string,
    input: { authorisationRef?: string | undefined; report: unknown },
    actor: Actor,
  ): Promise<CreditReportResult> {
    const tx = unit.tx;
    if (!(await this.deps.identity.getProfile(tx, customerId)))
      throw new DomainError('detection_customer_not_found', `no customer ${customerId}`, 'id');
    if (input.authorisationRef === undefined || input.authorisationRef.length === 0)
      throw new DomainError(
        'credit_report_authorisation_missing',
        'the customer’s authorisation reference is required',
        'authorisationRef',
      );
    const report = unwrap(parseCreditReport(input.report));
    if (report.subject.customerId !== undefined && report.subject.customerId !== customerId)
      throw new DomainError(
        'credit_report_subject_mismatch',
        'the report’s subject is another customer',
        'report.subject.customerId',
      );
    const known = await store.creditReportById(tx, report.reportId);
    if (known && known.customerId !== customerId)
      throw new DomainError(
        'credit_report_conflict',
        `report ${report.reportId} is another customer’s`,
        'report.reportId',
      );
    const match = matchCreditReport(report, await this.matchContext(tx, customerId));
    const now = this.deps.clock.now();
    if (!known)
      await store.insertCreditReport(tx, {
        id: this.deps.ids.next('dcr'),
        reportId: report.reportId,
        customerId,
        authorisationRef: input.authorisationRef,
        generatedOn: report.generatedOn,
        accountCount: report.accounts.length,
        queryCount: report.queries.length,
        unmatchedInstitutions: match.unmatchedInstitutions,
        receivedBy: actor,
        receivedAt: now,
      });
    const findings: Evidence[] = [];
    for (const found of match.evidence)
      findings.push(await this.storeReportFinding(tx, customerId, found, now));
    for (const key of match.unmatchedInstitutions)
      findings.push(await this.storeUnmatched(tx, customerId, report, key, now));
    return {
      reportId: report.reportId,
      customerId,
      duplicate: known !== undefined,
      findings,
      unmatchedInstitutions: match.unmatchedInstitutions,
    };
  }

  /** What the platform knows of this customer, read through sharing's and intake's own queries. */
  private async matchContext(tx: Executor, customerId: string): Promise<CreditReportContext> {
    const exposures = await this.deps.sharing.exposuresOf(tx, customerId);
    const loans = await this.deps.booking.loansOfCustomer(tx, customerId);
    return {
      aliases: await this.registers.aliasTable(tx),
      exposures: exposures.map((e) => ({ funderId: e.funderId, at: e.at, ledgerEntryId: e.exposureEntryId })),
      platformApplications: exposures
        .filter((e) => e.stage === 'application')
        .map((e) => ({ funderId: e.funderId, on: e.at })),
      platformLoans: loans.map((l) => ({ funderId: l.funderId, bookedOn: l.bookedAt })),
      // a declared conversion explains the accounts and queries that follow it (ADR 0092)
      declaredConversions: ((await this.deps.declaredConversions?.(tx, customerId)) ?? []).map((c) => ({
        funderId: c.funderId,
        on: c.declaredAt,
      })),
    };
  }

  /** An institution nobody is known as: an unattributed finding for an operator to resolve. */
  private async storeUnmatched(
    tx: Executor,
    customerId: string,
    report: CreditReport,
    key: string,
    now: Date,
  ): Promise<Evidence> {
    const inLoan = report.accounts.some(
      (a) => LOAN_ACCOUNT_TYPES.has(a.type) && normaliseInstitutionName(a.institution) === key,
    );
    const { row } = await this.insertEvidence(tx, {
      id: this.deps.ids.next('evd'),
      kind: inLoan ? 'credit-report-account' : 'credit-report-query',
      funderId: null,
      customerId,
      occurredAt: startOfChinaDay(report.generatedOn),
      recordedAt: now,
      source: `${report.reportId}#unmatched:${key}`,
      proves: 'an institution the alias table does not know; no funder is named until an operator adds it',
      detail: { reportId: report.reportId, generatedOn: report.generatedOn, institution: key },
      exposureEntryId: null,
      status: 'unattributed',
    });
    return store.toEvidence(row);
  }

  private async storeReportFinding(
    tx: Executor,
    customerId: string,
    found: CreditReportEvidence,
    now: Date,
  ): Promise<Evidence> {
    const common = {
      id: this.deps.ids.next('evd'),
      funderId: found.funderId,
      customerId,
      recordedAt: now,
      exposureEntryId: found.exposure.ledgerEntryId ?? null,
      status: 'attributed' as const,
    };
    const detail = {
      reportId: found.source.reportId,
      generatedOn: found.source.generatedOn,
      strength: found.strength,
      daysAfterExposure: found.daysAfterExposure,
      firstExposureOn: isoOfDay(found.firstExposureDay),
    };
    const { row } =
      found.kind === 'creditReportAccount'
        ? await this.insertEvidence(tx, {
            ...common,
            kind: 'credit-report-account',
            occurredAt: startOfChinaDay(found.account.openedOn),
            source: `${found.source.reportId}#account-${found.accountIndex}`,
            proves: `a loan ${found.funderId} opened itself ${found.daysAfterExposure} days after the platform shared the customer, not booked through the platform (direct)`,
            detail: { ...detail, account: { ...found.account }, accountIndex: found.accountIndex },
          })
        : await this.insertEvidence(tx, {
            ...common,
            kind: 'credit-report-query',
            occurredAt: startOfChinaDay(found.query.date),
            source: `${found.source.reportId}#query-${found.queryIndex}`,
            proves: `a loan-approval query by ${found.funderId} ${found.daysAfterExposure} days after the platform shared the customer, with no platform application near it (weak)`,
            detail: { ...detail, query: { ...found.query }, queryIndex: found.queryIndex },
          });
    return store.toEvidence(row);
  }

  // ---- borrower reports ----

  /**
   * A borrower's "who contacted me". Attributed only when the funder named saw this borrower
   * through the platform before the contact; a funder that never saw them, or a name nobody claims,
   * is stored `unattributed` (kept, never an accusation); a lender the borrower has a loan with
   * through the platform is `explained` (servicing is expected).
   */
  /**
   * Whose report this is: a borrower key reports for its own customer only (another customer's id
   * answers as an unknown customer, so nothing about them is learned); staff name the customer.
   */
  reportingCustomer(principal: Principal, named: string | undefined): string {
    const own = borrowerCustomer(principal);
    if (principal.role === 'borrower') {
      if (own === null || (named !== undefined && named !== own))
        throw new DomainError('detection_customer_not_found', 'no such customer for this key', 'customerId');
      return own;
    }
    if (named === undefined) throw new DomainError('invalid_request', 'customerId is required', 'customerId');
    return named;
  }

  async recordBorrowerReport(unit: TransactionUnit, input: BorrowerReportInput): Promise<Evidence> {
    const tx = unit.tx;
    if (input.funderId === undefined && input.funderName === undefined)
      throw new DomainError('borrower_report_funder_missing', 'give funderId or funderName', 'funderId');
    const now = this.deps.clock.now();
    if (input.contactedAt.getTime() > now.getTime() + REPORT_CLOCK_SKEW_MS)
      throw new DomainError(
        'invalid_request',
        'a contact cannot be reported before it happens',
        'contactedAt',
      );
    if (!(await this.deps.identity.getProfile(tx, input.customerId)))
      throw new DomainError('detection_customer_not_found', `no customer ${input.customerId}`, 'customerId');
    let funderId: string | null = null;
    if (input.funderId !== undefined)
      funderId = (await this.deps.catalog.getFunder(tx, input.funderId)) ? input.funderId : null;
    else if (input.funderName !== undefined)
      funderId = resolveInstitution(await this.registers.aliasTable(tx), input.funderName).funderId ?? null;
    const exposure =
      funderId === null
        ? undefined
        : (await this.deps.sharing.exposuresOf(tx, input.customerId)).find(
            (e) => e.funderId === funderId && e.at.getTime() <= input.contactedAt.getTime(),
          );
    const booked =
      exposure !== undefined &&
      (await this.deps.booking.loansOfCustomer(tx, input.customerId)).some((l) => l.funderId === funderId);
    const status = exposure === undefined ? 'unattributed' : booked ? 'explained' : 'attributed';
    const id = this.deps.ids.next('evd');
    const { row } = await this.insertEvidence(tx, {
      id,
      kind: 'borrower-report',
      // only an attributed report names a funder; the name given is kept in the detail
      funderId: exposure === undefined ? null : funderId,
      customerId: input.customerId,
      occurredAt: input.contactedAt,
      recordedAt: now,
      // the customer's id hashed in: a retry names the same source, a funder reading it learns nothing
      source: `borrower:${sha256Hex(`${input.customerId}\n${input.reportRef ?? id}`).slice(0, 32)}`,
      proves:
        status === 'attributed'
          ? `the borrower reports ${funderId} contacted them after the platform shared them (${input.channel})`
          : status === 'explained'
            ? `the borrower reports ${funderId}, a lender they borrow from through the platform, contacted them`
            : 'the borrower reports a contact by a funder that never saw them through the platform, or one nobody is known as',
      detail: {
        named: { funderId: input.funderId ?? null, funderName: input.funderName ?? null },
        channel: input.channel,
        offered: input.offered,
      },
      exposureEntryId: exposure?.exposureEntryId ?? null,
      status,
    });
    return store.toEvidence(row);
  }
}

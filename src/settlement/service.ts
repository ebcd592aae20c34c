// Settlement's use cases as named steps on the unit of work (ADR 0090, after ADR 0035's dispatch
// steps): draft (a dry run, writes nothing) → post (the statement row and its postings, one
// transaction, once) → record (the ledger's `statement` entry through statement.issued, and the
// status issued) → dispute → resolve. Each step is idempotent: a rerun after a crash finds what its
// first run committed and does only what is left, so nothing is charged twice.
import type { Principal } from '../access/model.ts';
import type { CatalogService } from '../catalog/service.ts';
import type { Executor } from '../db/client.ts';
import { Receipt, type TransactionUnit, type UnitOfWork, type Units } from '../db/unit-of-work.ts';
import type { IntakeService } from '../intake/service.ts';
import { assert, assertFen, type Clock } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import type {
  DeclaredConversion,
  Dispute,
  DisputeOutcome,
  FeeLoan,
  Statement,
  StatementDocument,
  Termination,
} from './model.ts';
import { isPeriod, periodWindow } from './period.ts';
import { computeStatement, documentOf, statementHash } from './statement.ts';
import * as store from './store.ts';
import { type Confirmation, liftTermination, recordConfirmation } from './termination.ts';

/** Loans read per page while drafting (keyset pages over booked_loans). */
const LOAN_PAGE = 20_000;
/** The most lines one dispute names. */
export const DISPUTE_LINES_MAX = 100;

export type SettlementStep = 'post' | 'record' | 'dispute' | 'resolve';

export interface SettlementDeps {
  clock: Clock;
  /** for reads outside a unit */
  db: Executor;
  units: Units;
  catalog: CatalogService;
  intake: IntakeService;
  /** the funder's pseudonym for a customer (sharing's Pseudonymiser, as the ledger uses) */
  customerRef: (funderId: string, customerId: string) => string;
  /** the platform's customer behind a funder's pseudonym, if it was ever shared with the funder */
  resolveCustomerRef: (tx: Executor, funderId: string, customerRef: string) => Promise<string | undefined>;
  /** the ledger index of an integrated entry (the funder fetches the entry and its proof by index) */
  ledgerIndexOf?: (tx: Executor, entryId: string) => Promise<number | undefined>;
  /** called after each step commits (the crash tests stop the process here) */
  afterStep?: (step: SettlementStep, id: string) => Promise<void> | void;
}

export class SettlementService {
  constructor(private readonly deps: SettlementDeps) {}

  /** Deterministic, so a rerun of any step names the same rows. */
  static statementId(funderId: string, period: string): string {
    return `stm-${funderId}-${period}`;
  }

  /** Dry run: the month's statement as it would be posted now. Writes nothing. */
  async draft(tx: Executor, funderId: string, period: string): Promise<StatementDocument> {
    checkPeriod(period);
    if (!(await this.deps.catalog.getFunder(tx, funderId)))
      throw new DomainError('funder_not_found', `no funder ${funderId}`, 'funderId');
    const { from, to } = periodWindow(period);
    const loans: FeeLoan[] = [];
    let after: { bookedAt: Date; id: string } | null = null;
    for (;;) {
      const page = await this.deps.intake.loansBookedBetween(tx, funderId, { from, to }, after, LOAN_PAGE);
      for (const l of page)
        loans.push({
          loanId: l.id,
          customerId: l.customerId,
          principalFen: l.principalFen,
          bookedAt: l.bookedAt,
        });
      if (loans.length > store.STATEMENT_LINES_MAX)
        throw new DomainError(
          'statement_too_large',
          `more than ${store.STATEMENT_LINES_MAX} loans`,
          'period',
        );
      if (page.length < LOAN_PAGE) break;
      const last = page[page.length - 1]!;
      after = { bookedAt: last.bookedAt, id: last.id };
    }
    // one after another: the reads share the caller's transaction (one connection)
    const contracts = await this.deps.catalog.contractsBetween(tx, funderId, from, to);
    const collections = await store.collectionsBetween(tx, funderId, from, to);
    const findings = await store.findingsBetween(tx, funderId, from, to);
    const conversions = await store.conversionsBetween(tx, funderId, from, to);
    const adjustments = await store.pendingAdjustments(tx, funderId);
    for (const facts of [collections, findings, conversions])
      if (facts.length >= store.FACTS_READ_MAX)
        throw new DomainError('statement_too_large', `more than ${store.FACTS_READ_MAX} facts`, 'period');
    const prior = await store.serviceFeesByCustomer(tx, funderId, [
      ...new Set(findings.map((f) => f.customerId)),
    ]);
    return computeStatement({
      statementId: SettlementService.statementId(funderId, period),
      funderId,
      period,
      contracts,
      loans,
      collections,
      findings,
      conversions,
      adjustments,
      priorServiceFeeByCustomer: prior,
      customerRef: (customerId) => this.deps.customerRef(funderId, customerId),
    });
  }

  /**
   * Issue the month in one unit (the route's): post, then record. A month already issued is
   * refused (statement_already_issued); one posted but not recorded (a crash between the steps of
   * the batch path) is completed, never posted again.
   */
  async issueIn(unit: TransactionUnit, funderId: string, period: string): Promise<Statement> {
    const id = SettlementService.statementId(funderId, period);
    await this.issuable(unit.tx, funderId, period);
    await this.postIn(unit, funderId, period);
    return this.recordIn(unit, id);
  }

  /** issueIn with each step in a transaction of its own (the batch path: post, record). */
  async issue(funderId: string, period: string): Promise<Statement> {
    const id = SettlementService.statementId(funderId, period);
    const existing = await this.issuable(this.deps.db, funderId, period);
    if (!existing) await this.post(funderId, period);
    return this.record(id);
  }

  /** The month has ended and is not issued yet: its statement row if a crash left one posted. */
  private async issuable(tx: Executor, funderId: string, period: string): Promise<Statement | undefined> {
    checkPeriod(period);
    if (periodWindow(period).to > this.deps.clock.now())
      throw new DomainError('period_not_ended', `${period} has not ended (Asia/Shanghai)`, 'period');
    const existing = await store.getStatement(tx, SettlementService.statementId(funderId, period));
    if (existing && existing.status !== 'posted')
      throw new DomainError('statement_already_issued', `${existing.id} is ${existing.status}`, 'period');
    return existing;
  }

  /** Step `post` in a transaction of its own. */
  async post(funderId: string, period: string): Promise<Statement> {
    const statement = await this.deps.units.run((unit) => this.postIn(unit, funderId, period));
    await this.deps.afterStep?.('post', statement.id);
    return statement;
  }

  /** Step `record` in a transaction of its own. */
  async record(id: string): Promise<Statement> {
    const statement = await this.deps.units.run((unit) => this.recordIn(unit, id));
    await this.deps.afterStep?.('record', id);
    return statement;
  }

  /** Step `post`: the statement row and all its postings in the unit's transaction, or nothing. */
  async postIn(unit: TransactionUnit, funderId: string, period: string): Promise<Statement> {
    checkPeriod(period);
    const id = SettlementService.statementId(funderId, period);
    const tx = unit.tx;
    const found = await store.getStatement(tx, id);
    if (found) return found;
    const document = await this.draft(tx, funderId, period);
    const now = this.deps.clock.now();
    const row = {
      id,
      funderId,
      period,
      status: 'posted' as const,
      statementHash: statementHash(document),
      totalFen: document.totalFen,
      lineCount: document.lines.length,
      periodEnd: periodWindow(period).to,
      postedAt: now,
    };
    // two issuers at once: the month's unique index lets one in; the other finds its row
    if (!(await store.insertStatement(tx, row))) return (await store.getStatement(tx, id))!;
    await store.insertPostings(tx, id, funderId, document.lines, now);
    return store.toStatement({ ...row, ledgerEntryId: null, issuedAt: null });
  }

  /**
   * Step `record`: the statement as read back from the journal must hash to what was posted; the
   * ledger records that hash (statement.issued, in this unit) and the statement becomes issued.
   */
  async recordIn(unit: TransactionUnit, id: string): Promise<Statement> {
    const tx = unit.tx;
    const found = await store.getStatement(tx, id, true);
    if (!found) throw new DomainError('statement_not_found', `no statement ${id}`, 'statementId');
    if (found.status !== 'posted') return found;
    // the postings were written in the transaction that wrote the row and its hash: the journal
    // must still hold exactly those lines (count and sum; GET re-derives the document from them)
    const journal = await store.journalTotals(tx, id);
    assert(
      journal.lineCount === found.lineCount && journal.totalFen === found.totalFen,
      `${id}: the journal holds ${journal.lineCount} lines summing to ${journal.totalFen}, not what was posted`,
    );
    const now = this.deps.clock.now();
    const receipt = new Receipt<string>();
    unit.publish({
      topic: 'statement.issued',
      aggregateId: id,
      payload: {
        funderId: found.funderId,
        statementId: id,
        period: found.period,
        statementHash: found.statementHash,
        totalFen: found.totalFen,
      },
      at: now,
      receipt,
    });
    const ledgerEntryId = receipt.get();
    await store.setStatementStatus(tx, id, 'issued', { ledgerEntryId, issuedAt: now });
    return { ...found, status: 'issued' as const, ledgerEntryId, issuedAt: now };
  }

  /** The statement as a view of its postings (totals are their sums). */
  async document(tx: Executor, statement: Statement): Promise<StatementDocument> {
    const lines = await store.statementLines(tx, statement.id);
    return documentOf(statement.id, statement.funderId, statement.period, lines);
  }

  /** A statement the principal may see: another funder's is not found (never forbidden: no leak). */
  async visible(tx: Executor, principal: Principal, id: string): Promise<Statement> {
    const found = await store.getStatement(tx, id);
    if (!found || (principal.role === 'funder' && principal.funderId !== found.funderId))
      throw new DomainError('statement_not_found', `no statement ${id}`, 'statementId');
    return found;
  }

  async list(
    tx: Executor,
    principal: Principal,
    filter: { funderId?: string; period?: string },
    limit: number,
  ): Promise<Statement[]> {
    const scoped = principal.role === 'funder' ? { ...filter, funderId: principal.funderId ?? '' } : filter;
    return store.listStatements(tx, scoped, limit);
  }

  /** Where the statement's ledger entry is in the tree (null until issued and integrated). */
  async ledgerIndex(tx: Executor, statement: Statement): Promise<number | null> {
    if (statement.ledgerEntryId === null || !this.deps.ledgerIndexOf) return null;
    return (await this.deps.ledgerIndexOf(tx, statement.ledgerEntryId)) ?? null;
  }

  /** The funder's name as the catalogue holds it (the printable statement's header). */
  async funderName(tx: Executor, funderId: string): Promise<string> {
    return (await this.deps.catalog.getFunder(tx, funderId))?.name ?? funderId;
  }

  async disputes(tx: Executor, statementId: string): Promise<Dispute[]> {
    return store.disputesOf(tx, statementId);
  }

  /**
   * Step `dispute`: the funder disputes lines of its issued statement. The same lines with the same
   * reason again answer the same disputes (a rerun); a line disputed with another reason is refused.
   */
  async dispute(
    unit: TransactionUnit,
    principal: Principal,
    statementId: string,
    input: { lineNos: number[]; reason: string },
  ): Promise<Dispute[]> {
    const tx = unit.tx;
    const lineNos = [...new Set(input.lineNos)].sort((a, b) => a - b);
    assert(lineNos.length >= 1 && lineNos.length <= DISPUTE_LINES_MAX, 'the route bounds the lines');
    await this.visible(tx, principal, statementId);
    const statement = (await store.getStatement(tx, statementId, true))!;
    if (statement.status === 'posted')
      throw new DomainError('statement_not_issued', `${statementId} is not issued yet`, 'statementId');
    const amounts = await store.lineAmounts(tx, statementId, lineNos);
    const missing = lineNos.find((n) => !amounts.has(n));
    if (missing !== undefined)
      throw new DomainError('statement_line_not_found', `${statementId} has no line ${missing}`, 'lineNos');
    const existing = new Map((await store.disputesOf(tx, statementId)).map((d) => [d.lineNo, d]));
    const now = this.deps.clock.now();
    const fresh: Dispute[] = [];
    for (const lineNo of lineNos) {
      const seen = existing.get(lineNo);
      if (seen && seen.reason !== input.reason)
        throw new DomainError('line_already_disputed', `line ${lineNo} is disputed already`, 'lineNos');
      if (!seen)
        fresh.push({
          id: `dsp-${statementId}-${lineNo}`,
          statementId,
          funderId: statement.funderId,
          lineNo,
          reason: input.reason,
          status: 'open',
          openedAt: now,
          resolvedAt: null,
          resolvedBy: null,
        });
    }
    if (fresh.length > 0) {
      await store.insertDisputes(tx, fresh);
      if (statement.status !== 'disputed') await store.setStatementStatus(tx, statementId, 'disputed');
      unit.publish({
        topic: 'statement.disputed',
        aggregateId: statementId,
        payload: { funderId: statement.funderId, statementId, lineNos: fresh.map((d) => d.lineNo) },
        at: now,
      });
    }
    return lineNos.map((n) => existing.get(n) ?? fresh.find((d) => d.lineNo === n)!);
  }

  /**
   * Step `resolve`: upheld (the charge stands) or withdrawn (the next statement refunds the line
   * as an adjustment posting). The same outcome again is a no-op; another outcome is refused. When
   * no dispute of the statement is open any more, the statement is resolved.
   */
  async resolve(
    unit: TransactionUnit,
    disputeId: string,
    outcome: DisputeOutcome,
    actor: string,
  ): Promise<Dispute> {
    const tx = unit.tx;
    const found = await store.getDispute(tx, disputeId, true);
    if (!found) throw new DomainError('dispute_not_found', `no dispute ${disputeId}`, 'disputeId');
    if (found.status === outcome) return found;
    if (found.status !== 'open')
      throw new DomainError('dispute_already_resolved', `${disputeId} was ${found.status}`, 'outcome');
    const now = this.deps.clock.now();
    await store.resolveDispute(tx, disputeId, outcome, actor, now);
    await store.getStatement(tx, found.statementId, true);
    const open = (await store.disputesOf(tx, found.statementId)).filter(
      (d) => d.status === 'open' && d.id !== disputeId,
    );
    if (open.length === 0) await store.setStatementStatus(tx, found.statementId, 'resolved');
    unit.publish({
      topic: 'statement.dispute_resolved',
      aggregateId: found.statementId,
      payload: { funderId: found.funderId, statementId: found.statementId, disputeId, outcome },
      at: now,
    });
    return { ...found, status: outcome, resolvedAt: now, resolvedBy: actor };
  }

  /** dispute in a unit of its own, then the step hook (the crash tests' driver). */
  async disputeStep(principal: Principal, statementId: string, input: { lineNos: number[]; reason: string }) {
    const result = await this.deps.units.run((unit) => this.dispute(unit, principal, statementId, input));
    await this.deps.afterStep?.('dispute', statementId);
    return result;
  }

  async resolveStep(disputeId: string, outcome: DisputeOutcome, actor: string) {
    const result = await this.deps.units.run((unit) => this.resolve(unit, disputeId, outcome, actor));
    await this.deps.afterStep?.('resolve', disputeId);
    return result;
  }

  /** Catalog's guard: a contract may not take effect inside a month that has a statement. */
  postedUntil(tx: Executor, funderId: string): Promise<Date | null> {
    return store.postedUntil(tx, funderId);
  }

  /** Service-fee income per Asia/Shanghai day of posting in [from, to) (the dashboard's overview). */
  serviceFeeIncomeByDay(tx: Executor, from: Date, to: Date): Promise<Map<number, number>> {
    return store.serviceFeeIncomeByDay(tx, from, to);
  }

  /**
   * A funder declares it converts a platform customer (by its pseudonym) and accepts the fee of
   * the contract in force. Idempotent: the same customer again answers the first declaration.
   * Raises conversion.declared (the ledger's `conversion` entry, in this unit); the line appears
   * on the statement of the month it was declared.
   */
  async declareConversion(
    unit: TransactionUnit,
    principal: Principal,
    customerRef: string,
  ): Promise<DeclaredConversion> {
    const tx = unit.tx;
    const funderId = principal.funderId;
    assert(principal.role === 'funder' && funderId !== null, 'the route admits funder keys only');
    const customerId = await this.deps.resolveCustomerRef(tx, funderId, customerRef);
    if (!customerId)
      throw new DomainError(
        'conversion_customer_not_exposed',
        'no such customer was shared with you',
        'customerRef',
      );
    const view = (row: { id: string; feeFen: number; declaredAt: Date }): DeclaredConversion => ({
      id: row.id,
      funderId,
      customerRef,
      feeFen: row.feeFen,
      declaredAt: row.declaredAt,
    });
    const earlier = await store.conversionOf(tx, funderId, customerId);
    if (earlier) return view(earlier);
    const contract = await this.deps.catalog.currentContract(tx, funderId);
    if (!contract)
      throw new DomainError('conversion_without_contract', 'no contract in force', 'customerRef');
    const now = this.deps.clock.now();
    // named by the funder's pseudonym: a rerun names the same row
    const row = {
      id: `cnv-${funderId}-${customerRef}`,
      funderId,
      customerId,
      feeFen: contract.terms.conversionFeeFen,
      declaredAt: now,
    };
    if (!(await store.recordConversion(tx, row)))
      return view((await store.conversionOf(tx, funderId, customerId))!);
    unit.publish({
      topic: 'conversion.declared',
      aggregateId: row.id,
      payload: { funderId, customerId, conversionId: row.id, feeFen: row.feeFen },
      at: now,
    });
    return view(row);
  }

  // ---- fee-basis facts (recorded by the modules that own them, through services.ts) ----

  /**
   * Subscriber of repayment.recorded (services.ts): what the repayment collected, divided fee,
   * interest, principal (先费后息再本, ADR 0091), in the unit that records the repayment. The interest
   * basis charges on the interest part. A write-off collects nothing and records nothing.
   */
  recordCollection(
    unit: UnitOfWork,
    row: {
      repaymentId: string;
      loanId: string;
      funderId: string;
      customerId: string;
      feeFen: number;
      interestFen: number;
      principalFen: number;
      collectedAt: Date;
    },
  ): void {
    for (const part of [row.feeFen, row.interestFen, row.principalFen]) assertFen(part, 'collected part');
    if (row.feeFen + row.interestFen + row.principalFen === 0) return;
    store.collectionIntent(unit, row);
  }

  /** Subscriber of a confirmation (services.ts): its findings, and the termination trigger (ADR 0093). */
  recordConfirmation(unit: TransactionUnit, input: Confirmation): Promise<Termination | undefined> {
    return recordConfirmation(this.deps, unit, input);
  }

  /** An admin lifts a termination with a reason (recorded; routing resumes through the event). */
  liftTermination(
    unit: TransactionUnit,
    terminationId: string,
    input: { liftedBy: string; reason: string },
  ): Promise<Termination> {
    return liftTermination(this.deps, unit, terminationId, input);
  }

  terminations(
    tx: Executor,
    filter: { funderId?: string; status?: Termination['status'] },
    limit: number,
  ): Promise<Termination[]> {
    return store.listTerminations(tx, filter, limit);
  }

  /** Catalog's guard: only a termination's lift reactivates its funder. */
  async terminationInForce(tx: Executor, funderId: string): Promise<boolean> {
    return (await store.terminationInForce(tx, funderId)) !== undefined;
  }

  /** The funders that declared converting this customer, and when (detection's "explained"). */
  declaredConversionsOf(tx: Executor, customerId: string) {
    return store.conversionsOfCustomer(tx, customerId);
  }

  /** A confirmed finding about a customer, written directly (tests and the bench; production: recordConfirmation). */
  async recordFinding(
    tx: Executor,
    row: { findingId: string; customerId: string; funderId: string; confirmedAt: Date },
  ): Promise<void> {
    await store.recordFindings(tx, [row]);
  }
}

function checkPeriod(period: string): void {
  if (!isPeriod(period)) throw new DomainError('period_invalid', 'a month is YYYY-MM', 'period');
}

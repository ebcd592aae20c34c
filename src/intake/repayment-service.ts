// Repayments of booked loans (ADR 0080): the booking funder's signed repayment events, checked by
// the pure core (repayments.ts) against the loan's schedule and its earlier events, stored
// append-only with the events they raise in one unit of work; and the reads: a loan's installments
// for staff, its funder and its borrower, and a borrower's loans across funders.
import type { Principal } from '../access/model.ts';
import type { Executor } from '../db/client.ts';
import type { TransactionUnit, Units } from '../db/unit-of-work.ts';
import { assert, canonicalJson, type Clock, sha256Hex } from '../kernel/index.ts';
import type { IntakeService } from './service.ts';
import {
  disclosure,
  LEGAL_CAP_ANNUAL,
  type Quote,
  type RepaymentMethod,
  type ScheduleLine,
} from '../pricing/index.ts';
import { DomainError } from './errors.ts';
import type { InstallmentSettled, RepaymentRecorded } from './model.ts';
import {
  type Allocation,
  allocateRepayment,
  checkRepayment,
  earlyPayoff,
  installmentStates,
  type LoanState,
  type LoanTerms,
  nextDue,
  type RepaymentEvent,
  type RepaymentKind,
  REPAYMENTS_PER_LOAN_MAX,
} from './repayments.ts';
import * as store from './store.ts';

/** How a funder's request is authenticated beyond its key: routing's signed-callback check (services.ts). */
export interface FunderSignatures {
  /** Throws signature_invalid / signature_expired unless `header` signs `rawBody` with the funder's secret. */
  verify(tx: Executor, funderId: string, rawBody: string, header: string | undefined): Promise<void>;
}

export interface RepaymentBody {
  loanId: string;
  repaymentId: string;
  kind: RepaymentKind;
  installmentNo?: number;
  amountFen: number;
  paidAt: string;
}

export interface RepaymentAnswer {
  repaymentId: string;
  loanId: string;
  kind: RepaymentKind;
  installmentNo: number | null;
  amountFen: number;
  paidAt: string;
  recordedAt: string;
  settled: Array<{ installmentNo: number; state: 'paid' | 'closed' | 'written-off' }>;
  outstandingPrincipalFen: number;
  loanClosed: boolean;
}

/** The most loans a borrower's list shows (STYLE §8); a borrower with more sees the newest. */
export const BORROWER_LOANS_MAX = 100;

export class RepaymentService {
  constructor(
    private readonly deps: {
      clock: Clock;
      units: Units;
      signatures: FunderSignatures;
      /** the loans and who may see them (IntakeService applies access/visibility.ts) */
      intake: Pick<IntakeService, 'getVisibleLoan' | 'ownLoans'>;
    },
  ) {}

  /**
   * Record a repayment the booking funder reports. The same (funder, repaymentId) with the same body
   * answers the first answer again (`replayed`); with another body, repayment_id_reused. Any refusal
   * rolls the whole unit back: nothing is written.
   */
  async record(
    principal: Principal,
    rawBody: string,
    signature: string | undefined,
    body: RepaymentBody,
  ): Promise<{ body: RepaymentAnswer; replayed: boolean }> {
    const hash = sha256Hex(canonicalJson(body));
    try {
      return await this.recordOnce(principal, rawBody, signature, body, hash);
    } catch (error) {
      // The same repaymentId sent concurrently for two loans: the primary key let one in; the
      // other now finds it and answers as a repeat would.
      if (!store.isRepaymentIdConflict(error)) throw error;
      return this.recordOnce(principal, rawBody, signature, body, hash);
    }
  }

  private recordOnce(
    principal: Principal,
    rawBody: string,
    signature: string | undefined,
    body: RepaymentBody,
    hash: string,
  ): Promise<{ body: RepaymentAnswer; replayed: boolean }> {
    const funderId = principal.funderId;
    assert(principal.role === 'funder' && funderId !== null, 'repayments come from funder keys');
    return this.deps.units.run(async (unit) => {
      const { tx } = unit;
      await this.deps.signatures.verify(tx, funderId, rawBody, signature);
      // The loan's row lock orders its repayments: each is checked against all accepted before it.
      // A funder sees only the loans it booked; another's answers as a missing one.
      const loan = await this.deps.intake.getVisibleLoan(tx, principal, body.loanId, {
        lock: true,
        field: 'loanId',
      });
      const existing = await store.repaymentOf(tx, funderId, body.repaymentId);
      if (existing) {
        if (existing.requestHash !== hash)
          throw new DomainError(
            'repayment_id_reused',
            'this repaymentId was sent before with a different body',
            'repaymentId',
          );
        return { body: existing.response as unknown as RepaymentAnswer, replayed: true };
      }
      const answer = await this.accept(unit, loan, body, hash);
      return { body: answer, replayed: false };
    });
  }

  /** Check a new repayment against the loan's accepted events; write it and raise its events. */
  private async accept(
    unit: TransactionUnit,
    loan: store.LoanRow,
    body: RepaymentBody,
    hash: string,
  ): Promise<RepaymentAnswer> {
    const rows = await store.repaymentsOfLoan(unit.tx, loan.id, REPAYMENTS_PER_LOAN_MAX + 1);
    if (rows.length >= REPAYMENTS_PER_LOAN_MAX)
      throw new DomainError(
        'repayments_limit_reached',
        'the loan carries the most repayment events allowed',
        'loanId',
      );
    if (body.kind === 'early-payoff' && body.installmentNo !== undefined)
      throw new DomainError('invalid_request', 'an early payoff names no installment', 'installmentNo');
    const paidAt = new Date(body.paidAt);
    if (Number.isNaN(paidAt.getTime()))
      throw new DomainError('invalid_request', 'paidAt is not a time', 'paidAt');
    const now = this.deps.clock.now();
    const input = {
      kind: body.kind,
      installmentNo: body.installmentNo ?? null,
      amountFen: body.amountFen,
      paidAt,
    };
    const checked = checkRepayment(termsOf(loan), rows.map(eventOf), input, now);
    if (!checked.ok) throw new DomainError(checked.code, checked.message, checked.field, checked.details);
    const { settled, after } = checked.value;
    const allocation = allocateRepayment(termsOf(loan), rows.map(eventOf), input);
    const answer: RepaymentAnswer = {
      repaymentId: body.repaymentId,
      loanId: loan.id,
      kind: body.kind,
      installmentNo: input.installmentNo,
      amountFen: body.amountFen,
      paidAt: paidAt.toISOString(),
      recordedAt: now.toISOString(),
      settled,
      outstandingPrincipalFen: after.outstandingPrincipalFen,
      loanClosed: after.closedAt !== null || after.settled,
    };
    store.insertRepayment(unit, {
      funderId: loan.funderId,
      repaymentId: body.repaymentId,
      loanId: loan.id,
      kind: body.kind,
      installmentNo: input.installmentNo,
      amountFen: body.amountFen,
      paidAt,
      requestHash: hash,
      response: answer as unknown as Record<string, unknown>,
      recordedAt: now,
    });
    this.publish(unit, loan, answer, allocation, now);
    return answer;
  }

  /** repayment.recorded, then installment.settled for each installment it settled (the contract with reminders). */
  private publish(
    unit: TransactionUnit,
    loan: store.LoanRow,
    answer: RepaymentAnswer,
    allocation: Allocation,
    now: Date,
  ): void {
    unit.publish({
      topic: 'repayment.recorded',
      aggregateId: loan.id,
      payload: {
        loanId: loan.id,
        funderId: loan.funderId,
        customerId: loan.customerId,
        repaymentId: answer.repaymentId,
        kind: answer.kind,
        installmentNo: answer.installmentNo,
        amountFen: answer.amountFen,
        allocation,
        at: answer.paidAt,
      },
      at: now,
    } satisfies RepaymentRecorded);
    for (const item of answer.settled)
      unit.publish({
        topic: 'installment.settled',
        aggregateId: loan.id,
        payload: { loanId: loan.id, installmentNo: item.installmentNo, state: item.state, at: answer.paidAt },
        at: now,
      } satisfies InstallmentSettled);
  }

  /** A loan's installments at the clock's now, for a principal that may see the loan (else loan_not_found). */
  async installments(tx: Executor, principal: Principal, loanId: string) {
    const loan = await this.deps.intake.getVisibleLoan(tx, principal, loanId);
    const events = (await store.repaymentsOfLoan(tx, loan.id, REPAYMENTS_PER_LOAN_MAX)).map(eventOf);
    return this.view(loan, events);
  }

  /** The state of one loan as the pure core derives it from the stored events (tests compare the two). */
  async stateOf(
    tx: Executor,
    loanId: string,
  ): Promise<{ terms: LoanTerms; events: RepaymentEvent[] } | undefined> {
    const loan = await store.loanById(tx, loanId);
    if (!loan) return undefined;
    return {
      terms: termsOf(loan),
      events: (await store.repaymentsOfLoan(tx, loanId, REPAYMENTS_PER_LOAN_MAX)).map(eventOf),
    };
  }

  /**
   * A borrower's loans through the platform, across funders, newest first: each with its next due
   * installment and pricing's annual cost and disclosure text.
   */
  async borrowerLoans(tx: Executor, principal: Principal) {
    assert(principal.role === 'borrower', 'the borrower routes take borrower principals only');
    const loans = await this.deps.intake.ownLoans(tx, principal, BORROWER_LOANS_MAX);
    const events = await store.repaymentsOfLoans(
      tx,
      loans.map((l) => l.id),
      BORROWER_LOANS_MAX * REPAYMENTS_PER_LOAN_MAX,
    );
    const now = this.deps.clock.now();
    return {
      loans: loans.map((loan) => {
        const state = installmentStates(
          termsOf(loan),
          events.filter((e) => e.loanId === loan.id).map(eventOf),
          now,
        );
        const shown = disclosure(quoteOf(loan));
        return {
          loanId: loan.id,
          applicationId: loan.applicationId,
          funderId: loan.funderId,
          principalFen: loan.principalFen,
          termMonths: loan.termMonths,
          method: loan.method,
          bookedAt: loan.bookedAt,
          outstandingPrincipalFen: state.outstandingPrincipalFen,
          closed: state.closedAt !== null || state.settled,
          overdueCount: state.installments.filter((i) => i.state === 'overdue').length,
          nextDue: nextDue(state),
          apr: { nominal: loan.aprNominal, effective: loan.aprEffective },
          aprText: shown.aprText,
          disclosureText: shown.text,
        };
      }),
    };
  }

  private view(loan: store.LoanRow, events: RepaymentEvent[]) {
    const now = this.deps.clock.now();
    const state: LoanState = installmentStates(termsOf(loan), events, now);
    const open = state.closedAt === null && !state.settled;
    return {
      loanId: loan.id,
      funderId: loan.funderId,
      customerId: loan.customerId,
      bookedAt: loan.bookedAt,
      asOf: now,
      outstandingPrincipalFen: state.outstandingPrincipalFen,
      paidFen: state.paidFen,
      writtenOffFen: state.writtenOffFen,
      closedAt: state.closedAt,
      settled: state.settled,
      /** what an early payoff today would be (null once the loan is closed or settled) */
      payoffTodayFen: open ? earlyPayoff(termsOf(loan), events, now).totalFen : null,
      nextDue: nextDue(state),
      installments: state.installments,
    };
  }
}

function termsOf(loan: store.LoanRow): LoanTerms {
  return { bookedAt: loan.bookedAt, rateAnnual: loan.rateAnnual, schedule: loan.schedule as ScheduleLine[] };
}

function eventOf(row: store.RepaymentRow): RepaymentEvent {
  return {
    repaymentId: row.repaymentId,
    kind: row.kind as RepaymentKind,
    installmentNo: row.installmentNo,
    amountFen: row.amountFen,
    paidAt: row.paidAt,
  };
}

/**
 * The booked loan as pricing's Quote, for its disclosure: the schedule, totals and annual cost
 * pricing computed at booking. The cap line is checked against the legal 24% nominal line (the
 * cap the booking passed may have been stricter; it is not stored with the loan).
 */
function quoteOf(loan: store.LoanRow): Quote {
  const totals = loan.totals as unknown as Quote['totals'];
  return {
    schedule: loan.schedule as ScheduleLine[],
    totals,
    apr: { periodRate: loan.aprNominal / 12, nominal: loan.aprNominal, effective: loan.aprEffective },
    capCheck: { cap: LEGAL_CAP_ANNUAL, basis: 'nominal', ok: loan.aprNominal <= LEGAL_CAP_ANNUAL },
    loan: {
      principalFen: loan.principalFen,
      termMonths: loan.termMonths,
      rateAnnual: loan.rateAnnual,
      method: loan.method as RepaymentMethod,
    },
  };
}

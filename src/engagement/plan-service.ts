// The financing plan's shell: the borrower's platform loans (intake's booked loans and their
// schedules), their income (the last application's, unless they give one), the loans they add by
// hand, and routing's eligibility now, handed to the pure core in plan.ts. Reads only; writes nothing.
import type { Principal } from '../access/model.ts';
import type { Executor } from '../db/client.ts';
import type { BookingService } from '../intake/booking.ts';
import type { IntakeService } from '../intake/service.ts';
import { assert } from '../kernel/index.ts';
import type { RepaymentService } from '../intake/repayment-service.ts';
import { type InstallmentState, installmentStates } from '../intake/repayments.ts';
import type { Clock } from '../kernel/index.ts';
import type { RoutingService } from '../routing/service.ts';
import { DomainError } from './errors.ts';
import {
  type FinancingPlan,
  MANUAL_LOANS_MAX,
  type ManualLoanInput,
  manualLoan,
  PLAN_LOANS_MAX,
  type PlanLoan,
  planFinancing,
} from './plan.ts';

export interface PlanRequest {
  monthlyIncomeFen?: number | undefined;
  prepaymentFen?: number | undefined;
  loans?: readonly ManualLoanInput[] | undefined;
}

export interface PlanDeps {
  clock: Clock;
  intake: IntakeService;
  booking: BookingService;
  routing: RoutingService;
  /** the repayment events of a loan, from which intake's core derives what is left (ADR 0080) */
  repayments: Pick<RepaymentService, 'stateOf'>;
}

/** Installments nothing more is owed on. */
const SETTLED: ReadonlySet<InstallmentState> = new Set(['paid', 'closed', 'written-off']);

export class FinancingPlanService {
  constructor(private readonly deps: PlanDeps) {}

  /** The customer's loans through the platform with what is left of each (fully repaid ones left out). */
  async platformLoans(tx: Executor, customerId: string): Promise<PlanLoan[]> {
    const rows = await this.deps.booking.bookedLoansOf(tx, customerId);
    const loans: PlanLoan[] = [];
    for (const row of rows.slice(0, PLAN_LOANS_MAX - MANUAL_LOANS_MAX)) {
      const stored = await this.deps.repayments.stateOf(tx, row.id);
      assert(stored, `loan ${row.id} was listed, so it exists`);
      // Each installment's state and the principal still owed, as repayments derive them now.
      const state = installmentStates(stored.terms, stored.events, this.deps.clock.now());
      if (state.closedAt !== null || state.settled || state.outstandingPrincipalFen === 0) continue;
      const open = state.installments.filter((i) => !SETTLED.has(i.state) && i.remainingFen > 0);
      if (open.length === 0) continue;
      loans.push({
        id: row.id,
        source: 'platform',
        lender: row.funderId,
        principalOutstandingFen: state.outstandingPrincipalFen,
        remainingPaymentsFen: open.map((i) => i.remainingFen),
        statedRateAnnual: row.rateAnnual,
      });
    }
    return loans;
  }

  /** The customer a borrower principal reads (the borrower routes take borrower principals only). */
  ownCustomer(principal: Principal): string {
    assert(principal.role === 'borrower', 'the borrower routes take borrower principals only');
    if (principal.customerId === null)
      throw new DomainError('forbidden', 'this key reads no customer', 'authorization');
    return principal.customerId;
  }

  /** A borrower principal's own plan. */
  async ownPlan(tx: Executor, principal: Principal, request: PlanRequest): Promise<FinancingPlan> {
    return this.planFor(tx, this.ownCustomer(principal), request);
  }

  async planFor(tx: Executor, customerId: string, request: PlanRequest): Promise<FinancingPlan> {
    const manual = request.loans ?? [];
    if (manual.length > MANUAL_LOANS_MAX)
      throw new DomainError('plan_too_many_loans', `at most ${MANUAL_LOANS_MAX} hand-added loans`, 'loans');
    const loans = await this.platformLoans(tx, customerId);
    for (let i = 0; i < manual.length; i++) {
      const loan = manualLoan(manual[i]!, i);
      if (!loan.ok) throw new DomainError(loan.code, loan.message, loan.field);
      loans.push(loan.value);
    }
    const applicationId = await this.deps.booking.latestApplicationIdOf(tx, customerId);
    const application =
      applicationId === undefined ? undefined : await this.deps.intake.get(tx, applicationId);
    const context =
      applicationId === undefined ? null : await this.deps.routing.eligibilityFor(tx, applicationId);
    const plan = planFinancing(
      {
        monthlyIncomeFen: request.monthlyIncomeFen ?? application?.monthlyIncomeFen ?? 0,
        loans,
        prepaymentFen: request.prepaymentFen,
      },
      context,
    );
    if (!plan.ok) throw new DomainError(plan.code, plan.message, plan.field);
    return plan.value;
  }
}

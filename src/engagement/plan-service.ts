// The financing plan's shell: the borrower's platform loans (intake's booked loans and their
// schedules), their income (the last application's, unless they give one), the loans they add by
// hand, and routing's eligibility now, handed to the pure core in plan.ts. Reads only; writes nothing.
import type { Executor } from '../db/client.ts';
import type { BookingService } from '../intake/booking.ts';
import type { IntakeService } from '../intake/service.ts';
import { assert } from '../kernel/index.ts';
import type { ScheduleLine } from '../pricing/model.ts';
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

/**
 * How many of a loan's installments are settled. Repayments are issue 15 item 1 (h/repay): until
 * they are wired in, no installment is settled and the whole schedule is what is left.
 */
export type SettledInstallments = (tx: Executor, loanId: string) => Promise<number>;

export interface PlanDeps {
  intake: IntakeService;
  booking: BookingService;
  routing: RoutingService;
  settledInstallments?: SettledInstallments;
}

export class FinancingPlanService {
  constructor(private readonly deps: PlanDeps) {}

  /** The customer's loans through the platform with what is left of each (fully repaid ones left out). */
  async platformLoans(tx: Executor, customerId: string): Promise<PlanLoan[]> {
    const rows = await this.deps.booking.bookedLoansOf(tx, customerId);
    const loans: PlanLoan[] = [];
    for (const row of rows.slice(0, PLAN_LOANS_MAX - MANUAL_LOANS_MAX)) {
      const schedule = row.schedule as ScheduleLine[];
      assert(schedule.length === row.termMonths, `loan ${row.id}: its schedule has one line a month`);
      const settled = (await this.deps.settledInstallments?.(tx, row.id)) ?? 0;
      if (settled >= schedule.length) continue;
      loans.push({
        id: row.id,
        source: 'platform',
        lender: row.funderId,
        principalOutstandingFen: settled === 0 ? row.principalFen : schedule[settled - 1]!.balanceFen,
        remainingPaymentsFen: schedule.slice(settled).map((line) => line.paymentFen),
        statedRateAnnual: row.rateAnnual,
      });
    }
    return loans;
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

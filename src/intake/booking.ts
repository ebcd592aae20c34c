// Booking: the borrower confirms an approved application and the loan is booked with its schedule
// from pricing, or abandons it. Intake owns the loans booked (DESIGN, modules); routing's part (the
// approved terms, the cap in force, its usage accounting) comes through BookingRouting, passed in
// at construction (src/services.ts), so intake does not import routing and all of it happens in
// the booking's one transaction.
import type { CatalogService } from '../catalog/service.ts';
import type { Executor } from '../db/client.ts';
import { type Clock, type IdGenerator, assert } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import type { Units } from '../db/unit-of-work.ts';
import {
  type CapPolicy,
  type FeeLine,
  offerCostRefusal,
  quote,
  type RepaymentMethod,
} from '../pricing/index.ts';
import '../pricing/errors.ts';
import type { Application, LoanBooked } from './model.ts';
import type { IntakeService } from './service.ts';
import * as store from './store.ts';

export type { LoanRow } from './store.ts';

/** The terms a booking prices: what routing offered for the approved product, and the funder's answer. */
export interface ApprovedTerms {
  offer: {
    amountFen: number;
    termMonths: number;
    rateAnnual: number;
    method: RepaymentMethod;
    fees: readonly FeeLine[];
  };
  /** the terms the funder named in its approval, if any */
  answer: { amountFen?: number; rateAnnual?: number };
}

/** What booking needs of routing (src/routing/booking-port.ts), all in the caller's transaction. */
export interface BookingRouting {
  /** The offered terms of the approved product and the funder's answer; locks the routing decision. */
  approvedTerms(
    tx: Executor,
    application: Application,
    funderId: string,
    productId: string,
  ): Promise<ApprovedTerms>;
  /** The cap in force as of this transaction (ADR 0065). */
  capPolicy(tx: Executor): Promise<CapPolicy>;
  /** Routing's accounting of a booked loan: the funder's monthly usage, the customer's last funder, the decision's phase. */
  booked(
    tx: Executor,
    loan: {
      applicationId: string;
      customerId: string;
      funderId: string;
      principalFen: number;
      bookedAt: Date;
    },
  ): Promise<void>;
  /** The routing decision of an abandoned application is closed. */
  abandoned(tx: Executor, applicationId: string): Promise<void>;
}

export interface BookingDeps {
  clock: Clock;
  ids: IdGenerator;
  intake: IntakeService;
  catalog: Pick<CatalogService, 'currentContract'>;
  /** units joined to the booking's transaction: the booking is an event (the ledger records it) */
  units: Units;
  routing: BookingRouting;
}

export class BookingService {
  constructor(private readonly deps: BookingDeps) {}

  /** Book the approved loan with its schedule from pricing. The loans' primary key forbids a second booking. */
  async confirm(tx: Executor, application: Application): Promise<store.LoanRow> {
    if (application.status !== 'approved')
      throw new DomainError(
        'application_not_approved',
        `the application is ${application.status}, not approved`,
        'id',
      );
    const { funderId, productId } = application;
    assert(funderId && productId, 'an approved application has a decision, a funder and a product');
    const { offer, principalFen, rateAnnual, priced } = await this.price(
      tx,
      application,
      funderId,
      productId,
    );
    const now = this.deps.clock.now();
    await this.deps.intake.transition(tx, application.id, 'confirmed', { reason: 'borrower confirmed' });
    const loan = {
      applicationId: application.id,
      id: this.deps.ids.next('loan'),
      customerId: application.customerId,
      funderId,
      productId,
      principalFen,
      termMonths: offer.termMonths,
      rateAnnual,
      method: offer.method,
      aprNominal: priced.apr.nominal,
      aprEffective: priced.apr.effective,
      schedule: priced.schedule,
      totals: { ...priced.totals },
      bookedAt: now,
    };
    if (!(await store.insertLoan(tx, loan)))
      throw new DomainError('conflict', 'the loan is booked already', 'id');
    await this.deps.intake.transition(tx, application.id, 'booked', { reason: `loan ${loan.id}` });
    await this.deps.routing.booked(tx, {
      applicationId: application.id,
      customerId: application.customerId,
      funderId,
      principalFen,
      bookedAt: now,
    });
    const unit = this.deps.units.join(tx);
    unit.publish({
      topic: 'loan.booked',
      aggregateId: application.id,
      payload: {
        applicationId: application.id,
        customerId: application.customerId,
        funderId,
        loanId: loan.id,
        amountFen: principalFen,
      },
      at: now,
      loan: { paymentsFen: priced.schedule.map((line) => line.paymentFen) },
    } satisfies LoanBooked);
    await unit.flush();
    return loan;
  }

  /** The approved terms priced with the cap in force; refused if they now exceed it. */
  private async price(tx: Executor, application: Application, funderId: string, productId: string) {
    const { offer, answer } = await this.deps.routing.approvedTerms(tx, application, funderId, productId);
    // The funder may approve less, or a lower rate, never more than offered.
    const principalFen = Math.min(answer.amountFen ?? offer.amountFen, offer.amountFen);
    const rateAnnual = Math.min(answer.rateAnnual ?? offer.rateAnnual, offer.rateAnnual);
    const policy = await this.deps.routing.capPolicy(tx);
    const priced = quote({
      principalFen,
      termMonths: offer.termMonths,
      rateAnnual,
      method: offer.method,
      fees: offer.fees,
      cap: policy.cap,
    });
    if (!priced.ok) throw new DomainError(priced.code, priced.message, priced.field);
    // The booking passes the same rule as the offer, with the contract in force now.
    const contract = await this.deps.catalog.currentContract(tx, funderId);
    const refusal = offerCostRefusal(priced.value.apr, policy, contract?.terms.maxPenaltyRateAnnual);
    if (refusal !== null)
      throw new DomainError(refusal, 'the approved terms exceed the annual cost cap', 'id');
    return { offer, principalFen, rateAnnual, priced: priced.value };
  }

  async loan(tx: Executor, applicationId: string): Promise<store.LoanRow | undefined> {
    return store.loanOf(tx, applicationId);
  }

  /** The customer's loans booked through the platform, newest first (bounded; detection reads them). */
  async loansOfCustomer(
    tx: Executor,
    customerId: string,
  ): Promise<Array<{ funderId: string; applicationId: string; bookedAt: Date }>> {
    return (await store.loansOfCustomer(tx, customerId)).map((row) => ({
      funderId: row.funderId,
      applicationId: row.applicationId,
      bookedAt: row.bookedAt,
    }));
  }

  /** Loans booked per funder since `since` (detection's rescoring). */
  bookedCounts(tx: Executor, since: Date): Promise<Map<string, number>> {
    return store.bookedCountsSince(tx, since);
  }

  /**
   * The customer's booked loans with their schedules, newest first (bounded by the store's
   * LOANS_PER_CUSTOMER_LIMIT): the borrower portal and the financing plan read them.
   */
  async bookedLoansOf(tx: Executor, customerId: string): Promise<store.LoanRow[]> {
    return store.loansOfCustomer(tx, customerId);
  }

  /** The customer's newest application, whose routing decision the financing plan starts from. */
  async latestApplicationIdOf(tx: Executor, customerId: string): Promise<string | undefined> {
    return store.latestApplicationIdOf(tx, customerId);
  }

  async abandon(tx: Executor, application: Application): Promise<Application> {
    const updated = await this.deps.intake.transition(tx, application.id, 'abandoned', {
      reason: 'borrower abandoned',
    });
    await this.deps.routing.abandoned(tx, application.id);
    return updated;
  }
}

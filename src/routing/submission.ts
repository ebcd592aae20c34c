// Routing at submission: intake's submit takes a router that scores and routes the application
// before it is stored, so the application is inserted in its routed status (offered or declined)
// with the decision row in intake's one write statement (ADR 0034).
import type { Database, Executor } from '../db/client.ts';
import type { StoredResponse } from '../db/idempotency.ts';
import { ageAt, parseIdNumber } from '../identity/id-number.ts';
import type { Application, ApplicationInput } from '../intake/model.ts';
import type { Ref, UnitOfWork } from '../db/unit-of-work.ts';
import type { IntakeService, SubmitIdempotency, SubmitRouter } from '../intake/service.ts';
import type { ApplicationStatus } from '../intake/status.ts';
import { assert } from '../kernel/index.ts';
import { decide, encodeOutcomes } from './decide.ts';
import { monthOf } from './dispatch.ts';
import { INELIGIBILITY_CODES } from './model.ts';
import { encodeOffers } from './offers-codec.ts';
import { seedOf } from './rotation.ts';
import { classifyEmployer } from './scorecard.ts';
import * as store from './store.ts';
import type { RoutingTableCache } from './table-cache.ts';

export class RoutingSubmission {
  constructor(
    private readonly deps: { intake: IntakeService },
    private readonly tables: RoutingTableCache,
  ) {}

  /**
   * Submit an application through intake and route it before intake stores it: the application is
   * inserted directly in its routed status (offered or declined), with both events and the
   * decision row, in intake's one write statement.
   */
  async submitAndRoute(
    tx: Executor,
    input: ApplicationInput,
  ): Promise<{
    application: Application;
    customerCreated: boolean;
    status: ApplicationStatus;
    score: number;
    band: string;
    offers: number;
  }> {
    const router = this.router(tx, input);
    const { application, customerCreated } = await this.deps.intake.submit(tx, input, router);
    assert(router.routed, 'intake called the router');
    assert(application.score !== null, 'a routed application has its score');
    return {
      application,
      customerCreated,
      status: application.status,
      score: application.score,
      band: router.routed.band,
      offers: router.routed.offers,
    };
  }

  /**
   * The API's submission: intake's two-statement idempotent path (no transaction), routed. The
   * answer is the application with its band, the number of offers and whether the customer is new.
   */
  async submitAndRouteIdempotent(
    database: Database,
    input: ApplicationInput,
    idempotency: Omit<SubmitIdempotency, 'respond'>,
  ): Promise<StoredResponse> {
    const router = this.router(database.db, input);
    return this.deps.intake.submitIdempotent(database.run, input, router, {
      ...idempotency,
      respond: (application, customerCreated) => {
        assert(router.routed, 'intake called the router');
        assert(application.score !== null, 'a routed application has its score');
        return {
          ...application,
          band: router.routed.band,
          offerCount: router.routed.offers,
          customerCreated,
        };
      },
    });
  }

  private router(
    executor: Executor,
    input: ApplicationInput,
  ): SubmitRouter & { routed?: { band: string; offers: number } } {
    const router: SubmitRouter & { routed?: { band: string; offers: number } } = {
      lookup: (lookups, customerId) => store.lastFunderOf(lookups, customerId),
      route: async (draft, looked) => {
        const decided = await this.route(executor, draft, input, (looked as string | null) ?? null);
        router.routed = decided;
        return decided;
      },
    };
    return router;
  }

  /** Score and route an application about to be stored; the decision row goes in intake's statement. */
  private async route(
    tx: Executor,
    application: Application,
    input: ApplicationInput,
    lastFunderId: string | null,
  ): Promise<{
    to: 'offered' | 'declined';
    score: number;
    reason: string;
    band: string;
    offers: number;
    alongside: (unit: UnitOfWork, customer: { id: Ref<string> }) => void;
  }> {
    const now = application.createdAt;
    const parsed = parseIdNumber(input.applicant.idNumber, now);
    assert(parsed.ok, 'intake validated the ID number');
    const cached = await this.tables.routingTable(tx);
    const { table, trust } = cached;
    await this.tables.ensureSnapshot(tx, cached);
    const funderStates = await this.tables.funderStates(tx, monthOf(now), trust);
    const routingInput = {
      applicant: {
        ageYears: ageAt(parsed.value, now),
        regionCode: parsed.value.region.code,
        amountFen: application.amountFen,
        termMonths: application.termMonths,
        monthlyIncomeFen: application.monthlyIncomeFen,
        employerType: classifyEmployer(input.applicant.employer),
        score: input.score,
      },
      funderStates,
      lastFunderId,
      seed: seedOf(application.id),
    };
    const decision = decide(table, routingInput);
    // The flow the exposure budgets are a share of (ADR 0073), counted as decided, written apart.
    this.tables.countFlow(monthOf(now), decision.band, decision.flowFunderIds);
    const offered = decision.offers.length > 0;
    // Written in intake's submit statement, one round trip for everything.
    const decisionRow = {
      applicationId: application.id,
      score: decision.score,
      scoreSource: decision.scoreSource,
      band: decision.band,
      // The totals are recomputed with the disclosure on read; stored offers stay small.
      // The offered terms include the fees, so the disclosure and the booking price what was offered.
      offers: encodeOffers(decision.offers, application, (productId) => cached.fees.get(productId) ?? []),
      catalogVersion: cached.version,
      outcomes: encodeOutcomes(decision.outcomes),
      features: {
        ageYears: routingInput.applicant.ageYears,
        regionCode: routingInput.applicant.regionCode,
        amountFen: routingInput.applicant.amountFen,
        termMonths: routingInput.applicant.termMonths,
      },
      lastFunderId,
      seed: routingInput.seed,
      phase: offered ? 'offered' : 'declined',
      decidedAt: now,
      updatedAt: now,
    } as const;
    return {
      to: offered ? 'offered' : 'declined',
      score: decision.score,
      reason: offered
        ? `${decision.offers.length} offers`
        : `no eligible product: ${summarise(decision.outcomes)}`,
      band: decision.band,
      offers: decision.offers.length,
      alongside: (unit, customer) => store.addDecision(unit, { ...decisionRow, customerId: customer.id }),
    };
  }
}

function summarise(outcomes: Uint8Array): string {
  const counts = new Map<string, number>();
  for (const outcome of outcomes) {
    if (outcome === 0) continue;
    const code = INELIGIBILITY_CODES[outcome - 1]!;
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return [...counts].map(([code, n]) => `${code} ×${n}`).join(', ') || 'no active products';
}

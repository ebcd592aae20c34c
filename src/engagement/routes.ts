// Engagement HTTP: the financing plan (a borrower's own; staff: any customer's) and the borrower
// portal page at /portal (ADR 0083). The plan changes nothing, so it takes no Idempotency-Key.
import { Type } from 'typebox';
import type { App } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import {
  AprView,
  Closed,
  ErrorResponse,
  errorResponses,
  Fen,
  IdParams,
  Nullable,
  PositiveFen,
  ShortText,
} from '../http/schemas.ts';
import { TERM_MONTHS_MAX } from '../pricing/model.ts';
import { DomainError } from './errors.ts';
import { MANUAL_LOANS_MAX } from './plan.ts';
import type { PlanRequest } from './plan-service.ts';
import { registerPortal } from './portal/serve.ts';

/** A loan the borrower adds by hand; the core checks that its payments repay it. */
const ManualLoanBody = Type.Object(
  {
    lender: ShortText(50),
    principalOutstandingFen: PositiveFen,
    /** the annual rate the lender states (shown beside the true cost the plan computes) */
    rateAnnual: Type.Number({ minimum: 0, exclusiveMaximum: 10 }),
    remainingTermMonths: Type.Integer({ minimum: 1, maximum: TERM_MONTHS_MAX }),
    monthlyPaymentFen: PositiveFen,
  },
  { additionalProperties: false },
);

const PlanBody = Type.Object(
  {
    /** monthly income; absent: the income of the last application */
    monthlyIncomeFen: Type.Optional(Fen),
    /** the spare money the avalanche suggestion prices; absent: ¥1,000 */
    prepaymentFen: Type.Optional(PositiveFen),
    loans: Type.Optional(Type.Array(ManualLoanBody, { maxItems: MANUAL_LOANS_MAX })),
  },
  { additionalProperties: false },
);

const PlanQuery = Type.Object(
  {
    monthlyIncomeFen: Type.Optional(Fen),
    prepaymentFen: Type.Optional(PositiveFen),
  },
  { additionalProperties: false },
);

const PlanView = Closed(
  {
    monthlyIncomeFen: Type.Integer(),
    monthlyPaymentsFen: Type.Integer(),
    debtServiceRatio: Nullable(Type.Number()),
    loans: Type.Array(
      Closed({
        id: Type.String(),
        source: Type.String({ description: 'platform | manual' }),
        lender: Type.String(),
        principalOutstandingFen: Type.Integer(),
        remainingTermMonths: Type.Integer(),
        nextPaymentFen: Type.Integer(),
        remainingCostFen: Type.Integer(),
        statedRateAnnual: Type.Number(),
        trueCost: AprView,
      }),
    ),
    avalanche: Nullable(
      Closed({
        kind: Type.Literal('repay-most-expensive-first'),
        loanId: Type.String(),
        lender: Type.String(),
        trueCost: AprView,
        prepaymentFen: Type.Integer(),
        interestSavedFen: Type.Integer(),
        order: Type.Array(Type.String()),
      }),
    ),
    consolidations: Type.Array(
      Closed({
        kind: Type.Literal('consolidate'),
        loanIds: Type.Array(Type.String()),
        productId: Type.String(),
        funderId: Type.String(),
        amountFen: Type.Integer(),
        termMonths: Type.Integer(),
        rateAnnual: Type.Number(),
        method: Type.String(),
        apr: AprView,
        monthlyPaymentFen: Type.Integer(),
        currentCostFen: Type.Integer(),
        newCostFen: Type.Integer(),
        savingFen: Type.Integer(),
      }),
    ),
    nothingCheaper: Type.Boolean(),
    eligibilityKnown: Type.Boolean(),
  },
  { description: 'The debt-service ratio, the true cost of each loan and what would cost less.' },
);

const planResponses = { 200: PlanView, ...errorResponses, 422: ErrorResponse };

export async function engagementRoutes(app: App): Promise<void> {
  const { plans, identity, database } = app.shoujia;

  app.get(
    '/v1/borrower/plan',
    {
      config: { roles: ['borrower'] },
      schema: {
        tags: ['borrower'],
        summary: "The borrower's financing plan over their loans through the platform",
        querystring: PlanQuery,
        response: planResponses,
      },
    },
    async (request) => plans.ownPlan(database.db, principalOf(request), request.query),
  );

  app.post(
    '/v1/borrower/plan',
    {
      config: { roles: ['borrower'] },
      schema: {
        tags: ['borrower'],
        summary: "The borrower's financing plan, with loans from elsewhere added by hand",
        body: PlanBody,
        response: planResponses,
      },
    },
    async (request) => plans.ownPlan(database.db, principalOf(request), request.body as PlanRequest),
  );

  app.post(
    '/v1/customers/:id/plan',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['borrower'],
        summary: "A customer's financing plan, as the borrower would see it",
        params: IdParams,
        body: PlanBody,
        response: { ...planResponses, 404: ErrorResponse },
      },
    },
    async (request) => {
      if (!(await identity.getProfile(database.db, request.params.id)))
        throw new DomainError('not_found', 'no such customer', 'id');
      return plans.planFor(database.db, request.params.id, request.body as PlanRequest);
    },
  );

  await registerPortal(app);
}

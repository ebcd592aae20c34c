// Over 500 lines because: one declaration per routing endpoint (schemas, roles, summaries) and
// nothing else; splitting it would split one API surface across files.
// Routing HTTP: offers, the explanation of every product (PIPL art. 24), the borrower's choice and
// the dispatch it starts, confirmation and abandonment (booked by intake's BookingService), the
// funder's signed decision callback, and the trust lever. Thin: the services do the work.
import { keepRawJsonBody, rawBodyOf } from '../http/raw-body.ts';
import { type Static, Type } from 'typebox';
import { principalOf } from '../http/auth.ts';
import type { App } from '../http/app.ts';
import { write } from '../http/idempotent.ts';
import {
  ApplicationView,
  AprView,
  Closed,
  DateTime,
  DisclosureView,
  FeeLinesView,
  FreeText,
  IdParams,
  Nullable,
  OneOf,
  ResourceId,
  ScheduleLineView,
  ScheduleTotalsView,
  Slug,
  Token,
} from '../http/schemas.ts';
import { assert } from '../kernel/index.ts';
import { INELIGIBILITY_CODES, type RoutingConfig } from './model.ts';
import { DomainError } from './errors.ts';
import { MAX_PLAN } from './service.ts';
import { SIGNATURE_HEADER } from './signature.ts';

const ChooseBody = Type.Object(
  {
    productId: Type.Optional(ResourceId),
    mode: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('parallel')])),
    /** parallel mode: how many of the best consented funders to ask at once */
    funders: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PLAN })),
  },
  { additionalProperties: false },
);

const DecisionBody = Type.Object(
  {
    applicationRef: Token({ maxLength: 128 }),
    decision: Type.Union([Type.Literal('approved'), Type.Literal('declined')]),
    amountFen: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000_000_000 })),
    rateAnnual: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
    reference: Type.Optional(Token({ maxLength: 200, minLength: 0 })),
    reason: Type.Optional(FreeText(200)),
  },
  { additionalProperties: false },
);

const Points = Type.Integer({ minimum: -1000, maximum: 1000 });
const Fraction = Type.Number({ minimum: 0, maximum: 1 });
const BandName = Token({ pattern: '^[A-Za-z0-9]{1,8}$', maxLength: 8 });
const Employer = Type.Object(
  { government: Points, 'state-owned': Points, private: Points, 'self-employed': Points, unknown: Points },
  { additionalProperties: false },
);
const Method = Type.Union([
  Type.Literal('equal-installment'),
  Type.Literal('equal-principal'),
  Type.Literal('interest-first'),
  Type.Literal('bullet'),
]);

/** RoutingConfig (src/routing/model.ts) with limits; the rules between fields are in config-check.ts. */
const RoutingConfigBody = Type.Object(
  {
    scorecard: Type.Object(
      {
        basePoints: Points,
        agePoints: Type.Array(
          Type.Object(
            {
              min: Type.Integer({ minimum: 0, maximum: 150 }),
              max: Type.Integer({ minimum: 0, maximum: 150 }),
              points: Points,
            },
            { additionalProperties: false },
          ),
          { maxItems: 20 },
        ),
        incomePoints: Type.Array(
          Type.Object(
            { minFen: Type.Integer({ minimum: 0, maximum: 10_000_000_000_000 }), points: Points },
            { additionalProperties: false },
          ),
          { maxItems: 20 },
        ),
        debtToIncomePoints: Type.Array(
          Type.Object(
            { maxRatio: Type.Number({ minimum: 0, maximum: 100 }), points: Points },
            { additionalProperties: false },
          ),
          { maxItems: 20 },
        ),
        debtToIncomeReferenceRateAnnual: Type.Number({ minimum: 0, maximum: 0.36 }),
        employerPoints: Employer,
        regionPoints: Type.Record(Token({ pattern: '^(\\d{2}|\\d{4}|\\d{6})$', maxLength: 6 }), Points, {
          maxProperties: 500,
        }),
        regionDefaultPoints: Points,
      },
      { additionalProperties: false },
    ),
    bands: Type.Array(
      Type.Object(
        { band: BandName, minScore: Type.Integer({ minimum: 0, maximum: 1000 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20 },
    ),
    pricing: Type.Object(
      {
        // No upper bound here: above the legal 24% answers cap_above_legal_maximum (src/pricing/cap.ts).
        capAnnual: Type.Number({ exclusiveMinimum: 0 }),
        capBasis: Type.Union([Type.Literal('nominal'), Type.Literal('effective')]),
        defaultPenaltyRateAnnual: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        preferredMethods: Type.Array(Method, { minItems: 1, maxItems: 4, uniqueItems: true }),
      },
      { additionalProperties: false },
    ),
    ranking: Type.Object(
      {
        serviceFeeWeight: Type.Number({ minimum: 0, maximum: 100 }),
        approvalWeight: Type.Number({ minimum: 0, maximum: 1 }),
        maxAdjustmentAnnual: Type.Number({ minimum: 0, maximum: 0.05 }),
        defaultApprovalRate: Fraction,
      },
      { additionalProperties: false },
    ),
    rotation: Type.Object(
      {
        enabled: Type.Boolean(),
        sameFunderMarginAnnual: Type.Number({ minimum: 0, maximum: 0.24 }),
        // ADR 0073: shares of each funder's own flow; absent, the defaults (A 0.5, B 0.7, burst 1).
        exposureShareByBand: Type.Optional(
          Type.Record(BandName, Type.Number({ minimum: 0, maximum: 1 }), { maxProperties: 20 }),
        ),
        exposureBurst: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
        exposureBudgetPerMonth: Type.Optional(
          Type.Record(BandName, Type.Integer({ minimum: 0, maximum: 100_000_000 }), {
            maxProperties: 20,
          }),
        ),
        budgetOverrides: Type.Optional(
          Type.Record(
            Slug,
            Type.Record(BandName, Type.Integer({ minimum: 0, maximum: 100_000_000 }), { maxProperties: 20 }),
            { maxProperties: 5000 },
          ),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

// ---- answers ----

const ApplicationStatus = ApplicationView.properties.status;
const RepaymentMethod = OneOf(['equal-installment', 'equal-principal', 'interest-first', 'bullet']);

/** A ranked offer with the borrower's disclosure (routing.offers: the stored offer, priced again). */
const OfferView = Closed({
  rank: Type.Integer({ minimum: 1 }),
  productId: Type.String(),
  funderId: Type.String(),
  amountFen: Type.Integer(),
  termMonths: Type.Integer(),
  rateAnnual: Type.Number(),
  method: RepaymentMethod,
  apr: AprView,
  /** the platform's service fee on this loan (never charged to the borrower) */
  serviceFeeFen: Type.Integer(),
  approvalLikelihood: Type.Number(),
  /** the annual cost the ranking used: apr.nominal adjusted by the bounded weights */
  rankingCostAnnual: Type.Number(),
  fees: FeeLinesView,
  disclosure: DisclosureView,
});

/** Why each product was or was not offered (PIPL art. 24): the first rule that failed. */
const ExplanationView = Type.Union([
  Closed({
    productId: Type.String(),
    funderId: Type.String(),
    eligible: Type.Literal(true),
    rank: Type.Integer(),
  }),
  Closed({
    productId: Type.String(),
    funderId: Type.String(),
    eligible: Type.Literal(false),
    code: OneOf(INELIGIBILITY_CODES),
    reason: Type.String(),
  }),
]);

/** A dispatch to one funder (routing.dispatches): the sealed message left out, the answer without its signature. */
const DispatchView = Closed({
  id: Type.String(),
  applicationId: Type.String(),
  funderId: Type.String(),
  productId: Type.String(),
  adapter: Type.String({ description: 'webhook | simulated' }),
  status: Type.String({
    description: 'pending | awaiting_callback | approved | declined | timeout | error | superseded | skipped',
  }),
  attempts: Type.Integer({ minimum: 0 }),
  lastError: Nullable(Type.String()),
  band: Type.String(),
  createdAt: DateTime,
  decidedAt: Nullable(DateTime),
  /**
   * the funder's answer (src/routing/adapters.ts FunderAnswer); null before it answers. Typed as
   * the store keeps it (a JSON column).
   */
  answer: Type.Unsafe<Record<string, unknown> | null>(
    Nullable(
      Closed({
        kind: OneOf(['approved', 'declined', 'pending', 'timeout', 'error']),
        amountFen: Type.Optional(Type.Integer()),
        rateAnnual: Type.Optional(Type.Number()),
        reference: Type.Optional(Type.String()),
        reason: Type.Optional(Type.String()),
        message: Type.Optional(Type.String()),
      }),
    ),
  ),
});

const ChosenView = (description: string) =>
  Closed({ application: ApplicationView, dispatches: Type.Array(DispatchView) }, { description });

/** A booked loan with its schedule from pricing (booked_loans). */
const LoanView = Closed(
  {
    applicationId: Type.String(),
    id: Type.String(),
    customerId: Type.String(),
    funderId: Type.String(),
    productId: Type.String(),
    principalFen: Type.Integer(),
    termMonths: Type.Integer(),
    rateAnnual: Type.Number(),
    method: RepaymentMethod,
    aprNominal: Type.Number(),
    aprEffective: Type.Number(),
    // typed as the store keeps them (JSON columns)
    schedule: Type.Unsafe<unknown[]>(Type.Array(ScheduleLineView)),
    totals: Type.Unsafe<Record<string, number>>(ScheduleTotalsView),
    bookedAt: DateTime,
  },
  { description: 'The booked loan.' },
);

/** The configuration in force: the PUT body's shape, and its version (0: the defaults). */
const ConfigurationView = (description: string) =>
  Closed({ version: Type.Integer({ minimum: 0 }), config: RoutingConfigBody }, { description });

const STAFF = ['admin', 'analyst', 'system'] as const;
/** The borrower reads their own offers, explanation (PIPL art. 24) and loan (intake.getVisible). */
const READERS = [...STAFF, 'borrower'] as const;
const WRITERS = ['admin', 'system'] as const;

export async function routingRoutes(app: App): Promise<void> {
  const { routing, booking, intake, database } = app.shoujia;

  app.get(
    '/v1/applications/:id/offers',
    {
      config: { roles: READERS },
      schema: {
        tags: ['routing'],
        summary: 'The offers made for an application',
        response: {
          200: Closed(
            { applicationId: Type.String(), status: ApplicationStatus, offers: Type.Array(OfferView) },
            { description: "The offers, best first, with each offer's disclosure." },
          ),
        },
        params: IdParams,
      },
    },
    async (request) => {
      const application = await intake.getVisible(database.db, principalOf(request), request.params.id);
      return {
        applicationId: application.id,
        status: application.status,
        offers: await routing.offers(database.db, application.id),
      };
    },
  );

  app.get(
    '/v1/applications/:id/routing',
    {
      config: { roles: READERS },
      schema: {
        tags: ['routing'],
        summary: 'The routing decision and its explanation, product by product',
        response: {
          200: Closed(
            {
              applicationId: Type.String(),
              status: ApplicationStatus,
              score: Type.Integer(),
              scoreSource: OneOf(['provided', 'scorecard']),
              band: Type.String(),
              decidedAt: DateTime,
              lastFunderId: Nullable(Type.String()),
              explanations: Type.Array(ExplanationView),
              dispatches: Type.Array(DispatchView),
            },
            { description: 'The decision: score, band, one explanation per product, and the dispatches.' },
          ),
        },
        params: IdParams,
      },
    },
    async (request) => {
      const application = await intake.getVisible(database.db, principalOf(request), request.params.id);
      const row = await routing.decision(database.db, application.id);
      return {
        applicationId: application.id,
        status: application.status,
        score: row.score,
        scoreSource: row.scoreSource,
        band: row.band,
        decidedAt: row.decidedAt,
        lastFunderId: row.lastFunderId,
        explanations: await routing.explanations(database.db, row),
        dispatches: await routing.dispatches(database.db, application.id),
      };
    },
  );

  app.post(
    '/v1/applications/:id/choose',
    {
      config: { roles: WRITERS },
      schema: {
        tags: ['routing'],
        summary: 'Choose an offer: the application is sent to its funder',
        response: {
          200: ChosenView('Dispatch finished within the request: the application and its dispatches.'),
          202: ChosenView('Dispatch continues in the background: the application and its dispatches so far.'),
        },
        params: IdParams,
        body: ChooseBody,
      },
    },
    async (request, reply) => {
      const { productId, mode, funders } = request.body;
      if ((productId === undefined) === (mode === undefined))
        throw new DomainError(
          'invalid_request',
          'give exactly one of productId or mode',
          productId ? 'mode' : 'productId',
        );
      if (funders !== undefined && mode !== 'parallel')
        throw new DomainError('invalid_request', 'funders applies to parallel mode only', 'funders');
      // Visibility is read inside the transaction (with its tx: PGlite serves one connection).
      await write(request, reply, async (tx) => {
        const application = await intake.getVisible(tx, principalOf(request), request.params.id);
        const choice =
          productId !== undefined
            ? { productId }
            : mode === 'parallel'
              ? { mode, funders }
              : { mode: 'auto' as const };
        return { status: 200, body: await routing.choose(tx, application, choice) };
      });
      // The dispatch runs after the choice commits; a replayed request finds nothing left to do.
      const finished = await routing.driveWithin(request.params.id);
      const application = await intake.get(database.db, request.params.id);
      assert(application, 'chosen application exists');
      reply.status(finished ? 200 : 202);
      return { application, dispatches: await routing.dispatches(database.db, request.params.id) };
    },
  );

  app.post(
    '/v1/applications/:id/confirm',
    {
      config: { roles: WRITERS },
      schema: {
        tags: ['routing'],
        summary: 'Confirm an approved loan: it is booked',
        response: { 201: LoanView },
        params: IdParams,
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => ({
        status: 201,
        body: await booking.confirm(tx, await intake.getVisible(tx, principalOf(request), request.params.id)),
      })),
  );

  app.post(
    '/v1/applications/:id/abandon',
    {
      config: { roles: WRITERS },
      schema: {
        tags: ['routing'],
        summary: 'The borrower abandons an approved loan',
        response: {
          200: Closed(ApplicationView.properties, { description: 'The application, now abandoned.' }),
        },
        params: IdParams,
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => ({
        status: 200,
        body: await booking.abandon(tx, await intake.getVisible(tx, principalOf(request), request.params.id)),
      })),
  );

  app.get(
    '/v1/applications/:id/loan',
    {
      config: { roles: [...READERS, 'funder'] },
      schema: {
        tags: ['routing'],
        summary: 'The booked loan of an application',
        response: { 200: LoanView },
        params: IdParams,
      },
    },
    async (request) => {
      const application = await intake.getVisible(database.db, principalOf(request), request.params.id);
      const loan = await booking.loan(database.db, application.id);
      if (!loan) throw new DomainError('not_found', 'no loan is booked for this application', 'id');
      return loan;
    },
  );

  app.put(
    '/v1/funders/:id/routing-trust',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['routing'],
        summary: "Set a funder's routing trust (0–1)",
        response: {
          200: Closed({ funderId: Type.String(), trust: Type.Number({ minimum: 0, maximum: 1 }) }),
        },
        params: Type.Object({ id: Slug }),
        body: Type.Object(
          { trust: Type.Number({ minimum: 0, maximum: 1 }) },
          { additionalProperties: false },
        ),
      },
    },
    (request, reply) =>
      write(request, reply, async (_tx, unit) => ({
        status: 200,
        body: await routing.setTrust(unit, request.params.id, request.body.trust),
      })),
  );

  app.get(
    '/v1/routing/config',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['routing'],
        summary: 'The routing configuration in force',
        response: {
          200: ConfigurationView('The routing configuration in force.'),
        },
      },
    },
    async () => routing.configuration(database.db),
  );

  app.put(
    '/v1/routing/config',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['routing'],
        summary: 'Replace the routing configuration',
        response: {
          200: ConfigurationView('The routing configuration now in force.'),
        },
        body: RoutingConfigBody,
      },
    },
    (request, reply) =>
      write(request, reply, async (_tx, unit) => ({
        status: 200,
        body: await routing.setConfiguration(unit, request.body as RoutingConfig),
      })),
  );

  // The signed callback needs the raw body for the HMAC, so its JSON parser keeps the text.
  await app.register(async (child) => {
    keepRawJsonBody(child);
    child.post(
      '/v1/funder/decisions',
      {
        config: { roles: ['funder'] },
        schema: {
          tags: ['routing'],
          summary: "A funder's signed decision on an application sent to it",
          response: {
            200: Closed(
              { recorded: OneOf(['approved', 'declined', 'pending', 'timeout', 'error']) },
              { description: "`recorded`: the funder's answer as recorded." },
            ),
          },
          body: DecisionBody,
          headers: Type.Object({ [SIGNATURE_HEADER]: Type.Optional(Type.String({ maxLength: 300 })) }),
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        assert(principal.funderId, 'a funder key names its funder');
        const raw = rawBodyOf(request);
        const header = request.headers[SIGNATURE_HEADER];
        const result = await database.db.transaction((tx) =>
          routing.recordCallback(
            tx,
            principal.funderId!,
            raw,
            typeof header === 'string' ? header : undefined,
            request.body as Static<typeof DecisionBody>,
          ),
        );
        if (result.continueDispatch) routing.resume(result.applicationId);
        reply.status(200);
        return { recorded: result.status };
      },
    );
  });
}

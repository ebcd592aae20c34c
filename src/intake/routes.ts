// Application intake HTTP. Submitting requires an Idempotency-Key (the app front end retries).
// Repayments (ADR 0080): the booking funder's signed events, each loan's installments, and the
// borrower's own loans (borrower tokens, ADR 0081). Thin: the services apply who may see what.
import { keepRawJsonBody, rawBodyOf } from '../http/raw-body.ts';
import { type Static, Type } from 'typebox';
import { principalOf } from '../http/auth.ts';
import type { App } from '../http/app.ts';
import { checkIdempotencyKey, requestHash } from '../db/idempotency.ts';
import {
  ApplicationView,
  Closed,
  DateTime,
  Fen,
  IdParams,
  Nullable,
  NullableOneOf,
  OneOf,
  PositiveFen,
  ShortText,
  Slug,
  Text,
  Token,
  ResourceId,
} from '../http/schemas.ts';
import { LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX } from './read-service.ts';
import { SIGNATURE_HEADER } from '../routing/signature.ts';
import { INSTALLMENT_STATES, REPAYMENT_KINDS } from './repayments.ts';
import type { RepaymentBody as RepaymentInput } from './repayment-service.ts';
import { APPLICATION_STATUSES } from './status.ts';

export const ApplicationBody = Type.Object(
  {
    applicant: Type.Object(
      {
        name: ShortText(50),
        // The identity validators (GB 11643, mainland mobile) run after these shared text rules.
        idNumber: Text({ maxLength: 32 }),
        phone: Text({ maxLength: 20 }),
        employer: Type.Optional(Text({ maxLength: 100, minLength: 0 })),
        monthlyIncomeFen: Fen,
      },
      { additionalProperties: false },
    ),
    request: Type.Object(
      {
        amountFen: PositiveFen,
        termMonths: Type.Integer({ minimum: 1, maximum: 360 }),
        purpose: ShortText(50),
      },
      { additionalProperties: false },
    ),
    channel: ShortText(50),
    score: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  },
  { additionalProperties: false },
);

/**
 * A submission's answer: the application with its routing outcome (routing.submitAndRouteIdempotent).
 * Typed `unknown`: the handler answers the stored response, a replay's included, as it was kept.
 */
const SubmittedView = Type.Unsafe<unknown>(
  Closed(
    {
      ...ApplicationView.properties,
      band: Type.String(),
      offerCount: Type.Integer({ minimum: 0 }),
      customerCreated: Type.Boolean(),
    },
    {
      description:
        'The application with its routing outcome (status offered or declined, band, offerCount); a replay of the same Idempotency-Key answers the first answer with `Idempotent-Replayed: true`.',
    },
  ),
);
const FunderApplicationView = Closed({
  id: Type.String(),
  status: ApplicationView.properties.status,
  amountFen: Type.Integer(),
  termMonths: Type.Integer(),
  funderId: Nullable(Type.String()),
  productId: Nullable(Type.String()),
  createdAt: DateTime,
  updatedAt: DateTime,
});
const EventView = Closed({
  fromStatus: NullableOneOf(APPLICATION_STATUSES),
  toStatus: OneOf(APPLICATION_STATUSES),
  reason: Nullable(Type.String()),
  at: DateTime,
});

// ---- the staff list and the timeline (ADR 0100, 0103) ----

const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: LIST_LIMIT_MAX, default: LIST_LIMIT_DEFAULT }),
    cursor: Type.Optional(
      Token({ maxLength: 200, pattern: '^[A-Za-z0-9_-]+$', description: 'the previous page’s nextCursor' }),
    ),
    status: Type.Optional(OneOf(APPLICATION_STATUSES)),
    funderId: Type.Optional(Slug),
    from: Type.Optional(
      Token({ format: 'date-time', maxLength: 35, description: 'submitted at or after (ISO 8601)' }),
    ),
    to: Type.Optional(
      Token({ format: 'date-time', maxLength: 35, description: 'submitted before (ISO 8601)' }),
    ),
  },
  { additionalProperties: false },
);
const ListItemView = Closed({
  id: Type.String(),
  status: OneOf(APPLICATION_STATUSES),
  submittedAt: DateTime,
  amountFen: Type.Integer(),
  termMonths: Type.Integer(),
  funderId: Nullable(Type.String()),
  productId: Nullable(Type.String()),
});
const ApplicationPageView = Closed(
  {
    items: Type.Array(ListItemView, { maxItems: LIST_LIMIT_MAX }),
    nextCursor: Nullable(
      Type.String({ description: 'pass as `cursor` for the next page; null: the last page' }),
    ),
  },
  { description: 'Newest first by (submittedAt, id); keyset pages, stable under concurrent submissions.' },
);
const TimelineView = Closed(
  {
    events: Type.Array(
      Closed({
        at: DateTime,
        type: OneOf(APPLICATION_STATUSES, { description: 'the status the application moved to' }),
        detail: Type.Optional(Type.String()),
      }),
    ),
    shares: Type.Array(
      Closed({
        funderId: Type.String(),
        stage: Type.String(),
        at: DateTime,
        fields: Type.Array(Type.String()),
        ledgerIndex: Nullable(
          Type.Integer({ minimum: 0, description: 'the exposure entry; null until integrated' }),
        ),
      }),
    ),
    ledgerEntries: Type.Array(
      Closed({
        entryId: Type.String(),
        index: Nullable(Type.Integer({ minimum: 0, description: 'null until integrated' })),
        kind: Type.String(),
        at: DateTime,
      }),
    ),
  },
  { description: 'Oldest first each: status history, what left for funders, the ledger entries naming it.' },
);

const RepaymentBody = Type.Object(
  {
    loanId: ResourceId,
    /** the funder's own id for this event: a repeat under it answers the first answer */
    repaymentId: Token({ maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' }),
    kind: Type.Union(REPAYMENT_KINDS.map((k) => Type.Literal(k))),
    /** installment, partial and write-off: which installment (1..360); early-payoff: none */
    installmentNo: Type.Optional(Type.Integer({ minimum: 1, maximum: 360 })),
    amountFen: PositiveFen,
    paidAt: Token({ format: 'date-time', maxLength: 35 }),
  },
  { additionalProperties: false },
);

const SettledState = OneOf(['paid', 'closed', 'written-off']);
const RepaymentView = Type.Unsafe<unknown>(
  Closed(
    {
      repaymentId: Type.String(),
      loanId: Type.String(),
      kind: OneOf(REPAYMENT_KINDS),
      installmentNo: Nullable(Type.Integer()),
      amountFen: Type.Integer(),
      paidAt: DateTime,
      recordedAt: DateTime,
      settled: Type.Array(Closed({ installmentNo: Type.Integer(), state: SettledState })),
      outstandingPrincipalFen: Type.Integer({ minimum: 0 }),
      loanClosed: Type.Boolean(),
    },
    {
      description:
        'The accepted repayment with what it settled; a repeat of the same repaymentId and body answers this again with `Idempotent-Replayed: true`.',
    },
  ),
);
const NextDueView = Nullable(
  Closed({ installmentNo: Type.Integer(), dueDate: Type.String(), remainingFen: Type.Integer() }),
);
const InstallmentView = Closed({
  installmentNo: Type.Integer(),
  dueDate: Type.String({ description: 'YYYY-MM-DD, Asia/Shanghai' }),
  principalFen: Type.Integer(),
  interestFen: Type.Integer(),
  feeFen: Type.Integer(),
  dueFen: Type.Integer(),
  paidFen: Type.Integer(),
  remainingFen: Type.Integer(),
  state: OneOf(INSTALLMENT_STATES),
  settledAt: Nullable(DateTime),
});
const InstallmentsView = Closed(
  {
    loanId: Type.String(),
    funderId: Type.String(),
    customerId: Type.String(),
    bookedAt: DateTime,
    asOf: DateTime,
    outstandingPrincipalFen: Type.Integer({ minimum: 0 }),
    paidFen: Type.Integer({ minimum: 0 }),
    writtenOffFen: Type.Integer({ minimum: 0 }),
    closedAt: Nullable(DateTime),
    settled: Type.Boolean(),
    payoffTodayFen: Nullable(Type.Integer({ minimum: 0 })),
    nextDue: NextDueView,
    installments: Type.Array(InstallmentView),
  },
  { description: "Each installment's state at the platform's clock, derived from the repayment events." },
);
const BorrowerLoanView = Closed({
  loanId: Type.String(),
  applicationId: Type.String(),
  funderId: Type.String(),
  principalFen: Type.Integer(),
  termMonths: Type.Integer(),
  method: Type.String(),
  bookedAt: DateTime,
  outstandingPrincipalFen: Type.Integer({ minimum: 0 }),
  closed: Type.Boolean(),
  overdueCount: Type.Integer({ minimum: 0 }),
  nextDue: NextDueView,
  apr: Closed({ nominal: Type.Number(), effective: Type.Number() }),
  aprText: Type.String(),
  disclosureText: Type.String(),
});

export async function intakeRoutes(app: App): Promise<void> {
  const { intake, routing, database, repayments, applicationReads } = app.shoujia;

  app.get(
    '/v1/applications',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['applications'],
        summary: 'List applications, newest first, in keyset pages (staff)',
        querystring: ListQuery,
        response: { 200: ApplicationPageView },
      },
    },
    async (request) => applicationReads.list(database.db, principalOf(request), request.query),
  );

  app.get(
    '/v1/applications/:id/timeline',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['applications'],
        summary: "An application's status history, shares with funders and ledger entries (staff)",
        params: IdParams,
        response: { 200: TimelineView },
      },
    },
    async (request) => applicationReads.timeline(database.db, principalOf(request), request.params.id),
  );

  app.get(
    '/v1/loans/:id/installments',
    {
      config: { roles: ['admin', 'analyst', 'funder', 'borrower'] },
      schema: {
        tags: ['repayments'],
        summary:
          "A loan's installments and outstanding principal (a funder: loans it booked; a borrower: their own)",
        response: { 200: InstallmentsView },
        params: IdParams,
      },
    },
    async (request) => repayments.installments(database.db, principalOf(request), request.params.id),
  );

  app.get(
    '/v1/borrower/loans',
    {
      config: { roles: ['borrower'] },
      schema: {
        tags: ['borrower'],
        summary: "The borrower's loans through the platform, across funders, with next due and annual cost",
        response: {
          200: Closed(
            { loans: Type.Array(BorrowerLoanView, { maxItems: 100 }) },
            { description: 'Newest first, at most 100.' },
          ),
        },
      },
    },
    async (request) => repayments.borrowerLoans(database.db, principalOf(request)),
  );

  app.get(
    '/v1/borrower/loans/:id/installments',
    {
      config: { roles: ['borrower'] },
      schema: {
        tags: ['borrower'],
        summary: "One of the borrower's own loans, installment by installment",
        response: { 200: InstallmentsView },
        params: IdParams,
      },
    },
    async (request) => repayments.installments(database.db, principalOf(request), request.params.id),
  );

  // The signed repayment needs the raw body for the HMAC, so its JSON parser keeps the text.
  await app.register(async (child) => {
    keepRawJsonBody(child);
    child.post(
      '/v1/funder/repayments',
      {
        config: { roles: ['funder'] },
        schema: {
          tags: ['repayments'],
          summary: "The booking funder's signed repayment event (idempotent per repaymentId)",
          response: { 201: RepaymentView },
          body: RepaymentBody,
          headers: Type.Object({ [SIGNATURE_HEADER]: Type.Optional(Type.String({ maxLength: 300 })) }),
        },
      },
      async (request, reply) => {
        const header = request.headers[SIGNATURE_HEADER];
        const result = await repayments.record(
          principalOf(request),
          rawBodyOf(request),
          typeof header === 'string' ? header : undefined,
          request.body as Static<typeof RepaymentBody> as RepaymentInput,
        );
        if (result.replayed) reply.header('Idempotent-Replayed', 'true');
        reply.status(201);
        return result.body;
      },
    );
  });

  app.post(
    '/v1/applications',
    {
      config: { roles: ['admin', 'system'] },
      schema: {
        tags: ['applications'],
        summary: 'Submit an application; it is scored and routed at once',
        response: {
          201: SubmittedView,
        },
        body: ApplicationBody,
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String()) }),
      },
    },
    async (request, reply) => {
      // Routing scores and routes at once: the answer carries the offers' count or the decline.
      // Two statements and no transaction (intake.submitIdempotent): the hot path of the platform.
      const result = await routing.submitAndRouteIdempotent(database, request.body, {
        scope: principalOf(request).keyId,
        key: checkIdempotencyKey(request.headers['idempotency-key']),
        hash: requestHash(request.method, request.routeOptions.url ?? request.url, {
          params: request.params,
          body: request.body,
        }),
      });
      if (result.replayed) reply.header('Idempotent-Replayed', 'true');
      reply.status(result.status as 201); // a submission and its replays answer 201 (intake.submitIdempotent)
      return result.body;
    },
  );

  app.get(
    '/v1/applications/:id',
    {
      config: { roles: ['admin', 'analyst', 'system', 'funder'] },
      schema: {
        tags: ['applications'],
        summary: 'Read an application (a funder key: only one sent to it, a reduced view)',
        response: {
          200: Type.Union([ApplicationView, FunderApplicationView], {
            description: 'The application; a funder key reads the reduced view.',
          }),
        },
        params: IdParams,
      },
    },
    async (request) => intake.view(database.db, principalOf(request), request.params.id),
  );

  app.get(
    '/v1/applications/:id/events',
    {
      config: { roles: ['admin', 'analyst', 'system'] },
      schema: {
        tags: ['applications'],
        summary: "An application's status history",
        response: {
          200: Closed({ events: Type.Array(EventView) }, { description: 'Oldest first.' }),
        },
        params: IdParams,
      },
    },
    async (request) => {
      await intake.getVisible(database.db, principalOf(request), request.params.id);
      return { events: await intake.events(database.db, request.params.id) };
    },
  );
}

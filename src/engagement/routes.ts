// Engagement HTTP: reminder settings (staff read and change a borrower's channel opt-outs; the
// borrower their own), the financing plan (a borrower's own; staff: any customer's) and the
// borrower portal page at /portal (ADR 0083). The plan changes nothing: no Idempotency-Key.
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RouteRole } from '../access/model.ts';
import type { App } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { write } from '../http/idempotent.ts';
import {
  AprView,
  Closed,
  DateTime,
  ErrorResponse,
  errorResponses,
  Fen,
  IdParams,
  Nullable,
  OneOf,
  PositiveFen,
  ShortText,
} from '../http/schemas.ts';
import { TERM_MONTHS_MAX } from '../pricing/model.ts';
import { DomainError } from './errors.ts';
import { REMINDER_CHANNELS, REMINDER_KINDS, REMINDER_STATES, type ReminderSettings } from './model.ts';
import { MANUAL_LOANS_MAX } from './plan.ts';
import type { PlanRequest } from './plan-service.ts';
import { registerPortal } from './portal/serve.ts';

const SettingsView = Closed(
  Object.fromEntries(REMINDER_CHANNELS.map((c) => [c, Type.Boolean()])) as Record<
    (typeof REMINDER_CHANNELS)[number],
    ReturnType<typeof Type.Boolean>
  >,
  {
    description: 'Each channel: true if the borrower gets reminders on it (the default), false if opted out.',
  },
);
const SettingsBody = Type.Object(
  Object.fromEntries(REMINDER_CHANNELS.map((c) => [c, Type.Optional(Type.Boolean())])) as Record<
    (typeof REMINDER_CHANNELS)[number],
    ReturnType<typeof Type.Optional<ReturnType<typeof Type.Boolean>>>
  >,
  { additionalProperties: false, minProperties: 1 },
);
const SettingsAnswer = Closed({ customerId: Type.String(), channels: SettingsView });
const ReminderView = Closed({
  key: Type.String(),
  loanId: Type.String(),
  installmentNo: Type.Integer(),
  offsetDays: Type.Integer(),
  kind: OneOf(REMINDER_KINDS),
  dueOn: Type.String({ format: 'date' }),
  amountFen: Type.Integer(),
  sendAt: DateTime,
  state: OneOf(REMINDER_STATES),
});
const ReminderQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }) });

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
  const { reminders, plans, identity, database } = app.shoujia;

  app.get(
    '/v1/customers/:id/reminder-settings',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['engagement'],
        summary: "A borrower's reminder channels",
        params: IdParams,
        response: { 200: SettingsAnswer },
      },
    },
    async (request) => ({
      customerId: request.params.id,
      channels: await reminders.settings(database.db, request.params.id),
    }),
  );

  app.put(
    '/v1/customers/:id/reminder-settings',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['engagement'],
        summary: "Turn a borrower's reminder channels on or off",
        description: 'Channels not named keep their setting. The worker honours a change from its commit on.',
        params: IdParams,
        body: SettingsBody,
        response: { 200: SettingsAnswer },
      },
    },
    async (request, reply) =>
      write(request, reply, async (_tx, unit) => ({
        status: 200,
        body: {
          customerId: request.params.id,
          channels: await reminders.updateSettings(unit, request.params.id, request.body),
        },
      })),
  );

  app.get(
    '/v1/customers/:id/reminders',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['engagement'],
        summary: "A borrower's reminders, by time",
        params: IdParams,
        querystring: ReminderQuery,
        response: { 200: Closed({ reminders: Type.Array(ReminderView) }) },
      },
    },
    async (request) => ({
      reminders: await reminders.reminders(database.db, request.params.id, request.query.limit),
    }),
  );

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

  // The signed-in borrower's own reminder channels (h/remind's helper, mounted with the borrower
  // role: the customer is the one the token is bound to).
  await borrowerReminderSettingsRoutes(app, {
    url: '/v1/borrower/reminder-settings',
    roles: ['borrower'],
    customerIdOf: (request) => plans.ownCustomer(principalOf(request)),
  });
}

/**
 * `GET/PUT <url>` for a signed-in borrower's own settings (the borrower token routes are repayments'
 * work, issue 15 item 3): mount with the borrower role and how to read the customer from the
 * request, e.g. `borrowerReminderSettingsRoutes(app, { url: '/v1/borrower/reminder-settings',
 * roles: ['borrower'], customerIdOf: (r) => borrowerOf(r).customerId })`.
 */
export async function borrowerReminderSettingsRoutes(
  app: App,
  options: { url: string; roles: readonly RouteRole[]; customerIdOf: (request: FastifyRequest) => string },
): Promise<void> {
  const { reminders, database } = app.shoujia;
  app.get(
    options.url,
    {
      config: { roles: options.roles },
      schema: { tags: ['engagement'], summary: 'My reminder channels', response: { 200: SettingsView } },
    },
    async (request): Promise<ReminderSettings> =>
      reminders.settings(database.db, options.customerIdOf(request)),
  );
  app.put(
    options.url,
    {
      config: { roles: options.roles },
      schema: {
        tags: ['engagement'],
        summary: 'Turn my reminder channels on or off',
        body: SettingsBody,
        response: { 200: SettingsView },
      },
    },
    async (request, reply) =>
      write(request, reply, async (_tx, unit) => ({
        status: 200,
        body: await reminders.updateSettings(unit, options.customerIdOf(request), request.body),
      })),
  );
}

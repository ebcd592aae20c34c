// Canary registry HTTP (ADR 0077). Every route is hidden: a caller that is not admin (writes) or
// admin/analyst (reads) — a funder, a borrower, no key at all — gets the answer of a route that
// does not exist (404 route_not_found), so the API does not even say that the registry is there.
import { Type } from 'typebox';
import type { App } from '../http/app.ts';
import { write } from '../http/idempotent.ts';
import {
  Closed,
  DateTime,
  ErrorResponse,
  errorResponses,
  Fen,
  FreeText,
  IdParams,
  Nullable,
  OneOf,
  ResourceId,
  Text,
  Token,
} from '../http/schemas.ts';
import {
  CANARY_BANDS,
  CANARY_CONTACT_CATEGORIES,
  CANARY_CONTACT_CHANNELS,
  CANARY_CONTACT_POINTS_MAX,
  CANARY_LIST_LIMIT_MAX,
  CANARY_PLAN_FUNDERS_MAX,
  CANARY_STATUSES,
  type CanaryContactView,
  type CanaryView,
} from './canary-model.ts';

const Enum = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)));
const ADMIN = ['admin'] as const;
const STAFF = ['admin', 'analyst'] as const;
const MonthText = Token({ maxLength: 7 });

const RegisterBody = Type.Object(
  {
    customerId: ResourceId,
    band: Text({ maxLength: 8 }),
    employerIsPlatformOrPartner: Type.Boolean(),
    contactPoints: Type.Array(
      Type.Object(
        { channel: Enum(CANARY_CONTACT_CHANNELS), address: Text({ minLength: 3, maxLength: 254 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: CANARY_CONTACT_POINTS_MAX },
    ),
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object({
  after: Type.Optional(ResourceId),
  status: Type.Optional(Enum(CANARY_STATUSES)),
  limit: Type.Integer({ minimum: 1, maximum: CANARY_LIST_LIMIT_MAX, default: 100 }),
});

const BudgetParams = Type.Object({ month: MonthText });
const BudgetBody = Type.Object({ budgetFen: Fen, costPerPlacementFen: Fen }, { additionalProperties: false });

const PlanBody = Type.Object(
  {
    month: MonthText,
    dryRun: Type.Optional(Type.Boolean()),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4_294_967_295 })),
    goodBands: Type.Optional(
      Type.Array(Text({ maxLength: 8 }), { minItems: 1, maxItems: CANARY_BANDS.length }),
    ),
    funders: Type.Optional(
      Type.Array(
        Type.Object(
          {
            funderId: Token({ maxLength: 63 }),
            flowWeight: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 })),
            suspicion: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
          },
          { additionalProperties: false },
        ),
        { maxItems: CANARY_PLAN_FUNDERS_MAX },
      ),
    ),
  },
  { additionalProperties: false },
);

const ContactBody = Type.Object(
  {
    sourceId: Token({ maxLength: 200 }),
    channel: Enum(['call', 'sms', 'email'] as const),
    contactPoint: Text({ minLength: 3, maxLength: 254 }),
    occurredAt: Token({ format: 'date-time', maxLength: 40 }),
    category: Enum(CANARY_CONTACT_CATEGORIES),
    summary: FreeText(2000),
  },
  { additionalProperties: false },
);

// ---- answers ----

const CanaryViewSchema = Closed({
  id: Type.String(),
  customerId: Type.String(),
  status: OneOf(CANARY_STATUSES),
  band: Type.String(),
  regionCode: Type.String(),
  employerIsPlatformOrPartner: Type.Boolean(),
  dedicatedFunderId: Nullable(Type.String()),
  contactPoints: Type.Array(
    Closed({ id: Type.String(), channel: OneOf(CANARY_CONTACT_CHANNELS), masked: Type.String() }),
  ),
  createdAt: DateTime,
  updatedAt: DateTime,
});
const BudgetView = Closed({
  month: Type.String(),
  budgetFen: Type.Integer(),
  costPerPlacementFen: Type.Integer(),
  spentFen: Type.Integer(),
});
const PlanViewSchema = Closed({
  month: Type.String(),
  dryRun: Type.Boolean(),
  seed: Type.Integer(),
  budgetFen: Type.Integer(),
  spentBeforeFen: Type.Integer(),
  plannedFen: Type.Integer(),
  remainingFen: Type.Integer(),
  placements: Type.Array(
    Closed({
      id: Nullable(Type.String()),
      canaryId: Type.String(),
      funderId: Type.String(),
      costFen: Type.Integer(),
    }),
  ),
  unplaced: Type.Array(Closed({ canaryId: Type.String(), reason: Type.String() })),
});
const ContactViewSchema = Closed({
  id: Type.String(),
  canaryId: Type.String(),
  sourceId: Type.String(),
  channel: Type.String(),
  category: Type.String(),
  occurredAt: DateTime,
  receivedAt: DateTime,
  summary: Type.String(),
  attributed: Type.Boolean(),
  funderId: Nullable(Type.String()),
  /** never-exposed | exposed-to-several when not attributed */
  reason: Nullable(Type.String()),
  exposureEntryId: Nullable(Type.String()),
  exposedCount: Type.Integer({ minimum: 0 }),
  /** attributed contacts: sharing's contact-purpose verdict; only out-of-purpose is evidence */
  purpose: Nullable(Closed({ verdict: OneOf(['in-purpose', 'out-of-purpose']), reason: Type.String() })),
});

const hidden = (roles: readonly ('admin' | 'analyst')[]) => ({ roles: [...roles], hidden: true });
const tags = ['canaries'];

export async function canaryRoutes(app: App): Promise<void> {
  const { canaries, database } = app.shoujia;

  app.post(
    '/v1/canaries',
    {
      config: hidden(ADMIN),
      schema: {
        tags,
        summary: 'Register a recruited canary (mystery shopper) with its dedicated contact points',
        body: RegisterBody,
        response: { 201: CanaryViewSchema, ...errorResponses },
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => ({
        status: 201,
        body: (await canaries.register(tx, request.body)) satisfies CanaryView,
      })),
  );

  app.get(
    '/v1/canaries',
    {
      config: hidden(STAFF),
      schema: {
        tags,
        summary: 'The canary registry, a page at a time (by id)',
        querystring: ListQuery,
        response: {
          200: Closed({ canaries: Type.Array(CanaryViewSchema), next: Nullable(Type.String()) }),
          ...errorResponses,
        },
      },
    },
    async (request) => canaries.list(database.db, request.query),
  );

  app.put(
    '/v1/canaries/budgets/:month',
    {
      config: hidden(ADMIN),
      schema: {
        tags,
        summary: "Set a month's canary budget and the cost of one placement (fen)",
        params: BudgetParams,
        body: BudgetBody,
        response: { 200: BudgetView, ...errorResponses },
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => ({
        status: 200,
        body: await canaries.setBudget(tx, { month: request.params.month, ...request.body }),
      })),
  );

  app.post(
    '/v1/canaries/plan',
    {
      config: hidden(ADMIN),
      schema: {
        tags,
        summary: "Plan the month's canary placements within its budget (dryRun: answer, write nothing)",
        body: PlanBody,
        response: { 200: PlanViewSchema, 201: PlanViewSchema, ...errorResponses },
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => {
        const plan = await canaries.plan(tx, { ...request.body, dryRun: request.body.dryRun ?? false });
        return { status: plan.dryRun ? 200 : 201, body: plan };
      }),
  );

  app.post(
    '/v1/canaries/:id/retire',
    {
      config: hidden(ADMIN),
      schema: {
        tags,
        summary: 'Retire a canary: it is placed no more (contacts are still recorded)',
        params: IdParams,
        response: { 200: CanaryViewSchema, ...errorResponses },
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => ({
        status: 200,
        body: await canaries.retire(tx, request.params.id),
      })),
  );

  app.post(
    '/v1/canaries/:id/contacts',
    {
      config: hidden(ADMIN),
      schema: {
        tags,
        summary: 'A contact received at a canary contact point: attributed to the one funder that saw it',
        params: IdParams,
        body: ContactBody,
        response: { 200: ContactViewSchema, 201: ContactViewSchema, ...errorResponses, 422: ErrorResponse },
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => {
        const { contact, replayed } = await canaries.reportContact(tx, request.params.id, {
          ...request.body,
          occurredAt: new Date(request.body.occurredAt),
        });
        return { status: replayed ? 200 : 201, body: contact satisfies CanaryContactView };
      }),
  );
}

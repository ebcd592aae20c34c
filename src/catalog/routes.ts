// Catalog HTTP: funders, products, contracts. Admin writes; analysts read; a funder reads its own.
import { Type } from 'typebox';
import type { App } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { write } from '../http/idempotent.ts';
import {
  Closed,
  DateTime,
  Fen,
  FeeLinesView,
  Nullable,
  OneOf,
  PageQuery,
  PositiveFen,
  Rate,
  ShortText,
  Slug,
  Token,
} from '../http/schemas.ts';
import { DomainError } from './errors.ts';
import {
  FUNDER_STATUSES,
  FUNDER_TYPES,
  REPAYMENT_METHODS,
  SERVICE_FEE_BASES,
  TERMINATION_WINDOW_DAYS_MAX,
  TRANSPORTS,
} from './model.ts';

const Enum = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)));

const WebhookUrl = Token({ format: 'uri', maxLength: 500, pattern: '^https?://' });
// A shared HMAC secret: exact (never trimmed), printable ASCII so both sides type the same bytes.
const WebhookSecret = Token({ minLength: 16, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' });
const RegionPrefix = Token({ pattern: '^(\\*|\\d{2}|\\d{4}|\\d{6})$', maxLength: 6 });
export const FunderBody = Type.Object(
  {
    id: Slug,
    name: ShortText(100),
    type: Enum(FUNDER_TYPES),
    status: Type.Optional(Enum(FUNDER_STATUSES)),
    licensedRegions: Type.Array(RegionPrefix, { minItems: 1, maxItems: 500 }),
    webhookUrl: Type.Optional(Type.Union([WebhookUrl, Type.Null()])),
    webhookSecret: Type.Optional(Type.Union([WebhookSecret, Type.Null()])),
    transport: Type.Optional(Enum(TRANSPORTS)),
    monthlyQuotaFen: Type.Optional(Type.Union([PositiveFen, Type.Null()])),
  },
  { additionalProperties: false },
);

const WebhookBody = Type.Object(
  {
    webhookUrl: Type.Union([WebhookUrl, Type.Null()]),
    webhookSecret: Type.Union([WebhookSecret, Type.Null()]),
  },
  { additionalProperties: false },
);

const Term = Type.Integer({ minimum: 1, maximum: 360 });
export const FeeLineBody = Type.Union([
  Type.Object(
    { kind: Type.Literal('upfront'), amountFen: Fen, label: Type.Optional(ShortText(50)) },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('monthly'), amountFen: Fen, label: Type.Optional(ShortText(50)) },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('monthly-rate'), rate: Rate, label: Type.Optional(ShortText(50)) },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('once'), period: Term, amountFen: Fen, label: Type.Optional(ShortText(50)) },
    { additionalProperties: false },
  ),
]);

export const ProductBody = Type.Object(
  {
    id: Type.Optional(Slug),
    name: ShortText(100),
    minAmountFen: PositiveFen,
    maxAmountFen: PositiveFen,
    termsMonths: Type.Array(Term, { minItems: 1, maxItems: 36 }),
    rateAnnualMin: Rate,
    rateAnnualMax: Rate,
    methods: Type.Array(Enum(REPAYMENT_METHODS), { minItems: 1, maxItems: 4 }),
    fees: Type.Optional(Type.Array(FeeLineBody, { maxItems: 10 })),
    ageMin: Type.Integer({ minimum: 18, maximum: 100 }),
    ageMax: Type.Integer({ minimum: 18, maximum: 100 }),
    minScore: Type.Integer({ minimum: 0, maximum: 1000 }),
  },
  { additionalProperties: false },
);

export const ContractBody = Type.Object(
  {
    serviceFee: Type.Object(
      { basis: Enum(SERVICE_FEE_BASES), rate: Rate, fixedFen: Type.Optional(Fen) },
      { additionalProperties: false },
    ),
    noBackflow: Type.Object(
      {
        enabled: Type.Boolean(),
        penaltyPerCustomerFen: Fen,
        serviceFeeMultiple: Type.Number({ minimum: 0, maximum: 100 }),
        terminationThreshold: Type.Integer({ minimum: 1, maximum: 100_000 }),
        terminationWindowDays: Type.Optional(
          Type.Integer({ minimum: 1, maximum: TERMINATION_WINDOW_DAYS_MAX, description: 'default 90' }),
        ),
        penaltyCapPerPeriodFen: Type.Optional(Fen),
      },
      { additionalProperties: false },
    ),
    conversionFeeFen: Fen,
    maxPenaltyRateAnnual: Rate,
    auditRights: Type.Object(
      { creditReportCrossCheck: Type.Boolean(), canaries: Type.Boolean(), relayContacts: Type.Boolean() },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const FunderParams = Type.Object({ funderId: Slug });

// Answers (src/catalog/model.ts).
const FunderView = Closed(
  {
    id: Type.String(),
    name: Type.String(),
    type: OneOf(FUNDER_TYPES),
    status: OneOf(FUNDER_STATUSES),
    licensedRegions: Type.Array(Type.String()),
    webhookUrl: Nullable(Type.String()),
    transport: OneOf(TRANSPORTS),
    monthlyQuotaFen: Nullable(Type.Integer()),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { description: 'A funder (never its webhook secret).' },
);
const ProductView = Closed({
  id: Type.String(),
  funderId: Type.String(),
  name: Type.String(),
  status: OneOf(['active', 'retired']),
  minAmountFen: Type.Integer(),
  maxAmountFen: Type.Integer(),
  termsMonths: Type.Array(Type.Integer()),
  rateAnnualMin: Type.Number(),
  rateAnnualMax: Type.Number(),
  methods: Type.Array(OneOf(REPAYMENT_METHODS)),
  fees: FeeLinesView,
  ageMin: Type.Integer(),
  ageMax: Type.Integer(),
  minScore: Type.Integer(),
  createdAt: DateTime,
});
const ContractView = Closed(
  {
    id: Type.String(),
    funderId: Type.String(),
    terms: Closed({
      serviceFee: Closed({
        basis: OneOf(SERVICE_FEE_BASES),
        rate: Type.Number(),
        fixedFen: Type.Optional(Type.Integer()),
      }),
      noBackflow: Closed({
        enabled: Type.Boolean(),
        penaltyPerCustomerFen: Type.Integer(),
        serviceFeeMultiple: Type.Number(),
        terminationThreshold: Type.Integer(),
        terminationWindowDays: Type.Optional(Type.Integer()),
        penaltyCapPerPeriodFen: Type.Optional(Type.Integer()),
      }),
      conversionFeeFen: Type.Integer(),
      maxPenaltyRateAnnual: Type.Number(),
      auditRights: Closed({
        creditReportCrossCheck: Type.Boolean(),
        canaries: Type.Boolean(),
        relayContacts: Type.Boolean(),
      }),
    }),
    effectiveFrom: DateTime,
    effectiveTo: Nullable(DateTime),
    createdAt: DateTime,
  },
  { description: 'The contract with its terms.' },
);

export async function catalogRoutes(app: App): Promise<void> {
  const { catalog, database } = app.shoujia;

  app.post(
    '/v1/funders',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['catalog'],
        summary: 'Register a funder',
        response: {
          201: FunderView,
        },
        body: FunderBody,
      },
    },
    (request, reply) =>
      write(request, reply, async (_tx, unit) => ({
        status: 201,
        body: await catalog.createFunder(unit, request.body),
      })),
  );

  app.get(
    '/v1/funders',
    {
      config: { roles: ['admin', 'analyst', 'funder'] },
      schema: {
        tags: ['catalog'],
        summary: 'List funders (a funder key: its own only)',
        response: {
          200: Closed({ funders: Type.Array(FunderView) }),
        },
        querystring: PageQuery,
      },
    },
    async (request) => {
      return { funders: await catalog.listVisibleFunders(database.db, principalOf(request), request.query) };
    },
  );

  const visibleFunder = (request: import('fastify').FastifyRequest, funderId: string) =>
    catalog.getVisibleFunder(database.db, principalOf(request), funderId);

  app.get(
    '/v1/funders/:funderId',
    {
      config: { roles: ['admin', 'analyst', 'funder'] },
      schema: {
        tags: ['catalog'],
        summary: 'Read a funder',
        response: { 200: FunderView },
        params: FunderParams,
      },
    },
    (request) => visibleFunder(request, request.params.funderId),
  );

  app.put(
    '/v1/funders/:funderId/status',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['catalog'],
        summary: 'Activate or suspend a funder',
        response: {
          200: FunderView,
        },
        params: FunderParams,
        body: Type.Object({ status: Enum(FUNDER_STATUSES) }, { additionalProperties: false }),
      },
    },
    (request, reply) =>
      write(request, reply, async (_tx, unit) => ({
        status: 200,
        body: await catalog.setFunderStatus(unit, request.params.funderId, request.body.status),
      })),
  );

  app.put(
    '/v1/funders/:funderId/webhook',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['catalog'],
        summary: "Set (or remove, both null) a funder's decision webhook URL and signing secret",
        response: {
          200: FunderView,
        },
        params: FunderParams,
        body: WebhookBody,
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => ({
        status: 200,
        body: await catalog.setFunderWebhook(tx, request.params.funderId, request.body),
      })),
  );

  app.post(
    '/v1/funders/:funderId/products',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['catalog'],
        summary: 'Add a product to a funder (checked against the cap)',
        response: { 201: ProductView },
        params: FunderParams,
        body: ProductBody,
      },
    },
    (request, reply) =>
      write(request, reply, async (_tx, unit) => ({
        status: 201,
        body: await catalog.createProduct(unit, request.params.funderId, request.body),
      })),
  );

  app.get(
    '/v1/funders/:funderId/products',
    {
      config: { roles: ['admin', 'analyst', 'funder'] },
      schema: {
        tags: ['catalog'],
        summary: "List a funder's products",
        response: {
          200: Closed({ products: Type.Array(ProductView) }),
        },
        params: FunderParams,
      },
    },
    async (request) => {
      await visibleFunder(request, request.params.funderId);
      return {
        products: await catalog.listProducts(database.db, { funderId: request.params.funderId, limit: 500 }),
      };
    },
  );

  app.get(
    '/v1/products',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['catalog'],
        summary: 'List every product',
        response: {
          200: Closed({ products: Type.Array(ProductView) }),
        },
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 5000, default: 1000 }) }),
      },
    },
    async (request) => ({
      products: await catalog.listProducts(database.db, { activeOnly: false, limit: request.query.limit }),
    }),
  );

  app.post(
    '/v1/funders/:funderId/contracts',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['catalog'],
        summary: 'Record a contract in force for a funder',
        response: {
          201: ContractView,
        },
        params: FunderParams,
        body: ContractBody,
      },
    },
    (request, reply) =>
      write(request, reply, async (_tx, unit) => ({
        status: 201,
        body: await catalog.createContract(unit, request.params.funderId, request.body),
      })),
  );

  app.get(
    '/v1/funders/:funderId/contract',
    {
      config: { roles: ['admin', 'analyst', 'funder'] },
      schema: {
        tags: ['catalog'],
        summary: "Read a funder's contract in force",
        response: {
          200: ContractView,
        },
        params: FunderParams,
      },
    },
    async (request) => {
      await visibleFunder(request, request.params.funderId);
      const contract = await catalog.currentContract(database.db, request.params.funderId);
      if (!contract) throw new DomainError('not_found', 'no contract in force', 'funderId');
      return contract;
    },
  );
}

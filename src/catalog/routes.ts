// Catalog HTTP: funders, products, contracts. Admin writes; analysts read; a funder reads its own.
import { Type } from 'typebox';
import type { App } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { write } from '../http/idempotent.ts';
import { Fen, PageQuery, PositiveFen, Rate, ShortText, Slug, Token } from '../http/schemas.ts';
import { canSeeFunder } from '../access/model.ts';
import { DomainError } from './errors.ts';
import { FUNDER_STATUSES, FUNDER_TYPES, REPAYMENT_METHODS, TRANSPORTS } from './model.ts';

const Enum = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)));

const RegionPrefix = Token({ pattern: '^(\\*|\\d{2}|\\d{4}|\\d{6})$', maxLength: 6 });
export const FunderBody = Type.Object(
  {
    id: Slug,
    name: ShortText(100),
    type: Enum(FUNDER_TYPES),
    status: Type.Optional(Enum(FUNDER_STATUSES)),
    licensedRegions: Type.Array(RegionPrefix, { minItems: 1, maxItems: 500 }),
    webhookUrl: Type.Optional(
      Type.Union([Token({ format: 'uri', maxLength: 500, pattern: '^https?://' }), Type.Null()]),
    ),
    // A shared HMAC secret: exact (never trimmed), printable ASCII so both sides type the same bytes.
    webhookSecret: Type.Optional(
      Type.Union([Token({ minLength: 16, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' }), Type.Null()]),
    ),
    transport: Type.Optional(Enum(TRANSPORTS)),
    monthlyQuotaFen: Type.Optional(Type.Union([PositiveFen, Type.Null()])),
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
      { basis: Enum(['disbursed', 'interest'] as const), rate: Rate },
      { additionalProperties: false },
    ),
    noBackflow: Type.Object(
      {
        enabled: Type.Boolean(),
        penaltyPerCustomerFen: Fen,
        serviceFeeMultiple: Type.Number({ minimum: 0, maximum: 100 }),
        terminationThreshold: Type.Integer({ minimum: 1, maximum: 100_000 }),
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
          201: Type.Object(
            {},
            { additionalProperties: true, description: 'The funder (without its webhook secret).' },
          ),
        },
        body: FunderBody,
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => ({
        status: 201,
        body: await catalog.createFunder(tx, request.body),
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
          200: Type.Object({}, { additionalProperties: true, description: '`{funders: Funder[]}`.' }),
        },
        querystring: PageQuery,
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.role === 'funder') {
        const own = await catalog.getFunder(database.db, principal.funderId!);
        return { funders: own ? [own] : [] };
      }
      return { funders: await catalog.listFunders(database.db, request.query) };
    },
  );

  const visibleFunder = async (request: import('fastify').FastifyRequest, funderId: string) => {
    const funder = canSeeFunder(principalOf(request), funderId)
      ? await catalog.getFunder(database.db, funderId)
      : undefined;
    if (!funder) throw new DomainError('funder_not_found', `no funder ${funderId}`, 'funderId');
    return funder;
  };

  app.get(
    '/v1/funders/:funderId',
    {
      config: { roles: ['admin', 'analyst', 'funder'] },
      schema: {
        tags: ['catalog'],
        summary: 'Read a funder',
        response: { 200: Type.Object({}, { additionalProperties: true, description: 'The funder.' }) },
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
          200: Type.Object(
            {},
            { additionalProperties: true, description: 'The funder with its new status.' },
          ),
        },
        params: FunderParams,
        body: Type.Object({ status: Enum(FUNDER_STATUSES) }, { additionalProperties: false }),
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => ({
        status: 200,
        body: await catalog.setFunderStatus(tx, request.params.funderId, request.body.status),
      })),
  );

  app.post(
    '/v1/funders/:funderId/products',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['catalog'],
        summary: 'Add a product to a funder (checked against the cap)',
        response: { 201: Type.Object({}, { additionalProperties: true, description: 'The product.' }) },
        params: FunderParams,
        body: ProductBody,
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => ({
        status: 201,
        body: await catalog.createProduct(tx, request.params.funderId, request.body),
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
          200: Type.Object({}, { additionalProperties: true, description: '`{products: Product[]}`.' }),
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
          200: Type.Object({}, { additionalProperties: true, description: '`{products: Product[]}`.' }),
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
          201: Type.Object({}, { additionalProperties: true, description: 'The contract with its terms.' }),
        },
        params: FunderParams,
        body: ContractBody,
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => ({
        status: 201,
        body: await catalog.createContract(tx, request.params.funderId, request.body),
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
          200: Type.Object({}, { additionalProperties: true, description: 'The contract with its terms.' }),
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

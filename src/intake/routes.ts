// Application intake HTTP. Submitting requires an Idempotency-Key (the app front end retries).
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { principalOf } from '../http/auth.ts';
import type { App } from '../http/app.ts';
import { checkIdempotencyKey, requestHash } from '../db/idempotency.ts';
import { Fen, IdParams, PositiveFen, ShortText, Text } from '../http/schemas.ts';
import { DomainError } from './errors.ts';
import type { Executor } from '../db/client.ts';
import type { Application } from './model.ts';

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

/** What a funder may see of an application sent to it; the sharing gateway governs the rest. */
function funderView(application: Application) {
  const { id, status, amountFen, termMonths, funderId, productId, createdAt, updatedAt } = application;
  return { id, status, amountFen, termMonths, funderId, productId, createdAt, updatedAt };
}

/**
 * Inside a transaction pass its `tx`: PGlite serves one connection, so a query on the database
 * handle while a transaction is open waits for that transaction forever.
 */
export async function loadVisibleApplication(
  request: FastifyRequest,
  id: string,
  executor?: Executor,
): Promise<Application> {
  const { intake, database } = request.server.shoujia;
  const principal = principalOf(request);
  const application = await intake.get(executor ?? database.db, id);
  // A funder sees only applications dispatched to it; anything else is indistinguishable from absent.
  if (!application || (principal.role === 'funder' && application.funderId !== principal.funderId)) {
    throw new DomainError('application_not_found', `no application ${id}`, 'id');
  }
  return application;
}

export async function intakeRoutes(app: App): Promise<void> {
  const { intake, routing, database } = app.shoujia;

  app.post(
    '/v1/applications',
    {
      config: { roles: ['admin', 'system'] },
      schema: {
        tags: ['applications'],
        summary: 'Submit an application; it is scored and routed at once',
        response: {
          201: Type.Object(
            {},
            {
              additionalProperties: true,
              description:
                'The application with its routing outcome (status offered or declined, offerCount); a replay of the same Idempotency-Key answers the first answer with `Idempotent-Replayed: true`.',
            },
          ),
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
        response: { 200: Type.Object({}, { additionalProperties: true, description: 'The application.' }) },
        params: IdParams,
      },
    },
    async (request) => {
      const application = await loadVisibleApplication(request, request.params.id);
      return principalOf(request).role === 'funder' ? funderView(application) : application;
    },
  );

  app.get(
    '/v1/applications/:id/events',
    {
      config: { roles: ['admin', 'analyst', 'system'] },
      schema: {
        tags: ['applications'],
        summary: "An application's status history",
        response: {
          200: Type.Object({}, { additionalProperties: true, description: '`{events: Event[]}`.' }),
        },
        params: IdParams,
      },
    },
    async (request) => {
      await loadVisibleApplication(request, request.params.id);
      return { events: await intake.events(database.db, request.params.id) };
    },
  );
}

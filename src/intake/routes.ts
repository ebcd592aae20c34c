// Application intake HTTP. Submitting requires an Idempotency-Key (the app front end retries).
import { Type } from 'typebox';
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
  Text,
} from '../http/schemas.ts';
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

// API key administration (admin only). The secret is shown once, in the 201 answer. Borrower tokens
// (ADR 0081): issued and revoked by the platform's app back end (admin keys).
import { Type } from 'typebox';
import type { App } from '../http/app.ts';
import { write } from '../http/idempotent.ts';
import { principalOf } from '../http/auth.ts';
import {
  Closed,
  DateTime,
  errorResponses,
  IdParams,
  Nullable,
  OneOf,
  ResourceId,
  ShortText,
  Slug,
} from '../http/schemas.ts';
import { BORROWER_TOKEN_TTL_MAX_S } from './service.ts';
import { DomainError } from './errors.ts';
import { ROLES } from './model.ts';

const KeyBody = Type.Object(
  {
    role: Type.Union(ROLES.map((r) => Type.Literal(r))),
    funderId: Type.Optional(Slug),
    /** role borrower: the customer whose own data the key reads (the borrower portal's session key) */
    customerId: Type.Optional(ResourceId),
    label: ShortText(100),
  },
  { additionalProperties: false },
);

const IssuedKeyView = Closed(
  {
    id: Type.String(),
    /** shown once: only its SHA-256 is stored */
    secret: Type.String(),
    role: OneOf(ROLES),
    funderId: Nullable(Type.String()),
  },
  { description: 'The new key with its secret.' },
);

export async function accessRoutes(app: App): Promise<void> {
  const { access, catalog } = app.shoujia;

  // The dashboard's sign-in (ADR 0098): which role a pasted key has, so the app shows it and the
  // pages that role may see. Any valid key may ask about itself, and only about itself.
  app.get(
    '/v1/me',
    {
      config: { roles: ['admin', 'analyst', 'funder', 'borrower', 'system'] },
      schema: {
        tags: ['access'],
        summary: 'The calling key: its id and role (and the funder or customer it is bound to)',
        response: {
          200: Closed({
            keyId: Type.String(),
            role: OneOf(ROLES),
            funderId: Nullable(Type.String()),
            customerId: Nullable(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { keyId, role, funderId, customerId } = principalOf(request);
      return { keyId, role, funderId, customerId };
    },
  );

  app.post(
    '/v1/api-keys',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['access'],
        summary: 'Issue an API key (the secret is shown once)',
        response: {
          201: IssuedKeyView,
        },
        body: KeyBody,
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => {
        const { role, funderId, customerId, label } = request.body;
        if ((role === 'funder') !== Boolean(funderId)) {
          throw new DomainError(
            'invalid_request',
            'funderId is required for, and only for, role funder',
            'funderId',
          );
        }
        if (funderId && !(await catalog.getFunder(tx, funderId)))
          throw new DomainError('funder_not_found', `no funder ${funderId}`, 'funderId');
        if ((role === 'borrower') !== Boolean(customerId)) {
          throw new DomainError(
            'invalid_request',
            'customerId is required for, and only for, role borrower',
            'customerId',
          );
        }
        if (customerId && !(await app.shoujia.identity.getProfile(tx, customerId))) {
          throw new DomainError('not_found', `no customer ${customerId}`, 'customerId');
        }
        const key = await access.issueKey(tx, {
          role,
          funderId: funderId ?? null,
          customerId: customerId ?? null,
          label,
        });
        return { status: 201, body: key };
      }),
  );

  app.post(
    '/v1/borrower-tokens',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['access'],
        summary: 'Issue a borrower token bound to one customer (short-lived; the token is shown once)',
        response: {
          201: Closed(
            { id: Type.String(), token: Type.String(), customerId: Type.String(), expiresAt: DateTime },
            { description: 'The token, shown once (only its SHA-256 is stored), and when it expires.' },
          ),
        },
        body: Type.Object(
          {
            customerId: ResourceId,
            /** default 900 (15 minutes), at most 3600 */
            ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: BORROWER_TOKEN_TTL_MAX_S })),
          },
          { additionalProperties: false },
        ),
      },
    },
    // No Idempotency-Key: a stored answer would keep the token in clear; a retry issues another.
    async (request, reply) => {
      const issued = await app.shoujia.units.run(async ({ tx }) => {
        const { customerId, ttlSeconds } = request.body;
        if (!(await app.shoujia.identity.getProfile(tx, customerId)))
          throw new DomainError('not_found', `no customer ${customerId}`, 'customerId');
        return access.issueBorrowerToken(tx, {
          customerId,
          ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
        });
      });
      reply.status(201);
      return issued;
    },
  );

  app.delete(
    '/v1/borrower-tokens/:id',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['access'],
        summary: 'Revoke a borrower token',
        response: {
          200: Closed(
            { id: Type.String(), revoked: Type.Literal(true) },
            { description: 'The revoked token (revoking it again answers the same).' },
          ),
        },
        params: IdParams,
      },
    },
    async (request) => {
      await app.shoujia.units.run((unit) => access.revokeBorrowerToken(unit, request.params.id));
      return { id: request.params.id, revoked: true as const };
    },
  );

  app.delete(
    '/v1/api-keys/:id',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['access'],
        summary: 'Revoke an API key',
        response: {
          200: Closed(
            { id: Type.String(), revoked: Type.Literal(true) },
            { description: 'The revoked key.' },
          ),
        },
        params: IdParams,
      },
    },
    (request, reply) =>
      write(request, reply, async (_tx, unit) => {
        await access.revoke(unit, request.params.id);
        return { status: 200, body: { id: request.params.id, revoked: true } };
      }),
  );
}

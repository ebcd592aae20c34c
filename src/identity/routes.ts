// Consents (PIPL art. 23 单独同意): one record per funder, granted and withdrawn through the
// platform's front end (system role) or an operator (admin).
import { Type } from 'typebox';
import type { App } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { write } from '../http/idempotent.ts';
import { Closed, DateTime, IdParams, Nullable, ShortText, Slug, Token } from '../http/schemas.ts';
import { DomainError } from './errors.ts';

const ConsentBody = Type.Object(
  {
    funderId: Slug,
    purpose: ShortText(200),
    dataCategories: Type.Array(ShortText(50), { minItems: 1, maxItems: 30 }),
    /** SHA-256 hex of the consent text version the borrower saw. */
    textVersionHash: Token({ pattern: '^[0-9a-f]{64}$', maxLength: 64 }),
    channel: ShortText(50),
  },
  { additionalProperties: false },
);

/** A consent as recorded (src/identity/model.ts Consent). */
const ConsentView = Closed(
  {
    id: Type.String(),
    customerId: Type.String(),
    funderId: Type.String(),
    purpose: Type.String(),
    dataCategories: Type.Array(Type.String()),
    textVersionHash: Type.String(),
    channel: Type.String(),
    grantedAt: DateTime,
    withdrawnAt: Nullable(DateTime),
  },
  { description: 'The consent.' },
);

export async function identityRoutes(app: App): Promise<void> {
  const { identity, catalog, intake } = app.shoujia;

  app.post(
    '/v1/applications/:id/consents',
    {
      config: { roles: ['admin', 'system'] },
      schema: {
        tags: ['consents'],
        summary: 'Record a separate consent (PIPL art. 23) to share with a funder',
        response: { 201: ConsentView },
        params: IdParams,
        body: ConsentBody,
      },
    },
    (request, reply) =>
      write(request, reply, async (tx, unit) => {
        const application = await intake.getVisible(tx, principalOf(request), request.params.id);
        if (!(await catalog.getFunder(tx, request.body.funderId))) {
          throw new DomainError('funder_not_found', `no funder ${request.body.funderId}`, 'funderId');
        }
        const consent = await identity.grantConsent(unit, {
          ...request.body,
          customerId: application.customerId,
        });
        return { status: 201, body: consent };
      }),
  );

  app.delete(
    '/v1/applications/:id/consents/:funderId',
    {
      config: { roles: ['admin', 'system'] },
      schema: {
        tags: ['consents'],
        summary: 'Withdraw the consent for a funder',
        response: {
          200: Closed(
            { withdrawn: Type.Integer({ minimum: 0 }) },
            { description: '`withdrawn`: how many live consents were withdrawn.' },
          ),
        },
        params: Type.Object({ id: IdParams.properties.id, funderId: Slug }),
      },
    },
    (request, reply) =>
      write(request, reply, async (tx, unit) => {
        const application = await intake.getVisible(tx, principalOf(request), request.params.id);
        const withdrawn = await identity.withdrawConsent(
          unit,
          application.customerId,
          request.params.funderId,
        );
        return { status: 200, body: { withdrawn } };
      }),
  );
}

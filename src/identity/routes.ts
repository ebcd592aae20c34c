// Consents (PIPL art. 23 单独同意): one record per funder, granted and withdrawn through the
// platform's front end (system role) or an operator (admin).
import { Type } from 'typebox';
import type { App } from '../http/app.ts';
import { write } from '../http/idempotent.ts';
import { IdParams, ShortText, Slug, Token } from '../http/schemas.ts';
import { loadVisibleApplication } from '../intake/routes.ts';
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

export async function identityRoutes(app: App): Promise<void> {
  const { identity, catalog } = app.shoujia;

  app.post(
    '/v1/applications/:id/consents',
    {
      config: { roles: ['admin', 'system'] },
      schema: {
        tags: ['consents'],
        summary: 'Record a separate consent (PIPL art. 23) to share with a funder',
        response: { 201: Type.Object({}, { additionalProperties: true, description: 'The consent.' }) },
        params: IdParams,
        body: ConsentBody,
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => {
        const application = await loadVisibleApplication(request, request.params.id, tx);
        if (!(await catalog.getFunder(tx, request.body.funderId))) {
          throw new DomainError('funder_not_found', `no funder ${request.body.funderId}`, 'funderId');
        }
        const consent = await identity.grantConsent(tx, {
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
          200: Type.Object(
            {},
            { additionalProperties: true, description: '`{withdrawn: number}`: live consents withdrawn.' },
          ),
        },
        params: Type.Object({ id: IdParams.properties.id, funderId: Slug }),
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => {
        const application = await loadVisibleApplication(request, request.params.id, tx);
        const withdrawn = await identity.withdrawConsent(tx, application.customerId, request.params.funderId);
        return { status: 200, body: { withdrawn } };
      }),
  );
}

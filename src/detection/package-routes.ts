// The evidence package export (ADR 0077): JSON (canonical, the file `shoujia evidence verify`
// checks) or a printable page, Chinese by default. Staff only for now; a funder sees its own
// package once it is `confirmed` (issue 14 item 6), which comes with detection's levels.
import { Type } from 'typebox';
import type { App } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { errorResponses, Slug } from '../http/schemas.ts';
import { evidencePackageJson, gatherEvidencePackage, verifyEvidencePackage } from './package.ts';
import { evidencePackageHtml, PACKAGE_LANGS } from './package-html.ts';

const Params = Type.Object({ funderId: Slug });
const Query = Type.Object({
  format: Type.Union([Type.Literal('json'), Type.Literal('html')], { default: 'json' }),
  lang: Type.Union(
    PACKAGE_LANGS.map((l) => Type.Literal(l)),
    { default: 'zh' },
  ),
});

export async function evidencePackageRoutes(app: App): Promise<void> {
  const { canaries, catalog, ledger, clock, database } = app.shoujia;

  app.get(
    '/v1/funders/:funderId/evidence-package',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['detection'],
        summary: "A funder's evidence package: records, cited exposure entries with salts, proofs and the signed checkpoint",
        params: Params,
        querystring: Query,
        response: {
          200: Type.String({ description: 'The package as canonical JSON text, or the printable page (text/html).' }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { funderId } = request.params;
      await catalog.getVisibleFunder(database.db, principalOf(request), funderId);
      const pkg = await gatherEvidencePackage(
        {
          executor: database.db,
          ledger,
          clock,
          records: (executor, id, limit) => canaries.evidenceRecords(executor, id, limit),
        },
        funderId,
      );
      if (request.query.format === 'html') {
        reply.type('text/html; charset=utf-8');
        return evidencePackageHtml(pkg, {
          lang: request.query.lang,
          verdict: verifyEvidencePackage(pkg, ledger.verifierKey),
        });
      }
      reply.type('application/json; charset=utf-8');
      return evidencePackageJson(pkg);
    },
  );
}

// The evidence package export (ADR 0077): JSON (canonical, the file `shoujia evidence verify`
// checks) or a printable page, Chinese by default. Staff only for now; a funder sees its own
// package once it is `confirmed` (issue 14 item 6), which comes with detection's levels.
import { Type } from 'typebox';
import type { App } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import type { FastifyRequest } from 'fastify';
import { Closed, errorResponses, Slug } from '../http/schemas.ts';
import {
  EVIDENCE_PACKAGE_VERSION,
  evidencePackageJson,
  gatherEvidencePackage,
  verifyEvidencePackage,
} from './package.ts';
import { evidencePackageHtml, PACKAGE_LANGS } from './package-html.ts';

const Params = Type.Object({ funderId: Slug });
const HtmlQuery = Type.Object({
  lang: Type.Union(
    PACKAGE_LANGS.map((l) => Type.Literal(l)),
    { default: 'zh' },
  ),
});

const RecordView = Closed({
  id: Type.String(),
  kind: Type.String(),
  funderId: Type.String(),
  customerPseudonym: Type.String(),
  occurredAt: Type.String(),
  source: Type.String(),
  proves: Type.String(),
  exposureEntryId: Type.Optional(Type.String()),
});
/** An entry body is one of the ledger's kinds, salted (src/ledger/model.ts); its fields vary by kind. */
const EntryBody = Type.Object(
  { kind: Type.String(), at: Type.String(), salt: Type.String(), funderId: Type.String() },
  { additionalProperties: true },
);
const PackageView = Closed({
  version: Type.Literal(EVIDENCE_PACKAGE_VERSION),
  funderId: Type.String(),
  generatedAt: Type.String(),
  origin: Type.String(),
  treeSize: Type.Integer({ minimum: 0 }),
  checkpoint: Type.String(),
  records: Type.Array(RecordView),
  exposures: Type.Array(
    Closed({
      entryId: Type.String(),
      index: Type.Integer({ minimum: 0 }),
      leafHash: Type.String(),
      entry: EntryBody,
      proof: Type.Array(Type.String()),
    }),
  ),
});

export async function evidencePackageRoutes(app: App): Promise<void> {
  const { detection, catalog, ledger, clock, database } = app.shoujia;

  const gather = async (request: FastifyRequest, funderId: string) => {
    await catalog.getVisibleFunder(database.db, principalOf(request), funderId);
    return gatherEvidencePackage(
      {
        executor: database.db,
        ledger,
        clock,
        records: (executor, id, limit) => detection.packageRecords(executor, principalOf(request), id, limit),
      },
      funderId,
    );
  };

  app.get(
    '/v1/funders/:funderId/evidence-package',
    {
      config: { roles: ['admin', 'analyst', 'funder'] },
      schema: {
        tags: ['detection'],
        summary:
          "A funder's evidence package: records, each cited exposure entry with its salt and inclusion proof, the signed checkpoint",
        params: Params,
        response: {
          200: Type.Unsafe<string>({
            ...PackageView,
            description:
              'The package as RFC 8785 canonical JSON text: the file `shoujia evidence verify` checks.',
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const pkg = await gather(request, request.params.funderId);
      reply.type('application/json; charset=utf-8');
      return evidencePackageJson(pkg);
    },
  );

  app.get(
    '/v1/funders/:funderId/evidence-package.html',
    {
      config: { roles: ['admin', 'analyst', 'funder'] },
      schema: {
        tags: ['detection'],
        summary:
          "A funder's evidence package as a printable page (Chinese; lang=en for English), with its verification",
        params: Params,
        querystring: HtmlQuery,
        response: { 200: Type.String({ description: 'The page (text/html).' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const pkg = await gather(request, request.params.funderId);
      reply.type('text/html; charset=utf-8');
      return evidencePackageHtml(pkg, {
        lang: request.query.lang,
        verdict: verifyEvidencePackage(pkg, ledger.verifierKey),
      });
    },
  );
}

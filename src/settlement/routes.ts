// Settlement HTTP: admins and analysts draft (a dry run), issue and list monthly statements and
// resolve disputes; a funder reads only its own statements (another's is 404) and disputes their
// lines. Statements are shown as views of their postings (src/settlement/service.ts).
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { write } from '../http/idempotent.ts';
import {
  Closed,
  DateTime,
  errorResponses,
  Nullable,
  OneOf,
  ShortText,
  Slug,
  Token,
} from '../http/schemas.ts';
import { DISPUTE_OUTCOMES, LINE_KINDS, type StatementDocument, STATEMENT_STATUSES } from './model.ts';
import { EXPORT_LANGS, statementCsv, statementHtml } from './export.ts';
import { DISPUTE_LINES_MAX } from './service.ts';
import { funderView } from './statement.ts';
import { STATEMENT_LINES_MAX, STATEMENT_PAGE_MAX, TERMINATIONS_PAGE_MAX } from './store.ts';

const Period = Token({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', maxLength: 7 });
const StatementId = Token({ pattern: '^stm-[a-z0-9][a-z0-9-]{0,62}-\\d{4}-\\d{2}$', maxLength: 80 });
const DisputeId = Token({
  pattern: '^dsp-stm-[a-z0-9][a-z0-9-]{0,62}-\\d{4}-\\d{2}-\\d{1,6}$',
  maxLength: 100,
});
const OWED_BY = ['funder', 'platform', 'nobody'];
const ExportQuery = Type.Object(
  {
    lang: Type.Union(
      EXPORT_LANGS.map((l) => Type.Literal(l)),
      { default: 'zh' },
    ),
  },
  { additionalProperties: false },
);

const LineView = Closed({
  lineNo: Type.Integer(),
  kind: OneOf(LINE_KINDS),
  source: Type.String(),
  customerRef: Nullable(Type.String()),
  loanId: Nullable(Type.String()),
  amountFen: Type.Integer({
    description: 'positive: the funder owes more; negative: refunded to the funder',
  }),
  accounts: Type.Array(Type.String()),
  amountsFen: Type.Array(Type.Integer(), { description: 'signed legs: debit +, credit −; they sum to 0' }),
  memo: Closed(
    {
      basis: Type.Optional(OneOf(['disbursed', 'interest', 'fixed'])),
      baseFen: Type.Optional(Type.Integer({ description: 'principal disbursed, or interest collected' })),
      rate: Type.Optional(Type.Number()),
      fixedFen: Type.Optional(Type.Integer()),
      contractId: Type.Optional(Type.String()),
      findingId: Type.Optional(Type.String()),
      serviceFeeMultiple: Type.Optional(Type.Number()),
      customerServiceFeeFen: Type.Optional(Type.Integer()),
      uncappedFen: Type.Optional(Type.Integer()),
      capFen: Type.Optional(Type.Integer()),
      conversionId: Type.Optional(Type.String()),
      disputeId: Type.Optional(Type.String()),
      statementId: Type.Optional(Type.String()),
      lineNo: Type.Optional(Type.Integer()),
    },
    { description: "how the line's amount was computed (docs/settlement.md)" },
  ),
});
const DocumentView = Closed(
  {
    statementId: Type.String(),
    funderId: Type.String(),
    period: Type.String(),
    lines: Type.Array(LineView),
    totalFen: Type.Integer(),
    owedBy: OneOf(OWED_BY),
  },
  { description: 'The statement document; SHA-256 of its RFC 8785 canonical JSON is the statement hash.' },
);
const StatementView = Closed({
  id: Type.String(),
  funderId: Type.String(),
  period: Type.String(),
  status: OneOf(STATEMENT_STATUSES),
  statementHash: Type.String(),
  totalFen: Type.Integer(),
  owedBy: OneOf(OWED_BY),
  lineCount: Type.Integer(),
  ledgerEntryId: Nullable(Type.String()),
  postedAt: DateTime,
  issuedAt: Nullable(DateTime),
});
const DisputeView = Closed({
  id: Type.String(),
  statementId: Type.String(),
  funderId: Type.String(),
  lineNo: Type.Integer(),
  reason: Type.String(),
  status: OneOf(['open', ...DISPUTE_OUTCOMES]),
  openedAt: DateTime,
  resolvedAt: Nullable(DateTime),
  resolvedBy: Nullable(Type.String()),
});
const MonthBody = Type.Object({ funderId: Slug, period: Period }, { additionalProperties: false });
const LineNo = Type.Integer({ minimum: 1, maximum: STATEMENT_LINES_MAX });

const shown = (document: StatementDocument) => funderView(document);

const ConversionView = Closed({
  id: Type.String(),
  funderId: Type.String(),
  customerRef: Type.String(),
  feeFen: Type.Integer(),
  declaredAt: DateTime,
});

const TerminationId = Token({ pattern: '^trm-[A-Za-z0-9_-]{1,200}$', maxLength: 210 });
const TerminationView = Closed({
  id: Type.String(),
  funderId: Type.String(),
  contractId: Type.String(),
  findingId: Type.String({
    description: 'the confirmation (detection level change) that reached the threshold',
  }),
  findings: Type.Integer({ description: 'confirmed findings in the window when it fired' }),
  threshold: Type.Integer(),
  windowDays: Type.Integer(),
  triggeredAt: DateTime,
  status: OneOf(['in-force', 'lifted']),
  liftedAt: Nullable(DateTime),
  liftedBy: Nullable(Type.String()),
  liftReason: Nullable(Type.String()),
});

export async function settlementRoutes(app: App): Promise<void> {
  const { settlement, database } = app.shoujia;

  app.post(
    '/v1/settlement/drafts',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['settlement'],
        summary: "Draft a funder's month: the statement as it would be issued now (dry run, writes nothing)",
        body: MonthBody,
        response: { 200: DocumentView, ...errorResponses },
      },
    },
    async (request) => shown(await settlement.draft(database.db, request.body.funderId, request.body.period)),
  );

  app.post(
    '/v1/settlement/statements',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['settlement'],
        summary: "Issue a funder's month: postings written once, the hash recorded in the ledger",
        description:
          'Idempotent with an Idempotency-Key; a month already issued is refused (statement_already_issued).',
        body: MonthBody,
        response: { 201: StatementView, ...errorResponses },
      },
    },
    (request, reply) =>
      write(request, reply, async (_tx, unit) => ({
        status: 201,
        body: await settlement.issueIn(unit, request.body.funderId, request.body.period),
      })),
  );

  app.get(
    '/v1/settlement/statements',
    {
      config: { roles: ['admin', 'analyst', 'funder'] },
      schema: {
        tags: ['settlement'],
        summary: 'List statements (a funder key: its own only)',
        querystring: Type.Object(
          {
            funderId: Type.Optional(Slug),
            period: Type.Optional(Period),
            limit: Type.Integer({ minimum: 1, maximum: STATEMENT_PAGE_MAX, default: 100 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Closed({ statements: Type.Array(StatementView) }), ...errorResponses },
      },
    },
    async (request) => {
      const { limit, funderId, period } = request.query;
      return {
        statements: await settlement.list(
          database.db,
          principalOf(request),
          { ...(funderId ? { funderId } : {}), ...(period ? { period } : {}) },
          limit,
        ),
      };
    },
  );

  app.get(
    '/v1/settlement/statements/:statementId',
    {
      config: { roles: ['admin', 'analyst', 'funder'] },
      schema: {
        tags: ['settlement'],
        summary: 'A statement with its lines (read from the journal) and its disputes',
        params: Type.Object({ statementId: StatementId }),
        response: {
          200: Closed({
            statement: StatementView,
            document: DocumentView,
            disputes: Type.Array(DisputeView),
            ledgerIndex: Nullable(
              Type.Integer({
                description:
                  'the index of the statement entry in the ledger (GET /v1/ledger/entries/:index, its inclusion proof); null until issued and integrated',
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const statement = await settlement.visible(
        database.db,
        principalOf(request),
        request.params.statementId,
      );
      return {
        statement,
        document: shown(await settlement.document(database.db, statement)),
        disputes: await settlement.disputes(database.db, statement.id),
        ledgerIndex: await settlement.ledgerIndex(database.db, statement),
      };
    },
  );

  const exportOf = async (request: FastifyRequest, statementId: string) => {
    const statement = await settlement.visible(database.db, principalOf(request), statementId);
    return { statement, document: await settlement.document(database.db, statement) };
  };

  app.get(
    '/v1/settlement/statements/:statementId/statement.csv',
    {
      config: { roles: ['admin', 'analyst', 'funder'] },
      schema: {
        tags: ['settlement'],
        summary: 'A statement as CSV (UTF-8 with a BOM; Chinese headers, lang=en for English)',
        description:
          "Text cells starting with = + - @ are prefixed with ' so a spreadsheet never runs them. A funder key: its own statements only (another’s is statement_not_found).",
        params: Type.Object({ statementId: StatementId }),
        querystring: ExportQuery,
        response: { 200: Type.String({ description: 'The CSV (text/csv).' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { statement, document } = await exportOf(request, request.params.statementId);
      reply.type('text/csv; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="${statement.id}.csv"`);
      return statementCsv(statement, document, request.query.lang);
    },
  );

  app.get(
    '/v1/settlement/statements/:statementId/statement.html',
    {
      config: { roles: ['admin', 'analyst', 'funder'] },
      schema: {
        tags: ['settlement'],
        summary: 'A statement as a printable page (Chinese; lang=en for English)',
        params: Type.Object({ statementId: StatementId }),
        querystring: ExportQuery,
        response: { 200: Type.String({ description: 'The page (text/html).' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { statement, document } = await exportOf(request, request.params.statementId);
      reply.type('text/html; charset=utf-8');
      return statementHtml(statement, document, {
        funderName: await settlement.funderName(database.db, statement.funderId),
        disputes: await settlement.disputes(database.db, statement.id),
        lang: request.query.lang,
      });
    },
  );

  app.post(
    '/v1/settlement/statements/:statementId/disputes',
    {
      config: { roles: ['funder'] },
      schema: {
        tags: ['settlement'],
        summary: 'Dispute lines of an issued statement, with a reason',
        params: Type.Object({ statementId: StatementId }),
        body: Type.Object(
          {
            lineNos: Type.Array(LineNo, { minItems: 1, maxItems: DISPUTE_LINES_MAX }),
            reason: ShortText(500),
          },
          { additionalProperties: false },
        ),
        response: { 201: Closed({ disputes: Type.Array(DisputeView) }), ...errorResponses },
      },
    },
    (request, reply) =>
      write(request, reply, async (_tx, unit) => ({
        status: 201,
        body: {
          disputes: await settlement.dispute(
            unit,
            principalOf(request),
            request.params.statementId,
            request.body,
          ),
        },
      })),
  );

  app.post(
    '/v1/settlement/disputes/:disputeId/resolution',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['settlement'],
        summary:
          'Resolve a dispute: upheld (the charge stands) or withdrawn (refunded on the next statement)',
        params: Type.Object({ disputeId: DisputeId }),
        body: Type.Object({ outcome: OneOf(DISPUTE_OUTCOMES) }, { additionalProperties: false }),
        response: { 200: DisputeView, ...errorResponses },
      },
    },
    (request, reply) =>
      write(request, reply, async (_tx, unit) => ({
        status: 200,
        body: await settlement.resolve(
          unit,
          request.params.disputeId,
          request.body.outcome as (typeof DISPUTE_OUTCOMES)[number],
          principalOf(request).keyId,
        ),
      })),
  );

  app.post(
    '/v1/funder/conversions',
    {
      config: { roles: ['funder'] },
      schema: {
        tags: ['settlement'],
        summary: 'Declare converting a platform customer to direct business, accepting the contract’s fee',
        description:
          'Idempotent per customer: declaring the same customer again answers the first declaration. ' +
          'The fee appears on the statement of the month declared; the ledger records a conversion entry.',
        body: Type.Object(
          { customerRef: Token({ maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }) },
          { additionalProperties: false },
        ),
        response: { 201: ConversionView, ...errorResponses },
      },
    },
    (request, reply) =>
      write(request, reply, async (_tx, unit) => ({
        status: 201,
        body: await settlement.declareConversion(unit, principalOf(request), request.body.customerRef),
      })),
  );

  app.get(
    '/v1/settlement/terminations',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['settlement'],
        summary:
          'Termination triggers (alerts): funders whose confirmed findings reached their contract’s threshold',
        querystring: Type.Object(
          {
            funderId: Type.Optional(Slug),
            status: Type.Optional(OneOf(['in-force', 'lifted'])),
            limit: Type.Integer({ minimum: 1, maximum: TERMINATIONS_PAGE_MAX, default: 100 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Closed({ terminations: Type.Array(TerminationView) }), ...errorResponses },
      },
    },
    async (request) => {
      const { funderId, status, limit } = request.query;
      return {
        terminations: await settlement.terminations(
          database.db,
          {
            ...(funderId ? { funderId } : {}),
            ...(status ? { status: status as 'in-force' | 'lifted' } : {}),
          },
          limit,
        ),
      };
    },
  );

  app.post(
    '/v1/settlement/terminations/:terminationId/lift',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['settlement'],
        summary: 'Lift a termination: routing to the funder resumes; who, when and why are recorded',
        description:
          'The same admin key and reason again answer the recorded lift; another lift of a lifted termination is refused (termination_already_lifted).',
        params: Type.Object({ terminationId: TerminationId }),
        body: Type.Object({ reason: ShortText(1_000) }, { additionalProperties: false }),
        response: { 200: TerminationView, ...errorResponses },
      },
    },
    (request, reply) =>
      write(request, reply, async (_tx, unit) => ({
        status: 200,
        body: await settlement.liftTermination(unit, request.params.terminationId, {
          liftedBy: principalOf(request).keyId,
          reason: request.body.reason,
        }),
      })),
  );
}

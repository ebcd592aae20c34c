// Over 500 lines because: eleven routes, each with its documented request and response schemas
// (ADR 0064, the evidence record's detail per kind); every handler is one service call.
// Detection HTTP (ADR 0076, docs/detection-api.md): credit reports and borrower reports in, the
// institution alias and staff contact tables, funders' levels (set with reasons), alerts and the
// evidence about a funder. Thin: the service applies the visibility rules (access/visibility.ts).
import { Type } from 'typebox';
import type { App } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { write } from '../http/idempotent.ts';
import {
  Closed,
  DateTime,
  FreeText,
  IdParams,
  Nullable,
  OneOf,
  ResourceId,
  ShortText,
  Slug,
  Text,
  Token,
} from '../http/schemas.ts';
import {
  BORROWER_REPORT_CHANNELS,
  DETECTION_LEVELS,
  EVIDENCE_KINDS,
  EVIDENCE_STATUSES,
  INSTITUTION_CODE_CHARS_MAX,
  INSTITUTION_NAME_CHARS_MAX,
  INSTITUTION_NAMES_PER_ENTRY_MAX,
  LEVEL_REASON_EVIDENCE_MAX,
  LEVEL_REASON_TEXT_MAX,
  LEVEL_REASONS_MAX,
} from './model.ts';
import { ALERTS_PAGE_MAX, EVIDENCE_PAGE_MAX, STAFF_CONTACTS_PAGE_MAX } from './store.ts';

const Enum = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)));

const STAFF_CHANNELS = ['phone', 'email', 'relay-address'] as const;
/** `next` of the previous page; the service refuses anything else with detection_alert_cursor_invalid */
const Cursor = Token({ maxLength: 100 });

const LevelReasonBody = Type.Object(
  {
    rule: Token({ maxLength: 64, pattern: '^[a-z0-9][a-z0-9:._-]{0,63}$' }),
    text: FreeText(LEVEL_REASON_TEXT_MAX),
    evidenceIds: Type.Array(ResourceId, { maxItems: LEVEL_REASON_EVIDENCE_MAX, default: [] }),
  },
  { additionalProperties: false },
);

const LevelBody = Type.Object(
  {
    level: Enum(DETECTION_LEVELS),
    reasons: Type.Array(LevelReasonBody, { minItems: 1, maxItems: LEVEL_REASONS_MAX }),
  },
  { additionalProperties: false },
);

const CreditReportBody = Type.Object(
  {
    /** the customer's authorisation (授权书) reference; refused with a code when absent */
    authorisationRef: Type.Optional(Token({ maxLength: 128, pattern: '^[A-Za-z0-9_:./-]+$' })),
    /** the bureau adapter's JSON (docs/credit-report.md), read strictly by parseCreditReport */
    report: Type.Object({}, { additionalProperties: true }),
  },
  { additionalProperties: false },
);

const BorrowerReportBody = Type.Object(
  {
    /** staff submitting on a borrower's behalf name the customer; a borrower's own key may leave it out */
    customerId: Type.Optional(ResourceId),
    funderId: Type.Optional(Slug),
    /** the name as the borrower heard it (招联, 某某银行…), resolved through the alias table */
    funderName: Type.Optional(ShortText(INSTITUTION_NAME_CHARS_MAX)),
    contactedAt: Token({ format: 'date-time', maxLength: 40 }),
    channel: Enum(BORROWER_REPORT_CHANNELS),
    /** what was offered, in the borrower's words */
    offered: FreeText(2000),
    /** the caller's own id for this report (a retry names the same one) */
    reportRef: Type.Optional(Token({ maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  { additionalProperties: false },
);

const AliasBody = Type.Object(
  {
    funderId: Slug,
    names: Type.Array(ShortText(INSTITUTION_NAME_CHARS_MAX), {
      maxItems: INSTITUTION_NAMES_PER_ENTRY_MAX,
      default: [],
    }),
    codes: Type.Array(Token({ maxLength: INSTITUTION_CODE_CHARS_MAX, pattern: '^[A-Za-z0-9]+$' }), {
      maxItems: INSTITUTION_NAMES_PER_ENTRY_MAX,
      default: [],
    }),
  },
  { additionalProperties: false },
);

const StaffContactBody = Type.Object(
  {
    channel: Enum(STAFF_CHANNELS),
    address: Text({ minLength: 3, maxLength: 254 }),
    /** `platform` or the partner's name */
    owner: ShortText(100),
    label: ShortText(100),
  },
  { additionalProperties: false },
);

// ---- answers ----

const Opt = Type.Optional;
/** A credit account or query as the report listed it (docs/credit-report.md). */
const ReportAccountView = Closed({
  institution: Type.String(),
  institutionCode: Opt(Type.String()),
  type: Type.String(),
  openedOn: Type.String(),
  amountFen: Type.Integer(),
  status: Type.String(),
  creditAgreementId: Opt(Type.String()),
});
const ReportQueryView = Closed({
  institution: Type.String(),
  institutionCode: Opt(Type.String()),
  date: Type.String(),
  reason: Type.String(),
});
/**
 * What each kind of evidence carries (docs/detection-api.md, "The evidence record"): contact
 * evidence the contact's verdict; credit-report findings the account or query and the days since
 * the exposure; borrower reports what the borrower named and was offered.
 */
const EvidenceDetailView = Closed({
  // relay-contact, staff-contact
  contactId: Opt(Type.String()),
  verdict: Opt(Type.String()),
  reason: Opt(Type.String()),
  category: Opt(Nullable(Type.String())),
  applicationId: Opt(Nullable(Type.String())),
  staffContactId: Opt(Type.String()),
  // canary-contact: a contact at a contact point only this funder received
  attributable: Opt(Type.Boolean()),
  owner: Opt(Type.String()),
  label: Opt(Type.String()),
  // credit-report-account, credit-report-query
  reportId: Opt(Type.String()),
  generatedOn: Opt(Type.String()),
  strength: Opt(OneOf(['direct', 'weak'])),
  daysAfterExposure: Opt(Type.Integer()),
  firstExposureOn: Opt(Type.String()),
  account: Opt(ReportAccountView),
  accountIndex: Opt(Type.Integer()),
  query: Opt(ReportQueryView),
  queryIndex: Opt(Type.Integer()),
  /** an institution the alias table does not know (normalised) */
  institution: Opt(Type.String()),
  // borrower-report (and the contact's channel)
  named: Opt(Closed({ funderId: Nullable(Type.String()), funderName: Nullable(Type.String()) })),
  channel: Opt(Type.String()),
  offered: Opt(Type.String()),
});

const EvidenceView = Closed({
  id: Type.String(),
  kind: OneOf(EVIDENCE_KINDS),
  funderId: Nullable(Type.String()),
  customerId: Nullable(Type.String()),
  occurredAt: DateTime,
  recordedAt: DateTime,
  source: Type.String(),
  proves: Type.String(),
  detail: EvidenceDetailView,
  /** the ledger entry of the exposure it follows: an inclusion proof is fetched with it */
  exposureEntryId: Nullable(Type.String()),
  status: OneOf(EVIDENCE_STATUSES),
});
const LevelChangeView = Closed({
  id: Type.String(),
  funderId: Type.String(),
  from: OneOf(DETECTION_LEVELS),
  level: OneOf(DETECTION_LEVELS),
  reasons: Type.Array(
    Closed({ rule: Type.String(), text: Type.String(), evidenceIds: Type.Array(Type.String()) }),
  ),
  actor: Type.String(),
  at: DateTime,
});
const LevelView = Closed(
  {
    funderId: Type.String(),
    level: OneOf(DETECTION_LEVELS),
    changedAt: Nullable(DateTime),
    history: Type.Array(LevelChangeView),
  },
  { description: 'The level with its latest changes, newest first.' },
);
const AliasView = Closed({
  id: Type.String(),
  funderId: Type.String(),
  kind: OneOf(['name', 'code']),
  value: Type.String(),
  normalised: Type.String(),
  createdBy: Type.String(),
  createdAt: DateTime,
});
const StaffContactView = Closed({
  id: Type.String(),
  channel: OneOf(STAFF_CHANNELS),
  owner: Type.String(),
  label: Type.String(),
  createdBy: Type.String(),
  createdAt: DateTime,
});
const staffView = (row: {
  id: string;
  channel: string;
  owner: string;
  label: string;
  createdBy: string;
  createdAt: Date;
}) => ({
  id: row.id,
  channel: row.channel,
  owner: row.owner,
  label: row.label,
  createdBy: row.createdBy,
  createdAt: row.createdAt,
});

export async function detectionRoutes(app: App): Promise<void> {
  const { detection, database } = app.shoujia;
  const actorOf = (request: import('fastify').FastifyRequest) => `key:${principalOf(request).keyId}`;

  app.put(
    '/v1/funders/:id/detection-level',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['detection'],
        summary: "Set a funder's detection level, with reasons (routing trust follows)",
        response: {
          200: Closed(
            { changed: Type.Boolean(), ...LevelView.properties },
            { description: 'The level now; `changed` false when it already was.' },
          ),
        },
        params: IdParams,
        body: LevelBody,
      },
    },
    (request, reply) =>
      write(request, reply, async (_tx, unit) => {
        const { changed, view } = await detection.setLevel(
          unit,
          request.params.id,
          request.body.level,
          request.body.reasons.map((r) => ({ rule: r.rule, text: r.text, evidenceIds: r.evidenceIds ?? [] })),
          actorOf(request),
        );
        return { status: 200, body: { changed, ...view } };
      }),
  );

  app.post(
    '/v1/detection/rescore',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['detection'],
        summary:
          'Score every funder from the stored evidence (the fusion rule, ADR 0075) and raise the levels it raises',
        response: {
          200: Closed({
            funders: Type.Integer(),
            evidenceRead: Type.Integer(),
            evidenceLeftOut: Type.Boolean(),
            raised: Type.Array(
              Closed({ funderId: Type.String(), from: OneOf(DETECTION_LEVELS), to: OneOf(DETECTION_LEVELS) }),
            ),
          }),
        },
      },
    },
    (request, reply) =>
      write(request, reply, async (_tx, unit) => ({ status: 200, body: await detection.rescore(unit) })),
  );

  app.get(
    '/v1/funders/:id/detection-level',
    {
      config: { roles: ['admin', 'analyst', 'funder'] },
      schema: {
        tags: ['detection'],
        summary: "A funder's detection level and its recent changes",
        response: { 200: LevelView },
        params: IdParams,
      },
    },
    async (request) => detection.visibleLevel(database.db, principalOf(request), request.params.id),
  );

  app.get(
    '/v1/alerts',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['detection'],
        summary: 'Funders above `none`, newest change first',
        response: {
          200: Closed({
            alerts: Type.Array(
              Closed({
                funderId: Type.String(),
                level: OneOf(DETECTION_LEVELS),
                changedAt: DateTime,
                change: LevelChangeView,
              }),
            ),
            /** pass as `before` for the next page; null on the last */
            next: Nullable(Type.String()),
          }),
        },
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: ALERTS_PAGE_MAX, default: 50 }),
            before: Type.Optional(Cursor),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => detection.alerts(database.db, request.query),
  );

  app.get(
    '/v1/funders/:id/evidence',
    {
      config: { roles: ['admin', 'analyst', 'funder'] },
      schema: {
        tags: ['detection'],
        summary: 'The evidence about a funder (the funder itself: once confirmed)',
        response: {
          200: Closed({
            funderId: Type.String(),
            level: OneOf(DETECTION_LEVELS),
            evidence: Type.Array(EvidenceView),
            next: Nullable(Type.String()),
          }),
        },
        params: IdParams,
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: EVIDENCE_PAGE_MAX, default: 100 }),
            before: Type.Optional(Cursor),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) =>
      detection.visibleEvidence(database.db, principalOf(request), request.params.id, request.query),
  );

  app.post(
    '/v1/customers/:id/credit-reports',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['detection'],
        summary: "Cross-check a customer's credit report (with their authorisation)",
        response: {
          201: Closed(
            {
              reportId: Type.String(),
              customerId: Type.String(),
              /** this reportId was received before: findings are the stored ones */
              duplicate: Type.Boolean(),
              findings: Type.Array(EvidenceView),
              unmatchedInstitutions: Type.Array(Type.String()),
            },
            { description: 'The findings stored as evidence.' },
          ),
        },
        params: IdParams,
        body: CreditReportBody,
      },
    },
    (request, reply) =>
      write(request, reply, async (_tx, unit) => ({
        status: 201,
        body: await detection.ingestCreditReport(unit, request.params.id, request.body, actorOf(request)),
      })),
  );

  app.post(
    '/v1/borrower/reports',
    {
      config: { roles: ['admin', 'analyst', 'system', 'borrower'] },
      schema: {
        tags: ['detection'],
        summary:
          'A borrower reports who contacted them (themselves, from the portal, or staff on their behalf)',
        response: { 201: Closed(EvidenceView.properties, { description: 'The report as evidence.' }) },
        body: BorrowerReportBody,
      },
    },
    (request, reply) => {
      const customerId = detection.reportingCustomer(principalOf(request), request.body.customerId);
      return write(request, reply, async (_tx, unit) => ({
        status: 201,
        body: await detection.recordBorrowerReport(unit, {
          ...request.body,
          customerId,
          contactedAt: new Date(request.body.contactedAt),
        }),
      }));
    },
  );

  app.post(
    '/v1/institution-aliases',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['detection'],
        summary: 'Name the institutions (names, codes) a funder appears as in credit reports',
        response: { 201: Closed({ added: Type.Array(AliasView) }, { description: 'The aliases added.' }) },
        body: AliasBody,
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => ({
        status: 201,
        body: {
          added: await detection.registers.addAliases(
            tx,
            {
              funderId: request.body.funderId,
              names: request.body.names ?? [],
              codes: request.body.codes ?? [],
            },
            actorOf(request),
          ),
        },
      })),
  );

  app.get(
    '/v1/institution-aliases',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['detection'],
        summary: 'The institution alias table',
        response: { 200: Closed({ aliases: Type.Array(AliasView) }) },
        querystring: Type.Object({ funderId: Type.Optional(Slug) }, { additionalProperties: false }),
      },
    },
    async (request) => ({
      aliases: await detection.registers.listAliases(database.db, request.query.funderId),
    }),
  );

  app.delete(
    '/v1/institution-aliases/:id',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['detection'],
        summary: 'Remove an institution alias',
        response: {
          200: Closed({ id: Type.String(), deleted: Type.Boolean() }, { description: 'Removed.' }),
        },
        params: IdParams,
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => {
        await detection.registers.deleteAlias(tx, request.params.id);
        return { status: 200, body: { id: request.params.id, deleted: true } };
      }),
  );

  app.post(
    '/v1/staff-contacts',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['detection'],
        summary: 'Register a platform or partner staff contact point (stored as a keyed hash)',
        response: { 201: Closed(StaffContactView.properties, { description: 'Registered.' }) },
        body: StaffContactBody,
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => ({
        status: 201,
        body: staffView(await detection.registers.addStaffContact(tx, request.body, actorOf(request))),
      })),
  );

  app.get(
    '/v1/staff-contacts',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['detection'],
        summary: 'Registered staff contact points (never the addresses)',
        response: { 200: Closed({ staffContacts: Type.Array(StaffContactView) }) },
        querystring: Type.Object(
          {
            after: Type.Optional(ResourceId),
            limit: Type.Integer({ minimum: 1, maximum: STAFF_CONTACTS_PAGE_MAX, default: 100 }),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => ({
      staffContacts: (await detection.registers.listStaffContacts(database.db, request.query)).map(staffView),
    }),
  );

  app.delete(
    '/v1/staff-contacts/:id',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['detection'],
        summary: 'Remove a staff contact point',
        response: {
          200: Closed({ id: Type.String(), deleted: Type.Boolean() }, { description: 'Removed.' }),
        },
        params: IdParams,
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => {
        await detection.registers.deleteStaffContact(tx, request.params.id);
        return { status: 200, body: { id: request.params.id, deleted: true } };
      }),
  );
}

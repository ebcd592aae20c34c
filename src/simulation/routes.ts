// Simulation HTTP: analysts queue what-if runs and read their reports. POST validates the scenario
// at once (every problem by path, 400 scenario_invalid) and answers 202 with the queued run; the
// runner (service.ts) takes it from there.
import { type TSchema, Type } from 'typebox';
import type { App } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { write } from '../http/idempotent.ts';
import {
  Closed,
  ErrorResponse,
  errorResponses,
  IdParams,
  Nullable,
  NullableOneOf,
  OneOf,
} from '../http/schemas.ts';
import { DomainError } from './errors.ts';
import { reportHtml } from './html.ts';
import { ALERT_LEVELS, EVIDENCE_KINDS, type EvidenceKind } from './model.ts';
import { SIMULATION_LIST_LIMIT_MAX, type SimulationRunView } from './service.ts';

const SimulationBody = Type.Object(
  {
    // Validated against docs/scenario.schema.json by the service, which names every problem by path.
    scenario: Type.Object({}, { additionalProperties: true, maxProperties: 10 }),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4_294_967_295 })),
    compareBaseline: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const RunView = Closed({
  id: Type.String(),
  status: Type.String(),
  seed: Type.Integer(),
  days: Type.Integer(),
  customers: Type.Integer(),
  funders: Type.Integer(),
  compareBaseline: Type.Boolean(),
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

// report.json as documented in docs/simulation.md (src/simulation/model.ts Report).
const Count = Type.Integer({ minimum: 0 });
const Day = Type.Integer({ minimum: 0 });
const Fen = Type.Integer();
const Tally = Closed({ total: Count, fromPoaching: Count });
const evidenceOf = <T extends TSchema>(schema: T) =>
  Closed(Object.fromEntries(EVIDENCE_KINDS.map((kind) => [kind, schema])) as Record<EvidenceKind, T>);
const FunderReportView = Closed({
  id: Type.String(),
  truth: OneOf(['honest', 'poacher']),
  type: OneOf(['bank', 'consumer-finance', 'other']),
  poached: Count,
  poachedByInterception: Count,
  poachedByReawakening: Count,
  poachedFromDataOnly: Count,
  contacts: Count,
  targetedApprovals: Count,
  firstPoachDay: Nullable(Day),
  alertDay: Closed({ watch: Nullable(Day), suspect: Nullable(Day), confirmed: Nullable(Day) }),
  poachedBeforeConfirmed: Count,
  dispatched: Count,
  approved: Count,
  abandonedAfterApproval: Count,
  booked: Count,
  serviceFeesFen: Fen,
  poachingLossFen: Fen,
  penaltiesFen: Fen,
  relayContactsRecorded: Count,
  evidence: evidenceOf(Tally),
});
const economicsProperties = {
  serviceFeesFen: Fen,
  poachingLossFen: Fen,
  canaryCostFen: Fen,
  penaltiesFen: Fen,
  customersLost: Count,
  booked: Count,
};
const PlatformReportView = Closed({
  ...economicsProperties,
  applications: Count,
  approvedApplications: Count,
  bookedAmountFen: Fen,
  declined: Count,
  canaries: Count,
  canaryBooked: Count,
  customers: Count,
  /** the same market without the platform's defences (compareBaseline) */
  baseline: Type.Optional(Closed(economicsProperties)),
});
const Counts = Type.Array(Type.Integer());
const SeriesView = Closed({
  bucketDays: Type.Integer({ minimum: 1 }),
  bucketStartDays: Type.Array(Day),
  platform: Closed({ serviceFeesFen: Counts, customersLost: Counts, booked: Counts }),
  funders: Type.Array(
    Closed({
      poached: Counts,
      evidence: evidenceOf(Counts),
      approved: Counts,
      abandonedAfterApproval: Counts,
      score: Type.Array(Nullable(Type.Number())),
      level: Type.Array(NullableOneOf(ALERT_LEVELS)),
    }),
  ),
});
const RunReportProperties = {
  funders: Type.Array(FunderReportView),
  platform: PlatformReportView,
  series: SeriesView,
};
const ReportView = Closed({
  scenario: Closed({
    /** SHA-256 of the normalised scenario's RFC 8785 canonical JSON */
    sha256: Type.String(),
    seed: Type.Integer(),
    days: Type.Integer(),
    startDate: Type.String(),
    customers: Type.Integer(),
    funders: Type.Integer(),
  }),
  detector: Nullable(Type.String()),
  notes: Type.Array(Type.String()),
  ...RunReportProperties,
  /** with compareBaseline: the same market with rotation, canaries, relay contacts, checks and detection off */
  baseline: Type.Optional(Closed(RunReportProperties)),
  runtimeMs: Type.Integer({ minimum: 0 }),
});

// One closed object rather than an intersection: additionalProperties false in an allOf branch
// would refuse the other branch's properties.
const RunWithReport = Closed({
  ...RunView.properties,
  /** null until the run is done */
  report: Type.Unsafe<Record<string, unknown> | null>(Nullable(ReportView)),
});

const iso = (d: Date | null) => (d === null ? null : d.toISOString());
function runJson(run: SimulationRunView) {
  return {
    ...run,
    createdAt: run.createdAt.toISOString(),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
  };
}

const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: SIMULATION_LIST_LIMIT_MAX, default: 20 }),
});

export async function simulationRoutes(app: App): Promise<void> {
  const { simulation, database } = app.shoujia;
  const roles = ['admin', 'analyst'] as const;

  app.post(
    '/v1/simulations',
    {
      config: { roles: [...roles] },
      schema: {
        tags: ['simulation'],
        summary: 'Start a market simulation run',
        body: SimulationBody,
        response: { 202: RunView, ...errorResponses, 422: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (request, reply) =>
      write(request, reply, async (tx) => ({
        status: 202,
        body: runJson(await simulation.submit(tx, request.body, principalOf(request).keyId)),
      })),
  );

  app.get(
    '/v1/simulations',
    {
      config: { roles: [...roles] },
      schema: {
        tags: ['simulation'],
        summary: 'List simulation runs',
        querystring: ListQuery,
        response: { 200: Type.Object({ items: Type.Array(RunView) }), ...errorResponses },
      },
    },
    async (request) => ({ items: (await simulation.list(database.db, request.query.limit)).map(runJson) }),
  );

  app.get(
    '/v1/simulations/:id',
    {
      config: { roles: [...roles] },
      schema: {
        tags: ['simulation'],
        summary: 'A simulation run with its report',
        params: IdParams,
        response: { 200: RunWithReport, ...errorResponses },
      },
    },
    async (request) => {
      const run = await simulation.get(database.db, request.params.id);
      if (!run) throw new DomainError('simulation_not_found', `no simulation ${request.params.id}`, 'id');
      return { ...runJson(run), report: run.report as unknown as Record<string, unknown> | null };
    },
  );

  app.get(
    '/v1/simulations/:id/report.json',
    {
      config: { roles: [...roles] },
      schema: {
        tags: ['simulation'],
        summary: "A run's report as JSON",
        response: {
          200: Type.Unsafe<string>({
            ...ReportView,
            description: 'The report, byte for byte what the CLI writes (sent as JSON text).',
          }),
        },
        params: IdParams,
      },
    },
    async (request, reply) => {
      const text = await simulation.reportText(database.db, request.params.id);
      reply.type('application/json; charset=utf-8');
      return text;
    },
  );

  app.get(
    '/v1/simulations/:id/report.html',
    {
      config: { roles: [...roles] },
      schema: {
        tags: ['simulation'],
        summary: "A run's report as HTML",
        response: { 200: Type.String({ description: 'The report page (text/html).' }) },
        params: IdParams,
      },
    },
    async (request, reply) => {
      const text = await simulation.reportText(database.db, request.params.id);
      reply.type('text/html; charset=utf-8');
      return reportHtml(JSON.parse(text));
    },
  );
}

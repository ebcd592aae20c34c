// Simulation HTTP: analysts queue what-if runs and read their reports. POST validates the scenario
// at once (every problem by path, 400 scenario_invalid) and answers 202 with the queued run; the
// runner (service.ts) takes it from there.
import { Type } from 'typebox';
import type { App } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { write } from '../http/idempotent.ts';
import { ErrorResponse, errorResponses, IdParams } from '../http/schemas.ts';
import { DomainError } from './errors.ts';
import { reportHtml } from './html.ts';
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

const RunView = Type.Object({
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

const RunWithReport = Type.Intersect([
  RunView,
  // report.json as documented in docs/simulation.md (null until the run is done)
  Type.Object({ report: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]) }),
]);

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
        response: { 200: Type.Object({}, { additionalProperties: true, description: 'The report.' }) },
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

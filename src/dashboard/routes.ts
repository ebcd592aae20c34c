// The dashboard's HTTP (issue 17, ADR 0101, 0102): the overview and the funders' scorecards for
// staff, and /metrics for the operator's scraper. Thin: DashboardService and Metrics do the work.
import { Type } from 'typebox';
import type { App } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { Closed, Nullable, OneOf, Token } from '../http/schemas.ts';
import { DETECTION_LEVELS } from '../detection/model.ts';

const Day = (description: string) =>
  Token({ maxLength: 10, pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description });
const RangeQuery = Type.Object(
  {
    from: Type.Optional(Day('first day, Asia/Shanghai (YYYY-MM-DD); default: 29 days before `to`')),
    to: Type.Optional(Day('last day, included, Asia/Shanghai (YYYY-MM-DD); default: today')),
  },
  { additionalProperties: false },
);
const Count = Type.Integer({ minimum: 0 });
const Rate = Nullable(Type.Number({ minimum: 0, maximum: 1, description: 'null: the denominator is 0' }));
const DayCounts = {
  applications: Count,
  approvals: Count,
  bookings: Count,
  feeIncomeFen: Type.Integer({
    description: 'service-fee postings of the settlement journal, by posting day',
  }),
};
const OverviewView = Closed(
  {
    days: Type.Array(Closed({ date: Type.String(), ...DayCounts }), { maxItems: 366 }),
    totals: Closed(DayCounts),
  },
  { description: 'Every day of the range, oldest first, zeros included.' },
);
const RatesView = {
  approvalRate: Rate,
  confirmationRate: Rate,
  abandonmentRate: Rate,
  repeatBorrowingRate: Rate,
};
const ScorecardView = Closed({
  funderId: Type.String(),
  name: Type.String(),
  exposures: Count,
  ...RatesView,
  peer: Closed(RatesView, { description: 'the same rates over every other funder pooled (leave-one-out)' }),
  level: OneOf(DETECTION_LEVELS),
  trust: Type.Number({ minimum: 0, maximum: 1 }),
  evidenceCount: Count,
  scoreTrend: Type.Array(
    Closed({
      date: Type.String(),
      score: Type.Integer({ minimum: 0, maximum: 3, description: "the level's rank: none 0 … confirmed 3" }),
      level: OneOf(DETECTION_LEVELS),
    }),
    { description: 'the level at `from`, then each level change in the range' },
  ),
});

export async function dashboardRoutes(app: App): Promise<void> {
  const { dashboard, database, metrics } = app.shoujia;

  app.get(
    '/v1/dashboard/overview',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['dashboard'],
        summary: 'Applications, approvals, bookings and fee income per day (Asia/Shanghai), at most 366 days',
        querystring: RangeQuery,
        response: { 200: OverviewView },
      },
    },
    async (request) => dashboard.overview(database.db, principalOf(request), request.query),
  );

  app.get(
    '/v1/dashboard/funders',
    {
      config: { roles: ['admin', 'analyst'] },
      schema: {
        tags: ['dashboard'],
        summary:
          "Each funder's approval, confirmation, abandonment and repeat-borrowing rates against its peers",
        querystring: RangeQuery,
        response: { 200: Closed({ funders: Type.Array(ScorecardView, { maxItems: 500 }) }) },
      },
    },
    async (request) => dashboard.funders(database.db, principalOf(request), request.query),
  );

  if (app.metricsEnabled)
    app.get(
      '/metrics',
      {
        // No key: a scraper has none, and the text names no customer and no secret (ADR 0102).
        // SHOUJIA_METRICS=0 removes the route.
        config: { roles: ['public'] },
        schema: {
          tags: ['meta'],
          summary:
            'Prometheus metrics (text exposition format): requests, submissions, dispatches, ledger, queue, levels',
          response: { 200: Type.String({ description: 'Prometheus text format 0.0.4' }) },
        },
      },
      async (_request, reply) => {
        const { text, contentType } = await metrics.exposition();
        reply.type(contentType);
        return text;
      },
    );
}

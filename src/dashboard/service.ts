// The dashboard's read use cases (issue 17, ADR 0101): the overview's days and the funders'
// scorecards, assembled from the services that own the data (intake's counts, routing's trust,
// detection's levels and evidence, settlement's journal, catalog's names) and, for the funders'
// rates, from its one derived table of per-day counts (ADR 0104). Every read bounded by the range.
import type { Principal } from '../access/model.ts';
import { isStaff } from '../access/visibility.ts';
import type { CatalogService } from '../catalog/service.ts';
import type { Executor } from '../db/client.ts';
import type { DetectionService } from '../detection/service.ts';
import { chinaDayOf, isoOfDay } from '../detection/days.ts';
import type { DetectionLevel } from '../detection/model.ts';
import type { ApplicationReads } from '../intake/read-service.ts';
import type { Clock } from '../kernel/index.ts';
import type { RoutingService } from '../routing/service.ts';
import type { SettlementService } from '../settlement/service.ts';
import { DomainError } from './errors.ts';
import {
  type FunderCounts,
  FUNDERS_MAX,
  type FunderScorecard,
  type Overview,
  type ScorePoint,
} from './model.ts';
import { dayRange, daysOf } from './range.ts';
import { ratesWithPeers, ZERO_COUNTS } from './rates.ts';
import * as store from './store.ts';

/** Funders read a page at a time (catalog's own page limit). */
const FUNDER_PAGE = 100;

export const LEVEL_SCORE: Record<DetectionLevel, number> = { none: 0, watch: 1, suspect: 2, confirmed: 3 };

export interface DashboardDeps {
  clock: Clock;
  catalog: Pick<CatalogService, 'listFunders'>;
  applications: Pick<ApplicationReads, 'dailyCounts'>;
  routing: Pick<RoutingService, 'trustSettings'>;
  detection: Pick<DetectionService, 'funderColumns'>;
  settlement: Pick<SettlementService, 'serviceFeeIncomeByDay'>;
}

type RangeQuery = { from?: string | undefined; to?: string | undefined };

export class DashboardService {
  constructor(private readonly deps: DashboardDeps) {}

  private staffOnly(principal: Principal): void {
    if (!isStaff(principal)) throw new DomainError('forbidden', 'the dashboard is for staff');
  }

  /** Applications, approvals, bookings and service-fee income per day; every day present. */
  async overview(tx: Executor, principal: Principal, query: RangeQuery): Promise<Overview> {
    this.staffOnly(principal);
    const range = dayRange(query, this.deps.clock.now());
    const counts = await this.deps.applications.dailyCounts(tx, range.from, range.to);
    const fees = await this.deps.settlement.serviceFeeIncomeByDay(tx, range.from, range.to);
    const totals = { applications: 0, approvals: 0, bookings: 0, feeIncomeFen: 0 };
    const days = daysOf(range).map(({ day, date }) => {
      const row = {
        date,
        applications: counts.submissions.get(day) ?? 0,
        approvals: counts.approvals.get(day) ?? 0,
        bookings: counts.bookings.get(day) ?? 0,
        feeIncomeFen: fees.get(day) ?? 0,
      };
      totals.applications += row.applications;
      totals.approvals += row.approvals;
      totals.bookings += row.bookings;
      totals.feeIncomeFen += row.feeIncomeFen;
      return row;
    });
    return { days, totals };
  }

  /** Every funder (up to FUNDERS_MAX, by id) with its rates against its peers, level, trust and trend. */
  async funders(
    tx: Executor,
    principal: Principal,
    query: RangeQuery,
  ): Promise<{ funders: FunderScorecard[] }> {
    this.staffOnly(principal);
    const range = dayRange(query, this.deps.clock.now());
    const funders = await this.listFunders(tx);
    const ids = funders.map((f) => f.id);
    const [counts, trust, detection] = await Promise.all([
      this.countsOf(tx, ids, range.fromDay, range.toDay),
      this.deps.routing.trustSettings(tx),
      this.deps.detection.funderColumns(tx, ids, range.from, range.to),
    ]);
    const rates = ratesWithPeers(counts);
    const trends = new Map<string, ScorePoint[]>();
    for (const id of ids) {
      const level = detection.levelAtFrom.get(id) ?? 'none';
      trends.set(id, [{ date: isoOfDay(range.fromDay), score: LEVEL_SCORE[level], level }]);
    }
    for (const change of detection.changes)
      trends.get(change.funderId)?.push({
        date: isoOfDay(chinaDayOf(change.at)),
        score: LEVEL_SCORE[change.level],
        level: change.level,
      });
    return {
      funders: funders.map((f) => {
        const { own, peer } = rates.get(f.id)!;
        return {
          funderId: f.id,
          name: f.name,
          exposures: counts.get(f.id)!.exposures,
          ...own,
          peer,
          level: detection.levels.get(f.id) ?? 'none',
          trust: trust.get(f.id) ?? 1,
          evidenceCount: detection.evidence.get(f.id) ?? 0,
          scoreTrend: trends.get(f.id)!,
        };
      }),
    };
  }

  private async listFunders(tx: Executor): Promise<Array<{ id: string; name: string }>> {
    const out: Array<{ id: string; name: string }> = [];
    for (let after: string | undefined; out.length < FUNDERS_MAX; ) {
      const page = await this.deps.catalog.listFunders(tx, {
        limit: Math.min(FUNDER_PAGE, FUNDERS_MAX - out.length),
        ...(after ? { after } : {}),
      });
      out.push(...page.map((f) => ({ id: f.id, name: f.name })));
      if (page.length < FUNDER_PAGE) break;
      after = page[page.length - 1]!.id;
    }
    return out;
  }

  /**
   * Every count the rates need, per funder in `ids` (zeros for a funder with none): the day rows the
   * triggers keep (ADR 0104), the same definitions as the owners' per-row counts (ADR 0101).
   */
  private async countsOf(
    tx: Executor,
    ids: readonly string[],
    fromDay: number,
    toDay: number,
  ): Promise<Map<string, FunderCounts>> {
    const days = await store.funderDayCounts(tx, fromDay, toDay);
    return new Map(ids.map((id) => [id, { ...ZERO_COUNTS, ...days.get(id) }]));
  }
}

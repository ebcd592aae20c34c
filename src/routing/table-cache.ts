// Routing's caches: the catalogue compiled into a routing table (with its snapshot, stored once
// per version for explanations), this month's usage rows and the funder states built from them,
// and the configuration in force, loaded with the table. One class the routing service composes;
// catalogue, trust and configuration changes drop it with invalidateCatalog().
import type { FeeLine } from '../catalog/model.ts';
import type { CatalogService } from '../catalog/service.ts';
import type { Executor } from '../db/client.ts';
import { type Clock, assert, canonicalJson, sha256Hex } from '../kernel/index.ts';
import { quote } from '../pricing/index.ts';
import { catalogSnapshot, compileRoutingTable, type RoutingTable, type SnapshotProduct } from './decide.ts';
import { DEFAULT_ROUTING_CONFIG } from './defaults.ts';
import type { FunderState, QuoteFunction, RoutingConfig, RoutingFunder, RoutingProduct } from './model.ts';
import { FlowCounter, type FlowByBand } from './flow-counter.ts';
import * as store from './store.ts';

export const pricingQuote: QuoteFunction = (request) => quote(request, { schedule: false });

/** The compiled catalogue as cached: what a decision reads. */
export interface CachedTable {
  table: RoutingTable;
  trust: Map<string, number>;
  loadedAt: number;
  version: string;
  snapshot: SnapshotProduct[];
  /** true once the snapshot row is seen committed; until then each decision makes sure it is stored */
  stored: boolean;
  /** each table product's fees, for the offers stored with a decision */
  fees: Map<string, readonly FeeLine[]>;
}

export interface RoutingTableCacheOptions {
  config?: RoutingConfig | undefined;
  /** how long the compiled catalogue is trusted before reloading (ms of process time) */
  catalogCacheMs?: number | undefined;
  /** how long this month's quota and exposure usage is reused for new offers */
  usageCacheMs?: number | undefined;
}

export class RoutingTableCache {
  /** the configuration in force: the stored one (PUT /v1/routing/config), else the constructor's */
  private inForce: { config: RoutingConfig; version: number };
  readonly baseConfig: RoutingConfig;
  private readonly catalogCacheMs: number;
  private cached: CachedTable | null = null;
  private usageCache: { month: string; rows: store.UsageRow[]; loadedAt: number } | null = null;
  /** the funder states built from the cached usage rows and trust (decide() only reads them) */
  private statesMemo: {
    month: string;
    rows: store.UsageRow[];
    trust: Map<string, number>;
    config: RoutingConfig;
    states: Map<string, FunderState>;
  } | null = null;
  private readonly usageCacheMs: number;
  /** snapshots read back for explanations, by version (a handful: one per catalogue change) */
  private readonly snapshots = new Map<string, SnapshotProduct[]>();

  constructor(
    private readonly deps: {
      catalog: Pick<CatalogService, 'listFunders' | 'currentContract' | 'listProducts'>;
      clock: Clock;
    },
    options: RoutingTableCacheOptions = {},
    /** the funders' flow counted by this process (ADR 0073); the service gives it its writer */
    readonly flow: FlowCounter = new FlowCounter(async () => {}),
  ) {
    this.baseConfig = options.config ?? DEFAULT_ROUTING_CONFIG;
    this.inForce = { config: this.baseConfig, version: 0 };
    this.catalogCacheMs = options.catalogCacheMs ?? 30_000;
    this.usageCacheMs = options.usageCacheMs ?? 1_000;
  }

  get config(): RoutingConfig {
    return this.inForce.config;
  }

  /** The configuration in force and its version, as of the last load of the table. */
  get current(): { config: RoutingConfig; version: number } {
    return this.inForce;
  }

  /** Drop the compiled catalogue (catalog and trust changes call this). */
  invalidateCatalog(): void {
    this.cached = null;
  }

  /** Usage changed (a dispatch or a booking counted): the next offers read it again. */
  usageChanged(): void {
    this.usageCache = null;
  }

  /** The compiled catalogue, reloaded (with trust and the configuration) once catalogCacheMs has passed. */
  async routingTable(tx: Executor): Promise<CachedTable> {
    if (this.cached && performance.now() - this.cached.loadedAt < this.catalogCacheMs) return this.cached;
    const funders: RoutingFunder[] = [];
    let after: string | undefined;
    while (funders.length < store.MAX_FUNDERS) {
      const page = await this.deps.catalog.listFunders(tx, { ...(after ? { after } : {}), limit: 500 });
      for (const funder of page) {
        const contract = await this.deps.catalog.currentContract(tx, funder.id);
        funders.push({
          ...funder,
          serviceFee: contract?.terms.serviceFee,
          maxPenaltyRateAnnual: contract?.terms.maxPenaltyRateAnnual,
        });
      }
      if (page.length < 500) break;
      after = page[page.length - 1]!.id;
    }
    const products: RoutingProduct[] = await this.deps.catalog.listProducts(tx, {
      activeOnly: true,
      limit: 5000,
    });
    const trust = await store.trustSettings(tx);
    const stored = await store.activeConfig(tx);
    this.inForce = stored ?? { config: this.baseConfig, version: 0 };
    const table = compileRoutingTable({ funders, products }, this.config, pricingQuote);
    const snapshot = catalogSnapshot(table);
    this.cached = {
      table,
      trust,
      loadedAt: performance.now(),
      version: sha256Hex(canonicalJson(snapshot)),
      snapshot,
      stored: false,
      fees: new Map(table.products.map((p) => [p.product.id, p.product.fees])),
    };
    return this.cached;
  }

  /**
   * Make sure the decision's catalogue snapshot is stored, in the caller's transaction. Once a
   * later transaction sees the row (it committed), the check stops.
   */
  async ensureSnapshot(tx: Executor, cached: CachedTable): Promise<void> {
    if (cached.stored) return;
    if (await store.hasCatalogVersion(tx, cached.version)) {
      cached.stored = true;
      return;
    }
    await store.insertCatalogVersion(tx, {
      id: cached.version,
      products: cached.snapshot,
      createdAt: this.deps.clock.now(),
    });
  }

  async snapshotOf(tx: Executor, version: string): Promise<SnapshotProduct[]> {
    const known =
      this.snapshots.get(version) ?? (this.cached?.version === version ? this.cached.snapshot : undefined);
    if (known) return known;
    const products = await store.catalogVersion(tx, version);
    assert(products, `catalogue snapshot ${version} is stored with its decisions`);
    if (this.snapshots.size >= 16) this.snapshots.clear();
    this.snapshots.set(version, products);
    return products;
  }

  /**
   * This month's usage rows, cached for usageCacheMs: offers are advisory, and dispatch re-checks
   * quota and exposure budget against the database before anything is sent (recheck()).
   */
  private async usageRows(tx: Executor, month: string): Promise<store.UsageRow[]> {
    const cached = this.usageCache;
    if (cached && cached.month === month && performance.now() - cached.loadedAt < this.usageCacheMs)
      return cached.rows;
    const seq = this.flow.readStarted();
    const rows = await store.usageForMonth(tx, month);
    this.flow.loaded(seq);
    this.usageCache = { month, rows, loadedAt: performance.now() };
    return rows;
  }

  /**
   * A decision's flow (ADR 0073): counted for the background write, and at once in the states the
   * next decisions of this process read.
   */
  countFlow(month: string, band: string, funderIds: readonly string[]): void {
    if (funderIds.length === 0) return;
    this.flow.count(month, band, funderIds);
    const memo = this.statesMemo;
    if (!memo || memo.month !== month) return;
    for (const funderId of funderIds) {
      let state = memo.states.get(funderId);
      if (!state) {
        state = {
          monthlyUsedFen: 0,
          exposureUsedByBand: {},
          flowByBand: {},
          trust: memo.trust.get(funderId) ?? 1,
        };
        memo.states.set(funderId, state);
      }
      const flow = state.flowByBand as FlowByBand;
      flow[band] = (flow[band] ?? 0) + 1;
    }
  }

  /** A funder's flow this month as the database has it plus what this process counted and may not have written. */
  flowOf(row: Pick<store.UsageRow, 'flow'> | undefined, month: string, funderId: string): FlowByBand {
    return plus(row?.flow ?? {}, this.flow.local(month, funderId));
  }

  async funderStates(
    tx: Executor,
    month: string,
    trust: Map<string, number>,
  ): Promise<Map<string, FunderState>> {
    const rows = await this.usageRows(tx, month);
    // The same rows and trust give the same states: built once per usage refresh, not per decision.
    const memo = this.statesMemo;
    if (memo && memo.rows === rows && memo.trust === trust && memo.config === this.config) return memo.states;
    // Each state's flowByBand is its own object: countFlow() adds to it in place.
    const states = new Map<string, FunderState>();
    for (const [funderId, value] of trust)
      states.set(funderId, { monthlyUsedFen: 0, exposureUsedByBand: {}, flowByBand: {}, trust: value });
    for (const funderId of this.flow.funders(month))
      if (!states.has(funderId))
        states.set(funderId, { monthlyUsedFen: 0, exposureUsedByBand: {}, flowByBand: {}, trust: 1 });
    for (const [funderId, state] of states) state.flowByBand = plus({}, this.flow.local(month, funderId));
    for (const row of rows) {
      states.set(row.funderId, {
        monthlyUsedFen: row.bookedFen,
        exposureUsedByBand: row.exposure,
        flowByBand: this.flowOf(row, month, row.funderId),
        trust: trust.get(row.funderId) ?? 1,
        // A few decisions say little: blend with the default as if 10 decisions had been seen at it.
        approvalRate: (row.approved + 10 * this.config.ranking.defaultApprovalRate) / (row.decided + 10),
      });
    }
    this.statesMemo = { month, rows, trust, config: this.config, states };
    return states;
  }
}

/** A copy of `base` with `extra` added band by band. */
function plus(base: Readonly<FlowByBand>, extra: Readonly<FlowByBand> | undefined): FlowByBand {
  const sum: FlowByBand = { ...base };
  if (extra) for (const band in extra) sum[band] = (sum[band] ?? 0) + extra[band]!;
  return sum;
}

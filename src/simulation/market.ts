// Over 500 lines because: the day-stepped market loop over struct-of-arrays (ADR 0053) is one hot
// loop; its per-day phases share typed arrays that splitting would pass around per call.
// The market model: a day-stepped event loop over a struct-of-arrays population. Every application
// is decided by the real routing core (src/routing decide(), which prices through src/pricing
// quote()); funders approve by their own model; poachers intercept at the confirm step and
// reawaken dormant customers as their strategy says; everything the platform could observe is
// recorded as evidence and, when a Detector is given, fed to it day by day with its levels fed
// back to routing as trust. Time is virtual (day numbers from the scenario's start date) and every
// draw comes from one seeded stream, so a scenario and seed always give the same run.
import { performance } from 'node:perf_hooks';
import type { RepaymentMethod } from '../catalog/model.ts';
import { assert, MS_PER_DAY, SeededRandom } from '../kernel/index.ts';
import { quote } from '../pricing/index.ts';
import {
  compileRoutingTable,
  DEFAULT_ROUTING_CONFIG,
  decide,
  type FunderState,
  type QuoteFunction,
  type QuoteOutcome,
  type RoutingConfig,
  type RoutingTable,
} from '../routing/index.ts';
import {
  ALERT_LEVELS,
  type BorrowerReport,
  type CanaryContact,
  type CohortCounts,
  type ContactKind,
  type CreditReportHit,
  type DayEvidence,
  type Detector,
  type FunderReport,
  type PoacherStrategy,
  type RelayContact,
  type RunReport,
  type Scenario,
  type Series,
} from './model.ts';
import {
  ageOn,
  cumulative,
  EMPLOYER_TYPES_BY_INDEX,
  FLAG_CANARY,
  generatePopulation,
  type Population,
  pickWeighted,
} from './population.ts';
import {
  acceptanceProbability,
  directProvinceMask,
  interceptionChannel,
  isTargeted,
  reawakeningDelayDays,
  throttleAllows,
} from './strategies.ts';

/** Series bucket width: weekly points keep report.json small at two years and 100 funders. */
export const SERIES_BUCKET_DAYS = 7;
/** Average month length used to turn a term in months into a payoff day. */
const DAYS_PER_MONTH = 30.4375;
/** Requested amounts are whole ¥100 within [¥1,000, ¥200,000] (互联网贷款暂行办法 consumer cap). */
const AMOUNT_STEP_FEN = 10_000;
const AMOUNT_MIN_FEN = 100_000;
const AMOUNT_MAX_FEN = 20_000_000;

const STATE_WAITING = 0; // not yet arrived, or idle between applications
const STATE_BORROWING = 1;
const STATE_DORMANT = 2;

/** The schema's bounds, asserted again where the loop relies on them (typed-array sizes, FUNDER_CODE). */
const MAX_DAYS = 1100;
const MAX_CUSTOMERS = 5_000_000;
const MAX_FUNDERS = 100;

/** Misattributed reports are queued as customer × FUNDER_CODE + funder (funders ≤ 100, customers ≤ 5M: exact). */
const FUNDER_CODE = 128;
/** An organic direct loan opens within this many days of the platform booking. */
const ORGANIC_DIRECT_WINDOW_DAYS = 365;

const EVENT_APPLY = 1;
const EVENT_PAYOFF = 2;

export interface EvidenceLog {
  /** one entry per day with any evidence or cohort activity, in day order */
  days: DayEvidence[];
}

/** The ground truth of one poaching (what the platform does not see): for tests and analysis. */
export interface Poaching {
  day: number;
  funder: number;
  customer: number;
  kind: ContactKind;
}

export interface MarketRun {
  report: RunReport;
  evidence: EvidenceLog | null;
  population: Population;
  poachings: Poaching[];
  /** wall-clock milliseconds spent inside decide() (routing and pricing); 0 unless options.timeRouting */
  routingMs: number;
  decisions: number;
}

export interface MarketOptions {
  detector?: Detector | undefined;
  /** keep the full evidence stream (for evidence.ndjson); the totals are always kept */
  keepEvidence?: boolean;
  onProgress?: (day: number, days: number) => void;
  /** the routing configuration; default: routing's defaults with the scenario's rotation switch */
  routingConfig?: RoutingConfig;
  /** time every routing decision (for the benchmark's split between the routing core and the simulator) */
  timeRouting?: boolean;
  /** false: call pricing for every quote (the memo's results are identical; this is for checking that and timing it) */
  memoiseQuotes?: boolean;
}

/**
 * Pricing as the routing service calls it (APR only, no schedule objects), memoised within one
 * application. quote() is a pure function of its input, so the memo returns exactly what pricing
 * would; it saves solving the same IRR again when several funders' products quote the same rate and
 * method for the applicant's amount and term (common: default funders are interchangeable). The
 * memo is keyed by rate and method and starts afresh whenever amount, term or cap change, so it
 * holds at most one application's products. Inputs with fees bypass it.
 */
export function memoisedQuote(): QuoteFunction & { hits: () => number; misses: () => number } {
  const memo = new Map<number, QuoteOutcome>();
  let principal = -1;
  let term = -1;
  let capRate: number | undefined;
  let capBasis: string | undefined;
  let hits = 0;
  let misses = 0;
  const fn = (request: Parameters<QuoteFunction>[0]): QuoteOutcome => {
    if (request.fees.length > 0) return quoteOnce(request);
    if (
      request.principalFen !== principal ||
      request.termMonths !== term ||
      request.cap?.rate !== capRate ||
      request.cap?.basis !== capBasis
    ) {
      memo.clear();
      principal = request.principalFen;
      term = request.termMonths;
      capRate = request.cap?.rate;
      capBasis = request.cap?.basis;
    }
    // rateForScore rounds rates to 1e-6, so rate × 1e6 is an exact integer key; anything else bypasses.
    const micro = request.rateAnnual * 1_000_000;
    const rounded = Math.round(micro);
    if (Math.abs(micro - rounded) > 1e-6) return quoteOnce(request);
    const key = rounded * 4 + METHOD_KEYS[request.method];
    const known = memo.get(key);
    if (known !== undefined) {
      hits++;
      return known;
    }
    misses++;
    const outcome = quoteOnce(request);
    memo.set(key, outcome);
    return outcome;
  };
  return Object.assign(fn, { hits: () => hits, misses: () => misses });
}

const METHOD_KEYS: Record<RepaymentMethod, number> = {
  'equal-installment': 0,
  'equal-principal': 1,
  'interest-first': 2,
  bullet: 3,
};

/** Pricing exactly as the routing service calls it (src/routing/service.ts pricingQuote). */
const quoteOnce: QuoteFunction = (request) => quote(request, { schedule: false });

export function routingConfigFor(scenario: Scenario): RoutingConfig {
  return {
    ...DEFAULT_ROUTING_CONFIG,
    rotation: {
      ...DEFAULT_ROUTING_CONFIG.rotation,
      enabled: scenario.platform.rotation,
      ...(scenario.platform.routing.sameFunderMarginAnnual === undefined
        ? {}
        : { sameFunderMarginAnnual: scenario.platform.routing.sameFunderMarginAnnual }),
      ...(scenario.platform.routing.exposureBudgetPerMonth === undefined
        ? {}
        : { exposureBudgetPerMonth: scenario.platform.routing.exposureBudgetPerMonth }),
    },
  };
}

/** The scenario's funders and products as the routing core's catalogue, compiled once. */
export function routingTableFor(scenario: Scenario, config: RoutingConfig, memoise = true): RoutingTable {
  const funders = scenario.funders.map((f) => ({
    id: f.id,
    status: 'active' as const,
    licensedRegions: f.licensedRegions,
    monthlyQuotaFen: f.monthlyQuotaFen,
    serviceFee: { basis: 'disbursed' as const, rate: f.serviceFeeRate },
  }));
  const products = scenario.funders.flatMap((f) =>
    f.products.map((p) => ({ ...p, funderId: f.id, status: 'active' as const, fees: [] })),
  );
  return compileRoutingTable({ funders, products }, config, memoise ? memoisedQuote() : quoteOnce);
}

function emptyCohort(): CohortCounts {
  return { dispatched: 0, approved: 0, booked: 0, abandonedAfterApproval: 0, paidOff: 0, returned: 0 };
}

/** Run a whole market synchronously (the CLI and the benchmark). */
export function runMarket(scenario: Scenario, options: MarketOptions = {}): MarketRun {
  const steps = marketSteps(scenario, options);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * The market as a generator that yields after each virtual day, so a service can run it in time
 * slices without blocking its event loop; the return value is the finished run.
 */
export function* marketSteps(
  scenario: Scenario,
  options: MarketOptions = {},
): Generator<number, MarketRun, void> {
  const { days, platform, customers: params } = scenario;
  // The scenario comes from parseScenario (or storage written from it): check what the loop relies on.
  assert(Number.isInteger(days) && days >= 1 && days <= MAX_DAYS, `days must be 1..${MAX_DAYS}, got ${days}`);
  assert(
    Number.isInteger(params.count) && params.count >= 1 && params.count <= MAX_CUSTOMERS,
    `customer count must be 1..${MAX_CUSTOMERS}`,
  );
  assert(
    scenario.funders.length >= 1 && scenario.funders.length <= MAX_FUNDERS,
    `funders must be 1..${MAX_FUNDERS}`,
  );
  assert(
    !Number.isNaN(Date.parse(`${scenario.startDate}T00:00:00Z`)),
    `bad start date ${scenario.startDate}`,
  );
  const random = new SeededRandom(scenario.seed);
  const population = generatePopulation(params, platform.canaryShare, days, random.fork());
  const market = random.fork();
  const config = options.routingConfig ?? routingConfigFor(scenario);
  const table = routingTableFor(scenario, config, options.memoiseQuotes ?? true);
  const funderCount = scenario.funders.length;
  const n = population.count;
  const startMs = Date.parse(`${scenario.startDate}T00:00:00Z`);
  const detector = options.detector;
  const timeRouting = options.timeRouting ?? false;
  let routingMs = 0;
  let decisions = 0;

  // ---- per-funder state ----
  const states: Array<FunderState & { exposureUsedByBand: Record<string, number> }> = scenario.funders.map(
    () => ({
      monthlyUsedFen: 0,
      exposureUsedByBand: {},
      trust: 1,
    }),
  );
  const stateMap = new Map<string, FunderState>(scenario.funders.map((f, i) => [f.id, states[i]!]));
  const funderIndexById = new Map(scenario.funders.map((f, i) => [f.id, i]));
  const poachers: Array<PoacherStrategy | null> = scenario.funders.map((f) =>
    f.strategy.kind === 'poacher' ? f.strategy : null,
  );
  const provinceMasks = poachers.map((s) => (s ? directProvinceMask(s, population.provinces) : null));
  const approvedThisMonth = new Int32Array(funderCount);
  const poachedThisMonth = new Int32Array(funderCount);
  const approvalByBand = scenario.funders.map((f) => f.approval as Record<string, number>);

  const totals = scenario.funders.map(() => ({
    poachedByInterception: 0,
    poachedByReawakening: 0,
    contacts: 0,
    firstPoachDay: null as number | null,
    dispatched: 0,
    approved: 0,
    abandonedAfterApproval: 0,
    booked: 0,
    serviceFeeFen: 0,
    canaryContacts: 0,
    relayContacts: 0,
    creditReportHits: 0,
    borrowerReports: 0,
    falseCreditReportHits: 0,
    falseBorrowerReports: 0,
    alertDay: {
      watch: null as number | null,
      suspect: null as number | null,
      confirmed: null as number | null,
    },
  }));
  const poachDays: number[][] = scenario.funders.map(() => []);
  const poachings: Poaching[] = [];
  const platformTotals = {
    applications: 0,
    approvedApplications: 0,
    booked: 0,
    bookedAmountFen: 0,
    serviceFeeFen: 0,
    customersLost: 0,
    declined: 0,
    canaryBooked: 0,
  };

  // ---- per-customer state (typed arrays) ----
  const state = new Uint8Array(n);
  const lastFunder = new Int16Array(n).fill(-1);
  const lostTo = new Int16Array(n).fill(-1);
  const lostDay = new Int32Array(n).fill(-1);
  const reportedHit = new Uint8Array(n);
  const eventDue = new Int32Array(n).fill(-1);
  const eventKind = new Uint8Array(n);
  const contactDue = new Int32Array(n).fill(-1);
  // Noise the platform cannot tell from poaching: a direct loan the customer took on their own
  // initiative (organicDirect*), and reports naming the wrong funder (reportBuckets).
  const organicFunder = new Int16Array(n).fill(-1);
  const organicDay = new Int32Array(n).fill(-1);
  const organicReported = new Uint8Array(n);
  // Day buckets of customer indexes; an entry whose customer's due day moved since is stale and skipped.
  const eventBuckets: number[][] = Array.from({ length: days }, () => []);
  const contactBuckets: number[][] = Array.from({ length: days }, () => []);
  // customer × FUNDER_CODE + funder: a misattributed report due that day
  const reportBuckets: number[][] = Array.from({ length: days }, () => []);
  const schedule = (customer: number, day: number, kind: number) => {
    if (day >= days) {
      eventDue[customer] = -1;
      return;
    }
    eventDue[customer] = day;
    eventKind[customer] = kind;
    eventBuckets[day]!.push(customer);
  };
  for (let c = 0; c < n; c++) schedule(c, population.arrivalDay[c]!, EVENT_APPLY);

  const termValues = Object.keys(params.termWeights).map(Number);
  const termCdf = cumulative(termValues.map((t) => params.termWeights[String(t)]!));
  const multipleSpan = params.amountIncomeMultipleMax - params.amountIncomeMultipleMin;

  // ---- series ----
  const buckets = Math.ceil(days / SERIES_BUCKET_DAYS);
  const series: Series = {
    bucketDays: SERIES_BUCKET_DAYS,
    bucketStartDays: Array.from({ length: buckets }, (_, b) => b * SERIES_BUCKET_DAYS),
    platform: {
      serviceFeeFen: new Array(buckets).fill(0),
      customersLost: new Array(buckets).fill(0),
      booked: new Array(buckets).fill(0),
    },
    funders: scenario.funders.map(() => ({
      poached: new Array(buckets).fill(0),
      canaryContacts: new Array(buckets).fill(0),
      relayContacts: new Array(buckets).fill(0),
      creditReportHits: new Array(buckets).fill(0),
      borrowerReports: new Array(buckets).fill(0),
      approved: new Array(buckets).fill(0),
      abandonedAfterApproval: new Array(buckets).fill(0),
      score: new Array(buckets).fill(null),
      level: new Array(buckets).fill(null),
    })),
  };

  // ---- the day's evidence ----
  let canaryContacts: CanaryContact[] = [];
  let relayContacts: RelayContact[] = [];
  let creditReportHits: CreditReportHit[] = [];
  let borrowerReports: BorrowerReport[] = [];
  let cohorts: CohortCounts[] = scenario.funders.map(emptyCohort);
  const evidenceDays: DayEvidence[] = [];

  let day = 0;
  let bucket = 0;
  let month = -1;

  const applicant = {
    ageYears: 0,
    regionCode: '',
    amountFen: 0,
    termMonths: 0,
    monthlyIncomeFen: 0,
    employerType: 'private' as (typeof EMPLOYER_TYPES_BY_INDEX)[number],
    score: 0 as number | undefined,
  };
  const routingInput = {
    applicant,
    funderStates: stateMap as ReadonlyMap<string, FunderState>,
    lastFunderId: null as string | null,
    seed: 0,
  };
  const triedFunders = new Int32Array(funderCount).fill(-1);

  function poach(customer: number, funder: number, kind: ContactKind): void {
    // customersLost counts people: one who came back and was poached again is not lost twice.
    const firstTime = lostTo[customer]! < 0;
    lostTo[customer] = funder;
    lostDay[customer] = day;
    reportedHit[customer] = 0;
    poachedThisMonth[funder]!++;
    const t = totals[funder]!;
    if (kind === 'interception') t.poachedByInterception++;
    else t.poachedByReawakening++;
    if (t.firstPoachDay === null) t.firstPoachDay = day;
    poachDays[funder]!.push(day);
    poachings.push({ day, funder, customer, kind });
    if (firstTime) {
      platformTotals.customersLost++;
      series.platform.customersLost[bucket]!++;
    }
    series.funders[funder]!.poached[bucket]!++;
  }

  /** A poacher's contact reached the person: canaries report it, real customers may report it and may accept. */
  function contactReached(
    customer: number,
    funder: number,
    kind: ContactKind,
    via: 'relay' | 'broker' | 'direct',
    acceptBase: number,
  ): boolean {
    const funderId = scenario.funders[funder]!.id;
    const strategy = poachers[funder]!;
    totals[funder]!.contacts++;
    if ((population.flags[customer]! & FLAG_CANARY) !== 0) {
      canaryContacts.push({
        funderId,
        customer,
        stage: kind === 'interception' ? 'applicant' : 'dormant',
        channel: via === 'relay' ? 'relay' : 'real-number',
      });
      totals[funder]!.canaryContacts++;
      series.funders[funder]!.canaryContacts[bucket]!++;
      return false; // a canary never takes the offer
    }
    if (market.chance(params.reportShare)) {
      borrowerReports.push({ funderId, customer, stage: kind === 'interception' ? 'applicant' : 'dormant' });
      totals[funder]!.borrowerReports++;
      series.funders[funder]!.borrowerReports[bucket]!++;
    }
    const offer = strategy.offer;
    const cut = offer.rateCutPointsMin + (offer.rateCutPointsMax - offer.rateCutPointsMin) * market.next();
    return market.chance(acceptanceProbability(acceptBase, offer, cut, params));
  }

  function scheduleReawakening(customer: number, funder: number): void {
    const strategy = poachers[funder];
    if (!strategy || strategy.reawakeningRate <= 0) return;
    if (!isTargeted(strategy, population, customer, provinceMasks[funder]!)) return;
    const from = Math.max(day + 1, strategy.startDay);
    const delay = reawakeningDelayDays(strategy.reawakeningRate, market.next(), market.next());
    const at = from + delay;
    if (!(at < days)) return; // also catches an infinite delay
    contactDue[customer] = at;
    contactBuckets[at]!.push(customer);
  }

  function apply(c: number): void {
    platformTotals.applications++;
    // Credit-report cross-check: a loan the funder opened after the platform's referral and did not book through it.
    const lost = lostTo[c]!;
    // Lenders report new accounts to the credit bureau the next day (T+1), so a loan opened today is not yet visible.
    if (lost >= 0 && platform.creditReportOnReapply && reportedHit[c] === 0 && lostDay[c]! < day) {
      reportedHit[c] = 1;
      creditReportHits.push({ funderId: scenario.funders[lost]!.id, customer: c, openedDay: lostDay[c]! });
      totals[lost]!.creditReportHits++;
      series.funders[lost]!.creditReportHits[bucket]!++;
    }
    // The same check sees a loan the customer took directly on their own: not poaching, but it looks the same.
    const organic = organicFunder[c]!;
    if (organic >= 0 && platform.creditReportOnReapply && organicReported[c] === 0 && organicDay[c]! < day) {
      organicReported[c] = 1;
      creditReportHits.push({
        funderId: scenario.funders[organic]!.id,
        customer: c,
        openedDay: organicDay[c]!,
      });
      totals[organic]!.creditReportHits++;
      totals[organic]!.falseCreditReportHits++;
      series.funders[organic]!.creditReportHits[bucket]!++;
    }
    const previous = lastFunder[c]!;
    if (previous >= 0) cohorts[previous]!.returned++;

    const income = population.monthlyIncomeFen[c]!;
    const multiple = params.amountIncomeMultipleMin + multipleSpan * market.next();
    const amount = Math.min(
      AMOUNT_MAX_FEN,
      Math.max(AMOUNT_MIN_FEN, Math.round((income * multiple) / AMOUNT_STEP_FEN) * AMOUNT_STEP_FEN),
    );
    applicant.ageYears = ageOn(population, c, day);
    applicant.regionCode = population.counties[population.county[c]!]!;
    applicant.amountFen = amount;
    applicant.termMonths = termValues[pickWeighted(termCdf, market)]!;
    applicant.monthlyIncomeFen = income;
    applicant.employerType = EMPLOYER_TYPES_BY_INDEX[population.employerType[c]!]!;
    applicant.score = population.score[c]!;
    routingInput.lastFunderId = previous >= 0 ? scenario.funders[previous]!.id : null;
    routingInput.seed = market.nextUint32();
    let decision: ReturnType<typeof decide>;
    if (timeRouting) {
      const t0 = performance.now();
      decision = decide(table, routingInput);
      routingMs += performance.now() - t0;
    } else decision = decide(table, routingInput);
    decisions++;
    const band = decision.band;

    // Waterfall over the ranked offers, one try per funder, up to the borrower's patience.
    let approvedOffer = -1;
    let approvedFunder = -1;
    let tries = 0;
    for (let i = 0; i < decision.offers.length && tries < params.waterfallDepth; i++) {
      const offer = decision.offers[i]!;
      const f = funderIndexById.get(offer.funderId)!;
      if (triedFunders[f] === platformTotals.applications) continue;
      triedFunders[f] = platformTotals.applications;
      tries++;
      const s = states[f]!;
      s.exposureUsedByBand[band] = (s.exposureUsedByBand[band] ?? 0) + 1;
      cohorts[f]!.dispatched++;
      totals[f]!.dispatched++;
      if (market.chance(approvalByBand[f]![band] ?? 0)) {
        approvedOffer = i;
        approvedFunder = f;
        break;
      }
    }
    if (approvedOffer < 0) {
      platformTotals.declined++;
      if (market.chance(params.reapplyAfterDeclineShare))
        schedule(c, day + 1 + exponentialDays(params.reapplyMeanDays), EVENT_APPLY);
      return;
    }
    const f = approvedFunder;
    const offer = decision.offers[approvedOffer]!;
    platformTotals.approvedApplications++;
    cohorts[f]!.approved++;
    totals[f]!.approved++;
    approvedThisMonth[f]!++;
    series.funders[f]!.approved[bucket]!++;

    // Interception at the confirm step (截胡).
    const strategy = poachers[f];
    if (
      strategy !== null &&
      strategy !== undefined &&
      day >= strategy.startDay &&
      strategy.interceptionRate > 0 &&
      isTargeted(strategy, population, c, provinceMasks[f]!) &&
      throttleAllows(strategy, poachedThisMonth[f]!, approvedThisMonth[f]!) &&
      market.chance(strategy.interceptionRate)
    ) {
      const channel = interceptionChannel(strategy, platform.relayContacts);
      let reached = true;
      if (channel === 'relay') {
        relayContacts.push({ funderId: scenario.funders[f]!.id, customer: c });
        totals[f]!.relayContacts++;
        series.funders[f]!.relayContacts[bucket]!++;
      } else if (channel === 'broker') reached = market.chance(strategy.brokerSuccess);
      if (reached && contactReached(c, f, 'interception', channel, params.interceptionAcceptBase)) {
        cohorts[f]!.abandonedAfterApproval++;
        totals[f]!.abandonedAfterApproval++;
        series.funders[f]!.abandonedAfterApproval[bucket]!++;
        poach(c, f, 'interception');
        if (market.chance(params.returnAfterPoachShare)) {
          const termDays = Math.round(applicant.termMonths * DAYS_PER_MONTH);
          schedule(c, day + 1 + Math.floor(termDays * (0.25 + 0.75 * market.next())), EVENT_APPLY);
        } else eventDue[c] = -1;
        state[c] = STATE_WAITING;
        return;
      }
    }
    if (market.chance(params.abandonAfterApproval)) {
      cohorts[f]!.abandonedAfterApproval++;
      totals[f]!.abandonedAfterApproval++;
      series.funders[f]!.abandonedAfterApproval[bucket]!++;
      if (market.chance(params.reapplyAfterDeclineShare))
        schedule(c, day + 1 + exponentialDays(params.reapplyMeanDays), EVENT_APPLY);
      return;
    }
    // Booked through the platform.
    const canary = (population.flags[c]! & FLAG_CANARY) !== 0;
    platformTotals.booked++;
    cohorts[f]!.booked++;
    totals[f]!.booked++;
    states[f]!.monthlyUsedFen += amount;
    if (canary) platformTotals.canaryBooked++;
    else {
      // Canary loans are the platform's own test traffic: not income.
      platformTotals.bookedAmountFen += amount;
      platformTotals.serviceFeeFen += offer.serviceFeeFen;
      totals[f]!.serviceFeeFen += offer.serviceFeeFen;
      series.platform.serviceFeeFen[bucket]! += offer.serviceFeeFen;
      series.platform.booked[bucket]!++;
    }
    lastFunder[c] = f;
    state[c] = STATE_BORROWING;
    const termDays = Math.round(offer.termMonths * DAYS_PER_MONTH);
    if (!canary) {
      if (organicFunder[c]! < 0 && market.chance(params.organicDirectShare)) {
        organicFunder[c] = f;
        organicDay[c] = day + 1 + Math.floor(market.next() * ORGANIC_DIRECT_WINDOW_DAYS);
      }
      if (market.chance(params.misattributedReportShare)) {
        const at = day + 1 + Math.floor(market.next() * termDays);
        if (at < days) reportBuckets[at]!.push(c * FUNDER_CODE + f);
      }
    }
    const payoffDays = market.chance(params.earlyPayoffShare)
      ? Math.max(1, Math.floor(termDays * (0.1 + 0.8 * market.next())))
      : termDays;
    schedule(c, day + payoffDays, EVENT_PAYOFF);
  }

  function payoff(c: number): void {
    const f = lastFunder[c]!;
    assert(f >= 0, 'a payoff needs a platform loan');
    cohorts[f]!.paidOff++;
    state[c] = STATE_DORMANT;
    if (market.chance(params.repeatBorrowShare))
      schedule(c, day + 1 + exponentialDays(params.dormancyMeanDays), EVENT_APPLY);
    else eventDue[c] = -1;
    scheduleReawakening(c, f);
  }

  /** 回家计划: the funder calls a dormant customer it lent to through the platform. It holds the real number since booking. */
  function reawaken(c: number): void {
    const f = lastFunder[c]!;
    const strategy = poachers[f];
    if (state[c] !== STATE_DORMANT || !strategy || lostTo[c]! >= 0) return;
    if (!throttleAllows(strategy, poachedThisMonth[f]!, approvedThisMonth[f]!)) {
      // Over the month's throttle: the campaign defers this customer to the next month.
      const at = day + 30;
      if (at < days) {
        contactDue[c] = at;
        contactBuckets[at]!.push(c);
      }
      return;
    }
    if (contactReached(c, f, 'reawakening', 'direct', params.reawakeningAcceptBase)) {
      poach(c, f, 'reawakening');
      // Now borrowing directly: a pending repeat application on the platform happens only if the customer still shops here.
      if (eventDue[c]! >= 0 && !market.chance(params.returnAfterPoachShare)) eventDue[c] = -1;
    }
  }

  function exponentialDays(mean: number): number {
    return Math.floor(-Math.log(1 - market.next()) * mean);
  }

  for (day = 0; day < days; day++) {
    bucket = Math.floor(day / SERIES_BUCKET_DAYS);
    const date = new Date(startMs + day * MS_PER_DAY);
    const monthIndex = date.getUTCFullYear() * 12 + date.getUTCMonth();
    if (monthIndex !== month) {
      // Calendar month boundary: quotas, exposure budgets and throttles start again.
      month = monthIndex;
      for (let f = 0; f < funderCount; f++) {
        states[f]!.monthlyUsedFen = 0;
        states[f]!.exposureUsedByBand = {};
        approvedThisMonth[f] = 0;
        poachedThisMonth[f] = 0;
      }
    }
    const contacts = contactBuckets[day]!;
    contactBuckets[day] = [];
    for (let k = 0; k < contacts.length; k++) {
      const c = contacts[k]!;
      if (contactDue[c] !== day) continue;
      contactDue[c] = -1;
      reawaken(c);
    }
    const reports = reportBuckets[day]!;
    reportBuckets[day] = [];
    for (let k = 0; k < reports.length; k++) {
      const code = reports[k]!;
      const f = code % FUNDER_CODE;
      const customer = (code - f) / FUNDER_CODE;
      borrowerReports.push({
        funderId: scenario.funders[f]!.id,
        customer,
        stage:
          state[customer] === STATE_BORROWING
            ? 'borrowing'
            : state[customer] === STATE_DORMANT
              ? 'dormant'
              : 'applicant',
      });
      totals[f]!.borrowerReports++;
      totals[f]!.falseBorrowerReports++;
      series.funders[f]!.borrowerReports[bucket]!++;
    }
    const events = eventBuckets[day]!;
    eventBuckets[day] = [];
    for (let k = 0; k < events.length; k++) {
      const c = events[k]!;
      if (eventDue[c] !== day) continue;
      eventDue[c] = -1;
      if (eventKind[c] === EVENT_APPLY) apply(c);
      else payoff(c);
    }

    const evidence: DayEvidence = {
      day,
      date: date.toISOString().slice(0, 10),
      canaryContacts,
      relayContacts,
      creditReportHits,
      borrowerReports,
      cohorts,
    };
    if (detector) {
      const assessments = detector.observeDay(evidence);
      for (const a of assessments) {
        const f = funderIndexById.get(a.funderId);
        assert(f !== undefined, `detector assessed unknown funder ${a.funderId}`);
        assert(ALERT_LEVELS.includes(a.level), `detector returned unknown level ${a.level}`);
        const levelRank = ALERT_LEVELS.indexOf(a.level);
        const alertDay = totals[f]!.alertDay;
        for (const level of ['watch', 'suspect', 'confirmed'] as const) {
          if (levelRank >= ALERT_LEVELS.indexOf(level) && alertDay[level] === null) alertDay[level] = day;
        }
        states[f]!.trust = platform.trustByLevel[a.level];
        series.funders[f]!.score[bucket] = a.score;
        series.funders[f]!.level[bucket] = a.level;
      }
    }
    if (options.keepEvidence && hasActivity(evidence)) evidenceDays.push(evidence);
    canaryContacts = [];
    relayContacts = [];
    creditReportHits = [];
    borrowerReports = [];
    cohorts = scenario.funders.map(emptyCohort);
    options.onProgress?.(day + 1, days);
    yield day;
  }

  const funders: FunderReport[] = scenario.funders.map((f, i) => {
    const t = totals[i]!;
    const poached = t.poachedByInterception + t.poachedByReawakening;
    const confirmed = t.alertDay.confirmed;
    return {
      id: f.id,
      truth: f.strategy.kind,
      poached,
      poachedByInterception: t.poachedByInterception,
      poachedByReawakening: t.poachedByReawakening,
      contacts: t.contacts,
      firstPoachDay: t.firstPoachDay,
      alertDay: t.alertDay,
      poachedBeforeConfirmed:
        confirmed === null ? poached : poachDays[i]!.filter((d) => d < confirmed).length,
      dispatched: t.dispatched,
      approved: t.approved,
      abandonedAfterApproval: t.abandonedAfterApproval,
      booked: t.booked,
      serviceFeeFen: t.serviceFeeFen,
      evidence: {
        canaryContacts: t.canaryContacts,
        relayContacts: t.relayContacts,
        creditReportHits: t.creditReportHits,
        borrowerReports: t.borrowerReports,
      },
      falseEvidence: { creditReportHits: t.falseCreditReportHits, borrowerReports: t.falseBorrowerReports },
    };
  });
  const report: RunReport = {
    funders,
    platform: {
      applications: platformTotals.applications,
      approvedApplications: platformTotals.approvedApplications,
      booked: platformTotals.booked,
      bookedAmountFen: platformTotals.bookedAmountFen,
      serviceFeeFen: platformTotals.serviceFeeFen,
      customersLost: platformTotals.customersLost,
      declined: platformTotals.declined,
      canaries: population.canaryCount,
      canaryBooked: platformTotals.canaryBooked,
      customers: n,
    },
    series,
  };
  return {
    report,
    evidence: options.keepEvidence ? { days: evidenceDays } : null,
    population,
    poachings,
    routingMs,
    decisions,
  };
}

function hasActivity(e: DayEvidence): boolean {
  if (
    e.canaryContacts.length + e.relayContacts.length + e.creditReportHits.length + e.borrowerReports.length >
    0
  )
    return true;
  return e.cohorts.some((c) => c.dispatched + c.paidOff + c.returned > 0);
}

// Over 500 lines because: the day-stepped market loop over struct-of-arrays (ADR 0053) is one hot
// loop; its per-day phases share typed arrays and pools that splitting would pass around per call.
// The market model (docs/simulation.md): a day-stepped event loop over a struct-of-arrays
// population. Every application is decided by the real routing core (src/routing decide(), which
// prices through src/pricing quote()); funders differ (approval by band, pricing, speed, licences)
// and approve by their own model; a borrower abandons an approved offer the more it costs against
// their best alternative and the slower the funder was. Every funder leaves honest traces —
// verification calls, servicing and collection contacts, loans its own customers take directly —
// and poachers intercept at the confirm step and re-awaken anyone whose data they received, as
// their strategy says. What the platform would observe is produced the way production produces
// it: relay contacts judged by sharing's contact-purpose classifier (traces.ts), credit reports
// matched by detection's cross-check (credit.ts). When a Detector is given it receives that, day by
// day, and its levels go back to routing as trust. Time is virtual (day numbers from the scenario's
// start date) and every draw comes from seeded streams, so a scenario and seed give the same run.
import { performance } from 'node:perf_hooks';
import { assert, MS_PER_DAY, SeededRandom } from '../kernel/index.ts';
import { decide, type FunderState, type RoutingConfig, recordFlow } from '../routing/index.ts';
import { type CanaryFunderTarget, planCanaries, SUSPICION_BY_LEVEL } from '../detection/canaries.ts';
import { CreditBureau } from './credit.ts';
import { Pool } from './pool.ts';
import { canaryCostFen, canaryCountFor, DAYS_PER_MONTH, poachingLossFen } from './economics.ts';
import {
  ALERT_LEVELS,
  type Band,
  type BorrowerReport,
  type CanaryContact,
  type CohortCounts,
  type ContactChannel,
  type ContactMedium,
  type CreditReportFinding,
  type DayEvidence,
  type Detector,
  EVIDENCE_KINDS,
  type EvidenceKind,
  type FunderReport,
  type HistoryEvent,
  type PoacherStrategy,
  type RelayContactRecord,
  type RunReport,
  type Scenario,
  type Series,
  type StaffContact,
} from './model.ts';
import {
  ageOn,
  cumulative,
  EMPLOYER_ORDINARY,
  EMPLOYER_TYPES_BY_INDEX,
  FLAG_CANARY,
  FLAG_HIGH_DEBT,
  FLAG_MULTI_LENDER,
  FLAG_OVERDUE,
  generatePopulation,
  normal,
  type Population,
  pickWeighted,
  RISK_FLAGS,
} from './population.ts';
import { routingConfigFor, routingTableFor } from './routing-bridge.ts';
import {
  acceptanceProbability,
  directProvinceMask,
  isTargeted,
  reachChannel,
  reawakeningDelayDays,
  throttleAllows,
} from './strategies.ts';
import {
  type FunderStage,
  PURPOSE_COLLECTION,
  PURPOSE_MARKETING,
  PURPOSE_SERVICING,
  PURPOSE_VERIFICATION,
  poisson,
  relayRecord,
  STAGE_APPROVED,
  STAGE_BOOKED,
  STAGE_DECLINED,
  STAGE_ENDED,
  STAGE_NONE,
  type TruePurpose,
} from './traces.ts';

export { memoisedQuote, routingConfigFor, routingTableFor } from './routing-bridge.ts';

/** Series bucket width: weekly points keep report.json small at two years and 100 funders. */
export const SERIES_BUCKET_DAYS = 7;
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

/** Queued (customer, funder) pairs are customer × FUNDER_CODE + funder (exact: < 2^53). */
const FUNDER_CODE = 128;
/** An organic direct loan opens within this many days of the exposure. */
const ORGANIC_DIRECT_WINDOW_DAYS = 365;
/** Collection contacts of an overdue episode spread over this many days. */
const COLLECTION_WINDOW_DAYS = 30;

/**
 * The bands a careful poacher takes ("only good customers"): the upper three of routing's five,
 * where the platform's rotation budgets bite. The canary planner places canaries only there.
 */
const CANARY_GOOD_BANDS: readonly string[] = ['A', 'B', 'C'];
const EVENT_APPLY = 1;
const EVENT_PAYOFF = 2;

/** Outcome of one share of an application with a funder, kept in the exposure register. */
const OUTCOME_DECLINED = 0;
const OUTCOME_APPROVED = 1; // approved, then not confirmed (abandoned, or intercepted)
const OUTCOME_BOOKED = 2;
/** the outcome bits of an exposure's flag (credit.ts keeps a reported bit above them) */
const OUTCOME_MASK = 0x0f;

// Honest traces in the day queues: customer, then funder × 16 + purpose × 4 + medium × 2 + relay
const TRACE_CODE = 16;

export interface EvidenceLog {
  /** one entry per day with any evidence or cohort activity, in day order */
  days: DayEvidence[];
}

/** The ground truth of one poaching (what the platform does not see): for tests and analysis. */
export interface Poaching {
  day: number;
  funder: number;
  customer: number;
  kind: 'interception' | 'reawakening';
  /** the funder never lent to this customer through the platform: it only received the data */
  dataOnly: boolean;
}

export interface MarketRun {
  report: RunReport;
  evidence: EvidenceLog | null;
  population: Population;
  poachings: Poaching[];
  /** wall-clock milliseconds spent inside decide() (routing and pricing); 0 unless options.timeRouting */
  routingMs: number;
  decisions: number;
  /** ground truth per poacher and calendar month: approvals past its exclusions, and customers poached */
  throttleLog: Array<{ funder: number; month: number; targeted: number; poached: number }>;
}

export interface MarketOptions {
  detector?: Detector | undefined;
  /** keep the full evidence stream (for evidence.ndjson); the totals are always kept */
  keepEvidence?: boolean;
  onProgress?: (day: number, days: number) => void;
  /** the routing configuration; default: routing's defaults with the scenario's rotation settings */
  routingConfig?: RoutingConfig;
  /** time every routing decision (for the benchmark's split between the routing core and the simulator) */
  timeRouting?: boolean;
  /** false: call pricing for every quote (the memo's results are identical; this is for checking that and timing it) */
  memoiseQuotes?: boolean;
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
  const { days, platform, customers: params, traces } = scenario;
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
  const canaryCount = canaryCountFor(platform.canaries, days);
  const population = generatePopulation(params, canaryCount, days, random.fork());
  const market = random.fork();
  // Honest traces and the relay records draw from their own stream, so switching relays or traces
  // off does not reshuffle who applies and who is approved.
  const traceRandom = random.fork();
  const config = options.routingConfig ?? routingConfigFor(scenario);
  const table = routingTableFor(scenario, config, options.memoiseQuotes ?? true);
  const funderCount = scenario.funders.length;
  const funderIds = scenario.funders.map((f) => f.id);
  const n = population.count;
  const startMs = Date.parse(`${scenario.startDate}T00:00:00Z`);
  const detector = options.detector;
  const recordEvidence = detector !== undefined || options.keepEvidence === true;
  const timeRouting = options.timeRouting ?? false;
  let routingMs = 0;
  let decisions = 0;
  const bureau = new CreditBureau(scenario, population);
  // The detector starts with what production knows before any activity: the funders' public
  // profiles (never their strategy) and the canaries the platform recruited.
  if (detector) {
    const canaries: number[] = [];
    for (let c = 0; c < population.count; c++)
      if ((population.flags[c]! & FLAG_CANARY) !== 0) canaries.push(c);
    detector.start({
      funders: scenario.funders.map((f) => ({
        id: f.id,
        type: f.type,
        licensedRegions: [...f.licensedRegions],
      })),
      startDate: scenario.startDate,
      days,
      canaries,
    });
  }

  // ---- per-funder state ----
  const states: Array<
    FunderState & { exposureUsedByBand: Record<string, number>; flowByBand: Record<string, number> }
  > = scenario.funders.map(() => ({ monthlyUsedFen: 0, exposureUsedByBand: {}, flowByBand: {}, trust: 1 }));
  const stateMap = new Map<string, FunderState>(scenario.funders.map((f, i) => [f.id, states[i]!]));
  const funderIndexById = new Map(scenario.funders.map((f, i) => [f.id, i]));
  const poachers: Array<PoacherStrategy | null> = scenario.funders.map((f) =>
    f.strategy.kind === 'poacher' ? f.strategy : null,
  );
  // Pending re-awakening per (customer, poacher): one bit per poacher, the first 32 poachers.
  const poacherBit = new Int32Array(funderCount).fill(-1);
  {
    let k = 0;
    poachers.forEach((p, f) => {
      if (p && p.reawakeningRate > 0 && k < 32) poacherBit[f] = k++;
    });
  }
  const pendingReawakening = new Uint32Array(poachers.some((p) => p) ? n : 0);
  const provinceMasks = poachers.map((s) => (s ? directProvinceMask(s, population.provinces) : null));
  const targetedThisMonth = new Int32Array(funderCount);
  const poachedThisMonth = new Int32Array(funderCount);
  const approvalByBand = scenario.funders.map((f) => f.approval as Record<string, number>);
  const decisionDays = scenario.funders.map((f) => f.decisionDays);
  const ownDataShare = scenario.funders.map((f) => f.ownDataShare);
  const organicShare = scenario.funders.map((f) => params.organicDirectShareByType[f.type]);
  const { abandonment } = params;
  const riskFactor = params.riskApprovalFactor;

  const totals = scenario.funders.map(() => ({
    poachedByInterception: 0,
    poachedByReawakening: 0,
    poachedFromDataOnly: 0,
    contacts: 0,
    targetedApprovals: 0,
    firstPoachDay: null as number | null,
    dispatched: 0,
    approved: 0,
    abandonedAfterApproval: 0,
    booked: 0,
    serviceFeesFen: 0,
    relayContactsRecorded: 0,
    alertDay: {
      watch: null as number | null,
      suspect: null as number | null,
      confirmed: null as number | null,
    },
  }));
  // Evidence tallies: [kind][funder], all items and (ground truth) those that came from poaching.
  const tallyTotal = EVIDENCE_KINDS.map(() => new Int32Array(funderCount));
  const tallyPoaching = EVIDENCE_KINDS.map(() => new Int32Array(funderCount));
  const KIND: Record<EvidenceKind, number> = Object.fromEntries(
    EVIDENCE_KINDS.map((k, i) => [k, i]),
  ) as never;
  // Customers each funder has direct evidence about (what settlement could levy a penalty for).
  const evidencedCustomers = scenario.funders.map(() => new Set<number>());
  const poachDays: number[][] = scenario.funders.map(() => []);
  const poachings: Poaching[] = [];
  const throttleLog: MarketRun['throttleLog'] = [];
  const platformTotals = {
    applications: 0,
    approvedApplications: 0,
    booked: 0,
    bookedAmountFen: 0,
    serviceFeesFen: 0,
    customersLost: 0,
    declined: 0,
    canaryBooked: 0,
    canaryInterestFen: 0,
  };

  // ---- per-customer state (typed arrays) ----
  const state = new Uint8Array(n);
  const lastFunder = new Int16Array(n).fill(-1);
  const lostTo = new Int16Array(n).fill(-1);
  const eventDue = new Int32Array(n).fill(-1);
  const eventKind = new Uint8Array(n);
  /** every share of an application with a funder (flag: its outcome) */
  const exposures = new Pool(n);
  /** loans booked through the platform */
  const platformLoans = new Pool(n);
  // Day queues; an entry whose customer's state moved since is checked and skipped when due.
  const eventBuckets: number[][] = Array.from({ length: days }, () => []);
  const reawakenBuckets: number[][] = Array.from({ length: days }, () => []);
  const traceBuckets: number[][] = Array.from({ length: days }, () => []);
  const overdueBuckets: number[][] = Array.from({ length: days }, () => []);
  /** misattributed reports: customer × FUNDER_CODE + funder */
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
  const zeros = () => new Array<number>(buckets).fill(0);
  const series: Series = {
    bucketDays: SERIES_BUCKET_DAYS,
    bucketStartDays: Array.from({ length: buckets }, (_, b) => b * SERIES_BUCKET_DAYS),
    platform: { serviceFeesFen: zeros(), customersLost: zeros(), booked: zeros() },
    funders: scenario.funders.map(() => ({
      poached: zeros(),
      evidence: Object.fromEntries(EVIDENCE_KINDS.map((k) => [k, zeros()])) as Record<EvidenceKind, number[]>,
      approved: zeros(),
      abandonedAfterApproval: zeros(),
      score: new Array(buckets).fill(null),
      level: new Array(buckets).fill(null),
    })),
  };
  const seriesEvidence = series.funders.map((f) => EVIDENCE_KINDS.map((k) => f.evidence[k]));

  // ---- the day's evidence ----
  let relayContacts: RelayContactRecord[] = [];
  let canaryContacts: CanaryContact[] = [];
  let staffContacts: StaffContact[] = [];
  let creditReportFindings: CreditReportFinding[] = [];
  let borrowerReports: BorrowerReport[] = [];
  let dayExposures: DayEvidence['exposures'] = [];
  let canaryExposures: DayEvidence['canaryExposures'] = [];
  let history: HistoryEvent[] = [];
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
  /** the funders the current application was shared with */
  const sharedWith = new Int32Array(funderCount);
  let sharedCount = 0;

  const isCanary = (c: number) => (population.flags[c]! & FLAG_CANARY) !== 0;
  // The canary program (production's planner, src/detection/canaries.ts): each canary is shown to
  // one funder it passes every poacher exclusion for, and only ever to that one again; suspicion
  // is the detector's latest level per funder.
  const canaryFunder = new Int16Array(population.canaryCount > 0 ? n : 0).fill(-1);
  const suspicion = new Float64Array(funderCount);
  const canaryTargets: CanaryFunderTarget[] = [];
  const canaryProfile = {
    canaryId: '',
    band: '',
    region: '',
    phoneRegion: '' as string | undefined,
    employerIsPlatformOrPartner: false,
    dedicatedTo: undefined as string | undefined,
  };
  const nextRandom = () => market.next();
  /** The one funder this canary's application is shown to, or -1 when the planner places it nowhere. */
  function placeCanary(c: number, band: Band, offers: readonly { funderId: string }[]): number {
    canaryTargets.length = 0;
    for (const offer of offers) {
      const f = funderIndexById.get(offer.funderId)!;
      canaryTargets.push({
        funderId: offer.funderId,
        licensedRegions: scenario.funders[f]!.licensedRegions,
        goodBands: CANARY_GOOD_BANDS,
        flowWeight: 1,
        suspicion: suspicion[f]!,
      });
    }
    canaryProfile.canaryId = String(c);
    canaryProfile.band = band;
    canaryProfile.region = population.provinces[population.province[c]!]!;
    canaryProfile.phoneRegion = population.provinces[population.phoneProvince[c]!];
    canaryProfile.employerIsPlatformOrPartner = isStaff(c);
    canaryProfile.dedicatedTo = canaryFunder[c]! >= 0 ? funderIds[canaryFunder[c]!] : undefined;
    // The budget bought the canaries (canaryCountFor); a placement costs nothing more here.
    const plan = planCanaries({
      canaries: [canaryProfile],
      funders: canaryTargets,
      budgetFen: 0,
      costPerPlacementFen: 0,
      random: nextRandom,
    });
    const placement = plan.placements[0];
    if (placement === undefined) return -1;
    const f = funderIndexById.get(placement.funderId)!;
    canaryFunder[c] = f;
    return f;
  }
  const isStaff = (c: number) => population.employer[c] !== EMPLOYER_ORDINARY;

  function tally(
    kind: EvidenceKind,
    funder: number,
    customer: number,
    fromPoaching: boolean,
    direct: boolean,
  ): void {
    const k = KIND[kind];
    tallyTotal[k]![funder]!++;
    if (fromPoaching) tallyPoaching[k]![funder]!++;
    seriesEvidence[funder]![k]![bucket]!++;
    if (direct) evidencedCustomers[funder]!.add(customer);
  }

  function historyEvent(customer: number, funder: number, kind: HistoryEvent['kind']): void {
    if (recordEvidence) history.push({ customer, funderId: funderIds[funder]!, kind });
  }

  /** A relay contact reaches the provider's webhook: recorded and judged by production's classifier. */
  function recordRelay(
    customer: number,
    funder: number,
    stage: FunderStage,
    purpose: TruePurpose,
    medium: ContactMedium,
  ): void {
    const record = relayRecord(funderIds[funder]!, customer, stage, purpose, medium, traces, traceRandom);
    totals[funder]!.relayContactsRecorded++;
    if (record.verdict === 'out-of-purpose')
      tally('relayContact', funder, customer, purpose === PURPOSE_MARKETING, true);
    if (recordEvidence) relayContacts.push(record);
  }

  function borrowerReport(
    customer: number,
    funder: number,
    medium: ContactMedium,
    fromPoaching: boolean,
  ): void {
    tally('borrowerReport', funder, customer, fromPoaching, false);
    if (recordEvidence)
      borrowerReports.push({ funderId: funderIds[funder]!, customer, stage: stageOf(customer), medium });
  }

  function stageOf(customer: number): BorrowerReport['stage'] {
    return state[customer] === STATE_BORROWING
      ? 'borrowing'
      : state[customer] === STATE_DORMANT
        ? 'dormant'
        : 'applicant';
  }

  /** An honest contact (verification, servicing, collection): through the relay point it is recorded; a borrower may misreport it. */
  function honestContact(
    customer: number,
    funder: number,
    stage: FunderStage,
    purpose: TruePurpose,
    medium: ContactMedium,
    relay: boolean,
  ): void {
    if (relay) recordRelay(customer, funder, stage, purpose, medium);
    if (!isCanary(customer) && traceRandom.chance(params.misreportHonestContactShare))
      borrowerReport(customer, funder, medium, false);
  }

  function poach(customer: number, funder: number, kind: Poaching['kind'], dataOnly: boolean): void {
    // customersLost counts people: one who came back and was poached again is not lost twice.
    const firstTime = lostTo[customer]! < 0;
    lostTo[customer] = funder;
    poachedThisMonth[funder]!++;
    const t = totals[funder]!;
    if (kind === 'interception') t.poachedByInterception++;
    else t.poachedByReawakening++;
    if (dataOnly) t.poachedFromDataOnly++;
    if (t.firstPoachDay === null) t.firstPoachDay = day;
    poachDays[funder]!.push(day);
    poachings.push({ day, funder, customer, kind, dataOnly });
    // The direct loan and the funder's loan-approval query reach the credit bureau (T+1).
    bureau.directLoan(customer, funder, day, true);
    if (firstTime) {
      platformTotals.customersLost++;
      series.platform.customersLost[bucket]!++;
    }
    series.funders[funder]!.poached[bucket]!++;
  }

  /**
   * A poacher's marketing contact reached the person: the relay records it (if through the relay
   * point); a canary or a member of staff reports it and never takes it; a real customer may report
   * it and may accept.
   */
  function marketingContact(
    customer: number,
    funder: number,
    stage: FunderStage,
    channel: ContactChannel,
    acceptBase: number,
  ): boolean {
    const strategy = poachers[funder]!;
    totals[funder]!.contacts++;
    const medium: ContactMedium = market.chance(strategy.smsShare) ? 'sms' : 'voice';
    if (channel === 'relay') recordRelay(customer, funder, stage, PURPOSE_MARKETING, medium);
    if (isCanary(customer)) {
      tally('canaryContact', funder, customer, true, true);
      if (recordEvidence) canaryContacts.push({ funderId: funderIds[funder]!, customer, channel, medium });
      return false;
    }
    if (isStaff(customer)) {
      tally('staffContact', funder, customer, true, true);
      if (recordEvidence) staffContacts.push({ funderId: funderIds[funder]!, customer, channel, medium });
      return false;
    }
    if (market.chance(params.reportShare)) borrowerReport(customer, funder, medium, true);
    const offer = strategy.offer;
    const cut = offer.rateCutPointsMin + (offer.rateCutPointsMax - offer.rateCutPointsMin) * market.next();
    return market.chance(acceptanceProbability(acceptBase, offer, cut, params));
  }

  function scheduleReawakening(customer: number, funder: number): void {
    const strategy = poachers[funder];
    if (!strategy || strategy.reawakeningRate <= 0) return;
    const bit = poacherBit[funder]!;
    if (bit >= 0) {
      if ((pendingReawakening[customer]! >>> bit) & 1) return;
      pendingReawakening[customer]! |= 1 << bit;
    }
    const from = Math.max(day + 1, strategy.startDay);
    const delay = reawakeningDelayDays(strategy.reawakeningRate, market.next(), market.next());
    const at = from + delay;
    if (!(at < days)) return; // also catches an infinite delay
    reawakenBuckets[at]!.push(customer * FUNDER_CODE + funder);
  }

  /** The latest outcome of the customer's applications with this funder, as the classifier would see it. */
  function stageWith(customer: number, funder: number): { stage: FunderStage; lent: boolean } {
    let lent = false;
    for (let i = platformLoans.head[customer]!; i >= 0; i = platformLoans.next[i]!)
      if (platformLoans.funder[i] === funder) lent = true;
    if (lent) return { stage: STAGE_BOOKED, lent };
    for (let i = exposures.head[customer]!; i >= 0; i = exposures.next[i]!) {
      if (exposures.funder[i] !== funder) continue;
      const outcome = exposures.flag[i]! & OUTCOME_MASK;
      return { stage: outcome === OUTCOME_DECLINED ? STAGE_DECLINED : STAGE_ENDED, lent };
    }
    return { stage: STAGE_NONE, lent };
  }

  /** Share the application with a funder: the exposure register, the funder's flow, organic direct loans. */
  function expose(c: number, f: number, band: Band): number {
    let first = true;
    for (let i = exposures.head[c]!; i >= 0; i = exposures.next[i]!)
      if (exposures.funder[i] === f) {
        first = false;
        break;
      }
    const entry = exposures.add(c, f, day, OUTCOME_DECLINED);
    const s = states[f]!;
    s.exposureUsedByBand[band] = (s.exposureUsedByBand[band] ?? 0) + 1;
    cohorts[f]!.dispatched++;
    totals[f]!.dispatched++;
    historyEvent(c, f, 'dispatched');
    if (recordEvidence) {
      dayExposures.push({ customer: c, funderId: funderIds[f]! });
      if (isCanary(c)) canaryExposures.push({ customer: c, funderId: funderIds[f]! });
    }
    // A customer a funder has seen may also be, or become, its direct customer for reasons of its
    // own (payroll bank, branch, card holder): noise that looks like a poached loan on a credit report.
    if (first && !isCanary(c) && market.chance(organicShare[f]!)) {
      const opened = day + 1 + Math.floor(market.next() * ORGANIC_DIRECT_WINDOW_DAYS);
      if (opened < days) bureau.directLoan(c, f, opened, false);
    }
    return entry;
  }

  function approvalProbability(f: number, band: Band, c: number): number {
    let p = approvalByBand[f]![band] ?? 0;
    const flags = population.flags[c]!;
    if (flags & FLAG_MULTI_LENDER) p *= riskFactor.multiLender;
    if (flags & FLAG_OVERDUE) p *= riskFactor.overdue;
    if (flags & FLAG_HIGH_DEBT) p *= riskFactor.highDebt;
    return p;
  }

  /** The borrower weighs the approved offer against their best alternative and the funder's speed. */
  function abandons(band: Band, aprNominal: number, f: number): boolean {
    const outside = abandonment.outsideRateByBand[band] + abandonment.outsideRateSd * normal(market);
    const gapPoints = Math.max(0, (aprNominal - outside) * 100);
    const p = Math.min(
      abandonment.max,
      abandonment.base + abandonment.perRatePoint * gapPoints + abandonment.perDecisionDay * decisionDays[f]!,
    );
    return market.chance(p);
  }

  function apply(c: number): void {
    platformTotals.applications++;
    // Credit-report cross-check on a re-application, through detection's matcher (credit.ts).
    if (platform.creditReportOnReapply && exposures.head[c]! >= 0) {
      for (const finding of bureau.check(c, day, exposures, platformLoans)) {
        const direct = finding.kind === 'creditReportAccount';
        tally(finding.kind, finding.funder, c, finding.fromPoaching, direct);
        if (recordEvidence) creditReportFindings.push(finding.record);
      }
    }
    const previous = lastFunder[c]!;

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
    routingInput.lastFunderId = previous >= 0 ? funderIds[previous]! : null;
    routingInput.seed = market.nextUint32();
    let decision: ReturnType<typeof decide>;
    if (timeRouting) {
      const t0 = performance.now();
      decision = decide(table, routingInput);
      routingMs += performance.now() - t0;
    } else decision = decide(table, routingInput);
    decisions++;
    // Each funder's flow: the applications it had an otherwise-eligible offer for (ADR 0073).
    recordFlow(stateMap, decision);
    const band = decision.band as Band;
    // A canary applies only when the planner has a funder for it, and is shown to that one alone.
    const canaryTarget = isCanary(c) ? placeCanary(c, band, decision.offers) : -1;
    if (isCanary(c) && canaryTarget < 0) {
      platformTotals.applications--;
      if (market.chance(params.reapplyAfterDeclineShare))
        schedule(c, day + 1 + exponentialDays(params.reapplyMeanDays), EVENT_APPLY);
      return;
    }
    if (previous >= 0) cohorts[previous]!.returned++;

    // Waterfall over the ranked offers, one try per funder, up to the borrower's patience.
    let approvedOffer = -1;
    let approvedFunder = -1;
    let approvedEntry = -1;
    let tries = 0;
    sharedCount = 0;
    for (let i = 0; i < decision.offers.length && tries < params.waterfallDepth; i++) {
      const offer = decision.offers[i]!;
      const f = funderIndexById.get(offer.funderId)!;
      if (canaryTarget >= 0 && f !== canaryTarget) continue;
      if (triedFunders[f] === platformTotals.applications) continue;
      triedFunders[f] = platformTotals.applications;
      tries++;
      const entry = expose(c, f, band);
      sharedWith[sharedCount++] = f;
      if (market.chance(approvalProbability(f, band, c))) {
        approvedOffer = i;
        approvedFunder = f;
        approvedEntry = entry;
        break;
      }
      historyEvent(c, f, 'declined');
    }
    if (approvedOffer < 0) {
      platformTotals.declined++;
      rightsFromData(c, -1);
      if (market.chance(params.reapplyAfterDeclineShare))
        schedule(c, day + 1 + exponentialDays(params.reapplyMeanDays), EVENT_APPLY);
      return;
    }
    const f = approvedFunder;
    const offer = decision.offers[approvedOffer]!;
    exposures.flag[approvedEntry] = OUTCOME_APPROVED;
    platformTotals.approvedApplications++;
    cohorts[f]!.approved++;
    totals[f]!.approved++;
    series.funders[f]!.approved[bucket]!++;
    historyEvent(c, f, 'approved');
    rightsFromData(c, f);

    // Every funder may call to verify before the borrower confirms (核实电话): an honest trace.
    if (traceRandom.chance(traces.verificationCallShare))
      honestContact(c, f, STAGE_APPROVED, PURPOSE_VERIFICATION, 'voice', platform.relayContacts);

    // Interception at the confirm step (截胡).
    const strategy = poachers[f];
    if (
      strategy &&
      day >= strategy.startDay &&
      isTargeted(strategy, population, c, provinceMasks[f]!, market)
    ) {
      totals[f]!.targetedApprovals++;
      targetedThisMonth[f]!++;
      if (
        strategy.interceptionRate > 0 &&
        throttleAllows(strategy, poachedThisMonth[f]!, targetedThisMonth[f]!) &&
        market.chance(strategy.interceptionRate)
      ) {
        const channel = reachChannel(strategy, ownDataShare[f]!, platform.relayContacts, market);
        if (
          channel !== null &&
          marketingContact(c, f, STAGE_APPROVED, channel, params.interceptionAcceptBase)
        ) {
          abandonedAfterApproval(c, f);
          poach(c, f, 'interception', false);
          if (market.chance(params.returnAfterPoachShare)) {
            const termDays = Math.round(applicant.termMonths * DAYS_PER_MONTH);
            schedule(c, day + 1 + Math.floor(termDays * (0.25 + 0.75 * market.next())), EVENT_APPLY);
          } else eventDue[c] = -1;
          state[c] = STATE_WAITING;
          return;
        }
      }
    }
    if (abandons(band, offer.apr.nominal, f)) {
      abandonedAfterApproval(c, f);
      if (market.chance(params.reapplyAfterDeclineShare))
        schedule(c, day + 1 + exponentialDays(params.reapplyMeanDays), EVENT_APPLY);
      return;
    }
    exposures.flag[approvedEntry] = OUTCOME_BOOKED;
    book(c, f, offer, band, amount);
  }

  /** Poachers that received the data without lending may come back for the customer later. */
  function rightsFromData(c: number, except: number): void {
    for (let k = 0; k < sharedCount; k++) {
      const f = sharedWith[k]!;
      const strategy = poachers[f];
      if (f !== except && strategy && strategy.reawakenFrom === 'exposed') scheduleReawakening(c, f);
    }
  }

  function abandonedAfterApproval(c: number, f: number): void {
    cohorts[f]!.abandonedAfterApproval++;
    totals[f]!.abandonedAfterApproval++;
    series.funders[f]!.abandonedAfterApproval[bucket]!++;
    historyEvent(c, f, 'abandoned');
    const strategy = poachers[f];
    if (strategy && strategy.reawakenFrom === 'exposed') scheduleReawakening(c, f);
  }

  function book(
    c: number,
    f: number,
    offer: ReturnType<typeof decide>['offers'][number],
    band: Band,
    amount: number,
  ): void {
    const canary = isCanary(c);
    platformTotals.booked++;
    cohorts[f]!.booked++;
    totals[f]!.booked++;
    states[f]!.monthlyUsedFen += amount;
    platformLoans.add(c, f, day, 0, amount);
    // A canary's loan is a real loan (the funder pays the service fee); the platform reimburses its interest.
    platformTotals.serviceFeesFen += offer.serviceFeeFen;
    totals[f]!.serviceFeesFen += offer.serviceFeeFen;
    series.platform.serviceFeesFen[bucket]! += offer.serviceFeeFen;
    series.platform.booked[bucket]!++;
    if (canary) {
      platformTotals.canaryBooked++;
      platformTotals.canaryInterestFen += offer.totals?.interestFen ?? 0;
    } else platformTotals.bookedAmountFen += amount;
    historyEvent(c, f, 'booked');
    lastFunder[c] = f;
    state[c] = STATE_BORROWING;
    const termDays = Math.round(offer.termMonths * DAYS_PER_MONTH);
    const payoffDays = market.chance(params.earlyPayoffShare)
      ? Math.max(1, Math.floor(termDays * (0.1 + 0.8 * market.next())))
      : termDays;
    schedule(c, day + payoffDays, EVENT_PAYOFF);
    plantTraces(c, f, band, termDays, payoffDays);
    if (!canary && market.chance(params.misattributedReportShare)) {
      const at = day + 1 + Math.floor(market.next() * termDays);
      if (at < days) reportBuckets[at]!.push(c * FUNDER_CODE + f);
    }
  }

  /** The honest traces a booked loan will leave: servicing contacts over its life, perhaps an overdue and its collection. */
  function plantTraces(c: number, f: number, band: Band, termDays: number, payoffDays: number): void {
    const contacts = poisson(traces.servicingContactsPerLoan, traceRandom);
    for (let k = 0; k < contacts; k++) {
      const at = day + 1 + Math.floor(traceRandom.next() * payoffDays);
      const sms = traceRandom.chance(traces.servicingSmsShare);
      queueTrace(c, f, at, PURPOSE_SERVICING, sms);
    }
    const flagged = (population.flags[c]! & RISK_FLAGS) !== 0;
    const pOverdue = Math.min(1, traces.overdueShareByBand[band] * (flagged ? traces.overdueRiskFactor : 1));
    if (termDays > 30 && traceRandom.chance(pOverdue)) {
      const at = day + 30 + Math.floor(traceRandom.next() * (termDays - 30) * 0.8);
      if (at < days && at < day + payoffDays) overdueBuckets[at]!.push(c * FUNDER_CODE + f);
    }
  }

  function queueTrace(c: number, f: number, at: number, purpose: TruePurpose, sms: boolean): void {
    if (at >= days) return;
    const relay = platform.relayContacts && traceRandom.chance(traces.afterBookingRelayShare);
    // two small integers per entry (a single code would pass 2^31 at a million customers and box)
    traceBuckets[at]!.push(c, f * TRACE_CODE + purpose * 4 + (sms ? 2 : 0) + (relay ? 1 : 0));
  }

  function overdue(c: number, f: number): void {
    if (state[c] !== STATE_BORROWING || lastFunder[c] !== f) return; // repaid before it fell due
    historyEvent(c, f, 'overdue');
    for (let k = 0; k < traces.collectionContactsPerOverdue; k++) {
      const at = day + Math.floor(traceRandom.next() * COLLECTION_WINDOW_DAYS);
      queueTrace(c, f, at, PURPOSE_COLLECTION, traceRandom.chance(traces.collectionSmsShare));
    }
  }

  function payoff(c: number): void {
    const f = lastFunder[c]!;
    assert(f >= 0, 'a payoff needs a platform loan');
    cohorts[f]!.paidOff++;
    historyEvent(c, f, 'paid-off');
    state[c] = STATE_DORMANT;
    if (market.chance(params.repeatBorrowShare))
      schedule(c, day + 1 + exponentialDays(params.dormancyMeanDays), EVENT_APPLY);
    else eventDue[c] = -1;
    const strategy = poachers[f];
    if (strategy && isTargeted(strategy, population, c, provinceMasks[f]!, market)) scheduleReawakening(c, f);
  }

  /**
   * 回家计划: a poacher calls a customer whose data it holds — one it lent to (it has the real number
   * since booking) or, with reawakenFrom 'exposed', one it only saw (declined, waterfall, abandoned).
   */
  function reawaken(c: number, f: number): void {
    const strategy = poachers[f]!;
    const bit = poacherBit[f]!;
    if (bit >= 0) pendingReawakening[c]! &= ~(1 << bit);
    if (lostTo[c] === f) return; // already its direct customer
    if (state[c] === STATE_BORROWING && lastFunder[c] === f) return; // its own platform loan: after payoff
    if (!isTargeted(strategy, population, c, provinceMasks[f]!, market)) return;
    if (!throttleAllows(strategy, poachedThisMonth[f]!, targetedThisMonth[f]!)) {
      // Over the month's throttle: the campaign defers this customer to the next month.
      if (day + 30 < days) {
        if (bit >= 0) pendingReawakening[c]! |= 1 << bit;
        reawakenBuckets[day + 30]!.push(c * FUNDER_CODE + f);
      }
      return;
    }
    const { stage, lent } = stageWith(c, f);
    const channel: ContactChannel | null = lent
      ? 'real-number'
      : reachChannel(strategy, ownDataShare[f]!, platform.relayContacts, market);
    if (channel === null) return;
    if (marketingContact(c, f, stage, channel, params.reawakeningAcceptBase)) {
      poach(c, f, 'reawakening', !lent);
      // Now borrowing directly: a pending repeat application on the platform happens only if the customer still shops here.
      if (eventDue[c]! >= 0 && !market.chance(params.returnAfterPoachShare)) eventDue[c] = -1;
    }
  }

  function logThrottle(): void {
    if (month < 0) return;
    for (let f = 0; f < funderCount; f++)
      if (poachers[f])
        throttleLog.push({
          funder: f,
          month,
          targeted: targetedThisMonth[f]!,
          poached: poachedThisMonth[f]!,
        });
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
      logThrottle();
      month = monthIndex;
      for (let f = 0; f < funderCount; f++) {
        states[f]!.monthlyUsedFen = 0;
        states[f]!.exposureUsedByBand = {};
        states[f]!.flowByBand = {};
        targetedThisMonth[f] = 0;
        poachedThisMonth[f] = 0;
      }
    }
    const reawakenings = reawakenBuckets[day]!;
    reawakenBuckets[day] = [];
    for (let k = 0; k < reawakenings.length; k++) {
      const code = reawakenings[k]!;
      const f = code % FUNDER_CODE;
      reawaken((code - f) / FUNDER_CODE, f);
    }
    const dueTraces = traceBuckets[day]!;
    traceBuckets[day] = [];
    for (let k = 0; k < dueTraces.length; k += 2) {
      const c = dueTraces[k]!;
      const code = dueTraces[k + 1]!;
      const low = code % TRACE_CODE;
      const f = (code - low) / TRACE_CODE;
      const purpose = (low >> 2) as TruePurpose;
      honestContact(c, f, STAGE_BOOKED, purpose, low & 2 ? 'sms' : 'voice', (low & 1) === 1);
    }
    const overdues = overdueBuckets[day]!;
    overdueBuckets[day] = [];
    for (let k = 0; k < overdues.length; k++) {
      const code = overdues[k]!;
      const f = code % FUNDER_CODE;
      overdue((code - f) / FUNDER_CODE, f);
    }
    const reports = reportBuckets[day]!;
    reportBuckets[day] = [];
    for (let k = 0; k < reports.length; k++) {
      const code = reports[k]!;
      const f = code % FUNDER_CODE;
      borrowerReport((code - f) / FUNDER_CODE, f, 'voice', false);
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
      relayContacts,
      canaryContacts,
      staffContacts,
      creditReportFindings,
      borrowerReports,
      exposures: dayExposures,
      canaryExposures,
      history,
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
        suspicion[f] = SUSPICION_BY_LEVEL[a.level];
        series.funders[f]!.score[bucket] = a.score;
        series.funders[f]!.level[bucket] = a.level;
      }
    }
    if (options.keepEvidence && hasActivity(evidence)) evidenceDays.push(evidence);
    if (recordEvidence) {
      relayContacts = [];
      canaryContacts = [];
      staffContacts = [];
      creditReportFindings = [];
      borrowerReports = [];
      dayExposures = [];
      canaryExposures = [];
      history = [];
    }
    cohorts = scenario.funders.map(emptyCohort);
    options.onProgress?.(day + 1, days);
    yield day;
  }

  logThrottle();
  const averageFeeFen = platformTotals.booked > 0 ? platformTotals.serviceFeesFen / platformTotals.booked : 0;
  const funders: FunderReport[] = scenario.funders.map((f, i) => {
    const t = totals[i]!;
    const poached = t.poachedByInterception + t.poachedByReawakening;
    const confirmed = t.alertDay.confirmed;
    const evidence = Object.fromEntries(
      EVIDENCE_KINDS.map((kind, k) => [
        kind,
        { total: tallyTotal[k]![i]!, fromPoaching: tallyPoaching[k]![i]! },
      ]),
    ) as FunderReport['evidence'];
    return {
      id: f.id,
      truth: f.strategy.kind,
      type: f.type,
      poached,
      poachedByInterception: t.poachedByInterception,
      poachedByReawakening: t.poachedByReawakening,
      poachedFromDataOnly: t.poachedFromDataOnly,
      contacts: t.contacts,
      targetedApprovals: t.targetedApprovals,
      firstPoachDay: t.firstPoachDay,
      alertDay: t.alertDay,
      poachedBeforeConfirmed:
        confirmed === null ? poached : poachDays[i]!.filter((d) => d < confirmed).length,
      dispatched: t.dispatched,
      approved: t.approved,
      abandonedAfterApproval: t.abandonedAfterApproval,
      booked: t.booked,
      serviceFeesFen: t.serviceFeesFen,
      poachingLossFen: poachingLossFen(
        params,
        t.poachedByInterception,
        t.poachedByReawakening,
        averageFeeFen,
      ),
      penaltiesFen: confirmed === null ? 0 : evidencedCustomers[i]!.size * platform.penaltyPerCustomerFen,
      relayContactsRecorded: t.relayContactsRecorded,
      evidence,
    };
  });
  const report: RunReport = {
    funders,
    platform: {
      serviceFeesFen: platformTotals.serviceFeesFen,
      poachingLossFen: funders.reduce((sum, f) => sum + f.poachingLossFen, 0),
      canaryCostFen: canaryCostFen(
        platform.canaries,
        population.canaryCount,
        days,
        platformTotals.canaryInterestFen,
      ),
      penaltiesFen: funders.reduce((sum, f) => sum + f.penaltiesFen, 0),
      customersLost: platformTotals.customersLost,
      booked: platformTotals.booked,
      applications: platformTotals.applications,
      approvedApplications: platformTotals.approvedApplications,
      bookedAmountFen: platformTotals.bookedAmountFen,
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
    throttleLog,
  };
}

function hasActivity(e: DayEvidence): boolean {
  if (
    e.relayContacts.length +
      e.canaryContacts.length +
      e.staffContacts.length +
      e.creditReportFindings.length +
      e.borrowerReports.length +
      e.exposures.length >
    0
  )
    return true;
  return e.cohorts.some((c) => c.dispatched + c.paidOff + c.returned > 0);
}

// Cohort statistics per funder, risk-adjusted against its peers (issue 14 item 4): the daily
// counts the platform records (approved, abandoned after approval, booked, paid off, returned)
// become, per funder and metric, a risk-adjusted Bernoulli CUSUM (cusum.ts) whose prediction is
// the peers' pooled rate shifted by the funder's own stable offset. docs/adr/0075 states the model.
//
// The model, per funder f, metric m, day t:
//   - peers: the other funders of f's type when there are at least `minSameTypePeers` of them,
//     else every other funder (leave-one-out: f's own counts never predict f);
//   - r_peer(t) = (events + ½) / (trials + 1) pooled over the peers and the last `windowDays` days;
//   - phase I (the first `warmupDays` days with at least `minPhaseOneTrials` trials of f): f's own
//     log-odds offset δ_f = logit(own rate) − logit(peer rate) over the same days. A funder that is
//     simply different (slower decisions, pricier offers: more abandonment) carries that in δ_f and
//     is not flagged for it; only a change after phase I moves the chart;
//   - phase II: prediction p = expit(logit(r_peer(t)) + δ_f), the day's n trials and y events feed
//     the CUSUM as one batch; the threshold h gives the configured in-control ARL (in days, turned
//     into observations at f's phase-I trial rate) by the Markov chain at p.
import { assert } from '../kernel/index.ts';
import { BernoulliCusum, thresholdForArl } from './cusum.ts';

/** What the platform counts per funder per day (the simulator's CohortCounts has this shape). */
export interface CohortDayCounts {
  dispatched: number;
  approved: number;
  booked: number;
  abandonedAfterApproval: number;
  paidOff: number;
  returned: number;
}

/**
 * The metrics, each a Bernoulli share of a daily trial count, and the direction poaching pushes it:
 *  - abandonment: approvals never confirmed on the platform (an interception is one), of approvals — rises;
 *  - payoffWithoutReturn: loans paid off, of paid-off loans plus returning applications — rises
 *    when customers paid off (early, refinanced by the poacher) stop coming back;
 *  - repeatBorrowing: returning applications, of bookings plus returning applications — falls.
 */
export const COHORT_METRICS = ['abandonment', 'payoffWithoutReturn', 'repeatBorrowing'] as const;
export type CohortMetric = (typeof COHORT_METRICS)[number];

function eventsOf(metric: number, c: CohortDayCounts): number {
  return metric === 0 ? c.abandonedAfterApproval : metric === 1 ? c.paidOff : c.returned;
}
function trialsOf(metric: number, c: CohortDayCounts): number {
  return metric === 0 ? c.approved : metric === 1 ? c.paidOff + c.returned : c.booked + c.returned;
}

export interface CohortConfig {
  /** phase I length: days whose counts estimate each funder's offset (and nothing is flagged) */
  warmupDays: number;
  /** phase I continues past warmupDays until a funder has this many trials of the metric */
  minPhaseOneTrials: number;
  /** trailing days pooled for the peers' rate */
  windowDays: number;
  /** in-control average run length of each chart, in days: false alarms per chart ≈ 1 / ARL0 */
  arl0Days: number;
  /** odds ratio each chart is tuned to detect (R0 = 1); below 1 for a metric poaching lowers */
  oddsRatio: Record<CohortMetric, number>;
  /** peers are the funder's own type only when at least this many others share it */
  minSameTypePeers: number;
  /** phase I also waits until the funder and its peers have each seen this many events */
  minPhaseOneEvents: number;
  /**
   * Half-life, in days, of the offset's memory after phase I: each day leaving the trailing window
   * is folded into exponentially weighted own and peer sums (seeded with phase I), and the offset
   * follows them. So a slow drift of an honest funder against its peers (its band mix moving with
   * rotation and exposure caps) is absorbed, while a change is charted against an offset that
   * lags it by the window and learns it only at this half-life. null: the phase-I offset forever.
   */
  offsetHalfLifeDays: number | null;
  /** the charts that run; the others are skipped (no phase I, never signal) */
  metrics: readonly CohortMetric[];
}

export const DEFAULT_COHORT_CONFIG: CohortConfig = {
  warmupDays: 28,
  minPhaseOneTrials: 100,
  windowDays: 28,
  // 100 years per chart, three charts: about one statistical false alarm per 33 funder-years if the
  // model held exactly; the benchmark measures what the real (overdispersed) market gives.
  arl0Days: 36_500,
  oddsRatio: { abandonment: 1.5, payoffWithoutReturn: 1.5, repeatBorrowing: 1 / 1.5 },
  minSameTypePeers: 2,
  minPhaseOneEvents: 30,
  offsetHalfLifeDays: 90,
  // Only abandonment by default. The two return-based charts are built and tested but off: in a
  // market's first year returns ramp up from zero as loans mature, so no warm-up gives a stable
  // offset, and on the evasive market's seed 1 every honest funder's repeatBorrowing chart
  // signalled (ADR 0075). Turn them on for a mature book.
  metrics: ['abandonment'],
};

/** The longest trailing window allowed (the ring buffers are funders × metrics × window). */
export const WINDOW_DAYS_MAX = 366;
/** p is kept inside [P_FLOOR, 1 − P_FLOOR] so a metric that is (nearly) always 0 or 1 stays finite. */
const P_FLOOR = 1e-4;

export interface ChartState {
  metric: CohortMetric;
  /** null while in phase I */
  threshold: number | null;
  value: number;
  offset: number;
  lastSignalDay: number | null;
  /** the signal before the last one (a restarted chart signalling again) */
  previousSignalDay: number | null;
  signals: number;
  /** the last prediction used, and the day's observed rate (reasons quote them) */
  expected: number;
  observed: number;
}

const logit = (p: number) => Math.log(p / (1 - p));
const expit = (x: number) => 1 / (1 + Math.exp(-x));
const clampP = (p: number) => Math.min(1 - P_FLOOR, Math.max(P_FLOOR, p));

/** Thresholds repeat across funders and runs: memoised by design and rounded inputs. */
const thresholdMemo = new Map<string, number>();
const THRESHOLD_MEMO_MAX = 10_000;
function memoThreshold(arl0: number, ra: number, p: number): number {
  const roundedArl = Number(arl0.toPrecision(2));
  const roundedP = Number(p.toPrecision(2));
  const key = `${roundedArl}|${ra}|${roundedP}`;
  const hit = thresholdMemo.get(key);
  if (hit !== undefined) return hit;
  const h = thresholdForArl(roundedArl, { r0: 1, ra }, { p: [roundedP], weight: [1] });
  if (thresholdMemo.size >= THRESHOLD_MEMO_MAX) thresholdMemo.clear();
  thresholdMemo.set(key, h);
  return h;
}

/** Per-funder, per-metric charts over the daily cohort counts of every funder. */
export class CohortMonitor {
  private readonly funderCount: number;
  private readonly metrics = COHORT_METRICS.length;
  private readonly peerGroup: Int32Array; // −1: all other funders, else a type's index
  private readonly typeIndex: Int32Array;
  private readonly typeCount: number;
  // ring buffers [funder][metric][slot]
  private readonly ringEvents: Float64Array;
  private readonly ringTrials: Float64Array;
  private readonly windowEvents: Float64Array; // [funder][metric]
  private readonly windowTrials: Float64Array;
  private readonly phaseEvents: Float64Array; // phase-I own and peer sums [funder][metric]
  private readonly phaseTrials: Float64Array;
  private readonly phasePeerEvents: Float64Array;
  private readonly phasePeerTrials: Float64Array;
  private readonly phaseDays: Int32Array;
  private readonly charts: Array<Array<BernoulliCusum | null>>;
  readonly states: ChartState[][];
  private daysSeen = 0;
  // scratch sums per type and overall, reused every day (no allocation in the daily loop)
  private readonly typeEvents: Float64Array;
  private readonly typeTrials: Float64Array;
  private readonly enabled: boolean[];

  constructor(
    funderTypes: readonly string[],
    readonly config: CohortConfig = DEFAULT_COHORT_CONFIG,
  ) {
    assert(funderTypes.length >= 1, 'cohort monitor needs at least one funder');
    assert(
      Number.isInteger(config.windowDays) && config.windowDays >= 1 && config.windowDays <= WINDOW_DAYS_MAX,
      `windowDays must be 1..${WINDOW_DAYS_MAX}`,
    );
    assert(config.warmupDays >= 1 && config.arl0Days >= 1, 'warmupDays and arl0Days must be ≥ 1');
    this.funderCount = funderTypes.length;
    this.enabled = COHORT_METRICS.map((metric) => config.metrics.includes(metric));
    const types = [...new Set(funderTypes)];
    this.typeCount = types.length;
    this.typeIndex = Int32Array.from(funderTypes.map((t) => types.indexOf(t)));
    this.peerGroup = Int32Array.from(
      funderTypes.map((t) =>
        funderTypes.filter((u) => u === t).length - 1 >= config.minSameTypePeers ? types.indexOf(t) : -1,
      ),
    );
    const cells = this.funderCount * this.metrics;
    this.ringEvents = new Float64Array(cells * config.windowDays);
    this.ringTrials = new Float64Array(cells * config.windowDays);
    this.windowEvents = new Float64Array(cells);
    this.windowTrials = new Float64Array(cells);
    this.phaseEvents = new Float64Array(cells);
    this.phaseTrials = new Float64Array(cells);
    this.phasePeerEvents = new Float64Array(cells);
    this.phasePeerTrials = new Float64Array(cells);
    this.phaseDays = new Int32Array(cells);
    this.typeEvents = new Float64Array((this.typeCount + 1) * this.metrics);
    this.typeTrials = new Float64Array((this.typeCount + 1) * this.metrics);
    this.charts = funderTypes.map(() => COHORT_METRICS.map(() => null));
    this.states = funderTypes.map(() =>
      COHORT_METRICS.map((metric) => ({
        metric,
        threshold: null,
        value: 0,
        offset: 0,
        lastSignalDay: null,
        previousSignalDay: null,
        signals: 0,
        expected: 0,
        observed: 0,
      })),
    );
  }

  /**
   * One day's counts, indexed like the funders given to the constructor; returns how many charts
   * signalled today (their states carry lastSignalDay = day).
   */
  observeDay(day: number, counts: readonly CohortDayCounts[]): number {
    assert(counts.length === this.funderCount, 'cohort counts must cover every funder');
    const { windowDays } = this.config;
    const slot = this.daysSeen % windowDays;
    const m = this.metrics;
    // validate everything before touching any state: a bad day is rejected whole
    for (let f = 0; f < this.funderCount; f++)
      for (let k = 0; k < m; k++) {
        const events = eventsOf(k, counts[f]!);
        const trials = trialsOf(k, counts[f]!);
        assert(
          Number.isInteger(events) && Number.isInteger(trials) && events >= 0 && trials >= events,
          'cohort events must be integers in 0..trials',
        );
      }
    // 0. the day leaving the window updates each charted funder's offset memory
    if (this.config.offsetHalfLifeDays !== null && this.daysSeen >= windowDays) this.foldLeavingDay(slot);
    // 1. roll today's counts into each funder's trailing window
    for (let f = 0; f < this.funderCount; f++) {
      const c = counts[f]!;
      for (let k = 0; k < m; k++) {
        const cell = f * m + k;
        const ring = cell * windowDays + slot;
        const events = eventsOf(k, c);
        const trials = trialsOf(k, c);
        this.windowEvents[cell] = this.windowEvents[cell]! - this.ringEvents[ring]! + events;
        this.windowTrials[cell] = this.windowTrials[cell]! - this.ringTrials[ring]! + trials;
        this.ringEvents[ring] = events;
        this.ringTrials[ring] = trials;
      }
    }
    // 2. pooled window sums per type (index t) and overall (index typeCount)
    this.typeEvents.fill(0);
    this.typeTrials.fill(0);
    for (let f = 0; f < this.funderCount; f++) {
      const t = this.typeIndex[f]!;
      for (let k = 0; k < m; k++) {
        const cell = f * m + k;
        this.typeEvents[t * m + k] = this.typeEvents[t * m + k]! + this.windowEvents[cell]!;
        this.typeTrials[t * m + k] = this.typeTrials[t * m + k]! + this.windowTrials[cell]!;
        const all = this.typeCount * m + k;
        this.typeEvents[all] = this.typeEvents[all]! + this.windowEvents[cell]!;
        this.typeTrials[all] = this.typeTrials[all]! + this.windowTrials[cell]!;
      }
    }
    // 3. per funder and metric: phase I accumulates, phase II charts
    let signalled = 0;
    for (let f = 0; f < this.funderCount; f++) {
      const group = this.peerGroup[f]! < 0 ? this.typeCount : this.peerGroup[f]!;
      const c = counts[f]!;
      for (let k = 0; k < m; k++) {
        const cell = f * m + k;
        const peerEvents = this.typeEvents[group * m + k]! - this.windowEvents[cell]!;
        const peerTrials = this.typeTrials[group * m + k]! - this.windowTrials[cell]!;
        const peerRate = (peerEvents + 0.5) / (peerTrials + 1);
        const events = eventsOf(k, c);
        const trials = trialsOf(k, c);
        const state = this.states[f]![k]!;
        const chart = this.charts[f]![k];
        if (!this.enabled[k]) continue;
        if (!chart) {
          // phase I: today's own counts against today's peer counts (not the window, so both sums
          // cover the same days)
          const todayPeerEvents = this.peerToday(f, k, counts, true);
          const todayPeerTrials = this.peerToday(f, k, counts, false);
          this.phaseEvents[cell] = this.phaseEvents[cell]! + events;
          this.phaseTrials[cell] = this.phaseTrials[cell]! + trials;
          this.phasePeerEvents[cell] = this.phasePeerEvents[cell]! + todayPeerEvents;
          this.phasePeerTrials[cell] = this.phasePeerTrials[cell]! + todayPeerTrials;
          this.phaseDays[cell] = this.phaseDays[cell]! + 1;
          if (
            this.phaseDays[cell]! >= this.config.warmupDays &&
            this.phaseTrials[cell]! >= this.config.minPhaseOneTrials &&
            this.phaseEvents[cell]! >= this.config.minPhaseOneEvents &&
            this.phasePeerEvents[cell]! >= this.config.minPhaseOneEvents
          )
            this.endPhaseOne(f, k, peerRate);
          continue;
        }
        const p = clampP(expit(logit(clampP(peerRate)) + state.offset));
        state.expected = p;
        state.observed = trials > 0 ? events / trials : 0;
        if (chart.observeBatch(p, trials, events)) {
          state.previousSignalDay = state.lastSignalDay;
          state.lastSignalDay = day;
          signalled++;
        }
        state.value = chart.value;
        state.signals = chart.signals;
      }
    }
    this.daysSeen++;
    return signalled;
  }

  private foldLeavingDay(slot: number): void {
    const { windowDays } = this.config;
    const decay = 0.5 ** (1 / this.config.offsetHalfLifeDays!);
    const m = this.metrics;
    for (let f = 0; f < this.funderCount; f++) {
      const group = this.peerGroup[f]!;
      for (let k = 0; k < m; k++) {
        if (!this.charts[f]![k]) continue;
        const cell = f * m + k;
        let peerEvents = 0;
        let peerTrials = 0;
        for (let g = 0; g < this.funderCount; g++) {
          if (g === f || (group >= 0 && this.typeIndex[g] !== group)) continue;
          const ring = (g * m + k) * windowDays + slot;
          peerEvents += this.ringEvents[ring]!;
          peerTrials += this.ringTrials[ring]!;
        }
        const ring = cell * windowDays + slot;
        this.phaseEvents[cell] = this.phaseEvents[cell]! * decay + this.ringEvents[ring]!;
        this.phaseTrials[cell] = this.phaseTrials[cell]! * decay + this.ringTrials[ring]!;
        this.phasePeerEvents[cell] = this.phasePeerEvents[cell]! * decay + peerEvents;
        this.phasePeerTrials[cell] = this.phasePeerTrials[cell]! * decay + peerTrials;
        this.states[f]![k]!.offset = this.offsetOf(cell);
      }
    }
  }

  private offsetOf(cell: number): number {
    const own = (this.phaseEvents[cell]! + 0.5) / (this.phaseTrials[cell]! + 1);
    const peers = (this.phasePeerEvents[cell]! + 0.5) / (this.phasePeerTrials[cell]! + 1);
    return logit(clampP(own)) - logit(clampP(peers));
  }

  private peerToday(f: number, k: number, counts: readonly CohortDayCounts[], events: boolean): number {
    const group = this.peerGroup[f]!;
    let sum = 0;
    for (let g = 0; g < this.funderCount; g++) {
      if (g === f || (group >= 0 && this.typeIndex[g] !== group)) continue;
      sum += events ? eventsOf(k, counts[g]!) : trialsOf(k, counts[g]!);
    }
    return sum;
  }

  private endPhaseOne(f: number, k: number, peerRate: number): void {
    const cell = f * this.metrics + k;
    const state = this.states[f]![k]!;
    state.offset = this.offsetOf(cell);
    const p = clampP(expit(logit(clampP(peerRate)) + state.offset));
    const trialsPerDay = this.phaseTrials[cell]! / this.phaseDays[cell]!;
    const arl0Observations = Math.max(1, this.config.arl0Days * trialsPerDay);
    const ra = this.config.oddsRatio[COHORT_METRICS[k]!];
    const threshold = memoThreshold(arl0Observations, ra, p);
    state.threshold = threshold;
    state.expected = p;
    this.charts[f]![k] = new BernoulliCusum({ r0: 1, ra, threshold });
  }
}

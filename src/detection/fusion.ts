// Over 500 lines because: the rule (decideLevel), the facts it reads and the engine that keeps
// them belong together so the rule is stated in one place next to what feeds it.
// Fusion (issue 14 item 5): evidence items and cohort counts in, a per-funder score, evidence list,
// level and reasons out. `decideLevel` is THE rule for none / watch / suspect / confirmed, in one
// place; everything else here only counts and tests. Pure and in memory: storage feeds it plain
// items (the integrator wires it to the detection store), the simulator feeds it its evidence
// stream (src/simulation/sim-detector.ts). docs/adr/0075 and docs/detection.md describe it.
import { assert } from '../kernel/index.ts';
import {
  type CohortConfig,
  type CohortDayCounts,
  CohortMonitor,
  COHORT_METRICS,
  type CohortMetric,
  DEFAULT_COHORT_CONFIG,
} from './cohorts.ts';
import type { DayNumber, DetectionLevel } from './model.ts';
import { comparePoissonRates, binomialUpperTail, type RateComparison } from './stats.ts';

/** The levels, as detection's model (and its storage) names them. */
export type AlertLevel = DetectionLevel;

export const EVIDENCE_ITEM_KINDS = [
  'canaryContact',
  'creditReportAccount',
  'creditReportQuery',
  'relayContact',
  'borrowerReport',
  'staffContact',
] as const;
export type EvidenceItemKind = (typeof EVIDENCE_ITEM_KINDS)[number];

/**
 * One piece of evidence about a funder, as storage or the simulator hands it over.
 *  - `canaryContact`: a contact at a canary's contact point offering the funder's direct product;
 *    `attributable` when the canary was exposed to this funder and no other; `exposureDay` when
 *    it was exposed to this funder at all (without it the contact is not the funder's doing as far
 *    as the platform can prove, and counts for nothing).
 *  - `creditReportAccount` / `creditReportQuery`: the credit-report cross-check's findings
 *    (credit-report.ts), `exposureDay` the exposure they follow.
 *  - `relayContact`: every contact through a relay point, in purpose or not (`outOfPurpose`, the
 *    contact-purpose classifier's verdict): the in-purpose ones are the denominator of its error.
 *  - `borrowerReport`: a borrower says the funder offered a direct loan (borrowers misattribute).
 *  - `staffContact`: the funder's marketing reached a member of platform or partner staff.
 * `explained`: a declared conversion (issue 16) — the item is kept out of every count.
 */
export interface EvidenceItem {
  kind: EvidenceItemKind;
  funderId: string;
  day: DayNumber;
  /** the platform's customer id (a canary's, for a canary contact) */
  customer: string;
  /** where the item came from: 'relay-webhook', 'canary-report', 'credit-report', … */
  source: string;
  outOfPurpose?: boolean;
  exposureDay?: DayNumber;
  attributable?: boolean;
  explained?: boolean;
}

export interface FunderProfile {
  id: string;
  /** bank, consumer-finance, other: organic direct lending is compared within a type */
  type: string;
}

export interface FusionConfig {
  /**
   * Significance of a count test that confirms, per funder before the multiple-funder
   * (Bonferroni) correction: each test runs at alphaConfirm / funders. The tests are repeated
   * daily on growing counts; the small alpha keeps the whole sequence's error far below the
   * zero-false-confirmation goal (the benchmark measures it).
   */
  alphaConfirm: number;
  alphaSuspect: number;
  alphaWatch: number;
  /** the contact-purpose classifier's error rate: out-of-purpose verdicts on honest contacts (simulator default traces.classificationErrorRate) */
  classifierErrorRate: number;
  /** credit-report accounts count beyond this many times the peers' organic rate per exposure */
  organicNullRatio: number;
  /** weak evidence (borrower reports, credit-report queries) counts beyond this many times the peers' rate */
  weakNullRatio: number;
  /** distinct canaries contacted that other funders also saw: confirmed from this many on */
  sharedCanariesConfirm: number;
  /** staff contacts: watch from 1, suspect from this many */
  staffContactsSuspect: number;
  /** a CUSUM signal keeps the funder at suspect this many days */
  cusumHoldDays: number;
  cohort: CohortConfig;
}

export const DEFAULT_FUSION_CONFIG: FusionConfig = {
  alphaConfirm: 1e-6,
  alphaSuspect: 1e-4,
  alphaWatch: 1e-2,
  classifierErrorRate: 0.03,
  organicNullRatio: 1.5,
  weakNullRatio: 2,
  sharedCanariesConfirm: 2,
  staffContactsSuspect: 2,
  cusumHoldDays: 90,
  cohort: DEFAULT_COHORT_CONFIG,
};

/** Evidence items kept per funder for its evidence list; counts stay exact beyond it (STYLE §8). */
export const EVIDENCE_LIST_MAX = 5_000;
/** Level changes kept per funder. */
export const LEVEL_CHANGES_MAX = 1_000;
/** The score is the strongest evidence's surprise in decimal digits (−log10 p), capped here. */
export const SCORE_MAX = 30;

export type ReasonCode =
  | 'attributable-canary-contact'
  | 'shared-canary-contacts'
  | 'credit-accounts-excess'
  | 'relay-out-of-purpose-excess'
  | 'shared-canary-and-direct-excess'
  | 'borrower-reports-excess'
  | 'credit-queries-excess'
  | 'staff-contacts'
  | 'cohort-cusum-signal';

export interface Reason {
  code: ReasonCode;
  /** the level this reason alone supports */
  level: Exclude<AlertLevel, 'none'>;
  text: string;
  /** the counts behind it: observed, what noise explains, and the test's p-value where there is one */
  observed?: number;
  expected?: number;
  pValue?: number;
  metric?: CohortMetric;
}

export interface FusionLevelChange {
  day: DayNumber;
  from: AlertLevel;
  to: AlertLevel;
  reasons: Reason[];
}

/** Everything decideLevel looks at about one funder on one day. */
export interface FunderFacts {
  day: DayNumber;
  funderCount: number;
  attributableCanaries: number;
  sharedCanaries: number;
  creditAccounts: RateComparison;
  creditQueries: RateComparison;
  borrowerReports: RateComparison;
  relay: { outOfPurpose: number; total: number; expected: number; pValue: number };
  staffContacts: number;
  cusum: ReadonlyArray<{
    metric: CohortMetric;
    lastSignalDay: number | null;
    previousSignalDay: number | null;
    expected: number;
    observed: number;
  }>;
  /** confirmed is never lowered by the rule: only a review (issue 16) lowers it */
  wasConfirmed: boolean;
}

const RANK: Record<AlertLevel, number> = { none: 0, watch: 1, suspect: 2, confirmed: 3 };
const fmtP = (p: number) => (p < 1e-3 ? p.toExponential(1) : p.toFixed(4));

/**
 * THE rule (docs/adr/0075 quotes it verbatim). With F funders, each count test at α / F:
 *
 * confirmed — direct evidence weighed against its own noise, any of:
 *   C1 an out-of-purpose contact to a canary exposed to this funder and no other (a canary has no
 *      relationship with any funder; only this funder held its contact point): sufficient alone;
 *   C2 credit-report loan accounts opened after exposure, beyond organic direct lending: one-sided
 *      exact test of the funder's accounts per exposure against same-type peers' rate × organicNullRatio,
 *      p < alphaConfirm / F;
 *   C3 out-of-purpose relay contacts beyond the classifier's error: one-sided binomial test of
 *      out-of-purpose among all its relay contacts against classifierErrorRate, p < alphaConfirm / F;
 *   C4 contacts to sharedCanariesConfirm or more distinct canaries it saw (others saw them too);
 *   C5 a contact to one such shared canary and C2 or C3 at alphaSuspect / F (two independent
 *      direct kinds).
 * suspect — any of: a shared-canary contact; C2 or C3 at alphaSuspect / F; borrower reports or
 *   credit-report queries beyond weakNullRatio × the peers' rate at alphaSuspect / F; staff contacts
 *   ≥ staffContactsSuspect; a cohort CUSUM chart that signalled, restarted and signalled again
 *   within cusumHoldDays (the second signal in the last cusumHoldDays days). Statistics and weak
 *   evidence stop here: they never confirm.
 * watch — any of: C2, C3, borrower-report or query tests at alphaWatch / F; a staff contact; one
 *   CUSUM signal in the last cusumHoldDays days.
 * Items flagged explained (a declared conversion) are in no count. Confirmed stays confirmed.
 */
export function decideLevel(
  facts: FunderFacts,
  config: FusionConfig,
): { level: AlertLevel; reasons: Reason[] } {
  const reasons: Reason[] = [];
  const f = facts.funderCount;
  const confirmAt = config.alphaConfirm / f;
  const suspectAt = config.alphaSuspect / f;
  const watchAt = config.alphaWatch / f;
  if (facts.attributableCanaries > 0)
    reasons.push({
      code: 'attributable-canary-contact',
      level: 'confirmed',
      observed: facts.attributableCanaries,
      expected: 0,
      text: `${facts.attributableCanaries} canar${facts.attributableCanaries === 1 ? 'y' : 'ies'} exposed to this funder alone received its direct-product offer; a canary has no other relationship with any funder`,
    });
  if (facts.sharedCanaries >= config.sharedCanariesConfirm)
    reasons.push({
      code: 'shared-canary-contacts',
      level: 'confirmed',
      observed: facts.sharedCanaries,
      text: `${facts.sharedCanaries} distinct canaries it saw (other funders saw them too) received its direct-product offer (confirmed from ${config.sharedCanariesConfirm})`,
    });
  else if (facts.sharedCanaries > 0)
    reasons.push({
      code: 'shared-canary-contacts',
      level: 'suspect',
      observed: facts.sharedCanaries,
      text: `a canary it saw received its direct-product offer, but other funders saw that canary too: not sufficient alone`,
    });
  const accounts = facts.creditAccounts;
  const accountsLevel = levelOfP(accounts.pValue, confirmAt, suspectAt, watchAt);
  if (accountsLevel)
    reasons.push({
      code: 'credit-accounts-excess',
      level: accountsLevel,
      observed: accounts.count,
      expected: accounts.expected,
      pValue: accounts.pValue,
      text: `${accounts.count} loan accounts at this funder opened after exposure on credit reports; same-type peers' organic direct lending × ${config.organicNullRatio} explains ${accounts.expected.toFixed(1)}; one-sided exact Poisson-ratio test p = ${fmtP(accounts.pValue)} (threshold ${fmtP(levelThreshold(accountsLevel, confirmAt, suspectAt, watchAt))} = α / ${f} funders, Bonferroni)`,
    });
  const relay = facts.relay;
  const relayLevel = levelOfP(relay.pValue, confirmAt, suspectAt, watchAt);
  if (relayLevel)
    reasons.push({
      code: 'relay-out-of-purpose-excess',
      level: relayLevel,
      observed: relay.outOfPurpose,
      expected: relay.expected,
      pValue: relay.pValue,
      text: `${relay.outOfPurpose} of ${relay.total} relay contacts judged out of purpose; the classifier's error rate ${config.classifierErrorRate} explains ${relay.expected.toFixed(1)}; one-sided binomial test p = ${fmtP(relay.pValue)} (α / ${f} funders)`,
    });
  if (
    facts.sharedCanaries > 0 &&
    facts.sharedCanaries < config.sharedCanariesConfirm &&
    (accounts.pValue < suspectAt || relay.pValue < suspectAt)
  )
    reasons.push({
      code: 'shared-canary-and-direct-excess',
      level: 'confirmed',
      text: 'a shared-canary contact and an excess of direct evidence of another kind (credit-report accounts or out-of-purpose relay contacts at the suspect significance): two independent direct kinds',
    });
  for (const [code, test, label] of [
    ['borrower-reports-excess', facts.borrowerReports, 'borrower reports naming it'],
    [
      'credit-queries-excess',
      facts.creditQueries,
      'loan-approval credit queries by it without a platform application',
    ],
  ] as const) {
    const level = levelOfP(test.pValue, suspectAt, suspectAt, watchAt);
    if (level)
      reasons.push({
        code,
        level: level === 'confirmed' ? 'suspect' : level,
        observed: test.count,
        expected: test.expected,
        pValue: test.pValue,
        text: `${test.count} ${label}; peers' rate × ${config.weakNullRatio} explains ${test.expected.toFixed(1)}; p = ${fmtP(test.pValue)} (α / ${f} funders); weak evidence: never confirms`,
      });
  }
  if (facts.staffContacts > 0)
    reasons.push({
      code: 'staff-contacts',
      level: facts.staffContacts >= config.staffContactsSuspect ? 'suspect' : 'watch',
      observed: facts.staffContacts,
      text: `${facts.staffContacts} contact${facts.staffContacts === 1 ? '' : 's'} by its marketing to platform or partner staff`,
    });
  for (const chart of facts.cusum) {
    if (chart.lastSignalDay === null || facts.day - chart.lastSignalDay > config.cusumHoldDays) continue;
    const repeated =
      chart.previousSignalDay !== null &&
      chart.lastSignalDay - chart.previousSignalDay <= config.cusumHoldDays;
    reasons.push({
      code: 'cohort-cusum-signal',
      level: repeated ? 'suspect' : 'watch',
      metric: chart.metric,
      expected: chart.expected,
      observed: chart.observed,
      text: `risk-adjusted CUSUM on ${chart.metric} signalled on day ${chart.lastSignalDay}${repeated ? ` and, restarted, again within ${config.cusumHoldDays} days (day ${chart.previousSignalDay} before)` : ' (once: watch; a restarted chart signalling again within the hold makes it suspect)'}; expected rate ${chart.expected.toFixed(3)} from peers and its own offset; statistics alone: never confirms`,
    });
  }
  let level: AlertLevel = facts.wasConfirmed ? 'confirmed' : 'none';
  for (const r of reasons) if (RANK[r.level] > RANK[level]) level = r.level;
  return { level, reasons };
}

function levelOfP(
  p: number,
  confirmAt: number,
  suspectAt: number,
  watchAt: number,
): Exclude<AlertLevel, 'none'> | null {
  return p < confirmAt ? 'confirmed' : p < suspectAt ? 'suspect' : p < watchAt ? 'watch' : null;
}
function levelThreshold(level: Exclude<AlertLevel, 'none'>, c: number, s: number, w: number): number {
  return level === 'confirmed' ? c : level === 'suspect' ? s : w;
}

const KIND_INDEX: Record<EvidenceItemKind, number> = {
  canaryContact: 0,
  creditReportAccount: 1,
  creditReportQuery: 2,
  relayContact: 3,
  borrowerReport: 4,
  staffContact: 5,
};

export interface FunderStatus {
  funderId: string;
  level: AlertLevel;
  score: number;
  reasons: readonly Reason[];
  changes: readonly FusionLevelChange[];
  /** the items that count (out-of-purpose relay contacts only, not the in-purpose denominator), oldest first, at most EVIDENCE_LIST_MAX */
  evidence: readonly EvidenceItem[];
  /** items not kept in `evidence` because the list was full */
  evidenceDropped: number;
  explainedItems: number;
}

interface FunderTally {
  attributableCanaries: Set<string>;
  sharedCanaries: Set<string>;
  creditAccounts: number;
  creditQueries: number;
  borrowerReports: number;
  staffContacts: number;
  relayTotal: number;
  relayOutOfPurpose: number;
  /** cumulative exposures (applications dispatched) and bookings: the rates' denominators */
  exposures: number;
  booked: number;
  unattributed: number;
  explained: number;
  dirty: boolean;
}

/** The fusion engine: feed items and daily cohort counts, call endDay once a day, read statuses. */
export class FusionEngine {
  readonly config: FusionConfig;
  private readonly funders: readonly FunderProfile[];
  private readonly indexById: Map<string, number>;
  private readonly tallies: FunderTally[];
  private readonly evidence: EvidenceItem[][];
  private readonly evidenceDropped: Int32Array;
  private readonly changes: FusionLevelChange[][];
  private readonly levels: AlertLevel[];
  private readonly scores: Float64Array;
  private readonly reasons: Reason[][];
  private readonly cohorts: CohortMonitor;
  private readonly sameTypePeers: Int32Array[];
  /** items whose funder is unknown: counted, never scored */
  unknownFunderItems = 0;

  constructor(funders: readonly FunderProfile[], config: Partial<FusionConfig> = {}) {
    assert(funders.length >= 1, 'fusion needs at least one funder');
    this.config = { ...DEFAULT_FUSION_CONFIG, ...config };
    const c = this.config;
    assert(
      c.alphaConfirm > 0 &&
        c.alphaConfirm <= c.alphaSuspect &&
        c.alphaSuspect <= c.alphaWatch &&
        c.alphaWatch < 1,
      'need 0 < alphaConfirm ≤ alphaSuspect ≤ alphaWatch < 1',
    );
    assert(c.classifierErrorRate > 0 && c.classifierErrorRate < 1, 'classifierErrorRate must be in (0, 1)');
    this.funders = funders;
    this.indexById = new Map(funders.map((f, i) => [f.id, i]));
    assert(this.indexById.size === funders.length, 'funder ids must be unique');
    this.tallies = funders.map(() => ({
      attributableCanaries: new Set<string>(),
      sharedCanaries: new Set<string>(),
      creditAccounts: 0,
      creditQueries: 0,
      borrowerReports: 0,
      staffContacts: 0,
      relayTotal: 0,
      relayOutOfPurpose: 0,
      exposures: 0,
      booked: 0,
      unattributed: 0,
      explained: 0,
      dirty: true,
    }));
    this.evidence = funders.map(() => []);
    this.evidenceDropped = new Int32Array(funders.length);
    this.changes = funders.map(() => []);
    this.levels = funders.map(() => 'none');
    this.scores = new Float64Array(funders.length);
    this.reasons = funders.map(() => []);
    this.cohorts = new CohortMonitor(
      funders.map((f) => f.type),
      c.cohort,
    );
    // organic noise is compared within a type; with no other funder of the type, against all others
    this.sameTypePeers = funders.map((f, i) => {
      const same = funders.map((g, j) => (j !== i && g.type === f.type ? j : -1)).filter((j) => j >= 0);
      const peers = same.length > 0 ? same : funders.map((_, j) => j).filter((j) => j !== i);
      return Int32Array.from(peers);
    });
  }

  funderIndex(funderId: string): number | undefined {
    return this.indexById.get(funderId);
  }

  /** One evidence item. Hot path: counters only, no allocation beyond keeping the item itself. */
  observe(item: EvidenceItem): void {
    const f = this.indexById.get(item.funderId);
    if (f === undefined) {
      this.unknownFunderItems++;
      return;
    }
    const t = this.tallies[f]!;
    if (item.explained === true) {
      t.explained++;
      return;
    }
    let counts = true;
    switch (KIND_INDEX[item.kind]) {
      case 0:
        if (item.outOfPurpose === false) counts = false;
        else if (item.attributable === true) t.attributableCanaries.add(item.customer);
        else if (item.exposureDay !== undefined) t.sharedCanaries.add(item.customer);
        else {
          t.unattributed++;
          counts = false;
        }
        break;
      case 1:
        t.creditAccounts++;
        break;
      case 2:
        t.creditQueries++;
        break;
      case 3:
        t.relayTotal++;
        if (item.outOfPurpose === true) t.relayOutOfPurpose++;
        else counts = false;
        break;
      case 4:
        t.borrowerReports++;
        break;
      case 5:
        t.staffContacts++;
        break;
      default:
        assert(false, `unknown evidence kind ${String(item.kind)}`);
    }
    if (!counts) return;
    t.dirty = true;
    const list = this.evidence[f]!;
    if (list.length < EVIDENCE_LIST_MAX) list.push(item);
    else this.evidenceDropped[f]!++;
  }

  /**
   * Relay contacts judged in purpose, as a count (production's rescoring reads them aggregated):
   * the same as observing that many in-purpose relayContact items, none of which is evidence.
   */
  observeInPurposeRelay(funderId: string, count: number): void {
    assert(Number.isSafeInteger(count) && count >= 0, 'an in-purpose contact count is a whole number');
    const f = this.indexById.get(funderId);
    if (f !== undefined) this.tallies[f]!.relayTotal += count;
  }

  /** The day's cohort counts, indexed like the funders given to the constructor. */
  observeCohorts(day: DayNumber, counts: readonly CohortDayCounts[]): void {
    assert(counts.length === this.funders.length, 'cohort counts must cover every funder');
    // the monitor validates the whole day before it changes anything; the tallies follow it
    this.cohorts.observeDay(day, counts);
    for (let f = 0; f < counts.length; f++) {
      const t = this.tallies[f]!;
      t.exposures += counts[f]!.dispatched;
      t.booked += counts[f]!.booked;
    }
    // every funder's peer rates moved
    for (const t of this.tallies) t.dirty = true;
  }

  /** Decide every funder's level for the day; level changes are recorded with their reasons. */
  endDay(day: DayNumber): void {
    for (let f = 0; f < this.funders.length; f++) {
      const t = this.tallies[f]!;
      const charts = this.cohorts.states[f]!;
      const cusumActive = charts.some(
        (c) => c.lastSignalDay !== null && day - c.lastSignalDay <= this.config.cusumHoldDays + 1,
      );
      if (!t.dirty && !cusumActive) continue;
      t.dirty = false;
      const facts = this.facts(f, day);
      const { level, reasons } = decideLevel(facts, this.config);
      this.reasons[f] = reasons;
      this.scores[f] = scoreOf(reasons, facts, this.config);
      const previous = this.levels[f]!;
      if (level !== previous) {
        this.levels[f] = level;
        const changes = this.changes[f]!;
        if (changes.length < LEVEL_CHANGES_MAX) changes.push({ day, from: previous, to: level, reasons });
      }
    }
  }

  /** The facts decideLevel reads, from the tallies and the cohort charts. */
  facts(f: number, day: DayNumber): FunderFacts {
    const t = this.tallies[f]!;
    const c = this.config;
    let peerAccounts = 0;
    let peerQueries = 0;
    let peerReports = 0;
    let peerExposures = 0;
    let peerBooked = 0;
    for (const g of this.sameTypePeers[f]!) {
      const u = this.tallies[g]!;
      peerAccounts += u.creditAccounts;
      peerQueries += u.creditQueries;
      peerReports += u.borrowerReports;
      peerExposures += u.exposures;
      peerBooked += u.booked;
    }
    const relayExpected = t.relayTotal * c.classifierErrorRate;
    return {
      day,
      funderCount: this.funders.length,
      attributableCanaries: t.attributableCanaries.size,
      sharedCanaries: t.sharedCanaries.size,
      creditAccounts: comparePoissonRates(
        t.creditAccounts,
        t.exposures,
        peerAccounts,
        peerExposures,
        c.organicNullRatio,
      ),
      creditQueries: comparePoissonRates(
        t.creditQueries,
        t.exposures,
        peerQueries,
        peerExposures,
        c.weakNullRatio,
      ),
      borrowerReports: comparePoissonRates(
        t.borrowerReports,
        t.booked,
        peerReports,
        peerBooked,
        c.weakNullRatio,
      ),
      relay: {
        outOfPurpose: t.relayOutOfPurpose,
        total: t.relayTotal,
        expected: relayExpected,
        pValue: binomialUpperTail(t.relayOutOfPurpose, t.relayTotal, c.classifierErrorRate),
      },
      staffContacts: t.staffContacts,
      cusum: this.cohorts.states[f]!,
      wasConfirmed: this.levels[f] === 'confirmed',
    };
  }

  level(f: number): AlertLevel {
    return this.levels[f]!;
  }

  score(f: number): number {
    return this.scores[f]!;
  }

  status(funderId: string): FunderStatus | undefined {
    const f = this.indexById.get(funderId);
    if (f === undefined) return undefined;
    return {
      funderId,
      level: this.levels[f]!,
      score: this.scores[f]!,
      reasons: this.reasons[f]!,
      changes: this.changes[f]!,
      evidence: this.evidence[f]!,
      evidenceDropped: this.evidenceDropped[f]!,
      explainedItems: this.tallies[f]!.explained,
    };
  }

  get funderCount(): number {
    return this.funders.length;
  }

  get cohortMetrics(): readonly CohortMetric[] {
    return COHORT_METRICS;
  }
}

/**
 * The score: the strongest reason's surprise in decimal digits, −log10(p × F) for a count test
 * (so 0 is "what chance gives one funder in F"), SCORE_MAX for an attributable canary, the suspect
 * significance's digits for a shared canary, a CUSUM signal or staff contacts at their levels.
 */
function scoreOf(reasons: readonly Reason[], facts: FunderFacts, config: FusionConfig): number {
  let score = 0;
  const suspectDigits = -Math.log10(config.alphaSuspect);
  for (const r of reasons) {
    let s: number;
    if (r.pValue !== undefined) s = -Math.log10(Math.max(r.pValue * facts.funderCount, 1e-300));
    else if (r.level === 'confirmed') s = SCORE_MAX;
    else if (r.level === 'suspect') s = suspectDigits;
    else s = -Math.log10(config.alphaWatch);
    if (s > score) score = s;
  }
  return Math.min(SCORE_MAX, Math.max(0, score));
}

export { DEFAULT_COHORT_CONFIG };

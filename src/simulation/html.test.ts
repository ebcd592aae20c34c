// report.html: self-contained, one chart per question, the detector's charts only when one ran; the
// economics block beside the baseline, and every kind of evidence as total / from poaching. Most
// tests read a hand-built report (figures chosen to be recognisable in the page), one a real run.
import { describe, expect, it } from 'vitest';
import { compact, cumulativeOf, EVIDENCE_LABELS, lineChart, netFen, reportHtml } from './html.ts';
import {
  type AlertLevel,
  type Detector,
  EVIDENCE_KINDS,
  type EvidenceKind,
  type FunderReport,
  type PlatformReport,
  type Report,
  type RunReport,
} from './model.ts';
import { parseScenario } from './scenario.ts';
import { simulate } from './simulate.ts';

const BUCKETS = 4;
const perKind = <T>(value: (kind: EvidenceKind, i: number) => T) =>
  Object.fromEntries(EVIDENCE_KINDS.map((kind, i) => [kind, value(kind, i)])) as Record<EvidenceKind, T>;

function funder(id: string, truth: 'honest' | 'poacher', poached: number): FunderReport {
  return {
    id,
    truth,
    type: truth === 'poacher' ? 'consumer-finance' : 'bank',
    poached,
    poachedByInterception: Math.ceil(poached / 2),
    poachedByReawakening: Math.floor(poached / 2),
    poachedFromDataOnly: Math.floor(poached / 4),
    contacts: poached * 3,
    targetedApprovals: 1000,
    firstPoachDay: poached > 0 ? 31 : null,
    alertDay: { watch: null, suspect: null, confirmed: null },
    poachedBeforeConfirmed: poached,
    dispatched: 2000,
    approved: 1500,
    abandonedAfterApproval: 150,
    booked: 1350,
    serviceFeesFen: 12_345_600,
    poachingLossFen: poached * 180_000,
    penaltiesFen: 0,
    relayContactsRecorded: 77,
    // honest funders' evidence is all honest traces and noise; the poacher's partly poaching
    evidence: perKind((_, i) => ({ total: 10 + i, fromPoaching: truth === 'poacher' ? i : 0 })),
  };
}

function run(withSeriesScore: boolean): RunReport {
  const funders = [funder('bank-a', 'honest', 0), funder('cfc-<b>', 'poacher', 40)];
  const platform: PlatformReport = {
    applications: 5000,
    approvedApplications: 4000,
    bookedAmountFen: 900_000_000,
    declined: 1000,
    canaries: 12,
    canaryBooked: 9,
    customers: 4000,
    serviceFeesFen: 24_691_200,
    poachingLossFen: 7_200_000,
    canaryCostFen: 1_500_000,
    penaltiesFen: 0,
    customersLost: 40,
    booked: 2700,
  };
  return {
    funders,
    platform,
    series: {
      bucketDays: 7,
      bucketStartDays: [0, 7, 14, 21],
      platform: {
        serviceFeesFen: [1, 2, 3, 4].map((v) => v * 100_000),
        customersLost: [0, 10, 10, 20],
        booked: [600, 700, 700, 700],
      },
      funders: funders.map((f) => ({
        poached: [0, f.poached / 4, f.poached / 4, f.poached / 2],
        evidence: perKind(() => [1, 2, 3, 4]),
        approved: [300, 400, 400, 400],
        abandonedAfterApproval: [30, 40, 40, 40],
        score: Array.from({ length: BUCKETS }, (_, b) => (withSeriesScore ? b / 10 : null)),
        level: Array.from({ length: BUCKETS }, (): AlertLevel | null => (withSeriesScore ? 'watch' : null)),
      })),
    },
  };
}

function report(options: { detector?: boolean; baseline?: boolean } = {}): Report {
  const main = run(options.detector ?? false);
  const baseline = options.baseline ? run(false) : undefined;
  if (baseline) {
    baseline.platform = {
      ...baseline.platform,
      serviceFeesFen: 25_000_000,
      poachingLossFen: 9_900_000,
      canaryCostFen: 0,
      customersLost: 55,
    };
    const { serviceFeesFen, poachingLossFen, canaryCostFen, penaltiesFen, customersLost, booked } =
      baseline.platform;
    main.platform.baseline = {
      serviceFeesFen,
      poachingLossFen,
      canaryCostFen,
      penaltiesFen,
      customersLost,
      booked,
    };
  }
  return {
    ...main,
    scenario: {
      sha256: 'ab'.repeat(32),
      seed: 7,
      days: 28,
      startDate: '2026-01-01',
      customers: 4000,
      funders: 2,
    },
    detector: options.detector ? 'always-watch' : null,
    notes: [],
    baseline,
    runtimeMs: 5,
  };
}

const selfContained = (html: string) =>
  expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(
    /https?:\/\/|<script|<link|<img/,
  );

describe('reportHtml', () => {
  it('draws evidence instead of scores without a detector, and scores and levels with one', () => {
    const plain = reportHtml(report());
    expect(plain.match(/<svg /g)?.length).toBe(4);
    expect(plain).toContain('Evidence recorded against each funder');
    expect(plain).not.toContain('Alert level');
    expect(plain).toContain('No detector ran');
    selfContained(plain);
    const withDetector = reportHtml(report({ detector: true }));
    expect(withDetector.match(/<svg /g)?.length).toBe(5);
    expect(withDetector).toContain('Poaching score by funder');
    expect(withDetector).toContain('Alert level by funder');
    expect(withDetector).not.toContain('No detector ran');
  });

  it('shows the platform’s economics, and the baseline’s beside them when one ran', () => {
    const alone = reportHtml(report());
    expect(alone).toContain('platform economics 平台收益');
    expect(alone).toContain('¥246,912.00'); // service fees
    expect(alone).toContain('¥72,000.00'); // poaching loss
    expect(alone).toContain('¥15,000.00'); // canary cost
    expect(alone).not.toContain('<th>no-defence baseline</th>');
    expect(alone).toContain('Run with --compare-baseline');
    const compared = reportHtml(report({ baseline: true }));
    expect(compared).toContain('<th>no-defence baseline</th>');
    expect(compared).toContain('¥250,000.00');
    expect(compared).toContain('¥99,000.00');
    // net = fees − loss − canary cost + penalties
    expect(netFen(report().platform)).toBe(24_691_200 - 7_200_000 - 1_500_000);
    expect(compared).toContain('¥159,912.00');
    expect(compared).toContain('no-defence baseline'); // the fee chart's dashed line too
  });

  it('lists every kind of evidence per funder as total / from poaching, and escapes funder ids', () => {
    const html = reportHtml(report());
    for (const kind of EVIDENCE_KINDS) expect(html).toContain(`<th>${EVIDENCE_LABELS[kind]}</th>`);
    const rowOf = (id: string) => html.split('\n').filter((line) => line.includes(`<td>${id}</td>`))[1]!;
    // the evidence table is each funder's second row
    expect(rowOf('bank-a')).toContain('<td>10 / 0</td><td>11 / 0</td>');
    expect(rowOf('cfc-&lt;b&gt;')).toContain('<td>10 / 0</td><td>11 / 1</td><td>12 / 2</td>');
    expect(html).not.toContain('cfc-<b>');
  });

  it('renders a real run', () => {
    const scenario = parseScenario({
      days: 60,
      customers: { count: 1000 },
      funders: [
        { id: 'a', strategy: { kind: 'honest' } },
        { id: 'p', strategy: { kind: 'poacher', interceptionRate: 0.5 } },
      ],
    });
    if (!scenario.ok) throw new Error(scenario.message);
    const plain = reportHtml(simulate(scenario.value).report);
    expect(plain.match(/<svg /g)?.length).toBe(4);
    const detector: Detector = {
      name: 'always-watch',
      start: () => {},
      observeDay: () => [
        { funderId: 'a', score: 0.1, level: 'none' },
        { funderId: 'p', score: 0.4, level: 'watch' },
      ],
    };
    const withDetector = reportHtml(simulate(scenario.value, { detector }).report);
    expect(withDetector.match(/<svg /g)?.length).toBe(5);
    expect(withDetector).toContain('<td>0</td>'); // watch reached on day 0
  });

  it('chart helpers: compact ticks, cumulative sums, escaped titles, gaps for null', () => {
    expect(compact(0)).toBe('0');
    expect(compact(2500)).toBe('2.5k');
    expect(compact(56_226_612)).toBe('56.2M');
    expect(cumulativeOf([1, 2, 3])).toEqual([1, 3, 6]);
    const svg = lineChart('a < b & c', [0, 7, 14], [{ name: 'x', values: [1, null, 3] }]);
    expect(svg).toContain('a &lt; b &amp; c');
    expect(svg.match(/M/g)?.length).toBe(2); // the null splits the line in two
  });
});

// The fusion rule: what confirms alone, what never confirms, noise weighed by exact tests, explained
// items ignored, level changes recorded with reasons; and bad input never crashes the engine.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { worldText } from '../../test/support/text.ts';
import { DEFAULT_COHORT_CONFIG } from './cohorts.ts';
import {
  DEFAULT_FUSION_CONFIG,
  type EvidenceItem,
  type FunderFacts,
  FusionEngine,
  decideLevel,
} from './fusion.ts';

const FUNDERS = [
  { id: 'cfc-1', type: 'consumer-finance' },
  { id: 'cfc-2', type: 'consumer-finance' },
  { id: 'cfc-3', type: 'consumer-finance' },
  { id: 'bank-1', type: 'bank' },
];
const DAY0 = 20_454; // 2026-01-01
const quietCohort = {
  dispatched: 100,
  approved: 70,
  booked: 60,
  abandonedAfterApproval: 10,
  paidOff: 5,
  returned: 3,
};
const cohorts = (n = FUNDERS.length) => Array.from({ length: n }, () => ({ ...quietCohort }));

function item(kind: EvidenceItem['kind'], funderId: string, extra: Partial<EvidenceItem> = {}): EvidenceItem {
  return { kind, funderId, day: DAY0, customer: 'c1', source: 'test', ...extra };
}

function engineAfter(items: EvidenceItem[], days = 1) {
  const engine = new FusionEngine(FUNDERS);
  for (const i of items) engine.observe(i);
  for (let d = 0; d < days; d++) {
    engine.observeCohorts(DAY0 + d, cohorts());
    engine.endDay(DAY0 + d);
  }
  return engine;
}

describe('fusion: direct evidence', () => {
  it('one out-of-purpose contact to a canary only this funder saw confirms alone', () => {
    const engine = engineAfter([
      item('canaryContact', 'cfc-1', { outOfPurpose: true, attributable: true, exposureDay: DAY0 - 3 }),
    ]);
    const status = engine.status('cfc-1')!;
    expect(status.level).toBe('confirmed');
    expect(status.reasons.map((r) => r.code)).toContain('attributable-canary-contact');
    expect(status.changes).toEqual([
      expect.objectContaining({
        from: 'none',
        to: 'confirmed',
        reasons: expect.arrayContaining([
          expect.objectContaining({ code: 'attributable-canary-contact', text: expect.any(String) }),
        ]),
      }),
    ]);
    expect(engine.status('cfc-2')!.level).toBe('none');
  });

  it('a canary other funders saw too is not sufficient alone; two distinct ones confirm', () => {
    const shared = (customer: string) =>
      item('canaryContact', 'cfc-1', {
        customer,
        outOfPurpose: true,
        attributable: false,
        exposureDay: DAY0 - 3,
      });
    expect(engineAfter([shared('k1')]).status('cfc-1')!.level).toBe('suspect');
    // the same canary twice is still one canary
    expect(engineAfter([shared('k1'), shared('k1')]).status('cfc-1')!.level).toBe('suspect');
    expect(engineAfter([shared('k1'), shared('k2')]).status('cfc-1')!.level).toBe('confirmed');
    // a canary it never saw proves nothing about it
    expect(engineAfter([item('canaryContact', 'cfc-1', { outOfPurpose: true })]).status('cfc-1')!.level).toBe(
      'none',
    );
  });

  it('explained items (a declared conversion) count for nothing', () => {
    const engine = engineAfter([
      item('canaryContact', 'cfc-1', {
        outOfPurpose: true,
        attributable: true,
        exposureDay: DAY0,
        explained: true,
      }),
    ]);
    expect(engine.status('cfc-1')!.level).toBe('none');
    expect(engine.status('cfc-1')!.explainedItems).toBe(1);
  });

  it('credit-report accounts at the organic rate of same-type peers do not count; a large excess confirms and says so', () => {
    // every funder sees 100 dispatched applications a day for 100 days (10,000 exposures)
    const days = 100;
    const organic = (funderId: string, n: number) =>
      Array.from({ length: n }, (_, i) =>
        item('creditReportAccount', funderId, { customer: `${funderId}-${i}` }),
      );
    const even = engineAfter([...organic('cfc-1', 6), ...organic('cfc-2', 5), ...organic('cfc-3', 5)], days);
    expect(even.status('cfc-1')!.level).toBe('none');
    const excess = engineAfter(
      [...organic('cfc-1', 60), ...organic('cfc-2', 5), ...organic('cfc-3', 5)],
      days,
    );
    const status = excess.status('cfc-1')!;
    expect(status.level).toBe('confirmed');
    const reason = status.reasons.find((r) => r.code === 'credit-accounts-excess')!;
    expect(reason.observed).toBe(60);
    expect(reason.expected).toBeCloseTo(1.5 * 5, 6); // peers: 10 per 20,000 exposures, × 1.5, × 10,000
    expect(reason.text).toMatch(/peers/);
    expect(reason.text).toMatch(/Bonferroni/);
  });

  it('out-of-purpose relay contacts within the classifier error rate do not count; an excess confirms', () => {
    const relay = (n: number, outOfPurpose: number) =>
      Array.from({ length: n }, (_, i) =>
        item('relayContact', 'cfc-1', { customer: `r${i}`, outOfPurpose: i < outOfPurpose }),
      );
    expect(engineAfter(relay(1000, 30)).status('cfc-1')!.level).toBe('none'); // exactly the 3% error rate
    expect(engineAfter(relay(1000, 120)).status('cfc-1')!.level).toBe('confirmed');
  });
});

describe('fusion: what never confirms', () => {
  const arbitraryWeakFacts = fc.record({
    sharedCanaries: fc.constantFrom(0, 1),
    staffContacts: fc.integer({ min: 0, max: 1000 }),
    borrowerP: fc.double({ min: 0, max: 1, noNaN: true }),
    queryP: fc.double({ min: 0, max: 1, noNaN: true }),
    signalAgo: fc.option(fc.integer({ min: 0, max: 400 })),
    weakCount: fc.integer({ min: 0, max: 10_000 }),
  });

  it('statistics and weak evidence (borrower reports, queries, staff contacts, one shared canary) reach at most suspect', () => {
    fc.assert(
      fc.property(arbitraryWeakFacts, (w) => {
        const facts: FunderFacts = {
          day: 1000,
          funderCount: 9,
          attributableCanaries: 0,
          sharedCanaries: w.sharedCanaries,
          creditAccounts: { count: 0, expected: 0, pValue: 1 },
          creditQueries: { count: w.weakCount, expected: 1, pValue: w.queryP },
          borrowerReports: { count: w.weakCount, expected: 1, pValue: w.borrowerP },
          relay: { outOfPurpose: 0, total: 0, expected: 0, pValue: 1 },
          staffContacts: w.staffContacts,
          cusum: DEFAULT_COHORT_CONFIG.metrics.map((metric) => ({
            metric,
            lastSignalDay: w.signalAgo === null ? null : 1000 - w.signalAgo,
            previousSignalDay: w.signalAgo === null ? null : 990 - w.signalAgo,
            expected: 0.1,
            observed: 0.5,
          })),
          wasConfirmed: false,
        };
        const { level, reasons } = decideLevel(facts, DEFAULT_FUSION_CONFIG);
        expect(level).not.toBe('confirmed');
        for (const r of reasons) expect(r.level).not.toBe('confirmed');
      }),
    );
  });

  it('one CUSUM signal gives watch, a restarted chart signalling again within the hold gives suspect, both lapse', () => {
    const facts = (ago: number, previousAgo: number | null): FunderFacts => ({
      day: 1000,
      funderCount: 9,
      attributableCanaries: 0,
      sharedCanaries: 0,
      creditAccounts: { count: 0, expected: 0, pValue: 1 },
      creditQueries: { count: 0, expected: 0, pValue: 1 },
      borrowerReports: { count: 0, expected: 0, pValue: 1 },
      relay: { outOfPurpose: 0, total: 0, expected: 0, pValue: 1 },
      staffContacts: 0,
      cusum: [
        {
          metric: 'abandonment',
          lastSignalDay: 1000 - ago,
          previousSignalDay: previousAgo === null ? null : 1000 - previousAgo,
          expected: 0.1,
          observed: 0.3,
        },
      ],
      wasConfirmed: false,
    });
    const hold = DEFAULT_FUSION_CONFIG.cusumHoldDays;
    expect(decideLevel(facts(0, null), DEFAULT_FUSION_CONFIG).level).toBe('watch');
    expect(decideLevel(facts(0, 20), DEFAULT_FUSION_CONFIG).level).toBe('suspect');
    expect(decideLevel(facts(0, hold + 1), DEFAULT_FUSION_CONFIG).level).toBe('watch');
    expect(decideLevel(facts(hold + 1, hold + 20), DEFAULT_FUSION_CONFIG).level).toBe('none');
  });
});

describe('fusion: bad input', () => {
  it('items naming unknown funders, odd customers or sources are counted aside, never scored, never a crash', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            kind: fc.constantFrom(
              'canaryContact',
              'creditReportAccount',
              'creditReportQuery',
              'relayContact',
              'borrowerReport',
              'staffContact',
            ) as fc.Arbitrary<EvidenceItem['kind']>,
            funderId: worldText(12),
            customer: worldText(12),
            source: worldText(12),
            outOfPurpose: fc.boolean(),
            attributable: fc.boolean(),
          }),
          { maxLength: 50 },
        ),
        (items) => {
          const engine = new FusionEngine(FUNDERS);
          let unknown = 0;
          for (const i of items) {
            engine.observe({ ...i, day: DAY0 });
            if (!FUNDERS.some((f) => f.id === i.funderId)) unknown++;
          }
          engine.observeCohorts(DAY0, cohorts());
          engine.endDay(DAY0);
          expect(engine.unknownFunderItems).toBe(unknown);
        },
      ),
    );
  });

  it('cohort counts that do not cover every funder, or have more events than trials, are rejected whole', () => {
    const run = (withBadDay: boolean) => {
      const engine = new FusionEngine(FUNDERS);
      engine.observe(item('creditReportAccount', 'cfc-1'));
      engine.observe(item('creditReportAccount', 'cfc-2'));
      if (withBadDay) {
        expect(() => engine.observeCohorts(DAY0, cohorts(2))).toThrow(/every funder/);
        const bad = cohorts();
        bad[0] = { ...quietCohort, dispatched: 1000 }; // valid, and would shift cfc-1's exposure share
        bad[3] = { ...quietCohort, abandonedAfterApproval: 100 }; // invalid: the whole day is rejected
        expect(() => engine.observeCohorts(DAY0, bad)).toThrow(/0\.\.trials/);
      }
      engine.observeCohorts(DAY0, cohorts());
      return engine.facts(0, DAY0).creditAccounts;
    };
    // nothing half-written: the rejected days left no exposures behind (the expected count is per exposure)
    expect(run(true)).toEqual(run(false));
  });
});

describe('in-purpose relay contacts as a count', () => {
  it('counts exactly as that many in-purpose relay items: the classifier-error test sees the same denominator', () => {
    const outOfPurpose = Array.from({ length: 6 }, (_, k) =>
      item('relayContact', 'cfc-1', { outOfPurpose: true, customer: `c${k}` }),
    );
    const asItems = new FusionEngine(FUNDERS);
    const asCount = new FusionEngine(FUNDERS);
    for (const i of outOfPurpose) {
      asItems.observe(i);
      asCount.observe(i);
    }
    for (let k = 0; k < 40; k++) asItems.observe(item('relayContact', 'cfc-1', { outOfPurpose: false }));
    asCount.observeInPurposeRelay('cfc-1', 40);
    asCount.observeInPurposeRelay('no-such-funder', 3);
    expect(asCount.facts(0, DAY0).relay).toEqual(asItems.facts(0, DAY0).relay);
    expect(asCount.facts(0, DAY0).relay.total).toBe(46);
    expect(() => asCount.observeInPurposeRelay('cfc-1', -1)).toThrow(/whole number/);
  });
});

// The market loop against the real routing core and production's own classifiers: determinism,
// honest funders that leave traces (noise a detector must see through), a poacher that poaches as
// its strategy says and within its throttle, evidence tallied faithfully with its ground truth, the
// canary program's cost, and the Detector wired back into routing. Small populations keep each run
// well under a few seconds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyContact } from '../sharing/contact-purpose.ts';
import { canaryCostFen, canaryCountFor, poachingLossFen } from './economics.ts';
import { runMarket } from './market.ts';
import {
  type DayEvidence,
  type Detector,
  EVIDENCE_KINDS,
  type FunderAssessment,
  type Scenario,
} from './model.ts';
import { EMPLOYER_ORDINARY, FLAG_CANARY, RISK_FLAGS } from './population.ts';
import { parseScenario } from './scenario.ts';
import { reportJson, simulate } from './simulate.ts';

function scenario(input: Record<string, unknown>): Scenario {
  const result = parseScenario({ days: 240, customers: { count: 4000 }, ...input });
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

const honest = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  strategy: { kind: 'honest' },
  ...extra,
});
/** A poacher priced to win flow (the article's poachers compete on price for the platform's traffic). */
const poacher = (id: string, strategy: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'consumer-finance',
  licensedRegions: ['*'],
  rateBase: 0.08,
  strategy: { kind: 'poacher', ...strategy },
  ...extra,
});

const NAIVE = { startDay: 20, interceptionRate: 0.5, reawakeningRate: 0.3 };
const EVASIVE = {
  startDay: 20,
  exclusions: { personnel: true, risk: true, region: true },
  maxMonthlyShare: 0.03,
};
/** A market of funders that differ (drawn per funder), all national, so every one gets flow. */
const MARKET = [
  honest('bank-a', { type: 'bank', licensedRegions: ['*'] }),
  honest('bank-b', { type: 'bank', licensedRegions: ['*'] }),
  honest('cfc-c', { type: 'consumer-finance' }),
];
const CANARIES = { canaries: { budgetFenPerMonth: 5_000_000 } };

function withoutRuntime(json: string): string {
  return json.replace(/"runtimeMs": \d+/, '"runtimeMs": 0');
}

const sum = (days: DayEvidence[], pick: (d: DayEvidence) => number) => days.reduce((t, d) => t + pick(d), 0);

describe('runMarket', () => {
  it('is deterministic: same scenario and seed give byte-identical report.json apart from runtimeMs', () => {
    const s = scenario({ seed: 7, funders: [...MARKET, poacher('p', NAIVE)] });
    const first = reportJson(simulate(s, { compareBaseline: true }).report);
    const second = reportJson(simulate(s, { compareBaseline: true }).report);
    expect(withoutRuntime(second)).toBe(withoutRuntime(first));
    const other = reportJson(
      simulate(scenario({ seed: 8, funders: [...MARKET, poacher('p', NAIVE)] })).report,
    );
    expect(withoutRuntime(other)).not.toBe(withoutRuntime(first));
  });

  it('the quote memo is exact: the same run without it gives the same report', () => {
    const s = scenario({ funders: [...MARKET, poacher('p', NAIVE)] });
    const withMemo = runMarket(s).report;
    const without = runMarket(s, { memoiseQuotes: false }).report;
    expect(JSON.stringify(without)).toBe(JSON.stringify(withMemo));
  });

  it('an honest market loses nobody, yet its funders leave relay contacts, credit-report accounts and borrower reports — none from poaching', () => {
    const run = runMarket(scenario({ customers: { count: 8000 }, days: 365, funders: MARKET }), {
      keepEvidence: true,
    });
    expect(run.report.platform.customersLost).toBe(0);
    expect(run.poachings).toEqual([]);
    const total = (kind: (typeof EVIDENCE_KINDS)[number]) =>
      run.report.funders.reduce((t, f) => t + f.evidence[kind].total, 0);
    for (const f of run.report.funders) {
      expect(f.poached).toBe(0);
      expect(f.firstPoachDay).toBeNull();
      for (const kind of EVIDENCE_KINDS) expect(f.evidence[kind].fromPoaching).toBe(0);
      expect(f.evidence.canaryContact.total).toBe(0);
      expect(f.evidence.staffContact.total).toBe(0);
      expect(f.relayContactsRecorded).toBeGreaterThan(0); // verification, servicing, collection
    }
    // The noise issue 13 requires: misclassified SMS, organic direct loans, misreports.
    expect(total('relayContact')).toBeGreaterThan(0);
    expect(total('creditReportAccount')).toBeGreaterThan(0);
    expect(total('borrowerReport')).toBeGreaterThan(0);
    // Honest relay contacts: nearly all in purpose, as production's classifier judges them.
    const records = run.evidence!.days.flatMap((d) => d.relayContacts);
    const outOfPurpose = records.filter((r) => r.verdict === 'out-of-purpose').length;
    expect(outOfPurpose).toBe(total('relayContact'));
    expect(outOfPurpose / records.length).toBeLessThan(0.1);
    expect(new Set(records.map((r) => r.reason))).toContain('servicing');
    // Abandonment differs by funder (price, speed): no free constant baseline for a confirm-rate test.
    const rates = run.report.funders.map((f) => f.abandonedAfterApproval / f.approved);
    expect(Math.max(...rates) - Math.min(...rates)).toBeGreaterThan(0.005);
  });

  it('one classifier, two callers: every relay record carries the verdict production gives the same facts', () => {
    const run = runMarket(
      scenario({ funders: [...MARKET, poacher('p', { ...NAIVE, contactSources: ['relay'] })] }),
      {
        keepEvidence: true,
      },
    );
    const records = run.evidence!.days.flatMap((d) => d.relayContacts);
    expect(records.length).toBeGreaterThan(100);
    // A marketing SMS is out of purpose at every stage (the classifier's fix): the naive poacher's
    // interceptions (between approval and confirm) reach the evidence.
    const marketing = records.filter((r) => r.category === 'marketing');
    expect(marketing.length).toBeGreaterThan(0);
    for (const r of marketing) expect(r.verdict).toBe('out-of-purpose');
    const p = run.report.funders[3]!;
    expect(p.evidence.relayContact.fromPoaching).toBeGreaterThan(0);
    // Voice calls carry only metadata unless the borrower was asked: no summary, usually no category.
    const voice = records.filter((r) => r.medium === 'voice');
    expect(voice.every((r) => r.summary === '')).toBe(true);
    expect(voice.filter((r) => r.category === null).length).toBeGreaterThan(voice.length / 2);
    // The recorded verdict is the classifier's for a contact between approval and confirm.
    const approved = {
      shares: [{ stage: 'application' as const, at: new Date(0) }],
      events: [{ toStatus: 'approved' as const, at: new Date(1) }],
    };
    for (const r of marketing.slice(0, 20))
      expect(
        classifyContact({ occurredAt: new Date(2), summary: r.summary, category: r.category }, approved)
          .verdict,
      ).toBe('out-of-purpose');
  });

  it('a naive poacher poaches from its start day, through the relay, and leaves evidence of every kind it can', () => {
    const s = scenario({
      platform: CANARIES,
      customers: { count: 6000, platformEmployeeShare: 0.02 },
      funders: [...MARKET, poacher('p', NAIVE)],
    });
    const run = runMarket(s, { keepEvidence: true });
    const p = run.report.funders[3]!;
    expect(p.truth).toBe('poacher');
    expect(p.poachedByInterception).toBeGreaterThan(0);
    expect(p.poachedByReawakening).toBeGreaterThan(0);
    expect(p.firstPoachDay).toBeGreaterThanOrEqual(20);
    expect(Math.min(...run.poachings.map((x) => x.day))).toBe(p.firstPoachDay);
    expect(p.evidence.relayContact.fromPoaching).toBeGreaterThan(0);
    expect(p.evidence.canaryContact.total).toBeGreaterThan(0);
    expect(p.evidence.staffContact.total).toBeGreaterThan(0);
    expect(p.evidence.creditReportAccount.fromPoaching).toBeGreaterThan(0);
    expect(run.report.platform.customersLost).toBe(new Set(run.poachings.map((x) => x.customer)).size);
    // Canaries and staff report every contact and never take the offer.
    for (const x of run.poachings) {
      expect(run.population.flags[x.customer]! & FLAG_CANARY).toBe(0);
      expect(run.population.employer[x.customer]).toBe(EMPLOYER_ORDINARY);
    }
    // The evidence stream sums to the tallies.
    const days = run.evidence!.days;
    const ofP = (items: Array<{ funderId: string }>) => items.filter((x) => x.funderId === 'p').length;
    expect(sum(days, (d) => ofP(d.canaryContacts))).toBe(p.evidence.canaryContact.total);
    expect(sum(days, (d) => ofP(d.staffContacts))).toBe(p.evidence.staffContact.total);
    expect(sum(days, (d) => ofP(d.borrowerReports))).toBe(p.evidence.borrowerReport.total);
    expect(sum(days, (d) => ofP(d.relayContacts.filter((r) => r.verdict === 'out-of-purpose')))).toBe(
      p.evidence.relayContact.total,
    );
    expect(
      sum(days, (d) => ofP(d.creditReportFindings.filter((x) => x.kind === 'creditReportAccount'))),
    ).toBe(p.evidence.creditReportAccount.total);
    expect(sum(days, (d) => d.cohorts[3]!.approved)).toBe(p.approved);
    expect(sum(days, (d) => d.cohorts[3]!.booked)).toBe(p.booked);
    expect(sum(days, (d) => ofP(d.exposures))).toBe(p.dispatched);
    // Every credit-report finding follows the exposure that introduced the customer, and is older than the report (T+1).
    for (const d of days)
      for (const x of d.creditReportFindings) {
        expect(x.onDay).toBeGreaterThanOrEqual(x.exposureDay);
        expect(x.onDay).toBeLessThan(d.day);
      }
    // Honest funders poach nobody, and whatever evidence names them is noise.
    for (const f of run.report.funders.slice(0, 3))
      for (const kind of EVIDENCE_KINDS) expect(f.evidence[kind].fromPoaching).toBe(0);
  });

  it('the evasive poacher touches only customers past its exclusions (staff slip through stale data), reaches about its throttle, and leaves no relay trace', () => {
    const s = scenario({
      days: 365,
      customers: { count: 12000, migrantShare: 0.3, platformEmployeeShare: 0.05, partnerEmployeeShare: 0.05 },
      funders: [
        ...MARKET,
        poacher(
          'p',
          {
            ...EVASIVE,
            maxMonthlyShare: 0.1,
            directRegions: ['44', '32', '37', '41'],
            personnelMissShare: 0.5,
          },
          {
            licensedRegions: ['44', '32', '37', '41', '51'],
          },
        ),
      ],
    });
    const run = runMarket(s, { keepEvidence: true });
    const pop = run.population;
    const allowed = new Set(['44', '32', '37', '41']);
    const p = run.report.funders[3]!;
    expect(run.poachings.length).toBeGreaterThan(0);
    for (const x of run.poachings) {
      expect(pop.employer[x.customer]).toBe(EMPLOYER_ORDINARY); // staff never take it…
      expect(pop.flags[x.customer]! & RISK_FLAGS).toBe(0);
      expect(allowed.has(pop.provinces[pop.province[x.customer]!]!)).toBe(true);
      expect(allowed.has(pop.provinces[pop.phoneProvince[x.customer]!]!)).toBe(true);
    }
    expect(p.evidence.staffContact.total).toBeGreaterThan(0); // …but the exclusion misses some, who report it
    // Throttle: poached ≤ 10% of its approved-and-targeted applicants, in every calendar month (at
    // this small scale a 3% throttle would not allow the first poaching of a month: 1 ≤ 3% × ~20)…
    const log = run.throttleLog.filter((m) => m.funder === 3);
    expect(log.length).toBe(12);
    for (const m of log) expect(m.poached).toBeLessThanOrEqual(0.1 * m.targeted);
    expect(log.reduce((t, m) => t + m.targeted, 0)).toBe(p.targetedApprovals);
    expect(log.reduce((t, m) => t + m.poached, 0)).toBe(p.poached);
    // …and the throttle is what binds: it reaches at least half that share over the run (a month's
    // allowance is whole customers: floor(10% × ~27) = 2 is 7%).
    expect(p.poached).toBeGreaterThan(0.5 * 0.1 * p.targetedApprovals);
    // A careful poacher uses the numbers it holds or buys: nothing it does goes through the relay.
    expect(p.evidence.relayContact.fromPoaching).toBe(0);
  });

  it('re-awakening rights: a poacher that only received the data (waterfall, declined, abandoned) poaches too, unless it re-awakens only those it lent to', () => {
    const funders = (reawakenFrom: string) => [
      ...MARKET,
      poacher('p', { startDay: 0, interceptionRate: 0, reawakeningRate: 0.5, reawakenFrom }),
    ];
    const exposed = runMarket(scenario({ funders: funders('exposed') })).report.funders[3]!;
    const lent = runMarket(scenario({ funders: funders('lent') })).report.funders[3]!;
    expect(exposed.poachedFromDataOnly).toBeGreaterThan(0);
    expect(lent.poachedFromDataOnly).toBe(0);
    expect(exposed.poachedByReawakening).toBeGreaterThan(lent.poachedByReawakening);
  });

  it('contact sources: without relay contacts the relay records nothing; a poor broker reaches fewer than the relay', () => {
    const base = (strategy: Record<string, unknown>) => ({ funders: [...MARKET, poacher('p', strategy)] });
    const noRelay = runMarket(
      scenario({ ...base({ ...NAIVE, reawakeningRate: 0 }), platform: { relayContacts: false } }),
    );
    expect(noRelay.report.funders.every((f) => f.relayContactsRecorded === 0)).toBe(true);
    expect(noRelay.report.funders[3]!.poached).toBeGreaterThan(0);
    const relay = runMarket(scenario(base({ ...NAIVE, reawakeningRate: 0, contactSources: ['relay'] })))
      .report.funders[3]!;
    const broker = runMarket(
      scenario(base({ ...NAIVE, reawakeningRate: 0, contactSources: ['broker'], brokerSuccess: 0.2 })),
    ).report.funders[3]!;
    expect(broker.evidence.relayContact.fromPoaching).toBe(0);
    expect(broker.contacts).toBeLessThan(relay.contacts * 0.5);
  });

  it('the borrower weighs the offer: a dearer, slower funder loses more approved applicants; risk flags lower approval', () => {
    const run = runMarket(
      scenario({
        customers: { count: 8000 },
        funders: [
          honest('cheap', { type: 'bank', licensedRegions: ['*'], rateBase: 0.07, decisionDays: 0 }),
          honest('dear', { type: 'bank', licensedRegions: ['*'], rateBase: 0.13, decisionDays: 3 }),
        ],
        platform: { rotation: false },
      }),
      { keepEvidence: true },
    );
    const [cheap, dear] = run.report.funders;
    expect(dear!.abandonedAfterApproval / dear!.approved).toBeGreaterThan(
      cheap!.abandonedAfterApproval / cheap!.approved + 0.02,
    );
    // Approval by whether the applicant carries a risk flag.
    const flagged = new Set<number>();
    for (let c = 0; c < run.population.count; c++) if (run.population.flags[c]! & RISK_FLAGS) flagged.add(c);
    const rate = (pick: (c: number) => boolean) => {
      let dispatched = 0;
      let approved = 0;
      for (const d of run.evidence!.days)
        for (const h of d.history) {
          if (!pick(h.customer)) continue;
          if (h.kind === 'dispatched') dispatched++;
          if (h.kind === 'approved') approved++;
        }
      return approved / dispatched;
    };
    expect(rate((c) => flagged.has(c))).toBeLessThan(rate((c) => !flagged.has(c)) - 0.1);
  });

  it('drives the real routing core: its eligibility rules decide who reaches which funder', () => {
    const s = scenario({
      funders: [
        honest('a', { licensedRegions: ['*'] }),
        honest('picky', { minScore: 1000, rateBase: 0.05, licensedRegions: ['*'] }), // no applicant reaches a 1000 minimum
        honest('closed', { monthlyQuotaFen: 0, licensedRegions: ['*'] }), // capacity rule
        honest('gd-only', { licensedRegions: ['44'] }), // region rule
      ],
    });
    const run = runMarket(s);
    const [, picky, closed, gd] = run.report.funders;
    expect(picky!.dispatched).toBeLessThan(run.report.platform.applications * 0.01);
    expect(closed!.dispatched).toBe(0);
    expect(gd!.dispatched).toBeGreaterThan(0);
    const guangdongOnly = runMarket(
      scenario({ funders: [honest('gd-only', { licensedRegions: ['44'] })] }),
    ).report;
    expect(guangdongOnly.funders[0]!.dispatched).toBeGreaterThan(0);
    expect(guangdongOnly.funders[0]!.dispatched).toBeLessThan(guangdongOnly.platform.applications * 0.2);
  });

  it("the canary program shows each canary to one funder (production's planner), where a careful poacher would take it", () => {
    const regional = honest('gd-bank', { type: 'bank', licensedRegions: ['44'] });
    const s = scenario({ platform: CANARIES, funders: [...MARKET, regional, poacher('p', EVASIVE)] });
    const run = runMarket(s, { keepEvidence: true });
    const seen = new Map<number, Set<string>>();
    for (const d of run.evidence!.days)
      for (const e of d.canaryExposures) {
        const set = seen.get(e.customer) ?? new Set<string>();
        set.add(e.funderId);
        seen.set(e.customer, set);
      }
    expect(seen.size).toBeGreaterThan(20);
    for (const funders of seen.values()) expect(funders.size).toBe(1);
    // Every national funder receives some (the planner's region rule is unit-tested in detection).
    const counts = new Map<string, number>();
    for (const [, funders] of seen) for (const f of funders) counts.set(f, (counts.get(f) ?? 0) + 1);
    for (const f of ['bank-a', 'bank-b', 'cfc-c', 'p']) expect(counts.get(f) ?? 0).toBeGreaterThan(0);

    // A detector that suspects the poacher from day 0 draws the canaries toward it.
    const suspecting: Detector = {
      name: 'suspects-p',
      start() {},
      observeDay: () => [{ funderId: 'p', score: 1, level: 'suspect' }],
    };
    const flagged = runMarket(
      scenario({
        platform: { ...CANARIES, trustByLevel: { none: 1, watch: 1, suspect: 1, confirmed: 0 } },
        funders: [...MARKET, regional, poacher('p', EVASIVE)],
      }),
      { detector: suspecting, keepEvidence: true },
    );
    const toP = (days: DayEvidence[]) =>
      new Set(days.flatMap((d) => d.canaryExposures.filter((e) => e.funderId === 'p').map((e) => e.customer)))
        .size;
    expect(toP(flagged.evidence!.days)).toBeGreaterThan(1.5 * toP(run.evidence!.days));
  });

  it('the canary program: its budget buys the canaries, the report shows what it cost beside what poaching cost', () => {
    const s = scenario({ platform: CANARIES, funders: [...MARKET, poacher('p', NAIVE)] });
    const { report } = simulate(s, { compareBaseline: true });
    const expected = canaryCountFor(s.platform.canaries, s.days);
    expect(expected).toBeGreaterThan(50);
    expect(report.platform.canaries).toBe(expected);
    expect(report.platform.canaryCostFen).toBeGreaterThanOrEqual(
      canaryCostFen(s.platform.canaries, expected, s.days, 0),
    );
    expect(report.platform.canaryBooked).toBeGreaterThan(0);
    // Poaching has a price: lost loans × the run's average fee, per funder and in total.
    const p = report.funders[3]!;
    const averageFee = report.platform.serviceFeesFen / report.platform.booked;
    expect(p.poachingLossFen).toBe(
      poachingLossFen(s.customers, p.poachedByInterception, p.poachedByReawakening, averageFee),
    );
    expect(report.platform.poachingLossFen).toBe(report.funders.reduce((t, f) => t + f.poachingLossFen, 0));
    expect(report.platform.poachingLossFen).toBeGreaterThan(0);
    // The no-defence baseline: no canaries, no canary cost, its own loss to poaching. (It need not
    // lose more: rotation spreads customers over funders, so a competitive poacher sees more of them.)
    const baseline = report.platform.baseline!;
    expect(baseline.canaryCostFen).toBe(0);
    expect(report.baseline!.platform.canaries).toBe(0);
    expect(baseline.poachingLossFen).toBe(report.baseline!.platform.poachingLossFen);
    expect(baseline.customersLost).toBeGreaterThan(0);
    // Without a detector nobody is penalised.
    expect(report.platform.penaltiesFen).toBe(0);
    // Budget 0: no canaries, no cost.
    const none = runMarket(
      scenario({ funders: MARKET, platform: { canaries: { budgetFenPerMonth: 0 } } }),
    ).report;
    expect(none.platform.canaries).toBe(0);
    expect(none.platform.canaryCostFen).toBe(0);
  });

  it('levers that bite: halving a poacher’s trust moves top customers to other funders and changes what it poaches', () => {
    // A detector double that holds the poacher at `suspect` (trust 0.5) from day 0: routing's
    // budgets are a share of its flow scaled by trust in every band (ADR 0073).
    const holdAt = (level: 'none' | 'suspect'): Detector => ({
      name: `hold-${level}`,
      start: () => {},
      observeDay: () => [{ funderId: 'p', score: 0, level }],
    });
    const s = scenario({ customers: { count: 8000 }, funders: [...MARKET, poacher('p', NAIVE)] });
    const full = simulate(s, { detector: holdAt('none') }).report;
    const half = simulate(s, { detector: holdAt('suspect') }).report;
    const p1 = full.funders[3]!;
    const p2 = half.funders[3]!;
    expect(p2.dispatched).toBeLessThan(p1.dispatched * 0.8);
    expect(p2.poached).not.toBe(p1.poached);
    expect(p2.poached).toBeLessThan(p1.poached);
    // the customers it no longer sees go to the other funders, not away from the platform
    const others = (r: typeof full) => r.funders.slice(0, 3).reduce((t, f) => t + f.booked, 0);
    expect(others(half)).toBeGreaterThan(others(full));
    expect(half.platform.booked).toBeGreaterThan(full.platform.booked * 0.95);
    // and a share budget binds even at trust 1: the cheapest funder does not take every band-A customer
    const cheapest = runMarket(
      scenario({ funders: [honest('cheap', { licensedRegions: ['*'], rateBase: 0.06 }), ...MARKET] }),
    ).report.funders[0]!;
    const unlimited = runMarket(
      scenario({
        funders: [honest('cheap', { licensedRegions: ['*'], rateBase: 0.06 }), ...MARKET],
        platform: { routing: { exposureShareByBand: { A: 1, B: 1 } } },
      }),
    ).report.funders[0]!;
    expect(cheapest.dispatched).toBeLessThan(unlimited.dispatched);
    // …but only by a share of its flow: a market that forgot to count flow would starve it (allowance = burst)
    expect(cheapest.dispatched).toBeGreaterThan(unlimited.dispatched * 0.8);
  });

  it('with no detector, alert days are null and poachedBeforeConfirmed counts every poached customer', () => {
    const report = simulate(scenario({ funders: [...MARKET, poacher('p', NAIVE)] })).report;
    expect(report.detector).toBeNull();
    for (const f of report.funders) {
      expect(f.alertDay).toEqual({ watch: null, suspect: null, confirmed: null });
      expect(f.poachedBeforeConfirmed).toBe(f.poached);
    }
  });

  it('feeds each day’s evidence to a Detector, its levels back to routing as trust, and settlement’s penalties to the report', () => {
    // A test double standing in for the detection issue: confirms a funder on its first canary contact.
    const seen: number[] = [];
    const confirmedOn = new Map<string, number>();
    let started: Parameters<Detector['start']>[0] | undefined;
    const detector: Detector = {
      name: 'test-first-canary',
      start: (context) => {
        started = context;
      },
      observeDay(e: DayEvidence): FunderAssessment[] {
        seen.push(e.day);
        for (const c of e.canaryContacts)
          if (!confirmedOn.has(c.funderId)) confirmedOn.set(c.funderId, e.day);
        return ['bank-a', 'p'].map((funderId) => {
          const level = confirmedOn.has(funderId) ? 'confirmed' : 'none';
          return { funderId, score: level === 'confirmed' ? 1 : 0, level };
        });
      },
    };
    const s = scenario({ funders: [...MARKET, poacher('p', NAIVE)], platform: CANARIES });
    const { report } = simulate(s, { detector });
    expect(seen).toEqual(Array.from({ length: s.days }, (_, d) => d));
    expect(started!.canaries.length).toBe(report.platform.canaries);
    expect(started!.funders.map((f) => f.id)).toEqual(['bank-a', 'bank-b', 'cfc-c', 'p']);
    const p = report.funders[3]!;
    expect(report.detector).toBe('test-first-canary');
    expect(p.alertDay.confirmed).toBe(confirmedOn.get('p'));
    expect(p.alertDay.watch).toBe(p.alertDay.confirmed);
    expect(p.poachedBeforeConfirmed).toBeLessThan(p.poached);
    expect(report.funders[0]!.alertDay.confirmed).toBeNull();
    expect(report.series.funders[3]!.level.at(-1)).toBe('confirmed');
    expect(p.penaltiesFen).toBeGreaterThan(0);
    expect(p.penaltiesFen % s.platform.penaltyPerCustomerFen).toBe(0);
    expect(report.funders[0]!.penaltiesFen).toBe(0);
    // Trust 0 after confirmation stops routing to the funder: fewer dispatches than without.
    const without = simulate(s).report.funders[3]!;
    expect(p.dispatched).toBeLessThan(without.dispatched);
  });

  it('property: any poacher strategy keeps the books consistent', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 1000 }),
          interceptionRate: fc.double({ min: 0, max: 1, noNaN: true }),
          reawakeningRate: fc.double({ min: 0, max: 1, noNaN: true }),
          personnel: fc.boolean(),
          risk: fc.boolean(),
          maxMonthlyShare: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
          relayContacts: fc.boolean(),
          sources: fc.subarray(['own-data', 'broker', 'relay'], { minLength: 1 }),
        }),
        (v) => {
          const s = scenario({
            seed: v.seed,
            days: 120,
            customers: { count: 800 },
            platform: { relayContacts: v.relayContacts, ...CANARIES },
            funders: [
              honest('a', { licensedRegions: ['*'] }),
              poacher('p', {
                startDay: 10,
                interceptionRate: v.interceptionRate,
                reawakeningRate: v.reawakeningRate,
                exclusions: { personnel: v.personnel, risk: v.risk },
                maxMonthlyShare: v.maxMonthlyShare,
                contactSources: v.sources,
                personnelMissShare: 0,
              }),
            ],
          });
          const run = runMarket(s);
          const p = run.report.funders[1]!;
          expect(p.poached).toBe(run.poachings.length);
          expect(p.poached).toBeLessThanOrEqual(p.contacts);
          const e = p.evidence;
          expect(
            e.canaryContact.total + e.staffContact.total + e.borrowerReport.fromPoaching,
          ).toBeLessThanOrEqual(p.contacts);
          for (const kind of EVIDENCE_KINDS) expect(e[kind].fromPoaching).toBeLessThanOrEqual(e[kind].total);
          if (!v.relayContacts) expect(p.relayContactsRecorded).toBe(0);
          if (!v.sources.includes('relay')) expect(e.relayContact.fromPoaching).toBe(0);
          if (v.maxMonthlyShare === 0) expect(p.poached).toBe(0);
          if (v.personnel) expect(e.staffContact.total).toBe(0);
          const platform = run.report.platform;
          expect(platform.booked + platform.declined).toBeLessThanOrEqual(platform.applications);
          expect(platform.approvedApplications).toBe(run.report.funders.reduce((t, f) => t + f.approved, 0));
          expect(Number.isSafeInteger(platform.serviceFeesFen)).toBe(true);
          expect(Number.isSafeInteger(platform.canaryCostFen)).toBe(true);
          for (const x of run.poachings) {
            expect(x.day).toBeGreaterThanOrEqual(10);
            if (v.personnel) expect(run.population.employer[x.customer]).toBe(EMPLOYER_ORDINARY);
            if (v.risk) expect(run.population.flags[x.customer]! & RISK_FLAGS).toBe(0);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});

// The market loop against the real routing core: determinism, poacher behaviour exactly as the
// strategy says (exclusions, throttle, contact source), evidence recorded faithfully, and the
// Detector interface wired back into routing. Small populations keep each run well under a second.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runMarket } from './market.ts';
import type { DayEvidence, Detector, FunderAssessment, PoacherStrategy, Scenario } from './model.ts';
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
const poacher = (id: string, strategy: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id,
  strategy: { kind: 'poacher', ...strategy },
  ...extra,
});

const NAIVE = { startDay: 20, interceptionRate: 0.5, reawakeningRate: 0.3 };

function withoutRuntime(json: string): string {
  return json.replace(/"runtimeMs": \d+/, '"runtimeMs": 0');
}

/** calendar-month index of a day, as the market resets its monthly counters */
function monthOf(s: Scenario, day: number): number {
  const d = new Date(Date.parse(`${s.startDate}T00:00:00Z`) + day * 86_400_000);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

describe('runMarket', () => {
  it('is deterministic: same scenario and seed give byte-identical report.json apart from runtimeMs', () => {
    const s = scenario({ seed: 7, funders: [honest('a'), poacher('p', NAIVE), honest('c')] });
    const first = reportJson(simulate(s, { compareBaseline: true }).report);
    const second = reportJson(simulate(s, { compareBaseline: true }).report);
    expect(withoutRuntime(second)).toBe(withoutRuntime(first));
    const other = reportJson(simulate({ ...s, seed: 8 }, { compareBaseline: true }).report);
    expect(withoutRuntime(other)).not.toBe(withoutRuntime(first));
  });

  it('the quote memo is exact: the same run without it gives the same report', () => {
    const s = scenario({ funders: [honest('a'), poacher('p', NAIVE), honest('c', { rateBase: 0.1 })] });
    const withMemo = runMarket(s).report;
    const without = runMarket(s, { memoiseQuotes: false }).report;
    expect(JSON.stringify(without)).toBe(JSON.stringify(withMemo));
  });

  it('an honest market loses nobody; its only evidence is the noise a detector must see through', () => {
    const run = runMarket(scenario({ funders: [honest('a'), honest('b'), honest('c')] }), {
      keepEvidence: true,
    });
    expect(run.report.platform.customersLost).toBe(0);
    expect(run.poachings).toEqual([]);
    for (const f of run.report.funders) {
      expect(f.poached).toBe(0);
      expect(f.firstPoachDay).toBeNull();
      expect(f.evidence.canaryContacts).toBe(0);
      expect(f.evidence.relayContacts).toBe(0);
      // every credit-report hit is an organic direct loan, every report a misattribution
      expect(f.evidence.creditReportHits).toBe(f.falseEvidence.creditReportHits);
      expect(f.evidence.borrowerReports).toBe(f.falseEvidence.borrowerReports);
    }
    const noise = run.report.funders.reduce(
      (t, f) => t + f.falseEvidence.creditReportHits + f.falseEvidence.borrowerReports,
      0,
    );
    expect(noise).toBeGreaterThan(0);
    expect(run.report.platform.booked).toBeGreaterThan(1000);
    const quiet = runMarket(
      scenario({
        customers: { count: 4000, organicDirectShare: 0, misattributedReportShare: 0 },
        funders: [honest('a'), honest('b')],
      }),
    );
    for (const f of quiet.report.funders) {
      expect(f.evidence).toEqual({
        canaryContacts: 0,
        relayContacts: 0,
        creditReportHits: 0,
        borrowerReports: 0,
      });
    }
  });

  it('a naive poacher poaches from its start day, through both channels, and leaves evidence', () => {
    const s = scenario({
      platform: { canaryShare: 0.05 },
      funders: [honest('a'), poacher('p', NAIVE), honest('c')],
    });
    const run = runMarket(s, { keepEvidence: true });
    const p = run.report.funders[1]!;
    expect(p.truth).toBe('poacher');
    expect(p.poachedByInterception).toBeGreaterThan(0);
    expect(p.poachedByReawakening).toBeGreaterThan(0);
    expect(p.firstPoachDay).toBeGreaterThanOrEqual(20);
    expect(Math.min(...run.poachings.map((x) => x.day))).toBe(p.firstPoachDay);
    // No exclusions → it calls the relay point it was given, and the relay records each call.
    expect(p.evidence.relayContacts).toBeGreaterThan(0);
    expect(p.evidence.canaryContacts).toBeGreaterThan(0);
    expect(run.report.platform.customersLost).toBe(new Set(run.poachings.map((x) => x.customer)).size);
    // Canaries report every contact and never take the offer.
    for (const x of run.poachings) expect(run.population.flags[x.customer]! & FLAG_CANARY).toBe(0);
    // The evidence stream sums to the totals.
    const sum = (pick: (d: DayEvidence) => number) => run.evidence!.days.reduce((t, d) => t + pick(d), 0);
    const ofP = (items: Array<{ funderId: string }>) => items.filter((x) => x.funderId === 'p').length;
    expect(sum((d) => ofP(d.relayContacts))).toBe(p.evidence.relayContacts);
    expect(sum((d) => ofP(d.canaryContacts))).toBe(p.evidence.canaryContacts);
    expect(sum((d) => ofP(d.creditReportHits))).toBe(p.evidence.creditReportHits);
    expect(sum((d) => ofP(d.borrowerReports))).toBe(p.evidence.borrowerReports);
    const everyone = (pick: (f: (typeof run.report.funders)[number]) => number) =>
      run.report.funders.reduce((t, f) => t + pick(f), 0);
    expect(sum((d) => d.borrowerReports.length)).toBe(everyone((f) => f.evidence.borrowerReports));
    expect(sum((d) => d.creditReportHits.length)).toBe(everyone((f) => f.evidence.creditReportHits));
    expect(sum((d) => d.cohorts[1]!.approved)).toBe(p.approved);
    expect(sum((d) => d.cohorts[1]!.booked)).toBe(p.booked);
    expect(sum((d) => d.cohorts[1]!.abandonedAfterApproval)).toBe(p.abandonedAfterApproval);
    // Interception shows in the cohort: the poacher loses more approved applicants than an honest funder.
    const honestRate = run.report.funders[0]!.abandonedAfterApproval / run.report.funders[0]!.approved;
    expect(p.abandonedAfterApproval / p.approved).toBeGreaterThan(honestRate);
    // What a canary observes: an applicant is called on the relay point it was given, a dormant
    // customer on the real number the funder holds since booking.
    const stages = new Set<string>();
    for (const d of run.evidence!.days)
      for (const c of d.canaryContacts) {
        stages.add(c.stage);
        expect(c.channel).toBe(c.stage === 'applicant' ? 'relay' : 'real-number');
      }
    expect([...stages].sort()).toEqual(['applicant', 'dormant']);
    // Every credit-report hit names a loan opened before the application that saw it (T+1 reporting).
    for (const d of run.evidence!.days)
      for (const hit of d.creditReportHits) expect(hit.openedDay).toBeLessThan(d.day);
    // Honest funders poach nobody, and whatever evidence names them is noise.
    for (const f of [run.report.funders[0]!, run.report.funders[2]!]) {
      expect(f.poached).toBe(0);
      expect(f.evidence.creditReportHits).toBe(f.falseEvidence.creditReportHits);
      expect(f.evidence.borrowerReports).toBe(f.falseEvidence.borrowerReports);
    }
    expect(p.evidence.creditReportHits).toBeGreaterThan(p.falseEvidence.creditReportHits);
  });

  it('the evasive poacher touches only customers that pass all three exclusions, within its throttle', () => {
    const s = scenario({
      customers: { count: 6000, migrantShare: 0.3, platformEmployeeShare: 0.05, partnerEmployeeShare: 0.05 },
      funders: [
        honest('a'),
        poacher(
          'p',
          {
            ...NAIVE,
            exclusions: { personnel: true, risk: true, region: true },
            maxMonthlyShare: 0.05,
            directRegions: ['44', '32', '37', '41'],
          },
          { licensedRegions: ['44', '32', '37', '41', '51'] },
        ),
      ],
    });
    const run = runMarket(s, { keepEvidence: true });
    const pop = run.population;
    const allowed = new Set(['44', '32', '37', '41']);
    expect(run.poachings.length).toBeGreaterThan(0);
    for (const x of run.poachings) {
      expect(pop.employer[x.customer]).toBe(EMPLOYER_ORDINARY);
      expect(pop.flags[x.customer]! & RISK_FLAGS).toBe(0);
      expect(allowed.has(pop.provinces[pop.province[x.customer]!]!)).toBe(true);
      expect(allowed.has(pop.provinces[pop.phoneProvince[x.customer]!]!)).toBe(true);
    }
    // Throttle: poached ≤ 5% of the funder's platform approvals, in every calendar month.
    const approved = new Map<number, number>();
    for (const d of run.evidence!.days)
      approved.set(monthOf(s, d.day), (approved.get(monthOf(s, d.day)) ?? 0) + d.cohorts[1]!.approved);
    const poached = new Map<number, number>();
    for (const x of run.poachings) poached.set(monthOf(s, x.day), (poached.get(monthOf(s, x.day)) ?? 0) + 1);
    for (const [month, count] of poached)
      expect(count).toBeLessThanOrEqual(0.05 * (approved.get(month) ?? 0));
    // With exclusions on, the default contact source is a broker: no relay trace at all.
    expect(run.report.funders[1]!.evidence.relayContacts).toBe(0);
  });

  it('contact source: without relay contacts nothing is recorded by the relay; a broker is slower than the relay', () => {
    const base = { funders: [honest('a'), poacher('p', { ...NAIVE, reawakeningRate: 0 })] };
    const noRelay = runMarket(scenario({ ...base, platform: { relayContacts: false } }));
    expect(noRelay.report.funders[1]!.evidence.relayContacts).toBe(0);
    expect(noRelay.report.funders[1]!.poached).toBeGreaterThan(0);
    const relay = runMarket(scenario(base)).report.funders[1]!;
    const broker = runMarket(
      scenario({
        funders: [
          honest('a'),
          poacher('p', { ...NAIVE, reawakeningRate: 0, contactSource: 'broker', brokerSuccess: 0.2 }),
        ],
      }),
    ).report.funders[1]!;
    expect(broker.evidence.relayContacts).toBe(0);
    expect(broker.contacts).toBeLessThan(relay.contacts * 0.5);
  });

  it('drives the real routing core: its eligibility rules decide who reaches which funder', () => {
    const s = scenario({
      funders: [
        honest('a'),
        honest('picky', { minScore: 1000, rateBase: 0.05 }), // no applicant reaches a 1000 minimum on every product
        honest('closed', { monthlyQuotaFen: 0 }), // capacity rule
        honest('gd-only', { licensedRegions: ['44'] }), // region rule
      ],
    });
    const run = runMarket(s, { keepEvidence: true });
    const [, picky, closed, gd] = run.report.funders;
    // the small product needs 960 (1000 − 40): only applicants above it may reach 'picky'
    expect(picky!.dispatched).toBeLessThan(run.report.platform.applications * 0.01);
    expect(closed!.dispatched).toBe(0);
    expect(gd!.dispatched).toBeGreaterThan(0);
    // Guangdong holds about 9% of the census population: only those applicants are routed to 'gd-only'.
    const guangdongOnly = runMarket(
      scenario({ funders: [honest('gd-only', { licensedRegions: ['44'] })] }),
    ).report;
    expect(guangdongOnly.funders[0]!.dispatched).toBeGreaterThan(0);
    expect(guangdongOnly.funders[0]!.dispatched).toBeLessThan(guangdongOnly.platform.applications * 0.2);
    expect(guangdongOnly.platform.declined).toBeGreaterThan(guangdongOnly.platform.applications * 0.8);
  });

  it('passes the scenario’s routing overrides to the routing core: a zero top-band budget shuts the best applicants out', () => {
    const base = { funders: [honest('a'), honest('b')] };
    const normal = runMarket(scenario(base)).report.platform;
    const shut = runMarket(
      scenario({ ...base, platform: { routing: { exposureBudgetPerMonth: { A: 0, B: 0 } } } }),
    ).report.platform;
    // Bands A and B (score ≥ 650) hold about 45% of applicants; with no budget anywhere they are declined.
    expect(shut.approvedApplications).toBeLessThan(normal.approvedApplications * 0.7);
    expect(shut.declined).toBeGreaterThan(normal.declined);
  });

  it('with no detector, alert days are null and poachedBeforeConfirmed counts every poached customer', () => {
    const report = simulate(scenario({ funders: [honest('a'), poacher('p', NAIVE)] })).report;
    expect(report.detector).toBeNull();
    for (const f of report.funders) {
      expect(f.alertDay).toEqual({ watch: null, suspect: null, confirmed: null });
      expect(f.poachedBeforeConfirmed).toBe(f.poached);
    }
  });

  it('feeds each day’s evidence to a Detector and its levels back to routing as trust', () => {
    // A test double standing in for the detection issue: confirms a funder on its first canary contact.
    const seen: number[] = [];
    const confirmedOn = new Map<string, number>();
    const detector: Detector = {
      name: 'test-first-canary',
      start: () => {},
      observeDay(e: DayEvidence): FunderAssessment[] {
        seen.push(e.day);
        for (const c of e.canaryContacts)
          if (!confirmedOn.has(c.funderId)) confirmedOn.set(c.funderId, e.day);
        return ['a', 'p'].map((funderId) => {
          const level = confirmedOn.has(funderId) ? 'confirmed' : 'none';
          return { funderId, score: level === 'confirmed' ? 1 : 0, level };
        });
      },
    };
    const s = scenario({ funders: [honest('a'), poacher('p', NAIVE)], platform: { canaryShare: 0.05 } });
    const { report } = simulate(s, { detector });
    expect(seen).toEqual(Array.from({ length: s.days }, (_, d) => d));
    const p = report.funders[1]!;
    expect(report.detector).toBe('test-first-canary');
    expect(p.alertDay.confirmed).toBe(confirmedOn.get('p'));
    expect(p.alertDay.watch).toBe(p.alertDay.confirmed); // a jump straight to confirmed reaches every level that day
    expect(p.poachedBeforeConfirmed).toBeLessThan(p.poached);
    expect(report.funders[0]!.alertDay.confirmed).toBeNull();
    expect(report.series.funders[1]!.level.at(-1)).toBe('confirmed');
    // Trust 0 after confirmation zeroes the funder's top-band exposure budget in routing: fewer dispatches than without.
    const without = simulate(s).report.funders[1]!;
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
        }),
        (v) => {
          const s = scenario({
            seed: v.seed,
            days: 120,
            customers: { count: 800 },
            platform: { relayContacts: v.relayContacts },
            funders: [
              honest('a'),
              poacher('p', {
                startDay: 10,
                interceptionRate: v.interceptionRate,
                reawakeningRate: v.reawakeningRate,
                exclusions: { personnel: v.personnel, risk: v.risk },
                maxMonthlyShare: v.maxMonthlyShare,
              }),
            ],
          });
          const run = runMarket(s);
          const p = run.report.funders[1]!;
          const strategy = s.funders[1]!.strategy as PoacherStrategy;
          expect(p.poached).toBe(run.poachings.length);
          expect(p.poached).toBeLessThanOrEqual(p.contacts);
          const reportsOfContacts = p.evidence.borrowerReports - p.falseEvidence.borrowerReports;
          expect(p.evidence.canaryContacts + reportsOfContacts).toBeLessThanOrEqual(p.contacts);
          if (!v.relayContacts || strategy.contactSource === 'broker')
            expect(p.evidence.relayContacts).toBe(0);
          if (v.maxMonthlyShare === 0) expect(p.poached).toBe(0);
          const platform = run.report.platform;
          expect(platform.booked + platform.declined).toBeLessThanOrEqual(platform.applications);
          expect(platform.approvedApplications).toBe(run.report.funders.reduce((t, f) => t + f.approved, 0));
          expect(Number.isSafeInteger(platform.serviceFeeFen)).toBe(true);
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

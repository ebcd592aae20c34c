// Cohort charts: a funder that is simply different from its peers (more abandonment all along) is
// not flagged; one whose abandonment rises after phase I is. Seeded binomial days.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../kernel/index.ts';
import { type CohortDayCounts, CohortMonitor, DEFAULT_COHORT_CONFIG } from './cohorts.ts';

function binomial(random: SeededRandom, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (random.chance(p)) k++;
  return k;
}

/** Days of counts for funders with the given abandonment rate per day (a function of the day). */
function run(rates: Array<(day: number) => number>, days: number, seed: number) {
  const random = new SeededRandom(seed);
  const monitor = new CohortMonitor(rates.map(() => 'consumer-finance'));
  const firstSignal: Array<number | null> = rates.map(() => null);
  for (let day = 0; day < days; day++) {
    const counts: CohortDayCounts[] = rates.map((rate) => {
      const approved = 150;
      return {
        dispatched: 200,
        approved,
        booked: 0,
        abandonedAfterApproval: binomial(random, approved, rate(day)),
        paidOff: 0,
        returned: 0,
      };
    });
    monitor.observeDay(day, counts);
    monitor.states.forEach((charts, f) => {
      if (firstSignal[f] === null && charts[0]!.lastSignalDay !== null)
        firstSignal[f] = charts[0]!.lastSignalDay;
    });
  }
  return { monitor, firstSignal };
}

describe('cohort charts (risk-adjusted against peers, phase-I offset)', () => {
  it('a funder that is simply different all along (abandonment 0.25 against peers’ 0.12) is not flagged in two years', () => {
    const steady = (p: number) => () => p;
    let peerSignals = 0;
    for (const seed of [1, 2, 3]) {
      const { monitor, firstSignal } = run(
        [steady(0.25), steady(0.12), steady(0.12), steady(0.12)],
        730,
        seed,
      );
      expect(firstSignal[0], `seed ${seed}`).toBeNull();
      peerSignals += firstSignal.filter((d) => d !== null).length;
      // its offset carries the difference: logit(0.25) − logit(0.12) ≈ 0.89
      expect(monitor.states[0]![0]!.offset).toBeGreaterThan(0.6);
      expect(monitor.states[0]![0]!.offset).toBeLessThan(1.2);
    }
    // 18 in-control chart-years (3 peers × 2 years × 3 seeds) at an ARL0 of 100 years expect 0.18
    // false alarms; allow one (the
    // adaptive offset adds its own estimation noise)
    expect(peerSignals).toBeLessThanOrEqual(1);
  });

  it('a rise after phase I (0.12 → 0.20 from day 100) signals within weeks', () => {
    const rising = (day: number) => (day >= 100 ? 0.2 : 0.12);
    const steady = () => 0.12;
    const { firstSignal } = run([rising, steady, steady, steady], 300, 7);
    expect(firstSignal[0]).not.toBeNull();
    expect(firstSignal[0]!).toBeGreaterThanOrEqual(100);
    expect(firstSignal[0]!).toBeLessThan(100 + 60);
    expect(firstSignal.slice(1)).toEqual([null, null, null]);
  });

  it('nothing is flagged during phase I, and the threshold comes from the configured ARL', () => {
    const { monitor, firstSignal } = run(
      [() => 0.5, () => 0.1, () => 0.1],
      DEFAULT_COHORT_CONFIG.warmupDays - 1,
      3,
    );
    expect(firstSignal).toEqual([null, null, null]);
    expect(monitor.states[0]![0]!.threshold).toBeNull();
    const after = run([() => 0.1, () => 0.1, () => 0.1], DEFAULT_COHORT_CONFIG.warmupDays + 1, 3).monitor;
    expect(after.states[0]![0]!.threshold).toBeGreaterThan(0);
  });
});

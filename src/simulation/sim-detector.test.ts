// The `shoujia` detector in the simulator: production's core on the evidence stream. An honest
// market never reaches confirmed; a naive poacher is confirmed, with the reasons recorded; the CLI
// knows the name. (no-truth.test.ts holds that the detector receives only what production knows.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSimulateArgs } from './cli.ts';
import { DETECTORS } from './detectors.ts';
import { parseScenario } from './scenario.ts';
import { ShoujiaSimDetector } from './sim-detector.ts';
import { simulate } from './simulate.ts';

function scenario(file: string, seed: number) {
  const raw = JSON.parse(readFileSync(new URL(`../../scenarios/${file}`, import.meta.url), 'utf8'));
  const parsed = parseScenario({ ...raw, days: 150, customers: { ...raw.customers, count: 20_000 } }, seed);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

describe('shoujia detector in the simulator', () => {
  it('is registered and accepted by shoujia simulate --detector', () => {
    expect(DETECTORS.shoujia?.().name).toBe('shoujia');
    expect(parseSimulateArgs(['--scenario', 's.json', '--out', 'o', '--detector', 'shoujia'])).toMatchObject({
      detector: 'shoujia',
    });
  });

  it('an honest-only market never reaches confirmed', () => {
    for (const seed of [1, 2, 3]) {
      const { report } = simulate(scenario('honest-market.json', seed), {
        detector: new ShoujiaSimDetector(),
      });
      expect(report.detector).toBe('shoujia');
      expect(
        report.funders.map((f) => f.alertDay.confirmed),
        `seed ${seed}`,
      ).toEqual(report.funders.map(() => null));
    }
  });

  it('a naive poacher is confirmed within days of its first poach, with its reasons recorded', () => {
    const detector = new ShoujiaSimDetector();
    const { report } = simulate(scenario('naive-poacher.json', 1), { detector });
    const poacher = report.funders.find((f) => f.truth === 'poacher')!;
    expect(poacher.firstPoachDay).not.toBeNull();
    expect(poacher.alertDay.confirmed).not.toBeNull();
    expect(poacher.alertDay.confirmed! - poacher.firstPoachDay!).toBeLessThanOrEqual(14);
    const status = detector.core.status(poacher.id)!;
    expect(status.level).toBe('confirmed');
    const change = status.changes.find((c) => c.to === 'confirmed')!;
    expect(change.reasons.some((r) => r.level === 'confirmed')).toBe(true);
    for (const f of report.funders.filter((x) => x.truth === 'honest'))
      expect(f.alertDay.confirmed).toBeNull();
  });
});

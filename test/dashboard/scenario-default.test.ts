// The scenario the simulations page offers (web/src/scenario-default.ts) is one the service accepts:
// parsed by the simulator's own validator.
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/simulation/scenario.ts';
import { DEFAULT_SCENARIO } from '../../web/src/scenario-default.ts';

describe("the simulations page's default scenario", () => {
  it('parses with the simulator’s validator, a poacher among its funders', () => {
    const parsed = parseScenario(structuredClone(DEFAULT_SCENARIO));
    expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.funders.map((f) => f.strategy.kind)).toContain('poacher');
  });
});

// The scenarios shipped in scenarios/ stay valid and say what their names promise: every file there
// parses; the three markets share one heterogeneous set of funders; naive-poacher's poacher applies
// no evasion, evasive-poacher's the article's three exclusions and 3% throttle. Run small, honest
// funders leave evidence that did not come from poaching, and the careful poacher no relay trace.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runMarket } from './market.ts';
import type { PoacherStrategy } from './model.ts';
import { parseScenario } from './scenario.ts';

const SCENARIO_DIR = new URL('../../scenarios/', import.meta.url);
const SHIPPED = readdirSync(SCENARIO_DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => file.slice(0, -'.json'.length))
  .sort();

function load(name: string, count?: number) {
  const raw = JSON.parse(readFileSync(new URL(`${name}.json`, SCENARIO_DIR), 'utf8'));
  if (count !== undefined) raw.customers.count = count;
  const parsed = parseScenario(raw);
  if (!parsed.ok) throw new Error(`${name}: ${parsed.message}`);
  return parsed.value;
}

const poachersOf = (name: string) =>
  load(name)
    .funders.map((f) => f.strategy)
    .filter((s): s is PoacherStrategy => s.kind === 'poacher');

describe('shipped scenarios', () => {
  it('every file in scenarios/ parses', () => {
    expect(SHIPPED).toEqual(expect.arrayContaining(['evasive-poacher', 'honest-market', 'naive-poacher']));
    for (const name of SHIPPED) expect(() => load(name), name).not.toThrow();
  });

  it('honest-market has no poacher; naive-poacher none of the evasions; evasive-poacher the article’s', () => {
    expect(poachersOf('honest-market')).toEqual([]);
    const [naive] = poachersOf('naive-poacher');
    expect(naive!.exclusions).toEqual({ personnel: false, risk: false, region: false });
    expect(naive!.maxMonthlyShare).toBeNull();
    expect(naive!.contactSources).toEqual(['relay']);
    const [evasive] = poachersOf('evasive-poacher');
    expect(evasive!.exclusions).toEqual({ personnel: true, risk: true, region: true });
    expect(evasive!.maxMonthlyShare).toBe(0.03);
    // the careful poacher reaches people through numbers it holds or buys, never the relay
    expect(evasive!.contactSources).toEqual(['own-data', 'broker']);
    // the region exclusion has something to skip: the licence leaves provinces out
    expect(evasive!.directRegions).not.toContain('*');
    // the two poachers differ only in their evasions
    const { exclusions: _e, maxMonthlyShare: _m, contactSources: _c, ...naiveRest } = naive!;
    const { exclusions: _e2, maxMonthlyShare: _m2, contactSources: _c2, ...evasiveRest } = evasive!;
    expect(evasiveRest).toEqual(naiveRest);
  });

  it('the three markets are the same 120,000 customers and the same heterogeneous funders', () => {
    const markets = ['honest-market', 'naive-poacher', 'evasive-poacher'].map((name) => load(name));
    const publicProfile = (s: (typeof markets)[number]) => s.funders.map(({ strategy: _s, ...rest }) => rest);
    for (const s of markets) {
      expect(s.customers.count).toBe(120_000);
      expect(s.days).toBe(365);
      expect(publicProfile(s)).toEqual(publicProfile(markets[0]!));
    }
    const funders = markets[0]!.funders;
    expect(new Set(funders.map((f) => f.type))).toEqual(new Set(['bank', 'consumer-finance', 'other']));
    expect(
      funders.filter((f) => f.type === 'bank' && !f.licensedRegions.includes('*')).length,
    ).toBeGreaterThan(1);
    expect(new Set(funders.map((f) => f.rateBase)).size).toBeGreaterThan(funders.length / 2); // a half-point grid: some share a rate
    expect(new Set(funders.map((f) => JSON.stringify(f.approval))).size).toBe(funders.length);
  });

  it('run small, honest funders leave evidence none of which is poaching; the careful poacher leaves no relay trace', () => {
    const honest = runMarket(load('honest-market', 8000)).report;
    expect(honest.platform.customersLost).toBe(0);
    const total = (kind: 'relayContact' | 'creditReportAccount' | 'borrowerReport') =>
      honest.funders.reduce((sum, f) => sum + f.evidence[kind].total, 0);
    expect(total('relayContact')).toBeGreaterThan(0);
    expect(total('borrowerReport')).toBeGreaterThan(0);
    for (const f of honest.funders)
      for (const tally of Object.values(f.evidence)) expect(tally.fromPoaching).toBe(0);
    const naive = runMarket(load('naive-poacher', 8000)).report;
    const evasive = runMarket(load('evasive-poacher', 8000)).report;
    const naiveP = naive.funders.find((f) => f.truth === 'poacher')!;
    const evasiveP = evasive.funders.find((f) => f.truth === 'poacher')!;
    expect(naiveP.poached).toBeGreaterThan(3 * evasiveP.poached);
    expect(naiveP.evidence.relayContact.fromPoaching).toBeGreaterThan(0);
    expect(evasiveP.evidence.relayContact.fromPoaching).toBe(0);
  });
});

// The scenarios shipped in scenarios/ stay valid and say what their names promise; run small, the
// naive poacher is loud and the evasive one is quiet.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runMarket } from './market.ts';
import type { PoacherStrategy } from './model.ts';
import { parseScenario } from './scenario.ts';

function load(name: string, count?: number) {
  const raw = JSON.parse(readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), 'utf8'));
  if (count !== undefined) raw.customers.count = count;
  const parsed = parseScenario(raw);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

const poachersOf = (name: string) =>
  load(name)
    .funders.map((f) => f.strategy)
    .filter((s): s is PoacherStrategy => s.kind === 'poacher');

describe('shipped scenarios', () => {
  it('honest-market has no poacher; naive-poacher none of the evasions; evasive-poacher the article’s', () => {
    expect(poachersOf('honest-market')).toEqual([]);
    const [naive] = poachersOf('naive-poacher');
    expect(naive!.exclusions).toEqual({ personnel: false, risk: false, region: false });
    expect(naive!.maxMonthlyShare).toBeNull();
    const [evasive] = poachersOf('evasive-poacher');
    expect(evasive!.exclusions).toEqual({ personnel: true, risk: true, region: true });
    expect(evasive!.maxMonthlyShare).toBe(0.03);
    expect(evasive!.contactSource).toBe('broker');
    for (const name of ['honest-market', 'naive-poacher', 'evasive-poacher'])
      expect(load(name).customers.count).toBe(100_000);
  });

  it('run small, the naive poacher takes more customers and leaves relay traces; the evasive one leaves none', () => {
    const naive = runMarket(load('naive-poacher', 8000)).report;
    const evasive = runMarket(load('evasive-poacher', 8000)).report;
    const naiveP = naive.funders.find((f) => f.truth === 'poacher')!;
    const evasiveP = evasive.funders.find((f) => f.truth === 'poacher')!;
    expect(naiveP.poached).toBeGreaterThan(3 * evasiveP.poached);
    expect(naiveP.evidence.relayContacts).toBeGreaterThan(0);
    expect(evasiveP.evidence.relayContacts).toBe(0);
    expect(runMarket(load('honest-market', 8000)).report.platform.customersLost).toBe(0);
  });
});

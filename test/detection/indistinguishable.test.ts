// Canaries are indistinguishable from real customers in everything a funder sees (issue 14 item 1,
// ADR 0077). A population of real applicants and canaries, drawn from one generator, goes through
// the real API (submission, consent, choice, signed webhook dispatch, ledger); canaries are then
// registered and placed by the planner, as production does. From the funders' side only — the
// webhook bodies they receive, when they receive them, and the ledger entries their keys may read
// — each feature's distribution is compared between the two groups: a two-sample Kolmogorov–Smirnov
// test for numeric features (sizes, pseudonym lengths and entropies, delays, entry counts), Pearson's
// chi-square for categorical ones (key sets, pseudonym prefixes, entry kinds). Any canary marker
// (a field, a pseudonym prefix, an entry kind, a delay) separates the groups completely, and with
// 36 of each a complete separation has p < 1e-12, far below the 1e-4 this test accepts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/kernel/index.ts';
import { bandOf } from '../../src/routing/scorecard.ts';
import { ENGINES } from '../support/engines.ts';
import { makeIdNumber } from '../support/fixtures.ts';
import { chiSquareTwoSample, entropyBitsPerChar, ksTwoSample } from '../support/stats.ts';
import { type Applicant, createWorld, type World } from './world.ts';

const SEED = 20260301;
const PER_GROUP = 36;
const FUNDERS = ['fund-a', 'fund-b', 'fund-c'];
/** Below this a difference is called real; a marker gives p < 1e-12. */
const ALPHA = 1e-4;

const NAMES = ['张伟', '王芳', '李娜', '刘洋', '陈静', '杨帆', '欧阳明', '司马云', '赵磊', '黄丽丽'];
const REGIONS = ['110105', '310104', '440305', '320102', '330106'];
const EMPLOYERS = ['某某科技有限公司', '上海某某贸易有限公司', '个体经营', '某某市第一人民医院'];

function population(random: SeededRandom): Array<Applicant & { canary: boolean }> {
  const people: Array<Applicant & { canary: boolean }> = [];
  for (let n = 0; n < PER_GROUP * 2; n++) {
    const year = random.int(1972, 2000);
    const month = String(random.int(1, 12)).padStart(2, '0');
    const day = String(random.int(1, 28)).padStart(2, '0');
    people.push({
      name: random.pick(NAMES),
      idNumber: makeIdNumber(random.pick(REGIONS), `${year}${month}${day}`, String(100 + n)),
      phone: `13${random.int(5, 9)}${String(10_000_000 + n * 7919).slice(-8)}`,
      employer: random.pick(EMPLOYERS),
      monthlyIncomeFen: random.int(8_000, 40_000) * 100,
      amountFen: random.int(20, 150) * 10_000,
      termMonths: random.pick([6, 12, 24]),
      // the bands a poacher takes (and canaries are placed in): A and B
      score: random.int(660, 800),
      canary: n % 2 === 1,
    });
  }
  // shuffle, so submission order says nothing either
  for (let i = people.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [people[i], people[j]] = [people[j]!, people[i]!];
  }
  return people;
}

interface Seen {
  canary: boolean;
  funderId: string;
  webhook: Record<string, unknown>;
  delayMs: number;
  customerRef: string;
  applicationRef: string;
  entries: Array<Record<string, unknown>>;
}

const keyPaths = (value: unknown, prefix = ''): string[] =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value).flatMap(([k, v]) => [`${prefix}${k}`, ...keyPaths(v, `${prefix}${k}.`)])
    : [];
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
const fieldsOf = (s: Seen) => (s.webhook.payload as { fields: Record<string, unknown> }).fields;
const relayOf = (s: Seen) => (fieldsOf(s).relayContact ?? {}) as { phone?: string; email?: string };
const prefixOf = (ref: string) => ref.slice(0, Math.max(0, ref.indexOf('_') + 1)) || ref.slice(0, 3);

describe.each(ENGINES)('canaries look like real customers to funders on %s', (engine) => {
  let w: World;
  const seen: Seen[] = [];

  beforeAll(async () => {
    const random = new SeededRandom(SEED);
    w = await createWorld(engine, FUNDERS);
    const people = population(random);
    const applications: Array<{ person: (typeof people)[number]; id: string; customerId: string }> = [];
    for (const [i, person] of people.entries()) {
      w.h.clock.advance(random.int(1, 300) * 1000);
      applications.push({ person, ...(await w.submit(person, `pop-${SEED}-${i}`)) });
    }
    // The registry: canaries recruited, a budget, the planner's placements (one funder each).
    for (const a of applications.filter((x) => x.person.canary)) {
      const registered = await w.h.call('POST', '/v1/canaries', {
        customerId: a.customerId,
        band: bandOf(a.person.score),
        employerIsPlatformOrPartner: false,
        contactPoints: [{ channel: 'phone', address: a.person.phone }],
      });
      expect(registered.status, JSON.stringify(registered.body)).toBe(201);
      (a as { canaryId?: string }).canaryId = registered.body.id;
    }
    await w.h.call('PUT', '/v1/canaries/budgets/2026-03', {
      budgetFen: 10_000_000,
      costPerPlacementFen: 30_000,
    });
    const plan = await w.h.call('POST', '/v1/canaries/plan', { month: '2026-03', seed: SEED });
    expect(plan.status).toBe(201);
    expect(plan.body.placements).toHaveLength(PER_GROUP);
    const placedWith = new Map<string, string>(
      plan.body.placements.map((p: { canaryId: string; funderId: string }) => [p.canaryId, p.funderId]),
    );
    // Dispatch in a fresh random order; each chooses its funder (canaries: the planned one).
    const order = [...applications];
    for (let i = order.length - 1; i > 0; i--) {
      const j = random.int(0, i);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const a of order) {
      const canaryId = (a as { canaryId?: string }).canaryId;
      const funderId = canaryId ? placedWith.get(canaryId)! : random.pick(FUNDERS);
      w.h.clock.advance(random.int(1, 600) * 1000);
      const mock = w.funders.get(funderId)!;
      const before = mock.received.length;
      const startedMs = w.h.clock.now().getTime();
      await w.dispatch(a.id, funderId);
      expect(mock.received.length).toBe(before + 1);
      const received = mock.received.at(-1)!;
      const fields = received.body.payload.fields as Record<string, string>;
      seen.push({
        canary: a.person.canary,
        funderId,
        webhook: received.body,
        delayMs: received.atMs - startedMs,
        customerRef: fields.customerRef!,
        applicationRef: String(received.body.applicationRef),
        entries: [],
      });
    }
    // The ledger as each funder's key reads it: every entry it may see, by its pseudonym.
    await w.h.services.ledger.integrate();
    const { treeSize } = await w.h.services.ledger.head(w.h.database.db);
    const byRef = new Map(seen.map((s) => [`${s.funderId}/${s.customerRef}`, s]));
    for (const funderId of FUNDERS)
      for (let index = 0; index < treeSize; index++) {
        const response = await w.h.call('GET', `/v1/ledger/entries/${index}`, undefined, {
          key: w.keys.get(funderId)!,
        });
        if (response.status !== 200) continue;
        const entry = response.body.entry as Record<string, unknown>;
        byRef.get(`${funderId}/${String(entry.customerRef)}`)?.entries.push(entry);
      }
  });
  afterAll(() => w?.close());

  const numeric: Record<string, (s: Seen) => number> = {
    'webhook body bytes': (s) => bytes(s.webhook),
    'payload field count': (s) => Object.keys(fieldsOf(s)).length,
    'sharedAt minute of the day': (s) => {
      const at = new Date(String((s.webhook.payload as { sharedAt: string }).sharedAt));
      return at.getUTCHours() * 60 + at.getUTCMinutes();
    },
    'relay email length': (s) => String(relayOf(s).email ?? '').length,
    'customerRef length': (s) => s.customerRef.length,
    'customerRef entropy': (s) => entropyBitsPerChar(s.customerRef),
    'applicationRef length': (s) => s.applicationRef.length,
    'applicationRef entropy': (s) => entropyBitsPerChar(s.applicationRef),
    'dispatch delay after choice (ms)': (s) => s.delayMs,
    'ledger entries the funder can read': (s) => s.entries.length,
    'ledger entry bytes (sum)': (s) => s.entries.reduce((sum, e) => sum + bytes(e), 0),
    'exposure entry bytes': (s) => bytes(s.entries.find((e) => e.kind === 'exposure') ?? {}),
  };
  const categorical: Record<string, (s: Seen) => string> = {
    'webhook key paths': (s) => keyPaths(s.webhook).sort().join(','),
    'customerRef prefix': (s) => prefixOf(s.customerRef),
    'applicationRef prefix': (s) => prefixOf(s.applicationRef),
    'relay phone prefix': (s) => String(relayOf(s).phone ?? 'none').slice(0, 3),
    'masked phone prefix': (s) => String(fieldsOf(s).phone ?? 'none').slice(0, 3),
    'ledger entry kinds': (s) =>
      s.entries
        .map((e) => String(e.kind))
        .sort()
        .join(','),
    'ledger entry key sets': (s) =>
      s.entries
        .map((e) => `${String(e.kind)}:${keyPaths(e).sort().join('+')}`)
        .sort()
        .join('|'),
    'exposure stage and fields': (s) => {
      const exposure = s.entries.find((e) => e.kind === 'exposure');
      return exposure ? `${String(exposure.stage)}:${(exposure.fields as string[]).join('+')}` : 'none';
    },
    funder: (s) => s.funderId,
  };

  it('sees both groups whole: every dispatch, every funder-readable entry', () => {
    expect(seen.filter((s) => s.canary)).toHaveLength(PER_GROUP);
    expect(seen.filter((s) => !s.canary)).toHaveLength(PER_GROUP);
    for (const s of seen) expect(s.entries.map((e) => e.kind)).toContain('exposure');
  });

  it.each(Object.keys(numeric))('%s: the same distribution (two-sample KS)', (feature) => {
    const f = numeric[feature]!;
    const result = ksTwoSample(seen.filter((s) => s.canary).map(f), seen.filter((s) => !s.canary).map(f));
    expect(result.p, `D = ${result.d.toFixed(3)}, p = ${result.p.toExponential(2)}`).toBeGreaterThan(ALPHA);
  });

  it.each(Object.keys(categorical))('%s: the same distribution (chi-square)', (feature) => {
    const f = categorical[feature]!;
    const result = chiSquareTwoSample(
      seen.filter((s) => s.canary).map(f),
      seen.filter((s) => !s.canary).map(f),
    );
    expect(
      result.p,
      `χ² = ${result.chi2.toFixed(2)} (${result.df} df), p = ${result.p.toExponential(2)}`,
    ).toBeGreaterThan(ALPHA);
  });
});

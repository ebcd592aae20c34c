// Property: random and mutated bodies sent to the write routes never produce a 5xx, and a rejected
// request stores nothing (STYLE: bad input gets a clear 4xx, nothing half-written).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.ts';
import { applicationBody } from '../support/fixtures.ts';
import { createHarness, type Harness } from '../support/harness.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 120);

async function rowCount(h: Harness): Promise<number> {
  const [row] = await h.database.query<{ n: number }>(
    `SELECT ((SELECT count(*) FROM customers) + (SELECT count(*) FROM applications) + (SELECT count(*) FROM application_events)
      + (SELECT count(*) FROM idempotency_keys) + (SELECT count(*) FROM funders) + (SELECT count(*) FROM products)
      + (SELECT count(*) FROM contracts) + (SELECT count(*) FROM outbox))::int AS n`,
  );
  return row!.n;
}

/** Replace the value at a random path of a valid body with an arbitrary value, or delete it. */
function mutated<T extends object>(valid: T) {
  const paths: string[][] = [];
  const walk = (value: unknown, path: string[]) => {
    paths.push(path);
    if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(valid, []);
  return fc
    .record({
      path: fc.constantFrom(...paths.filter((p) => p.length > 0)),
      value: fc.option(fc.jsonValue(), { nil: undefined }),
    })
    .map(({ path, value }) => {
      const copy = structuredClone(valid) as Record<string, unknown>;
      let target = copy;
      for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
      if (value === undefined) delete target[path.at(-1)!];
      else target[path.at(-1)!] = value;
      return copy;
    });
}

const validProduct = {
  name: '信用贷',
  minAmountFen: 100_000,
  maxAmountFen: 5_000_000,
  termsMonths: [12],
  rateAnnualMin: 0.1,
  rateAnnualMax: 0.15,
  methods: ['equal-installment'],
  fees: [{ kind: 'monthly', amountFen: 500 }],
  ageMin: 20,
  ageMax: 55,
  minScore: 550,
};

describe.each(ENGINES)('random bodies on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(engine);
    await h.call('POST', '/v1/funders', { id: 'fz', name: 'fz', type: 'bank', licensedRegions: ['*'] });
  });
  afterAll(() => h.close());

  const targets: Array<[string, string, object]> = [
    ['POST', '/v1/applications', applicationBody()],
    [
      'POST',
      '/v1/funders',
      { id: 'fz-new', name: '资方', type: 'consumer-finance', licensedRegions: ['44', '4403'] },
    ],
    ['POST', '/v1/funders/fz/products', validProduct],
  ];

  it.each(targets)('%s %s: never 5xx, nothing stored when rejected', async (method, url, valid) => {
    let counter = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutated(valid), fc.jsonValue(), fc.string()), async (body) => {
        const before = await rowCount(h);
        const response = await h.call(
          method,
          url,
          typeof body === 'string' ? body : (JSON.stringify(body) ?? 'null'),
          {
            headers: { 'idempotency-key': `fuzz-${++counter}-${Math.random()}` },
          },
        );
        expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
        if (response.status >= 400) {
          expect(response.body.error.code).toMatch(/^[a-z_]+$/);
          expect(await rowCount(h)).toBe(before);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

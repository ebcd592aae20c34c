// POST /v1/applications under concurrency, where submissions share statements (ADR 0034): repeats of
// one Idempotency-Key give one application and the same answer, one person gives one customer
// (created once, one origination entry), and every answer kept for a key is the answer sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoCatalog } from '../../src/catalog/demo.ts';
import { auditLedger } from '../../src/ledger/audit.ts';
import { ENGINES } from '../support/engines.ts';
import { applicationBody, makeIdNumber } from '../support/fixtures.ts';
import { createHarness, type Harness } from '../support/harness.ts';

describe.each(ENGINES)('concurrent submissions on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(engine, { services: { submissionGrouping: { maxBatch: 8, maxInFlight: 2 } } });
    await h.services.units.run((unit) => seedDemoCatalog(unit, h.services.catalog));
  });
  afterAll(async () => h?.close());

  it('keeps one application per key, one customer per person, and the answers it sent', async () => {
    const submit = (body: unknown, key: string) =>
      h.call('POST', '/v1/applications', body, { headers: { 'idempotency-key': key } });
    const samePerson = makeIdNumber('310104', '19880512', '271');
    const requests = [
      // the same request three times with one key
      ...Array.from({ length: 3 }, () => ({
        body: applicationBody({ idNumber: makeIdNumber('110105', '19900307', '501') }),
        key: 'repeat',
      })),
      // one person, three applications
      ...Array.from({ length: 3 }, (_, i) => ({
        body: applicationBody({ idNumber: samePerson, amountFen: 1_000_000 * (i + 1) }),
        key: `same-person-${i}`,
      })),
      // twenty different people
      ...Array.from({ length: 20 }, (_, i) => ({
        body: applicationBody({ idNumber: makeIdNumber('440305', '19920101', String(600 + i)) }),
        key: `distinct-${i}`,
      })),
    ];
    const responses = await Promise.all(requests.map((r) => submit(r.body, r.key)));
    expect(responses.map((r) => r.status)).toEqual(requests.map(() => 201));

    const repeats = responses.slice(0, 3);
    expect(new Set(repeats.map((r) => r.body.id)).size).toBe(1);
    expect(repeats.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(2);
    for (const r of repeats) expect(r.body).toEqual(repeats[0]!.body);

    const person = responses.slice(3, 6);
    expect(new Set(person.map((r) => r.body.customerId)).size).toBe(1);
    expect(person.filter((r) => r.body.customerCreated === true)).toHaveLength(1);
    expect(new Set(person.map((r) => r.body.id)).size).toBe(3);

    // what is stored is what was answered, key by key
    const kept = await h.database.query<{ key: string; response_body: Record<string, unknown> }>(
      `SELECT key, response_body FROM idempotency_keys WHERE key = ANY($1)`,
      [requests.map((r) => r.key)],
    );
    expect(kept).toHaveLength(24);
    const sent = new Map(requests.map((r, i) => [r.key, responses[i]!.body]));
    for (const row of kept) expect(JSON.parse(JSON.stringify(row.response_body))).toEqual(sent.get(row.key));

    const [counts] = await h.database.query<{ apps: number; customers: number; originations: number }>(
      `SELECT (SELECT count(*)::int FROM applications) AS apps,
              (SELECT count(*)::int FROM customers) AS customers,
              (SELECT count(*)::int FROM ledger_entries WHERE kind = 'origination') AS originations`,
    );
    expect(counts).toEqual({ apps: 24, customers: 22, originations: 22 });
    // entries written several to a statement (one transaction id) integrate into one consistent tree
    const integrated = await h.services.ledger.integrate();
    expect(integrated.treeSize).toBe(
      (await h.database.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_entries'))[0]!.n,
    );
    const audit = await auditLedger(h.database.db, h.services.ledger);
    expect(audit.problems).toEqual([]);
    expect(audit.ok).toBe(true);
    expect(audit.treeSize).toBe(integrated.treeSize);
    expect(audit.leavesChecked).toBeGreaterThanOrEqual(22);
    const grouped = h.services.intake.groupingStats(h.database.run);
    expect(grouped!.writes.parts).toBeGreaterThanOrEqual(22);
    // PostgreSQL answers asynchronously, so submissions queue behind the two statements in flight
    // and share the next ones (PGlite answers each statement before the next request arrives)
    if (engine === 'postgres') expect(grouped!.lookups.statements).toBeLessThan(grouped!.lookups.parts);
  });
});

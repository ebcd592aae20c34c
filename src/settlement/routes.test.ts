// Settlement over HTTP on both engines: roles, a funder sees only its own statements (another's is
// 404), the typed refusals of issue 16's bad-input list, Idempotency-Key replay, and fuzzed
// dispute bodies (world text, huge numbers) that never answer 5xx and leave nothing half-written.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/support/engines.ts';
import { createHarness, type Harness } from '../../test/support/harness.ts';
import { tableRows } from '../../test/support/rows.ts';
import { worldText } from '../../test/support/text.ts';
import { insertShare } from '../sharing/store.ts';
import { Pseudonymiser } from '../sharing/pseudonym.ts';
import { statementHash } from './statement.ts';
import { bookLoan, seedFunder, TEST_TERMS } from './testing.ts';

describe.each(ENGINES)('settlement routes on %s', (engine) => {
  let h: Harness;
  let f1Key: string;
  let f2Key: string;
  let analystKey: string;

  beforeAll(async () => {
    h = await createHarness(engine, { start: '2026-04-03T00:00:00Z' });
    await seedFunder(h.services, 'f1');
    await seedFunder(h.services, 'f2');
    await bookLoan(h.services, {
      id: 'L1',
      funderId: 'f1',
      customerId: 'cus-a',
      principalFen: 20_000_00,
      bookedAt: new Date('2026-03-05T00:00:00Z'),
    });
    await bookLoan(h.services, {
      id: 'L2',
      funderId: 'f1',
      customerId: 'cus-b',
      principalFen: 1_234_56,
      bookedAt: new Date('2026-03-06T00:00:00Z'),
    });
    const key = async (role: 'funder' | 'analyst', funderId: string | null) =>
      (await h.services.access.issueKey(h.database.db, { role, funderId, label: `${role} ${funderId}` }))
        .secret;
    f1Key = await key('funder', 'f1');
    f2Key = await key('funder', 'f2');
    analystKey = await key('analyst', null);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('drafts (dry run), issues once, lists; a second issuance is a typed 409', async () => {
    const draft = await h.call(
      'POST',
      '/v1/settlement/drafts',
      { funderId: 'f1', period: '2026-03' },
      { key: analystKey },
    );
    expect(draft.status).toBe(200);
    // 20,000.00 × 2% = 400.00; 1,234.56 × 2% = 24.6912 → 24.69
    expect(draft.body.lines.map((l: { amountFen: number }) => l.amountFen)).toEqual([400_00, 24_69]);
    expect(draft.body.lines[0].customerRef).toMatch(/^cref_/);
    expect(JSON.stringify(draft.body)).not.toContain('cus-a');
    expect((await h.call('GET', '/v1/settlement/statements')).body.statements).toEqual([]);

    const headers = { 'idempotency-key': 'issue-f1-2026-03' };
    const issued = await h.call(
      'POST',
      '/v1/settlement/statements',
      { funderId: 'f1', period: '2026-03' },
      { headers },
    );
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ status: 'issued', totalFen: 424_69, owedBy: 'funder' });
    const replay = await h.call(
      'POST',
      '/v1/settlement/statements',
      { funderId: 'f1', period: '2026-03' },
      { headers },
    );
    expect([replay.status, replay.headers['idempotent-replayed'], replay.body]).toEqual([
      201,
      'true',
      issued.body,
    ]);
    const again = await h.call('POST', '/v1/settlement/statements', { funderId: 'f1', period: '2026-03' });
    expect([again.status, again.body.error.code]).toEqual([409, 'statement_already_issued']);
    const early = await h.call('POST', '/v1/settlement/statements', { funderId: 'f1', period: '2026-04' });
    expect([early.status, early.body.error.code]).toEqual([409, 'period_not_ended']);
    const unknown = await h.call('POST', '/v1/settlement/statements', {
      funderId: 'nobody',
      period: '2026-03',
    });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'funder_not_found']);
    expect(
      (await h.call('GET', '/v1/settlement/statements?period=2026-03', undefined, { key: analystKey })).body
        .statements,
    ).toHaveLength(1);
  });

  it('a funder reads its own statement, checks its hash, and gets 404 for another funder’s', async () => {
    const own = await h.call('GET', '/v1/settlement/statements/stm-f1-2026-03', undefined, { key: f1Key });
    expect(own.status).toBe(200);
    // the funder recomputes the hash the ledger recorded from what it was sent
    expect(statementHash(own.body.document)).toBe(own.body.statement.statementHash);
    const other = await h.call('GET', '/v1/settlement/statements/stm-f1-2026-03', undefined, { key: f2Key });
    expect([other.status, other.body.error.code]).toEqual([404, 'statement_not_found']);
    expect(
      (await h.call('GET', '/v1/settlement/statements', undefined, { key: f2Key })).body.statements,
    ).toEqual([]);
    const dispute = await h.call(
      'POST',
      '/v1/settlement/statements/stm-f1-2026-03/disputes',
      { lineNos: [1], reason: '不是我方放款' },
      { key: f2Key },
    );
    expect([dispute.status, dispute.body.error.code]).toEqual([404, 'statement_not_found']);
  });

  it('disputes: a missing line, a draft month; admin resolves; a contract from today on is accepted', async () => {
    const url = '/v1/settlement/statements/stm-f1-2026-03/disputes';
    const missing = await h.call('POST', url, { lineNos: [3], reason: '无此贷款' }, { key: f1Key });
    expect([missing.status, missing.body.error.code]).toEqual([400, 'statement_line_not_found']);
    const draftMonth = await h.call(
      'POST',
      '/v1/settlement/statements/stm-f1-2026-02/disputes',
      { lineNos: [1], reason: 'x' },
      { key: f1Key },
    );
    expect([draftMonth.status, draftMonth.body.error.code]).toEqual([404, 'statement_not_found']);
    const opened = await h.call('POST', url, { lineNos: [2], reason: '贷款已撤销' }, { key: f1Key });
    expect(opened.status).toBe(201);
    const id = opened.body.disputes[0].id;
    const notAdmin = await h.call(
      'POST',
      `/v1/settlement/disputes/${id}/resolution`,
      { outcome: 'withdrawn' },
      { key: f1Key },
    );
    expect(notAdmin.status).toBe(403);
    const resolved = await h.call('POST', `/v1/settlement/disputes/${id}/resolution`, { outcome: 'upheld' });
    expect(resolved.body).toMatchObject({ status: 'upheld' });
    const flip = await h.call('POST', `/v1/settlement/disputes/${id}/resolution`, { outcome: 'withdrawn' });
    expect([flip.status, flip.body.error.code]).toEqual([409, 'dispute_already_resolved']);
    const contract = await h.call('POST', '/v1/funders/f1/contracts', TEST_TERMS);
    // today (3 April) is after March's end: allowed (a back-dated one: settlement.storage.test.ts)
    expect(contract.status).toBe(201);
  });

  it('declared conversions: once per customer, only a customer shared with the funder, on the next statement', async () => {
    const ref = new Pseudonymiser(h.services.masterKey).customerRef('f1', 'cus-a');
    await insertShare(h.database.db, {
      id: 'shr-1',
      funderId: 'f1',
      customerId: 'cus-a',
      applicationId: 'app-L1',
      stage: 'application',
      customerRef: ref,
      applicationRef: 'aref_x',
      fields: [],
      payloadHash: '00',
      consentId: 'cns-1',
      policyVersion: 1,
      exposureEntryId: 'ent-1',
      sharedAt: new Date('2026-03-05T00:00:00Z'),
    });
    const declare = (customerRef: string, key: string) =>
      h.call('POST', '/v1/funder/conversions', { customerRef }, { key });
    const first = await declare(ref, f1Key);
    expect([first.status, first.body.feeFen, first.body.customerRef]).toEqual([201, 800_00, ref]);
    expect((await declare(ref, f1Key)).body).toEqual(first.body);
    const stranger = await declare(ref, f2Key); // f1's pseudonym means nothing for f2
    expect([stranger.status, stranger.body.error.code]).toEqual([404, 'conversion_customer_not_exposed']);
    const unknown = await declare('cref_nobody', f1Key);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'conversion_customer_not_exposed']);
    const admin = await h.call('POST', '/v1/funder/conversions', { customerRef: ref });
    expect(admin.status).toBe(403);
    const entries = await h.database.query<{ body: string }>(
      "SELECT body FROM ledger_entries WHERE kind = 'conversion' LIMIT 10",
    );
    expect(entries).toHaveLength(1);
    expect(JSON.parse(entries[0]!.body)).toMatchObject({
      kind: 'conversion',
      conversionId: first.body.id,
      feeFen: 800_00,
    });

    h.clock.set('2026-05-02T00:00:00Z');
    const april = await h.call('POST', '/v1/settlement/statements', { funderId: 'f1', period: '2026-04' });
    expect(april.status).toBe(201);
    const read = await h.call('GET', `/v1/settlement/statements/${april.body.id}`, undefined, { key: f1Key });
    expect(
      read.body.document.lines.map((l: { source: string; amountFen: number }) => [l.source, l.amountFen]),
    ).toEqual([
      [`conversion:${first.body.id}`, 800_00], // the contract's conversion fee, accepted on 3 April
    ]);
  });

  it('fuzzed dispute bodies and months: never 5xx, nothing half-written', async () => {
    const before = await tableRows(h);
    const huge = fc.oneof(
      fc.integer(),
      fc.constantFrom(0, -1, 2 ** 53, Number.MAX_SAFE_INTEGER, 1e308, -0),
      fc.double(),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({ lineNos: fc.array(huge, { maxLength: 5 }), reason: worldText(600) }),
        fc.oneof(worldText(12), fc.constantFrom('2026-13', '1999-12', '2026-3', '2026-03')),
        async (body, period) => {
          const d = await h.call('POST', '/v1/settlement/statements/stm-f2-2026-03/disputes', body, {
            key: f2Key,
          });
          expect(d.status).toBeLessThan(500);
          const s = await h.call('POST', '/v1/settlement/drafts', { funderId: 'f2', period });
          expect(s.status).toBeLessThan(500);
          const i = await h.call('POST', '/v1/settlement/statements', { funderId: 'zz', period });
          expect(i.status).toBeLessThan(500);
        },
      ),
      { numRuns: 40, seed: 20_261_203 },
    );
    expect(await tableRows(h)).toEqual(before);
  });
});

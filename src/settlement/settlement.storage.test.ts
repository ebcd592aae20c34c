// Settlement on both engines: the database refuses an unbalanced posting and any change to the
// journal; a month issued once is refused the second time with the journal unchanged; a dispute
// withdrawn becomes an adjustment on the next statement; the ledger records the statement's hash;
// a contract cannot take effect inside a stated month.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, freshDatabase, type TestDatabase } from '../../test/support/engines.ts';
import { ManualClock } from '../kernel/index.ts';
import { createServices, type Services } from '../services.ts';
import { SettlementService } from './service.ts';
import { statementHash } from './statement.ts';
import { bookLoan, seedFunder, TEST_TERMS } from './testing.ts';

const funderPrincipal = (funderId: string) => ({
  keyId: 'k',
  role: 'funder' as const,
  funderId,
  customerId: null,
});

async function journal(database: TestDatabase) {
  return database.query(
    'SELECT id, statement_id, line_no, source, accounts, amounts_fen::text AS amounts, amount_fen::text AS amount FROM settlement_postings ORDER BY id LIMIT 10000',
  );
}

describe.each(ENGINES)('settlement storage on %s', (engine) => {
  let database: TestDatabase;
  let services: Services;
  const clock = new ManualClock('2026-04-02T02:00:00Z');

  beforeAll(async () => {
    database = await freshDatabase(engine);
    services = createServices({ database, masterKey: randomBytes(32), clock });
    await seedFunder(services, 'f1');
    await seedFunder(services, 'f2');
    // March (Shanghai): two loans for f1 at 2%, one for f2; one f1 loan the instant April begins
    await bookLoan(services, {
      id: 'L1',
      funderId: 'f1',
      customerId: 'A',
      principalFen: 10_000_00,
      bookedAt: new Date('2026-02-28T16:00:00Z'),
    });
    await bookLoan(services, {
      id: 'L2',
      funderId: 'f1',
      customerId: 'B',
      principalFen: 3_333_33,
      bookedAt: new Date('2026-03-31T15:59:59.999Z'),
    });
    await bookLoan(services, {
      id: 'L3',
      funderId: 'f2',
      customerId: 'C',
      principalFen: 1_000_00,
      bookedAt: new Date('2026-03-10T00:00:00Z'),
    });
    await bookLoan(services, {
      id: 'L4',
      funderId: 'f1',
      customerId: 'A',
      principalFen: 5_000_00,
      bookedAt: new Date('2026-03-31T16:00:00Z'),
    });
    await services.settlement.recordFinding(database.db, {
      findingId: 'F1',
      customerId: 'A',
      funderId: 'f1',
      confirmedAt: new Date('2026-03-20T00:00:00Z'),
    });
    // recorded twice: counted once
    await services.settlement.recordFinding(database.db, {
      findingId: 'F1',
      customerId: 'A',
      funderId: 'f1',
      confirmedAt: new Date('2026-03-20T00:00:00Z'),
    });
  });
  afterAll(async () => {
    for (const hook of services?.stopHooks ?? []) await hook();
    await database?.close();
  });

  it('refuses an unbalanced posting, and any UPDATE, DELETE or TRUNCATE of the journal', async () => {
    const insert = (amounts: string) =>
      database.query(
        `INSERT INTO settlement_postings (id, statement_id, funder_id, line_no, kind, source, amount_fen, accounts, amounts_fen, memo, created_at)
         VALUES ('x', 's', 'f9', 1, 'service-fee', 'x', 1, ARRAY['a','b'], ${amounts}, '{}', now())`,
      );
    await expect(insert('ARRAY[100, -99]::bigint[]')).rejects.toThrow(/settlement_postings_balanced/);
    await expect(insert('ARRAY[100]::bigint[]')).rejects.toThrow(/settlement_postings_balanced/);
    await expect(insert('ARRAY[100, -100, 0]::bigint[]')).rejects.toThrow(/settlement_postings_legs/);
    await insert('ARRAY[1, -1]::bigint[]');
    await expect(
      database.query("UPDATE settlement_postings SET amount_fen = 2 WHERE id = 'x'"),
    ).rejects.toThrow(/append-only/);
    await expect(database.query("DELETE FROM settlement_postings WHERE id = 'x'")).rejects.toThrow(
      /append-only/,
    );
    await expect(database.query('TRUNCATE settlement_postings')).rejects.toThrow(/append-only/);
  });

  it('drafts without writing, then issues March once: lines, totals, the ledger entry', async () => {
    const draft = await services.settlement.draft(database.db, 'f1', '2026-03');
    expect(draft.lines.map((l) => [l.source, l.amountFen])).toEqual([
      ['fee:L1', 200_00], // 10,000.00 × 2%, booked at 00:00 on 1 March Shanghai
      ['fee:L2', 66_67], // 3,333.33 × 2% = 66.6666 → 66.67; booked the last millisecond of March
      // 500.00 + 3 × (200.00 on A this month) = 1,100.00; L4 is April's
      ['penalty:F1:A', 1_100_00],
    ]);
    expect(draft.totalFen).toBe(1_366_67);
    expect(await database.query("SELECT 1 FROM settlement_postings WHERE funder_id = 'f1' LIMIT 1")).toEqual(
      [],
    );

    const issued = await services.settlement.issue('f1', '2026-03');
    expect(issued).toMatchObject({ status: 'issued', totalFen: 1_366_67, lineCount: 3, owedBy: 'funder' });
    expect(issued.statementHash).toBe(statementHash(draft));
    const document = await services.settlement.document(database.db, issued);
    expect(statementHash(document)).toBe(issued.statementHash);
    const entries = await database.query<{ kind: string; body: string }>(
      "SELECT kind, body FROM ledger_entries WHERE kind = 'statement' LIMIT 10",
    );
    expect(entries).toHaveLength(1);
    expect(JSON.parse(entries[0]!.body)).toMatchObject({
      kind: 'statement',
      statementId: issued.id,
      statementHash: issued.statementHash,
      totalFen: 1_366_67,
      period: '2026-03',
    });
  });

  it('a second issuance of the month is refused and writes nothing', async () => {
    const before = await journal(database);
    await expect(services.settlement.issue('f1', '2026-03')).rejects.toMatchObject({
      code: 'statement_already_issued',
    });
    expect(await journal(database)).toEqual(before);
    expect(await database.query("SELECT 1 FROM ledger_entries WHERE kind = 'statement'")).toHaveLength(1);
  });

  it('refuses a month not yet over, and a contract taking effect inside a stated month', async () => {
    await expect(services.settlement.issue('f1', '2026-04')).rejects.toMatchObject({
      code: 'period_not_ended',
    });
    await expect(
      services.units.run((unit) =>
        services.catalog.createContract(unit, 'f1', TEST_TERMS, new Date('2026-03-31T00:00:00Z')),
      ),
    ).rejects.toMatchObject({ code: 'contract_alters_issued_statement' });
    // from the first instant of April on, it may
    await services.units.run((unit) =>
      services.catalog.createContract(
        unit,
        'f1',
        { ...TEST_TERMS, serviceFee: { basis: 'disbursed', rate: 0.01 } },
        new Date('2026-03-31T16:00:00Z'),
      ),
    );
  });

  it('disputes: a draft, a missing line, another funder; a withdrawn line is refunded next month', async () => {
    const id = SettlementService.statementId('f1', '2026-03');
    const dispute = (funderId: string, lineNos: number[], reason = '贷款已取消') =>
      services.units.run((unit) =>
        services.settlement.dispute(unit, funderPrincipal(funderId), id, { lineNos, reason }),
      );
    await expect(dispute('f2', [1])).rejects.toMatchObject({ code: 'statement_not_found' });
    await expect(dispute('f1', [9])).rejects.toMatchObject({ code: 'statement_line_not_found' });
    const [opened] = await dispute('f1', [2]);
    expect(opened).toMatchObject({ lineNo: 2, status: 'open' });
    expect(await dispute('f1', [2])).toEqual([opened]); // a rerun answers the same
    await expect(dispute('f1', [2], 'other')).rejects.toMatchObject({ code: 'line_already_disputed' });
    const resolve = (outcome: 'upheld' | 'withdrawn') =>
      services.units.run((unit) => services.settlement.resolve(unit, opened!.id, outcome, 'admin'));
    await resolve('withdrawn');
    await resolve('withdrawn');
    await expect(resolve('upheld')).rejects.toMatchObject({ code: 'dispute_already_resolved' });
    expect((await services.settlement.visible(database.db, funderPrincipal('f1'), id)).status).toBe(
      'resolved',
    );

    clock.set(new Date('2026-05-01T00:00:00Z'));
    const april = await services.settlement.issue('f1', '2026-04');
    const lines = (await services.settlement.document(database.db, april)).lines;
    expect(lines.map((l) => [l.source, l.amountFen])).toEqual([
      ['fee:L4', 50_00], // 5,000.00 × 1% (April's contract)
      [`adjustment:${opened!.id}`, -66_67], // March's line 2 refunded
    ]);
    expect(april.totalFen).toBe(50_00 - 66_67);
    // f2's statements are its own; a statement of a draft month does not exist
    await expect(
      services.units.run((unit) =>
        services.settlement.dispute(
          unit,
          funderPrincipal('f2'),
          SettlementService.statementId('f2', '2026-03'),
          { lineNos: [1], reason: 'x' },
        ),
      ),
    ).rejects.toMatchObject({ code: 'statement_not_found' });
  });
});

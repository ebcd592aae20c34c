// The statement core against hand-computed months (the arithmetic beside each figure), the
// Shanghai month boundaries, and properties: every line balances, the total is the sum of lines,
// and a line's source is never charged twice.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ContractTerms } from '../catalog/model.ts';
import { worldText } from '../../test/support/text.ts';
import { accountName } from './model.ts';
import { periodOf, periodWindow } from './period.ts';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../kernel/index.ts';
import {
  type ContractSpan,
  computeStatement,
  funderView,
  isBalanced,
  type StatementInputs,
  statementHash,
} from './statement.ts';

const terms = (
  over: Partial<ContractTerms> = {},
  noBackflow: Partial<ContractTerms['noBackflow']> = {},
): ContractTerms => ({
  serviceFee: { basis: 'disbursed', rate: 0.02 },
  noBackflow: {
    enabled: true,
    penaltyPerCustomerFen: 500_00,
    serviceFeeMultiple: 3,
    terminationThreshold: 3,
    ...noBackflow,
  },
  conversionFeeFen: 800_00,
  maxPenaltyRateAnnual: 0.24,
  auditRights: { creditReportCrossCheck: true, canaries: true, relayContacts: true },
  ...over,
});
const span = (
  id: string,
  t: ContractTerms,
  from = '2026-01-01T00:00:00Z',
  to: string | null = null,
): ContractSpan => ({
  id,
  terms: t,
  effectiveFrom: new Date(from),
  effectiveTo: to ? new Date(to) : null,
});
const base = (over: Partial<StatementInputs>): StatementInputs => ({
  statementId: 'stm-f1-2026-03',
  funderId: 'f1',
  period: '2026-03',
  contracts: [span('c1', terms())],
  loans: [],
  collections: [],
  findings: [],
  conversions: [],
  adjustments: [],
  priorServiceFeeByCustomer: new Map(),
  customerRef: (c) => `cref_${c}`,
  ...over,
});
const at = (iso: string) => new Date(iso);

describe('Asia/Shanghai months', () => {
  it('start at 00:00 Shanghai on the 1st (16:00 UTC the day before)', () => {
    expect(periodWindow('2026-03')).toEqual({
      from: at('2026-02-28T16:00:00Z'),
      to: at('2026-03-31T16:00:00Z'),
    });
    expect(periodWindow('2026-12').to).toEqual(at('2026-12-31T16:00:00Z'));
    expect(periodOf(at('2026-02-28T15:59:59.999Z'))).toBe('2026-02');
    expect(periodOf(at('2026-02-28T16:00:00.000Z'))).toBe('2026-03');
    expect(periodOf(at('2026-03-31T15:59:59.999Z'))).toBe('2026-03');
    expect(periodOf(at('2026-03-31T16:00:00.000Z'))).toBe('2026-04');
  });

  it('a loan booked at the boundary instant belongs to the month that starts there', () => {
    const loan = { loanId: 'l', customerId: 'c', principalFen: 100, bookedAt: at('2026-02-28T16:00:00Z') };
    expect(computeStatement(base({ loans: [loan] })).lines).toHaveLength(1);
    expect(() =>
      computeStatement(base({ loans: [{ ...loan, bookedAt: at('2026-02-28T15:59:59.999Z') }] })),
    ).toThrow(/outside 2026-03/);
  });
});

describe('hand-computed months', () => {
  it('fees on each basis, a penalty, a conversion and a withdrawn dispute', () => {
    const contracts = [
      // disbursed 2% until 10 Mar 00:00 Shanghai, then fixed ¥30 a loan until 20 Mar, then 10% of interest
      span('c1', terms(), '2026-01-01T00:00:00Z', '2026-03-09T16:00:00Z'),
      span(
        'c2',
        terms({ serviceFee: { basis: 'fixed', rate: 0, fixedFen: 30_00 } }),
        '2026-03-09T16:00:00Z',
        '2026-03-19T16:00:00Z',
      ),
      span('c3', terms({ serviceFee: { basis: 'interest', rate: 0.1 } }), '2026-03-19T16:00:00Z'),
    ];
    const doc = computeStatement(
      base({
        contracts,
        loans: [
          { loanId: 'L1', customerId: 'A', principalFen: 10_000_00, bookedAt: at('2026-03-02T01:00:00Z') }, // c1
          { loanId: 'L2', customerId: 'B', principalFen: 3_333_33, bookedAt: at('2026-03-05T01:00:00Z') }, // c1
          { loanId: 'L3', customerId: 'A', principalFen: 5_000_00, bookedAt: at('2026-03-12T01:00:00Z') }, // c2
          { loanId: 'L4', customerId: 'C', principalFen: 8_000_00, bookedAt: at('2026-03-25T01:00:00Z') }, // c3: no booking fee
        ],
        collections: [
          {
            repaymentId: 'r1',
            loanId: 'L0',
            customerId: 'A',
            interestFen: 150_05,
            collectedAt: at('2026-03-21T01:00:00Z'),
          },
          {
            repaymentId: 'r2',
            loanId: 'L0',
            customerId: 'A',
            interestFen: 49_95,
            collectedAt: at('2026-03-28T01:00:00Z'),
          },
          // collected under c1 (a disbursed basis): no interest line
          {
            repaymentId: 'r3',
            loanId: 'L9',
            customerId: 'B',
            interestFen: 99_00,
            collectedAt: at('2026-03-03T01:00:00Z'),
          },
        ],
        findings: [{ findingId: 'F1', customerId: 'A', confirmedAt: at('2026-03-15T01:00:00Z') }], // under c2
        conversions: [
          { conversionId: 'V1', customerId: 'D', feeFen: 800_00, declaredAt: at('2026-03-16T01:00:00Z') },
        ],
        adjustments: [{ disputeId: 'D1', statementId: 'stm-f1-2026-02', lineNo: 4, lineAmountFen: 120_00 }],
        priorServiceFeeByCustomer: new Map([['A', 40_00]]),
      }),
    );
    const byLine = doc.lines.map((l) => [l.source, l.amountFen]);
    expect(byLine).toEqual([
      ['fee:L1', 200_00], // 10,000.00 × 2% = 200.00
      ['fee:L2', 66_67], // 3,333.33 × 2% = 66.6666 → 66.67 (half-up)
      ['fee:L3', 30_00], // fixed ¥30.00 (c2)
      ['interest:L0:2026-03:c3', 20_00], // (150.05 + 49.95) × 10% = 20.00
      // 500.00 fixed + 3 × A's fees (40.00 earlier + 200.00 L1 + 30.00 L3 + 20.00 interest = 290.00) = 500 + 870 = 1,370.00
      ['penalty:F1:A', 1_370_00],
      ['conversion:V1', 800_00], // the fee declared
      ['adjustment:D1', -120_00], // February's line 4 refunded
    ]);
    // 200 + 66.67 + 30 + 20 + 1,370 + 800 − 120 = 2,366.67, owed by the funder
    expect(doc.totalFen).toBe(2_366_67);
    expect(doc.owedBy).toBe('funder');
    expect(doc.lines.map((l) => l.lineNo)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(doc.lines[6]!.accounts).toEqual([
      accountName('f1', 'adjustments'),
      accountName('f1', 'receivable'),
    ]);
    expect(doc.lines[6]!.amountsFen).toEqual([120_00, -120_00]);
  });

  it('a cap per month bites: the line that crosses it is cut, later ones vanish', () => {
    const capped = terms(
      {},
      { penaltyPerCustomerFen: 1_000_00, serviceFeeMultiple: 0, penaltyCapPerPeriodFen: 2_500_00 },
    );
    const doc = computeStatement(
      base({
        contracts: [span('c1', capped)],
        findings: ['A', 'B', 'C', 'D'].map((c, i) => ({
          findingId: 'F1',
          customerId: c,
          confirmedAt: at(`2026-03-1${i}T01:00:00Z`),
        })),
      }),
    );
    // 1,000 + 1,000 = 2,000; C: min(1,000, 2,500 − 2,000) = 500; D: 0 (left out)
    expect(doc.lines.map((l) => l.amountFen)).toEqual([1_000_00, 1_000_00, 500_00]);
    expect(doc.lines[2]!.memo).toMatchObject({ uncappedFen: 1_000_00, capFen: 2_500_00 });
    expect(doc.totalFen).toBe(2_500_00);
  });

  it('only refunds: the platform owes the funder', () => {
    const doc = computeStatement(
      base({ adjustments: [{ disputeId: 'D', statementId: 's', lineNo: 1, lineAmountFen: 5_00 }] }),
    );
    expect([doc.totalFen, doc.owedBy]).toEqual([-5_00, 'platform']);
  });

  it('the clause disabled: no penalty', () => {
    const doc = computeStatement(
      base({
        contracts: [span('c1', terms({}, { enabled: false }))],
        findings: [{ findingId: 'F', customerId: 'A', confirmedAt: at('2026-03-10T00:00:00Z') }],
      }),
    );
    expect(doc.lines).toEqual([]);
  });
});

describe('properties', () => {
  const inMarch = fc
    .integer({ min: periodWindow('2026-03').from.getTime(), max: periodWindow('2026-03').to.getTime() - 1 })
    .map((t) => new Date(t));
  const id = worldText(12).filter((s) => s.length > 0);
  const inputs = fc.record({
    loans: fc.uniqueArray(
      fc.record({
        loanId: id,
        customerId: id,
        principalFen: fc.integer({ min: 0, max: 10_000_000_000_000 }),
        bookedAt: inMarch,
      }),
      { selector: (l) => l.loanId, maxLength: 30 },
    ),
    collections: fc.uniqueArray(
      fc.record({
        repaymentId: id,
        loanId: id,
        customerId: id,
        interestFen: fc.integer({ min: 0, max: 1e10 }),
        collectedAt: inMarch,
      }),
      { selector: (c) => c.repaymentId, maxLength: 30 },
    ),
    findings: fc.uniqueArray(fc.record({ findingId: id, customerId: id, confirmedAt: inMarch }), {
      selector: (f) => `${f.findingId}\u0000${f.customerId}`,
      maxLength: 10,
    }),
    rate: fc.double({ min: 0, max: 0.99, noNaN: true }),
    basis: fc.constantFrom('disbursed' as const, 'interest' as const, 'fixed' as const),
    fixedFen: fc.integer({ min: 0, max: 1e9 }),
    cap: fc.option(fc.integer({ min: 0, max: 1e9 }), { nil: undefined }),
  });

  it('every line balances, the total is the sum of lines, no source twice, the cap holds', () => {
    fc.assert(
      fc.property(inputs, (x) => {
        const t = terms(
          { serviceFee: { basis: x.basis, rate: x.rate, fixedFen: x.fixedFen } },
          x.cap === undefined ? {} : { penaltyCapPerPeriodFen: x.cap },
        );
        const input = base({
          contracts: [span('c1', t)],
          loans: x.loans,
          collections: x.collections,
          findings: x.findings,
        });
        let doc: ReturnType<typeof computeStatement>;
        try {
          doc = computeStatement(input);
        } catch (error) {
          // a month of enormous loans: a typed refusal, never an assertion
          expect((error as { code?: string }).code).toBe('statement_too_large');
          return;
        }
        let sum = 0;
        for (const line of doc.lines) {
          expect(isBalanced(line.amountsFen)).toBe(true);
          expect(Number.isSafeInteger(line.amountFen)).toBe(true);
          sum += line.amountFen;
        }
        expect(doc.totalFen).toBe(sum);
        expect(new Set(doc.lines.map((l) => l.source)).size).toBe(doc.lines.length);
        const penalties = doc.lines.filter((l) => l.kind === 'penalty').reduce((s, l) => s + l.amountFen, 0);
        if (x.cap !== undefined) expect(penalties).toBeLessThanOrEqual(x.cap);
      }),
      { numRuns: 200 },
    );
  });

  it('the statement hash is SHA-256 of the RFC 8785 canonical JSON of the funder view', () => {
    const text = worldText(16);
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            loanId: text,
            customerId: text,
            principalFen: fc.integer({ min: 0, max: 1e11 }),
            bookedAt: inMarch,
          }),
          { maxLength: 8 },
        ),
        fc.array(fc.record({ findingId: text, customerId: text, confirmedAt: inMarch }), { maxLength: 3 }),
        text,
        (loans, findings, funderId) => {
          const unique = [...new Map(loans.map((l) => [l.loanId, l])).values()];
          const doc = computeStatement(
            base({
              funderId,
              loans: unique,
              findings: [
                ...new Map(findings.map((f) => [`${f.findingId}\u0000${f.customerId}`, f])).values(),
              ],
              customerRef: (c) => `ref:${c}`,
            }),
          );
          const reference = createHash('sha256')
            .update(canonicalJson(funderView(doc)))
            .digest('hex');
          expect(statementHash(doc)).toBe(reference);
        },
      ),
      { numRuns: 300 },
    );
  });
});

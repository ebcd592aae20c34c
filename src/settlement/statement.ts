// The statement core: a funder's month of lines computed from its inputs, with no storage and no
// clock. Each line is one balanced posting (its receivable leg is what the line adds to what the
// funder owes), so totals are sums of postings by construction. Formulas: docs/settlement.md.
import { createHash } from 'node:crypto';
import type { ContractTerms } from '../catalog/model.ts';
import { assert, assertFen, canonicalJson, type Fen, isFen, MAX_FEN, rateOfFen } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import {
  accountName,
  type Adjustment,
  type Collection,
  type Conversion,
  type FeeLoan,
  type Finding,
  type FunderLine,
  LINE_KINDS,
  type OwedBy,
  type StatementDocument,
  type StatementLine,
} from './model.ts';
import { periodWindow } from './period.ts';

/** A contract and when it was in force ([effectiveFrom, effectiveTo), null: still in force). */
export interface ContractSpan {
  id: string;
  terms: ContractTerms;
  effectiveFrom: Date;
  effectiveTo: Date | null;
}

export interface StatementInputs {
  statementId: string;
  funderId: string;
  period: string;
  contracts: readonly ContractSpan[];
  /** loans booked in the month */
  loans: readonly FeeLoan[];
  /** interest collected in the month */
  collections: readonly Collection[];
  /** findings confirmed in the month */
  findings: readonly Finding[];
  /** conversions declared in the month */
  conversions: readonly Conversion[];
  /** withdrawn disputes not yet refunded */
  adjustments: readonly Adjustment[];
  /** service fees already posted per customer on earlier statements (the penalty multiple's base) */
  priorServiceFeeByCustomer: ReadonlyMap<string, Fen>;
  /** the funder's pseudonym for a customer (sharing's Pseudonymiser) */
  customerRef: (customerId: string) => string;
}

/** The contract in force at `at`, if any. */
export function contractAt(contracts: readonly ContractSpan[], at: Date): ContractSpan | undefined {
  const t = at.getTime();
  // the latest-starting contract that covers `at` (spans do not overlap: catalog ends one as the next begins)
  let found: ContractSpan | undefined;
  for (const c of contracts)
    if (c.effectiveFrom.getTime() <= t && (c.effectiveTo === null || t < c.effectiveTo.getTime()))
      if (!found || c.effectiveFrom.getTime() > found.effectiveFrom.getTime()) found = c;
  return found;
}

type Draft = Omit<StatementLine, 'lineNo' | 'accounts' | 'amountsFen' | 'customerRef'> & {
  credit: string;
  debit: string;
};

/** Compute the month's lines. Inputs outside the month are a caller bug (asserted). */
export function computeStatement(inputs: StatementInputs): StatementDocument {
  const { funderId } = inputs;
  const window = periodWindow(inputs.period);
  const fromMs = window.from.getTime();
  const toMs = window.to.getTime();
  // the message is built only on failure (a line per loan: the hot path of a month's issue)
  const inMonth = (at: Date, what: string, id: string) => {
    const t = at.getTime();
    if (!(t >= fromMs && t < toMs))
      assert(false, `${what} ${id} at ${at.toISOString()} is outside ${inputs.period}`);
  };
  const receivable = accountName(funderId, 'receivable');
  const drafts: Draft[] = [];
  const charge = (
    kind: Draft['kind'],
    income: 'service-fee-income' | 'penalty-income' | 'conversion-income',
    fields: Omit<Draft, 'kind' | 'credit' | 'debit'>,
  ) => {
    assertFen(fields.amountFen, kind);
    // a zero line moves nothing and is left out (rate 0, a cap already reached)
    if (fields.amountFen > 0)
      drafts.push({ kind, ...fields, debit: receivable, credit: accountName(funderId, income) });
  };

  // Service fees: disbursed and fixed bases charge each loan booked in the month once.
  const feeByCustomer = new Map<string, Fen>();
  const addFee = (customerId: string, fen: Fen) =>
    feeByCustomer.set(customerId, (feeByCustomer.get(customerId) ?? 0) + fen);
  for (const loan of inputs.loans) {
    inMonth(loan.bookedAt, 'loan', loan.loanId);
    const contract = contractAt(inputs.contracts, loan.bookedAt);
    if (!contract || contract.terms.serviceFee.basis === 'interest') continue;
    const fee = contract.terms.serviceFee;
    const amountFen = fee.basis === 'fixed' ? (fee.fixedFen ?? 0) : rateOfFen(loan.principalFen, fee.rate);
    charge('service-fee', 'service-fee-income', {
      source: `fee:${loan.loanId}`,
      customerId: loan.customerId,
      loanId: loan.loanId,
      amountFen,
      memo:
        fee.basis === 'fixed'
          ? { basis: 'fixed', fixedFen: amountFen, contractId: contract.id }
          : { basis: 'disbursed', baseFen: loan.principalFen, rate: fee.rate, contractId: contract.id },
    });
    addFee(loan.customerId, amountFen);
  }
  // Interest basis: one line per loan and month, on the interest collected under each contract.
  const interest = new Map<
    string,
    { loanId: string; customerId: string; contract: ContractSpan; baseFen: Fen }
  >();
  for (const c of inputs.collections) {
    inMonth(c.collectedAt, 'repayment', c.repaymentId);
    assertFen(c.interestFen, 'interest collected');
    const contract = contractAt(inputs.contracts, c.collectedAt);
    if (!contract || contract.terms.serviceFee.basis !== 'interest') continue;
    const key = `${c.loanId}\u0000${contract.id}`;
    const seen = interest.get(key);
    if (seen) seen.baseFen += c.interestFen;
    else interest.set(key, { loanId: c.loanId, customerId: c.customerId, contract, baseFen: c.interestFen });
  }
  for (const { loanId, customerId, contract, baseFen } of interest.values()) {
    const rate = contract.terms.serviceFee.rate;
    const amountFen = rateOfFen(baseFen, rate);
    charge('service-fee', 'service-fee-income', {
      // a loan's interest is charged once a month (and once per contract if the contract changed)
      source: `interest:${loanId}:${inputs.period}:${contract.id}`,
      customerId,
      loanId,
      amountFen,
      memo: { basis: 'interest', baseFen, rate, contractId: contract.id },
    });
    addFee(customerId, amountFen);
  }

  // Penalties (禁止交叉回流): per confirmed finding per customer, fixed part + multiple × that
  // customer's service fees (earlier statements and this one), capped per contract per month.
  const findings = [...inputs.findings].sort(
    (a, b) =>
      a.confirmedAt.getTime() - b.confirmedAt.getTime() ||
      cmp(a.findingId, b.findingId) ||
      cmp(a.customerId, b.customerId),
  );
  const penaltyByContract = new Map<string, Fen>();
  for (const f of findings) {
    inMonth(f.confirmedAt, 'finding', f.findingId);
    const contract = contractAt(inputs.contracts, f.confirmedAt);
    if (!contract || !contract.terms.noBackflow.enabled) continue;
    const clause = contract.terms.noBackflow;
    const customerFeeFen =
      (inputs.priorServiceFeeByCustomer.get(f.customerId) ?? 0) + (feeByCustomer.get(f.customerId) ?? 0);
    const uncappedFen = clause.penaltyPerCustomerFen + rateOfFen(customerFeeFen, clause.serviceFeeMultiple);
    const sofar = penaltyByContract.get(contract.id) ?? 0;
    const cap = clause.penaltyCapPerPeriodFen;
    const amountFen = cap === undefined ? uncappedFen : Math.max(0, Math.min(uncappedFen, cap - sofar));
    penaltyByContract.set(contract.id, sofar + amountFen);
    charge('penalty', 'penalty-income', {
      source: `penalty:${f.findingId}:${f.customerId}`,
      customerId: f.customerId,
      loanId: null,
      amountFen,
      memo: {
        findingId: f.findingId,
        fixedFen: clause.penaltyPerCustomerFen,
        serviceFeeMultiple: clause.serviceFeeMultiple,
        customerServiceFeeFen: customerFeeFen,
        uncappedFen,
        ...(cap === undefined ? {} : { capFen: cap }),
        contractId: contract.id,
      },
    });
  }

  // Declared conversions: the fee the funder accepted when it declared.
  for (const c of inputs.conversions) {
    inMonth(c.declaredAt, 'conversion', c.conversionId);
    charge('conversion', 'conversion-income', {
      source: `conversion:${c.conversionId}`,
      customerId: c.customerId,
      loanId: null,
      amountFen: c.feeFen,
      memo: { conversionId: c.conversionId },
    });
  }

  // Adjustments: a withdrawn dispute refunds the disputed line (debit adjustments, credit receivable).
  for (const a of inputs.adjustments) {
    assertFen(a.lineAmountFen, 'disputed line');
    if (a.lineAmountFen === 0) continue;
    drafts.push({
      kind: 'adjustment',
      source: `adjustment:${a.disputeId}`,
      customerId: null,
      loanId: null,
      amountFen: -a.lineAmountFen,
      memo: { disputeId: a.disputeId, statementId: a.statementId, lineNo: a.lineNo },
      debit: accountName(funderId, 'adjustments'),
      credit: receivable,
    });
  }

  // Lines in a fixed order (kind, then source), so a recomputation numbers them the same.
  const kindOrder = new Map(LINE_KINDS.map((k, i) => [k, i]));
  drafts.sort((a, b) => kindOrder.get(a.kind)! - kindOrder.get(b.kind)! || cmp(a.source, b.source));
  const lines: StatementLine[] = drafts.map(({ debit, credit, ...line }, i) => {
    const moved = Math.abs(line.amountFen);
    return {
      lineNo: i + 1,
      ...line,
      customerRef: line.customerId === null ? null : inputs.customerRef(line.customerId),
      accounts: [debit, credit],
      amountsFen: [moved, -moved],
    };
  });
  return documentOf(inputs.statementId, funderId, inputs.period, lines);
}

/** The document for a set of lines (computed, or read back from the journal): totals are sums. */
export function documentOf(
  statementId: string,
  funderId: string,
  period: string,
  lines: StatementLine[],
): StatementDocument {
  const receivable = accountName(funderId, 'receivable');
  let totalFen = 0;
  for (const line of lines) {
    assert(isBalanced(line.amountsFen), `line ${line.lineNo} does not balance`);
    // the line's amount is its receivable leg, by construction
    let leg = 0;
    line.accounts.forEach((a, i) => {
      if (a === receivable) leg += line.amountsFen[i]!;
    });
    assert(leg === line.amountFen, `line ${line.lineNo}'s amount is not its receivable leg`);
    totalFen += line.amountFen;
  }
  // each line is within MAX_FEN; their sum may not be (a month of enormous loans): refused, not a bug
  if (!isFen(totalFen))
    throw new DomainError('statement_too_large', `the total exceeds ${MAX_FEN} fen`, 'period');
  return { statementId, funderId, period, lines, totalFen, owedBy: owedBy(totalFen) };
}

export function owedBy(totalFen: Fen): OwedBy {
  return totalFen > 0 ? 'funder' : totalFen < 0 ? 'platform' : 'nobody';
}

/** Debits equal credits: the signed amounts sum to zero, and there are at least two legs. */
export function isBalanced(amountsFen: readonly Fen[]): boolean {
  let sum = 0;
  for (const a of amountsFen) sum += a;
  return amountsFen.length >= 2 && sum === 0;
}

/** The document as the funder receives it: lines without the platform's internal customer ids. */
export function funderView(
  document: StatementDocument,
): Omit<StatementDocument, 'lines'> & { lines: FunderLine[] } {
  return { ...document, lines: document.lines.map(({ customerId: _internal, ...line }) => line) };
}

/**
 * SHA-256 (hex) of the RFC 8785 canonical JSON of the funder's view: what the ledger's `statement`
 * entry commits to, so a funder recomputes it from the statement it fetched (docs/settlement.md).
 * The same bytes as `canonicalJson(funderView(document))` (a property test checks it), written a
 * line at a time with the keys in their fixed sorted order: the generic encoder took most of a
 * month's issue for a funder with 20k lines.
 */
export function statementHash(document: StatementDocument): string {
  const hash = createHash('sha256');
  const s = JSON.stringify;
  // keys in UTF-16 order (RFC 8785 §3.2.3): funderId, lines, owedBy, period, statementId, totalFen
  hash.update(`{"funderId":${s(document.funderId)},"lines":[`);
  // a few hundred lines per update: one call per line cost as much as the encoding
  const lines = document.lines;
  for (let i = 0; i < lines.length; i += 256) {
    let chunk = i === 0 ? '' : ',';
    const end = Math.min(lines.length, i + 256);
    for (let j = i; j < end; j++)
      chunk += j === i ? canonicalLine(lines[j]!) : `,${canonicalLine(lines[j]!)}`;
    hash.update(chunk);
  }
  hash.update(
    `],"owedBy":${s(document.owedBy)},"period":${s(document.period)},"statementId":${s(document.statementId)},"totalFen":${number(document.totalFen)}}`,
  );
  return hash.digest('hex');
}

/** One line of the funder's view in canonical JSON (no customerId: that stays internal). */
export function canonicalLine(line: StatementLine): string {
  const s = JSON.stringify;
  // accounts, amountFen, amountsFen, customerRef, kind, lineNo, loanId, memo, source
  return `{"accounts":[${line.accounts.map((a) => s(a)).join(',')}],"amountFen":${number(line.amountFen)},"amountsFen":[${line.amountsFen.map(number).join(',')}],"customerRef":${line.customerRef === null ? 'null' : s(line.customerRef)},"kind":${s(line.kind)},"lineNo":${number(line.lineNo)},"loanId":${line.loanId === null ? 'null' : s(line.loanId)},"memo":${canonicalMemo(line.memo)},"source":${s(line.source)}}`;
}

function canonicalMemo(memo: StatementLine['memo']): string {
  const keys = Object.keys(memo).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const value = memo[keys[i]!];
    if (value === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(keys[i])}:${typeof value === 'number' ? number(value) : JSON.stringify(value)}`;
  }
  return `${out}}`;
}

function number(value: number): string {
  assert(Number.isFinite(value), 'canonical JSON cannot encode a non-finite number');
  return JSON.stringify(value);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// The statement exports as pure functions, on hostile text (Chinese, controls, lone surrogates,
// formula starters, markup): the CSV parses back (RFC 4180) to the values written, no text cell a
// spreadsheet would run as a formula, a BOM first; the page escapes every value it shows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { worldText } from '../../test/support/text.ts';
import type { Statement, StatementDocument, StatementLine } from './model.ts';
import { safeCell, statementCsv, statementHtml, yuan } from './export.ts';

/** A strict RFC 4180 reader: fields, quoted fields with doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field).toBe('');
  return rows;
}

const hostile = fc.oneof(
  worldText(40),
  fc.constantFrom(
    '=1+1',
    '+SUM(A1)',
    '-2+3',
    '@cmd',
    '\t=x',
    '\r=x',
    '=HYPERLINK("http://x","y")',
    '<script>alert(1)</script>',
    '"quoted", and, commas\r\nnew line',
  ),
);

const statementOf = (
  name: string,
  lines: StatementLine[],
): { statement: Statement; document: StatementDocument } => {
  const totalFen = lines.reduce((s, l) => s + l.amountFen, 0);
  const owedBy = totalFen > 0 ? 'funder' : totalFen < 0 ? 'platform' : 'nobody';
  return {
    statement: {
      id: 'stm-f1-2026-03',
      funderId: name,
      period: '2026-03',
      status: 'issued',
      statementHash: 'ab'.repeat(32),
      totalFen,
      owedBy,
      lineCount: lines.length,
      ledgerEntryId: null,
      postedAt: new Date('2026-04-01T00:00:00Z'),
      issuedAt: new Date('2026-04-01T00:00:00Z'),
    },
    document: { statementId: 'stm-f1-2026-03', funderId: name, period: '2026-03', lines, totalFen, owedBy },
  };
};

const lineOf = (i: number, text: string, amountFen: number): StatementLine => ({
  lineNo: i + 1,
  kind: 'service-fee',
  source: `fee:${text}`,
  customerId: 'cus-internal',
  customerRef: text,
  loanId: text,
  amountFen,
  accounts: ['funder/f1/receivable', 'funder/f1/service-fee-income'],
  amountsFen: [Math.abs(amountFen), -Math.abs(amountFen)],
  memo: { basis: 'disbursed', baseFen: 100, rate: 0.02, contractId: text },
});

describe('statement exports', () => {
  it('yuan is exact: integer arithmetic, two decimals, the sign kept', () => {
    expect([yuan(0), yuan(5), yuan(100), yuan(123_456), yuan(-2_400), yuan(9_007_199_254_740_991)]).toEqual([
      '0.00',
      '0.05',
      '1.00',
      '1234.56',
      '-24.00',
      '90071992547409.91',
    ]);
  });

  it('CSV: a BOM, RFC 4180 records that parse back, no text cell a spreadsheet runs as a formula', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(hostile, fc.integer({ min: -1_000_000_000, max: 1_000_000_000 })), {
          maxLength: 8,
        }),
        fc.constantFrom('zh' as const, 'en' as const),
        (cells, lang) => {
          const lines = cells.map(([text, fen], i) => lineOf(i, text, fen));
          const { statement, document } = statementOf('f1', lines);
          const csv = statementCsv(statement, document, lang);
          expect(csv.startsWith('\uFEFF')).toBe(true);
          const rows = parseCsv(csv.slice(1));
          expect(rows).toHaveLength(lines.length + 2);
          for (const row of rows) expect(row).toHaveLength(8);
          lines.forEach((line, i) => {
            const row = rows[i + 1]!;
            // numbers as written; every text cell safe, and the value recoverable by dropping the guard
            expect([Number(row[0]), Number(row[5]), row[6]]).toEqual([
              line.lineNo,
              line.amountFen,
              yuan(line.amountFen),
            ]);
            for (const [cell, value] of [
              [row[2]!, line.source],
              [row[3]!, line.customerRef!],
              [row[4]!, line.loanId!],
              [row[7]!, JSON.stringify(line.memo)],
            ] as const) {
              expect(cell).toBe(safeCell(value));
              expect(/^[=+\-@\t\r]/.test(cell)).toBe(false);
            }
          });
          expect(Number(rows.at(-1)![5])).toBe(document.totalFen);
          // never the platform's internal customer id
          expect(csv.includes('cus-internal')).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('HTML: every value escaped (hostile funder names too), Chinese by default, English on request', () => {
    fc.assert(
      fc.property(hostile, hostile, (name, text) => {
        const { statement, document } = statementOf('f1', [lineOf(0, text, 2_400)]);
        const page = statementHtml(statement, document, {
          funderName: name,
          disputes: [
            {
              id: 'dsp-1',
              statementId: statement.id,
              funderId: 'f1',
              lineNo: 1,
              reason: text,
              status: 'open',
              openedAt: new Date(),
              resolvedAt: null,
              resolvedBy: null,
            },
          ],
        });
        // the only tags are the page's own: no value opened one
        const tags = page.match(/<\/?([a-z0-9]+)/g) ?? [];
        for (const tag of tags)
          expect([
            'html',
            'head',
            'meta',
            'title',
            'style',
            'body',
            'h1',
            'h2',
            'p',
            'b',
            'br',
            'code',
            'table',
            'thead',
            'tbody',
            'tr',
            'th',
            'td',
            '!doctype',
          ]).toContain(tag.replace(/^<\/?/, ''));
        expect(page).toContain('资方月度对账单');
        expect(page).not.toContain('cus-internal');
      }),
      { numRuns: 200 },
    );
    const { statement, document } = statementOf('f1', [lineOf(0, 'L1', 2_400)]);
    const en = statementHtml(statement, document, { funderName: '<b>甲</b>', disputes: [], lang: 'en' });
    expect(en).toContain('Funder monthly statement');
    expect(en).toContain('&lt;b&gt;甲&lt;/b&gt;');
    expect(en).toContain('24.00');
  });
});

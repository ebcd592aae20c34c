// A statement as a file a funder keeps (issue 16 item 6, ADR 0094): CSV for a spreadsheet (UTF-8 with
// a BOM so Excel reads the Chinese; RFC 4180 quoting; text cells that a spreadsheet would run as a
// formula are prefixed with ') and a printable HTML page, Chinese by default (lang=en for English),
// where every value is escaped: funder names and memo texts are data, never markup.
import { escapeHtml } from '../kernel/html.ts';
import type { Dispute, OwedBy, Statement, StatementDocument } from './model.ts';

export const EXPORT_LANGS = ['zh', 'en'] as const;
export type ExportLang = (typeof EXPORT_LANGS)[number];

const TEXT = {
  zh: {
    title: '资方月度对账单',
    funder: '资方',
    period: '账期（北京时间自然月）',
    status: '状态',
    statuses: { posted: '已过账', issued: '已出具', disputed: '有异议', resolved: '异议已处理' },
    hash: '对账单哈希（RFC 8785 规范 JSON 的 SHA-256）',
    ledgerEntry: '账本条目',
    total: '合计（元）',
    owedBy: { funder: '资方应付平台', platform: '平台应付资方', nobody: '双方无应付' },
    lineNo: '行号',
    kind: '类型',
    kinds: {
      'service-fee': '服务费',
      penalty: '违约金（禁止交叉回流）',
      conversion: '客户转化费',
      adjustment: '调整（异议撤回退款）',
    },
    source: '来源',
    customer: '客户（资方所见化名）',
    loan: '借款编号',
    amountFen: '金额（分）',
    amountYuan: '金额（元）',
    memo: '计算依据',
    disputes: '异议',
    disputeLine: '异议行',
    reason: '理由',
    verify:
      '离线核验：先用 GET /v1/settlement/statements/<id> 保存 statement.json，再取账本条目、包含证明、签名检查点与公钥，运行 npx shoujia ledger verify --checkpoint cp.txt --vkey key.txt --inclusion proof.json --entry entry.json --statement statement.json',
    none: '无',
  },
  en: {
    title: 'Funder monthly statement',
    funder: 'Funder',
    period: 'Period (Asia/Shanghai calendar month)',
    status: 'Status',
    statuses: { posted: 'posted', issued: 'issued', disputed: 'disputed', resolved: 'resolved' },
    hash: 'Statement hash (SHA-256 of the RFC 8785 canonical JSON)',
    ledgerEntry: 'Ledger entry',
    total: 'Total (CNY)',
    owedBy: {
      funder: 'the funder owes the platform',
      platform: 'the platform owes the funder',
      nobody: 'nothing is owed',
    },
    lineNo: 'Line',
    kind: 'Kind',
    kinds: {
      'service-fee': 'Service fee',
      penalty: 'Penalty (no-backflow clause)',
      conversion: 'Declared conversion fee',
      adjustment: 'Adjustment (withdrawn dispute refunded)',
    },
    source: 'Source',
    customer: 'Customer (your pseudonym)',
    loan: 'Loan',
    amountFen: 'Amount (fen)',
    amountYuan: 'Amount (CNY)',
    memo: 'How it was computed',
    disputes: 'Disputes',
    disputeLine: 'Line',
    reason: 'Reason',
    verify:
      'Check offline: save GET /v1/settlement/statements/<id> as statement.json, fetch the ledger entry, its inclusion proof, the signed checkpoint and the public key, then run npx shoujia ledger verify --checkpoint cp.txt --vkey key.txt --inclusion proof.json --entry entry.json --statement statement.json',
    none: 'none',
  },
} as const;

/** Fen as yuan with two decimals, exactly (integer arithmetic: no float rounding). */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * A text cell made safe for a spreadsheet: one starting with = + - @ (or a tab or carriage return,
 * which some spreadsheets skip before reading a formula) is prefixed with ' so it stays text (OWASP
 * "CSV Injection"). Numbers the export writes itself (integers, yuan) are not text cells.
 */
export function safeCell(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const number = (value: number) => String(value);

/** The statement as CSV (UTF-8 with a BOM, CRLF line ends): a header, one row a line, the total. */
export function statementCsv(
  statement: Statement,
  document: StatementDocument,
  lang: ExportLang = 'zh',
): string {
  const t = TEXT[lang];
  const text = (value: string | null) => csvField(safeCell(value ?? ''));
  const rows: string[] = [
    [t.lineNo, t.kind, t.source, t.customer, t.loan, t.amountFen, t.amountYuan, t.memo].map(text).join(','),
  ];
  for (const line of document.lines)
    rows.push(
      [
        number(line.lineNo),
        text(t.kinds[line.kind]),
        text(line.source),
        text(line.customerRef),
        text(line.loanId),
        number(line.amountFen),
        yuan(line.amountFen),
        text(JSON.stringify(line.memo)),
      ].join(','),
    );
  rows.push(
    [
      '',
      text(t.total),
      text(statement.id),
      text(statement.funderId),
      text(document.period),
      number(document.totalFen),
      yuan(document.totalFen),
      text(t.owedBy[document.owedBy as OwedBy]),
    ].join(','),
  );
  return `\uFEFF${rows.join('\r\n')}\r\n`;
}

const STYLE = `body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%;margin:1em 0}td,th{border:1px solid #999;padding:4px 6px;vertical-align:top;text-align:left;font-size:12px}
td.n{text-align:right;font-variant-numeric:tabular-nums}code{font-family:monospace;font-size:11px;word-break:break-all}
@media print{body{margin:0}}`;

/** The statement as a printable page: header, lines, total and who owes whom, disputes, how to verify. */
export function statementHtml(
  statement: Statement,
  document: StatementDocument,
  options: { funderName: string; disputes: readonly Dispute[]; lang?: ExportLang },
): string {
  const lang = options.lang ?? 'zh';
  const t = TEXT[lang];
  const e = escapeHtml;
  const lines = document.lines
    .map(
      (l) =>
        `<tr><td class="n">${l.lineNo}</td><td>${e(t.kinds[l.kind])}</td><td><code>${e(l.source)}</code></td><td><code>${e(l.customerRef ?? t.none)}</code></td><td><code>${e(l.loanId ?? t.none)}</code></td><td class="n">${e(yuan(l.amountFen))}</td><td><code>${e(JSON.stringify(l.memo))}</code></td></tr>`,
    )
    .join('\n');
  const disputes =
    options.disputes.length === 0
      ? ''
      : `<h2>${e(t.disputes)}</h2>
<table><thead><tr><th>${e(t.disputeLine)}</th><th>${e(t.status)}</th><th>${e(t.reason)}</th></tr></thead><tbody>
${options.disputes.map((d) => `<tr><td class="n">${d.lineNo}</td><td>${e(d.status)}</td><td>${e(d.reason)}</td></tr>`).join('\n')}
</tbody></table>`;
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><title>${e(t.title)} · ${e(options.funderName)} · ${e(document.period)}</title><style>${STYLE}</style></head>
<body>
<h1>${e(t.title)}</h1>
<p>${e(t.funder)}: <b>${e(options.funderName)}</b> (<code>${e(statement.funderId)}</code>) · ${e(t.period)}: ${e(document.period)} · ${e(t.status)}: ${e(t.statuses[statement.status])}</p>
<p>${e(t.hash)}: <code>${e(statement.statementHash)}</code><br>${e(t.ledgerEntry)}: <code>${e(statement.ledgerEntryId ?? t.none)}</code></p>
<p>${e(t.total)}: <b>${e(yuan(document.totalFen))}</b> · ${e(t.owedBy[document.owedBy as OwedBy])}</p>
<table><thead><tr><th>${e(t.lineNo)}</th><th>${e(t.kind)}</th><th>${e(t.source)}</th><th>${e(t.customer)}</th><th>${e(t.loan)}</th><th>${e(t.amountYuan)}</th><th>${e(t.memo)}</th></tr></thead>
<tbody>
${lines}
</tbody></table>
${disputes}
<p>${e(t.verify)}</p>
</body></html>
`;
}

// The evidence package as a printable page (证据包), Chinese by default, English on request. Every
// value from the package is escaped: entry bodies and record texts are data, never markup.
import { escapeHtml } from '../kernel/html.ts';
import type { EvidencePackage, PackageVerdict } from './package.ts';

export const PACKAGE_LANGS = ['zh', 'en'] as const;
export type PackageLang = (typeof PACKAGE_LANGS)[number];

const TEXT = {
  zh: {
    title: '证据包',
    funder: '资方',
    generatedAt: '生成时间',
    log: '日志',
    treeSize: '树大小',
    checkpoint: '签名检查点',
    records: '证据记录',
    exposures: '所引用的信息披露（exposure）账本条目',
    id: '编号',
    kind: '类型',
    customer: '客户（资方所见化名）',
    occurredAt: '发生时间',
    source: '来源',
    proves: '证明内容',
    exposure: '引用条目',
    index: '叶索引',
    leafHash: '叶哈希',
    entry: '条目正文（含盐）',
    proof: '包含证明',
    verify: '离线核验：npx shoujia evidence verify package.json --vkey key.txt（仅需日志公钥）',
    verdictOk: '核验通过：每个包含证明、检查点签名和条目承诺均已验证。',
    verdictBad: '核验未通过：',
    kinds: {
      'canary-contact': '金丝雀联系：仅该资方收到的联系方式被联系',
      'credit-report-account': '征信账户：曝光后在该资方开立、未经平台的贷款',
      'credit-report-query': '征信查询：无平台申请时的贷款审批查询',
      'relay-contact': '中转号码联系：超出目的的营销联系',
      'borrower-report': '借款人举报',
    } as Record<string, string>,
    none: '无',
  },
  en: {
    title: 'Evidence package',
    funder: 'Funder',
    generatedAt: 'Generated at',
    log: 'Log',
    treeSize: 'Tree size',
    checkpoint: 'Signed checkpoint',
    records: 'Evidence records',
    exposures: 'Cited exposure ledger entries',
    id: 'Id',
    kind: 'Kind',
    customer: 'Customer (the funder’s pseudonym)',
    occurredAt: 'Occurred at',
    source: 'Source',
    proves: 'What it proves',
    exposure: 'Cites entry',
    index: 'Leaf index',
    leafHash: 'Leaf hash',
    entry: 'Entry body (with salt)',
    proof: 'Inclusion proof',
    verify:
      'Check offline: npx shoujia evidence verify package.json --vkey key.txt (the log’s public key only)',
    verdictOk: 'Verified: every inclusion proof, the checkpoint signature and every entry commitment check.',
    verdictBad: 'Verification failed:',
    kinds: {
      'canary-contact': 'Canary contact: a contact point only this funder received was contacted',
      'credit-report-account':
        'Credit-report account opened at this funder after exposure, not booked through the platform',
      'credit-report-query': 'Credit-report approval query without a platform application',
      'relay-contact': 'Relay contact: out-of-purpose marketing',
      'borrower-report': 'Borrower report',
    } as Record<string, string>,
    none: 'none',
  },
} as const;

const STYLE = `body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%;margin:1em 0}td,th{border:1px solid #999;padding:4px 6px;vertical-align:top;text-align:left;font-size:12px}
pre,code{font-family:monospace;font-size:11px;white-space:pre-wrap;word-break:break-all}.ok{color:#060}.bad{color:#a00}
@media print{body{margin:0}}`;

export function evidencePackageHtml(
  pkg: EvidencePackage,
  options: { lang?: PackageLang; verdict?: PackageVerdict } = {},
): string {
  const lang = options.lang ?? 'zh';
  const t = TEXT[lang];
  const e = escapeHtml;
  const rows = pkg.records
    .map(
      (r) =>
        `<tr><td><code>${e(r.id)}</code></td><td>${e(t.kinds[r.kind] ?? r.kind)}</td><td><code>${e(r.customerPseudonym)}</code></td><td>${e(r.occurredAt)}</td><td>${e(r.source)}</td><td>${e(r.proves)}</td><td><code>${e(r.exposureEntryId ?? t.none)}</code></td></tr>`,
    )
    .join('\n');
  const exposures = pkg.exposures
    .map(
      (x) =>
        `<tr><td><code>${e(x.entryId)}</code></td><td>${e(String(x.index))}</td><td><code>${e(x.leafHash)}</code></td><td><pre>${e(JSON.stringify(x.entry, null, 2))}</pre></td><td><pre>${e(x.proof.join('\n'))}</pre></td></tr>`,
    )
    .join('\n');
  const verdict = options.verdict
    ? options.verdict.ok
      ? `<p class="ok">${e(t.verdictOk)}</p>`
      : `<p class="bad">${e(t.verdictBad)}</p><ul>${options.verdict.failures.map((f) => `<li><code>${e(f.code)}</code> ${e(f.at)}: ${e(f.reason)}</li>`).join('')}</ul>`
    : '';
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><title>${e(t.title)} · ${e(pkg.funderId)}</title><style>${STYLE}</style></head>
<body>
<h1>${e(t.title)}</h1>
<p>${e(t.funder)}: <b>${e(pkg.funderId)}</b> · ${e(t.generatedAt)}: ${e(pkg.generatedAt)} · ${e(t.log)}: ${e(pkg.origin)} · ${e(t.treeSize)}: ${e(String(pkg.treeSize))}</p>
${verdict}
<p>${e(t.verify)}</p>
<h2>${e(t.records)} (${e(String(pkg.records.length))})</h2>
<table><thead><tr><th>${e(t.id)}</th><th>${e(t.kind)}</th><th>${e(t.customer)}</th><th>${e(t.occurredAt)}</th><th>${e(t.source)}</th><th>${e(t.proves)}</th><th>${e(t.exposure)}</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>${e(t.exposures)} (${e(String(pkg.exposures.length))})</h2>
<table><thead><tr><th>${e(t.id)}</th><th>${e(t.index)}</th><th>${e(t.leafHash)}</th><th>${e(t.entry)}</th><th>${e(t.proof)}</th></tr></thead>
<tbody>
${exposures}
</tbody></table>
<h2>${e(t.checkpoint)}</h2>
<pre>${e(pkg.checkpoint)}</pre>
</body></html>
`;
}

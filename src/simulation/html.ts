// report.html: one self-contained page (inline CSS and SVG drawn here; nothing is loaded from the
// network) with the run's charts and tables. Deterministic, like report.json, apart from runtime.
import { formatYuan } from '../kernel/index.ts';
import {
  ALERT_LEVELS,
  EVIDENCE_KINDS,
  type EvidenceKind,
  type PlatformEconomics,
  type Report,
  type RunReport,
} from './model.ts';

const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#7f7f7f',
];
/** At most this many lines per chart (STYLE §8): the funders with the most signal are drawn. */
export const MAX_CHART_LINES = 10;
const WIDTH = 760;
const HEIGHT = 260;
const MARGIN = { left: 64, right: 150, top: 28, bottom: 34 };

export interface ChartLine {
  name: string;
  values: ReadonlyArray<number | null>;
  dashed?: boolean;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

/** An SVG line chart over the report's buckets (x = day). */
export function lineChart(
  title: string,
  xDays: readonly number[],
  lines: readonly ChartLine[],
  format: (v: number) => string = compact,
): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  let max = 0;
  for (const line of lines) for (const v of line.values) if (v !== null && v > max) max = v;
  const yMax = niceMax(max);
  const lastDay = Math.max(1, xDays[xDays.length - 1] ?? 1);
  const x = (day: number) => MARGIN.left + (day / lastDay) * plotW;
  const y = (v: number) => MARGIN.top + plotH - (v / yMax) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeHtml(title)}">`,
    `<text x="${MARGIN.left}" y="18" class="title">${escapeHtml(title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    const py = y(v).toFixed(1);
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${py}" y2="${py}" class="grid"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${py}" class="ytick">${escapeHtml(format(v))}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const day = Math.round((lastDay * i) / 4);
    parts.push(`<text x="${x(day).toFixed(1)}" y="${HEIGHT - 12}" class="xtick">day ${day}</text>`);
  }
  lines.forEach((line, index) => {
    const color = PALETTE[index % PALETTE.length]!;
    let d = '';
    let pen = false;
    line.values.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(xDays[i]!).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    parts.push(
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"${line.dashed ? ' stroke-dasharray="5,4"' : ''}/>`,
    );
    const ly = MARGIN.top + 14 * index + 6;
    parts.push(
      `<line x1="${WIDTH - MARGIN.right + 10}" x2="${WIDTH - MARGIN.right + 28}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${line.dashed ? ' stroke-dasharray="5,4"' : ''}/>`,
    );
    parts.push(
      `<text x="${WIDTH - MARGIN.right + 32}" y="${ly + 4}" class="legend">${escapeHtml(line.name)}</text>`,
    );
  });
  if (lines.length === 0)
    parts.push(`<text x="${MARGIN.left + 10}" y="${MARGIN.top + 20}" class="legend">nothing to draw</text>`);
  parts.push('</svg>');
  return parts.join('');
}

/** 1,234,567 → 1.23M: tick labels that fit the margin. */
export function compact(value: number): string {
  const abs = Math.abs(value);
  for (const [unit, size] of [
    ['B', 1e9],
    ['M', 1e6],
    ['k', 1e3],
  ] as const) {
    if (abs >= size) return `${Number((value / size).toPrecision(3))}${unit}`;
  }
  return String(Number(value.toPrecision(3)));
}

export function cumulativeOf(values: readonly number[]): number[] {
  let total = 0;
  return values.map((v) => (total += v));
}

/** How the page names each kind of evidence (issue 13's kinds, in its order). */
export const EVIDENCE_LABELS: Readonly<Record<EvidenceKind, string>> = {
  relayContact: 'relay contacts 中间号',
  canaryContact: 'canary contacts 金丝雀',
  creditReportAccount: 'credit-report accounts 征信账户',
  creditReportQuery: 'credit-report queries 征信查询',
  borrowerReport: 'borrower reports 客户举报',
  staffContact: 'staff contacts 触达员工',
};

function evidenceLines(run: RunReport): ChartLine[] {
  const lines = run.funders.map((f, i) => {
    const s = run.series.funders[i]!;
    const perBucket = s.poached.map((_, b) =>
      EVIDENCE_KINDS.reduce((sum, kind) => sum + s.evidence[kind][b]!, 0),
    );
    const values = cumulativeOf(perBucket);
    return {
      name: `${f.id}${f.truth === 'poacher' ? ' ⚑' : ''}`,
      values,
      total: values[values.length - 1] ?? 0,
    };
  });
  return lines
    .filter((l) => l.total > 0)
    .sort((a, b) => b.total - a.total || a.name.localeCompare(b.name))
    .slice(0, MAX_CHART_LINES);
}

/** Funders to draw a line for when a detector ran: the most poached first, then by id. */
function chartedFunders(run: RunReport): number[] {
  return run.funders
    .map((f, i) => ({ f, i }))
    .sort((a, b) => b.f.poached - a.f.poached || a.f.id.localeCompare(b.f.id))
    .slice(0, MAX_CHART_LINES)
    .map(({ i }) => i);
}

const lineName = (run: RunReport, i: number) =>
  `${run.funders[i]!.id}${run.funders[i]!.truth === 'poacher' ? ' ⚑' : ''}`;

function scoreLines(run: RunReport): ChartLine[] {
  return chartedFunders(run).map((i) => ({ name: lineName(run, i), values: run.series.funders[i]!.score }));
}

function levelLines(run: RunReport): ChartLine[] {
  return chartedFunders(run).map((i) => ({
    name: lineName(run, i),
    values: run.series.funders[i]!.level.map((l) => (l === null ? null : ALERT_LEVELS.indexOf(l))),
  }));
}

/** Weeks pooled per point of the abandonment chart: a weekly rate on a small funder is mostly noise. */
const RATE_POOL_BUCKETS = 4;

/**
 * Each funder's share of approved applicants who never confirmed, over 4-week windows: the cohort
 * figure interception raises, and the one a throttle keeps from moving visibly. Poachers first.
 */
function abandonmentLines(run: RunReport): ChartLine[] {
  return run.funders
    .map((f, i) => ({ f, i }))
    .filter(({ f }) => f.approved > 0) // a funder that approved nobody has no rate to draw
    .sort(
      (a, b) =>
        Number(b.f.truth === 'poacher') - Number(a.f.truth === 'poacher') ||
        b.f.approved - a.f.approved ||
        a.f.id.localeCompare(b.f.id),
    )
    .slice(0, MAX_CHART_LINES)
    .map(({ i }) => {
      const s = run.series.funders[i]!;
      const values = s.approved.map((_, b) => {
        let approved = 0;
        let abandoned = 0;
        for (let k = Math.max(0, b - RATE_POOL_BUCKETS + 1); k <= b; k++) {
          approved += s.approved[k]!;
          abandoned += s.abandonedAfterApproval[k]!;
        }
        return approved === 0 ? null : (100 * abandoned) / approved;
      });
      return { name: lineName(run, i), values };
    });
}

function lostLines(run: RunReport): ChartLine[] {
  const lines: ChartLine[] = [
    { name: 'platform total', values: cumulativeOf(run.series.platform.customersLost), dashed: true },
  ];
  run.funders
    .map((f, i) => ({ f, values: cumulativeOf(run.series.funders[i]!.poached) }))
    .filter(({ f }) => f.poached > 0)
    .sort((a, b) => b.f.poached - a.f.poached || a.f.id.localeCompare(b.f.id))
    .slice(0, MAX_CHART_LINES - 1)
    .forEach(({ f, values }) => {
      lines.push({ name: f.id, values });
    });
  return lines;
}

const day = (v: number | null) => (v === null ? '—' : String(v));

/** Service fees earned, less what poaching and the canary program cost, plus penalties levied: whether the defences pay. */
export function netFen(e: PlatformEconomics): number {
  return e.serviceFeesFen - e.poachingLossFen - e.canaryCostFen + e.penaltiesFen;
}

/** The platform's economics with its defences, beside the no-defence baseline when one ran. */
function economicsTable(defended: PlatformEconomics, baseline: PlatformEconomics | undefined): string {
  const rows: Array<[string, (e: PlatformEconomics) => string]> = [
    ['service fees earned 服务费', (e) => formatYuan(e.serviceFeesFen)],
    ['poaching loss (lost lifetime fees) 回流损失', (e) => formatYuan(e.poachingLossFen)],
    ['canary cost 金丝雀成本', (e) => formatYuan(e.canaryCostFen)],
    ['penalties levied 违约金', (e) => formatYuan(e.penaltiesFen)],
    ['net (fees − loss − canary cost + penalties)', (e) => formatYuan(netFen(e))],
    ['customers lost 流失客户', (e) => e.customersLost.toLocaleString('en-US')],
    ['loans booked', (e) => e.booked.toLocaleString('en-US')],
  ];
  const head = `<tr><th>platform economics 平台收益</th><th>with defences</th>${baseline ? '<th>no-defence baseline</th>' : ''}</tr>`;
  const body = rows
    .map(
      ([label, cell]) =>
        `<tr><td>${escapeHtml(label)}</td><td>${cell(defended)}</td>${baseline ? `<td>${cell(baseline)}</td>` : ''}</tr>`,
    )
    .join('\n');
  const note = baseline
    ? ''
    : '<p class="note">Run with --compare-baseline to see the same market without defences.</p>';
  return `<table class="economics"><thead>${head}</thead><tbody>\n${body}\n</tbody></table>${note}`;
}

export function reportHtml(report: Report): string {
  const days = report.series.bucketStartDays;
  const charts: string[] = [];
  const figure = (svg: string, caption: string) =>
    `<figure>${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
  if (report.detector) {
    charts.push(
      figure(
        lineChart('Poaching score by funder', days, scoreLines(report), (v) => v.toFixed(2)),
        `Detector ${report.detector}: each funder's score at the end of each week. ⚑ marks a poacher in truth.`,
      ),
      figure(
        lineChart(
          'Alert level by funder (0 none, 1 watch, 2 suspect, 3 confirmed)',
          days,
          levelLines(report),
          (v) => String(Math.round(v)),
        ),
        'The level the detector gave each funder at the end of each week; it sets the trust routing uses from the next day.',
      ),
    );
  } else {
    charts.push(
      figure(
        lineChart('Evidence recorded against each funder (cumulative)', days, evidenceLines(report)),
        'No detector ran, so no score or level exists: this is every item of evidence a detector would receive (relay contacts, canary contacts, credit-report accounts and queries, borrower reports, staff contacts), honest traces included. ⚑ marks a poacher in truth.',
      ),
    );
  }
  charts.push(
    figure(
      lineChart(
        'Approved but never confirmed, % of approvals (4-week window)',
        days,
        abandonmentLines(report),
        (v) => `${compact(v)}%`,
      ),
      'The cohort rate interception raises. A naive poacher stands out; a throttled one stays near the honest funders’ baseline abandonment. ⚑ marks a poacher in truth.',
    ),
  );
  charts.push(
    figure(
      lineChart('Customers lost to direct business (cumulative)', days, lostLines(report)),
      'Customers who took a funder’s direct offer, in total and by funder.',
    ),
  );
  const fee = [{ name: 'with defences', values: cumulativeOf(report.series.platform.serviceFeesFen) }];
  if (report.baseline)
    fee.push({
      name: 'no-defence baseline',
      values: cumulativeOf(report.baseline.series.platform.serviceFeesFen),
      dashed: true,
    } as (typeof fee)[number]);
  charts.push(
    figure(
      lineChart(
        'Service-fee income, yuan (cumulative)',
        days,
        fee.map((l) => ({ ...l, values: l.values.map((v) => v / 100) })),
      ),
      report.baseline
        ? 'Against the same market with rotation, canaries, relay contacts and credit-report checks off. Canary loans are real loans (the funder pays the fee); their interest is part of the canary cost.'
        : 'Run with --compare-baseline to draw the no-defence baseline.',
    ),
  );

  const p = report.platform;
  const rows = report.funders
    .map(
      (f) =>
        `<tr class="${f.truth}"><td>${escapeHtml(f.id)}</td><td>${f.truth}</td><td>${f.type}</td><td>${f.booked}</td><td>${f.approved === 0 ? '—' : `${((100 * f.abandonedAfterApproval) / f.approved).toFixed(1)}%`}</td><td>${f.poached}</td><td>${f.poachedByInterception} / ${f.poachedByReawakening}</td><td>${f.poachedFromDataOnly}</td><td>${day(f.firstPoachDay)}</td>` +
        `<td>${day(f.alertDay.watch)}</td><td>${day(f.alertDay.suspect)}</td><td>${day(f.alertDay.confirmed)}</td><td>${f.poachedBeforeConfirmed}</td><td>${formatYuan(f.serviceFeesFen)}</td><td>${formatYuan(f.poachingLossFen)}</td><td>${formatYuan(f.penaltiesFen)}</td></tr>`,
    )
    .join('\n');
  const evidenceRows = report.funders
    .map(
      (f) =>
        `<tr class="${f.truth}"><td>${escapeHtml(f.id)}</td><td>${f.truth}</td>` +
        EVIDENCE_KINDS.map(
          (kind) => `<td>${f.evidence[kind].total} / ${f.evidence[kind].fromPoaching}</td>`,
        ).join('') +
        `<td>${f.relayContactsRecorded}</td></tr>`,
    )
    .join('\n');
  const baseline = p.baseline ?? report.baseline?.platform;
  const detectorNote = report.detector
    ? ''
    : '<p class="note">No detector ran (the detection module is a later issue), so alert days are — (null), “poached before confirmed” counts every poached customer and no penalty is levied. The evidence a detector would receive is recorded and charted above.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shoujia market simulation — seed ${report.scenario.seed}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px}h2{font-size:16px;margin-top:24px}table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}
td:first-child,td:nth-child(2){text-align:left}table.economics td:nth-child(2){text-align:right}tr.poacher{background:#fff1f0}.note{color:#8a5a00}
svg{display:block}figure{margin:18px 0}figcaption{color:#555;font-size:12px;max-width:760px}.title{font-weight:600;font-size:13px}.grid{stroke:#e4e4e4}.ytick{font-size:11px;text-anchor:end;dominant-baseline:middle;fill:#555}
.xtick{font-size:11px;text-anchor:middle;fill:#555}.legend{font-size:11px;fill:#333}
</style></head><body>
<h1>守家 Shoujia — market simulation</h1>
<p>Seed ${report.scenario.seed}, ${report.scenario.days} days from ${report.scenario.startDate}, ${report.scenario.customers.toLocaleString('en-US')} customers (${p.canaries} canaries), ${report.scenario.funders} funders.</p>
<p>Applications ${p.applications.toLocaleString('en-US')}, approved ${p.approvedApplications.toLocaleString('en-US')}, booked ${p.booked.toLocaleString('en-US')} (${p.canaryBooked} by canaries), customers lost ${p.customersLost}.</p>
${economicsTable(p, baseline)}
${detectorNote}
${charts.join('\n')}
<h2>Funders 资方</h2>
<table><thead><tr><th>funder</th><th>truth</th><th>type</th><th>booked</th><th>abandoned after approval</th><th>poached</th><th>intercepted / reawakened</th><th>of whom data only</th><th>first poach day</th><th>watch</th><th>suspect</th><th>confirmed</th><th>poached before confirmed</th><th>service fees</th><th>poaching loss</th><th>penalties</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Evidence 证据 (total / from poaching)</h2>
<p class="note">Each cell: items recorded against the funder / of them, how many came from poaching (ground truth, in the report only: a detector never sees it). The rest are honest traces and noise.</p>
<table><thead><tr><th>funder</th><th>truth</th>${EVIDENCE_KINDS.map((kind) => `<th>${escapeHtml(EVIDENCE_LABELS[kind])}</th>`).join('')}<th>relay contacts recorded (in purpose or not)</th></tr></thead>
<tbody>
${evidenceRows}
</tbody></table>
<p>Runtime ${report.runtimeMs} ms.</p>
</body></html>
`;
}

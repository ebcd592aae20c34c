// Evidence classifiers the market simulator calls per simulated contact and per re-application
// (issue 13: one classifier, two callers): relay contact purpose (ns per call) and the credit-report
// cross-check (µs per report of 5 accounts and 5 queries against 5 exposures). Peers in the same
// run: the contact classifier on Dates vs epoch ms, and matching alone vs parsing the JSON text first.
import {
  buildInstitutionAliases,
  type CreditReport,
  matchCreditReport,
  parseCreditReport,
} from '../src/detection/index.ts';
import { SeededRandom } from '../src/kernel/index.ts';
import { type ContactFacts, classifyContact, type PurposeContext } from '../src/sharing/contact-purpose.ts';
import type { BenchArea, BenchResult } from './run.ts';

const CASES = 256;
const ROUNDS = 7;
const ROUND_MS = 150;

/** Median over ROUNDS of nanoseconds per operation, each round running for ~ROUND_MS. */
function nsPerOp(op: (i: number) => number): number {
  let sink = 0;
  for (let i = 0; i < 5_000; i++) sink += op(i % CASES);
  const perOp: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let count = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < BigInt(ROUND_MS) * 1_000_000n) {
      for (let i = 0; i < CASES; i++) sink += op(i);
      count += CASES;
      elapsed = process.hrtime.bigint() - start;
    }
    perOp.push(Number(elapsed) / count);
  }
  if (Number.isNaN(sink)) throw new Error('unreachable: keeps the result alive');
  perOp.sort((a, b) => a - b);
  return perOp[Math.floor(ROUNDS / 2)]!;
}

const SUMMARIES = [
  '',
  '您好，核实一下您的工作单位和收入情况',
  '【某银行】您有一笔专属额度待领取，点击下载APP直接申请',
  '本期账单已出，请按时还款',
];
const CATEGORIES = [null, null, 'marketing', 'verification'] as const;

function contacts(epochMs: boolean): Array<{ facts: ContactFacts; context: PurposeContext }> {
  const random = new SeededRandom(7);
  const t = (minute: number) =>
    epochMs ? Date.UTC(2026, 2, 1) + minute * 60_000 : new Date(Date.UTC(2026, 2, 1) + minute * 60_000);
  return Array.from({ length: CASES }, () => ({
    facts: {
      occurredAt: t(random.int(0, 60 - 1)),
      summary: SUMMARIES[random.int(0, SUMMARIES.length - 1)]!,
      category: CATEGORIES[random.int(0, CATEGORIES.length - 1)]!,
    },
    context: {
      shares: [{ stage: 'application', at: t(0) }],
      events: [
        { toStatus: 'sent', at: t(0) },
        { toStatus: 'approved', at: t(10) },
        { toStatus: 'confirmed', at: t(20) },
        { toStatus: 'booked', at: t(30) },
      ],
    },
  }));
}

const NAMES = [
  '招联消费金融有限公司',
  '中国工商银行股份有限公司北京朝阳支行',
  '马上消费金融股份有限公司',
  '某某小额贷款有限公司',
  '中银消费金融有限公司',
];
const FUNDERS = ['zhaolian', 'icbc', 'mashang', 'other', 'zhongyin'];

function reports(): Array<{ report: CreditReport; text: string }> {
  const random = new SeededRandom(11);
  const iso = (d: number) => new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10);
  return Array.from({ length: CASES }, (_, k) => {
    const report: CreditReport = {
      reportId: `PA${1_000_000 + k}`,
      subject: { customerId: `cus_${k}` },
      generatedOn: iso(120),
      accounts: Array.from({ length: 5 }, () => ({
        institution: NAMES[random.int(0, NAMES.length - 1)]!,
        type: random.int(0, 3 - 1) === 0 ? 'credit-card' : 'non-revolving',
        openedOn: iso(random.int(0, 120 - 1)),
        amountFen: 1_000_000 + random.int(0, 10_000_000 - 1),
        status: 'normal',
      })),
      queries: Array.from({ length: 5 }, () => ({
        institution: NAMES[random.int(0, NAMES.length - 1)]!,
        date: iso(random.int(0, 120 - 1)),
        reason: random.int(0, 2 - 1) === 0 ? 'loan-approval' : 'post-loan-management',
      })),
    };
    return { report, text: JSON.stringify(report) };
  });
}

const evidence: BenchArea = {
  description: `contact purpose (ns/call) and credit-report matching (µs/report, 5 accounts + 5 queries), ${CASES} seeded cases, median of ${ROUNDS}`,
  async run() {
    const results: BenchResult[] = [];
    for (const epochMs of [true, false]) {
      const cases = contacts(epochMs);
      const ns = nsPerOp((i) =>
        classifyContact(cases[i]!.facts, cases[i]!.context).verdict === 'in-purpose' ? 1 : 0,
      );
      results.push({
        name: `contact_purpose_${epochMs ? 'epoch_ms' : 'dates'}_ns`,
        value: Math.round(ns),
        unit: 'ns/call',
      });
    }
    const built = buildInstitutionAliases(
      FUNDERS.slice(0, 3).map((funderId, i) => ({ funderId, names: [NAMES[i]!] })),
    );
    if (!built.ok) throw new Error(built.message);
    const random = new SeededRandom(13);
    const contexts = Array.from({ length: CASES }, () => ({
      aliases: built.value,
      exposures: Array.from({ length: 5 }, (_, j) => ({
        funderId: FUNDERS[j % 3]!,
        at: `2026-01-${String(1 + random.int(0, 28 - 1)).padStart(2, '0')}`,
        ledgerEntryId: `led_${j}`,
      })),
      platformLoans: [{ funderId: FUNDERS[random.int(0, 3 - 1)]!, bookedOn: '2026-02-10' }],
      platformApplications: [{ funderId: FUNDERS[random.int(0, 3 - 1)]!, on: '2026-02-08' }],
    }));
    const cases = reports();
    const match = nsPerOp((i) => matchCreditReport(cases[i]!.report, contexts[i]!).evidence.length);
    results.push({
      name: 'credit_report_match_us',
      value: Math.round(match / 10) / 100,
      unit: 'µs/report',
      note: 'goal: tens of µs',
    });
    const both = nsPerOp((i) => {
      const parsed = parseCreditReport(cases[i]!.text);
      return parsed.ok ? matchCreditReport(parsed.value, contexts[i]!).evidence.length : -1;
    });
    results.push({
      name: 'credit_report_parse_and_match_us',
      value: Math.round(both / 10) / 100,
      unit: 'µs/report',
      note: 'peer: from the JSON text',
    });
    return results;
  },
};

export default evidence;

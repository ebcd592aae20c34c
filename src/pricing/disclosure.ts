// The borrower-facing disclosure of a quote: structured figures and a Chinese text block. PBOC
// announcement 2021 No. 3 requires the annualised rate to be shown prominently; 金规〔2025〕9号
// art. 6 counts every fee toward the comprehensive cost, so fees are shown with it.
import { assert, formatYuan } from '../kernel/index.ts';
import { type Apr, type CapCheck, METHOD_LABELS_ZH, type Quote, type RepaymentMethod } from './model.ts';
import { percent } from './quote.ts';

export interface Disclosure {
  principalFen: number;
  disbursedFen: number;
  termMonths: number;
  method: RepaymentMethod;
  methodLabel: string;
  /** the contract's nominal annual interest rate (年化利率, simple, period rate × 12) */
  rateAnnual: number;
  rateAnnualText: string;
  /** 综合年化成本: IRR incl. every fee; nominal = period IRR × 12, effective = compounded */
  apr: Apr;
  aprText: string;
  aprEffectiveText: string;
  /** the first and the last installment (equal for level schedules apart from the last's rounding) */
  firstPaymentFen: number;
  lastPaymentFen: number;
  minPaymentFen: number;
  maxPaymentFen: number;
  totalInterestFen: number;
  totalFeeFen: number;
  totalPaymentFen: number;
  capCheck: CapCheck;
  /** the text block, one line per figure */
  text: string;
}

/** Needs the schedule: quote with the default options. */
export function disclosure(priced: Quote): Disclosure {
  const { loan, totals, apr, schedule } = priced;
  // A disclosure of a schedule-less quote would show ¥0.00 installments: a bug, not a disclosure.
  assert(
    schedule.length === loan.termMonths,
    'disclosure needs the schedule: quote without { schedule: false }',
  );
  let minPaymentFen = Number.POSITIVE_INFINITY;
  let maxPaymentFen = 0;
  for (const line of schedule) {
    if (line.paymentFen < minPaymentFen) minPaymentFen = line.paymentFen;
    if (line.paymentFen > maxPaymentFen) maxPaymentFen = line.paymentFen;
  }
  if (schedule.length === 0) minPaymentFen = 0;
  const firstPaymentFen = schedule[0]?.paymentFen ?? 0;
  const lastPaymentFen = schedule[schedule.length - 1]?.paymentFen ?? 0;
  const methodLabel = METHOD_LABELS_ZH[loan.method];
  const rateAnnualText = percent(loan.rateAnnual);
  const aprText = percent(apr.nominal);
  const aprEffectiveText = percent(apr.effective);

  let paymentLine: string;
  if (schedule.length === 1) paymentLine = `每期还款 ${formatYuan(firstPaymentFen)}（共 1 期）`;
  else if (schedule.slice(0, -1).every((line) => line.paymentFen === 0)) {
    // bullet without periodic fees: nothing is due before the end
    paymentLine = `到期一次还款 ${formatYuan(lastPaymentFen)}（第 ${loan.termMonths} 期，此前各期无需还款）`;
  } else if (schedule.slice(0, -1).every((line) => line.paymentFen === firstPaymentFen)) {
    paymentLine =
      lastPaymentFen === firstPaymentFen
        ? `每期还款 ${formatYuan(firstPaymentFen)}（共 ${loan.termMonths} 期）`
        : `每期还款 ${formatYuan(firstPaymentFen)}，末期 ${formatYuan(lastPaymentFen)}（共 ${loan.termMonths} 期）`;
  } else {
    paymentLine = `每期还款 ${formatYuan(minPaymentFen)} 至 ${formatYuan(maxPaymentFen)}，首期 ${formatYuan(firstPaymentFen)}，末期 ${formatYuan(lastPaymentFen)}（共 ${loan.termMonths} 期）`;
  }
  const lines = [
    `借款金额 ${formatYuan(loan.principalFen)}，实际到账 ${formatYuan(totals.disbursedFen)}，期限 ${loan.termMonths} 个月，还款方式 ${methodLabel}`,
    `年化利率 ${rateAnnualText}（单利，月利率 × 12）`,
    `综合年化成本 ${aprText}（按实际现金流计算的内部收益率 × 12，含全部费用；按复利折算 ${aprEffectiveText}）`,
    paymentLine,
    `总利息 ${formatYuan(totals.interestFen)}`,
    `总费用 ${formatYuan(totals.feeFen)}`,
    `还款总额 ${formatYuan(totals.paymentFen)}`,
  ];
  if (!priced.capCheck.ok) {
    lines.push(
      `注意：综合年化成本超过 ${percent(priced.capCheck.cap)} 的上限（${priced.capCheck.basis === 'nominal' ? '名义' : '复利'}口径）`,
    );
  }
  return {
    principalFen: loan.principalFen,
    disbursedFen: totals.disbursedFen,
    termMonths: loan.termMonths,
    method: loan.method,
    methodLabel,
    rateAnnual: loan.rateAnnual,
    rateAnnualText,
    apr,
    aprText,
    aprEffectiveText,
    firstPaymentFen,
    lastPaymentFen,
    minPaymentFen,
    maxPaymentFen,
    totalInterestFen: totals.interestFen,
    totalFeeFen: totals.feeFen,
    totalPaymentFen: totals.paymentFen,
    capCheck: priced.capCheck,
    text: lines.join('\n'),
  };
}

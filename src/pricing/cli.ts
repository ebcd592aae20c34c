// `shoujia price`: price a loan offline (no database, no server). `--json` prints exactly
// {schedule, totals, apr, capCheck}; the default prints the Chinese disclosure and the schedule.
// Exit 0 whenever a quote was made (also above the cap), 2 for bad arguments, naming the argument.
import type { Command } from '../cli/main.ts';
import type { FeeLine } from '../catalog/model.ts';
import { formatYuan } from '../kernel/index.ts';
import { DEFAULT_CAP } from './cap.ts';
import { disclosure } from './disclosure.ts';
import {
  CAP_BASES,
  type CapBasis,
  FEE_LINES_MAX,
  type QuoteInput,
  REPAYMENT_METHODS,
  type RepaymentMethod,
} from './model.ts';
import { quote } from './quote.ts';

const USAGE = `Usage: shoujia price --principal-fen N --term-months N --rate-annual R --method M [options]

Prices a loan: repayment schedule, comprehensive annual cost (IRR over the actual cash flows,
every fee included) and the cap check. Period rate = annual rate / 12.

Required:
  --principal-fen N     amount lent, whole fen (1000000 = ¥10,000)
  --term-months N       1..360
  --rate-annual R       nominal annual interest rate in [0, 1), e.g. 0.18
  --method M            ${REPAYMENT_METHODS.join(' | ')}

Options:
  --fee upfront:FEN        deducted from the amount disbursed
  --fee monthly:FEN        fixed fee every period
  --fee monthly-rate:R     R × original principal every period
  --fee once:PERIOD:FEN    one-off fee at PERIOD
                           (--fee repeats, at most ${FEE_LINES_MAX})
  --cap R                  cost cap (default ${DEFAULT_CAP.rate})
  --cap-basis B            nominal (period IRR × 12, default) | effective ((1+r)^12 − 1)
  --json                   print {"schedule","totals","apr","capCheck"} only

Exit status: 0 a quote was made (also when capCheck.ok is false); 2 bad arguments.`;

class ArgumentError extends Error {
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(message);
  }
}

const WHOLE = /^\d{1,16}$/;
const DECIMAL = /^(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function whole(argument: string, text: string): number {
  if (!WHOLE.test(text)) throw new ArgumentError(argument, `must be a whole number, got '${text}'`);
  return Number(text);
}

function decimal(argument: string, text: string): number {
  if (!DECIMAL.test(text)) throw new ArgumentError(argument, `must be a decimal number, got '${text}'`);
  return Number(text);
}

export function parseFee(spec: string, argument = '--fee'): FeeLine {
  const parts = spec.split(':');
  const [kind] = parts;
  const shape = (expected: string) => new ArgumentError(argument, `'${spec}' must be ${expected}`);
  switch (kind) {
    case 'upfront':
    case 'monthly':
      if (parts.length !== 2) throw shape(`${kind}:FEN`);
      return { kind, amountFen: whole(argument, parts[1]!) };
    case 'monthly-rate':
      if (parts.length !== 2) throw shape('monthly-rate:RATE');
      return { kind, rate: decimal(argument, parts[1]!) };
    case 'once':
      if (parts.length !== 3) throw shape('once:PERIOD:FEN');
      return { kind, period: whole(argument, parts[1]!), amountFen: whole(argument, parts[2]!) };
    default:
      throw shape('upfront:FEN, monthly:FEN, monthly-rate:RATE or once:PERIOD:FEN');
  }
}

const FLAGS = [
  '--principal-fen',
  '--term-months',
  '--rate-annual',
  '--method',
  '--fee',
  '--cap',
  '--cap-basis',
  '--json',
] as const;

/** Parse argv into a quote input; throws ArgumentError naming the argument. */
export function parsePriceArgs(argv: readonly string[]): { input: QuoteInput; json: boolean } {
  const single = new Map<string, string>();
  const fees: string[] = [];
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.indexOf('=');
    const flag = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    if (!(FLAGS as readonly string[]).includes(flag)) throw new ArgumentError(flag, 'unknown argument');
    if (flag === '--json') {
      if (eq > 0) throw new ArgumentError(flag, 'takes no value');
      json = true;
      continue;
    }
    let value: string | undefined;
    if (eq > 0) value = raw.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--')))
      throw new ArgumentError(flag, 'needs a value');
    if (flag === '--fee') {
      if (fees.length >= FEE_LINES_MAX) throw new ArgumentError(flag, `at most ${FEE_LINES_MAX} fees`);
      fees.push(value);
    } else {
      if (single.has(flag)) throw new ArgumentError(flag, 'given twice');
      single.set(flag, value);
    }
  }
  const required = (flag: string): string => {
    const value = single.get(flag);
    if (value === undefined) throw new ArgumentError(flag, 'is required');
    return value;
  };
  const principalFen = whole('--principal-fen', required('--principal-fen'));
  const termMonths = whole('--term-months', required('--term-months'));
  const rateAnnual = decimal('--rate-annual', required('--rate-annual'));
  const method = required('--method');
  if (!(REPAYMENT_METHODS as readonly string[]).includes(method)) {
    throw new ArgumentError('--method', `must be one of ${REPAYMENT_METHODS.join(', ')}, got '${method}'`);
  }
  const capText = single.get('--cap');
  const basisText = single.get('--cap-basis') ?? DEFAULT_CAP.basis;
  if (!(CAP_BASES as readonly string[]).includes(basisText))
    throw new ArgumentError('--cap-basis', `must be nominal or effective, got '${basisText}'`);
  const cap = {
    rate: capText === undefined ? DEFAULT_CAP.rate : decimal('--cap', capText),
    basis: basisText as CapBasis,
  };
  return {
    input: {
      principalFen,
      termMonths,
      rateAnnual,
      method: method as RepaymentMethod,
      fees: fees.map((spec) => parseFee(spec)),
      cap,
    },
    json,
  };
}

/** Map the core's field name back to the argument the user typed. */
function argumentFor(field: string | undefined, feeSpecs: readonly FeeLine[]): string {
  if (!field) return 'arguments';
  if (field === 'principalFen') return '--principal-fen';
  if (field === 'termMonths') return '--term-months';
  if (field === 'rateAnnual') return '--rate-annual';
  if (field === 'method') return '--method';
  if (field === 'cap.rate') return '--cap';
  if (field === 'cap.basis') return '--cap-basis';
  const fee = /^fees\.(\d+)/.exec(field);
  if (fee && feeSpecs.length > 1) return `--fee (#${Number(fee[1]) + 1})`;
  return '--fee';
}

/** Terminal columns a string takes: CJK and full-width characters take two. */
function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text)
    width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60\uffe0-\uffe6]/.test(ch)
      ? 2
      : 1;
  return width;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => displayWidth(r[c]!))));
  const pad = (cell: string, c: number) => ' '.repeat(widths[c]! - displayWidth(cell));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell + pad(cell, c) : pad(cell, c) + cell)).join('  '))
    .join('\n');
}

export async function runPrice(
  argv: string[],
  out: (line: string) => void = console.log,
  fail: (line: string) => void = console.error,
): Promise<number> {
  let parsed: ReturnType<typeof parsePriceArgs>;
  try {
    parsed = parsePriceArgs(argv);
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error;
    fail(`shoujia price: ${error.argument}: ${error.message}\n(see shoujia price --help)`);
    return 2;
  }
  const result = quote(parsed.input);
  if (!result.ok) {
    fail(
      `shoujia price: ${argumentFor(result.field, parsed.input.fees)}: ${result.message} [${result.code}]`,
    );
    return 2;
  }
  const { schedule, totals, apr, capCheck } = result.value;
  if (parsed.json) {
    out(JSON.stringify({ schedule, totals, apr, capCheck }));
    return 0;
  }
  out(disclosure(result.value).text);
  out('');
  const rows = [['期数', '本金', '利息', '费用', '还款', '剩余本金']];
  for (const line of schedule) {
    rows.push([
      String(line.period),
      ...[line.principalFen, line.interestFen, line.feeFen, line.paymentFen, line.balanceFen].map(formatYuan),
    ]);
  }
  out(table(rows));
  out('');
  out(
    `capCheck: ${capCheck.ok ? 'ok' : 'ABOVE CAP'} (cap ${capCheck.cap} on the ${capCheck.basis} figure; period IRR ${apr.periodRate})`,
  );
  return 0;
}

export const priceCommand: Command = {
  summary: 'price a loan: schedule, comprehensive annual cost (IRR), 24% cap check',
  usage: USAGE,
  run: (argv) => runPrice(argv),
};

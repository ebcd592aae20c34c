// `shoujia price`: the --json shape the issue fixes, exit codes, and bad arguments named.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runPrice } from './cli.ts';
import { quote } from './quote.ts';

const BIN = fileURLToPath(new URL('../../bin/shoujia.js', import.meta.url));
const BASE = [
  '--principal-fen',
  '1000000',
  '--term-months',
  '12',
  '--rate-annual',
  '0.18',
  '--method',
  'equal-installment',
];

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPrice(
    argv,
    (line) => out.push(line),
    (line) => err.push(line),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('shoujia price', () => {
  it('prints exactly {schedule, totals, apr, capCheck} with --json, matching the core', async () => {
    const argv = [
      ...BASE,
      '--fee',
      'upfront:30000',
      '--fee',
      'monthly:1500',
      '--fee',
      'monthly-rate:0.003',
      '--fee',
      'once:3:5000',
      '--cap',
      '0.24',
      '--json',
    ];
    const { code, out } = await run(argv);
    expect(code).toBe(0);
    const printed = JSON.parse(out);
    expect(Object.keys(printed)).toEqual(['schedule', 'totals', 'apr', 'capCheck']);
    expect(Object.keys(printed.schedule[0])).toEqual([
      'period',
      'principalFen',
      'interestFen',
      'feeFen',
      'paymentFen',
      'balanceFen',
    ]);
    expect(Object.keys(printed.totals)).toEqual([
      'principalFen',
      'interestFen',
      'feeFen',
      'paymentFen',
      'disbursedFen',
    ]);
    expect(Object.keys(printed.apr)).toEqual(['periodRate', 'nominal', 'effective']);
    expect(Object.keys(printed.capCheck)).toEqual(['cap', 'basis', 'ok']);
    const expected = quote({
      principalFen: 1_000_000,
      termMonths: 12,
      rateAnnual: 0.18,
      method: 'equal-installment',
      fees: [
        { kind: 'upfront', amountFen: 30_000 },
        { kind: 'monthly', amountFen: 1_500 },
        { kind: 'monthly-rate', rate: 0.003 },
        { kind: 'once', period: 3, amountFen: 5_000 },
      ],
    });
    if (!expected.ok) throw new Error(expected.message);
    expect(printed.totals).toEqual(expected.value.totals);
    expect(printed.schedule[2].feeFen).toBe(1_500 + 3_000 + 5_000);
    // this loan costs ~34% a year: above the cap, still exit 0
    expect(printed.capCheck).toEqual({ cap: 0.24, basis: 'nominal', ok: false });
  });

  it('prints the Chinese disclosure and a schedule table without --json', async () => {
    const { code, out } = await run(BASE);
    expect(code).toBe(0);
    expect(out).toContain('年化利率 18.00%');
    expect(out).toContain('综合年化成本 18.00%');
    expect(out).toContain('每期还款 ¥916.80，末期 ¥916.81（共 12 期）');
    expect(out).toContain('capCheck: ok');
  });

  it.each([
    ['missing principal', BASE.slice(2), '--principal-fen'],
    ['negative principal', ['--principal-fen', '-5', ...BASE.slice(2)], '--principal-fen'],
    ['zero principal', ['--principal-fen', '0', ...BASE.slice(2)], '--principal-fen'],
    ['yuan instead of fen', ['--principal-fen', '10000.50', ...BASE.slice(2)], '--principal-fen'],
    ['term 400', [...BASE.slice(0, 2), '--term-months', '400', ...BASE.slice(4)], '--term-months'],
    ['rate 1.5', [...BASE.slice(0, 4), '--rate-annual', '1.5', ...BASE.slice(6)], '--rate-annual'],
    [
      'rate as a percentage',
      [...BASE.slice(0, 4), '--rate-annual', '18%', ...BASE.slice(6)],
      '--rate-annual',
    ],
    ['unknown method', [...BASE.slice(0, 6), '--method', 'balloon'], '--method'],
    ['malformed fee', [...BASE, '--fee', 'upfront'], '--fee'],
    ['unknown fee kind', [...BASE, '--fee', 'membership:100'], '--fee'],
    ['one-off fee after the term', [...BASE, '--fee', 'once:13:100'], '--fee'],
    ['fee that eats the principal', [...BASE, '--fee', 'upfront:1000000'], '--fee'],
    ['cap of zero', [...BASE, '--cap', '0'], '--cap'],
    ['unknown argument', [...BASE, '--discount', '5'], '--discount'],
    ['flag without a value', [...BASE, '--cap'], '--cap'],
    ['given twice', [...BASE, '--method', 'bullet'], '--method'],
  ])('exits 2 naming the argument: %s', async (_name, argv, argument) => {
    const { code, err, out } = await run(argv);
    expect(code).toBe(2);
    expect(err).toContain(`shoujia price: ${argument}`);
    expect(out).toBe('');
  });

  it('runs as the real command with the exit codes the issue gives', () => {
    const ok = execFileSync(
      process.execPath,
      [BIN, 'price', ...BASE, '--fee', 'monthly-rate:0.01', '--json'],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(ok).capCheck.ok).toBe(false); // above the cap and still exit 0 (execFileSync throws otherwise)
    const bad = spawnSync(process.execPath, [BIN, 'price', ...BASE.slice(0, 6), '--method', 'balloon'], {
      encoding: 'utf8',
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--method');
  });
});

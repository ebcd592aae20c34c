// Money is integer fen (分) everywhere. Rates are fractions (0.18 = 18% a year) and may be floats;
// every conversion from a rate to money goes through rateOfFen, the one place that rounds.
import { assert } from './assert.ts';

export type Fen = number;

/** The largest amount we accept anywhere: 10^13 fen = ¥100 billion, far inside 2^53. */
export const MAX_FEN = 10_000_000_000_000;

export function isFen(value: unknown): value is Fen {
  return typeof value === 'number' && Number.isSafeInteger(value) && Math.abs(value) <= MAX_FEN;
}

export function assertFen(value: unknown, what = 'amount'): asserts value is Fen {
  // The message is built only on failure: this runs for every schedule line on pricing's hot path.
  if (!isFen(value)) assert(false, `${what} must be whole fen within ±${MAX_FEN}, got ${String(value)}`);
}

/** roundFen's shortcut applies below this amount, away from half fen by more than NEAR_HALF. */
const NEAR_HALF_LIMIT = 2 ** 30;
const NEAR_HALF = 4e-6;

/**
 * Half-up rounding (四舍五入) of a non-integer fen amount, robust to binary representation error:
 * 1000000 * 0.015 is 15000.000000000002 in IEEE doubles and must give 15000, and 0.5 fen must give 1.
 * We first snap to 1e-6 fen (far below anything a rate can mean) and then round half away from zero.
 */
export function roundFen(value: number): Fen {
  // The common case, an amount in [0, 2^30) not within 4e-6 of a half fen: floor(value + 0.5) is
  // the answer. The snap below moves a value by at most 7.5e-7 there and each of its roundings by
  // at most 1.2e-7 (an ulp below 2^30 is 2^-22), so snapped + 0.5 lies within 1.2e-6 of
  // value + 0.5, on the same side of every whole number. Two dependent operations instead of five:
  // pricing's level-installment schedule runs one per period, each period waiting on the last.
  if (value >= 0 && value < NEAR_HALF_LIMIT) {
    const shifted = value + 0.5;
    const whole = Math.floor(shifted);
    const fraction = shifted - whole; // exact: both below 2^31
    if (fraction > NEAR_HALF && fraction < 1 - NEAR_HALF) return whole;
  }
  // Non-negative within MAX_FEN: the operations below with a sign of 1, so the same bits; the
  // result is whole fen in [0, MAX_FEN] (−0 comes out as 0). NaN and ±Infinity fail the test.
  if (value >= 0 && value <= MAX_FEN) return Math.floor(Math.round(value * 1e6) / 1e6 + 0.5);
  if (!Number.isFinite(value)) assert(false, `cannot round non-finite ${value} to fen`);
  const snapped = Math.round(value * 1e6) / 1e6;
  const rounded = Math.sign(snapped) * Math.floor(Math.abs(snapped) + 0.5);
  const result = rounded === 0 ? 0 : rounded; // no -0
  assertFen(result, 'rounded amount');
  return result;
}

/** amountFen × rate, rounded half-up to the fen. The one place a rate becomes money. */
export function rateOfFen(amountFen: Fen, rate: number): Fen {
  // The common case (whole fen ≥ 0 within MAX_FEN, a finite rate ≥ 0) needs none of the checks below.
  if (
    amountFen >= 0 &&
    amountFen <= MAX_FEN &&
    Math.floor(amountFen) === amountFen &&
    rate >= 0 &&
    rate < Infinity
  )
    return roundFen(amountFen * rate);
  assertFen(amountFen);
  assert(Number.isFinite(rate), 'rate must be finite');
  return roundFen(amountFen * rate);
}

export function sumFen(values: readonly Fen[]): Fen {
  let total = 0;
  for (const value of values) {
    assertFen(value);
    total += value;
  }
  assertFen(total, 'sum');
  return total;
}

/** Parse a yuan string such as "1234.56" exactly into fen; rejects more than two decimals. */
export function yuanToFen(yuan: string): Fen {
  const match = /^(-?)(\d{1,11})(?:\.(\d{1,2}))?$/.exec(yuan.trim());
  assert(match, `not a yuan amount: ${yuan}`);
  const [, sign, whole, frac = ''] = match;
  const fen = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  return sign === '-' ? -fen : fen;
}

/** ¥1,234.56 — for UI strings and disclosures. */
export function formatYuan(amountFen: Fen): string {
  assertFen(amountFen);
  const sign = amountFen < 0 ? '-' : '';
  const abs = Math.abs(amountFen);
  const whole = Math.floor(abs / 100).toLocaleString('en-US');
  const frac = String(abs % 100).padStart(2, '0');
  return `${sign}¥${whole}.${frac}`;
}

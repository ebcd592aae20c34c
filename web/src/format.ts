// Display helpers, pure. Money arrives as integer fen (DESIGN principle 3) and is shown as yuan
// with exact integer arithmetic — no division by 100 in floating point, so ¥0.29 never prints as
// ¥0.28 and amounts past 2^53 fen are refused rather than rounded.
export function formatFen(fen: number | bigint): string {
  if (typeof fen === 'number' && !Number.isSafeInteger(fen))
    throw new RangeError(`an amount in fen is a safe integer, not ${fen}`);
  const value = BigInt(fen);
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const yuan = (magnitude / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (magnitude % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}¥${yuan}.${cents}`;
}

/** A rate in [0, 1] as a percentage with one decimal; null (no denominator) as a dash. */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}

/** An ISO instant in Beijing time (the platform's calendar), `YYYY-MM-DD HH:mm`. */
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const shifted = new Date(date.getTime() + 8 * 3600 * 1000);
  return shifted.toISOString().slice(0, 16).replace('T', ' ');
}

/** Today in Asia/Shanghai as YYYY-MM-DD, `days` before `now`. */
export function shanghaiDate(now: Date, daysBefore = 0): string {
  return new Date(now.getTime() + 8 * 3600 * 1000 - daysBefore * 86_400_000).toISOString().slice(0, 10);
}

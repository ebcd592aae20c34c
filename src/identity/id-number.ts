// Resident ID number (居民身份证号码) validation per GB 11643-1999: 6-digit region code,
// 8-digit birth date, 3-digit sequence (odd = male), ISO 7064 MOD 11-2 check character.
import { ageInYears } from '../kernel/index.ts';
import { type RegionInfo, lookupRegion } from './regions.ts';

// GB 11643-1999 §8.2: weights Wi = 2^(17-i) mod 11 for positions 1..17.
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

export type IdNumberError =
  | 'id_number_format'
  | 'id_number_checksum'
  | 'id_number_birth_date'
  | 'id_number_region';

export interface ParsedIdNumber {
  normalised: string;
  birth: { year: number; month: number; day: number };
  birthDate: string; // YYYY-MM-DD
  gender: 'male' | 'female';
  region: RegionInfo;
}

export function normaliseIdNumber(raw: string): string {
  return raw.trim().toUpperCase();
}

export function checkCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/** Parse and validate; `at` is the date against which "not in the future" is judged. */
export function parseIdNumber(
  raw: string,
  at: Date,
): { ok: true; value: ParsedIdNumber } | { ok: false; code: IdNumberError; message: string } {
  const id = normaliseIdNumber(raw);
  if (!/^\d{17}[\dX]$/.test(id))
    return {
      ok: false,
      code: 'id_number_format',
      message: 'ID number must be 17 digits and a check digit or X',
    };
  if (checkCharacter(id.slice(0, 17)) !== id[17])
    return { ok: false, code: 'id_number_checksum', message: 'ID number check character is wrong' };
  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(year, month - 1, day));
  const realDate =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  if (!realDate || year < 1900)
    return { ok: false, code: 'id_number_birth_date', message: 'ID number birth date is not a real date' };
  if (date.getTime() > at.getTime())
    return { ok: false, code: 'id_number_birth_date', message: 'ID number birth date is in the future' };
  const region = lookupRegion(id.slice(0, 6));
  if (!region)
    return {
      ok: false,
      code: 'id_number_region',
      message: 'ID number region code is not a well-formed division code',
    };
  return {
    ok: true,
    value: {
      normalised: id,
      birth: { year, month, day },
      birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
      gender: Number(id[16]) % 2 === 1 ? 'male' : 'female',
      region,
    },
  };
}

export function ageAt(parsed: ParsedIdNumber, at: Date): number {
  return ageInYears(parsed.birth, at);
}

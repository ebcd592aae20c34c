// What the industry's pre-screen (撞库 by MD5 of the mobile number) leaks: an 11-digit number's
// MD5 is inverted by enumeration. A 7-digit segment (号段, e.g. 1381234) leaves 10^4 candidates;
// all mainland mobile numbers are under 10^10. Used by the test and the benchmark that show it.
import { createHash } from 'node:crypto';
import { assert } from '../kernel/index.ts';

export const md5Hex = (text: string): string => createHash('md5').update(text).digest('hex');

/**
 * Enumerate every number under `prefix` (3 to 11 digits) and return the ones whose MD5 is among
 * `hashes`. `limit` bounds the enumeration (STYLE §8): 10^8 candidates at most per call.
 */
export function invertMd5Phones(
  hashes: ReadonlySet<string>,
  prefix: string,
  limit = 100_000_000,
): Map<string, string> {
  assert(/^1\d{2,10}$/.test(prefix), 'prefix is the start of a mainland mobile number');
  const freeDigits = 11 - prefix.length;
  const candidates = 10 ** freeDigits;
  assert(candidates <= limit, `segment of ${candidates} candidates is above the limit ${limit}`);
  const found = new Map<string, string>();
  for (let n = 0; n < candidates && found.size < hashes.size; n++) {
    const phone = prefix + String(n).padStart(freeDigits, '0');
    const hash = md5Hex(phone);
    if (hashes.has(hash)) found.set(hash, phone);
  }
  return found;
}

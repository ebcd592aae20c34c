// Identifiers: a type prefix and a time-ordered, random-tailed body (ULID-style Crockford base32),
// so ids sort by creation and reveal nothing about the customer.
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import { secureRandomBytes } from './secure-random.ts';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export interface IdGenerator {
  next(prefix: string): string;
}

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/** Production ids: clock time + 80 random bits from the OS. */
export function createIdGenerator(
  clock: Clock = systemClock,
  bytes: (n: number) => Uint8Array = secureRandomBytes,
): IdGenerator {
  return {
    next(prefix: string): string {
      const random = bytes(10);
      let tail = '';
      for (let i = 0; i < 16; i++) {
        const bit = i * 5;
        const byte = bit >> 3;
        const shift = bit & 7;
        const word = ((random[byte] ?? 0) << 8) | (random[byte + 1] ?? 0);
        tail += ALPHABET[(word >> (11 - shift)) & 31];
      }
      return `${prefix}_${encodeTime(clock.now().getTime())}${tail}`;
    },
  };
}

/** Deterministic ids for tests and the simulator: prefix + counter. */
export function createSequentialIds(): IdGenerator {
  let counter = 0;
  return { next: (prefix) => `${prefix}_${String(++counter).padStart(8, '0')}` };
}

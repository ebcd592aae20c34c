import { describe, expect, it } from 'vitest';
import { secureRandomBytes } from './secure-random.ts';

describe('secureRandomBytes', () => {
  it('never hands out the same bytes twice, across block refills', () => {
    const seen = new Set<string>();
    const kept: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      const bytes = secureRandomBytes(12); // 36 KB in all: several 4 KiB blocks
      expect(bytes.length).toBe(12);
      const hex = bytes.toString('hex');
      expect(seen.has(hex)).toBe(false);
      seen.add(hex);
      kept.push(bytes);
    }
    // slices handed out earlier are not overwritten by later refills
    expect(kept.map((b) => b.toString('hex'))).toEqual([...seen]);
  });

  it('serves large and empty requests, and refuses bad counts', () => {
    expect(secureRandomBytes(5000).length).toBe(5000);
    expect(secureRandomBytes(0).length).toBe(0);
    expect(() => secureRandomBytes(-1)).toThrow(RangeError);
    expect(() => secureRandomBytes(1.5)).toThrow(RangeError);
  });
});

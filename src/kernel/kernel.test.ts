import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DomainError,
  MAX_FEN,
  ManualClock,
  SeededRandom,
  Vault,
  ageInYears,
  canonicalJson,
  createIdGenerator,
  formatYuan,
  rateOfFen,
  roundFen,
  sumFen,
  typedErrors,
  yuanToFen,
} from './index.ts';

describe('money', () => {
  it('rounds half up, robust to binary representation', () => {
    expect(rateOfFen(1_000_000, 0.015)).toBe(15_000); // 15000.000000000002 in doubles
    expect(roundFen(0.5)).toBe(1);
    expect(roundFen(2.4999)).toBe(2);
    expect(roundFen(2.4999999)).toBe(3); // within the 1e-6 snap: treated as representation error of 2.5
    expect(roundFen(-0.5)).toBe(-1);
    expect(Object.is(roundFen(-0.2), 0)).toBe(true);
    expect(rateOfFen(333, 0.5)).toBe(167);
  });

  it('gives the general rounding rule bit for bit on its fast paths (non-negative, within MAX_FEN)', () => {
    // The rule as it stood before the fast path: snap to 1e-6 fen, round half away from zero.
    const general = (value: number): number => {
      const snapped = Math.round(value * 1e6) / 1e6;
      const rounded = Math.sign(snapped) * Math.floor(Math.abs(snapped) + 0.5);
      return rounded === 0 ? 0 : rounded;
    };
    const halves = fc
      .oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 1e7 }))
      .map((k) => k + 0.5);
    // around half a fen, inside and just outside the shortcut's 4e-6 margin, and around its 2^30 limit
    const offsets = fc.oneof(
      fc.double({ min: -1e-5, max: 1e-5, noNaN: true }),
      fc.constantFrom(-4e-6, 4e-6, -1e-7, 1e-7, -1e-6, 1e-6, -5e-7, 5e-7),
    );
    const amounts = fc.oneof(
      fc.double({ min: 0, max: MAX_FEN, noNaN: true }),
      fc.double({ min: 0, max: 2 ** 31, noNaN: true }),
      halves,
      fc.tuple(halves, offsets).map(([x, d]) => x + d),
      fc.tuple(fc.integer({ min: 2 ** 30 - 4, max: 2 ** 30 + 4 }), offsets).map(([x, d]) => x + 0.5 + d),
      fc.constantFrom(0, -0, MAX_FEN, MAX_FEN - 0.5, 0.4999999, 1e-7, 2 ** 30, 2 ** 30 - 0.5),
    );
    fc.assert(
      fc.property(amounts, (value) => Object.is(roundFen(value), general(value))),
      { seed: 20261125, numRuns: 20_000 },
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: MAX_FEN }), fc.integer({ min: 0, max: 1e8 })),
        fc.oneof(
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.integer({ min: 0, max: 3000 }).map((r) => r / 120_000),
        ),
        (amountFen, rate) => Object.is(rateOfFen(amountFen, rate), general(amountFen * rate)),
      ),
      { seed: 20261125, numRuns: 20_000 },
    );
    // Outside the fast path the checks still hold.
    expect(() => roundFen(MAX_FEN + 1)).toThrow(/whole fen/);
    expect(() => roundFen(Number.NaN)).toThrow(/non-finite/);
    expect(() => rateOfFen(0.5, 0.1)).toThrow(/whole fen/);
    expect(() => rateOfFen(100, Number.POSITIVE_INFINITY)).toThrow(/finite/);
    expect(rateOfFen(-1000, 0.0015)).toBe(-2);
  });

  it('parses and formats yuan exactly', () => {
    expect(yuanToFen('1234.56')).toBe(123_456);
    expect(yuanToFen('0.1')).toBe(10);
    expect(() => yuanToFen('1.234')).toThrow();
    expect(formatYuan(123_456_789)).toBe('¥1,234,567.89');
    expect(formatYuan(-5)).toBe('-¥0.05');
  });

  it('refuses non-integer fen', () => {
    expect(() => sumFen([1, 0.5])).toThrow(/whole fen/);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1e9, max: 1e9 }), { maxLength: 50 }),
        (xs) => sumFen(xs) === xs.reduce((a, b) => a + b, 0),
      ),
    );
  });
});

describe('canonical JSON (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units and prints numbers in ES shortest form', () => {
    // RFC 8785 §3.2.3 sorting example keys (subset) and §3.2.2.3 number examples.
    expect(
      canonicalJson({
        '\u20ac': 'Euro Sign',
        '\r': 'Carriage Return',
        '1': 'One',
        '\u0080': 'Control',
        '\ud83d\ude00': 'Smiley',
        '\u00f6': 'Latin Small Letter O With Diaeresis',
      }),
    ).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Smiley"}',
    );
    expect(canonicalJson([1e21, 1e-7, -0, 0.000001, 333333333.3333333])).toBe(
      '[1e+21,1e-7,0,0.000001,333333333.3333333]',
    );
    expect(canonicalJson({ b: [true, null, 'x'], a: { d: 1, c: undefined } })).toBe(
      '{"a":{"d":1},"b":[true,null,"x"]}',
    );
    expect(() => canonicalJson({ x: Number.NaN })).toThrow();
  });

  it('is insensitive to key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        return canonicalJson(object) === canonicalJson(reversed);
      }),
    );
  });
});

describe('clock, ids, random', () => {
  it('counts age by birthday reached', () => {
    const birth = { year: 2008, month: 3, day: 1 };
    expect(ageInYears(birth, new Date('2026-02-28T23:00:00Z'))).toBe(17);
    expect(ageInYears(birth, new Date('2026-03-01T00:00:00Z'))).toBe(18);
  });

  it('ids sort by creation time', () => {
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const ids = createIdGenerator(clock);
    const a = ids.next('app');
    clock.advance(1);
    const b = ids.next('app');
    expect(a < b).toBe(true);
    expect(a).toMatch(/^app_[0-9a-z]{26}$/);
  });

  it('seeded random is reproducible', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('vault', () => {
  const master = Buffer.alloc(32, 7);
  it('round-trips and binds associated data', () => {
    const vault = new Vault(master);
    const sealed = vault.encrypt('11010519491231002X', 'customer:1');
    expect(sealed).not.toContain('11010519491231002X');
    expect(vault.decrypt(sealed, 'customer:1')).toBe('11010519491231002X');
    expect(() => vault.decrypt(sealed, 'customer:2')).toThrow();
  });

  it('reads rows sealed under an older key id after rotation', () => {
    const old = new Vault(master, 'k1');
    const sealed = old.encrypt('secret');
    const rotated = new Vault(master, 'k2', ['k1']);
    expect(rotated.decrypt(sealed)).toBe('secret');
    expect(rotated.encrypt('x').startsWith('v1.k2.')).toBe(true);
  });
});

describe('DomainError', () => {
  it('is one class whatever module throws it: a typed constructor narrows the code only', () => {
    const { DomainError: Typed, unwrap } = typedErrors<'test_only_code'>();
    const error = new Typed('test_only_code', 'x', 'field');
    expect(error).toBeInstanceOf(DomainError);
    expect([error.code, error.message, error.field]).toEqual(['test_only_code', 'x', 'field']);
    expect(() => unwrap({ ok: false, code: 'test_only_code', message: 'y' })).toThrow(DomainError);
    // @ts-expect-error a code outside the module's list does not compile
    new Typed('no_such_code_anywhere', 'x');
  });
});

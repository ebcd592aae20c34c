import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeIdNumber } from '../../test/support/fixtures.ts';
import { checkCharacter, parseIdNumber } from './id-number.ts';
import { maskPhone, normalisePhone } from './phone.ts';
import { lookupRegion } from './regions.ts';

const AT = new Date('2026-03-01T00:00:00Z');

describe('resident ID number (GB 11643-1999)', () => {
  it('accepts the standard’s own example 11010519491231002X', () => {
    // GB 11643-1999 appendix example: Beijing Chaoyang, born 1949-12-31, sequence 002 (female), check X.
    const parsed = parseIdNumber('11010519491231002x', AT);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.normalised).toBe('11010519491231002X');
    expect(parsed.value.birthDate).toBe('1949-12-31');
    expect(parsed.value.gender).toBe('female');
    expect(parsed.value.region).toMatchObject({
      code: '110105',
      known: true,
      province: '北京市',
      county: '朝阳区',
    });
  });

  it('rejects a wrong check character, an impossible date and a future date', () => {
    expect(parseIdNumber('110105194912310021', AT)).toMatchObject({ ok: false, code: 'id_number_checksum' });
    expect(parseIdNumber(makeIdNumber('110105', '19900230'), AT)).toMatchObject({
      ok: false,
      code: 'id_number_birth_date',
    });
    expect(parseIdNumber(makeIdNumber('110105', '20270101'), AT)).toMatchObject({
      ok: false,
      code: 'id_number_birth_date',
    });
    expect(parseIdNumber('1101051949123100', AT)).toMatchObject({ ok: false, code: 'id_number_format' });
    expect(parseIdNumber(makeIdNumber('990105'), AT)).toMatchObject({ ok: false, code: 'id_number_region' });
  });

  it('accepts a well-formed code the division data does not know as region unknown', () => {
    // 110199 is not a county in the data, but 11 is Beijing: a retired code stays valid on old cards.
    const parsed = parseIdNumber(makeIdNumber('110199'), AT);
    expect(parsed.ok && parsed.value.region).toMatchObject({
      code: '110199',
      known: false,
      province: '北京市',
    });
    expect(lookupRegion('440305')?.county).toBe('南山区');
  });

  it('any single-digit change of a valid number is detected (MOD 11-2 property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 1, max: 9 }), (position, delta) => {
        const valid = makeIdNumber('310104', '19850612', '457');
        const digits = valid.split('');
        digits[position] = String((Number(digits[position]) + delta) % 10);
        const changed = digits.join('');
        return checkCharacter(changed.slice(0, 17)) !== changed[17];
      }),
    );
  });

  it('sequence parity gives gender', () => {
    const male = parseIdNumber(makeIdNumber('310104', '19850612', '451'), AT);
    expect(male.ok && male.value.gender).toBe('male');
  });
});

describe('mobile numbers', () => {
  it('normalises +86 and rejects the rest', () => {
    expect(normalisePhone('+8613812345678')).toBe('13812345678');
    expect(normalisePhone('138 1234 5678')).toBe('13812345678');
    expect(normalisePhone('8613812345678')).toBe('13812345678');
    expect(normalisePhone('12812345678')).toBeNull();
    expect(normalisePhone('1381234567')).toBeNull();
    expect(maskPhone('13812345678')).toBe('138****5678');
  });
});

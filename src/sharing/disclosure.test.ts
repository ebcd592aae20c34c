// The pure policy core: masking, validation, consent categories, pseudonyms.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  bandFen,
  disclose,
  maskIdNumber,
  maskName,
  maskPhone,
  mergePolicy,
  validatePolicy,
} from './disclosure.ts';
import { checkCharacter } from '../identity/id-number.ts';
import { DATA_CATEGORIES, FIELDS, type ShareSource, STAGES } from './model.ts';
import { Pseudonymiser } from './pseudonym.ts';

const source: ShareSource = {
  customerId: 'cus_1',
  applicationId: 'app_1',
  name: '张三丰',
  idNumber: '11010519491231002X',
  phone: '13812345678',
  birthDate: '1949-12-31',
  gender: 'female',
  regionCode: '110105',
  employer: '某某科技有限公司',
  monthlyIncomeFen: 1_234_567,
  amountFen: 2_000_000,
  termMonths: 12,
  purpose: '消费',
  relayContact: { phone: '17000000001', email: 'r1@relay.example' },
};
const pseudonyms = new Pseudonymiser(randomBytes(32));
const ALL = [...DATA_CATEGORIES];

describe('masking', () => {
  it('masks as people expect to see it', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskIdNumber('11010519491231002X')).toBe('110105********002X');
    expect(maskName('张三丰')).toBe('张**');
    expect(maskName('李')).toBe('*');
    expect(bandFen(1_234_567, 500_000)).toBe('[1000000,1500000)');
    expect(bandFen(0, 500_000)).toBe('[0,500000)');
  });
});

/**
 * What a masked ID number (居民身份证号) and phone may show: the 6-digit region code and the last 4
 * characters of the ID; the first 3 and last 4 digits of the phone. Everything else is '*'.
 */
const ID_VISIBLE_POSITIONS = new Set([0, 1, 2, 3, 4, 5, 14, 15, 16, 17]);
const PHONE_VISIBLE_POSITIONS = new Set([0, 1, 2, 7, 8, 9, 10]);

/** Random valid ID numbers (correct check character, X included) and mobile numbers. */
const idNumberArbitrary = fc
  .tuple(
    fc.stringMatching(/^[1-6]\d{5}$/),
    fc.date({
      min: new Date('1930-01-01T00:00:00Z'),
      max: new Date('2008-12-31T00:00:00Z'),
      noInvalidDate: true,
    }),
    fc.stringMatching(/^\d{3}$/),
  )
  .map(([region, birth, sequence]) => {
    const first17 = `${region}${birth.toISOString().slice(0, 10).replace(/-/g, '')}${sequence}`;
    return first17 + checkCharacter(first17);
  });
const phoneArbitrary = fc.stringMatching(/^1[3-9]\d{9}$/);

function expectMaskedLike(maskedValue: unknown, clear: string, visible: ReadonlySet<number>): void {
  expect(typeof maskedValue).toBe('string');
  const text = maskedValue as string;
  expect(text).not.toContain(clear);
  expect(text).toHaveLength(clear.length);
  for (let i = 0; i < clear.length; i++) expect(text[i]).toBe(visible.has(i) ? clear[i] : '*');
  expect(text.replace(/[^\dX]/g, '').length).toBeLessThanOrEqual(visible.size);
}

describe('masked fields through disclose()', () => {
  // disclose() picks each field's masked form (masked()); the helpers above are tested on their own,
  // this checks that a payload's masked ID number and phone are really the masked forms.
  const policy = { ...DEFAULT_POLICY.application, idNumber: 'masked', phone: 'masked' } as const;

  it('a masked ID number or phone never carries the clear number nor more than the allowed digits (property)', () => {
    fc.assert(
      fc.property(idNumberArbitrary, phoneArbitrary, (idNumber, phone) => {
        const { fields } = disclose({ ...source, idNumber, phone }, policy, ALL, (_f, v) => `ps_${v.length}`);
        expectMaskedLike(fields.idNumber, idNumber, ID_VISIBLE_POSITIONS);
        expectMaskedLike(fields.phone, phone, PHONE_VISIBLE_POSITIONS);
        const payload = JSON.stringify(fields);
        expect(payload).not.toContain(idNumber);
        expect(payload).not.toContain(phone);
      }),
      { seed: 11_003, numRuns: 500 },
    );
  });

  it('masks an ID number ending in X', () => {
    const { fields } = disclose(source, policy, ALL, (_f, v) => `ps_${v.length}`);
    expect(fields.idNumber).toBe('110105********002X');
  });
});

describe('policies', () => {
  it('the default policy is valid and shares nothing to call the customer on before booking', () => {
    expect(validatePolicy(DEFAULT_POLICY).ok).toBe(true);
    for (const stage of ['prescreen', 'application'] as const) {
      expect(DEFAULT_POLICY[stage].phone).not.toBe('clear');
      expect(DEFAULT_POLICY[stage].employer).toBe('withheld');
    }
    expect(DEFAULT_POLICY.prescreen.name).toBe('withheld');
    expect(DEFAULT_POLICY.prescreen.idNumber).toBe('withheld');
  });

  it('refuses the real phone before booking, relay after, and treatments a field does not allow', () => {
    const phone = validatePolicy(mergePolicy(DEFAULT_POLICY, { application: { phone: 'clear' } }));
    expect(phone).toMatchObject({ ok: false, code: 'policy_invalid', field: 'application.phone' });
    const relay = validatePolicy(mergePolicy(DEFAULT_POLICY, { booked: { relayContact: 'clear' } }));
    expect(relay).toMatchObject({ ok: false, field: 'booked.relayContact' });
    const gender = validatePolicy(mergePolicy(DEFAULT_POLICY, { booked: { gender: 'pseudonymised' } }));
    expect(gender).toMatchObject({ ok: false, field: 'booked.gender' });
    const ref = validatePolicy(mergePolicy(DEFAULT_POLICY, { booked: { customerRef: 'clear' } }));
    expect(ref).toMatchObject({ ok: false, field: 'booked.customerRef' });
  });
});

describe('disclose', () => {
  const pseudo = (funderId: string) => (field: (typeof FIELDS)[number], value: string) =>
    pseudonyms.pseudonym(funderId, field, value);

  it('applies each treatment', () => {
    const policy = {
      ...DEFAULT_POLICY.application,
      name: 'masked',
      idNumber: 'pseudonymised',
      employer: 'masked',
      amountFen: 'masked',
    } as const;
    const { fields, shared } = disclose(source, policy, ALL, pseudo('bank-a'));
    expect(fields.name).toBe('张**');
    expect(fields.idNumber).toMatch(/^ps_[0-9a-f]{32}$/);
    expect(fields.phone).toBe('138****5678');
    expect(fields.relayContact).toEqual(source.relayContact);
    expect(fields.employer).toBe('某某***');
    expect(fields.amountFen).toBe('[2000000,3000000)');
    expect(fields.monthlyIncomeFen).toBe('[1000000,1500000)');
    expect(fields.customerRef).toBe(pseudonyms.customerRef('bank-a', 'cus_1'));
    expect(fields.applicationRef).toBe(pseudonyms.applicationRef('bank-a', 'app_1'));
    expect(shared).toEqual(Object.keys(fields));
    // nothing withheld appears, not even as null
    expect(JSON.stringify(fields)).not.toContain('13812345678');
    expect(JSON.stringify(fields)).not.toContain('11010519491231002X');
  });

  it('the default pre-screen payload carries no identity', () => {
    const { fields } = disclose(source, DEFAULT_POLICY.prescreen, ALL, pseudo('bank-a'));
    expect(Object.keys(fields).sort()).toEqual(['amountFen', 'birthDate', 'customerRef', 'regionCode']);
    expect(fields).toMatchObject({ birthDate: '1949', regionCode: '110000', amountFen: '[2000000,3000000)' });
  });

  it('withholds fields whose data category the consent does not name', () => {
    const { fields, withheldForConsent } = disclose(
      source,
      DEFAULT_POLICY.application,
      ['loan-request'],
      pseudo('bank-a'),
    );
    expect(Object.keys(fields).sort()).toEqual([
      'amountFen',
      'applicationRef',
      'customerRef',
      'purpose',
      'termMonths',
    ]);
    expect(withheldForConsent).toEqual(expect.arrayContaining(['name', 'idNumber', 'phone', 'relayContact']));
  });

  it('never lets a withheld field out, for any policy and consent (property)', () => {
    const treatment = fc.constantFrom('clear', 'masked', 'pseudonymised', 'withheld');
    fc.assert(
      fc.property(
        fc.constantFrom(...STAGES),
        fc.dictionary(fc.constantFrom(...FIELDS), treatment),
        fc.subarray(ALL),
        (stage, changes, categories) => {
          const policy = mergePolicy(DEFAULT_POLICY, { [stage]: changes });
          if (!validatePolicy(policy).ok) return;
          const { fields } = disclose(source, policy[stage], categories, pseudo('bank-a'));
          for (const field of FIELDS) {
            if (policy[stage][field] === 'withheld') expect(fields[field]).toBeUndefined();
            if (policy[stage][field] === 'pseudonymised' && fields[field] !== undefined) {
              expect(String(fields[field])).toMatch(/^(ps_|cref_|aref_)[0-9a-f]{32}$/);
            }
          }
        },
      ),
    );
  });
});

describe('pseudonyms', () => {
  it('are stable per (customer, funder) and differ across funders and customers', () => {
    const a1 = pseudonyms.customerRef('bank-a', 'cus_1');
    expect(pseudonyms.customerRef('bank-a', 'cus_1')).toBe(a1);
    expect(pseudonyms.customerRef('bank-b', 'cus_1')).not.toBe(a1);
    expect(pseudonyms.customerRef('bank-a', 'cus_2')).not.toBe(a1);
    // another platform (another master key) gives other pseudonyms
    expect(new Pseudonymiser(randomBytes(32)).customerRef('bank-a', 'cus_1')).not.toBe(a1);
  });

  it('are unlinkable across funders: no fixed relation between two funders’ pseudonyms (property)', () => {
    // If the pseudonyms were linkable by a public function, XOR of the two would be constant across
    // customers; with independent HMAC keys it behaves like random bytes.
    const xors = new Set<string>();
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), (customerId) => {
        const a = Buffer.from(pseudonyms.customerRef('bank-a', customerId).slice(5), 'hex');
        const b = Buffer.from(pseudonyms.customerRef('bank-b', customerId).slice(5), 'hex');
        xors.add(Buffer.from(a.map((byte, i) => byte ^ b[i]!)).toString('hex'));
      }),
      { numRuns: 200 },
    );
    expect(xors.size).toBeGreaterThan(150);
  });
});

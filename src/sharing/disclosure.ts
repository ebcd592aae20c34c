// Policy application: the one function that turns a customer's data into a funder payload. Pure:
// the pseudonymiser (an HMAC under the funder's key) is passed in. Nothing else in src/ builds a
// funder payload; src/sharing/architecture.test.ts enforces that.
import { maskPhone } from '../identity/phone.ts';
import { type Result, assert, err, ok } from '../kernel/index.ts';
import {
  type DataCategory,
  type Field,
  type FieldPolicy,
  FIELDS,
  type PayloadValue,
  PRE_BOOKING_STAGES,
  type ShareSource,
  type SharingPolicy,
  type Stage,
  STAGES,
  type Treatment,
} from './model.ts';

interface FieldSpec {
  /** the consent category that must be named for the field to leave; null: a pseudonym, always allowed */
  category: DataCategory | null;
  allowed: readonly Treatment[];
}

export const FIELD_SPECS: Record<Field, FieldSpec> = {
  customerRef: { category: null, allowed: ['pseudonymised', 'withheld'] },
  applicationRef: { category: null, allowed: ['pseudonymised', 'withheld'] },
  name: { category: 'identity', allowed: ['clear', 'masked', 'pseudonymised', 'withheld'] },
  idNumber: { category: 'identity', allowed: ['clear', 'masked', 'pseudonymised', 'withheld'] },
  phone: { category: 'contact', allowed: ['clear', 'masked', 'pseudonymised', 'withheld'] },
  relayContact: { category: 'contact', allowed: ['clear', 'withheld'] },
  birthDate: { category: 'demographics', allowed: ['clear', 'masked', 'withheld'] },
  gender: { category: 'demographics', allowed: ['clear', 'withheld'] },
  regionCode: { category: 'region', allowed: ['clear', 'masked', 'withheld'] },
  employer: { category: 'employment', allowed: ['clear', 'masked', 'pseudonymised', 'withheld'] },
  monthlyIncomeFen: { category: 'employment', allowed: ['clear', 'masked', 'withheld'] },
  amountFen: { category: 'loan-request', allowed: ['clear', 'masked', 'withheld'] },
  termMonths: { category: 'loan-request', allowed: ['clear', 'withheld'] },
  purpose: { category: 'loan-request', allowed: ['clear', 'withheld'] },
};

const withheldAll = (): FieldPolicy => Object.fromEntries(FIELDS.map((f) => [f, 'withheld'])) as FieldPolicy;

/**
 * The minimal default. Pre-screen: a pseudonym, province, birth year and an amount band — enough for
 * a rough eligibility answer, nothing to call the customer on. Application: what a credit decision
 * needs (name and ID number for the funder's own bureau query), contact only through a relay
 * point, income as a band, employer withheld. Booked: the real phone, for servicing the loan.
 */
export const DEFAULT_POLICY: SharingPolicy = {
  prescreen: {
    ...withheldAll(),
    customerRef: 'pseudonymised',
    regionCode: 'masked',
    birthDate: 'masked',
    amountFen: 'masked',
  },
  application: {
    ...withheldAll(),
    customerRef: 'pseudonymised',
    applicationRef: 'pseudonymised',
    name: 'clear',
    idNumber: 'clear',
    phone: 'masked',
    relayContact: 'clear',
    birthDate: 'clear',
    gender: 'clear',
    regionCode: 'clear',
    monthlyIncomeFen: 'masked',
    amountFen: 'clear',
    termMonths: 'clear',
    purpose: 'clear',
  },
  booked: {
    ...withheldAll(),
    customerRef: 'pseudonymised',
    applicationRef: 'pseudonymised',
    name: 'clear',
    idNumber: 'clear',
    phone: 'clear',
    birthDate: 'clear',
    gender: 'clear',
    regionCode: 'clear',
    monthlyIncomeFen: 'masked',
    amountFen: 'clear',
    termMonths: 'clear',
    purpose: 'clear',
  },
};

export type PolicyError = 'policy_invalid';

/** Every stage and field named, each treatment allowed for its field, relay rules kept. */
export function validatePolicy(policy: SharingPolicy): Result<SharingPolicy, PolicyError> {
  for (const stage of STAGES) {
    const fields = policy[stage];
    if (!fields) return err('policy_invalid', `stage ${stage} missing`, stage);
    for (const field of FIELDS) {
      const treatment = fields[field];
      if (!FIELD_SPECS[field].allowed.includes(treatment)) {
        return err('policy_invalid', `${field} may not be ${String(treatment)}`, `${stage}.${field}`);
      }
    }
    // Before booking the funder reaches the borrower only through a relay point, so a contact
    // outside the consented purpose is seen and attributed (issue 6, relay contact points).
    if (PRE_BOOKING_STAGES.includes(stage) && fields.phone === 'clear') {
      return err(
        'policy_invalid',
        'the real phone may not be shared before booking; use relayContact',
        `${stage}.phone`,
      );
    }
    if (!PRE_BOOKING_STAGES.includes(stage) && fields.relayContact !== 'withheld') {
      return err('policy_invalid', 'relay points are leased only before booking', `${stage}.relayContact`);
    }
  }
  return ok(policy);
}

/** Apply a partial change to a stage's policy: unnamed fields keep their current treatment. */
export function mergePolicy(
  current: SharingPolicy,
  changes: Partial<Record<Stage, Partial<FieldPolicy>>>,
): SharingPolicy {
  const merged = { ...current };
  for (const stage of STAGES) merged[stage] = { ...current[stage], ...(changes[stage] ?? {}) } as FieldPolicy;
  return merged;
}

// ---- masking: keep enough for a human to recognise, too little to contact or identify ----

/** 138****1234 (identity's masking, the one the borrower sees in the app too) */
export { maskPhone };

/** 110105********123X: region code and the last four characters */
export function maskIdNumber(idNumber: string): string {
  assert(idNumber.length === 18, 'maskIdNumber takes an 18-character ID number');
  return `${idNumber.slice(0, 6)}********${idNumber.slice(14)}`;
}

/** 张** : the surname character only */
export function maskName(name: string): string {
  const chars = [...name];
  return chars.length <= 1 ? '*' : `${chars[0]}${'*'.repeat(chars.length - 1)}`;
}

/** first two characters, then *** */
export function maskEmployer(employer: string): string {
  return `${[...employer].slice(0, 2).join('')}***`;
}

/** ¥5,000 bands of monthly income, as "[lowFen,highFen)" */
export const INCOME_BAND_FEN = 500_000;
/** ¥10,000 bands of the requested amount */
export const AMOUNT_BAND_FEN = 1_000_000;

export function bandFen(valueFen: number, bandFen: number): string {
  assert(Number.isSafeInteger(valueFen) && valueFen >= 0, 'band of a non-negative integer fen amount');
  const low = Math.floor(valueFen / bandFen) * bandFen;
  return `[${low},${low + bandFen})`;
}

/** The masked form of a field's clear value (only fields whose spec allows masking get here). */
function masked(field: Field, clear: string | number): PayloadValue {
  switch (field) {
    case 'name':
      return maskName(String(clear));
    case 'idNumber':
      return maskIdNumber(String(clear));
    case 'phone':
      return maskPhone(String(clear));
    case 'employer':
      return maskEmployer(String(clear));
    case 'birthDate':
      return String(clear).slice(0, 4);
    case 'regionCode':
      return `${String(clear).slice(0, 2)}0000`;
    case 'monthlyIncomeFen':
      return bandFen(Number(clear), INCOME_BAND_FEN);
    case 'amountFen':
      return bandFen(Number(clear), AMOUNT_BAND_FEN);
    default:
      assert(false, `no masking for ${field}`);
  }
}

function clearValue(field: Field, source: ShareSource): PayloadValue | null {
  switch (field) {
    case 'customerRef':
    case 'applicationRef':
      return null;
    case 'relayContact':
      return source.relayContact;
    case 'employer':
      return source.employer;
    default:
      return source[field];
  }
}

/**
 * The fields that may leave under this policy and consent, before looking at any value: the
 * gateway decrypts PII only for these (a pre-screen never decrypts the name, phone or ID number).
 */
export function fieldsAllowed(policy: FieldPolicy, consentCategories: readonly string[]): Field[] {
  return FIELDS.filter((field) => {
    const category = FIELD_SPECS[field].category;
    return policy[field] !== 'withheld' && (category === null || consentCategories.includes(category));
  });
}

/** (field, value) → pseudonym under the receiving funder's key */
export type Pseudonymise = (field: Field, value: string) => string;

export interface Disclosure {
  fields: Partial<Record<Field, PayloadValue>>;
  shared: Field[];
  withheldForConsent: Field[];
}

/**
 * Apply one stage's field policy to the source. A field leaves only if the policy says so, the
 * consent names its category, and it has a value; otherwise it is absent (never null, so a
 * withheld field and an empty one look alike).
 */
export function disclose(
  source: ShareSource,
  policy: FieldPolicy,
  consentCategories: readonly string[],
  pseudonymise: Pseudonymise,
): Disclosure {
  const fields: Partial<Record<Field, PayloadValue>> = {};
  const shared: Field[] = [];
  const withheldForConsent: Field[] = [];
  for (const field of FIELDS) {
    const treatment = policy[field];
    const spec = FIELD_SPECS[field];
    assert(spec.allowed.includes(treatment), `policy was validated: ${field} ${treatment}`);
    if (treatment === 'withheld') continue;
    if (spec.category !== null && !consentCategories.includes(spec.category)) {
      withheldForConsent.push(field);
      continue;
    }
    let value: PayloadValue | null;
    if (field === 'customerRef') value = pseudonymise('customerRef', source.customerId);
    else if (field === 'applicationRef') value = pseudonymise('applicationRef', source.applicationId);
    else {
      const clear = clearValue(field, source);
      if (clear === null || clear === '') continue;
      if (treatment === 'clear') value = clear;
      else if (treatment === 'masked') {
        assert(typeof clear !== 'object', `${field} has no masked form`);
        value = masked(field, clear);
      } else value = pseudonymise(field, typeof clear === 'string' ? clear : String(clear));
    }
    fields[field] = value;
    shared.push(field);
  }
  return { fields, shared, withheldForConsent };
}

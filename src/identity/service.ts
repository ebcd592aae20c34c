// Identity use cases: validate an applicant, find-or-create the customer by customer key with PII
// encrypted, and keep per-funder consents.
import type { Executor } from '../db/client.ts';
import type { LookupRef, Lookups } from '../db/lookups.ts';
import type { TransactionUnit, UnitOfWork, UpsertHandle } from '../db/unit-of-work.ts';
import { type Clock, type IdGenerator, type Vault, assert, deriveKey, hmacSha256 } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import { ageAt, parseIdNumber, type ParsedIdNumber } from './id-number.ts';
import type {
  Applicant,
  Consent,
  ConsentGranted,
  ConsentInput,
  ConsentWithdrawn,
  CustomerProfile,
  LiveConsent,
} from './model.ts';
import { normalisePhone } from './phone.ts';
import type { customers } from './schema.ts';
import * as store from './store.ts';

export const MINIMUM_AGE_YEARS = 18;

export interface ValidatedApplicant {
  name: string;
  idNumber: ParsedIdNumber;
  phone: string;
  employer: string | undefined;
  monthlyIncomeFen: number;
  age: number;
}

export class IdentityService {
  private readonly customerKeySecret: Buffer;
  private readonly phoneKeySecret: Buffer;

  constructor(private readonly deps: { clock: Clock; ids: IdGenerator; vault: Vault; masterKey: Buffer }) {
    this.customerKeySecret = deriveKey(deps.masterKey, 'customer-key');
    this.phoneKeySecret = deriveKey(deps.masterKey, 'phone-key');
  }

  /** Pure validation; throws DomainError naming the field. */
  validateApplicant(applicant: Applicant, at: Date, fieldPrefix = 'applicant'): ValidatedApplicant {
    const parsed = parseIdNumber(applicant.idNumber, at);
    if (!parsed.ok) throw new DomainError(parsed.code, parsed.message, `${fieldPrefix}.idNumber`);
    const age = ageAt(parsed.value, at);
    if (age < MINIMUM_AGE_YEARS) {
      throw new DomainError(
        'applicant_under_age',
        `applicant is ${age}, under ${MINIMUM_AGE_YEARS}`,
        `${fieldPrefix}.idNumber`,
      );
    }
    const phone = normalisePhone(applicant.phone);
    if (!phone)
      throw new DomainError('phone_invalid', 'not a mainland mobile number', `${fieldPrefix}.phone`);
    return {
      name: applicant.name.trim(),
      idNumber: parsed.value,
      phone,
      employer: applicant.employer?.trim() || undefined,
      monthlyIncomeFen: applicant.monthlyIncomeFen,
      age,
    };
  }

  /** HMAC-SHA256 of the normalised ID number: the same person applying twice is one customer. */
  customerKey(normalisedIdNumber: string): string {
    return hmacSha256(this.customerKeySecret, normalisedIdNumber).toString('hex');
  }

  phoneKey(normalisedPhone: string): string {
    return hmacSha256(this.phoneKeySecret, normalisedPhone).toString('hex');
  }

  /**
   * Find or create the customer (outside the submission: tests, imports), in the unit's
   * transaction. A person is one customer (see store.upsertCustomer).
   */
  async upsertCustomer(
    unit: TransactionUnit,
    applicant: ValidatedApplicant,
  ): Promise<{ customerId: string; created: boolean }> {
    const id = this.deps.ids.next('cus');
    const customer = this.addCustomer(unit, applicant, id, this.deps.clock.now());
    const created = customer.created;
    const customerId = customer.col('id');
    await unit.flush();
    const row = { id: unit.written(customerId), created: unit.written(created) };
    assert(row.created === false || row.id === id, 'a created customer has the id drawn for it');
    return { customerId: row.id, created: row.created };
  }

  /** The id of the customer with this ID number, read with a submission's other lookups. */
  lookupCustomer(lookups: Lookups, customerKey: string): LookupRef<string | null> {
    return store.customerIdByKey(lookups, customerKey);
  }

  /**
   * The customer upsert as an intent of the submission's unit: `id` for a new person; a known one
   * keeps its id and has name and phone refreshed. The handle's `created` says which.
   */
  addCustomer(
    unit: UnitOfWork,
    applicant: ValidatedApplicant,
    id: string,
    at: Date,
    key = this.customerKey(applicant.idNumber.normalised),
  ): UpsertHandle<typeof customers> {
    const vault = this.deps.vault;
    return store.upsertCustomer(unit, {
      id,
      customerKey: key,
      nameEnc: vault.encrypt(applicant.name, `customer:${key}:name`),
      idNumberEnc: vault.encrypt(applicant.idNumber.normalised, `customer:${key}:idNumber`),
      phoneEnc: vault.encrypt(applicant.phone, `customer:${key}:phone`),
      phoneKey: this.phoneKey(applicant.phone),
      birthDate: applicant.idNumber.birthDate,
      gender: applicant.idNumber.gender,
      regionCode: applicant.idNumber.region.code,
      createdAt: at,
    });
  }

  async getProfile(tx: Executor, customerId: string): Promise<CustomerProfile | undefined> {
    const row = await store.getProfileRow(tx, customerId);
    return row ? { ...row, gender: row.gender as 'male' | 'female' } : undefined;
  }

  /** Decrypted contact details, for the sharing gateway and reminders only. Never log the result. */
  async revealContact(
    tx: Executor,
    customerId: string,
  ): Promise<{ name: string; phone: string; idNumber: string } | undefined> {
    const row = await store.getCustomer(tx, customerId);
    if (!row) return undefined;
    const key = row.customerKey;
    return {
      name: this.deps.vault.decrypt(row.nameEnc, `customer:${key}:name`),
      phone: this.deps.vault.decrypt(row.phoneEnc, `customer:${key}:phone`),
      idNumber: this.deps.vault.decrypt(row.idNumberEnc, `customer:${key}:idNumber`),
    };
  }

  /** Record a consent; raises consent.granted (the ledger's entry goes in the same unit). */
  async grantConsent(unit: TransactionUnit, input: ConsentInput): Promise<Consent> {
    const consent: Consent = {
      ...input,
      id: this.deps.ids.next('cns'),
      grantedAt: this.deps.clock.now(),
      withdrawnAt: null,
    };
    store.insertConsent(unit, consent);
    unit.publish({
      topic: 'consent.granted',
      aggregateId: consent.customerId,
      payload: {
        consentId: consent.id,
        customerId: consent.customerId,
        funderId: consent.funderId,
        purpose: consent.purpose,
      },
      at: consent.grantedAt,
      consent,
    } satisfies ConsentGranted);
    await unit.flush();
    return consent;
  }

  /** Withdraw the live consents to a funder; raises consent.withdrawn when there were any. */
  async withdrawConsent(unit: TransactionUnit, customerId: string, funderId: string): Promise<number> {
    const at = this.deps.clock.now();
    const withdrawnCount = await store.withdrawLiveConsents(unit.tx, customerId, funderId, at);
    if (withdrawnCount > 0)
      unit.publish({
        topic: 'consent.withdrawn',
        aggregateId: customerId,
        payload: { customerId, funderId, withdrawnCount },
        at,
      } satisfies ConsentWithdrawn);
    return withdrawnCount;
  }

  findLiveConsent(tx: Executor, customerId: string, funderId: string): Promise<Consent | undefined> {
    return store.latestLiveConsent(tx, customerId, funderId);
  }

  /** The only way to obtain a LiveConsent. Throws consent_missing otherwise. */
  async requireLiveConsent(tx: Executor, customerId: string, funderId: string): Promise<LiveConsent> {
    const consent = await this.findLiveConsent(tx, customerId, funderId);
    if (!consent)
      throw new DomainError(
        'consent_missing',
        `no live consent to share with funder ${funderId}`,
        'funderId',
      );
    return consent as LiveConsent;
  }
}

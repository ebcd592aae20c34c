// Identity use cases: validate an applicant, find-or-create the customer by customer key with PII
// encrypted, and keep per-funder consents.
import { plainSql } from '../db/render.ts';
import { and, desc, eq, isNull, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { type Clock, type IdGenerator, type Vault, assert, deriveKey, hmacSha256 } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import { ageAt, parseIdNumber, type ParsedIdNumber } from './id-number.ts';
import type { Applicant, Consent, ConsentInput, CustomerProfile, LiveConsent } from './model.ts';
import { normalisePhone } from './phone.ts';
import { consents, customers } from './schema.ts';

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
   * Find or create the customer; name and phone are refreshed from the newest application. One
   * statement: on PostgreSQL a concurrent insert of the same person makes this one wait for it and
   * then update the row it created, so a person is one customer. `xmax = 0` only on a row this
   * statement inserted.
   */
  async upsertCustomer(
    tx: Executor,
    applicant: ValidatedApplicant,
  ): Promise<{ customerId: string; created: boolean }> {
    const id = this.deps.ids.next('cus');
    const result = (await tx.execute(
      this.upsertCustomerStatement(applicant, id, this.deps.clock.now()),
    )) as unknown as { rows: Array<{ id: string; created: boolean }> };
    const [row] = result.rows;
    assert(row, 'the customer upsert returns its row');
    assert(row.created === false || row.id === id, 'a created customer has the id drawn for it');
    return { customerId: row.id, created: row.created };
  }

  /**
   * The customer upsert as one statement returning `id` and `created`: a new person gets `id`;
   * a known one (same customer key) keeps its id and has its name and phone refreshed. A
   * concurrent first application of the same person waits for the other's row and updates it, so
   * there is one customer per person (the unique customer key).
   */
  upsertCustomerStatement(
    applicant: ValidatedApplicant,
    id: string,
    at: Date,
    key = this.customerKey(applicant.idNumber.normalised),
  ): SQL {
    const now = at.toISOString();
    const vault = this.deps.vault;
    return plainSql`
      INSERT INTO customers (id, customer_key, name_enc, id_number_enc, phone_enc, phone_key, birth_date,
        gender, region_code, created_at, updated_at)
      VALUES (${id}, ${key}, ${vault.encrypt(applicant.name, `customer:${key}:name`)},
        ${vault.encrypt(applicant.idNumber.normalised, `customer:${key}:idNumber`)},
        ${vault.encrypt(applicant.phone, `customer:${key}:phone`)}, ${this.phoneKey(applicant.phone)},
        ${applicant.idNumber.birthDate}, ${applicant.idNumber.gender}, ${applicant.idNumber.region.code},
        ${now}::timestamptz, ${now}::timestamptz)
      ON CONFLICT (customer_key) DO UPDATE SET name_enc = EXCLUDED.name_enc, phone_enc = EXCLUDED.phone_enc,
        phone_key = EXCLUDED.phone_key, updated_at = EXCLUDED.updated_at
      RETURNING id, (xmax = 0) AS created`;
  }

  async getProfile(tx: Executor, customerId: string): Promise<CustomerProfile | undefined> {
    const [row] = await tx
      .select({
        id: customers.id,
        birthDate: customers.birthDate,
        gender: customers.gender,
        regionCode: customers.regionCode,
        createdAt: customers.createdAt,
      })
      .from(customers)
      .where(eq(customers.id, customerId));
    return row ? { ...row, gender: row.gender as 'male' | 'female' } : undefined;
  }

  /** Decrypted contact details, for the sharing gateway and reminders only. Never log the result. */
  async revealContact(
    tx: Executor,
    customerId: string,
  ): Promise<{ name: string; phone: string; idNumber: string } | undefined> {
    const [row] = await tx.select().from(customers).where(eq(customers.id, customerId));
    if (!row) return undefined;
    const key = row.customerKey;
    return {
      name: this.deps.vault.decrypt(row.nameEnc, `customer:${key}:name`),
      phone: this.deps.vault.decrypt(row.phoneEnc, `customer:${key}:phone`),
      idNumber: this.deps.vault.decrypt(row.idNumberEnc, `customer:${key}:idNumber`),
    };
  }

  async grantConsent(tx: Executor, input: ConsentInput): Promise<Consent> {
    const consent: Consent = {
      ...input,
      id: this.deps.ids.next('cns'),
      grantedAt: this.deps.clock.now(),
      withdrawnAt: null,
    };
    await tx.insert(consents).values(consent);
    return consent;
  }

  async withdrawConsent(tx: Executor, customerId: string, funderId: string): Promise<number> {
    const rows = await tx
      .update(consents)
      .set({ withdrawnAt: this.deps.clock.now() })
      .where(
        and(
          eq(consents.customerId, customerId),
          eq(consents.funderId, funderId),
          isNull(consents.withdrawnAt),
        ),
      )
      .returning({ id: consents.id });
    return rows.length;
  }

  async findLiveConsent(tx: Executor, customerId: string, funderId: string): Promise<Consent | undefined> {
    const [row] = await tx
      .select()
      .from(consents)
      .where(
        and(
          eq(consents.customerId, customerId),
          eq(consents.funderId, funderId),
          isNull(consents.withdrawnAt),
        ),
      )
      .orderBy(desc(consents.grantedAt))
      .limit(1);
    return row ? (row as Consent) : undefined;
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

// Per-funder pseudonyms: HMAC-SHA256 under a key derived (HKDF) from the master key for that funder
// alone. The same customer is the same pseudonym for one funder every time, and two funders comparing
// their pseudonyms learn nothing: without the platform's master key they cannot link them.
import { deriveKey, hmacSha256 } from '../kernel/index.ts';
import type { Field } from './model.ts';

/** 128 bits of the HMAC: collisions need ~2^64 customers; shorter to read in logs and payloads. */
const PSEUDONYM_BYTES = 16;

const PREFIX: Partial<Record<Field, string>> = { customerRef: 'cref_', applicationRef: 'aref_' };

export class Pseudonymiser {
  private readonly keys = new Map<string, Buffer>();
  constructor(private readonly masterKey: Buffer) {}

  private keyFor(funderId: string): Buffer {
    let key = this.keys.get(funderId);
    if (!key) {
      key = deriveKey(this.masterKey, `sharing/pseudonym/${funderId}`);
      this.keys.set(funderId, key);
    }
    return key;
  }

  /** The pseudonym of one field value for one funder (field-separated, so a phone and an ID never collide). */
  pseudonym(funderId: string, field: Field, value: string): string {
    const mac = hmacSha256(this.keyFor(funderId), `${field}\u0000${value}`)
      .subarray(0, PSEUDONYM_BYTES)
      .toString('hex');
    return `${PREFIX[field] ?? 'ps_'}${mac}`;
  }

  customerRef(funderId: string, customerId: string): string {
    return this.pseudonym(funderId, 'customerRef', customerId);
  }

  applicationRef(funderId: string, applicationId: string): string {
    return this.pseudonym(funderId, 'applicationRef', applicationId);
  }
}

// Entry bodies a funder reads name the customer and the application by that funder's pseudonyms,
// with commitments the platform can open; the platform's own ids never appear in them.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Pseudonymiser } from '../sharing/pseudonym.ts';
import { commitEntry, FUNDER_FACING_KINDS, idCommitment, leafHashOfBody } from './entry.ts';
import type { LedgerEntryInput } from './model.ts';

const blinding = new Pseudonymiser(randomBytes(32));
const now = new Date('2026-03-01T02:00:00Z');
const salt = () => randomBytes(16);

const exposure = (funderId: string): LedgerEntryInput => ({
  kind: 'exposure',
  funderId,
  customerId: 'cus_01jexample0000000000000',
  applicationId: 'app_01jexample0000000000000',
  stage: 'application',
  fields: ['name'],
  payloadHash: 'ab'.repeat(32),
  consentId: 'cns_1',
});

describe('ledger entry bodies', () => {
  it('a funder-facing body carries the funder’s pseudonyms and openable commitments, not the ids', () => {
    const { entry, body, leafHash } = commitEntry(exposure('bank-a'), now, salt(), blinding);
    const record = entry as unknown as Record<string, string>;
    expect(record.customerId).toBeUndefined();
    expect(record.applicationId).toBeUndefined();
    expect(record.customerRef).toBe(blinding.customerRef('bank-a', 'cus_01jexample0000000000000'));
    expect(record.applicationRef).toBe(blinding.applicationRef('bank-a', 'app_01jexample0000000000000'));
    // opening: reveal the id, recompute from the body's own salt
    expect(record.customerCommitment).toBe(
      idCommitment(record.salt!, 'customerId', 'cus_01jexample0000000000000'),
    );
    expect(record.customerCommitment).not.toBe(idCommitment(record.salt!, 'customerId', 'cus_other'));
    expect(body).not.toContain('cus_01jexample');
    expect(body).not.toContain('app_01jexample');
    expect(leafHash).toEqual(leafHashOfBody(body));
  });

  it('two funders’ entries about one customer and one application share no value that links them', () => {
    const a = commitEntry(exposure('bank-a'), now, salt(), blinding).entry as unknown as Record<
      string,
      string
    >;
    const b = commitEntry(exposure('bank-b'), now, salt(), blinding).entry as unknown as Record<
      string,
      string
    >;
    for (const field of ['customerRef', 'customerCommitment', 'applicationRef', 'applicationCommitment'])
      expect(a[field]).not.toBe(b[field]);
    // the same funder sees the same customer under the same pseudonym every time
    const again = commitEntry(exposure('bank-a'), now, salt(), blinding).entry as unknown as Record<
      string,
      string
    >;
    expect(again.customerRef).toBe(a.customerRef);
    expect(again.customerCommitment).not.toBe(a.customerCommitment); // salted per entry
  });

  it('entries no funder reads keep the platform’s ids; without a blinding nothing changes', () => {
    expect(FUNDER_FACING_KINDS.has('origination')).toBe(false);
    const origination = commitEntry(
      { kind: 'origination', customerId: 'cus_1', applicationId: 'app_1', channel: 'app' },
      now,
      salt(),
      blinding,
    ).entry as unknown as Record<string, string>;
    expect(origination.customerId).toBe('cus_1');
    const plain = commitEntry(exposure('bank-a'), now, salt()).entry as unknown as Record<string, string>;
    expect(plain.customerId).toBe('cus_01jexample0000000000000');
  });
});

// Sharing types: what a funder may see of a customer at each stage, and what the gateway returns.
// DESIGN principle 5: share the minimum, record every share.

/** When a payload leaves: before a decision (prescreen, application) or after the loan is booked. */
import type { Receipt } from '../db/unit-of-work.ts';
import type { JsonValue } from '../ledger/model.ts';

export const STAGES = ['prescreen', 'application', 'booked'] as const;
export type Stage = (typeof STAGES)[number];

/** Stages before booking: the funder gets relay contact points, never the real phone. */
export const PRE_BOOKING_STAGES: readonly Stage[] = ['prescreen', 'application'];

/**
 * How one field is disclosed. `clear` the value; `masked` a partial value (phone 138****1234);
 * `pseudonymised` HMAC-SHA256 under the funder's own key (stable for that funder, unlinkable
 * across funders); `withheld` absent from the payload.
 */
export const TREATMENTS = ['clear', 'masked', 'pseudonymised', 'withheld'] as const;
export type Treatment = (typeof TREATMENTS)[number];

/**
 * PIPL art. 23 data categories a consent names (`Consent.dataCategories`). A field whose category
 * the consent does not name is withheld whatever the policy says.
 */
export const DATA_CATEGORIES = [
  'identity',
  'contact',
  'demographics',
  'region',
  'employment',
  'loan-request',
] as const;
export type DataCategory = (typeof DATA_CATEGORIES)[number];

export const FIELDS = [
  'customerRef',
  'applicationRef',
  'name',
  'idNumber',
  'phone',
  'relayContact',
  'birthDate',
  'gender',
  'regionCode',
  'employer',
  'monthlyIncomeFen',
  'amountFen',
  'termMonths',
  'purpose',
] as const;
export type Field = (typeof FIELDS)[number];

export type FieldPolicy = Record<Field, Treatment>;

/** A policy as stored: per stage, every field named. */
export type SharingPolicy = Record<Stage, FieldPolicy>;

/** Everything the gateway may draw from, gathered by the service (PII decrypted in memory only). */
export interface ShareSource {
  customerId: string;
  applicationId: string;
  /** decrypted only when the policy and the consent let the field leave; null otherwise */
  name: string | null;
  idNumber: string | null;
  phone: string | null;
  birthDate: string;
  gender: 'male' | 'female';
  regionCode: string;
  employer: string | null;
  monthlyIncomeFen: number;
  amountFen: number;
  termMonths: number;
  purpose: string;
  /** the relay phone / email token the funder may use before booking; null at booking */
  relayContact: { phone: string; email: string } | null;
}

export type PayloadValue = string | number | { phone: string; email: string };

/** What leaves for the funder. Canonical JSON of this object is what payloadHash commits to. */
export interface FunderPayload {
  schema: 'shoujia.share/v1';
  funderId: string;
  stage: Stage;
  sharedAt: string;
  fields: Partial<Record<Field, PayloadValue>>;
}

export interface ShareResult {
  payload: FunderPayload;
  /** hex SHA-256 of the RFC 8785 canonical JSON of `payload` */
  payloadHash: string;
  exposureEntryId: string;
  /** fields present in the payload (the ledger records these names, never the values) */
  fields: Field[];
  /** fields the policy would have shared but the consent's data categories do not cover */
  withheldForConsent: Field[];
}

/** A relay contact point: a virtual number or email token leased to one (customer, funder). */
export interface RelayPoint {
  id: string;
  channel: 'phone' | 'email';
  address: string;
  customerId: string;
  funderId: string;
  leasedAt: Date;
  releasedAt: Date | null;
}

export const CONTACT_CHANNELS = ['call', 'sms', 'email'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

/** Whether a contact through a relay point stayed within the purpose the borrower consented to. */
export const CONTACT_VERDICTS = ['in-purpose', 'out-of-purpose', 'unattributed'] as const;
export type ContactVerdict = (typeof CONTACT_VERDICTS)[number];

export interface ContactEventInput {
  relayAddress: string;
  occurredAt: Date;
  channel: ContactChannel;
  /** the caller's number or address as the provider saw it; stored hashed */
  caller: string;
  /** provider's transcript summary or message excerpt */
  summary: string;
  /** the provider's own event id, for de-duplication of webhook retries */
  providerEventId: string;
}

export interface ContactEvent {
  id: string;
  relayPointId: string | null;
  funderId: string | null;
  customerId: string | null;
  channel: ContactChannel;
  occurredAt: Date;
  receivedAt: Date;
  verdict: ContactVerdict;
  /** why the verdict: e.g. 'marketing-before-decision', 'after-decline' */
  reason: string;
  summary: string;
  providerEventId: string;
}

/**
 * Raised when a funder is shown a customer (a payload sent, a pre-screen asked): the ledger
 * records the exposure in the same unit and answers with its entry id (ADR 0069).
 */
export interface FunderExposed {
  readonly topic: 'funder.exposed';
  readonly aggregateId: string;
  readonly payload: { funderId: string; applicationId: string; stage: Stage; payloadHash: string };
  readonly at: Date;
  readonly exposure: {
    funderId: string;
    customerId: string;
    applicationId: string;
    stage: Stage;
    /** names of the fields shared (never their values) */
    fields: string[];
    payloadHash: string;
    consentId: string | null;
    details: { [key: string]: JsonValue };
  };
  /** the ledger entry that records it */
  readonly receipt: Receipt<string>;
}

/**
 * A relay contact was recorded and judged (once per provider event: a retried webhook raises
 * nothing). Detection stores the out-of-purpose ones as evidence in the same unit (ADR 0076).
 */
export interface ContactRecorded {
  readonly topic: 'contact.recorded';
  readonly aggregateId: string;
  readonly payload: {
    contactId: string;
    /** null: the relay point was not leased to anyone then (unattributed) */
    funderId: string | null;
    customerId: string | null;
    channel: ContactChannel;
    verdict: ContactVerdict;
    reason: string;
    category: string | null;
    /** when the contact happened (ISO 8601) */
    at: string;
  };
  readonly at: Date;
  /** not in the outbox payload: the relay address contacted (detection matches staff contact points) */
  readonly relayAddress: string;
  /** the ledger entry of the latest exposure of this customer to this funder before the contact */
  readonly exposureEntryId: string | null;
  readonly applicationId: string | null;
}

export type SharingEvent = FunderExposed | ContactRecorded;

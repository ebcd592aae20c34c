// Identity types: a customer as the platform knows them, and a consent to share with one funder.
export interface Applicant {
  name: string;
  idNumber: string;
  phone: string;
  employer?: string | undefined;
  monthlyIncomeFen: number;
}

export interface CustomerProfile {
  id: string;
  birthDate: string;
  gender: 'male' | 'female';
  regionCode: string;
  createdAt: Date;
}

export interface ConsentInput {
  customerId: string;
  funderId: string;
  purpose: string;
  dataCategories: string[];
  textVersionHash: string;
  channel: string;
}

export interface Consent extends ConsentInput {
  id: string;
  grantedAt: Date;
  withdrawnAt: Date | null;
}

declare const liveConsentBrand: unique symbol;
/**
 * Proof that a live consent existed when it was checked, inside the caller's transaction. Only
 * IdentityService.requireLiveConsent can make one, and the sharing gateway takes one for every
 * payload: sharing without consent does not type-check.
 */
export type LiveConsent = Consent & { readonly [liveConsentBrand]: true };

/** Raised when a customer grants a funder consent (the ledger records it: ADR 0069). */
export interface ConsentGranted {
  readonly topic: 'consent.granted';
  readonly aggregateId: string;
  readonly payload: { consentId: string; customerId: string; funderId: string; purpose: string };
  readonly at: Date;
  readonly consent: Consent;
}

/** Raised when a customer withdraws the live consents to one funder (none withdrawn: not raised). */
export interface ConsentWithdrawn {
  readonly topic: 'consent.withdrawn';
  readonly aggregateId: string;
  readonly payload: { customerId: string; funderId: string; withdrawnCount: number };
  readonly at: Date;
}

export type IdentityEvent = ConsentGranted | ConsentWithdrawn;

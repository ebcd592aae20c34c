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

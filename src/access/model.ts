// Who is calling: a principal resolved from an API key. What it may see is decided in the services,
// by the rules in visibility.ts; this type is all they know of a request.
export const ROLES = ['admin', 'analyst', 'funder', 'borrower', 'system'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  keyId: string;
  role: Role;
  funderId: string | null;
  customerId: string | null;
}

/** What a route accepts: 'public' needs no key. */
export type RouteRole = Role | 'public';

/** A key was revoked: every API process must stop trusting it (services.ts sends the notice). */
export interface KeyRevoked {
  readonly topic: 'api-key.revoked';
  readonly aggregateId: string;
  readonly payload: { keyId: string };
  readonly at: Date;
}

export type AccessEvent = KeyRevoked;

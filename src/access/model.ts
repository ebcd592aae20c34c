// Who is calling: a principal resolved from an API key. Funder-scoped data is filtered by funderId
// in the service layer, not only in routes.
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

export function canSeeFunder(principal: Principal, funderId: string): boolean {
  if (principal.role === 'admin' || principal.role === 'analyst' || principal.role === 'system') return true;
  return principal.role === 'funder' && principal.funderId === funderId;
}

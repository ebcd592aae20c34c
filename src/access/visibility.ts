// Who may see what: the rules every service applies before it answers a principal. Pure; the
// services call them (DESIGN, security model: funder-scoped data is filtered in the service layer),
// and a resource a principal may not see answers exactly as a missing one does.
import type { Principal } from './model.ts';

/** The platform's own keys (operations, analysts, the front end) see every funder's data. */
export function isStaff(principal: Principal): boolean {
  return principal.role === 'admin' || principal.role === 'analyst' || principal.role === 'system';
}

/** Staff see every funder; a funder key only its own. */
export function canSeeFunder(principal: Principal, funderId: string): boolean {
  if (isStaff(principal)) return true;
  return principal.role === 'funder' && principal.funderId === funderId;
}

/**
 * Staff see every application; a funder key only one dispatched to it (`funderId`), a borrower key
 * only its own customer's.
 */
export function canSeeApplication(
  principal: Principal,
  application: { funderId: string | null; customerId: string },
): boolean {
  if (isStaff(principal)) return true;
  if (principal.role === 'funder')
    return principal.funderId !== null && application.funderId === principal.funderId;
  return (
    principal.role === 'borrower' &&
    principal.customerId !== null &&
    application.customerId === principal.customerId
  );
}

/**
 * Detection findings about a funder (its level, its evidence): analysts and admins see every
 * funder's; the funder itself only once it is `confirmed`, when the evidence is the basis of a
 * penalty (issue 14 item 6). Before that, a funder's own key answers as if there were nothing, so
 * a suspected funder cannot learn which of its contacts were seen.
 */
export function canSeeDetectionFindings(
  principal: Principal,
  subject: { funderId: string; level: string },
): boolean {
  if (principal.role === 'admin' || principal.role === 'analyst') return true;
  return (
    principal.role === 'funder' && principal.funderId === subject.funderId && subject.level === 'confirmed'
  );
}

/**
 * Staff see every loan; a funder key only a loan it booked; a borrower (token or key) only a loan of
 * its own customer. Loans read by a borrower: their loans through the platform across funders.
 */
export function canSeeLoan(principal: Principal, loan: { funderId: string; customerId: string }): boolean {
  if (isStaff(principal)) return true;
  if (principal.role === 'funder') return principal.funderId !== null && loan.funderId === principal.funderId;
  return (
    principal.role === 'borrower' && principal.customerId !== null && loan.customerId === principal.customerId
  );
}

/** The customer whose own data a borrower principal reads; null for every other role. */
export function borrowerCustomer(principal: Principal): string | null {
  return principal.role === 'borrower' ? principal.customerId : null;
}

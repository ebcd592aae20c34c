// The signed-in key (ADR 0098): in sessionStorage only — gone when the tab closes, never in a URL,
// never in localStorage or a cookie — and sent as `Authorization: Bearer`. A 401 from any call
// clears it and sends the analyst back to sign-in with a reason.
const KEY_ITEM = 'shoujia.dashboardKey';
const ROLE_ITEM = 'shoujia.dashboardRole';
export const SIGNED_OUT_EVENT = 'shoujia:signed-out';

export interface Session {
  key: string;
  role: string;
}

export function currentSession(): Session | null {
  const key = sessionStorage.getItem(KEY_ITEM);
  const role = sessionStorage.getItem(ROLE_ITEM);
  return key && role ? { key, role } : null;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY_ITEM, session.key);
  sessionStorage.setItem(ROLE_ITEM, session.role);
}

/** `reason`: why (an expired or revoked key, or the analyst signing out), shown on the sign-in page. */
export function endSession(reason: 'expired' | 'signed-out'): void {
  sessionStorage.removeItem(KEY_ITEM);
  sessionStorage.removeItem(ROLE_ITEM);
  window.dispatchEvent(new CustomEvent(SIGNED_OUT_EVENT, { detail: reason }));
}

// The dashboard's pages: path, menu label key and the roles that see them. The server answers
// index.html at exactly these paths and below (src/http/dashboard.ts DASHBOARD_PAGES; a test keeps
// the lists equal). Canaries are restricted (ADR 0077): staff roles only, and the menu hides them
// from any other role.
export type StaffRole = 'admin' | 'analyst';

export interface PageDefinition {
  slug: string;
  /** i18n key of the menu label and the page title */
  titleKey: string;
  /** shown in the menu (sign-in is not) */
  inMenu: boolean;
  roles: readonly string[];
}

const STAFF: readonly StaffRole[] = ['admin', 'analyst'];

export const PAGES: readonly PageDefinition[] = [
  { slug: 'sign-in', titleKey: 'signIn.title', inMenu: false, roles: [] },
  { slug: 'overview', titleKey: 'nav.overview', inMenu: true, roles: STAFF },
  { slug: 'applications', titleKey: 'nav.applications', inMenu: true, roles: STAFF },
  { slug: 'funders', titleKey: 'nav.funders', inMenu: true, roles: STAFF },
  { slug: 'alerts', titleKey: 'nav.alerts', inMenu: true, roles: STAFF },
  { slug: 'routing', titleKey: 'nav.routing', inMenu: true, roles: STAFF },
  { slug: 'canaries', titleKey: 'nav.canaries', inMenu: true, roles: STAFF },
  { slug: 'ledger', titleKey: 'nav.ledger', inMenu: true, roles: STAFF },
  { slug: 'simulations', titleKey: 'nav.simulations', inMenu: true, roles: STAFF },
  { slug: 'settlement', titleKey: 'nav.settlement', inMenu: true, roles: STAFF },
];

/** The roles that may use the dashboard at all: every page's API is staff-only. */
export const DASHBOARD_ROLES: readonly string[] = STAFF;

export const visiblePages = (role: string): PageDefinition[] =>
  PAGES.filter((page) => page.inMenu && page.roles.includes(role));

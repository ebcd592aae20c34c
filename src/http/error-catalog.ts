// The error catalog (STYLE §2): every code with its status and meaning, assembled here, explicitly,
// from each module's list (an import of each, no registration by side effect; ADR 0070). The error
// handler and the OpenAPI document read it; a module whose list is not here cannot answer over HTTP.
import { accessErrors } from '../access/errors.ts';
import { catalogErrors } from '../catalog/errors.ts';
import { dashboardErrors } from '../dashboard/errors.ts';
import { detectionErrors } from '../detection/errors.ts';
import { engagementErrors } from '../engagement/errors.ts';
import { identityErrors } from '../identity/errors.ts';
import { intakeErrors } from '../intake/errors.ts';
import {
  type CommonErrorCode,
  commonErrors,
  type ErrorSpec,
  type ErrorSpecs,
  assert,
  typedErrors,
} from '../kernel/index.ts';
import { ledgerErrors } from '../ledger/errors.ts';
import { pricingErrors } from '../pricing/errors.ts';
import { routingErrors } from '../routing/errors.ts';
import { settlementErrors } from '../settlement/errors.ts';
import { sharingErrors } from '../sharing/errors.ts';
import { simulationErrors } from '../simulation/errors.ts';

/** The edge's own codes: Fastify's client errors, unknown routes and bugs. No module throws them. */
export const httpErrors = {
  malformed_json: { status: 400, meaning: 'The body is not valid JSON.' },
  body_too_large: { status: 413, meaning: 'The body exceeds the size limit.' },
  unsupported_media_type: { status: 415, meaning: 'The body must be application/json.' },
  route_not_found: { status: 404, meaning: 'No such route.' },
  internal: { status: 500, meaning: 'A bug on our side; the request changed nothing.' },
} as const satisfies ErrorSpecs;

/** Each list under the name /v1/errors reports as its module. Add a line when a module gains codes. */
export const ERROR_LISTS = {
  kernel: commonErrors,
  http: httpErrors,
  access: accessErrors,
  catalog: catalogErrors,
  dashboard: dashboardErrors,
  detection: detectionErrors,
  engagement: engagementErrors,
  identity: identityErrors,
  intake: intakeErrors,
  ledger: ledgerErrors,
  pricing: pricingErrors,
  routing: routingErrors,
  settlement: settlementErrors,
  sharing: sharingErrors,
  simulation: simulationErrors,
} as const satisfies Record<string, ErrorSpecs>;

export interface CatalogEntry<Code extends string = string> extends ErrorSpec {
  code: Code;
  module: string;
}

type CodeOf<Lists> = { [Module in keyof Lists]: keyof Lists[Module] & string }[keyof Lists];

/** Every code the HTTP edge can answer with. */
export type CatalogCode = CodeOf<typeof ERROR_LISTS>;

/**
 * One map from the lists, checked: codes are snake_case and unique across modules (a code is global
 * and never renamed once released), statuses are 4xx or 5xx, meanings are not empty.
 */
export function assembleCatalog<const Lists extends Readonly<Record<string, ErrorSpecs>>>(
  lists: Lists,
): ReadonlyMap<string, CatalogEntry<CodeOf<Lists>>> {
  const catalog = new Map<string, CatalogEntry<CodeOf<Lists>>>();
  for (const [module, specs] of Object.entries(lists)) {
    for (const [code, spec] of Object.entries(specs)) {
      assert(/^[a-z][a-z0-9_]*$/.test(code), `error code must be snake_case: ${code}`);
      assert(
        Number.isInteger(spec.status) && spec.status >= 400 && spec.status < 600,
        `bad status for ${code}`,
      );
      assert(spec.meaning.trim().length > 0, `error code ${code} has no meaning`);
      const existing = catalog.get(code);
      assert(!existing, `error code ${code} defined by ${existing?.module} and ${module}`);
      // Object.entries forgets the keys' type; they are the lists' codes.
      catalog.set(code, { code: code as CodeOf<Lists>, ...spec, module });
    }
  }
  return catalog;
}

/** Assembled when the app is built: a duplicate code stops start-up. */
const CATALOG = assembleCatalog(ERROR_LISTS);

export function errorSpec(code: string): CatalogEntry<CatalogCode> | undefined {
  return CATALOG.get(code);
}

/** The catalog sorted by code, as /v1/errors and the OpenAPI description show it. */
export function errorCatalog(): CatalogEntry[] {
  return [...CATALOG.values()].map((entry) => ({ ...entry })).sort((a, b) => a.code.localeCompare(b.code));
}

/** What the HTTP layer itself throws (auth): only the shared codes. */
export const { DomainError } = typedErrors<CommonErrorCode>();

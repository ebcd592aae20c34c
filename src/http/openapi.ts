// The OpenAPI document's error side (STYLE §2): one shared error-body schema, and for every route
// the 4xx/5xx statuses it can answer with, each described by the catalog codes behind it.
import type { FastifyInstance, RouteOptions } from 'fastify';
import { errorCatalog } from './error-catalog.ts';
import { ErrorResponse } from './schemas.ts';

/** Registered with app.addSchema; the document lists it under components.schemas. */
export const ERROR_BODY_ID = 'ErrorBody';

/**
 * Whose error codes a route may answer with, by its tag: its own module's and those of the services
 * its handler calls. A superset: a route of the tag answers some of these, never one outside them
 * (beyond the codes every route shares, added from its schema and roles below).
 */
export const ERROR_MODULES_BY_TAG: Readonly<Record<string, readonly string[]>> = {
  meta: [],
  access: ['catalog'],
  catalog: ['catalog', 'pricing'],
  pricing: ['pricing', 'catalog'],
  applications: ['intake', 'identity', 'routing'],
  consents: ['identity', 'intake', 'catalog'],
  ledger: ['ledger'],
  routing: ['routing', 'intake', 'identity', 'catalog', 'sharing'],
  sharing: ['sharing', 'identity', 'intake', 'catalog'],
  simulation: ['simulation'],
  repayments: ['intake', 'routing'],
  borrower: ['intake'],
  engagement: ['engagement'],
  settlement: ['settlement', 'catalog'],
  dashboard: ['dashboard'],
};

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

interface RouteSchema {
  hide?: boolean;
  tags?: string[];
  body?: unknown;
  querystring?: unknown;
  params?: unknown;
  headers?: unknown;
  response?: Record<string, unknown>;
}

/** The catalog codes a route can answer with: from its roles, its schemas, its method and its tag. */
export function errorCodesOf(route: {
  method: string;
  roles: readonly string[];
  schema: RouteSchema;
}): string[] {
  const codes = new Set<string>(['internal']);
  if (!route.roles.includes('public')) codes.add('unauthenticated').add('forbidden');
  const { schema } = route;
  if (schema.body || schema.querystring || schema.params || schema.headers) codes.add('invalid_request');
  if (BODY_METHODS.has(route.method) && schema.body) {
    codes.add('malformed_json').add('body_too_large').add('unsupported_media_type');
  }
  if (route.method !== 'GET')
    codes.add('idempotency_key_invalid').add('idempotency_key_reused').add('conflict');
  const modules = new Set((schema.tags ?? []).flatMap((tag) => ERROR_MODULES_BY_TAG[tag] ?? []));
  for (const entry of errorCatalog()) if (modules.has(entry.module)) codes.add(entry.code);
  return [...codes];
}

/** `{ 400: {description, $ref}, 401: … }` for the codes, grouped by the status the catalog gives. */
export function errorResponsesFor(codes: readonly string[]): Record<number, unknown> {
  const byStatus = new Map<number, Array<{ code: string; meaning: string }>>();
  const catalog = new Map(errorCatalog().map((e) => [e.code, e]));
  for (const code of codes) {
    const spec = catalog.get(code);
    if (!spec) continue;
    byStatus.set(spec.status, [...(byStatus.get(spec.status) ?? []), { code, meaning: spec.meaning }]);
  }
  const responses: Record<number, unknown> = {};
  for (const [status, entries] of [...byStatus.entries()].sort((a, b) => a[0] - b[0])) {
    responses[status] = {
      description: `Error body; \`error.code\` is one of: ${entries
        .sort((a, b) => a.code.localeCompare(b.code))
        .map((e) => `\`${e.code}\` (${e.meaning.replace(/\.$/, '')})`)
        .join('; ')}.`,
      $ref: `${ERROR_BODY_ID}#`,
    };
  }
  return responses;
}

/**
 * Before any route: the shared error body, and an onRoute hook that adds each route's error
 * responses (a status a route declares itself keeps the route's schema, with the codes' description).
 */
export function registerErrorDocs(app: FastifyInstance): void {
  app.addSchema({ $id: ERROR_BODY_ID, ...ErrorResponse });
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as RouteSchema | undefined;
    if (!schema || schema.hide || route.url.startsWith('/docs')) return;
    const roles = (route.config as { roles?: readonly string[] } | undefined)?.roles ?? [];
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      const errors = errorResponsesFor(errorCodesOf({ method, roles, schema }));
      // A status declared with the plain shared shape gives way to the documented one.
      const response = Object.fromEntries(
        Object.entries(schema.response ?? {}).filter(([, declared]) => declared !== ErrorResponse),
      );
      for (const [status, doc] of Object.entries(errors)) {
        const declared = response[status] as Record<string, unknown> | undefined;
        response[status] = declared
          ? { ...declared, description: (doc as { description: string }).description }
          : doc;
      }
      schema.response = response;
    }
  });
}

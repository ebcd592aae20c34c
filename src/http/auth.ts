// Every route declares the roles that may call it (config.roles); a route without a declaration
// fails at start-up. Keys arrive as "Authorization: Bearer <key>".
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal, RouteRole } from '../access/model.ts';
import { assert } from '../kernel/index.ts';
import { DomainError } from './error-catalog.ts';
import { routeNotFoundBody } from './errors.ts';
import type { Services } from '../services.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    roles?: readonly RouteRole[];
    /**
     * a route whose existence is itself restricted (the canary registry, ADR 0077): a caller without
     * one of `roles` (no key, an unknown key, another role) gets the answer of a missing route, 404
     * route_not_found, never 401 or 403
     */
    hidden?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** every route with its declared roles, for the auth tests and the docs */
    routeTable: Array<{ method: string; url: string; roles: readonly RouteRole[]; hidden: boolean }>;
  }
}

export function registerAuth(app: FastifyInstance, services: Services): void {
  app.decorateRequest('principal', null);
  const routeTable: FastifyInstance['routeTable'] = [];
  app.decorate('routeTable', routeTable);

  app.addHook('onRoute', (route) => {
    const roles = route.config?.roles;
    const internal = route.url.startsWith('/docs');
    assert(
      internal || (Array.isArray(roles) && roles.length > 0),
      `route ${route.method} ${route.url} declares no roles`,
    );
    if (!internal) {
      for (const method of [route.method].flat())
        if (method !== 'HEAD')
          routeTable.push({
            method,
            url: route.url,
            roles: roles ?? [],
            hidden: route.config?.hidden === true,
          });
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const roles = request.routeOptions.config?.roles;
    if (!roles || roles.includes('public')) return;
    if (request.routeOptions.config?.hidden === true) {
      const principal = await authenticated(services, request.headers.authorization);
      if (!principal || !roles.includes(principal.role))
        return reply.status(404).send(routeNotFoundBody(request.method, request.url));
      request.principal = principal;
      return;
    }
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S{1,200})$/.exec(header) : null;
    if (!match) throw new DomainError('unauthenticated', 'Authorization: Bearer <key> is required');
    const principal = await services.access.authenticate(services.database.db, match[1]!);
    if (!principal) throw new DomainError('unauthenticated', 'unknown or revoked API key');
    if (!roles.includes(principal.role))
      throw new DomainError('forbidden', `role ${principal.role} may not call this route`);
    request.principal = principal;
  });
}

async function authenticated(services: Services, header: string | undefined): Promise<Principal | null> {
  const match = typeof header === 'string' ? /^Bearer\s+(\S{1,200})$/.exec(header) : null;
  return match ? services.access.authenticate(services.database.db, match[1]!) : null;
}

export function principalOf(request: FastifyRequest): Principal {
  assert(request.principal, 'route reached without a principal; is it declared public?');
  return request.principal;
}

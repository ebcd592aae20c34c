// The one place where errors become HTTP (STYLE §2): DomainError codes map through the catalog;
// Fastify's own client errors get stable codes; anything else is a 500 that changed nothing.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AssertionError, DomainError } from '../kernel/index.ts';
import { type CatalogCode, errorSpec } from './error-catalog.ts';

export interface ErrorBody {
  error: { code: string; message: string; field?: string; details?: Record<string, unknown> };
}

export function errorBody(
  code: CatalogCode,
  message: string,
  field?: string,
  details?: Record<string, unknown>,
): ErrorBody {
  return { error: { code, message, ...(field ? { field } : {}), ...(details ? { details } : {}) } };
}

/**
 * The answer to a route that does not exist; hidden routes (auth.ts) give exactly this to a caller
 * that may not know they exist.
 */
export function routeNotFoundBody(method: string, url: string): ErrorBody {
  return errorBody('route_not_found', `no route ${method} ${url.split('?')[0]}`);
}

type ValidationIssue = { keyword?: string; instancePath?: string; params?: Record<string, unknown> };

/**
 * The error that names what is wrong. In a union (anyOf) Ajv reports every branch; a branch that
 * failed only on its discriminating constant (fees.0.kind is not 'upfront') is not the one meant.
 */
function primaryIssue(error: FastifyError): ValidationIssue | undefined {
  const issues = (error.validation ?? []) as ValidationIssue[];
  if (!issues.some((issue) => issue.keyword === 'anyOf')) return issues[0];
  return issues.find((issue) => issue.keyword !== 'const' && issue.keyword !== 'anyOf') ?? issues[0];
}

/** '/applicant/idNumber' + missingProperty → 'applicant.idNumber' */
function validationField(error: FastifyError): string | undefined {
  const first = primaryIssue(error);
  if (!first) return undefined;
  const path = (first.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const extra = (first.params?.missingProperty ?? first.params?.additionalProperty) as string | undefined;
  const joined = [path, extra].filter(Boolean).join('.');
  const context = (error as FastifyError & { validationContext?: string }).validationContext;
  return joined || context || undefined;
}

/** Fastify's default: a path parameter longer than this is refused before routing. */
export const PATH_PARAM_MAX_LENGTH = 100;

/**
 * Errors Fastify raises before any route or error handler runs: a URL that is not valid
 * percent-encoding (/v1/applications/%zz) or a path parameter longer than PATH_PARAM_MAX_LENGTH.
 * They still get the one error shape (Fastify's own is {error,code,message,statusCode}).
 */
export function answerFrameworkError(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (error.code === 'FST_ERR_BAD_URL') {
    reply.status(400).send(errorBody('invalid_request', 'the URL is not valid percent-encoded UTF-8', 'url'));
    return;
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    const message = `a path parameter is longer than ${PATH_PARAM_MAX_LENGTH} characters`;
    reply.status(400).send(errorBody('invalid_request', message, 'url'));
    return;
  }
  reply.status(500).send(errorBody('internal', 'internal error; the request changed nothing'));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const domain = error as unknown;
    if (domain instanceof DomainError) {
      const spec = errorSpec(domain.code);
      if (spec) {
        const body = errorBody(spec.code, domain.message, domain.field, domain.details);
        return reply.status(spec.status).send(body);
      }
      // Unreachable while the types and error-catalog.test.ts hold: a code outside the catalog is a
      // bug, so it is logged and answered as one.
      request.log.error({ err: error, code: domain.code }, 'DomainError code missing from the error catalog');
      return reply.status(500).send(errorBody('internal', 'internal error; the request changed nothing'));
    }
    if (error.validation) {
      const field = validationField(error);
      // The text and decimal rules (text.ts, validation.ts) say which rule failed, e.g. 'nul'.
      const rule = primaryIssue(error)?.params?.rule;
      const details = typeof rule === 'string' ? { rule } : undefined;
      return reply.status(400).send(errorBody('invalid_request', error.message, field, details));
    }
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.status(400).send(errorBody('malformed_json', 'the body is not valid JSON'));
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.status(413).send(errorBody('body_too_large', error.message));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply
          .status(415)
          .send(errorBody('unsupported_media_type', 'the body must be application/json'));
    }
    if (
      error instanceof SyntaxError ||
      (error.statusCode && error.statusCode >= 400 && error.statusCode < 500)
    ) {
      const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
      return reply
        .status(status)
        .send(errorBody(status === 400 ? 'malformed_json' : 'invalid_request', error.message));
    }
    request.log.error({ err: error, assertion: error instanceof AssertionError }, 'request failed');
    return reply.status(500).send(errorBody('internal', 'internal error; the request changed nothing'));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(routeNotFoundBody(request.method, request.url));
  });
}

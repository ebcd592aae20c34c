// Expected rejections carry a stable code. Each module declares its codes once (with the HTTP
// status and a one-line meaning) through defineErrors; the HTTP edge maps codes to responses in
// one place (src/http/errors.ts) and the catalog is published in the OpenAPI document.
import { assert } from './assert.ts';

export interface ErrorSpec {
  status: number;
  meaning: string;
}

const catalog = new Map<string, ErrorSpec & { module: string }>();

/** Register a module's error codes. Codes are global and never renamed once released. */
export function defineErrors<const T extends Record<string, ErrorSpec>>(module: string, specs: T): T {
  for (const [code, spec] of Object.entries(specs)) {
    assert(/^[a-z][a-z0-9_]*$/.test(code), `error code must be snake_case: ${code}`);
    assert(spec.status >= 400 && spec.status < 600, `bad status for ${code}`);
    const existing = catalog.get(code);
    assert(
      !existing || existing.module === module,
      `error code ${code} defined by ${existing?.module} and ${module}`,
    );
    catalog.set(code, { ...spec, module });
  }
  return specs;
}

export function errorSpec(code: string): (ErrorSpec & { module: string }) | undefined {
  return catalog.get(code);
}

export function errorCatalog(): Array<{ code: string; status: number; meaning: string; module: string }> {
  return [...catalog.entries()]
    .map(([code, spec]) => ({ code, ...spec }))
    .sort((a, b) => a.code.localeCompare(b.code));
}

/** An expected, client-caused or state-caused rejection. Becomes a 4xx at the edge. */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    assert(catalog.has(code), `undeclared error code ${code}`);
  }
}

export type Result<T, E extends string = string> =
  | { ok: true; value: T }
  | { ok: false; code: E; message: string; field?: string; details?: Record<string, unknown> };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E extends string>(
  code: E,
  message: string,
  field?: string,
  details?: Record<string, unknown>,
): { ok: false; code: E; message: string; field?: string; details?: Record<string, unknown> } => ({
  ok: false,
  code,
  message,
  ...(field === undefined ? {} : { field }),
  ...(details === undefined ? {} : { details }),
});

/** Turn a failed Result into a thrown DomainError (services do this at their boundary). */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new DomainError(result.code, result.message, result.field, result.details);
}

// Codes every module may use.
export const commonErrors = defineErrors('kernel', {
  invalid_request: {
    status: 400,
    meaning: 'The request does not match the schema; `field` names the offending part.',
  },
  malformed_json: { status: 400, meaning: 'The body is not valid JSON.' },
  body_too_large: { status: 413, meaning: 'The body exceeds the size limit.' },
  unsupported_media_type: { status: 415, meaning: 'The body must be application/json.' },
  unauthenticated: { status: 401, meaning: 'Missing or unknown API key.' },
  forbidden: { status: 403, meaning: 'The key’s role may not call this route.' },
  not_found: { status: 404, meaning: 'No such resource visible to this key.' },
  route_not_found: { status: 404, meaning: 'No such route.' },
  idempotency_key_reused: {
    status: 409,
    meaning: 'The Idempotency-Key was used before with a different body.',
  },
  idempotency_key_invalid: {
    status: 400,
    meaning: 'The Idempotency-Key header is missing, empty or longer than 200 characters.',
  },
  conflict: { status: 409, meaning: 'The resource changed concurrently; retry.' },
  rate_limited: { status: 429, meaning: 'Too many requests; retry later.' },
  internal: { status: 500, meaning: 'A bug on our side; the request changed nothing.' },
});

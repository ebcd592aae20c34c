// Expected rejections carry a stable code. Each module lists its codes once, as data (status and a
// one-line meaning, in its errors.ts), and throws DomainErrors typed by that list, so a code
// missing from it is a compile error; src/http/error-catalog.ts assembles the lists into the one
// catalog that maps codes to HTTP and is published in the OpenAPI document (ADR 0070). The kernel
// knows no module: it holds the generic types and the codes every module shares.

export interface ErrorSpec {
  readonly status: number;
  readonly meaning: string;
}

/** A module's codes with their specs; declared `{ … } as const satisfies ErrorSpecs`. */
export type ErrorSpecs = Readonly<Record<string, ErrorSpec>>;

/** An expected, client-caused or state-caused rejection. Becomes a 4xx at the edge. */
export class DomainError<Code extends string = string> extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: Code,
    message: string,
    readonly field?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/**
 * DomainError as a module throws it: the same class at run time (so `instanceof DomainError` holds
 * for every module's errors), its code parameter narrowed to the codes the module may throw.
 */
export type DomainErrorOf<Code extends string> = new (
  code: Code,
  message: string,
  field?: string,
  details?: Record<string, unknown>,
) => DomainError<Code>;

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
export function unwrap<T, Code extends string>(result: Result<T, Code>): T {
  if (result.ok) return result.value;
  throw new DomainError(result.code, result.message, result.field, result.details);
}

/**
 * A module's typed pair, for its errors.ts: `export const { DomainError, unwrap } =
 * typedErrors<ThrownCode>();`. Call sites keep `new DomainError('code', …)` and `unwrap(result)`,
 * and a code (or a Result's error code) outside ThrownCode no longer compiles.
 */
export function typedErrors<Code extends string>(): {
  DomainError: DomainErrorOf<Code>;
  unwrap: <T>(result: Result<T, Code>) => T;
} {
  return { DomainError, unwrap };
}

/**
 * Codes every module may throw besides its own (part of each module's ThrownCode). The HTTP edge's
 * own codes (malformed JSON, no such route, internal) are http's and no module may throw them.
 */
export const commonErrors = {
  invalid_request: {
    status: 400,
    meaning: 'The request does not match the schema; `field` names the offending part.',
  },
  unauthenticated: { status: 401, meaning: 'Missing or unknown API key.' },
  forbidden: { status: 403, meaning: 'The key’s role may not call this route.' },
  not_found: { status: 404, meaning: 'No such resource visible to this key.' },
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
} as const satisfies ErrorSpecs;

export type CommonErrorCode = keyof typeof commonErrors;

// Two validators: bodies are validated strictly (no type coercion, unknown fields rejected, not
// stripped); query strings and path params are coerced from text, as they can only be text, but
// only from plain decimal digits (ADR 0060). Both share the text keyword (./text.ts).
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { assert } from '../kernel/index.ts';
import { bareStringPaths, registerTextKeyword } from './text.ts';

/**
 * What a numeric query or path value may look like before it is read as a number: plain decimal
 * digits, an optional minus sign, no leading zeros. Ajv's own coercion uses `x == +x`, which reads
 * " " and "" as 0, "0x1f" as 31 and "1e3" as 1000.
 */
const DECIMAL_INTEGER = /^-?(0|[1-9][0-9]*)$/;
const DECIMAL_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;
/** Longer than any safe integer (2^53 has 16 digits): refused before it is parsed at all. */
export const NUMERIC_TEXT_MAX_LENGTH = 24;

interface AjvLikeError {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message: string;
}
type Validator = ((data: unknown) => boolean) & { errors?: AjvLikeError[] | null };

/** The top-level properties of a query/params schema that must be read from strict text. */
function numericProperties(schema: unknown): Array<[string, 'integer' | 'number' | 'boolean']> {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  const out: Array<[string, 'integer' | 'number' | 'boolean']> = [];
  for (const [name, property] of Object.entries(properties)) {
    const type = property?.type;
    if (type === 'integer' || type === 'number' || type === 'boolean') out.push([name, type]);
  }
  return out;
}

function strictText(name: string, type: 'integer' | 'number' | 'boolean', raw: string): AjvLikeError | null {
  const ok =
    type === 'boolean'
      ? raw === 'true' || raw === 'false'
      : raw.length <= NUMERIC_TEXT_MAX_LENGTH &&
        (type === 'integer' ? DECIMAL_INTEGER : DECIMAL_NUMBER).test(raw) &&
        Number.isFinite(Number(raw)) &&
        (type !== 'integer' || Number.isSafeInteger(Number(raw)));
  if (ok) return null;
  return {
    keyword: 'x-shoujia-decimal',
    instancePath: `/${name}`,
    schemaPath: `#/properties/${name}`,
    params: { rule: 'not_decimal' },
    message:
      type === 'boolean'
        ? 'must be true or false'
        : `must be a decimal ${type === 'integer' ? 'integer (digits only)' : 'number'} within range`,
  };
}

export function registerValidation(app: FastifyInstance): void {
  const strict = new Ajv({
    allErrors: false,
    coerceTypes: false,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  });
  const coercing = new Ajv({
    allErrors: false,
    coerceTypes: true,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  });
  for (const ajv of [strict, coercing]) {
    (addFormats as unknown as (ajv: Ajv) => void)(ajv);
    registerTextKeyword(ajv);
  }
  app.setValidatorCompiler(({ schema, httpPart, method, url }) => {
    // Like a route without roles (auth.ts), a route with a bare string fails at start-up. Headers
    // are exempt: Node's HTTP parser already refuses control characters in them.
    if (httpPart !== 'headers') {
      const bare = bareStringPaths(schema);
      assert(
        bare.length === 0,
        `${method} ${url} ${httpPart}: every string must be a Text (src/http/text.ts): ${bare.join(', ')}`,
      );
    }
    if (httpPart === 'body' || httpPart === 'headers')
      return (httpPart === 'body' ? strict : coercing).compile(schema) as never;
    const validate = coercing.compile(schema);
    const numeric = numericProperties(schema);
    if (numeric.length === 0) return validate as never;
    const checked: Validator = (data: unknown) => {
      const values = (data ?? {}) as Record<string, unknown>;
      for (const [name, type] of numeric) {
        const raw = values[name];
        const error = typeof raw === 'string' ? strictText(name, type, raw) : null;
        if (error) {
          checked.errors = [error];
          return false;
        }
      }
      const valid = validate(data);
      checked.errors = validate.errors as AjvLikeError[] | null | undefined;
      return valid;
    };
    return checked as never;
  });
}

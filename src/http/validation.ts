// Two validators: bodies are validated strictly (no type coercion, unknown fields rejected, not
// stripped); query strings and path params are coerced from text, as they can only be text.
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

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
  (addFormats as unknown as (ajv: Ajv) => void)(strict);
  (addFormats as unknown as (ajv: Ajv) => void)(coercing);
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : coercing;
    return ajv.compile(schema) as never;
  });
}

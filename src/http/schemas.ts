// Schema pieces shared by routes. Every string and array has an explicit limit (STYLE §8); every
// request string is a Text (./text.ts, ADR 0060): normalised, trimmed, free of control characters.
import { Type } from 'typebox';
import { MAX_FEN } from '../kernel/index.ts';
import { Text, Token } from './text.ts';

export { Text, Token, TEXT_KEYWORD, TEXT_RULES, type TextOptions } from './text.ts';

export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    field: Type.Optional(Type.String()),
    details: Type.Optional(Type.Object({}, { additionalProperties: true })),
  }),
});

export const errorResponses = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
};

export const Slug = Token({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', maxLength: 63 });
export const ResourceId = Token({ maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
export const Fen = Type.Integer({ minimum: 0, maximum: MAX_FEN });
export const PositiveFen = Type.Integer({ minimum: 1, maximum: MAX_FEN });
export const Rate = Type.Number({ minimum: 0, exclusiveMaximum: 1 });
/** A one-line human text: a name, a label, a purpose (bidi overrides refused, spaces trimmed). */
export const ShortText = (maxLength = 100) => Text({ maxLength });
/** Free text a person or a provider writes (notes, summaries): tab and newlines allowed, may be empty. */
export const FreeText = (maxLength: number) => Text({ maxLength, minLength: 0, multiline: true });
export const IdParams = Type.Object({ id: ResourceId });
export const PageQuery = Type.Object({
  /** the last id of the previous page */
  after: Type.Optional(ResourceId),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
});

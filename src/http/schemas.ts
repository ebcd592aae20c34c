// Schema pieces shared by routes. Every string and array has an explicit limit (STYLE §8).
import { Type } from 'typebox';
import { MAX_FEN } from '../kernel/index.ts';

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

export const Slug = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', maxLength: 63 });
export const ResourceId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
export const Fen = Type.Integer({ minimum: 0, maximum: MAX_FEN });
export const PositiveFen = Type.Integer({ minimum: 1, maximum: MAX_FEN });
export const Rate = Type.Number({ minimum: 0, exclusiveMaximum: 1 });
export const ShortText = (maxLength = 100) => Type.String({ minLength: 1, maxLength });
export const IdParams = Type.Object({ id: ResourceId });
export const PageQuery = Type.Object({
  after: Type.Optional(Type.String({ maxLength: 64 })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
});

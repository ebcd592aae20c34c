// Schema pieces shared by routes. Every string and array has an explicit limit (STYLE §8); every
// request string is a Text (./text.ts, ADR 0060): normalised, trimmed, free of control characters.
import { type Static, type TObjectOptions, type TProperties, type TSchema, Type } from 'typebox';
import { APPLICATION_STATUSES } from '../intake/status.ts';
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

// ---- response shapes (documentation: the serializer is JSON.stringify, src/http/app.ts) ----
// test/foundation/response-schemas.test.ts checks every route's real 2xx answers against these.

/** A closed object: a property it does not list is a lie of the schema (the response test fails). */
export const Closed = <T extends TProperties>(properties: T, options: TObjectOptions = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/**
 * One of a closed list of strings, as `enum` (a TypeBox union of literals would type the handler's
 * answer as `never` under the type provider); the handler's type stays `string`.
 */
export const OneOf = (values: readonly string[], options: { description?: string } = {}) =>
  Type.Unsafe<string>({ type: 'string', enum: [...values], ...options });
/** OneOf, or null: null is among the values too (OpenAPI 3.0: `nullable` does not widen an `enum`). */
export const NullableOneOf = (values: readonly string[], options: { description?: string } = {}) =>
  Type.Unsafe<string | null>({ type: 'string', nullable: true, enum: [...values, null], ...options });
/** A timestamp: a Date in the handler, ISO 8601 UTC on the wire (Date#toJSON). */
export const DateTime = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const Amount = Type.Integer();
const Figure = Type.Number();

/** Pricing's annual cost figures (src/pricing/irr.ts): period IRR, ×12 nominal, compounded effective. */
export const AprView = Closed({ periodRate: Figure, nominal: Figure, effective: Figure });
export const CapCheckView = Closed({ cap: Figure, basis: Type.String(), ok: Type.Boolean() });
export const ScheduleLineView = Closed({
  period: Type.Integer(),
  principalFen: Amount,
  interestFen: Amount,
  feeFen: Amount,
  paymentFen: Amount,
  balanceFen: Amount,
});
export const ScheduleTotalsView = Closed({
  principalFen: Amount,
  interestFen: Amount,
  feeFen: Amount,
  paymentFen: Amount,
  disbursedFen: Amount,
});
/** The borrower's disclosure of a priced loan (src/pricing/disclosure.ts). */
export const DisclosureView = Closed({
  principalFen: Amount,
  disbursedFen: Amount,
  termMonths: Type.Integer(),
  method: Type.String(),
  methodLabel: Type.String(),
  rateAnnual: Figure,
  rateAnnualText: Type.String(),
  apr: AprView,
  aprText: Type.String(),
  aprEffectiveText: Type.String(),
  firstPaymentFen: Amount,
  lastPaymentFen: Amount,
  minPaymentFen: Amount,
  maxPaymentFen: Amount,
  totalInterestFen: Amount,
  totalFeeFen: Amount,
  totalPaymentFen: Amount,
  capCheck: CapCheckView,
  text: Type.String(),
});
/** A fee line as stored (src/catalog/model.ts FeeLine): which amount fields a kind carries varies. */
export const FeeLineView = Closed({
  kind: OneOf(['upfront', 'monthly', 'monthly-rate', 'once']),
  amountFen: Type.Optional(Amount),
  rate: Type.Optional(Figure),
  period: Type.Optional(Type.Integer()),
  label: Type.Optional(Type.String()),
});
/** A product's or offer's fees; readonly, as the catalog and the stored offers hand them out. */
export const FeeLinesView = Type.Unsafe<ReadonlyArray<Static<typeof FeeLineView>>>(Type.Array(FeeLineView));
/** An application as staff see it (src/intake/model.ts Application). */
export const ApplicationView = Closed({
  id: Type.String(),
  status: OneOf(APPLICATION_STATUSES),
  customerId: Type.String(),
  amountFen: Amount,
  termMonths: Type.Integer(),
  purpose: Type.String(),
  channel: Type.String(),
  monthlyIncomeFen: Amount,
  score: Nullable(Type.Integer()),
  funderId: Nullable(Type.String()),
  productId: Nullable(Type.String()),
  createdAt: DateTime,
  updatedAt: DateTime,
});

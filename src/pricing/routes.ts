// Pricing HTTP: POST /v1/quotes prices a loan (schedule, annual cost, cap check, disclosure). It
// changes nothing, so it takes no Idempotency-Key; a funder may name only its own contract.
import { Type } from 'typebox';
import { canSeeFunder } from '../access/model.ts';
import type { FeeLine } from '../catalog/model.ts';
import type { App } from '../http/app.ts';
import { principalOf } from '../http/auth.ts';
import { ErrorResponse, errorResponses, Fen, PositiveFen, Rate, ShortText, Slug } from '../http/schemas.ts';
import { DomainError } from './errors.ts';
import { CAP_BASES, FEE_LINES_MAX, REPAYMENT_METHODS, TERM_MONTHS_MAX } from './model.ts';

const Enum = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)));
const Term = Type.Integer({ minimum: 1, maximum: TERM_MONTHS_MAX });
const Label = Type.Optional(ShortText(50));

// One object shape for every fee kind (not a union), so a validation error names the actual field
// (fees.0.amountFen) rather than the first union branch's; the core checks which fields each kind
// carries and names any stray one.
export const QuoteFeeBody = Type.Object(
  {
    kind: Enum(['upfront', 'monthly', 'monthly-rate', 'once'] as const),
    amountFen: Type.Optional(Fen),
    rate: Type.Optional(Rate),
    period: Type.Optional(Term),
    label: Label,
  },
  { additionalProperties: false },
);

export const QuoteBody = Type.Object(
  {
    principalFen: PositiveFen,
    termMonths: Term,
    rateAnnual: Rate,
    method: Enum(REPAYMENT_METHODS),
    fees: Type.Optional(Type.Array(QuoteFeeBody, { maxItems: FEE_LINES_MAX })),
    cap: Type.Optional(
      Type.Object(
        { rate: Type.Number({ exclusiveMinimum: 0, maximum: 10 }), basis: Enum(CAP_BASES) },
        { additionalProperties: false },
      ),
    ),
    /** refuse with 422 apr_exceeds_cap / judicial_ceiling_exceeded instead of answering capCheck.ok = false */
    enforceCap: Type.Optional(Type.Boolean()),
    /** contract maximum penalty interest (annual) for the judicial 24% check */
    penaltyRateAnnual: Type.Optional(Rate),
    /** use this funder's contract in force for the judicial check (a funder key: its own only) */
    funderId: Type.Optional(Slug),
  },
  { additionalProperties: false },
);

// Response shapes use plain strings for enumerations (TypeBox's mapped unions infer `never` here).
const Amount = Type.Integer();
const Figure = Type.Number();
const AprSchema = Type.Object({ periodRate: Figure, nominal: Figure, effective: Figure });
const CapCheckSchema = Type.Object({ cap: Figure, basis: Type.String(), ok: Type.Boolean() });

/** The answer, documented in OpenAPI (and serialised by it: every field must be listed here). */
export const QuoteResponse = Type.Object({
  schedule: Type.Array(
    Type.Object({
      period: Type.Integer(),
      principalFen: Amount,
      interestFen: Amount,
      feeFen: Amount,
      paymentFen: Amount,
      balanceFen: Amount,
    }),
    { maxItems: TERM_MONTHS_MAX },
  ),
  totals: Type.Object({
    principalFen: Amount,
    interestFen: Amount,
    feeFen: Amount,
    paymentFen: Amount,
    disbursedFen: Amount,
  }),
  apr: AprSchema,
  capCheck: CapCheckSchema,
  loan: Type.Object({
    principalFen: Amount,
    termMonths: Type.Integer(),
    rateAnnual: Figure,
    method: Type.String(),
  }),
  disclosure: Type.Object({
    principalFen: Amount,
    disbursedFen: Amount,
    termMonths: Type.Integer(),
    method: Type.String(),
    methodLabel: Type.String(),
    rateAnnual: Figure,
    rateAnnualText: Type.String(),
    apr: AprSchema,
    aprText: Type.String(),
    aprEffectiveText: Type.String(),
    firstPaymentFen: Amount,
    lastPaymentFen: Amount,
    minPaymentFen: Amount,
    maxPaymentFen: Amount,
    totalInterestFen: Amount,
    totalFeeFen: Amount,
    totalPaymentFen: Amount,
    capCheck: CapCheckSchema,
    text: Type.String(),
  }),
  judicialCheck: Type.Union([
    Type.Object({
      source: Type.String(),
      penaltyRateAnnual: Figure,
      total: Figure,
      ceiling: Figure,
      ok: Type.Boolean(),
    }),
    Type.Null(),
  ]),
});

export async function pricingRoutes(app: App): Promise<void> {
  const { pricing, database } = app.shoujia;

  app.post(
    '/v1/quotes',
    {
      config: { roles: ['admin', 'analyst', 'system', 'funder'] },
      schema: {
        tags: ['pricing'],
        summary: 'Price a loan: schedule, annual cost, disclosure and cap checks',
        body: QuoteBody,
        response: { 200: QuoteResponse, ...errorResponses, 422: ErrorResponse },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const body = request.body;
      const funderId = body.funderId;
      // Another funder's contract answers as if the funder did not exist.
      if (funderId !== undefined && !canSeeFunder(principal, funderId)) {
        throw new DomainError('funder_not_found', `no funder ${funderId}`, 'funderId');
      }
      const fees = (body.fees ?? []) as FeeLine[]; // shapes per kind are checked by the core
      return pricing.quoteWithChecks(database.db, {
        ...body,
        fees,
        ...(funderId === undefined ? {} : { funderId }),
      });
    },
  );
}

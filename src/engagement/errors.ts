// Engagement error codes (ADR 0070): reminders' and the financing plan's refusals.
import { type CommonErrorCode, type ErrorSpecs, typedErrors } from '../kernel/index.ts';
import type { PlanErrorCode } from './plan.ts';

export const engagementErrors = {
  reminder_customer_not_found: {
    status: 404,
    meaning: 'No customer with this id: it has no reminder settings.',
  },
  plan_too_many_loans: {
    status: 400,
    meaning: 'A financing plan takes at most 10 hand-added loans and 30 loans in all.',
  },
  plan_loan_invalid: {
    status: 400,
    meaning: 'A hand-added loan has an amount, term or rate out of range; `field` names it.',
  },
  plan_loan_payments_below_principal: {
    status: 422,
    meaning: "A hand-added loan's remaining payments add up to less than its outstanding principal.",
  },
  plan_loan_cost_too_high: {
    status: 422,
    meaning:
      "A hand-added loan's payments put its annual cost at or above 100%: the figures are likely mistyped.",
  },
} as const satisfies ErrorSpecs & Record<PlanErrorCode, unknown>;

export type EngagementErrorCode = keyof typeof engagementErrors;

export type EngagementThrownCode = EngagementErrorCode | CommonErrorCode;

export const { DomainError, unwrap } = typedErrors<EngagementThrownCode>();

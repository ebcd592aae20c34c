// Intake's error codes (STYLE §2): applications, their status transitions, booking and repayments. The HTTP catalog
// (src/http/error-catalog.ts) lists them with every other module's.
import { type CommonErrorCode, type ErrorSpecs, typedErrors } from '../kernel/index.ts';
import type { PricingErrorCode } from '../pricing/errors.ts';

export const intakeErrors = {
  application_not_found: { status: 404, meaning: 'No such application (or not visible to this key).' },
  invalid_transition: { status: 409, meaning: 'The application is not in a state that allows this step.' },
  application_not_approved: { status: 409, meaning: 'Only an approved application can be confirmed.' },
  invalid_cursor: {
    status: 400,
    meaning:
      'The cursor is not one this list handed out for these filters (edited, invented, or from a list with other filters).',
  },
  amount_above_platform_limit: {
    status: 400,
    meaning: 'The requested amount is above the platform’s per-borrower limit.',
  },
  // repayments (ADR 0080), in the order the rules are checked
  loan_not_found: {
    status: 404,
    meaning: 'No such loan (or not visible to this key; a funder sees only loans it booked).',
  },
  repayment_id_reused: {
    status: 409,
    meaning: 'This funder already sent a different repayment under this repaymentId.',
  },
  repayment_dated_before_booking: { status: 400, meaning: 'paidAt is before the loan was booked.' },
  repayment_dated_in_future: { status: 400, meaning: 'paidAt is later than the platform’s clock.' },
  repayment_dated_before_last: {
    status: 409,
    meaning:
      'paidAt is before the loan’s latest recorded repayment: repayments are sent in the order they happened.',
  },
  installment_not_found: {
    status: 404,
    meaning: 'The loan has no such installment, or the kind needs an installmentNo and none was given.',
  },
  loan_closed: { status: 409, meaning: 'The loan was paid off early, or every installment is settled.' },
  installment_settled: { status: 409, meaning: 'The installment is already paid, written off or closed.' },
  installment_not_next: {
    status: 409,
    meaning: 'An older installment is still open: installments are paid oldest first (先到期先还).',
  },
  repayment_exceeds_due: {
    status: 409,
    meaning:
      'The amount is above what the installment (or the early payoff) still asks; `details` says how much.',
  },
  repayment_amount_mismatch: {
    status: 409,
    meaning:
      'installment, write-off and early-payoff carry exactly what is owed (`details`); a smaller payment is a partial.',
  },
  repayments_limit_reached: {
    status: 409,
    meaning: 'The loan already carries the most repayment events one loan may have (2,000).',
  },
} as const satisfies ErrorSpecs;

export type IntakeErrorCode = keyof typeof intakeErrors;

/** What intake may throw: its own codes, the shared ones, and pricing's (a booking is priced and capped there). */
export type IntakeThrownCode = IntakeErrorCode | CommonErrorCode | PricingErrorCode;

export const { DomainError, unwrap } = typedErrors<IntakeThrownCode>();

// Intake's error codes (STYLE §2): applications, their status transitions and booking. The HTTP catalog
// (src/http/error-catalog.ts) lists them with every other module's.
import { type CommonErrorCode, type ErrorSpecs, typedErrors } from '../kernel/index.ts';
import type { PricingErrorCode } from '../pricing/errors.ts';

export const intakeErrors = {
  application_not_found: { status: 404, meaning: 'No such application (or not visible to this key).' },
  invalid_transition: { status: 409, meaning: 'The application is not in a state that allows this step.' },
  application_not_approved: { status: 409, meaning: 'Only an approved application can be confirmed.' },
  amount_above_platform_limit: {
    status: 400,
    meaning: 'The requested amount is above the platform’s per-borrower limit.',
  },
} as const satisfies ErrorSpecs;

export type IntakeErrorCode = keyof typeof intakeErrors;

/** What intake may throw: its own codes, the shared ones, and pricing's (a booking is priced and capped there). */
export type IntakeThrownCode = IntakeErrorCode | CommonErrorCode | PricingErrorCode;

export const { DomainError, unwrap } = typedErrors<IntakeThrownCode>();

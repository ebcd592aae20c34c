// Engagement error codes (ADR 0070).
import { type CommonErrorCode, type ErrorSpecs, typedErrors } from '../kernel/index.ts';

export const engagementErrors = {
  reminder_customer_not_found: {
    status: 404,
    meaning: 'No customer with this id: it has no reminder settings.',
  },
} as const satisfies ErrorSpecs;

export type EngagementErrorCode = keyof typeof engagementErrors;

export const { DomainError, unwrap } = typedErrors<EngagementErrorCode | CommonErrorCode>();

// The dashboard's error codes (STYLE §2); the HTTP catalog (src/http/error-catalog.ts) lists them.
import { type CommonErrorCode, type ErrorSpecs, typedErrors } from '../kernel/index.ts';

export const dashboardErrors = {
  date_range_invalid: {
    status: 400,
    meaning:
      'from or to is not a calendar day (YYYY-MM-DD), from is after to, or the range is longer than 366 days.',
  },
} as const satisfies ErrorSpecs;

export type DashboardErrorCode = keyof typeof dashboardErrors;
export type DashboardThrownCode = DashboardErrorCode | CommonErrorCode;

export const { DomainError } = typedErrors<DashboardThrownCode>();

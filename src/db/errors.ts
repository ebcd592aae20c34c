// What the storage layer throws: only the codes every module shares (idempotency, conflict).
import { type CommonErrorCode, typedErrors } from '../kernel/index.ts';

export const { DomainError } = typedErrors<CommonErrorCode>();

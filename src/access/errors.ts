// Access's error codes. It has none of its own yet: key issuance refuses with the shared codes and
// with catalog's funder_not_found.
import type { CatalogErrorCode } from '../catalog/errors.ts';
import { type CommonErrorCode, type ErrorSpecs, typedErrors } from '../kernel/index.ts';

export const accessErrors = {} as const satisfies ErrorSpecs;

export type AccessErrorCode = keyof typeof accessErrors;

/**
 * What access may throw: its own codes, the shared ones, and catalog's for a key naming an
 * unknown funder.
 */
export type AccessThrownCode =
  | AccessErrorCode
  | CommonErrorCode
  | Extract<CatalogErrorCode, 'funder_not_found'>;

export const { DomainError, unwrap } = typedErrors<AccessThrownCode>();

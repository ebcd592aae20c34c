// Settlement's error codes (STYLE §2): statements, disputes, conversions. The HTTP catalog
// (src/http/error-catalog.ts) lists them with every other module's.
import type { CatalogErrorCode } from '../catalog/errors.ts';
import { type CommonErrorCode, type ErrorSpecs, typedErrors } from '../kernel/index.ts';

export const settlementErrors = {
  period_invalid: { status: 400, meaning: 'A statement month is YYYY-MM (Asia/Shanghai calendar).' },
  period_not_ended: {
    status: 409,
    meaning: 'A month is issued once it has ended (Asia/Shanghai); draft it meanwhile.',
  },
  statement_not_found: { status: 404, meaning: 'No such statement (or not this funder’s).' },
  statement_already_issued: {
    status: 409,
    meaning: 'The funder’s statement for this month is issued already: issued statements never change.',
  },
  statement_not_issued: { status: 409, meaning: 'Only an issued statement can be disputed.' },
  statement_line_not_found: { status: 400, meaning: 'The statement has no line with this number.' },
  line_already_disputed: {
    status: 409,
    meaning: 'This line is disputed already (with another reason).',
  },
  dispute_not_found: { status: 404, meaning: 'No such dispute.' },
  dispute_already_resolved: {
    status: 409,
    meaning: 'The dispute was resolved already with another outcome.',
  },
  conversion_customer_not_exposed: {
    status: 404,
    meaning: 'The platform never shared this customer (by this funder’s customerRef) with the funder.',
  },
  conversion_without_contract: {
    status: 409,
    meaning: 'The funder has no contract in force, so no conversion fee to accept.',
  },
  termination_not_found: { status: 404, meaning: 'No such termination.' },
  termination_already_lifted: {
    status: 409,
    meaning: 'The termination was lifted already (by another act, with another reason).',
  },
  statement_too_large: {
    status: 409,
    meaning: 'The month has more lines than one statement may hold (STATEMENT_LINES_MAX).',
  },
} as const satisfies ErrorSpecs;

export type SettlementErrorCode = keyof typeof settlementErrors;

/** What settlement may throw: its own codes, the shared ones, and catalog's unknown funder. */
export type SettlementThrownCode =
  | SettlementErrorCode
  | CommonErrorCode
  | Extract<CatalogErrorCode, 'funder_not_found'>;

export const { DomainError, unwrap } = typedErrors<SettlementThrownCode>();

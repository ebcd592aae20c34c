// Detection's error codes (STYLE §2). The pure core returns the credit-report and alias codes as
// Result values; the service (ADR 0076) throws them and its own when a report or change arrives. Listed in the order a report is checked:
// the first problem found decides the code (size first, then each field in document order).
import type { CatalogErrorCode } from '../catalog/errors.ts';
import { type CommonErrorCode, type ErrorSpecs, typedErrors } from '../kernel/index.ts';

export const detectionErrors = {
  credit_report_too_large: {
    status: 422,
    meaning:
      'The credit report is longer than the limit, or lists more accounts or queries than one report may (CREDIT_REPORT_*_MAX).',
  },
  credit_report_malformed: {
    status: 400,
    meaning:
      'The credit report is not JSON, or a field is missing, unknown or of the wrong type; `field` names it.',
  },
  credit_report_text_invalid: {
    status: 400,
    meaning:
      'A text field of the credit report is empty, too long, malformed (ids, codes) or holds control or format characters; `field` names it.',
  },
  credit_report_date_invalid: {
    status: 400,
    meaning:
      'A date of the credit report is not an ISO YYYY-MM-DD calendar day in 1970–2099, or is after the report was generated; `field` names it.',
  },
  credit_report_amount_invalid: {
    status: 400,
    meaning:
      'An amount of the credit report is not a whole number of fen between 0 and MAX_FEN; `field` names it.',
  },
  credit_report_enum_unknown: {
    status: 400,
    meaning:
      'An account type, account status or query reason is not one of docs/credit-report.md’s; `field` names it.',
  },
  institution_alias_invalid: {
    status: 400,
    meaning:
      'An institution alias entry has no funder, an empty or over-long name or code, control characters, or too many entries.',
  },
  institution_alias_conflict: {
    status: 409,
    meaning: 'Two funders claim the same normalised institution name or code; `details` names both.',
  },
  credit_report_authorisation_missing: {
    status: 422,
    meaning:
      'A credit report was sent without the customer’s authorisation reference (授权书): the platform may read a report only with it.',
  },
  credit_report_subject_mismatch: {
    status: 422,
    meaning:
      'The report contradicts its request: its subject names another customer than the one in the path; `field` names it.',
  },
  credit_report_conflict: {
    status: 409,
    meaning: 'A report with this reportId was already received for another customer.',
  },
  detection_customer_not_found: {
    status: 404,
    meaning:
      'No such customer: a credit report or borrower report must be about a customer the platform knows.',
  },
  detection_evidence_unknown: {
    status: 422,
    meaning:
      'A level change cites evidence that does not exist or is not about this funder; `details` lists the ids.',
  },
  detection_confirm_without_evidence: {
    status: 422,
    meaning:
      'A funder can be `confirmed` only on attributed evidence about it: cite at least one attributed evidence id in the reasons.',
  },
  detection_alert_cursor_invalid: {
    status: 400,
    meaning: 'The `before` cursor of GET /v1/alerts is not one this API handed out.',
  },
  borrower_report_funder_missing: {
    status: 400,
    meaning: 'A borrower report names no funder: give `funderId` or `funderName`.',
  },
  staff_contact_invalid: {
    status: 400,
    meaning: 'A staff contact point is not a mainland mobile number, an email address or a relay address.',
  },
  staff_contact_exists: { status: 409, meaning: 'This staff contact point is already registered.' },
  staff_contact_not_found: { status: 404, meaning: 'No such staff contact point.' },
  institution_alias_not_found: { status: 404, meaning: 'No such institution alias.' },
} as const satisfies ErrorSpecs;

export type DetectionErrorCode = keyof typeof detectionErrors;

export type CreditReportErrorCode = Extract<DetectionErrorCode, `credit_report_${string}`>;
export type InstitutionAliasErrorCode = Extract<DetectionErrorCode, `institution_alias_${string}`>;

/** What detection may throw: its own codes, the shared ones, and catalog's unknown funder. */
export type DetectionThrownCode =
  | DetectionErrorCode
  | CommonErrorCode
  | Extract<CatalogErrorCode, 'funder_not_found'>;

export const { DomainError, unwrap } = typedErrors<DetectionThrownCode>();

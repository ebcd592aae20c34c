// Detection's error codes (STYLE §2). The pure core returns them as Result values; issue 14's
// service will throw them when a report is uploaded. Listed in the order a report is checked:
// the first problem found decides the code (size first, then each field in document order).
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
  canary_invalid: {
    status: 400,
    meaning:
      'A canary registration or budget field is out of range: an unknown band, a month not YYYY-MM, too many contact points; `field` names it.',
  },
  canary_contact_point_invalid: {
    status: 400,
    meaning: 'A canary contact point is not a mainland mobile number or an email address; `field` names it.',
  },
  canary_contact_point_taken: {
    status: 409,
    meaning:
      'A canary contact point is already registered (to this or another canary): a contact point serves one canary only.',
  },
  canary_customer_not_found: {
    status: 404,
    meaning:
      'The customer named for a canary does not exist (the recruited person applies first, as anyone does).',
  },
  canary_already_registered: {
    status: 409,
    meaning: 'This customer is already in the canary registry.',
  },
  canary_budget_not_set: {
    status: 409,
    meaning: 'No canary budget is set for the month being planned (PUT /v1/canaries/budgets/:month first).',
  },
  canary_contact_point_unknown: {
    status: 422,
    meaning: 'The reported contact point is not one of this canary’s registered contact points.',
  },
  canary_contact_source_reused: {
    status: 409,
    meaning: 'A contact with this source id was reported before with different content.',
  },
} as const satisfies ErrorSpecs;

export type DetectionErrorCode = keyof typeof detectionErrors;

export type CreditReportErrorCode = Extract<DetectionErrorCode, `credit_report_${string}`>;
export type CanaryErrorCode = Extract<DetectionErrorCode, `canary_${string}`>;
export type InstitutionAliasErrorCode = Extract<DetectionErrorCode, `institution_alias_${string}`>;

/** What detection may throw: its own codes and the shared ones. */
export type DetectionThrownCode = DetectionErrorCode | CommonErrorCode;

export const { DomainError, unwrap } = typedErrors<DetectionThrownCode>();

// Detection types. For now the credit-report cross-check (征信交叉核验, issue 13 item 1 and issue 14):
// a credit report as a licensed bureau's adapter delivers it, modelled on the PBOC second-generation
// personal credit report (人行二代征信), and the evidence matching it against what the platform
// knows. docs/credit-report.md describes the JSON and the rules; field codes there are from public
// parsing code, not an official specification (domain-facts "Credit report").
import type { Fen } from '../kernel/index.ts';

/**
 * A calendar day as a number: days since 1970-01-01, in China Standard Time (UTC+8), the time zone
 * of the dates a bureau prints. Matching works on these; `days.ts` converts.
 */
export type DayNumber = number;

/**
 * A day as callers give it: an ISO date `YYYY-MM-DD` (a civil day as printed), an ISO timestamp or
 * a Date (the instant's day in UTC+8), or a DayNumber (the simulator's hot path allocates nothing).
 */
export type DayInput = Date | string | DayNumber;

/**
 * 账户类型 (PD01AD01), the loan and card kinds a report lists. The code each models:
 * `non-revolving` D1 非循环贷账户 (an instalment loan); `revolving-sub-account` R4 循环额度下分账户
 * (one drawdown under a credit line); `revolving` R1 循环贷账户 (a revolving credit line);
 * `credit-card` R2 贷记卡账户; `semi-credit-card` R3 准贷记卡账户; `recovered` C1 催收账户 (a debt
 * taken over for recovery, not a product the institution sold).
 */
export const ACCOUNT_TYPES = [
  'non-revolving',
  'revolving-sub-account',
  'revolving',
  'credit-card',
  'semi-credit-card',
  'recovered',
] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

export const ACCOUNT_TYPE_CODES: Record<AccountType, string> = {
  'non-revolving': 'D1',
  'revolving-sub-account': 'R4',
  revolving: 'R1',
  'credit-card': 'R2',
  'semi-credit-card': 'R3',
  recovered: 'C1',
};

/**
 * Loans: the kinds a funder's own (自营) lending opens, and so the kinds that can be poaching
 * evidence. Cards are not: a bank's card customers are often its own (payroll, branch), and the
 * platform refers loans, not cards (docs/credit-report.md, "What counts").
 */
export const LOAN_ACCOUNT_TYPES: ReadonlySet<AccountType> = new Set([
  'non-revolving',
  'revolving-sub-account',
  'revolving',
]);

/**
 * 账户状态 (PD01BD01), merged across account kinds: 正常 normal, 逾期 overdue, 结清 / 销户 closed,
 * 呆账 bad-debt, 转出 transferred, 冻结 frozen, 止付 suspended, 未激活 inactive (cards).
 */
export const ACCOUNT_STATUSES = [
  'normal',
  'overdue',
  'closed',
  'bad-debt',
  'transferred',
  'frozen',
  'suspended',
  'inactive',
] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/**
 * 查询原因 (PH010Q03): 贷款审批 loan-approval, 信用卡审批 credit-card-approval, 贷后管理
 * post-loan-management, 担保资格审查 guarantee, 本人查询 self.
 */
export const QUERY_REASONS = [
  'loan-approval',
  'credit-card-approval',
  'post-loan-management',
  'guarantee',
  'self',
] as const;
export type QueryReason = (typeof QUERY_REASONS)[number];

export interface CreditAccount {
  /** 管理机构 (PD01AI02) as printed, Chinese, e.g. 招联消费金融有限公司 */
  institution: string;
  /** the institution's code when the adapter gives one (金融机构代码 or 统一社会信用代码) */
  institutionCode?: string;
  type: AccountType;
  /** 开立日期 (PD01AR01), ISO YYYY-MM-DD */
  openedOn: string;
  /** 借款金额 / 授信额度 (PD01AJ01) in fen */
  amountFen: Fen;
  status: AccountStatus;
  /** 授信协议编号: the credit line an R4 drawdown belongs to (links it to its R1), when given */
  creditAgreementId?: string;
}

export interface CreditQuery {
  /** 查询机构 (PH010Q02) as printed */
  institution: string;
  institutionCode?: string;
  /** 查询日期 (PH010R01), ISO YYYY-MM-DD */
  date: string;
  reason: QueryReason;
}

export interface CreditReportSubject {
  /** hex HMAC/SHA-256 of the ID number, as the adapter keys the subject (never the number) */
  idNumberHash?: string;
  /** the platform's customer id, when the report was fetched for a known customer */
  customerId?: string;
}

export interface CreditReport {
  /** 报告编号 (PA01AI01) */
  reportId: string;
  subject: CreditReportSubject;
  /** 报告时间 (PA01AR01), ISO YYYY-MM-DD */
  generatedOn: string;
  accounts: CreditAccount[];
  queries: CreditQuery[];
}

// ---- limits (STYLE §8) ----

/** A heavy multi-lender's report lists well under this many accounts (estimate). */
export const CREDIT_REPORT_ACCOUNTS_MAX = 500;
/** Two years of query records; a borrower shopping for loans may have hundreds (estimate). */
export const CREDIT_REPORT_QUERIES_MAX = 1_000;
/** A JSON text above this is refused before parsing. */
export const CREDIT_REPORT_JSON_CHARS_MAX = 2_000_000;
export const INSTITUTION_NAME_CHARS_MAX = 100;
export const INSTITUTION_CODE_CHARS_MAX = 32;
export const REPORT_ID_CHARS_MAX = 64;
/** Dates before 1970 or after 2099 are input errors, not history. */
export const EARLIEST_DATE = '1970-01-01';
export const LATEST_DATE = '2099-12-31';

// ---- institutions ----

export interface InstitutionAliasEntry {
  funderId: string;
  /** names as bureaus print them; suffixes and branch names are normalised (institutions.ts) */
  names: readonly string[];
  codes?: readonly string[];
}

/** The table institutions.ts builds: normalised name or code → funderId. Immutable once built. */
export interface InstitutionAliases {
  readonly byName: ReadonlyMap<string, string>;
  readonly byCode: ReadonlyMap<string, string>;
}

export const INSTITUTION_ALIAS_ENTRIES_MAX = 10_000;
export const INSTITUTION_NAMES_PER_ENTRY_MAX = 50;

// ---- what the platform knows, and the evidence ----

/** A time a funder saw this customer's data (pre-screen, application share, …): a ledger exposure. */
export interface ExposureFact {
  funderId: string;
  at: DayInput;
  /** the ledger entry recording it, for the inclusion proof issue 14 attaches */
  ledgerEntryId?: string;
}

export interface CreditReportContext {
  aliases: InstitutionAliases;
  exposures: readonly ExposureFact[];
  /** loans booked through the platform */
  platformLoans: readonly { funderId: string; bookedOn: DayInput }[];
  /** applications the platform sent to each funder */
  platformApplications: readonly { funderId: string; on: DayInput }[];
  /** conversions the funder declared (and pays for): explained, never evidence */
  declaredConversions?: readonly { funderId: string; on: DayInput }[];
}

/** Tolerances of the matching rules, in days; defaults in credit-report.ts (all estimates). */
export interface MatchTolerances {
  /** an account opened within ± this many days of a platform booking at the same funder is that loan */
  bookingDays: number;
  /** a loan-approval query this many days before a platform application is still that application's */
  queryBeforeApplicationDays: number;
  /** …and this many days after it */
  queryAfterApplicationDays: number;
}

export type CreditReportEvidenceKind = 'creditReportAccount' | 'creditReportQuery';

interface EvidenceBase {
  /** the report it comes from */
  source: { reportId: string; generatedOn: string };
  funderId: string;
  /** the latest exposure of this funder on or before the account's or query's day: what it follows */
  exposure: ExposureFact;
  /** the day of this funder's first exposure to the customer (when the platform introduced them) */
  firstExposureDay: DayNumber;
  /** days from the latest exposure to the account or query (0 = the same day) */
  daysAfterExposure: number;
}

export interface CreditReportAccountEvidence extends EvidenceBase {
  kind: 'creditReportAccount';
  /** a loan the funder opened itself after the platform shared the customer */
  strength: 'direct';
  account: CreditAccount;
  /** index in report.accounts */
  accountIndex: number;
}

export interface CreditReportQueryEvidence extends EvidenceBase {
  kind: 'creditReportQuery';
  /** a loan-approval query with no platform application: interest, not a loan */
  strength: 'weak';
  query: CreditQuery;
  /** index in report.queries */
  queryIndex: number;
}

export type CreditReportEvidence = CreditReportAccountEvidence | CreditReportQueryEvidence;

export interface CreditReportMatch {
  evidence: CreditReportEvidence[];
  /**
   * Normalised names of institutions in the report the alias table does not know, each once, in
   * report order: an operator extends the table with them. They yield no evidence.
   */
  unmatchedInstitutions: string[];
}

// ---- storage and the closed loop (issue 14 items 2, 3, 6, 7) ----

/**
 * How strongly the platform suspects a funder of poaching. `none` is the default; routing maps
 * each level to a trust (routing's `detectionTrust`, ADR 0076). Only `confirmed` lets the funder read
 * the evidence about itself (it is the basis of a penalty).
 */
/** Channels a borrower can say they were reached through (POST /v1/borrower/reports). */
export const BORROWER_REPORT_CHANNELS = ['call', 'sms', 'email', 'app', 'visit', 'other'] as const;

export const DETECTION_LEVELS = ['none', 'watch', 'suspect', 'confirmed'] as const;
export type DetectionLevel = (typeof DETECTION_LEVELS)[number];

/** Kinds of evidence, named by where they come from. */
export const EVIDENCE_KINDS = [
  'canary-contact',
  'credit-report-account',
  'credit-report-query',
  'relay-contact',
  'borrower-report',
  'staff-contact',
] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/**
 * `attributed`: names a funder that saw the customer through the platform; `unattributed`: names
 * nobody the platform can hold to account (an unknown institution, a funder that never saw the
 * borrower): kept, never an accusation; `explained`: an ordinary relationship accounts for it (a
 * borrower report about a lender the borrower has a loan with through the platform).
 */
export const EVIDENCE_STATUSES = ['attributed', 'unattributed', 'explained'] as const;
export type EvidenceStatus = (typeof EVIDENCE_STATUSES)[number];

export interface Evidence {
  id: string;
  kind: EvidenceKind;
  funderId: string | null;
  customerId: string | null;
  occurredAt: Date;
  recordedAt: Date;
  source: string;
  proves: string;
  detail: Record<string, unknown>;
  exposureEntryId: string | null;
  status: EvidenceStatus;
}

/** Why a level changed: a rule or an analyst's judgement, and the evidence it rests on. */
export interface LevelReason {
  /** e.g. `analyst`, `canary-contact`, `cusum` (the rescoring step names its rule) */
  rule: string;
  text: string;
  evidenceIds: string[];
}

export const LEVEL_REASONS_MAX = 20;
export const LEVEL_REASON_TEXT_MAX = 1_000;
export const LEVEL_REASON_EVIDENCE_MAX = 100;

export interface LevelChange {
  id: string;
  funderId: string;
  from: DetectionLevel;
  level: DetectionLevel;
  reasons: LevelReason[];
  actor: string;
  at: Date;
}

/**
 * A funder's level changed (ADR 0076): routing sets its trust from the level in the same unit, so
 * its share of the bands shrinks as suspicion grows.
 */
export interface DetectionLevelChanged {
  readonly topic: 'detection.level_changed';
  readonly aggregateId: string;
  readonly payload: { funderId: string; from: DetectionLevel; level: DetectionLevel; changeId: string };
  readonly at: Date;
  /**
   * Not in the outbox payload: when the level becomes `confirmed`, the customers of the attributed
   * evidence the change cites, one finding each (settlement's penalty lines and termination trigger).
   */
  readonly confirmedCustomerIds?: readonly string[];
}

export type DetectionEvent = DetectionLevelChanged;

// The credit-report cross-check (征信交叉核验): read a bureau adapter's JSON strictly, then match its
// accounts and queries against what the platform knows about the customer (which funders saw the
// customer's data and when, which applications it sent, which loans it booked). Pure: the same
// code runs on every re-application in production (issue 14) and in the market simulator (issue
// 13: one classifier, two callers). The rules, with their tolerances, are in docs/credit-report.md:
//
//   account evidence (strength 'direct'): a loan account (D1, R1, R4) at funder F opened on or after
//     a day F saw the customer's data, not within ±bookingDays of a loan booked through the platform
//     at F, not on or after a conversion F declared (less bookingDays), and not a drawdown (R4) under
//     a credit line the platform booked at F.
//   query evidence (strength 'weak'): a loan-approval query by F on or after a day F saw the data,
//     with no platform application to F from queryBeforeApplicationDays before to
//     queryAfterApplicationDays after it, no platform booking at F within ±bookingDays (a drawdown
//     check), and no declared conversion.
//   an institution the alias table does not know yields nothing, and is listed for the operator.
import { assert, err, isFen, MAX_FEN, ok, type Result } from '../kernel/index.ts';
import { dayOf, dayOfIsoDate } from './days.ts';
import type { CreditReportErrorCode } from './errors.ts';
import { resolveInstitution } from './institutions.ts';
import {
  ACCOUNT_STATUSES,
  ACCOUNT_TYPES,
  type CreditAccount,
  type CreditQuery,
  CREDIT_REPORT_ACCOUNTS_MAX,
  CREDIT_REPORT_JSON_CHARS_MAX,
  CREDIT_REPORT_QUERIES_MAX,
  type CreditReport,
  type CreditReportContext,
  type CreditReportEvidence,
  type CreditReportMatch,
  type CreditReportSubject,
  type DayNumber,
  EARLIEST_DATE,
  type ExposureFact,
  INSTITUTION_CODE_CHARS_MAX,
  INSTITUTION_NAME_CHARS_MAX,
  LATEST_DATE,
  LOAN_ACCOUNT_TYPES,
  type MatchTolerances,
  QUERY_REASONS,
  REPORT_ID_CHARS_MAX,
} from './model.ts';

/**
 * Tolerances, in days. All estimates [unverified], to be confirmed against real reports:
 * - bookingDays 3: bureaus receive lenders' data T+1 and a funder may record the account's open
 *   date as the contract, disbursement or first-drawdown day, a day or two from our booking.
 * - queryBeforeApplicationDays 1: our day is UTC+8 and so is the bureau's, but a funder may query
 *   late in the evening of the day before it logs the application it received after midnight.
 * - queryAfterApplicationDays 7: manual review and document requests can take a working week.
 */
export const DEFAULT_MATCH_TOLERANCES: Readonly<MatchTolerances> = Object.freeze({
  bookingDays: 3,
  queryBeforeApplicationDays: 1,
  queryAfterApplicationDays: 7,
});

// ---- parsing ----

type Failure = { code: CreditReportErrorCode; message: string; field: string };
const fail = (code: CreditReportErrorCode, message: string, field: string): Failure => ({
  code,
  message,
  field,
});

const EARLIEST_DAY = dayOfIsoDate(EARLIEST_DATE)!;
const LATEST_DAY = dayOfIsoDate(LATEST_DATE)!;
/** Control (Cc), format (Cf: zero-width, bidi), surrogate halves (Cs) and line/paragraph separators. */
const FORBIDDEN_TEXT = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/u;
const TOKEN = /^[A-Za-z0-9_-]+$/;
const CODE = /^[A-Za-z0-9]+$/;
const HEX_256 = /^[0-9a-f]{64}$/;

const REPORT_KEYS = new Set(['reportId', 'subject', 'generatedOn', 'accounts', 'queries']);
const SUBJECT_KEYS = new Set(['idNumberHash', 'customerId']);
const ACCOUNT_KEYS = new Set([
  'institution',
  'institutionCode',
  'type',
  'openedOn',
  'amountFen',
  'status',
  'creditAgreementId',
]);
const QUERY_KEYS = new Set(['institution', 'institutionCode', 'date', 'reason']);
const ACCOUNT_TYPE_SET: ReadonlySet<string> = new Set(ACCOUNT_TYPES);
const ACCOUNT_STATUS_SET: ReadonlySet<string> = new Set(ACCOUNT_STATUSES);
const QUERY_REASON_SET: ReadonlySet<string> = new Set(QUERY_REASONS);

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The object's keys are all known and the required ones present; else malformed. */
function checkKeys(
  value: JsonObject,
  known: ReadonlySet<string>,
  required: readonly string[],
  field: string,
): Failure | undefined {
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (!known.has(key)) return fail('credit_report_malformed', `unknown field ${key}`, join(field, key));
  }
  for (const key of required)
    if (value[key] === undefined)
      return fail('credit_report_malformed', `${key} is required`, join(field, key));
  return undefined;
}

const join = (field: string, key: string) => (field === '' ? key : `${field}.${key}`);

/** A printed name: Chinese welcome, not blank, bounded, no control or format characters. */
function checkText(value: unknown, maxChars: number, field: string): Failure | undefined {
  if (typeof value !== 'string') return fail('credit_report_malformed', 'must be a string', field);
  if (value.length > maxChars)
    return fail('credit_report_text_invalid', `longer than ${maxChars} characters`, field);
  if (value.trim().length === 0) return fail('credit_report_text_invalid', 'must not be blank', field);
  if (FORBIDDEN_TEXT.test(value))
    return fail('credit_report_text_invalid', 'holds a control or format character', field);
  return undefined;
}

/** An id or code: ASCII letters and digits (and - _ for ids), bounded. */
function checkToken(value: unknown, pattern: RegExp, maxChars: number, field: string): Failure | undefined {
  if (typeof value !== 'string') return fail('credit_report_malformed', 'must be a string', field);
  if (value.length === 0 || value.length > maxChars || !pattern.test(value))
    return fail('credit_report_text_invalid', `must be 1–${maxChars} ASCII letters or digits`, field);
  return undefined;
}

/** The day of an ISO date in range and not after `notAfter`; or a failure. */
function checkDate(value: unknown, notAfter: DayNumber, field: string): DayNumber | Failure {
  if (typeof value !== 'string') return fail('credit_report_malformed', 'must be a string', field);
  const day = dayOfIsoDate(value);
  if (day === undefined) return fail('credit_report_date_invalid', 'must be an ISO date YYYY-MM-DD', field);
  if (day < EARLIEST_DAY || day > LATEST_DAY)
    return fail('credit_report_date_invalid', `must be between ${EARLIEST_DATE} and ${LATEST_DATE}`, field);
  if (day > notAfter) return fail('credit_report_date_invalid', 'is after the report was generated', field);
  return day;
}

function checkEnum(value: unknown, known: ReadonlySet<string>, field: string): Failure | undefined {
  if (typeof value !== 'string') return fail('credit_report_malformed', 'must be a string', field);
  if (!known.has(value))
    return fail('credit_report_enum_unknown', `unknown value ${value.slice(0, 40)}`, field);
  return undefined;
}

function parseSubject(value: unknown): CreditReportSubject | Failure {
  if (!isObject(value)) return fail('credit_report_malformed', 'must be an object', 'subject');
  const keys = checkKeys(value, SUBJECT_KEYS, [], 'subject');
  if (keys) return keys;
  if (value.idNumberHash === undefined && value.customerId === undefined)
    return fail('credit_report_malformed', 'needs idNumberHash or customerId', 'subject');
  const subject: CreditReportSubject = {};
  if (value.idNumberHash !== undefined) {
    const bad = checkToken(value.idNumberHash, HEX_256, 64, 'subject.idNumberHash');
    if (bad) return bad;
    subject.idNumberHash = value.idNumberHash as string;
  }
  if (value.customerId !== undefined) {
    const bad = checkToken(value.customerId, TOKEN, REPORT_ID_CHARS_MAX, 'subject.customerId');
    if (bad) return bad;
    subject.customerId = value.customerId as string;
  }
  return subject;
}

function parseAccount(value: unknown, generatedDay: DayNumber, field: string): CreditAccount | Failure {
  if (!isObject(value)) return fail('credit_report_malformed', 'must be an object', field);
  const keys = checkKeys(
    value,
    ACCOUNT_KEYS,
    ['institution', 'type', 'openedOn', 'amountFen', 'status'],
    field,
  );
  if (keys) return keys;
  const problem =
    checkText(value.institution, INSTITUTION_NAME_CHARS_MAX, `${field}.institution`) ??
    (value.institutionCode === undefined
      ? undefined
      : checkToken(value.institutionCode, CODE, INSTITUTION_CODE_CHARS_MAX, `${field}.institutionCode`)) ??
    checkEnum(value.type, ACCOUNT_TYPE_SET, `${field}.type`);
  if (problem) return problem;
  const opened = checkDate(value.openedOn, generatedDay, `${field}.openedOn`);
  if (typeof opened !== 'number') return opened;
  if (typeof value.amountFen !== 'number')
    return fail('credit_report_malformed', 'must be a number', `${field}.amountFen`);
  if (!isFen(value.amountFen) || value.amountFen < 0 || value.amountFen > MAX_FEN)
    return fail(
      'credit_report_amount_invalid',
      'must be a whole number of fen, 0 to MAX_FEN',
      `${field}.amountFen`,
    );
  const rest =
    checkEnum(value.status, ACCOUNT_STATUS_SET, `${field}.status`) ??
    (value.creditAgreementId === undefined
      ? undefined
      : checkToken(value.creditAgreementId, TOKEN, REPORT_ID_CHARS_MAX, `${field}.creditAgreementId`));
  if (rest) return rest;
  const account: CreditAccount = {
    institution: value.institution as string,
    type: value.type as CreditAccount['type'],
    openedOn: value.openedOn as string,
    amountFen: value.amountFen,
    status: value.status as CreditAccount['status'],
  };
  if (value.institutionCode !== undefined) account.institutionCode = value.institutionCode as string;
  if (value.creditAgreementId !== undefined) account.creditAgreementId = value.creditAgreementId as string;
  return account;
}

function parseQuery(value: unknown, generatedDay: DayNumber, field: string): CreditQuery | Failure {
  if (!isObject(value)) return fail('credit_report_malformed', 'must be an object', field);
  const keys = checkKeys(value, QUERY_KEYS, ['institution', 'date', 'reason'], field);
  if (keys) return keys;
  const problem =
    checkText(value.institution, INSTITUTION_NAME_CHARS_MAX, `${field}.institution`) ??
    (value.institutionCode === undefined
      ? undefined
      : checkToken(value.institutionCode, CODE, INSTITUTION_CODE_CHARS_MAX, `${field}.institutionCode`));
  if (problem) return problem;
  const date = checkDate(value.date, generatedDay, `${field}.date`);
  if (typeof date !== 'number') return date;
  const reason = checkEnum(value.reason, QUERY_REASON_SET, `${field}.reason`);
  if (reason) return reason;
  const query: CreditQuery = {
    institution: value.institution as string,
    date: value.date as string,
    reason: value.reason as CreditQuery['reason'],
  };
  if (value.institutionCode !== undefined) query.institutionCode = value.institutionCode as string;
  return query;
}

const failed = (f: Failure): Result<never, CreditReportErrorCode> => err(f.code, f.message, f.field);
const isFailure = (value: unknown): value is Failure =>
  typeof value === 'object' && value !== null && 'code' in value && 'field' in value && 'message' in value;

/**
 * Read a bureau adapter's report strictly: a JSON text or an already-parsed value. Never throws on
 * bad input; the first problem found (size first, then each field in document order) decides the
 * code. The answer is a fresh object holding only the documented fields.
 */
export function parseCreditReport(json: unknown): Result<CreditReport, CreditReportErrorCode> {
  let value = json;
  if (typeof json === 'string') {
    if (json.length > CREDIT_REPORT_JSON_CHARS_MAX)
      return err('credit_report_too_large', `longer than ${CREDIT_REPORT_JSON_CHARS_MAX} characters`);
    try {
      value = JSON.parse(json);
    } catch {
      return err('credit_report_malformed', 'not JSON');
    }
  }
  if (!isObject(value)) return err('credit_report_malformed', 'a report must be a JSON object');
  const { accounts, queries } = value;
  if (Array.isArray(accounts) && accounts.length > CREDIT_REPORT_ACCOUNTS_MAX)
    return err('credit_report_too_large', `more than ${CREDIT_REPORT_ACCOUNTS_MAX} accounts`, 'accounts');
  if (Array.isArray(queries) && queries.length > CREDIT_REPORT_QUERIES_MAX)
    return err('credit_report_too_large', `more than ${CREDIT_REPORT_QUERIES_MAX} queries`, 'queries');
  const keys = checkKeys(
    value,
    REPORT_KEYS,
    ['reportId', 'subject', 'generatedOn', 'accounts', 'queries'],
    '',
  );
  if (keys) return failed(keys);
  const id = checkToken(value.reportId, TOKEN, REPORT_ID_CHARS_MAX, 'reportId');
  if (id) return failed(id);
  const subject = parseSubject(value.subject);
  if (isFailure(subject)) return failed(subject);
  const generatedDay = checkDate(value.generatedOn, LATEST_DAY, 'generatedOn');
  if (typeof generatedDay !== 'number') return failed(generatedDay);
  if (!Array.isArray(accounts)) return err('credit_report_malformed', 'must be an array', 'accounts');
  if (!Array.isArray(queries)) return err('credit_report_malformed', 'must be an array', 'queries');
  const report: CreditReport = {
    reportId: value.reportId as string,
    subject,
    generatedOn: value.generatedOn as string,
    accounts: [],
    queries: [],
  };
  for (let i = 0; i < accounts.length; i++) {
    const account = parseAccount(accounts[i], generatedDay, `accounts[${i}]`);
    if (isFailure(account)) return failed(account);
    report.accounts.push(account);
  }
  for (let i = 0; i < queries.length; i++) {
    const query = parseQuery(queries[i], generatedDay, `queries[${i}]`);
    if (isFailure(query)) return failed(query);
    report.queries.push(query);
  }
  return ok(report);
}

// ---- matching ----

/** The day of a date in a report the caller says is parsed; a bad one is a bug. */
function reportDay(iso: string): DayNumber {
  const day = dayOfIsoDate(iso);
  assert(day !== undefined, `credit report date is not ISO (parse it first): ${iso.slice(0, 20)}`);
  return day;
}

/** F's exposures as days: the first one and the latest on or before `day` (undefined if none). */
function exposureBefore(
  exposures: readonly ExposureFact[],
  funderId: string,
  day: DayNumber,
): { latest: ExposureFact; latestDay: DayNumber; firstDay: DayNumber } | undefined {
  let latest: ExposureFact | undefined;
  let latestDay = Number.NEGATIVE_INFINITY;
  let firstDay = Number.POSITIVE_INFINITY;
  for (const exposure of exposures) {
    if (exposure.funderId !== funderId) continue;
    const exposureDay = dayOf(exposure.at);
    if (exposureDay < firstDay) firstDay = exposureDay;
    if (exposureDay <= day && exposureDay > latestDay) {
      latest = exposure;
      latestDay = exposureDay;
    }
  }
  return latest === undefined ? undefined : { latest, latestDay, firstDay };
}

function bookedNear(context: CreditReportContext, funderId: string, day: DayNumber, within: number): boolean {
  for (const loan of context.platformLoans)
    if (loan.funderId === funderId && Math.abs(dayOf(loan.bookedOn) - day) <= within) return true;
  return false;
}

function declaredBy(context: CreditReportContext, funderId: string, day: DayNumber, within: number): boolean {
  for (const conversion of context.declaredConversions ?? [])
    if (conversion.funderId === funderId && dayOf(conversion.on) - within <= day) return true;
  return false;
}

function appliedNear(
  context: CreditReportContext,
  funderId: string,
  day: DayNumber,
  tolerances: MatchTolerances,
): boolean {
  for (const application of context.platformApplications) {
    if (application.funderId !== funderId) continue;
    const applied = dayOf(application.on);
    if (
      day >= applied - tolerances.queryBeforeApplicationDays &&
      day <= applied + tolerances.queryAfterApplicationDays
    )
      return true;
  }
  return false;
}

/** A credit line without an agreement id in the report: it covers every drawdown at its funder. */
const ANY_AGREEMENT = '';

/**
 * Credit lines (R1) in this report that are platform loans: funder → their agreement ids. Drawdowns
 * (R4) under them are the platform's loan too. Undefined when there are none (the usual case).
 */
function platformLines(
  report: CreditReport,
  funders: readonly (string | undefined)[],
  context: CreditReportContext,
  tolerances: MatchTolerances,
): Map<string, Set<string>> | undefined {
  let lines: Map<string, Set<string>> | undefined;
  for (let i = 0; i < report.accounts.length; i++) {
    const account = report.accounts[i]!;
    const funderId = funders[i];
    if (account.type !== 'revolving' || funderId === undefined) continue;
    if (!bookedNear(context, funderId, reportDay(account.openedOn), tolerances.bookingDays)) continue;
    lines ??= new Map();
    const agreements = lines.get(funderId) ?? new Set<string>();
    agreements.add(account.creditAgreementId ?? ANY_AGREEMENT);
    lines.set(funderId, agreements);
  }
  return lines;
}

/**
 * Is this drawdown under a platform line? By agreement id when both sides give one; when either
 * does not, any platform line at the funder covers it (evidence, not suspicion).
 */
function underPlatformLine(
  lines: Map<string, Set<string>> | undefined,
  funderId: string,
  account: CreditAccount,
): boolean {
  const agreements = lines?.get(funderId);
  if (agreements === undefined) return false;
  const agreement = account.creditAgreementId;
  return agreement === undefined || agreements.has(ANY_AGREEMENT) || agreements.has(agreement);
}

/**
 * The evidence a report holds against the funders that saw this customer through the platform
 * (rules at the top of this file and in docs/credit-report.md), and the institutions it could not
 * name. Allocates only its answer and a few small sets; a report of ~5 accounts and ~5 queries
 * takes microseconds (bench: see docs/credit-report.md).
 */
export function matchCreditReport(
  report: CreditReport,
  context: CreditReportContext,
  tolerances: MatchTolerances = DEFAULT_MATCH_TOLERANCES,
): CreditReportMatch {
  const evidence: CreditReportEvidence[] = [];
  const unmatched: string[] = [];
  const seenUnmatched = new Set<string>();
  const resolve = (institution: string, code: string | undefined): string | undefined => {
    const { funderId, key } = resolveInstitution(context.aliases, institution, code);
    if (funderId === undefined && !seenUnmatched.has(key)) {
      seenUnmatched.add(key);
      unmatched.push(key);
    }
    return funderId;
  };
  const source = { reportId: report.reportId, generatedOn: report.generatedOn };
  const accountFunders = report.accounts.map((a) => resolve(a.institution, a.institutionCode));
  const lines = platformLines(report, accountFunders, context, tolerances);

  for (let i = 0; i < report.accounts.length; i++) {
    const account = report.accounts[i]!;
    const funderId = accountFunders[i];
    if (funderId === undefined || !LOAN_ACCOUNT_TYPES.has(account.type)) continue;
    const day = reportDay(account.openedOn);
    const seen = exposureBefore(context.exposures, funderId, day);
    if (seen === undefined) continue; // opened before the platform introduced the customer: organic
    if (bookedNear(context, funderId, day, tolerances.bookingDays)) continue;
    if (declaredBy(context, funderId, day, tolerances.bookingDays)) continue;
    if (account.type === 'revolving-sub-account' && underPlatformLine(lines, funderId, account)) continue;
    evidence.push({
      kind: 'creditReportAccount',
      strength: 'direct',
      source,
      funderId,
      account,
      accountIndex: i,
      exposure: seen.latest,
      firstExposureDay: seen.firstDay,
      daysAfterExposure: day - seen.latestDay,
    });
  }

  for (let i = 0; i < report.queries.length; i++) {
    const query = report.queries[i]!;
    const funderId = resolve(query.institution, query.institutionCode);
    if (funderId === undefined || query.reason !== 'loan-approval') continue;
    const day = reportDay(query.date);
    const seen = exposureBefore(context.exposures, funderId, day);
    if (seen === undefined) continue;
    if (appliedNear(context, funderId, day, tolerances)) continue;
    if (bookedNear(context, funderId, day, tolerances.bookingDays)) continue;
    if (declaredBy(context, funderId, day, tolerances.bookingDays)) continue;
    evidence.push({
      kind: 'creditReportQuery',
      strength: 'weak',
      source,
      funderId,
      query,
      queryIndex: i,
      exposure: seen.latest,
      firstExposureDay: seen.firstDay,
      daysAfterExposure: day - seen.latestDay,
    });
  }
  return { evidence, unmatchedInstitutions: unmatched };
}

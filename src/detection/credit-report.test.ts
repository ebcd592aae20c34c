// The credit-report cross-check: strict parsing with stable codes, and the matching rules of
// docs/credit-report.md as tables (each row one rule at its edge), then properties on random
// reports and contexts, and fuzzing of the parser. A failing property prints its seed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MATCH_TOLERANCES, matchCreditReport, parseCreditReport } from './credit-report.ts';
import { dayOfIsoDate, isoOfDay } from './days.ts';
import { detectionErrors } from './errors.ts';
import { buildInstitutionAliases } from './institutions.ts';
import {
  ACCOUNT_STATUSES,
  ACCOUNT_TYPES,
  type CreditAccount,
  type CreditQuery,
  type CreditReport,
  type CreditReportContext,
  LOAN_ACCOUNT_TYPES,
  QUERY_REASONS,
} from './model.ts';
import { worldText } from '../../test/support/text.ts';

const SEED = 20261203;

const built = buildInstitutionAliases([
  { funderId: 'zhaolian', names: ['招联消费金融有限公司'], codes: ['91440300342220233J'] },
  { funderId: 'icbc', names: ['中国工商银行股份有限公司', '工商银行'] },
  { funderId: 'mashang', names: ['马上消费金融股份有限公司'] },
]);
if (!built.ok) throw new Error(built.message);
const aliases = built.value;

const account = (overrides: Partial<CreditAccount> = {}): CreditAccount => ({
  institution: '招联消费金融有限公司',
  type: 'non-revolving',
  openedOn: '2026-03-20',
  amountFen: 3_000_000,
  status: 'normal',
  ...overrides,
});
const query = (overrides: Partial<CreditQuery> = {}): CreditQuery => ({
  institution: '招联消费金融有限公司',
  date: '2026-03-20',
  reason: 'loan-approval',
  ...overrides,
});
const report = (accounts: CreditAccount[], queries: CreditQuery[] = []): CreditReport => ({
  reportId: 'PA2026033100001',
  subject: { customerId: 'cus_1' },
  generatedOn: '2026-03-31',
  accounts,
  queries,
});
const context = (overrides: Partial<CreditReportContext> = {}): CreditReportContext => ({
  aliases,
  exposures: [{ funderId: 'zhaolian', at: '2026-03-10', ledgerEntryId: 'led_exposure_1' }],
  platformLoans: [],
  platformApplications: [],
  ...overrides,
});

// ---- parsing ----

describe('parseCreditReport', () => {
  const valid = {
    reportId: 'PA2026033100001',
    subject: { idNumberHash: 'a'.repeat(64) },
    generatedOn: '2026-03-31',
    accounts: [
      {
        institution: '中国工商银行股份有限公司北京朝阳支行',
        institutionCode: 'B0001H211000001',
        type: 'revolving-sub-account',
        openedOn: '2026-02-28',
        amountFen: 5_000_000,
        status: 'normal',
        creditAgreementId: 'AG-1',
      },
    ],
    queries: [{ institution: '招联消费金融有限公司', date: '2026-03-30', reason: 'loan-approval' }],
  };

  it('accepts a report in Chinese, from a JSON text or a parsed value, and returns only its fields', () => {
    const fromText = parseCreditReport(JSON.stringify(valid));
    const fromValue = parseCreditReport(structuredClone(valid));
    expect(fromText).toEqual({ ok: true, value: valid });
    expect(fromValue).toEqual(fromText);
  });

  const cases: Array<[what: string, mutate: (r: typeof valid) => unknown, code: string, field?: string]> = [
    ['not JSON', () => '{"reportId":', 'credit_report_malformed'],
    ['an array', () => [valid], 'credit_report_malformed'],
    ['a field unknown', (r) => ({ ...r, extra: 1 }), 'credit_report_malformed', 'extra'],
    [
      '__proto__ smuggled in',
      () => JSON.parse(`{"__proto__":{"x":1},${JSON.stringify(valid).slice(1)}`),
      'credit_report_malformed',
      '__proto__',
    ],
    ['reportId missing', ({ reportId: _, ...r }) => r, 'credit_report_malformed', 'reportId'],
    ['reportId with spaces', (r) => ({ ...r, reportId: 'PA 1' }), 'credit_report_text_invalid', 'reportId'],
    ['subject empty', (r) => ({ ...r, subject: {} }), 'credit_report_malformed', 'subject'],
    [
      'id hash not hex',
      (r) => ({ ...r, subject: { idNumberHash: 'z'.repeat(64) } }),
      'credit_report_text_invalid',
      'subject.idNumberHash',
    ],
    [
      'generatedOn not a day',
      (r) => ({ ...r, generatedOn: '2026-02-30' }),
      'credit_report_date_invalid',
      'generatedOn',
    ],
    [
      'generatedOn a timestamp',
      (r) => ({ ...r, generatedOn: '2026-03-31T00:00:00Z' }),
      'credit_report_date_invalid',
      'generatedOn',
    ],
    [
      'generatedOn in 2100',
      (r) => ({ ...r, generatedOn: '2100-01-01' }),
      'credit_report_date_invalid',
      'generatedOn',
    ],
    ['accounts not an array', (r) => ({ ...r, accounts: {} }), 'credit_report_malformed', 'accounts'],
    [
      'too many accounts',
      (r) => ({ ...r, accounts: Array(501).fill(r.accounts[0]) }),
      'credit_report_too_large',
      'accounts',
    ],
    [
      'too many queries',
      (r) => ({ ...r, queries: Array(1001).fill(r.queries[0]) }),
      'credit_report_too_large',
      'queries',
    ],
    ['too long a text', () => ' '.repeat(2_000_001), 'credit_report_too_large'],
    [
      'institution blank',
      (r) => withAccount(r, { institution: ' \u3000' }),
      'credit_report_text_invalid',
      'accounts[0].institution',
    ],
    [
      'institution with a NUL',
      (r) => withAccount(r, { institution: '招联\u0000消费金融' }),
      'credit_report_text_invalid',
      'accounts[0].institution',
    ],
    [
      'institution with a zero-width joiner',
      (r) => withAccount(r, { institution: '招联\u200d消费金融' }),
      'credit_report_text_invalid',
      'accounts[0].institution',
    ],
    [
      'institution with a lone surrogate',
      (r) => withAccount(r, { institution: '招联\ud800' }),
      'credit_report_text_invalid',
      'accounts[0].institution',
    ],
    [
      'institution 101 characters',
      (r) => withAccount(r, { institution: '招'.repeat(101) }),
      'credit_report_text_invalid',
      'accounts[0].institution',
    ],
    [
      'institution a number',
      (r) => withAccount(r, { institution: 7 }),
      'credit_report_malformed',
      'accounts[0].institution',
    ],
    [
      'code in Chinese',
      (r) => withAccount(r, { institutionCode: '代码' }),
      'credit_report_text_invalid',
      'accounts[0].institutionCode',
    ],
    [
      'type as the PBOC code',
      (r) => withAccount(r, { type: 'D1' }),
      'credit_report_enum_unknown',
      'accounts[0].type',
    ],
    [
      'openedOn after the report',
      (r) => withAccount(r, { openedOn: '2026-04-01' }),
      'credit_report_date_invalid',
      'accounts[0].openedOn',
    ],
    [
      'openedOn 1969',
      (r) => withAccount(r, { openedOn: '1969-12-31' }),
      'credit_report_date_invalid',
      'accounts[0].openedOn',
    ],
    [
      'amount in yuan with a fraction',
      (r) => withAccount(r, { amountFen: 500.5 }),
      'credit_report_amount_invalid',
      'accounts[0].amountFen',
    ],
    [
      'amount huge',
      (r) => withAccount(r, { amountFen: 1e300 }),
      'credit_report_amount_invalid',
      'accounts[0].amountFen',
    ],
    [
      'amount above MAX_FEN',
      (r) => withAccount(r, { amountFen: 10_000_000_000_001 }),
      'credit_report_amount_invalid',
      'accounts[0].amountFen',
    ],
    [
      'amount negative',
      (r) => withAccount(r, { amountFen: -1 }),
      'credit_report_amount_invalid',
      'accounts[0].amountFen',
    ],
    [
      'amount as a string',
      (r) => withAccount(r, { amountFen: '5000000' }),
      'credit_report_malformed',
      'accounts[0].amountFen',
    ],
    [
      'status in Chinese',
      (r) => withAccount(r, { status: '正常' }),
      'credit_report_enum_unknown',
      'accounts[0].status',
    ],
    [
      'query reason unknown',
      (r) => ({ ...r, queries: [{ ...r.queries[0], reason: 'marketing' }] }),
      'credit_report_enum_unknown',
      'queries[0].reason',
    ],
    [
      'query missing its date',
      (r) => ({ ...r, queries: [{ institution: '招联', reason: 'self' }] }),
      'credit_report_malformed',
      'queries[0].date',
    ],
  ];

  function withAccount(r: typeof valid, fields: Record<string, unknown>) {
    return { ...r, accounts: [{ ...r.accounts[0], ...fields }] };
  }

  it.each(cases)('%s → %s', (_what, mutate, code, field) => {
    const result = parseCreditReport(mutate(structuredClone(valid)));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe(code);
    if (field !== undefined) expect(result.field).toBe(field);
    expect(Object.keys(detectionErrors)).toContain(result.code);
  });

  const codes = Object.keys(detectionErrors).filter((c) => c.startsWith('credit_report_'));

  it('never throws on any JSON value, and answers a documented code', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = parseCreditReport(value);
        if (!result.ok) expect(codes).toContain(result.code);
      }),
      { seed: SEED, numRuns: 2_000 },
    );
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), worldText(300)), (text) => {
        const result = parseCreditReport(text);
        if (!result.ok) expect(codes).toContain(result.code);
      }),
      { seed: SEED, numRuns: 1_000 },
    );
  });

  /** Values to drop into a field: huge and odd numbers, Chinese, controls, look-alike dates. */
  const hostile = fc.oneof(
    fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 0.1, 2 ** 53, null, true, [], {}),
    fc.double(),
    fc.integer(),
    fc.string({
      unit: fc.integer({ min: 0x4e00, max: 0x9fff }).map((c) => String.fromCharCode(c)),
      maxLength: 120,
    }),
    fc.string({ unit: fc.integer({ min: 0, max: 0x3f }).map((c) => String.fromCharCode(c)), maxLength: 12 }),
    worldText(120),
    fc.constantFrom(
      '2026-13-01',
      '2026-00-10',
      '2025-02-29',
      '2024-02-29',
      '２０２６-０３-０１',
      '2026-3-1',
      '',
    ),
  );
  const accountField = fc.constantFrom(
    'institution',
    'institutionCode',
    'type',
    'openedOn',
    'amountFen',
    'status',
    'creditAgreementId',
  );

  it('a hostile value in any account field gives that field’s stable code, never a throw', () => {
    fc.assert(
      fc.property(accountField, hostile, (field, value) => {
        const result = parseCreditReport(withAccount(structuredClone(valid), { [field]: value }));
        if (result.ok) {
          expect(result.value.accounts[0]![field as keyof CreditAccount]).toEqual(value);
          return;
        }
        expect(codes).toContain(result.code);
        expect(result.field).toBe(`accounts[0].${field}`);
        // the same input always gets the same answer
        expect(parseCreditReport(withAccount(structuredClone(valid), { [field]: value }))).toEqual(result);
      }),
      { seed: SEED, numRuns: 3_000 },
    );
  });

  it('any Chinese institution name without control characters is accepted and kept as printed', () => {
    const name = fc
      .string({
        unit: fc.oneof(
          fc.integer({ min: 0x4e00, max: 0x9fff }).map((c) => String.fromCharCode(c)),
          fc.constantFrom('（', '）', ' ', '·'),
        ),
        minLength: 1,
        maxLength: 100,
      })
      .filter((n) => n.trim().length > 0);
    fc.assert(
      fc.property(name, (institution) => {
        const result = parseCreditReport(withAccount(structuredClone(valid), { institution }));
        expect(result.ok).toBe(true);
        if (result.ok) expect(result.value.accounts[0]!.institution).toBe(institution);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

// ---- matching rules ----

type Expect = 'direct' | 'none';
const ACCOUNT_RULES: Array<
  [rule: string, accounts: CreditAccount[], ctx: Partial<CreditReportContext>, expected: Expect]
> = [
  ['a loan opened after the exposure, not through the platform', [account()], {}, 'direct'],
  [
    'opened on the exposure’s day (an interception happens that day)',
    [account({ openedOn: '2026-03-10' })],
    {},
    'direct',
  ],
  ['opened the day before the first exposure: organic', [account({ openedOn: '2026-03-09' })], {}, 'none'],
  [
    'booked through the platform the same day',
    [account()],
    { platformLoans: [{ funderId: 'zhaolian', bookedOn: '2026-03-20' }] },
    'none',
  ],
  [
    'opened 3 days after the platform booking (T+1, open date vs booking)',
    [account()],
    { platformLoans: [{ funderId: 'zhaolian', bookedOn: '2026-03-17' }] },
    'none',
  ],
  [
    'opened 3 days before the platform booking',
    [account()],
    { platformLoans: [{ funderId: 'zhaolian', bookedOn: '2026-03-23' }] },
    'none',
  ],
  [
    'opened 4 days after the platform booking: another loan',
    [account()],
    { platformLoans: [{ funderId: 'zhaolian', bookedOn: '2026-03-16' }] },
    'direct',
  ],
  [
    'a platform booking at another funder explains nothing here',
    [account()],
    { platformLoans: [{ funderId: 'mashang', bookedOn: '2026-03-20' }] },
    'direct',
  ],
  [
    'the funder never saw the customer through us',
    [account()],
    { exposures: [{ funderId: 'mashang', at: '2026-03-01' }] },
    'none',
  ],
  ['a revolving line (R1)', [account({ type: 'revolving' })], {}, 'direct'],
  ['a drawdown (R4) with no platform line', [account({ type: 'revolving-sub-account' })], {}, 'direct'],
  ['a credit card (R2): not a loan', [account({ type: 'credit-card' })], {}, 'none'],
  ['a semi-credit card (R3)', [account({ type: 'semi-credit-card' })], {}, 'none'],
  ['a recovered debt (C1)', [account({ type: 'recovered' })], {}, 'none'],
  ['closed since: it was still opened', [account({ status: 'closed' })], {}, 'direct'],
  [
    'after a declared conversion',
    [account()],
    { declaredConversions: [{ funderId: 'zhaolian', on: '2026-03-18' }] },
    'none',
  ],
  [
    'declared 3 days after opening (declaration lags the loan)',
    [account()],
    { declaredConversions: [{ funderId: 'zhaolian', on: '2026-03-23' }] },
    'none',
  ],
  [
    'declared long after opening: the loan came first',
    [account()],
    { declaredConversions: [{ funderId: 'zhaolian', on: '2026-03-30' }] },
    'direct',
  ],
  ['an institution nobody listed', [account({ institution: '某某小额贷款有限公司' })], {}, 'none'],
  [
    'a branch of a listed bank',
    [account({ institution: '中国工商银行股份有限公司北京朝阳支行' })],
    { exposures: [{ funderId: 'icbc', at: '2026-03-01' }] },
    'direct',
  ],
  [
    'a name with an ideographic space and full-width brackets',
    [account({ institution: '招联消费金融　（有限公司）' })],
    {},
    'direct',
  ],
  [
    'an unknown name with a listed code',
    [account({ institution: '招联金融', institutionCode: '91440300342220233J' })],
    {},
    'direct',
  ],
  // time zones: exposure 2026-03-19T17:00Z is 2026-03-20 01:00 in Beijing, the day the bureau prints
  [
    'exposed the evening before in UTC, the same day in Beijing',
    [account({ openedOn: '2026-03-20' })],
    { exposures: [{ funderId: 'zhaolian', at: new Date('2026-03-19T17:00:00Z') }] },
    'direct',
  ],
  [
    'exposed after the opening day in Beijing',
    [account({ openedOn: '2026-03-19' })],
    { exposures: [{ funderId: 'zhaolian', at: new Date('2026-03-19T17:00:00Z') }] },
    'none',
  ],
  [
    'exposure as a day number',
    [account()],
    { exposures: [{ funderId: 'zhaolian', at: dayOfIsoDate('2026-03-10')! }] },
    'direct',
  ],
  [
    'a drawdown under the credit line booked through the platform (same agreement)',
    [
      account({ type: 'revolving', openedOn: '2026-03-12', creditAgreementId: 'AG1' }),
      account({ type: 'revolving-sub-account', openedOn: '2026-03-28', creditAgreementId: 'AG1' }),
    ],
    { platformLoans: [{ funderId: 'zhaolian', bookedOn: '2026-03-12' }] },
    'none',
  ],
  [
    'a drawdown under the platform line when the report gives no agreement ids',
    [
      account({ type: 'revolving', openedOn: '2026-03-12' }),
      account({ type: 'revolving-sub-account', openedOn: '2026-03-28' }),
    ],
    { platformLoans: [{ funderId: 'zhaolian', bookedOn: '2026-03-12' }] },
    'none',
  ],
];

const QUERY_RULES: Array<
  [rule: string, queries: CreditQuery[], ctx: Partial<CreditReportContext>, expected: 'weak' | 'none']
> = [
  ['a loan-approval query with no platform application', [query()], {}, 'weak'],
  [
    'the day the platform sent the application',
    [query()],
    { platformApplications: [{ funderId: 'zhaolian', on: '2026-03-20' }] },
    'none',
  ],
  [
    '7 days after the application (manual review)',
    [query()],
    { platformApplications: [{ funderId: 'zhaolian', on: '2026-03-13' }] },
    'none',
  ],
  [
    '8 days after the application',
    [query()],
    { platformApplications: [{ funderId: 'zhaolian', on: '2026-03-12' }] },
    'weak',
  ],
  [
    '1 day before the application (late-evening query)',
    [query()],
    { platformApplications: [{ funderId: 'zhaolian', on: '2026-03-21' }] },
    'none',
  ],
  [
    '2 days before the application',
    [query()],
    { platformApplications: [{ funderId: 'zhaolian', on: '2026-03-22' }] },
    'weak',
  ],
  [
    'an application to another funder',
    [query()],
    { platformApplications: [{ funderId: 'mashang', on: '2026-03-20' }] },
    'weak',
  ],
  [
    'a drawdown check near a platform booking',
    [query()],
    { platformLoans: [{ funderId: 'zhaolian', bookedOn: '2026-03-18' }] },
    'none',
  ],
  ['before the funder saw the customer', [query({ date: '2026-03-09' })], {}, 'none'],
  ['post-loan management', [query({ reason: 'post-loan-management' })], {}, 'none'],
  ['credit-card approval', [query({ reason: 'credit-card-approval' })], {}, 'none'],
  ['guarantee check', [query({ reason: 'guarantee' })], {}, 'none'],
  ['the borrower’s own query', [query({ reason: 'self' })], {}, 'none'],
  [
    'after a declared conversion',
    [query()],
    { declaredConversions: [{ funderId: 'zhaolian', on: '2026-03-15' }] },
    'none',
  ],
  ['an unknown institution', [query({ institution: '某某小额贷款有限公司' })], {}, 'none'],
];

describe('matchCreditReport rules', () => {
  it.each(ACCOUNT_RULES)('account: %s → %s', (_rule, accounts, ctx, expected) => {
    const { evidence } = matchCreditReport(report(accounts), context(ctx));
    expect(evidence.map((e) => e.strength)).toEqual(expected === 'none' ? [] : [expected]);
  });

  it.each(QUERY_RULES)('query: %s → %s', (_rule, queries, ctx, expected) => {
    const { evidence } = matchCreditReport(report([], queries), context(ctx));
    expect(evidence.map((e) => e.strength)).toEqual(expected === 'none' ? [] : [expected]);
  });

  it('names the report, the funder, the item and the exposure it follows (with its ledger entry)', () => {
    const r = report([account({ type: 'credit-card' }), account()], [query({ date: '2026-03-25' })]);
    const ctx = context({
      exposures: [
        { funderId: 'zhaolian', at: '2026-03-10', ledgerEntryId: 'led_1' },
        { funderId: 'zhaolian', at: '2026-03-15', ledgerEntryId: 'led_2' },
        { funderId: 'zhaolian', at: '2026-03-28', ledgerEntryId: 'led_3' },
      ],
    });
    const { evidence, unmatchedInstitutions } = matchCreditReport(r, ctx);
    expect(unmatchedInstitutions).toEqual([]);
    expect(evidence).toEqual([
      {
        kind: 'creditReportAccount',
        strength: 'direct',
        source: { reportId: r.reportId, generatedOn: '2026-03-31' },
        funderId: 'zhaolian',
        account: r.accounts[1],
        accountIndex: 1,
        exposure: ctx.exposures[1],
        firstExposureDay: dayOfIsoDate('2026-03-10'),
        daysAfterExposure: 5,
      },
      {
        kind: 'creditReportQuery',
        strength: 'weak',
        source: { reportId: r.reportId, generatedOn: '2026-03-31' },
        funderId: 'zhaolian',
        query: r.queries[0],
        queryIndex: 0,
        exposure: ctx.exposures[1],
        firstExposureDay: dayOfIsoDate('2026-03-10'),
        daysAfterExposure: 10,
      },
    ]);
  });

  it('lists each unknown institution once, normalised, so an operator can extend the table', () => {
    const r = report(
      [account({ institution: '某某小额贷款有限公司' }), account({ institution: '某某小额贷款 有限公司' })],
      [query({ institution: '华北信托有限责任公司' }), query({ institution: '某某银行北京分行' })],
    );
    expect(matchCreditReport(r, context()).unmatchedInstitutions).toEqual([
      '某某小额贷款',
      '华北信托',
      '某某银行北京分行',
    ]);
  });
});

// ---- properties ----

const FUNDERS = ['zhaolian', 'icbc', 'mashang'] as const;
const NAMES: Record<(typeof FUNDERS)[number], string> = {
  zhaolian: '招联消费金融有限公司',
  icbc: '中国工商银行股份有限公司上海分行',
  mashang: '马上消费金融股份有限公司',
};
const BASE_DAY = dayOfIsoDate('2026-01-01')!;
const day = fc.integer({ min: 0, max: 120 }).map((d) => BASE_DAY + d);
const funder = fc.constantFrom(...FUNDERS);
const randomAccount = fc.record({
  funderId: funder,
  type: fc.constantFrom(...ACCOUNT_TYPES),
  day,
  status: fc.constantFrom(...ACCOUNT_STATUSES),
  agreement: fc.option(fc.constantFrom('AG1', 'AG2'), { nil: undefined }),
});
const randomQuery = fc.record({ funderId: funder, day, reason: fc.constantFrom(...QUERY_REASONS) });
const randomCase = fc.record({
  accounts: fc.array(randomAccount, { maxLength: 8 }),
  queries: fc.array(randomQuery, { maxLength: 8 }),
  exposures: fc.array(fc.record({ funderId: funder, at: day }), { maxLength: 5 }),
  platformLoans: fc.array(fc.record({ funderId: funder, bookedOn: day }), { maxLength: 3 }),
  platformApplications: fc.array(fc.record({ funderId: funder, on: day }), { maxLength: 4 }),
  declaredConversions: fc.array(fc.record({ funderId: funder, on: day }), { maxLength: 1 }),
});
type RandomCase = typeof randomCase extends fc.Arbitrary<infer T> ? T : never;

function build(c: RandomCase): { report: CreditReport; ctx: CreditReportContext } {
  const r = report(
    c.accounts.map((a) => ({
      institution: NAMES[a.funderId],
      type: a.type,
      openedOn: isoOfDay(a.day),
      amountFen: 1_000_000,
      status: a.status,
      ...(a.agreement === undefined ? {} : { creditAgreementId: a.agreement }),
    })),
    c.queries.map((q) => ({ institution: NAMES[q.funderId], date: isoOfDay(q.day), reason: q.reason })),
  );
  r.generatedOn = isoOfDay(BASE_DAY + 121);
  return {
    report: r,
    ctx: {
      aliases,
      exposures: c.exposures.map((e, i) => ({ ...e, ledgerEntryId: `led_${i}` })),
      platformLoans: c.platformLoans,
      platformApplications: c.platformApplications,
      declaredConversions: c.declaredConversions,
    },
  };
}

const earliestExposure = (ctx: CreditReportContext, funderId: string) =>
  Math.min(...ctx.exposures.filter((e) => e.funderId === funderId).map((e) => e.at as number));

describe('matchCreditReport properties', () => {
  it('a generated report is valid input (the generator is not vacuous)', () => {
    fc.assert(
      fc.property(randomCase, (c) => {
        expect(parseCreditReport(JSON.stringify(build(c).report)).ok).toBe(true);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('an account or query before the funder first saw the customer never matches', () => {
    fc.assert(
      fc.property(randomCase, (c) => {
        const { report: r, ctx } = build(c);
        for (const e of matchCreditReport(r, ctx).evidence) {
          const eventDay = dayOfIsoDate(
            e.kind === 'creditReportAccount' ? e.account.openedOn : e.query.date,
          )!;
          expect(eventDay).toBeGreaterThanOrEqual(earliestExposure(ctx, e.funderId));
          expect(e.exposure.funderId).toBe(e.funderId);
          expect(e.daysAfterExposure).toBeGreaterThanOrEqual(0);
          expect(e.firstExposureDay).toBe(earliestExposure(ctx, e.funderId));
        }
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });

  it('a loan booked through the platform never matches; neither does a query the platform’s application explains', () => {
    fc.assert(
      fc.property(randomCase, (c) => {
        const { report: r, ctx } = build(c);
        const tolerance = DEFAULT_MATCH_TOLERANCES;
        for (const e of matchCreditReport(r, ctx).evidence) {
          if (e.kind === 'creditReportAccount') {
            const opened = dayOfIsoDate(e.account.openedOn)!;
            expect(LOAN_ACCOUNT_TYPES.has(e.account.type)).toBe(true);
            for (const loan of ctx.platformLoans)
              if (loan.funderId === e.funderId)
                expect(Math.abs((loan.bookedOn as number) - opened)).toBeGreaterThan(tolerance.bookingDays);
          } else {
            const queried = dayOfIsoDate(e.query.date)!;
            expect(e.query.reason).toBe('loan-approval');
            for (const application of ctx.platformApplications)
              if (application.funderId === e.funderId) {
                const offset = queried - (application.on as number);
                expect(
                  offset < -tolerance.queryBeforeApplicationDays ||
                    offset > tolerance.queryAfterApplicationDays,
                ).toBe(true);
              }
          }
          for (const conversion of ctx.declaredConversions ?? [])
            if (conversion.funderId === e.funderId) {
              const eventDay = dayOfIsoDate(
                e.kind === 'creditReportAccount' ? e.account.openedOn : e.query.date,
              )!;
              expect(eventDay).toBeLessThan((conversion.on as number) - tolerance.bookingDays);
            }
        }
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });

  it('Dates, ISO strings and day numbers in the context give the same evidence', () => {
    fc.assert(
      fc.property(randomCase, (c) => {
        const { report: r, ctx } = build(c);
        const asIso = {
          ...ctx,
          exposures: ctx.exposures.map((e) => ({ ...e, at: isoOfDay(e.at as number) })),
          platformLoans: ctx.platformLoans.map((l) => ({ ...l, bookedOn: isoOfDay(l.bookedOn as number) })),
        };
        // noon in Beijing is 04:00 UTC the same day
        const asDate = {
          ...ctx,
          exposures: ctx.exposures.map((e) => ({
            ...e,
            at: new Date(`${isoOfDay(e.at as number)}T04:00:00Z`),
          })),
        };
        const expected = matchCreditReport(r, ctx).evidence.map((e) => [
          e.kind,
          e.funderId,
          e.daysAfterExposure,
        ]);
        const keyOf = (ctxIn: CreditReportContext) =>
          matchCreditReport(r, ctxIn).evidence.map((e) => [e.kind, e.funderId, e.daysAfterExposure]);
        expect(keyOf(asIso)).toEqual(expected);
        expect(keyOf(asDate)).toEqual(expected);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('the worked example in docs/credit-report.md', () => {
  it('parses and gives the evidence the document says', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../../docs/credit-report.md', import.meta.url), 'utf8');
    const json = /### Example[^\n]*\n\n```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(json).toBeDefined();
    const parsed = parseCreditReport(json!);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const { evidence, unmatchedInstitutions } = matchCreditReport(parsed.value, {
      aliases,
      exposures: [{ funderId: 'zhaolian', at: '2026-03-10', ledgerEntryId: 'led_1' }],
      platformApplications: [{ funderId: 'zhaolian', on: '2026-03-10' }],
      platformLoans: [{ funderId: 'zhaolian', bookedOn: '2026-03-11' }],
    });
    expect(unmatchedInstitutions).toEqual([]);
    expect(
      evidence.map((e) => [
        e.kind,
        e.strength,
        e.kind === 'creditReportAccount' ? e.account.openedOn : e.query.date,
      ]),
    ).toEqual([
      ['creditReportAccount', 'direct', '2026-03-24'],
      ['creditReportQuery', 'weak', '2026-03-22'],
    ]);
  });
});

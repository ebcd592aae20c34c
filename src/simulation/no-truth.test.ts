// The Detector gets what production knows and nothing else (issue 13 item 9). Two checks:
//  - at compile time, every type a detector receives is listed field by field below (Record<keyof T,
//    true>): a field added to one of them fails to compile here until someone decides it is
//    something production knows;
//  - at run time, everything a detector actually receives in a market with every kind of evidence
//    (a naive and a careful poacher, canaries, staff) has exactly those key paths, and no value in it
//    names ground truth (a strategy, how a contact was made, whether an item came from poaching).
import { describe, expect, it } from 'vitest';
import { runMarket } from './market.ts';
import type {
  BorrowerReport,
  CanaryContact,
  CohortCounts,
  CreditReportFinding,
  DayEvidence,
  Detector,
  HistoryEvent,
  PublicFunder,
  RelayContactRecord,
  StaffContact,
} from './model.ts';
import { parseScenario } from './scenario.ts';

type Fields<T> = Record<keyof T, true>;
const DAY: Fields<DayEvidence> = {
  day: true,
  date: true,
  relayContacts: true,
  canaryContacts: true,
  staffContacts: true,
  creditReportFindings: true,
  borrowerReports: true,
  exposures: true,
  canaryExposures: true,
  history: true,
  cohorts: true,
};
const RELAY: Fields<RelayContactRecord> = {
  funderId: true,
  customer: true,
  medium: true,
  hour: true,
  summary: true,
  category: true,
  verdict: true,
  reason: true,
};
const CANARY: Fields<CanaryContact> = { funderId: true, customer: true, channel: true, medium: true };
const STAFF: Fields<StaffContact> = { funderId: true, customer: true, channel: true, medium: true };
const CREDIT: Fields<CreditReportFinding> = {
  funderId: true,
  customer: true,
  kind: true,
  onDay: true,
  exposureDay: true,
};
const REPORT: Fields<BorrowerReport> = { funderId: true, customer: true, stage: true, medium: true };
const HISTORY: Fields<HistoryEvent> = { customer: true, funderId: true, kind: true };
const COHORT: Fields<CohortCounts> = {
  dispatched: true,
  approved: true,
  booked: true,
  abandonedAfterApproval: true,
  paidOff: true,
  returned: true,
};
const FUNDER: Fields<PublicFunder> = { id: true, type: true, licensedRegions: true };
const START: Fields<Parameters<Detector['start']>[0]> = {
  funders: true,
  startDate: true,
  days: true,
  canaries: true,
};

const keys = (fields: object, prefix: string) => Object.keys(fields).map((k) => `${prefix}${k}`);
const ALLOWED_PATHS = new Set([
  ...keys(START, 'start.'),
  ...keys(FUNDER, 'start.funders[].'),
  'start.funders[].licensedRegions[]',
  'start.canaries[]',
  ...keys(DAY, 'day.'),
  ...keys(RELAY, 'day.relayContacts[].'),
  ...keys(CANARY, 'day.canaryContacts[].'),
  ...keys(STAFF, 'day.staffContacts[].'),
  ...keys(CREDIT, 'day.creditReportFindings[].'),
  ...keys(REPORT, 'day.borrowerReports[].'),
  'day.exposures[].customer',
  'day.exposures[].funderId',
  'day.canaryExposures[].customer',
  'day.canaryExposures[].funderId',
  ...keys(HISTORY, 'day.history[].'),
  ...keys(COHORT, 'day.cohorts[].'),
]);

/** Words that would tell a detector the truth: strategies, contact sources, poaching moves, noise labels. */
const TRUTH_WORDS = [
  'poacher',
  'honest',
  'interception',
  'reawakening',
  'own-data',
  'broker',
  'organic',
  'misattributed',
  'fromPoaching',
  'truth',
  'poach',
];

function walk(value: unknown, path: string, paths: Set<string>, strings: Set<string>): void {
  if (Array.isArray(value)) {
    if (value.length === 0) paths.add(`${path}[]`); // an empty list still names its path's parent
    for (const item of value) walk(item, `${path}[]`, paths, strings);
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`, paths, strings);
    return;
  }
  paths.add(path);
  if (typeof value === 'string') strings.add(value);
}

describe('the Detector receives what production knows and nothing else', () => {
  it('every key path it receives is on the allow-list, every allowed path occurs, and no value names the truth', () => {
    const parsed = parseScenario({
      seed: 3,
      days: 240,
      customers: { count: 6000, platformEmployeeShare: 0.03, partnerEmployeeShare: 0.03 },
      platform: { canaries: { budgetFenPerMonth: 5_000_000 } },
      funders: [
        { id: 'bank-a', type: 'bank', licensedRegions: ['*'], strategy: { kind: 'honest' } },
        { id: 'cfc-c', type: 'consumer-finance', licensedRegions: ['*'], strategy: { kind: 'honest' } },
        {
          id: 'naive',
          licensedRegions: ['*'],
          rateBase: 0.08,
          strategy: {
            kind: 'poacher',
            interceptionRate: 0.5,
            reawakeningRate: 0.3,
            contactSources: ['relay'],
          },
        },
        {
          id: 'careful',
          licensedRegions: ['*'],
          rateBase: 0.08,
          strategy: {
            kind: 'poacher',
            exclusions: { personnel: true, risk: true, region: true },
            maxMonthlyShare: 0.2,
            personnelMissShare: 0.5,
          },
        },
      ],
    });
    if (!parsed.ok) throw new Error(parsed.message);
    const paths = new Set<string>();
    const strings = new Set<string>();
    const detector: Detector = {
      name: 'recorder',
      start: (context) => walk(context, 'start', paths, strings),
      observeDay: (evidence) => {
        walk(evidence, 'day', paths, strings);
        return [];
      },
    };
    runMarket(parsed.value, { detector });
    // A leaf path, or an empty list's path (…[]), must be allowed as it is or as its list.
    const unexpected = [...paths].filter(
      (p) => !ALLOWED_PATHS.has(p) && !ALLOWED_PATHS.has(p.replace(/\[\]$/, '')),
    );
    expect(unexpected).toEqual([]);
    // The market produced every kind of evidence, so the check above saw every field.
    const seen = (p: string) =>
      [...paths].some((q) => q === p || q.startsWith(`${p}.`) || q.startsWith(`${p}[]`));
    const missing = [...ALLOWED_PATHS].filter((p) => !seen(p));
    expect(missing).toEqual([]);
    for (const s of strings) for (const word of TRUTH_WORDS) expect(s.toLowerCase()).not.toContain(word);
  });
});

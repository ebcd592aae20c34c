// The credit bureau of the simulated market, and the cross-check through production's own matcher.
// Lenders report accounts and the queries they make to the bureau; when a customer re-applies (with
// their authorisation) the platform fetches their report, in the JSON a licensed personal-credit
// bureau's adapter delivers (docs/credit-report.md), and detection's `matchCreditReport` compares it
// with what the platform knows: the exposure register, its bookings and its applications. The
// simulator builds that report the way the bureau would — every loan and every loan-approval query,
// the platform's own included — and keeps only the ground truth of which items came from poaching,
// for the report's tallies.
import {
  buildInstitutionAliases,
  type CreditAccount,
  type CreditQuery,
  type CreditReport,
  type CreditReportContext,
  daysFromCivil,
  type InstitutionAliases,
  isoOfDay,
  matchCreditReport,
} from '../detection/index.ts';
import { assert } from '../kernel/index.ts';
import type { CreditReportFinding, Scenario } from './model.ts';
import type { Population } from './population.ts';
import { Pool } from './pool.ts';

/** Direct-loan flags: it came from poaching; its account / its query has been reported as evidence. */
const FROM_POACHING = 1;
const ACCOUNT_REPORTED = 2;
const QUERY_REPORTED = 4;
/** Platform records' flag bit: already reported (a matcher finding on a platform record is false evidence, reported once). */
export const RECORD_REPORTED = 0x10;
/** Reports list queries of the last two years. */
const QUERY_HISTORY_DAYS = 730;
/** A direct loan reaches the bureau the day after it is opened (T+1 reporting). */
const REPORTING_LAG_DAYS = 1;
/** ISO dates are kept for the run's days; an item before day 0 is formatted when asked. */
const ISO_BEFORE_START = 0;

export interface Finding {
  kind: CreditReportFinding['kind'];
  funder: number;
  fromPoaching: boolean;
  record: CreditReportFinding;
}

export class CreditBureau {
  private readonly direct: Pool;
  private readonly aliases: InstitutionAliases;
  private readonly names: string[];
  private readonly ids: string[];
  private readonly index = new Map<string, number>();
  /** the bureau's day number (days since 1970-01-01) of the run's day 0 */
  private readonly epoch: number;
  private reports = 0;
  /** ISO dates of the run's days (and the days before it an account may carry), by day + offset */
  private readonly isoDays: string[] = [];

  constructor(
    scenario: Scenario,
    private readonly population: Population,
  ) {
    this.direct = new Pool(population.count);
    const [y, m, d] = scenario.startDate.split('-').map(Number) as [number, number, number];
    this.epoch = daysFromCivil(y, m, d);
    this.names = scenario.funders.map((f) => f.institutionName);
    this.ids = scenario.funders.map((f) => f.id);
    this.ids.forEach((id, i) => {
      this.index.set(id, i);
    });
    const built = buildInstitutionAliases(
      scenario.funders.map((f) => ({ funderId: f.id, names: [f.institutionName] })),
    );
    assert(built.ok, `institution aliases: ${built.ok ? '' : built.message}`);
    this.aliases = built.value;
    for (let day = -ISO_BEFORE_START; day < scenario.days; day++)
      this.isoDays.push(isoOfDay(this.epoch + day));
  }

  private iso(day: number): string {
    return this.isoDays[day + ISO_BEFORE_START] ?? isoOfDay(this.epoch + day);
  }

  /** A loan the customer took directly from a funder (poached, or of their own accord), opened on `day`. */
  directLoan(customer: number, funder: number, day: number, fromPoaching: boolean): void {
    const amount = Math.max(
      100_000,
      Math.round((this.population.monthlyIncomeFen[customer]! * 3) / 10_000) * 10_000,
    );
    this.direct.add(customer, funder, day, fromPoaching ? FROM_POACHING : 0, amount);
  }

  /**
   * The cross-check on a re-application today: the customer's report as the bureau holds it, matched
   * by production's matcher; each item is reported once (a later report shows it again, already known).
   */
  check(customer: number, day: number, exposures: Pool, platformLoans: Pool): Finding[] {
    const accounts: CreditAccount[] = [];
    const accountSource: number[] = []; // ≥ 0: direct-loan record; < 0: −1 − platform-loan record
    const queries: CreditQuery[] = [];
    const querySource: number[] = []; // ≥ 0: direct-loan record; < 0: −1 − exposure record
    const context: CreditReportContext = {
      aliases: this.aliases,
      exposures: [],
      platformLoans: [],
      platformApplications: [],
    };
    const exposureFacts = context.exposures as Array<{ funderId: string; at: number }>;
    const applications = context.platformApplications as Array<{ funderId: string; on: number }>;
    const booked = context.platformLoans as Array<{ funderId: string; bookedOn: number }>;
    for (let i = exposures.head[customer]!; i >= 0; i = exposures.next[i]!) {
      const funderId = this.ids[exposures.funder[i]!]!;
      const on = this.epoch + exposures.day[i]!;
      exposureFacts.push({ funderId, at: on });
      applications.push({ funderId, on });
      // The funder queried the bureau to decide the application (贷款审批).
      if (day - exposures.day[i]! <= QUERY_HISTORY_DAYS) {
        queries.push(this.query(exposures.funder[i]!, exposures.day[i]!));
        querySource.push(-1 - i);
      }
    }
    for (let i = platformLoans.head[customer]!; i >= 0; i = platformLoans.next[i]!) {
      booked.push({
        funderId: this.ids[platformLoans.funder[i]!]!,
        bookedOn: this.epoch + platformLoans.day[i]!,
      });
      accounts.push(this.account(platformLoans.funder[i]!, platformLoans.day[i]!, platformLoans.amount[i]!));
      accountSource.push(-1 - i);
    }
    for (let i = this.direct.head[customer]!; i >= 0; i = this.direct.next[i]!) {
      const opened = this.direct.day[i]!;
      if (opened + REPORTING_LAG_DAYS > day) continue; // not at the bureau yet
      accounts.push(this.account(this.direct.funder[i]!, opened, this.direct.amount[i]!));
      accountSource.push(i);
      if (day - opened <= QUERY_HISTORY_DAYS) {
        queries.push(this.query(this.direct.funder[i]!, opened));
        querySource.push(i);
      }
    }
    if (accounts.length === 0 && queries.length === 0) return [];
    const report: CreditReport = {
      reportId: `sim-${++this.reports}`,
      subject: { customerId: String(customer) },
      generatedOn: this.iso(day),
      accounts,
      queries,
    };
    const findings: Finding[] = [];
    for (const item of matchCreditReport(report, context).evidence) {
      const funder = this.index.get(item.funderId)!;
      const source =
        item.kind === 'creditReportAccount'
          ? accountSource[item.accountIndex]!
          : querySource[item.queryIndex]!;
      const bit = item.kind === 'creditReportAccount' ? ACCOUNT_REPORTED : QUERY_REPORTED;
      let fromPoaching = false;
      if (source >= 0) {
        if (this.direct.flag[source]! & bit) continue;
        this.direct.flag[source]! |= bit;
        fromPoaching = (this.direct.flag[source]! & FROM_POACHING) !== 0;
      } else {
        // A finding on the platform's own loan or application: the matcher's tolerance failed. False evidence, reported once.
        const pool = item.kind === 'creditReportAccount' ? platformLoans : exposures;
        const record = -1 - source;
        if (pool.flag[record]! & RECORD_REPORTED) continue;
        pool.flag[record]! |= RECORD_REPORTED;
      }
      const onDay =
        item.kind === 'creditReportAccount' ? this.dayOf(item.account.openedOn) : this.dayOf(item.query.date);
      findings.push({
        kind: item.kind,
        funder,
        fromPoaching,
        record: {
          funderId: item.funderId,
          customer,
          kind: item.kind,
          onDay,
          exposureDay: item.firstExposureDay - this.epoch,
        },
      });
    }
    return findings;
  }

  private account(funder: number, day: number, amountFen: number): CreditAccount {
    return {
      institution: this.names[funder]!,
      type: 'non-revolving',
      openedOn: this.iso(day),
      amountFen,
      status: 'normal',
    };
  }

  private query(funder: number, day: number): CreditQuery {
    return { institution: this.names[funder]!, date: this.iso(day), reason: 'loan-approval' };
  }

  private dayOf(iso: string): number {
    const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
    return daysFromCivil(y, m, d) - this.epoch;
  }
}

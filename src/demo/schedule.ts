// The demo market's schedule: how fast market time runs against the real clock and how much
// happens per market day (ADR 0105). The service's clock is never touched: the market acts at real
// time, only its schedule is compressed, so one market day is `dayMs` real milliseconds.

export interface DemoSchedule {
  /** real milliseconds per market day */
  dayMs: number;
  /**
   * market days per market month: the poacher's throttle counts per month, a month being
   * monthDays × applicationsPerDay arrivals (so a slow service stretches the month, ADR 0105)
   */
  monthDays: number;
  /** new applications per market day (arrivals are spread evenly, seeded order) */
  applicationsPerDay: number;
  /** people in the market (each applies once; the market stops arriving when all have) */
  people: number;
  /** share of them who are canaries (mystery-shopper applicants of the canary program) */
  canaryShare: number;
  /** borrower flows in flight at once at most (the rest wait: the API is not flooded) */
  maxConcurrent: number;
  /** a borrower consents to at most this many offered funders (the waterfall tries them in rank order) */
  consentFunders: number;
  /** market days from approval to the borrower's confirm (or abandon) */
  confirmAfterDays: number;
  /** market days from approval to a funder's verification call, and to the poacher's interception */
  contactAfterDays: number;
  /** market days from a pending answer to the funder's signed callback */
  callbackAfterDays: number;
  /** installments a booked loan repays during the demo, one every repayEveryDays */
  installmentsRepaid: number;
  repayEveryDays: number;
  /** share of approvals an honest funder calls to verify (核实电话), of bookings it calls to service */
  verificationCallShare: number;
  servicingCallShare: number;
  /** abandonment after approval for reasons of the borrower's own (a better offer elsewhere, no need) */
  abandonShare: number;
  /**
   * The poacher's throttle for the demo: a share of its targeted approvals a month (the article's
   * careful poacher takes 3%; at demo volumes that is no customer at all, ADR 0105).
   */
  poacherMonthlyShare: number;
}

/** `npm start`: a market day every two seconds, a market month a minute. */
export const DEMO_SCHEDULE: DemoSchedule = {
  dayMs: 2_000,
  monthDays: 30,
  applicationsPerDay: 3,
  people: 5_000,
  canaryShare: 0.15,
  maxConcurrent: 6,
  consentFunders: 4,
  confirmAfterDays: 2,
  contactAfterDays: 0.5,
  callbackAfterDays: 0.5,
  installmentsRepaid: 2,
  repayEveryDays: 5,
  verificationCallShare: 0.3,
  servicingCallShare: 0.2,
  abandonShare: 0.08,
  poacherMonthlyShare: 0.25,
};

/**
 * Tests: the same market faster, a day every 250 ms. The service, not the schedule, bounds the
 * pace (one or two applications a second on the embedded store); a market month is 60 arrivals.
 */
export const FAST_SCHEDULE: DemoSchedule = {
  ...DEMO_SCHEDULE,
  dayMs: 250,
  monthDays: 60,
  applicationsPerDay: 1,
  people: 400,
  canaryShare: 0.3,
  installmentsRepaid: 1,
  repayEveryDays: 4,
  poacherMonthlyShare: 0.34,
};

// The live demo market (issue 17 item 3, ADRs 0105–0107): simulated borrowers, honest funders and
// the article's careful poacher (src/simulation/strategies.ts) acting on the running service only
// through its public HTTP API and keys it issues, the funders on their own servers behind signed
// webhooks (funder-servers.ts), the relay provider and the canary program reporting what reached
// people (contacts.ts). The service must find the poacher from the evidence alone.
import { readFileSync } from 'node:fs';
import { secureRandomBytes } from '../kernel/secure-random.ts';
import { type Clock, SeededRandom, sha256Hex, systemClock } from '../kernel/index.ts';
import { parseScenario } from '../simulation/scenario.ts';
import type { Scenario } from '../simulation/model.ts';
import { Api, isRefusal } from './api.ts';
import { CanaryProgram, ContactReports, hashOf } from './contacts.ts';
import { type Decided, type FunderModel, FunderServers } from './funder-servers.ts';
import { type DemoPeople, type DemoPerson, applicationBody, demoPeople } from './people.ts';
import { DEMO_SCHEDULE, type DemoSchedule } from './schedule.ts';
import { CarefulPoacher, POACHER, poacherFunderBodies } from './poacher.ts';
import {
  type DemoMarket,
  type DemoMarketOptions,
  type DemoStats,
  type FlaggedFunder,
  flaggedFunders,
  waitForFlag,
} from './alerts.ts';

export { DEMO_SCHEDULE, FAST_SCHEDULE, type DemoSchedule } from './schedule.ts';
export type { DemoMarket, DemoMarketOptions, DemoStats, FlaggedFunder } from './alerts.ts';

/** The careful poacher's strategy and the customers' behaviour: the shipped evasive scenario's. */
const SCENARIO_PATH = new URL('../../scenarios/evasive-poacher.json', import.meta.url);
/** The most polls of one application waiting for its funders (each a quarter market day apart). */
const MAX_WAIT_POLLS = 200;
/** Borrowers with something still to do (confirm, calls, repayments) at most; arrivals wait beyond. */
const MAX_LIVE_BORROWERS = 500;
/** Problems logged one by one; beyond this only counted (stats.refused, stats.faults). */
const MAX_LOGGED_PROBLEMS = 20;
const CONSENT = {
  purpose: '向资方提交借款申请以获得授信',
  dataCategories: ['identity', 'contact', 'demographics', 'region', 'employment', 'loan-request'],
  /** SHA-256 of the consent text version the demo app shows */
  textVersionHash: sha256Hex('个人信息单独同意书 v3'),
  channel: 'demo-app',
};

interface Funder {
  id: string;
  secret: string;
  api: Api;
  poacher: boolean;
}

/** Start the market against a running service; it runs until stop(). */
export async function runDemoMarket(options: DemoMarketOptions): Promise<DemoMarket> {
  const market = new Market(options);
  await market.setUp();
  market.start();
  return market.handle();
}

class Market {
  private readonly schedule: DemoSchedule;
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  private readonly admin: Api;
  private app!: Api;
  private contacts!: ContactReports;
  private canaries!: CanaryProgram;
  private poacher!: CarefulPoacher;
  private analystKey = '';
  private readonly funders = new Map<string, Funder>();
  private servers!: FunderServers;
  private people!: DemoPeople;
  private scenario!: Scenario;
  private readonly startedAt: number;
  private readonly random: SeededRandom;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private arrivalTimer: NodeJS.Timeout | undefined;
  private next = 0;
  private readonly inFlight = new Set<Promise<void>>();
  /** borrowers between submitting and their funders' answer (what maxConcurrent bounds) */
  private applying = 0;
  private readonly sleepers = new Set<() => void>();
  private readonly counts = {
    applications: 0,
    offered: 0,
    approved: 0,
    declined: 0,
    booked: 0,
    abandoned: 0,
    repayments: 0,
    verificationCalls: 0,
    servicingCalls: 0,
    refused: 0,
    faults: 0,
  };

  constructor(private readonly options: DemoMarketOptions) {
    this.schedule = { ...DEMO_SCHEDULE, ...options.schedule };
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? (() => {});
    this.admin = new Api(options.baseUrl.replace(/\/$/, ''), options.adminKey);
    this.random = new SeededRandom(options.seed >>> 0);
    this.startedAt = this.clock.now().getTime();
  }

  stats(): DemoStats {
    return {
      ...this.counts,
      canariesPlaced: this.canaries?.placed ?? 0,
      poacherTargeted: this.poacher?.totals.targeted ?? 0,
      poacherContacts: this.poacher?.totals.contacts ?? 0,
      poached: this.poacher?.totals.poached ?? 0,
    };
  }

  // ---- setting up, through the API ----

  async setUp(): Promise<void> {
    const parsed = parseScenario(JSON.parse(readFileSync(SCENARIO_PATH, 'utf8')), this.options.seed >>> 0);
    if (!parsed.ok) throw new Error('the shipped evasive scenario does not parse');
    this.scenario = parsed.value;
    const shipped = this.scenario.funders.find((f) => f.strategy.kind === 'poacher');
    if (shipped?.strategy.kind !== 'poacher') throw new Error('the evasive scenario has no poacher');
    // The shipped careful poacher, acting from day 0, trying everyone its (demo) throttle allows.
    const strategy = {
      ...shipped.strategy,
      startDay: 0,
      interceptionRate: 1,
      maxMonthlyShare: this.schedule.poacherMonthlyShare,
    };
    const year = Number(new Date(this.clock.now().getTime() + 8 * 3_600_000).toISOString().slice(0, 4));
    const canaries = Math.round(this.schedule.people * this.schedule.canaryShare);
    this.people = demoPeople(
      this.scenario.customers,
      this.schedule.people,
      canaries,
      Math.ceil(this.schedule.people / this.schedule.applicationsPerDay),
      year,
      this.random.fork(),
    );
    this.poacher = new CarefulPoacher(
      strategy,
      shipped.ownDataShare,
      this.people.population,
      this.scenario.customers,
    );
    const issue = async (role: string, label: string, funderId?: string) =>
      (await this.admin.call('POST', '/v1/api-keys', { role, label, ...(funderId ? { funderId } : {}) })).body
        .secret as string;
    this.analystKey = await issue('analyst', 'demo dashboard (analyst)');
    this.app = this.admin.with(await issue('system', 'demo borrower app'));
    const relay = this.admin.with(await issue('system', 'demo relay provider'));
    const runId = `${this.options.seed}-${this.startedAt}`;
    this.contacts = new ContactReports(relay, this.admin, runId, this.clock);
    this.canaries = new CanaryProgram(this.admin, this.options.seed >>> 0, this.clock);
    await this.ensurePoacherFunder();
    const listed = (await this.admin.call('GET', '/v1/funders?limit=100')).body.funders as Array<{
      id: string;
      status: string;
    }>;
    const models: FunderModel[] = [];
    for (const f of listed.filter((x) => x.status === 'active')) {
      const secret = secureRandomBytes(24).toString('base64url');
      const draw = new SeededRandom((this.options.seed ^ hashOf(f.id)) >>> 0);
      const poacher = f.id === POACHER.id;
      models.push({
        funderId: f.id,
        secret,
        // Each funder its own credit appetite (a seeded draw), the poacher keen on good customers.
        midpointScore: poacher ? 620 : draw.int(560, 660),
        scoreScale: 50,
        maxApprovalRate: poacher ? 0.9 : 0.75 + 0.2 * draw.next(),
        busyRate: 0.03,
        pendingRate: 0.1,
      });
      this.funders.set(f.id, {
        id: f.id,
        secret,
        api: this.admin.with(await issue('funder', `demo ${f.id}`, f.id)),
        poacher,
      });
    }
    this.servers = new FunderServers({
      models,
      seed: this.options.seed >>> 0,
      clock: this.clock,
      bureauScore: (idNumber) => this.people.byIdNumber.get(idNumber)?.score,
      onDecided: (decided) => this.onDecided(decided),
    });
    await this.servers.start();
    for (const f of this.funders.values())
      await this.admin.call('PUT', `/v1/funders/${f.id}/webhook`, {
        webhookUrl: this.servers.url(f.id),
        webhookSecret: f.secret,
      });
  }

  /** The poacher is a fictional funder the market registers (the demo catalogue's are real names). */
  private async ensurePoacherFunder(): Promise<void> {
    const bodies = poacherFunderBodies(this.poacher.strategy.directRegions);
    for (const [path, body] of bodies) {
      try {
        await this.admin.call('POST', path, body);
      } catch (error) {
        // registered by an earlier run on this data directory: products and contract are there too
        if (isRefusal(error) && error.code === 'funder_exists') return;
        throw error;
      }
    }
  }

  start(): void {
    const interval = Math.max(1, Math.round(this.schedule.dayMs / this.schedule.applicationsPerDay));
    this.arrivalTimer = setInterval(() => this.arrive(), interval);
    this.arrivalTimer.unref();
    this.log(
      `demo market: seed ${this.options.seed}, ${this.schedule.people} people (${this.people.people.filter((p) => p.canary).length} canaries), a market day every ${this.schedule.dayMs} ms, ${this.funders.size} funders on their own servers`,
    );
  }

  handle(): DemoMarket {
    const market = this;
    return {
      seed: this.options.seed,
      analystKey: this.analystKey,
      poacherId: POACHER.id,
      honestFunderIds: [...this.funders.values()].filter((f) => !f.poacher).map((f) => f.id),
      get stats() {
        return market.stats();
      },
      flagged: () => flaggedFunders(this.admin.with(this.analystKey)),
      waitUntilFlagged: (o) => this.waitUntilFlagged(o),
      stop: () => this.stop(),
    };
  }

  // ---- market time ----

  /**
   * The market month, counted in arrivals (monthDays × applicationsPerDay of them), not in real
   * time: a loaded machine slows the service, and a month of real time would then hold too few
   * approvals for the poacher's throttle to ever open (ADR 0105).
   */
  private month(): number {
    return Math.floor(this.next / (this.schedule.monthDays * this.schedule.applicationsPerDay));
  }

  /** Wait `days` market days of real time; resolves early (false) when the market stops. */
  private sleep(days: number): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve(!this.stopping);
      };
      const timer = setTimeout(wake, Math.max(1, Math.round(days * this.schedule.dayMs)));
      this.sleepers.add(wake);
    });
  }

  private arrive(): void {
    if (this.stopping || this.applying >= this.schedule.maxConcurrent) return;
    if (this.inFlight.size >= MAX_LIVE_BORROWERS) return;
    // Once everyone has applied they come back as repeat borrowers (canaries apply once).
    const n = this.people.people.length;
    const round = Math.floor(this.next / n);
    const person = this.people.people[this.next++ % n]!;
    if (round > 0 && person.canary) return;
    this.applying++;
    const flow = this.flow(person, round, () => this.applying--)
      .catch((error: unknown) => {
        if (this.stopping) return;
        // A refusal (4xx) is the service saying no to one borrower's step; anything else is a fault.
        if (isRefusal(error)) this.counts.refused++;
        else this.counts.faults++;
        if (this.counts.refused + this.counts.faults <= MAX_LOGGED_PROBLEMS)
          this.log(
            `demo market: ${person.canary ? 'canary' : 'borrower'} #${person.index}: ${(error as Error).message}`,
          );
      })
      .finally(() => this.inFlight.delete(flow));
    this.inFlight.add(flow);
  }

  // ---- one borrower's way through the platform ----

  /** `decided` is called once the application has its answer (or failed): the slot frees then. */
  private async flow(person: DemoPerson, round: number, decided: () => void): Promise<void> {
    let freed = false;
    const free = () => {
      if (!freed) decided();
      freed = true;
    };
    try {
      await this.applyAndLive(person, round, free);
    } finally {
      free();
    }
  }

  private async applyAndLive(person: DemoPerson, round: number, free: () => void): Promise<void> {
    const random = new SeededRandom(
      (this.options.seed ^ Math.imul(person.index + 1, 0x9e3779b1) ^ Math.imul(round, 0x27d4eb2f)) >>> 0,
    );
    const submitted = await this.app.call('POST', '/v1/applications', applicationBody(person), {
      // this run's, so a restart with the same seed applies afresh instead of replaying old answers
      idempotencyKey: `demo-${this.options.seed}-${this.startedAt}-${round}-${person.index}`,
    });
    this.counts.applications++;
    const application = submitted.body as { id: string; status: string; customerId: string };
    if (application.status !== 'offered') return;
    this.counts.offered++;
    const offers = (await this.app.call('GET', `/v1/applications/${application.id}/offers`)).body
      .offers as Array<{
      funderId: string;
      productId: string;
    }>;
    let choice: Record<string, unknown>;
    let consentTo: string[];
    if (person.canary) {
      const funderId = await this.canaries.place(person, application.customerId);
      const offer = funderId ? offers.find((o) => o.funderId === funderId) : undefined;
      if (!offer) return; // placed nowhere, or its funder made no offer: the canary walks away
      consentTo = [offer.funderId];
      choice = { productId: offer.productId };
    } else {
      consentTo = [...new Set(offers.map((o) => o.funderId))].slice(0, this.schedule.consentFunders);
      choice = { mode: 'auto' };
    }
    for (const funderId of consentTo)
      await this.app.call('POST', `/v1/applications/${application.id}/consents`, { ...CONSENT, funderId });
    await this.app.call('POST', `/v1/applications/${application.id}/choose`, choice);
    const decided = await this.waitForFunders(application.id);
    if (decided?.status !== 'approved' || !decided.funderId) {
      if (decided?.status === 'declined') this.counts.declined++;
      return;
    }
    this.counts.approved++;
    free(); // what follows (calls, confirm, repayments) takes market days, not an applying slot
    const funder = this.funders.get(decided.funderId);
    if (!funder) return;
    await this.afterApproval(person, application.id, funder, random);
  }

  private async waitForFunders(
    applicationId: string,
  ): Promise<{ status: string; funderId: string | null } | null> {
    for (let poll = 0; poll < MAX_WAIT_POLLS; poll++) {
      const current = (await this.app.call('GET', `/v1/applications/${applicationId}`)).body as {
        status: string;
        funderId: string | null;
      };
      if (current.status !== 'consented' && current.status !== 'sent') return current;
      if (!(await this.sleep(0.25))) return null;
    }
    return null;
  }

  /** Approved: verification call, the poacher's interception, then confirm or abandon, then repay. */
  private async afterApproval(
    person: DemoPerson,
    applicationId: string,
    funder: Funder,
    random: SeededRandom,
  ): Promise<void> {
    const verify = random.chance(this.schedule.verificationCallShare);
    const month = this.month();
    const intercept = funder.poacher && this.poacher.targets(person, month, random);
    if (!(await this.sleep(this.schedule.contactAfterDays))) return;
    if (verify) await this.call(funder, person, 'verification', random);
    let poached = false;
    if (intercept) poached = await this.intercept(funder, person, random);
    if (!(await this.sleep(this.schedule.confirmAfterDays))) return;
    if (poached || random.chance(this.schedule.abandonShare)) {
      await this.app.call('POST', `/v1/applications/${applicationId}/abandon`);
      this.counts.abandoned++;
      return;
    }
    const loan = (await this.app.call('POST', `/v1/applications/${applicationId}/confirm`)).body as {
      id: string;
    };
    this.counts.booked++;
    if (random.chance(this.schedule.servicingCallShare)) {
      if (!(await this.sleep(1))) return;
      await this.call(funder, person, 'servicing', random);
    }
    await this.repay(funder, loan.id);
  }

  private async repay(funder: Funder, loanId: string): Promise<void> {
    for (let k = 1; k <= this.schedule.installmentsRepaid; k++) {
      if (!(await this.sleep(this.schedule.repayEveryDays))) return;
      const plan = (await funder.api.call('GET', `/v1/loans/${loanId}/installments`)).body as {
        installments: Array<{ installmentNo: number; remainingFen: number }>;
      };
      const due = plan.installments.find((i) => i.installmentNo === k);
      if (!due || due.remainingFen <= 0) return;
      const body = {
        loanId,
        repaymentId: `demo-${loanId}-${k}`,
        kind: 'installment',
        installmentNo: k,
        amountFen: due.remainingFen,
        paidAt: this.clock.now().toISOString(),
      };
      await funder.api.call('POST', '/v1/funder/repayments', body, {
        signWith: { secret: funder.secret, at: this.clock.now() },
      });
      this.counts.repayments++;
    }
  }

  // ---- calls: honest ones through the relay point, the poacher's interception ----

  /** An honest (in-purpose) call: verification before booking, servicing after. */
  private async call(
    funder: Funder,
    person: DemoPerson,
    category: 'verification' | 'servicing',
    random: SeededRandom,
  ): Promise<void> {
    const summary =
      category === 'verification'
        ? '您好，这里是资方审批中心，核实一下您的借款申请信息'
        : '您好，您的借款已放款，提醒您按期还款';
    // After booking the funder has the real number; before it, only the relay point.
    if (category === 'verification' || random.chance(this.scenario.traces.afterBookingRelayShare))
      await this.contacts.relayCall(funder.id, person, category, summary);
    await this.reportIfCanary(person, category, summary);
    if (category === 'verification') this.counts.verificationCalls++;
    else this.counts.servicingCalls++;
  }

  /** The interception call (截胡) before the borrower confirms. True: the borrower takes its offer. */
  private async intercept(funder: Funder, person: DemoPerson, random: SeededRandom): Promise<boolean> {
    const channel = this.poacher.reach(random);
    if (channel === null) return false;
    const summary =
      '您好，我们是星河消费金融，您的专属额度已提升20%，利率低至年化6%，还送优惠券，直接申请即可';
    if (channel === 'relay') await this.contacts.relayCall(funder.id, person, 'marketing', summary);
    await this.reportIfCanary(person, 'marketing', summary);
    return this.poacher.accepts(person, random);
  }

  private async reportIfCanary(person: DemoPerson, category: string, summary: string): Promise<void> {
    const canaryId = person.canary ? this.canaries.idOf(person) : undefined;
    if (canaryId) await this.contacts.canaryReport(canaryId, person, category, summary);
  }

  // ---- what the funder servers saw ----

  private onDecided(decided: Decided): void {
    this.contacts.noteShown(decided.funderId, decided.message.payload?.fields ?? {});
    if (decided.pending) void this.callBack(decided);
  }

  /** A pending answer: the funder decides later and sends its signed callback. */
  private async callBack(decided: Decided): Promise<void> {
    const funder = this.funders.get(decided.funderId);
    if (!funder || !(await this.sleep(this.schedule.callbackAfterDays))) return;
    const body = decided.approved
      ? { applicationRef: decided.applicationRef, decision: 'approved' }
      : { applicationRef: decided.applicationRef, decision: 'declined', reason: '综合评分不足' };
    try {
      await funder.api.call('POST', '/v1/funder/decisions', body, {
        signWith: { secret: funder.secret, at: this.clock.now() },
      });
    } catch (error) {
      // the platform timed the dispatch out first, or the market is stopping: as for a real funder
      if (!isRefusal(error) && !this.stopping) this.counts.faults++;
    }
  }

  // ---- what the service concluded ----

  private async waitUntilFlagged(
    options: { timeoutMs?: number; pollMs?: number } = {},
  ): Promise<FlaggedFunder> {
    const found = await waitForFlag(this.admin.with(this.analystKey), POACHER.id, this.clock, options);
    if (!found)
      throw new Error(`the poacher was not flagged in time (stats: ${JSON.stringify(this.stats())})`);
    return found;
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      clearInterval(this.arrivalTimer);
      for (const wake of [...this.sleepers]) wake();
      await Promise.allSettled([...this.inFlight]);
      await this.servers?.close();
      this.log(`demo market stopped: ${JSON.stringify(this.stats())}`);
    })();
    return this.stopped;
  }
}

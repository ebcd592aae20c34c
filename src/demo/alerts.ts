// The demo market's handle and what it reports (market.ts builds it): the market's own counts, and
// the service's conclusions read as the dashboard reads them — the alerts and each flagged funder's
// evidence, with the analyst key the demo issued.
import type { Clock } from '../kernel/index.ts';
import type { Api } from './api.ts';
import type { DemoSchedule } from './schedule.ts';

export interface DemoMarketOptions {
  baseUrl: string;
  adminKey: string;
  seed: number;
  schedule?: Partial<DemoSchedule>;
  clock?: Clock;
  /** one line per notable thing (the CLI prints them); default: nothing */
  log?: (line: string) => void;
}

export interface DemoStats {
  applications: number;
  offered: number;
  approved: number;
  declined: number;
  booked: number;
  abandoned: number;
  repayments: number;
  verificationCalls: number;
  servicingCalls: number;
  canariesPlaced: number;
  poacherTargeted: number;
  poacherContacts: number;
  poached: number;
  /** borrower steps the service refused (4xx): logged, the borrower walks away */
  refused: number;
  faults: number;
}

export interface FlaggedFunder {
  funderId: string;
  level: string;
  evidence: number;
}

export interface DemoMarket {
  seed: number;
  /** the analyst key the demo issued for the dashboard */
  analystKey: string;
  /** the funder playing the careful poacher (ground truth: the service must find it by evidence) */
  poacherId: string;
  honestFunderIds: string[];
  stats: DemoStats;
  /** funders above `none` now, as the service's alerts list them */
  flagged(): Promise<FlaggedFunder[]>;
  /** resolves once the poacher is at suspect or confirmed with evidence; rejects after timeoutMs */
  waitUntilFlagged(options?: { timeoutMs?: number; pollMs?: number }): Promise<FlaggedFunder>;
  /** stop arriving, let flows in flight end, close the funder servers; idempotent */
  stop(): Promise<void>;
}
/** Funders above `none` now (the alerts page), with how much evidence each has (first page of it). */
export async function flaggedFunders(analyst: Api): Promise<FlaggedFunder[]> {
  const alerts = (await analyst.call('GET', '/v1/alerts?limit=50')).body.alerts as Array<{
    funderId: string;
    level: string;
  }>;
  const out: FlaggedFunder[] = [];
  for (const alert of alerts) {
    const evidence = (await analyst.call('GET', `/v1/funders/${alert.funderId}/evidence?limit=100`)).body
      .evidence as unknown[];
    out.push({ funderId: alert.funderId, level: alert.level, evidence: evidence.length });
  }
  return out;
}

/** Poll until `funderId` is at suspect or confirmed with evidence; undefined once timeoutMs has passed. */
export async function waitForFlag(
  analyst: Api,
  funderId: string,
  clock: Clock,
  options: { timeoutMs?: number; pollMs?: number },
): Promise<FlaggedFunder | undefined> {
  const deadline = clock.now().getTime() + (options.timeoutMs ?? 300_000);
  for (;;) {
    const found = (await flaggedFunders(analyst)).find((f) => f.funderId === funderId);
    if (found && (found.level === 'suspect' || found.level === 'confirmed') && found.evidence > 0)
      return found;
    if (clock.now().getTime() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1_000));
  }
}

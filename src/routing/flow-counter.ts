// The service's count of each funder's flow (ADR 0073): per month, funder and band, the applications
// it had an otherwise-eligible offer for, counted as they are decided and written in the background.
// Not in the submission's statement: every submission would update the same few funder rows, so no
// two could share a grouped statement (ADR 0034) and all would queue on those rows' locks. Instead
// the counts of the submissions decided while one write runs go in the next write (one statement,
// one row per funder), and decisions in this process see its own counts at once.
//
// Flow is a statistic the budget is a share of, not a ledger fact: a process that dies loses the
// counts not yet written (at most those of one write and its pause), which only makes the budget
// stricter, and a submission that fails after routing still counts (rare), which loosens it by that one application.
import { assert } from '../kernel/index.ts';

/** band → applications */
export type FlowByBand = Record<string, number>;
/** month ('YYYY-MM', UTC+8) → funder → band → applications */
export type FlowDeltas = Map<string, Map<string, FlowByBand>>;

/** Pending counts are kept for at most this many months (a write failing for months is a bug). */
const MAX_PENDING_MONTHS = 3;

function add(into: FlowDeltas, month: string, funderId: string, band: string, count: number): void {
  let funders = into.get(month);
  if (!funders) {
    funders = new Map();
    into.set(month, funders);
  }
  let bands = funders.get(funderId);
  if (!bands) {
    bands = {};
    funders.set(funderId, bands);
  }
  bands[band] = (bands[band] ?? 0) + count;
}

function merge(into: FlowDeltas, from: FlowDeltas): void {
  for (const [month, funders] of from)
    for (const [funderId, bands] of funders)
      for (const band in bands) add(into, month, funderId, band, bands[band]!);
}

/** A scheduling pause (not domain time): it never keeps the process alive on its own. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref?.();
  });
}

export class FlowCounter {
  /** counted, not yet handed to a write */
  private unwritten: FlowDeltas = new Map();
  /** handed to the write now running */
  private inFlight: FlowDeltas | null = null;
  /** written, possibly after the usage rows in use were read: kept until a read starts after them */
  private written: Array<{ seq: number; deltas: FlowDeltas }> = [];
  private seq = 0;
  private writing: Promise<void> | null = null;
  /** flush() is waiting: no pause before the next write */
  private hurry = false;

  constructor(
    /** writes the deltas (store.addFlow in a unit of work's transaction) */
    private readonly write: (deltas: FlowDeltas) => Promise<void>,
    private readonly onError: (error: unknown) => void = () => {},
    /**
     * Wait this long before each write, so the counts of that window share it (default 0: write at
     * once). Under load a write per submission would cost more than the submissions themselves; the
     * service waits 250 ms, so at most four writes a second whatever the load.
     */
    private readonly pauseMs = 0,
  ) {}

  /** One application of `band` decided in `month`, in the flow of each of `funderIds`. */
  count(month: string, band: string, funderIds: readonly string[]): void {
    if (funderIds.length === 0) return;
    for (const funderId of funderIds) add(this.unwritten, month, funderId, band, 1);
    assert(this.unwritten.size <= MAX_PENDING_MONTHS, 'flow counts have not been written for months');
    if (!this.writing) this.writing = this.drain();
  }

  /** Start of a usage read: hand the result to loaded() once the rows are in. */
  readStarted(): number {
    return this.seq;
  }

  /** The rows read (after readStarted() gave `seq`) hold every write finished by then. */
  loaded(seq: number): void {
    this.written = this.written.filter((w) => w.seq > seq);
  }

  /** This process's counts for a funder that rows read now may not hold yet (undefined: none). */
  local(month: string, funderId: string): FlowByBand | undefined {
    let sum: FlowByBand | undefined;
    const sources = [
      this.unwritten,
      ...(this.inFlight ? [this.inFlight] : []),
      ...this.written.map((w) => w.deltas),
    ];
    for (const source of sources) {
      const bands = source.get(month)?.get(funderId);
      if (!bands) continue;
      sum ??= {};
      for (const band in bands) sum[band] = (sum[band] ?? 0) + bands[band]!;
    }
    return sum;
  }

  /** The funders with local counts in `month` (so a state can be made for one without a usage row). */
  funders(month: string): Set<string> {
    const ids = new Set<string>();
    for (const source of [this.unwritten, this.inFlight, ...this.written.map((w) => w.deltas)])
      for (const funderId of source?.get(month)?.keys() ?? []) ids.add(funderId);
    return ids;
  }

  /** Until every count so far is written (or its write failed: it waits for the next count or flush). */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Write what is counted and wait for it (the service's stop). */
  async flush(): Promise<void> {
    this.hurry = true;
    try {
      await this.idle();
      if (this.unwritten.size > 0) {
        this.writing = this.drain();
        await this.idle();
      }
    } finally {
      this.hurry = false;
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.unwritten.size > 0) {
        if (this.pauseMs > 0 && !this.hurry) await pause(this.pauseMs);
        const deltas = this.unwritten;
        this.unwritten = new Map();
        this.inFlight = deltas;
        try {
          await this.write(deltas);
        } catch (error) {
          // Kept for the next write; reported, not thrown: a decision never waits on its flow.
          merge(this.unwritten, deltas);
          this.inFlight = null;
          this.onError(error);
          return;
        }
        this.inFlight = null;
        this.written.push({ seq: ++this.seq, deltas });
      }
    } finally {
      this.writing = null;
    }
  }
}

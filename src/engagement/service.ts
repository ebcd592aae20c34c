// Reminders as use cases: planned in the booking's unit, cancelled in the settling repayment's
// unit, delivered by a worker that takes its time from the Clock and its jobs from pg-boss
// (queue.ts, ADR 0082). The guarantee "never a duplicate after a crash" rests on one row per
// (reminder, channel) in reminder_deliveries, written in the transaction that closes the reminder
// (recording adapter) or before the send (external adapters, with an idempotency key).
import type { Database, Executor } from '../db/client.ts';
import type { UnitOfWork, Units } from '../db/unit-of-work.ts';
import { normalisePhone } from '../identity/phone.ts';
import type { LoanBooked } from '../intake/model.ts';
import { type Clock, assert } from '../kernel/index.ts';
import {
  type ChannelAdapter,
  type ExternalAdapter,
  type ReminderMessage,
  recordingAdapter,
  reminderText,
} from './channels.ts';
import { DomainError } from './errors.ts';
import {
  type InstallmentSettled,
  REMINDER_CHANNELS,
  type ReminderChannel,
  type ReminderSettings,
} from './model.ts';
import { FETCH_MAX, type QueueOptions, ReminderQueue } from './queue.ts';
import { inQuietHours, type PlanOptions, planReminders, reminderTiming } from './reminder-plan.ts';
import * as store from './store.ts';

/** Due reminders one sweep enqueues at most. */
export const SWEEP_MAX = 2_000;
/** Batches one tick works at most before it returns (the next tick goes on). */
export const BATCHES_PER_TICK_MAX = 200;
export const DEFAULT_BATCH = 200;

/** A borrower's mobile number in E.164 (+86…), from identity's vault; undefined when none is on file. */
export type MobileLookup = (customerId: string) => Promise<string | undefined>;

/**
 * The borrower's own mobile, for the SMS adapter only: decrypted at send time, never stored in a
 * delivery row nor logged (the sharing architecture test lists this file as a reviewed reader).
 */
export function mobileFromIdentity(
  identity: { revealContact(executor: Executor, customerId: string): Promise<{ phone: string } | undefined> },
  executor: Executor,
): MobileLookup {
  return async (customerId) => {
    const contact = await identity.revealContact(executor, customerId);
    const phone = contact ? normalisePhone(contact.phone) : null;
    return phone === null ? undefined : `+86${phone}`;
  };
}

export interface ReminderOptions {
  /**
   * One adapter per channel (a function gets the mobile-number lookup, for the HTTP SMS adapter);
   * a channel without one uses the recording adapter.
   */
  adapters?: readonly ChannelAdapter[] | ((mobile: MobileLookup) => readonly ChannelAdapter[]);
  plan?: PlanOptions;
  queue?: QueueOptions;
  /** jobs a worker takes at once; default 200 */
  batchSize?: number;
  /** called after each batch is committed and its jobs completed, with the tick's totals so far (metrics, tests) */
  onBatch?: (sofar: TickResult) => void;
}

export interface ReminderDeps {
  database: Database;
  units: Units;
  clock: Clock;
  /** does the customer exist (identity) */
  customerExists: (executor: Executor, customerId: string) => Promise<boolean>;
  /** the borrower's mobile number (identity); absent: external SMS adapters have no one to send to */
  mobile?: MobileLookup;
}

export interface TickResult {
  enqueued: number;
  /** deliveries written this tick (every channel) */
  delivered: number;
  /** reminders closed this tick, by how */
  closed: Record<'delivered' | 'cancelled' | 'expired' | 'opted-out', number>;
  failed: number;
  /** it was quiet hours: nothing was swept or sent */
  quiet: boolean;
}

/** What one batch's transaction writes and what it sends after. */
interface Batch {
  rows: store.DeliveryRow[];
  toSend: Array<{ adapter: ExternalAdapter; message: ReminderMessage }>;
  close: Record<keyof TickResult['closed'], string[]>;
}

export class ReminderService {
  private readonly adapters = new Map<ReminderChannel, ChannelAdapter>();
  private readonly batchSize: number;
  private queue: Promise<ReminderQueue> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly deps: ReminderDeps,
    private readonly options: ReminderOptions = {},
  ) {
    const mobile: MobileLookup = deps.mobile ?? (async () => undefined);
    const given =
      typeof options.adapters === 'function' ? options.adapters(mobile) : (options.adapters ?? []);
    for (const adapter of given) {
      assert(!this.adapters.has(adapter.channel), 'one adapter per channel');
      this.adapters.set(adapter.channel, adapter);
    }
    for (const channel of REMINDER_CHANNELS)
      if (!this.adapters.has(channel)) this.adapters.set(channel, recordingAdapter(channel));
    this.batchSize = options.batchSize ?? DEFAULT_BATCH;
    assert(this.batchSize >= 1 && this.batchSize <= FETCH_MAX, 'a batch is 1..FETCH_MAX jobs');
  }

  /** loan.booked: every reminder of the loan, in the booking's unit. */
  planLoan(unit: UnitOfWork, event: LoanBooked): void {
    store.addPlan(
      unit,
      planReminders(
        {
          loanId: event.payload.loanId,
          customerId: event.payload.customerId,
          bookedAt: event.at,
          paymentsFen: event.loan.paymentsFen,
        },
        this.options.plan,
      ),
    );
  }

  /** installment.settled: its pending reminders are cancelled, in the repayment's unit. */
  cancelInstallment(unit: UnitOfWork, event: InstallmentSettled): void {
    store.addCancellation(unit, {
      loanId: event.payload.loanId,
      installmentNo: event.payload.installmentNo,
      reason: event.payload.state,
      at: event.at,
    });
  }

  async settings(executor: Executor, customerId: string): Promise<ReminderSettings> {
    if (!(await this.deps.customerExists(executor, customerId)))
      throw new DomainError('reminder_customer_not_found', 'no such customer', 'id');
    const settings = Object.fromEntries(REMINDER_CHANNELS.map((c) => [c, true])) as ReminderSettings;
    for (const row of await store.channelSettings(executor, customerId))
      if ((REMINDER_CHANNELS as readonly string[]).includes(row.channel))
        settings[row.channel as ReminderChannel] = row.enabled;
    return settings;
  }

  /** Turn channels on or off for one borrower; the worker honours it from the commit on. */
  async updateSettings(
    unit: UnitOfWork & { tx: Executor },
    customerId: string,
    changes: Partial<ReminderSettings>,
  ): Promise<ReminderSettings> {
    const current = await this.settings(unit.tx, customerId);
    const now = this.deps.clock.now();
    for (const channel of REMINDER_CHANNELS) {
      const enabled = changes[channel];
      if (enabled === undefined) continue;
      store.addSetting(unit, { customerId, channel, enabled, updatedAt: now });
      current[channel] = enabled;
    }
    return current;
  }

  reminders(executor: Executor, customerId: string, limit = 100): Promise<store.ReminderView[]> {
    return store.remindersOfCustomer(executor, customerId, limit);
  }

  /**
   * Jobs in the reminder queue not yet completed (/metrics: job queue depth); null while this
   * process has not opened the queue (its worker has not ticked yet): a scrape never starts pg-boss.
   */
  async backlogIfOpen(): Promise<number | null> {
    return this.queue ? (await this.queue).backlog() : null;
  }

  private openQueue(): Promise<ReminderQueue> {
    this.queue ??= ReminderQueue.open(this.deps.database, this.options.queue);
    return this.queue;
  }

  /**
   * One round of the worker at the clock's now: enqueue the due reminders, then work the queue
   * until it is empty (or BATCHES_PER_TICK_MAX batches). Nothing at all happens in quiet hours.
   */
  async tick(): Promise<TickResult> {
    const now = this.deps.clock.now();
    const result: TickResult = {
      enqueued: 0,
      delivered: 0,
      closed: { delivered: 0, cancelled: 0, expired: 0, 'opted-out': 0 },
      failed: 0,
      quiet: inQuietHours(now),
    };
    if (result.quiet) return result;
    const queue = await this.openQueue();
    const keys = await store.dueKeys(this.deps.database.db, now, SWEEP_MAX);
    await queue.enqueue(keys);
    result.enqueued = keys.length;
    for (let batch = 0; batch < BATCHES_PER_TICK_MAX; batch++) {
      const jobs = await queue.fetch(this.batchSize);
      if (jobs.length === 0) break;
      const failedKeys = await this.work(
        jobs.map((j) => j.key),
        result,
      );
      await queue.complete(jobs.filter((j) => !failedKeys.has(j.key)).map((j) => j.id));
      const failed = jobs.filter((j) => failedKeys.has(j.key));
      await queue.fail(
        failed.map((j) => j.id),
        'a delivery could not be sent',
      );
      result.failed += failed.length;
      this.options.onBatch?.(result);
    }
    return result;
  }

  /** Deliver a batch of reminders; returns the keys whose external send failed (their jobs are retried). */
  private async work(keys: readonly string[], result: TickResult): Promise<Set<string>> {
    const now = this.deps.clock.now();
    const batch: Batch = {
      rows: [],
      toSend: [],
      close: { delivered: [], cancelled: [], expired: [], 'opted-out': [] },
    };
    await this.deps.database.db.transaction(async (tx) => {
      const pending = await store.lockPending(tx, [...new Set(keys)]);
      if (pending.length === 0) return;
      const prior = new Map<string, store.DeliveryRow[]>();
      for (const d of await store.deliveriesOf(
        tx,
        pending.map((r) => r.key),
      ))
        prior.set(d.reminderKey, [...(prior.get(d.reminderKey) ?? []), d]);
      const optedOut = await store.optOuts(tx, [...new Set(pending.map((r) => r.customerId))]);
      for (const r of pending) this.decide(r, prior.get(r.key), optedOut, now, batch);
      await store.insertDeliveries(tx, batch.rows);
      result.delivered += batch.rows.filter((d) => d.state === 'sent').length;
      for (const state of Object.keys(batch.close) as Array<keyof Batch['close']>) {
        await store.closeReminders(tx, batch.close[state], state, now);
        result.closed[state] += batch.close[state].length;
      }
    });
    return this.sendExternal(batch.toSend, result);
  }

  /** What happens to one locked pending reminder now: added to the batch's rows, sends and closes. */
  private decide(
    r: store.LockedReminder,
    before: store.DeliveryRow[] | undefined,
    optedOut: Set<string>,
    now: Date,
    batch: Batch,
  ): void {
    if (before) {
      // committed before a crash or a failed send: finish what was promised, decide nothing again
      const sending = before.filter((d) => d.state === 'sending');
      for (const d of sending) {
        const adapter = this.adapters.get(d.channel as ReminderChannel);
        assert(adapter?.kind === 'external', 'a sending delivery has an external adapter');
        batch.toSend.push({ adapter, message: d.message as unknown as ReminderMessage });
      }
      if (sending.length === 0) batch.close.delivered.push(r.key);
      return;
    }
    if (r.cancelledBy !== null) return void batch.close.cancelled.push(r.key);
    const timing = reminderTiming(r.sendAt, now);
    if (timing === 'wait') return;
    if (timing === 'stale') return void batch.close.expired.push(r.key);
    const channels = [...this.adapters.values()].filter(
      (a) => !optedOut.has(store.optOutKey(r.customerId, a.channel)),
    );
    if (channels.length === 0) return void batch.close['opted-out'].push(r.key);
    let external = false;
    for (const adapter of channels) {
      const message: ReminderMessage = {
        idempotencyKey: `${r.key}:${adapter.channel}`,
        reminderKey: r.key,
        channel: adapter.channel,
        customerId: r.customerId,
        kind: r.kind,
        installmentNo: r.installmentNo,
        dueOn: r.dueOn,
        amountFen: r.amountFen,
        text: reminderText({ ...r, offsetDays: r.offsetDays as -3 | -1 | 0 | 1 }),
      };
      batch.rows.push({
        reminderKey: r.key,
        channel: adapter.channel,
        customerId: r.customerId,
        adapter: adapter.name,
        state: adapter.kind === 'recording' ? 'sent' : 'sending',
        message: message as unknown as Record<string, unknown>,
        providerMessageId: null,
        error: null,
        attempts: adapter.kind === 'recording' ? 1 : 0,
        createdAt: now,
        updatedAt: now,
      });
      if (adapter.kind === 'external') {
        external = true;
        batch.toSend.push({ adapter, message });
      }
    }
    // recording deliveries close the reminder with them; external ones close it once answered
    if (!external) batch.close.delivered.push(r.key);
  }

  /** After the deliveries are committed as `sending`: send, record the answer, close answered reminders. */
  private async sendExternal(
    toSend: ReadonlyArray<{ adapter: ExternalAdapter; message: ReminderMessage }>,
    result: TickResult,
  ): Promise<Set<string>> {
    const failed = new Set<string>();
    const touched = new Set<string>();
    for (const { adapter, message } of toSend) {
      const key = { reminderKey: message.reminderKey, channel: message.channel };
      try {
        const outcome = await adapter.send(message);
        const at = this.deps.clock.now();
        await store.finishDelivery(this.deps.database.db, key, {
          state: outcome.ok ? 'sent' : 'rejected',
          providerMessageId: outcome.ok ? outcome.providerMessageId : null,
          error: outcome.ok ? null : outcome.error.slice(0, 500),
          attempts: outcome.attempts,
          updatedAt: at,
        });
        if (outcome.ok) result.delivered += 1;
        touched.add(message.reminderKey);
      } catch (error) {
        failed.add(message.reminderKey);
        await store.finishDelivery(this.deps.database.db, key, {
          state: 'sending',
          providerMessageId: null,
          error: (error instanceof Error ? error.message : String(error)).slice(0, 500),
          attempts: 0,
          updatedAt: this.deps.clock.now(),
        });
      }
    }
    const answered = [...touched].filter((k) => !failed.has(k));
    if (answered.length > 0)
      await this.deps.database.db.transaction(async (tx) => {
        const still = new Set(
          (await store.deliveriesOf(tx, answered))
            .filter((d) => d.state === 'sending')
            .map((d) => d.reminderKey),
        );
        const done = answered.filter((k) => !still.has(k));
        await store.closeReminders(tx, done, 'delivered', this.deps.clock.now());
        result.closed.delivered += done.length;
      });
    return failed;
  }

  /** Jobs not yet completed (queued, waiting for a retry, or held by a worker, perhaps a dead one). */
  async queueBacklog(): Promise<number> {
    return (await this.openQueue()).backlog();
  }

  /** Servers: a tick every `intervalMs` (ticks never overlap). */
  start(intervalMs: number, onError: (error: unknown) => void = () => {}): void {
    assert(this.timer === undefined, 'the reminder worker is started once');
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.tick()
        .catch(onError)
        .finally(() => {
          this.running = undefined;
        });
    }, intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    const queue = this.queue;
    this.queue = undefined;
    if (queue) await (await queue).stop();
  }
}

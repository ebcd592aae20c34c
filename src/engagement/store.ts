// Engagement's queries. Every read of a growing table is bounded (STYLE §8); the worker's reads
// are by key, at most one batch of them.
import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import type { UnitOfWork } from '../db/unit-of-work.ts';
import type { PlannedReminder, ReminderChannel, ReminderState } from './model.ts';
import { reminderCancellations, reminderDeliveries, reminderSettings, reminders } from './schema.ts';

export type DeliveryRow = typeof reminderDeliveries.$inferSelect;
/** Reminders one listing returns at most. */
export const REMINDERS_PAGE_MAX = 500;

/** The plan as row intents of the booking's unit (one multi-row INSERT; ADR 0069). */
export function addPlan(unit: UnitOfWork, plan: readonly PlannedReminder[]): void {
  for (const r of plan)
    unit.insert(reminders, {
      key: r.key,
      loanId: r.loanId,
      customerId: r.customerId,
      installmentNo: r.installmentNo,
      offsetDays: r.offsetDays,
      kind: r.kind,
      dueOn: r.dueOn,
      amountFen: r.amountFen,
      sendAt: r.sendAt,
      state: 'pending',
    });
}

/** The installment's reminders are cancelled from this unit's commit on (the first settlement's reason stays). */
export function addCancellation(
  unit: UnitOfWork,
  cancellation: { loanId: string; installmentNo: number; reason: string; at: Date },
): void {
  unit.upsert(reminderCancellations, cancellation, {
    target: ['loanId', 'installmentNo'],
    update: ['loanId'],
  });
}

/** Pending reminders whose time has come, oldest first. */
export async function dueKeys(executor: Executor, now: Date, max: number): Promise<string[]> {
  const rows = await executor
    .select({ key: reminders.key })
    .from(reminders)
    .where(and(eq(reminders.state, 'pending'), lte(reminders.sendAt, now)))
    .orderBy(asc(reminders.sendAt), asc(reminders.key))
    .limit(max);
  return rows.map((r) => r.key);
}

export interface LockedReminder {
  key: string;
  loanId: string;
  customerId: string;
  installmentNo: number;
  offsetDays: number;
  kind: PlannedReminder['kind'];
  dueOn: string;
  amountFen: number;
  sendAt: Date;
  /** the settlement that cancelled it, if any */
  cancelledBy: string | null;
}

/** The still pending reminders among `keys`, locked for this transaction (in key order: no deadlock between workers). */
export async function lockPending(tx: Executor, keys: readonly string[]): Promise<LockedReminder[]> {
  if (keys.length === 0) return [];
  const result = (await tx.execute(sql`
    SELECT r.key, r.loan_id, r.customer_id, r.installment_no, r.offset_days, r.kind, r.due_on::text AS due_on,
           r.amount_fen, r.send_at, c.reason AS cancelled_by
      FROM reminders r
      LEFT JOIN reminder_cancellations c ON c.loan_id = r.loan_id AND c.installment_no = r.installment_no
     WHERE r.key = ANY(${sql.param([...keys])}::text[]) AND r.state = 'pending'
     ORDER BY r.key
       FOR UPDATE OF r`)) as unknown as { rows: Array<Record<string, unknown>> };
  return result.rows.map((row) => ({
    key: String(row.key),
    loanId: String(row.loan_id),
    customerId: String(row.customer_id),
    installmentNo: Number(row.installment_no),
    offsetDays: Number(row.offset_days),
    kind: row.kind as PlannedReminder['kind'],
    dueOn: String(row.due_on),
    amountFen: Number(row.amount_fen),
    sendAt: new Date(row.send_at as string | Date),
    cancelledBy: row.cancelled_by === null ? null : String(row.cancelled_by),
  }));
}

export async function deliveriesOf(tx: Executor, keys: readonly string[]): Promise<DeliveryRow[]> {
  if (keys.length === 0) return [];
  return tx
    .select()
    .from(reminderDeliveries)
    .where(inArray(reminderDeliveries.reminderKey, [...keys]));
}

/** (customer, channel) pairs opted out among these customers. */
export async function optOuts(tx: Executor, customerIds: readonly string[]): Promise<Set<string>> {
  if (customerIds.length === 0) return new Set();
  const rows = await tx
    .select({ customerId: reminderSettings.customerId, channel: reminderSettings.channel })
    .from(reminderSettings)
    .where(and(inArray(reminderSettings.customerId, [...customerIds]), eq(reminderSettings.enabled, false)));
  return new Set(rows.map((r) => `${r.customerId}\u0000${r.channel}`));
}

export const optOutKey = (customerId: string, channel: string) => `${customerId}\u0000${channel}`;

/** Insert deliveries; one already there for (reminder, channel) is kept and not written again. */
export async function insertDeliveries(tx: Executor, rows: DeliveryRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.insert(reminderDeliveries).values(rows).onConflictDoNothing();
}

export async function finishDelivery(
  tx: Executor,
  key: { reminderKey: string; channel: string },
  change: Pick<DeliveryRow, 'state' | 'providerMessageId' | 'error' | 'attempts' | 'updatedAt'>,
): Promise<void> {
  await tx
    .update(reminderDeliveries)
    .set({ ...change, attempts: sql`${reminderDeliveries.attempts} + ${change.attempts}` })
    .where(
      and(eq(reminderDeliveries.reminderKey, key.reminderKey), eq(reminderDeliveries.channel, key.channel)),
    );
}

export async function closeReminders(
  tx: Executor,
  keys: readonly string[],
  state: Exclude<ReminderState, 'pending'>,
  at: Date,
): Promise<void> {
  if (keys.length === 0) return;
  await tx
    .update(reminders)
    .set({ state, closedAt: at })
    .where(and(inArray(reminders.key, [...keys]), eq(reminders.state, 'pending')));
}

export async function channelSettings(
  executor: Executor,
  customerId: string,
): Promise<Array<{ channel: string; enabled: boolean }>> {
  return executor
    .select({ channel: reminderSettings.channel, enabled: reminderSettings.enabled })
    .from(reminderSettings)
    .where(eq(reminderSettings.customerId, customerId))
    .limit(16);
}

export function addSetting(
  unit: UnitOfWork,
  row: { customerId: string; channel: ReminderChannel; enabled: boolean; updatedAt: Date },
): void {
  unit.upsert(reminderSettings, row, { target: ['customerId', 'channel'], update: ['enabled', 'updatedAt'] });
}

export interface ReminderView {
  key: string;
  loanId: string;
  installmentNo: number;
  offsetDays: number;
  kind: string;
  dueOn: string;
  amountFen: number;
  sendAt: Date;
  /** cancelled as soon as the cancellation commits, whether the worker has seen it or not */
  state: ReminderState;
}

/** A customer's reminders, by time (bounded). */
export async function remindersOfCustomer(
  executor: Executor,
  customerId: string,
  limit: number,
): Promise<ReminderView[]> {
  const result = (await executor.execute(sql`
    SELECT r.key, r.loan_id, r.installment_no, r.offset_days, r.kind, r.due_on::text AS due_on, r.amount_fen,
           r.send_at, CASE WHEN r.state = 'pending' AND c.loan_id IS NOT NULL THEN 'cancelled' ELSE r.state END AS state
      FROM reminders r
      LEFT JOIN reminder_cancellations c ON c.loan_id = r.loan_id AND c.installment_no = r.installment_no
     WHERE r.customer_id = ${customerId}
     ORDER BY r.send_at, r.key
     LIMIT ${Math.min(limit, REMINDERS_PAGE_MAX)}`)) as unknown as { rows: Array<Record<string, unknown>> };
  return result.rows.map((row) => ({
    key: String(row.key),
    loanId: String(row.loan_id),
    installmentNo: Number(row.installment_no),
    offsetDays: Number(row.offset_days),
    kind: String(row.kind),
    dueOn: String(row.due_on),
    amountFen: Number(row.amount_fen),
    sendAt: new Date(row.send_at as string | Date),
    state: row.state as ReminderState,
  }));
}

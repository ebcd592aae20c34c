// Engagement's reminder types (issue 15 item 2): what is planned for each installment, on which
// channels it may go, and the events of other modules the reminders react to.
import type { DomainEvent } from '../db/unit-of-work.ts';

/**
 * Days from the installment's due date (T) a reminder is planned for: T−3, T−1, T0 and T+1
 * (overdue). The platform's reminders stop at T+1: later contact about an overdue installment is
 * the funder's collection (催收), which the platform never sends (no offset, no kind for it).
 */
export const REMINDER_OFFSETS_DAYS = [-3, -1, 0, 1] as const;
export type ReminderOffsetDays = (typeof REMINDER_OFFSETS_DAYS)[number];

/** What a reminder says: coming up (T−3, T−1), due today (T0), one day overdue (T+1). Nothing else. */
export const REMINDER_KINDS = ['upcoming', 'due', 'overdue'] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

export function kindOf(offsetDays: ReminderOffsetDays): ReminderKind {
  return offsetDays < 0 ? 'upcoming' : offsetDays === 0 ? 'due' : 'overdue';
}

export const REMINDER_CHANNELS = ['sms', 'push', 'email'] as const;
export type ReminderChannel = (typeof REMINDER_CHANNELS)[number];

/** pending: waits for its time; delivered: sent on every channel not opted out; the rest are final. */
export const REMINDER_STATES = ['pending', 'delivered', 'cancelled', 'expired', 'opted-out'] as const;
export type ReminderState = (typeof REMINDER_STATES)[number];

/** One planned reminder: the pure planner's output, stored as one row. */
export interface PlannedReminder {
  /** deterministic: `${loanId}:${installmentNo}:${offsetDays}`; a second plan of the same loan is the same rows */
  key: string;
  loanId: string;
  customerId: string;
  installmentNo: number;
  offsetDays: ReminderOffsetDays;
  kind: ReminderKind;
  /** the installment's due date, the civil day in Asia/Shanghai, YYYY-MM-DD */
  dueOn: string;
  /** what the installment asks for, from pricing's schedule (0 when the booking did not say) */
  amountFen: number;
  /** when it may go: the reminder day at the send time, moved out of quiet hours */
  sendAt: Date;
}

/** What the planner needs of a booked loan. */
export interface LoanToRemind {
  loanId: string;
  customerId: string;
  bookedAt: Date;
  /** each installment's payment in fen, installment 1 first (its length is the term in months) */
  paymentsFen: readonly number[];
}

/** A borrower's reminder settings: every channel is on unless opted out. */
export type ReminderSettings = Record<ReminderChannel, boolean>;

// The events reminders subscribe to. Repayments (h/repay, issue 15 item 1) raise the two below in
// the unit that records the repayment; this is the contract both sides build against.

/** A repayment was recorded (funder's report). Reminders do not act on it: settlement comes per installment. */
export interface RepaymentRecorded extends DomainEvent {
  readonly topic: 'repayment.recorded';
  readonly payload: {
    loanId: string;
    funderId: string;
    customerId: string;
    repaymentId: string;
    kind: string;
    amountFen: number;
    at: string | Date;
  };
}

/** An installment no longer needs paying (paid in full, closed by early payoff, written off). */
export interface InstallmentSettled extends DomainEvent {
  readonly topic: 'installment.settled';
  readonly payload: {
    loanId: string;
    installmentNo: number;
    state: 'paid' | 'closed' | 'written-off';
    at: string | Date;
  };
}

export type RepaymentEvent = RepaymentRecorded | InstallmentSettled;

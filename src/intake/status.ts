// The application status machine. Each transition is recorded in application_events with its time.
//
//   submitted → offered → consented → sent → approved → confirmed → booked
//                                         ↘ declined (→ sent again: waterfall to the next funder)
//   any state before booked → abandoned (borrower leaves) | expired (approved but never confirmed,
//   or offers left unanswered past the configured time)
export const APPLICATION_STATUSES = [
  'submitted',
  'offered',
  'consented',
  'sent',
  'approved',
  'declined',
  'confirmed',
  'booked',
  'abandoned',
  'expired',
] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

const TRANSITIONS: Record<ApplicationStatus, readonly ApplicationStatus[]> = {
  submitted: ['offered', 'declined', 'abandoned', 'expired'],
  offered: ['consented', 'abandoned', 'expired'],
  consented: ['sent', 'consented', 'abandoned', 'expired'],
  sent: ['approved', 'declined', 'sent', 'abandoned', 'expired'],
  approved: ['confirmed', 'abandoned', 'expired'],
  declined: ['consented', 'sent', 'abandoned', 'expired'],
  confirmed: ['booked'],
  booked: [],
  abandoned: [],
  expired: [],
};

export function canTransition(from: ApplicationStatus, to: ApplicationStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isTerminal(status: ApplicationStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

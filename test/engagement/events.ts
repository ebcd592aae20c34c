// Events the reminders react to, published by the tests themselves in a unit of work: a booking
// (as intake raises it) and a settled installment (as repayments raise it, issue 15 item 1).
import type { Services } from '../../src/services.ts';

export interface TestLoan {
  loanId: string;
  customerId: string;
  bookedAt: Date;
  paymentsFen: number[];
}

export function loanBookedEvent(loan: TestLoan) {
  return {
    topic: 'loan.booked' as const,
    aggregateId: `app-${loan.loanId}`,
    payload: {
      applicationId: `app-${loan.loanId}`,
      customerId: loan.customerId,
      funderId: 'fund-a',
      loanId: loan.loanId,
      amountFen: loan.paymentsFen.reduce((a, b) => a + b, 0),
    },
    at: loan.bookedAt,
    loan: { paymentsFen: loan.paymentsFen },
  };
}

export async function bookLoans(services: Services, loans: readonly TestLoan[]): Promise<void> {
  await services.units.run(async (unit) => {
    for (const loan of loans) unit.publish(loanBookedEvent(loan));
  });
}

export async function settleInstallment(
  services: Services,
  loanId: string,
  installmentNo: number,
  at: Date,
  state: 'paid' | 'closed' | 'written-off' = 'paid',
): Promise<void> {
  await services.units.run(async (unit) => {
    unit.publish({
      topic: 'installment.settled',
      aggregateId: loanId,
      payload: { loanId, installmentNo, state, at: at.toISOString() },
      at,
    });
  });
}

/** Deliveries per (reminder, channel), from the table: the count the guarantees are about. */
export async function deliveryCounts(
  services: Services,
): Promise<{ total: number; distinct: number; byKey: Map<string, number> }> {
  const rows = await services.database.query<{ reminder_key: string; channel: string }>(
    'SELECT reminder_key, channel FROM reminder_deliveries ORDER BY reminder_key, channel LIMIT 1000000',
  );
  const byKey = new Map<string, number>();
  for (const r of rows)
    byKey.set(`${r.reminder_key}|${r.channel}`, (byKey.get(`${r.reminder_key}|${r.channel}`) ?? 0) + 1);
  return { total: rows.length, distinct: byKey.size, byKey };
}

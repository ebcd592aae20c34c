// What routing supplies to intake's booking (src/intake/booking.ts, BookingRouting): the approved
// product's offered terms and the funder's answer, the cap in force, and routing's own accounting
// when a loan is booked or abandoned, each in the booking's transaction.
import type { Clock } from '../kernel/index.ts';
import { assert } from '../kernel/index.ts';
import type { BookingRouting } from '../intake/booking.ts';
import type { Executor } from '../db/client.ts';
import type { CapPolicy } from '../pricing/index.ts';
import { monthOf } from './dispatch.ts';
import { offersOf } from './offers.ts';
import * as store from './store.ts';
import type { RoutingTableCache } from './table-cache.ts';

export function bookingPort(deps: {
  clock: Clock;
  tables: RoutingTableCache;
  capPolicy: (tx: Executor) => Promise<CapPolicy>;
}): BookingRouting {
  return {
    async approvedTerms(tx, application, funderId, productId) {
      const row = await store.getDecision(tx, application.id, true);
      assert(row, 'an approved application has a decision, a funder and a product');
      const offer = offersOf(row).find((o) => o.productId === productId);
      assert(offer, 'the approved product was offered');
      const dispatch = await store.dispatchTo(tx, application.id, funderId);
      const answer = (dispatch?.decision ?? {}) as { amountFen?: number; rateAnnual?: number };
      return { offer, answer };
    },
    capPolicy: (tx) => deps.capPolicy(tx),
    async booked(tx, loan) {
      await store.addUsage(tx, loan.funderId, monthOf(loan.bookedAt), { bookedFen: loan.principalFen });
      deps.tables.usageChanged();
      await store.setLastFunder(tx, loan.customerId, loan.funderId, loan.bookedAt);
      await store.updateDecision(tx, loan.applicationId, { phase: 'booked', updatedAt: loan.bookedAt });
    },
    async abandoned(tx, applicationId) {
      await store.updateDecision(tx, applicationId, {
        phase: 'closed',
        plan: [],
        updatedAt: deps.clock.now(),
      });
    },
  };
}

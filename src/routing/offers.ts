// Offers and explanations of a routed application, read back from its decision row: the ranked
// offers with the borrower's disclosure (schedule figures, annual cost), and the explanation of
// every product as decided (PIPL art. 24), rendered from the stored outcomes and the catalogue
// snapshot the decision was made on.
import type { Executor } from '../db/client.ts';
import { assert } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import { capPolicyOf, disclosure, quote } from '../pricing/index.ts';
import { decodeOutcomes, explainOutcomes } from './decide.ts';
import type { ProductExplanation } from './model.ts';
import { decodeOffers, type StoredOffer } from './offers-codec.ts';
import * as store from './store.ts';
import type { RoutingTableCache } from './table-cache.ts';

/** The offers stored with a decision row. */
export function offersOf(row: Pick<store.DecisionRow, 'offers' | 'features'>): StoredOffer[] {
  return decodeOffers(row.offers, row.features);
}

export class RoutingOffers {
  constructor(private readonly tables: RoutingTableCache) {}

  /** The explanation of every product as decided (PIPL art. 24), rendered from the stored outcomes. */
  async explanations(tx: Executor, row: store.DecisionRow): Promise<ProductExplanation[]> {
    const snapshot = await this.tables.snapshotOf(tx, row.catalogVersion);
    return explainOutcomes(
      snapshot,
      decodeOutcomes(row.outcomes),
      {
        applicant: row.features,
        score: row.score,
        band: row.band,
        capAnnual: capPolicyOf(this.tables.config.pricing).cap.rate,
        sameFunderMarginAnnual: this.tables.config.rotation.sameFunderMarginAnnual,
      },
      offersOf(row),
    );
  }

  async decision(tx: Executor, applicationId: string): Promise<store.DecisionRow> {
    const row = await store.getDecision(tx, applicationId);
    if (!row)
      throw new DomainError('routing_not_found', `application ${applicationId} has not been routed`, 'id');
    return row;
  }

  /** The ranked offers with the borrower's disclosure (schedule figures, annual cost) for each. */
  async offers(tx: Executor, applicationId: string) {
    const row = await this.decision(tx, applicationId);
    const offers = offersOf(row);
    const cap = capPolicyOf(this.tables.config.pricing).cap;
    return offers.map((offer) => {
      const fees = offer.fees;
      const priced = quote({
        principalFen: offer.amountFen,
        termMonths: offer.termMonths,
        rateAnnual: offer.rateAnnual,
        method: offer.method,
        fees,
        cap,
      });
      assert(priced.ok, `offer ${offer.productId} was quoted at routing time`);
      return { ...offer, disclosure: disclosure(priced.value) };
    });
  }
}

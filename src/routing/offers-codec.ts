// The offers stored with a decision, compact. Written at every submission, so their size is the
// submission's largest cost: as full JSON objects in a jsonb column they were ~375 bytes an offer
// and, measured on PostgreSQL, about half the database's CPU per submission (jsonb parsing and
// compression) and a fifth of the API's. Now text, one array per offer, without what the row or
// pricing already fixes:
//   - rank is the position, amount and term are the request's (the decision's `features`),
//   - nominal and effective annual cost follow from the period rate (pricing's aprOf, bit for bit),
//   - fee schedules are listed once and referred to by index (most products share them).
// Rows written before this format (a JSON array of full offer objects) still decode.
import type { FeeLine, RepaymentMethod } from '../catalog/model.ts';
import { assert } from '../kernel/index.ts';
import { aprOf } from '../pricing/index.ts';
import type { Offer } from './model.ts';

/** An offer as stored with its decision: the offered terms, fees included (no pricing totals). */
export type StoredOffer = Omit<Offer, 'totals'> & { fees: readonly FeeLine[] };

/** productId, funderId, rateAnnual, method, apr.periodRate, serviceFeeFen, approvalLikelihood, rankingCostAnnual, fee index */
type OfferTuple = [string, string, number, RepaymentMethod, number, number, number, number, number];

interface Encoded {
  v: 1;
  o: OfferTuple[];
  f: (readonly FeeLine[])[];
}

export function encodeOffers(
  offers: readonly Offer[],
  request: { amountFen: number; termMonths: number },
  feesOf: (productId: string) => readonly FeeLine[],
): string {
  const fees: (readonly FeeLine[])[] = [];
  const feeIndex = new Map<readonly FeeLine[] | '', number>();
  const tuples = offers.map((offer, position): OfferTuple => {
    assert(offer.rank === position + 1, 'offers are stored in rank order');
    assert(
      offer.amountFen === request.amountFen && offer.termMonths === request.termMonths,
      'an offer lends what was asked',
    );
    const apr = aprOf(offer.apr.periodRate);
    assert(
      apr.nominal === offer.apr.nominal && apr.effective === offer.apr.effective,
      'the annual figures follow from the period rate',
    );
    const productFees = feesOf(offer.productId);
    const key = productFees.length === 0 ? '' : productFees;
    let index = feeIndex.get(key);
    if (index === undefined) {
      index = fees.length;
      fees.push(productFees);
      feeIndex.set(key, index);
    }
    return [
      offer.productId,
      offer.funderId,
      offer.rateAnnual,
      offer.method,
      offer.apr.periodRate,
      offer.serviceFeeFen,
      offer.approvalLikelihood,
      offer.rankingCostAnnual,
      index,
    ];
  });
  const encoded: Encoded = { v: 1, o: tuples, f: fees };
  return JSON.stringify(encoded);
}

export function decodeOffers(
  text: string,
  request: { amountFen: number; termMonths: number },
): StoredOffer[] {
  const parsed = JSON.parse(text) as Encoded | StoredOffer[];
  if (Array.isArray(parsed)) return parsed; // the earlier format: full objects
  assert(parsed.v === 1, `unknown stored offers format ${String(parsed.v)}`);
  return parsed.o.map(
    (
      [
        productId,
        funderId,
        rateAnnual,
        method,
        periodRate,
        serviceFeeFen,
        approvalLikelihood,
        rankingCostAnnual,
        fee,
      ],
      position,
    ) => {
      const fees = parsed.f[fee];
      assert(fees, 'every stored offer names a stored fee schedule');
      return {
        rank: position + 1,
        productId,
        funderId,
        amountFen: request.amountFen,
        termMonths: request.termMonths,
        rateAnnual,
        method,
        apr: aprOf(periodRate),
        serviceFeeFen,
        approvalLikelihood,
        rankingCostAnnual,
        fees,
      };
    },
  );
}

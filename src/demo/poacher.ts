// The demo's poacher as a funder of the platform: a fictional consumer-finance company (the demo
// catalogue's funders bear real institutions' names, and none of them is accused of anything here),
// registered by the market through the admin API like any new funder, priced to win good customers.
// The service is never told which funder poaches: it has to find out from the evidence.
import type { SeededRandom } from '../kernel/index.ts';
import type { ContactChannel, CustomerParams, PoacherStrategy } from '../simulation/model.ts';
import type { Population } from '../simulation/population.ts';
import {
  acceptanceProbability,
  directProvinceMask,
  isTargeted,
  reachChannel,
  throttleAllows,
} from '../simulation/strategies.ts';
import type { DemoPerson } from './people.ts';

export const POACHER = { id: 'xinghe-cfc', name: '星河消费金融（虚构）' } as const;

const CONTRACT = {
  serviceFee: { basis: 'disbursed', rate: 0.03 },
  noBackflow: {
    enabled: true,
    penaltyPerCustomerFen: 100_000,
    serviceFeeMultiple: 3,
    terminationThreshold: 20,
  },
  conversionFeeFen: 60_000,
  maxPenaltyRateAnnual: 0.03,
  auditRights: { creditReportCrossCheck: true, canaries: true, relayContacts: true },
};

/** The requests that register it, in order: funder, products, contract (each 409 when it exists). */
export function poacherFunderBodies(licensedRegions: readonly string[]): Array<[string, unknown]> {
  const id = POACHER.id;
  return [
    [
      '/v1/funders',
      {
        id,
        name: POACHER.name,
        type: 'consumer-finance',
        licensedRegions: [...licensedRegions],
        transport: 'via-bureau',
        monthlyQuotaFen: 30_000_000_000,
      },
    ],
    [
      `/v1/funders/${id}/products`,
      {
        id: `${id}-standard`,
        name: `${POACHER.name}·信用贷`,
        minAmountFen: 100_000,
        maxAmountFen: 10_000_000,
        termsMonths: [3, 6, 12, 24, 36],
        rateAnnualMin: 0.079,
        rateAnnualMax: 0.099,
        methods: ['equal-installment', 'equal-principal'],
        ageMin: 20,
        ageMax: 55,
        minScore: 600,
      },
    ],
    [
      `/v1/funders/${id}/products`,
      {
        id: `${id}-premium`,
        name: `${POACHER.name}·优享贷`,
        minAmountFen: 2_000_000,
        maxAmountFen: 20_000_000,
        termsMonths: [12, 24, 36],
        rateAnnualMin: 0.069,
        rateAnnualMax: 0.079,
        methods: ['equal-installment'],
        ageMin: 22,
        ageMax: 55,
        minScore: 680,
      },
    ],
    [`/v1/funders/${id}/contracts`, CONTRACT],
  ];
}

/** Good bands for the poacher: A and B (the routing scorecard's bands from 650 up). */
export const POACHER_MIN_SCORE = 650;

/**
 * The careful poacher's decisions, the simulator's own (src/simulation/strategies.ts): whom it
 * targets (its exclusions and good bands), whether its throttle lets it take one more this market
 * month, how it reaches the person, and whether they take its offer.
 */
export class CarefulPoacher {
  private readonly directMask: Uint8Array | null;
  private readonly month = { month: -1, targeted: 0, poached: 0 };
  readonly totals = { targeted: 0, contacts: 0, poached: 0 };

  constructor(
    readonly strategy: PoacherStrategy,
    private readonly ownDataShare: number,
    private readonly population: Population,
    private readonly customers: CustomerParams,
  ) {
    this.directMask = directProvinceMask(strategy, population.provinces);
  }

  /** Whether it goes for this approval in market month `month`. */
  targets(person: DemoPerson, month: number, random: SeededRandom): boolean {
    if (person.score < POACHER_MIN_SCORE) return false;
    if (!isTargeted(this.strategy, this.population, person.index, this.directMask, random)) return false;
    if (month !== this.month.month) Object.assign(this.month, { month, targeted: 0, poached: 0 });
    this.month.targeted++;
    this.totals.targeted++;
    return (
      throttleAllows(this.strategy, this.month.poached, this.month.targeted) &&
      random.chance(this.strategy.interceptionRate)
    );
  }

  /** How it reaches the person: a number it holds or buys, the relay point, or not at all (null). */
  reach(random: SeededRandom): ContactChannel | null {
    const channel = reachChannel(this.strategy, this.ownDataShare, true, random);
    if (channel !== null) this.totals.contacts++;
    return channel;
  }

  /** Whether the person takes the direct offer (a canary or staff member never does). */
  accepts(person: DemoPerson, random: SeededRandom): boolean {
    if (person.canary || person.staff) return false;
    const { offer } = this.strategy;
    const cut = offer.rateCutPointsMin + (offer.rateCutPointsMax - offer.rateCutPointsMin) * random.next();
    const accepted = random.chance(
      acceptanceProbability(this.customers.interceptionAcceptBase, offer, cut, this.customers),
    );
    if (accepted) {
      this.month.poached++;
      this.totals.poached++;
    }
    return accepted;
  }
}

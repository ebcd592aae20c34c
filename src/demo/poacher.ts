// The demo's poacher as a funder of the platform: a fictional consumer-finance company (the demo
// catalogue's funders bear real institutions' names, and none of them is accused of anything here),
// registered by the market through the admin API like any new funder, priced to win good customers.
// The service is never told which funder poaches: it has to find out from the evidence.

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

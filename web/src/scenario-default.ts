// The scenario the simulations page offers to run: two honest banks and the article's poacher, small
// enough for a server to run in seconds. A test parses it with the simulator's own validator
// (test/dashboard/scenario-default.test.ts): the page once offered `customers.n`, which the service
// refused as an unknown field.
export const DEFAULT_SCENARIO = {
  days: 60,
  customers: { count: 2000 },
  platform: { rotation: true, relayContacts: true, creditReportOnReapply: true },
  funders: [
    { id: 'bank-a', type: 'bank', licensedRegions: ['*'], strategy: { kind: 'honest' } },
    { id: 'bank-b', type: 'bank', licensedRegions: ['*'], strategy: { kind: 'honest' } },
    {
      id: 'cfc-p',
      type: 'consumer-finance',
      licensedRegions: ['*'],
      strategy: {
        kind: 'poacher',
        startDay: 10,
        exclusions: { personnel: false, risk: false, region: false },
        maxMonthlyShare: null,
      },
    },
  ],
};

// Test and benchmark fixtures for settlement: a funder with a contract, loans booked through
// intake's store (as booking writes them), repayments' interest and findings through settlement's
// own recorders. Never used by production code.
import type { ContractTerms } from '../catalog/model.ts';
import { insertLoan } from '../intake/store.ts';
import type { Services } from '../services.ts';

export const TEST_TERMS: ContractTerms = {
  serviceFee: { basis: 'disbursed', rate: 0.02 },
  noBackflow: {
    enabled: true,
    penaltyPerCustomerFen: 500_00,
    serviceFeeMultiple: 3,
    terminationThreshold: 3,
  },
  conversionFeeFen: 800_00,
  maxPenaltyRateAnnual: 0.24,
  auditRights: { creditReportCrossCheck: true, canaries: true, relayContacts: true },
};

export async function seedFunder(
  services: Services,
  funderId: string,
  terms: ContractTerms = TEST_TERMS,
  effectiveFrom = new Date('2026-01-01T00:00:00Z'),
  name = `资方 ${funderId}`,
): Promise<void> {
  await services.units.run(async (unit) => {
    await services.catalog.createFunder(unit, {
      id: funderId,
      name,
      type: 'bank',
      licensedRegions: ['*'],
    });
    await services.catalog.createContract(unit, funderId, terms, effectiveFrom);
  });
}

export async function bookLoan(
  services: Services,
  loan: { id: string; funderId: string; customerId: string; principalFen: number; bookedAt: Date },
): Promise<void> {
  await insertLoan(services.database.db, {
    applicationId: `app-${loan.id}`,
    id: loan.id,
    customerId: loan.customerId,
    funderId: loan.funderId,
    productId: 'prd-test',
    principalFen: loan.principalFen,
    termMonths: 12,
    rateAnnual: 0.12,
    method: 'equal-installment',
    aprNominal: 0.12,
    aprEffective: 0.1268,
    schedule: [],
    totals: {},
    bookedAt: loan.bookedAt,
  });
}

// Random catalogues and applicants for the routing tests, the benchmark and the simulator: seeded,
// so a failing case replays from its seed.
import type { FeeLine, RepaymentMethod } from '../catalog/model.ts';
import { SeededRandom } from '../kernel/index.ts';
import {
  type ApplicantFeatures,
  EMPLOYER_TYPES,
  type FunderState,
  type RoutingFunder,
  type RoutingProduct,
} from './model.ts';

const PROVINCES = ['11', '12', '13', '31', '32', '33', '37', '41', '42', '43', '44', '50', '51', '61'];
const TERMS = [3, 6, 9, 12, 18, 24, 36];
const METHODS: RepaymentMethod[] = ['equal-installment', 'equal-principal', 'interest-first', 'bullet'];

export function randomCatalog(
  seed: number,
  funderCount = 50,
  productsPerFunder = 10,
): { funders: RoutingFunder[]; products: RoutingProduct[] } {
  const random = new SeededRandom(seed);
  const funders: RoutingFunder[] = [];
  const products: RoutingProduct[] = [];
  for (let f = 0; f < funderCount; f++) {
    const id = `funder-${String(f).padStart(3, '0')}`;
    const nationwide = random.chance(0.4);
    const licensedRegions = nationwide
      ? ['*']
      : [random.pick(PROVINCES), ...(random.chance(0.5) ? [random.pick(PROVINCES)] : [])];
    funders.push({
      id,
      status: random.chance(0.05) ? 'suspended' : 'active',
      licensedRegions: [...new Set(licensedRegions)],
      monthlyQuotaFen: random.chance(0.2) ? null : random.int(1, 50) * 100_000_000,
      serviceFee: { basis: random.chance(0.7) ? 'disbursed' : 'interest', rate: random.int(1, 60) / 1000 },
    });
    const rateBase = random.int(60, 200) / 1000;
    for (let p = 0; p < productsPerFunder; p++) {
      const minAmountFen = random.int(1, 50) * 100_000;
      const terms = TERMS.filter(() => random.chance(0.5));
      const rateMin = Math.min(0.22, rateBase + random.int(-10, 30) / 1000);
      const fees: FeeLine[] = [];
      if (random.chance(0.3))
        fees.push({ kind: 'monthly-rate', rate: random.int(1, 15) / 10_000, label: '账户管理费' });
      if (random.chance(0.15))
        fees.push({ kind: 'upfront', amountFen: random.int(1, 50) * 1_000, label: '服务费' });
      const ageMin = random.int(18, 25);
      products.push({
        id: `${id}-p${p}`,
        funderId: id,
        status: random.chance(0.03) ? 'retired' : 'active',
        minAmountFen,
        maxAmountFen: minAmountFen + random.int(1, 150) * 100_000,
        termsMonths: terms.length > 0 ? terms : [12],
        rateAnnualMin: rateMin,
        rateAnnualMax: Math.min(0.3, rateMin + random.int(0, 60) / 1000),
        methods: [random.pick(METHODS), ...(random.chance(0.5) ? [random.pick(METHODS)] : [])].filter(
          (m, i, all) => all.indexOf(m) === i,
        ),
        fees,
        ageMin,
        ageMax: random.int(45, 60),
        minScore: random.int(40, 80) * 10,
      });
    }
  }
  return { funders, products };
}

export function randomApplicant(random: SeededRandom, withScore = random.chance(0.5)): ApplicantFeatures {
  return {
    ageYears: random.int(18, 65),
    regionCode: `${random.pick(PROVINCES)}0${random.int(1, 9)}0${random.int(1, 9)}`,
    amountFen: random.int(1, 200) * 100_000,
    termMonths: random.pick(TERMS),
    monthlyIncomeFen: random.int(0, 60) * 100_000,
    employerType: random.pick(EMPLOYER_TYPES),
    score: withScore ? random.int(300, 1000) : undefined,
  };
}

export function randomFunderStates(
  random: SeededRandom,
  funders: readonly RoutingFunder[],
): Map<string, FunderState> {
  const states = new Map<string, FunderState>();
  for (const funder of funders) {
    if (random.chance(0.3)) continue;
    states.set(funder.id, {
      monthlyUsedFen:
        funder.monthlyQuotaFen === null ? 0 : Math.floor(random.next() * funder.monthlyQuotaFen * 1.05),
      exposureUsedByBand: { A: random.int(0, 2100), B: random.int(0, 5100), C: random.int(0, 3000) },
      // Flow near twice what was shared, so the share budgets (ADR 0073) bind about half the time;
      // sometimes absent (a caller that does not count flow).
      flowByBand: random.chance(0.8)
        ? { A: random.int(0, 4200), B: random.int(0, 7300), C: random.int(0, 4000) }
        : undefined,
      trust: random.chance(0.6) ? 1 : random.chance(0.2) ? 0 : random.next(),
      approvalRate: random.chance(0.5) ? random.next() : undefined,
    });
  }
  return states;
}

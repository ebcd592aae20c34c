// The borrower population as struct-of-arrays (typed arrays, one slot per customer), so a million
// customers cost a few tens of megabytes and the market loop never allocates per customer.
// Canaries are drawn from the same distributions, conditioned to pass every exclusion a poacher
// applies, so nothing a funder can see tells them apart from a clean real applicant.
import { countyCodes } from '../identity/regions.ts';
import { assert, type SeededRandom } from '../kernel/index.ts';
import type { EmployerType } from '../routing/model.ts';
import type { CustomerParams } from './model.ts';

/**
 * Resident population by province, millions, from the 7th national population census (2020),
 * NBS communiqué No. 3 (第七次全国人口普查公报（第三号）), rounded to 0.01 million. Used only as
 * relative weights for where applicants live.
 */
export const CENSUS_2020_POPULATION_BY_PROVINCE: Readonly<Record<string, number>> = {
  '11': 21.89,
  '12': 13.87,
  '13': 74.61,
  '14': 34.92,
  '15': 24.05,
  '21': 42.59,
  '22': 24.07,
  '23': 31.85,
  '31': 24.87,
  '32': 84.75,
  '33': 64.57,
  '34': 61.03,
  '35': 41.54,
  '36': 45.19,
  '37': 101.53,
  '41': 99.37,
  '42': 57.75,
  '43': 66.45,
  '44': 126.01,
  '45': 50.13,
  '46': 10.08,
  '50': 32.05,
  '51': 83.67,
  '52': 38.56,
  '53': 47.21,
  '54': 3.65,
  '61': 39.53,
  '62': 25.02,
  '63': 5.92,
  '64': 7.2,
  '65': 25.85,
};

/**
 * Employer type shares (what routing's scorecard reads). Illustrative defaults [unverified]: the
 * simulator supplies the platform's score, so these only matter to a routing config that uses them.
 */
export const EMPLOYER_TYPE_SHARES: ReadonlyArray<readonly [EmployerType, number]> = [
  ['government', 0.08],
  ['state-owned', 0.12],
  ['private', 0.6],
  ['self-employed', 0.15],
  ['unknown', 0.05],
];

export const EMPLOYER_ORDINARY = 0;
export const EMPLOYER_PLATFORM = 1;
export const EMPLOYER_PARTNER = 2;

export const FLAG_MULTI_LENDER = 1;
export const FLAG_OVERDUE = 2;
export const FLAG_HIGH_DEBT = 4;
export const FLAG_CANARY = 8;
export const RISK_FLAGS = FLAG_MULTI_LENDER | FLAG_OVERDUE | FLAG_HIGH_DEBT;

export const SCORE_FLOOR = 300;
export const SCORE_CEILING = 950;

export interface Population {
  count: number;
  canaryCount: number;
  /** province prefixes and county codes referenced by index */
  provinces: string[];
  counties: string[];
  score: Int16Array;
  county: Uint16Array;
  /** ID card province (index into provinces) */
  province: Uint8Array;
  /** the phone number's home province */
  phoneProvince: Uint8Array;
  ageAtStart: Uint8Array;
  /** days from day 0 to the next birthday, 0..364 */
  birthdayOffset: Uint16Array;
  employer: Uint8Array;
  employerType: Uint8Array;
  monthlyIncomeFen: Int32Array;
  flags: Uint8Array;
  arrivalDay: Int32Array;
}

export const EMPLOYER_TYPES_BY_INDEX: EmployerType[] = EMPLOYER_TYPE_SHARES.map(([type]) => type);

/** Age in whole years on a day of the run. */
export function ageOn(population: Population, customer: number, day: number): number {
  const offset = population.birthdayOffset[customer]!;
  const birthdays = day < offset ? 0 : 1 + Math.floor((day - offset) / 365);
  return population.ageAtStart[customer]! + birthdays;
}

/** Standard normal draw (Box–Muller; one value per call keeps the stream simple to replay). */
export function normal(random: SeededRandom): number {
  let u = random.next();
  while (u === 0) u = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}

/** Cumulative weights for a weighted pick by binary search. */
export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let total = 0;
  weights.forEach((w, i) => {
    total += w;
    out[i] = total;
  });
  assert(total > 0, 'weights must not all be zero');
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / total;
  return out;
}

export function pickWeighted(cdf: Float64Array, random: SeededRandom): number {
  const u = random.next();
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (u < cdf[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function generatePopulation(
  params: CustomerParams,
  canaryCount: number,
  days: number,
  random: SeededRandom,
): Population {
  const n = params.count;
  const provinces = Object.keys(params.regionWeights).sort();
  const provinceCdf = cumulative(provinces.map((p) => params.regionWeights[p]!));
  const counties: string[] = [];
  const countyStart: number[] = [];
  const countyCount: number[] = [];
  for (const p of provinces) {
    const list = countyCodes(p);
    assert(list.length > 0, `no counties for province ${p}`);
    countyStart.push(counties.length);
    countyCount.push(list.length);
    counties.push(...list);
  }
  assert(counties.length < 65_536, 'county index must fit 16 bits');
  const employerCdf = cumulative(EMPLOYER_TYPE_SHARES.map(([, share]) => share));
  const population: Population = {
    count: n,
    canaryCount: 0,
    provinces,
    counties,
    score: new Int16Array(n),
    county: new Uint16Array(n),
    province: new Uint8Array(n),
    phoneProvince: new Uint8Array(n),
    ageAtStart: new Uint8Array(n),
    birthdayOffset: new Uint16Array(n),
    employer: new Uint8Array(n),
    employerType: new Uint8Array(n),
    monthlyIncomeFen: new Int32Array(n),
    flags: new Uint8Array(n),
    arrivalDay: new Int32Array(n),
  };
  // Selection sampling (Knuth, TAOCP vol. 2, algorithm S): exactly canaryCount canaries (what the
  // program's budget buys, economics.ts), spread at random.
  let canariesLeft = Math.min(n, canaryCount);
  const logMedian = Math.log(params.incomeMedianFen);
  for (let i = 0; i < n; i++) {
    // Every draw is made whether or not the customer is a canary, so a run without canaries (the
    // no-defence baseline) has the same people, with canaries replaced by ordinary customers.
    const canary = random.next() * (n - i) < canariesLeft;
    if (canary) canariesLeft--;
    const province = pickWeighted(provinceCdf, random);
    population.province[i] = province;
    population.county[i] = countyStart[province]! + Math.floor(random.next() * countyCount[province]!);
    const migrant = random.chance(params.migrantShare) && !canary;
    const elsewhere = pickWeighted(provinceCdf, random);
    population.phoneProvince[i] = migrant ? elsewhere : province;
    let score = Math.round(params.scoreMean + params.scoreSd * normal(random));
    // Canaries are planted to be approvable: their score comes from the upper half of the same distribution.
    if (canary && score < params.scoreMean) score = Math.round(2 * params.scoreMean - score);
    population.score[i] = Math.max(SCORE_FLOOR, Math.min(SCORE_CEILING, score));
    population.ageAtStart[i] = random.int(params.ageMin, params.ageMax);
    population.birthdayOffset[i] = random.int(0, 364);
    const roll = random.next();
    population.employer[i] = canary
      ? EMPLOYER_ORDINARY
      : roll < params.platformEmployeeShare
        ? EMPLOYER_PLATFORM
        : roll < params.platformEmployeeShare + params.partnerEmployeeShare
          ? EMPLOYER_PARTNER
          : EMPLOYER_ORDINARY;
    population.employerType[i] = pickWeighted(employerCdf, random);
    population.monthlyIncomeFen[i] = Math.min(
      2_000_000_000,
      Math.round(Math.exp(logMedian + params.incomeSigma * normal(random))),
    );
    let flags = 0;
    if (random.chance(params.multiLenderShare)) flags |= FLAG_MULTI_LENDER;
    if (random.chance(params.overdueShare)) flags |= FLAG_OVERDUE;
    if (random.chance(params.highDebtShare)) flags |= FLAG_HIGH_DEBT;
    population.flags[i] = canary ? FLAG_CANARY : flags;
    population.arrivalDay[i] = Math.floor(random.next() * days);
    if (canary) population.canaryCount++;
  }
  return population;
}

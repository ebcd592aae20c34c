// The demo market's people: the simulator's borrower population (src/simulation/population.ts, the
// same distributions and the same canary conditioning) turned into applicants the live API accepts —
// a name, a GB 11643 ID number in the person's county, a mainland mobile, an employer as typed. The
// arrays stay the market's ground truth (who is staff, who is a canary, the credit score a funder's
// own bureau pull would find); nothing of it reaches the service except what an applicant submits.
import { checkCharacter } from '../identity/id-number.ts';
import { assert, type SeededRandom } from '../kernel/index.ts';
import type { CustomerParams } from '../simulation/model.ts';
import {
  EMPLOYER_PARTNER,
  EMPLOYER_PLATFORM,
  FLAG_CANARY,
  generatePopulation,
  type Population,
  pickWeighted,
  cumulative,
} from '../simulation/population.ts';

/** One applicant as the market knows them (truth) and as they apply (the body fields). */
export interface DemoPerson {
  index: number;
  name: string;
  idNumber: string;
  phone: string;
  employer: string;
  monthlyIncomeFen: number;
  amountFen: number;
  termMonths: number;
  score: number;
  canary: boolean;
  staff: boolean;
}

export interface DemoPeople {
  population: Population;
  people: DemoPerson[];
  /** the market's funders' "bureau": a person by ID number (what a funder's own credit check finds) */
  byIdNumber: Map<string, DemoPerson>;
}

const SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕'.split('');
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛'];
const GIVEN_2 = ['明', '超', '秀英', '霞', '平', '刚', '桂英', '建华', '晓东', '婷', '雪', '浩然', '子涵'];
const MOBILE_PREFIXES = [
  '135',
  '136',
  '137',
  '138',
  '139',
  '150',
  '151',
  '152',
  '158',
  '159',
  '186',
  '187',
  '188',
];
/** What ordinary applicants type as their employer (routing's scorecard reads the words). */
const ORDINARY_EMPLOYERS = [
  '某某科技有限公司',
  '华润万家超市',
  '市第一人民医院',
  '顺丰速运有限公司',
  '个体经营',
  '中铁建工集团',
  '县教育局',
  '美团配送站',
  '某某制造股份有限公司',
];
/** The platform's own staff and a partner bank's staff (the careful poacher's personnel exclusion). */
export const PLATFORM_EMPLOYER = '守家科技有限公司';
export const PARTNER_EMPLOYER = '合作银行股份有限公司';

/** Loan requests in ¥1,000 steps, inside every demo product's range. */
const AMOUNT_STEP_FEN = 100_000;
const AMOUNT_MIN_FEN = 200_000;
const AMOUNT_MAX_FEN = 10_000_000;

/**
 * `count` people, `canaryCount` of them canaries, for a market that runs `days` market days in the
 * calendar year `year` (ID numbers carry a birth date that makes the person their drawn age).
 */
export function demoPeople(
  params: CustomerParams,
  count: number,
  canaryCount: number,
  days: number,
  year: number,
  random: SeededRandom,
): DemoPeople {
  assert(count > 0 && canaryCount <= count, 'the demo needs people, canaries among them');
  const population = generatePopulation({ ...params, count }, canaryCount, days, random.fork());
  const terms = Object.keys(params.termWeights).map(Number);
  const termCdf = cumulative(terms.map((t) => params.termWeights[String(t)]!));
  const people: DemoPerson[] = [];
  const byIdNumber = new Map<string, DemoPerson>();
  const phones = new Set<string>();
  for (let i = 0; i < count; i++) {
    const employerKind = population.employer[i]!;
    let idNumber: string;
    do {
      const birth = `${year - population.ageAtStart[i]! - 1}${pad(random.int(1, 12))}${pad(random.int(1, 28))}`;
      const first17 = `${population.counties[population.county[i]!]}${birth}${String(random.int(0, 999)).padStart(3, '0')}`;
      idNumber = first17 + checkCharacter(first17);
    } while (byIdNumber.has(idNumber));
    let phone: string;
    do phone = `${random.pick(MOBILE_PREFIXES)}${String(random.int(0, 99_999_999)).padStart(8, '0')}`;
    while (phones.has(phone));
    phones.add(phone);
    const income = population.monthlyIncomeFen[i]!;
    const multiple =
      params.amountIncomeMultipleMin +
      (params.amountIncomeMultipleMax - params.amountIncomeMultipleMin) * random.next();
    const amountFen = Math.min(
      AMOUNT_MAX_FEN,
      Math.max(AMOUNT_MIN_FEN, Math.round((income * multiple) / AMOUNT_STEP_FEN) * AMOUNT_STEP_FEN),
    );
    const person: DemoPerson = {
      index: i,
      name: random.pick(SURNAMES) + random.pick(GIVEN) + (random.chance(0.5) ? random.pick(GIVEN_2) : ''),
      idNumber,
      phone,
      employer:
        employerKind === EMPLOYER_PLATFORM
          ? PLATFORM_EMPLOYER
          : employerKind === EMPLOYER_PARTNER
            ? PARTNER_EMPLOYER
            : random.pick(ORDINARY_EMPLOYERS),
      monthlyIncomeFen: Math.max(100_000, income),
      amountFen,
      termMonths: terms[pickWeighted(termCdf, random)]!,
      score: population.score[i]!,
      canary: (population.flags[i]! & FLAG_CANARY) !== 0,
      staff: employerKind === EMPLOYER_PLATFORM || employerKind === EMPLOYER_PARTNER,
    };
    people.push(person);
    byIdNumber.set(idNumber, person);
  }
  return { population, people, byIdNumber };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The body of POST /v1/applications for a person (the platform's app sends the score it computed). */
export function applicationBody(person: DemoPerson) {
  return {
    applicant: {
      name: person.name,
      idNumber: person.idNumber,
      phone: person.phone,
      employer: person.employer,
      monthlyIncomeFen: person.monthlyIncomeFen,
    },
    request: { amountFen: person.amountFen, termMonths: person.termMonths, purpose: '消费' },
    channel: 'demo-app',
    score: Math.min(1000, Math.max(0, person.score)),
  };
}

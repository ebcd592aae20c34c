// Scenario loading: JSON Schema validation (docs/scenario.schema.json, ajv with allErrors so every
// problem is listed at once, each by its JSON path), then the checks a schema cannot express, then
// normalisation into a Scenario with every default filled in.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { RepaymentMethod } from '../catalog/model.ts';
import { lookupRegion } from '../identity/regions.ts';
import { type Result, SeededRandom, err, ok } from '../kernel/index.ts';
import { seedOf } from '../routing/index.ts';
import {
  BANDS,
  type Band,
  type ContactSource,
  type CustomerParams,
  type FunderDefaults,
  type PlatformParams,
  type PoacherStrategy,
  type Scenario,
  type SimFunder,
  type SimFunderType,
  type SimProduct,
  type Strategy,
  type TraceParams,
} from './model.ts';
import { CENSUS_2020_POPULATION_BY_PROVINCE } from './population.ts';

export const SCENARIO_SCHEMA_PATH = fileURLToPath(
  new URL('../../docs/scenario.schema.json', import.meta.url),
);

export interface ScenarioProblem {
  /** JSONPath of the offending value, e.g. $.funders[1].strategy.interceptionRate */
  path: string;
  message: string;
}

let compiled: ValidateFunction | null = null;
function validator(): ValidateFunction {
  if (compiled) return compiled;
  const schema = JSON.parse(readFileSync(SCENARIO_SCHEMA_PATH, 'utf8')) as object;
  const ajv = new Ajv2020({ allErrors: true, useDefaults: true, discriminator: true, strict: true });
  compiled = ajv.compile(schema);
  return compiled;
}

/** RFC 6901 pointer → JSONPath ($.a[0].b), the form users read in error lists. */
export function pointerToPath(pointer: string): string {
  if (pointer === '') return '$';
  let path = '$';
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(token)
      ? `[${token}]`
      : /^[A-Za-z_$][\w$]*$/.test(token)
        ? `.${token}`
        : `[${JSON.stringify(token)}]`;
  }
  return path;
}

function describeAjvError(error: ErrorObject): ScenarioProblem {
  const params = error.params as Record<string, unknown>;
  let pointer = error.instancePath;
  let message = error.message ?? error.keyword;
  if (error.keyword === 'additionalProperties') {
    pointer += `/${String(params.additionalProperty)}`;
    message = 'unknown field';
  } else if (error.keyword === 'required') {
    pointer += `/${String(params.missingProperty)}`;
    message = 'required field is missing';
  } else if (error.keyword === 'enum') {
    message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  } else if (error.keyword === 'discriminator') {
    pointer += '/kind';
    message = `unknown strategy ${JSON.stringify(params.tagValue)}`;
  }
  return { path: pointerToPath(pointer), message };
}

/** Validate and normalise raw scenario JSON. `seedOverride` is the command line's --seed. */
export function parseScenario(input: unknown, seedOverride?: number): Result<Scenario, 'scenario_invalid'> {
  // ajv fills defaults in place: work on a copy so the caller's object is untouched.
  const data = structuredClone(input) as Record<string, unknown>;
  const validate = validator();
  const problems: ScenarioProblem[] = [];
  if (!validate(data)) {
    const seen = new Set<string>();
    for (const error of validate.errors ?? []) {
      // A discriminator failure also fails the enum on kind; and oneOf reports its own summary after
      // the branch errors. Keep the specific messages only.
      if (error.keyword === 'oneOf') continue;
      const problem = describeAjvError(error);
      const key = `${problem.path}\u0000${problem.message}`;
      if (error.keyword === 'enum' && error.instancePath.endsWith('/strategy/kind')) continue;
      if (!seen.has(key)) {
        seen.add(key);
        problems.push(problem);
      }
    }
    return invalid(problems);
  }
  problems.push(...semanticProblems(data as unknown as RawScenario));
  if (problems.length > 0) return invalid(problems);
  return ok(normalise(data as unknown as RawScenario, seedOverride));
}

function invalid(problems: ScenarioProblem[]) {
  return err(
    'scenario_invalid',
    `scenario is invalid: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
    problems[0]?.path,
    { problems },
  );
}

// The shape after schema validation with defaults applied (optional = no schema default: the
// normaliser fills it, by a draw for the funder fields).
interface RawFunder {
  id: string;
  type: SimFunderType;
  institutionName?: string;
  licensedRegions?: string[];
  rateBase?: number;
  minScore?: number;
  monthlyQuotaFen: number | null;
  serviceFeeRate?: number;
  approval?: Partial<Record<Band, number>>;
  decisionDays?: number;
  ownDataShare?: number;
  products?: SimProduct[];
  strategy:
    | { kind: 'honest' }
    | (Omit<PoacherStrategy, 'contactSources' | 'directRegions'> & {
        contactSources?: ContactSource[];
        directRegions?: string[];
      });
}

interface RawScenario {
  seed: number;
  days: number;
  startDate: string;
  customers: Omit<CustomerParams, 'regionWeights'> & { regionWeights?: Record<string, number> };
  traces: TraceParams;
  platform: PlatformParams;
  funderDefaults: FunderDefaults;
  funders: RawFunder[];
}

function semanticProblems(raw: RawScenario): ScenarioProblem[] {
  const problems: ScenarioProblem[] = [];
  const at = (path: string, message: string) => problems.push({ path, message });
  const date = new Date(`${raw.startDate}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== raw.startDate)
    at('$.startDate', 'not a real date');
  const c = raw.customers;
  if (c.ageMin > c.ageMax) at('$.customers.ageMin', 'must not exceed ageMax');
  if (c.amountIncomeMultipleMin > c.amountIncomeMultipleMax)
    at('$.customers.amountIncomeMultipleMin', 'must not exceed amountIncomeMultipleMax');
  if (Object.values(c.termWeights).reduce((a, b) => a + b, 0) <= 0)
    at('$.customers.termWeights', 'weights must not all be zero');
  if (c.regionWeights) {
    for (const prefix of Object.keys(c.regionWeights)) {
      if (!(prefix in CENSUS_2020_POPULATION_BY_PROVINCE))
        at(`$.customers.regionWeights["${prefix}"]`, 'not a mainland province prefix');
    }
    if (Object.values(c.regionWeights).reduce((a, b) => a + b, 0) <= 0)
      at('$.customers.regionWeights', 'weights must not all be zero');
  }
  const d = raw.funderDefaults;
  for (const type of FUNDER_TYPES) {
    const key = type === 'bank' || type === 'other' ? `.${type}` : `["${type}"]`;
    if (d.rateBaseRangeByType[type][0] > d.rateBaseRangeByType[type][1])
      at(`$.funderDefaults.rateBaseRangeByType${key}[0]`, 'must not exceed the maximum ([1])');
    if (d.decisionDaysRangeByType[type][0] > d.decisionDaysRangeByType[type][1])
      at(`$.funderDefaults.decisionDaysRangeByType${key}[0]`, 'must not exceed the maximum ([1])');
  }
  const funderIds = new Map<string, number>();
  const productIds = new Map<string, string>();
  raw.funders.forEach((f, i) => {
    const base = `$.funders[${i}]`;
    if (funderIds.has(f.id)) at(`${base}.id`, `duplicate funder id (also $.funders[${funderIds.get(f.id)}])`);
    else funderIds.set(f.id, i);
    if (f.licensedRegions) checkPrefixes(f.licensedRegions, `${base}.licensedRegions`, at);
    f.products?.forEach((p, j) => {
      const pp = `${base}.products[${j}]`;
      if (p.minAmountFen > p.maxAmountFen) at(`${pp}.minAmountFen`, 'must not exceed maxAmountFen');
      if (p.rateAnnualMin > p.rateAnnualMax) at(`${pp}.rateAnnualMin`, 'must not exceed rateAnnualMax');
      if (p.ageMin > p.ageMax) at(`${pp}.ageMin`, 'must not exceed ageMax');
      const owner = productIds.get(p.id);
      if (owner !== undefined) at(`${pp}.id`, `duplicate product id (also in ${owner})`);
      else productIds.set(p.id, base);
    });
    const s = f.strategy;
    if (s.kind === 'poacher') {
      if (s.startDay >= raw.days)
        at(`${base}.strategy.startDay`, `must be before the last day (${raw.days - 1})`);
      if (s.offer.rateCutPointsMin > s.offer.rateCutPointsMax)
        at(`${base}.strategy.offer.rateCutPointsMin`, 'must not exceed rateCutPointsMax');
      if (s.directRegions) checkPrefixes(s.directRegions, `${base}.strategy.directRegions`, at);
      // The schema's uniqueItems already says so; kept here so the rule holds if the schema loosens.
      if (s.contactSources && new Set(s.contactSources).size !== s.contactSources.length)
        at(`${base}.strategy.contactSources`, 'must not repeat a source');
    }
  });
  return problems;
}

function checkPrefixes(prefixes: string[], path: string, at: (path: string, message: string) => void): void {
  prefixes.forEach((prefix, k) => {
    if (prefix === '*') {
      if (prefixes.length > 1) at(`${path}[${k}]`, '"*" (everywhere) must stand alone');
      return;
    }
    if (lookupRegion(prefix.padEnd(6, '0')) === null)
      at(`${path}[${k}]`, `not a GB/T 2260 division-code prefix: ${prefix}`);
  });
}

export const DEFAULT_MIN_SCORE = 580;
const FUNDER_TYPES: readonly SimFunderType[] = ['bank', 'consumer-finance', 'other'];

/** The legal-form suffix of a funder's default institution name (机构名称 on a credit report). */
export const INSTITUTION_SUFFIX_BY_TYPE: Readonly<Record<SimFunderType, string>> = {
  bank: '银行股份有限公司',
  'consumer-finance': '消费金融有限公司',
  other: '小额贷款有限公司',
};

/**
 * The stream a funder's omitted fields are drawn from: seeded by the scenario seed (after --seed)
 * and the funder's id only, so a funder's draws do not move when funders are added, removed or
 * reordered, when another of its fields is set, or when the market's own streams change (the
 * market seeds its streams with the bare seed; this one is salted with the id's FNV-1a hash).
 */
export function funderDrawStream(seed: number, funderId: string): SeededRandom {
  return new SeededRandom((seed ^ seedOf(`funder-defaults/${funderId}`)) >>> 0);
}

/** What a funder's omitted fields become: every value is drawn, in a fixed order, whether used or not. */
export function drawFunderFields(
  defaults: FunderDefaults,
  type: SimFunderType,
  random: SeededRandom,
): { approval: Record<Band, number>; rateBase: number; decisionDays: number; licensedRegions: string[] } {
  const approval = {} as Record<Band, number>;
  for (const band of BANDS) {
    const factor = 1 - defaults.approvalJitter + 2 * defaults.approvalJitter * random.next();
    approval[band] = clamp01(Math.round(defaults.approvalByType[type][band] * factor * 10_000) / 10_000);
  }
  const [rateMin, rateMax] = defaults.rateBaseRangeByType[type];
  // Half-point grid: funders price on round figures, and funders that share a rate share its quotes.
  const rateBase = Math.round((rateMin + (rateMax - rateMin) * random.next()) * 200) / 200;
  const [daysMin, daysMax] = defaults.decisionDaysRangeByType[type];
  const decisionDays = random.int(Math.ceil(daysMin), Math.floor(daysMax));
  // Drawn last: the only draw whose length varies.
  const regional = type === 'bank' && random.chance(defaults.regionalBankShare);
  const licensedRegions = regional
    ? drawProvinces(random.int(1, defaults.regionalProvincesMax), random)
    : ['*'];
  return { approval, rateBase, decisionDays, licensedRegions };
}

const clamp01 = (value: number) => Math.min(1, Math.max(0, value));

/** `count` distinct provinces drawn by census population without replacement (a regional bank's licence). */
function drawProvinces(count: number, random: SeededRandom): string[] {
  const pool = Object.entries(CENSUS_2020_POPULATION_BY_PROVINCE);
  const chosen: string[] = [];
  const wanted = Math.min(count, pool.length);
  while (chosen.length < wanted) {
    const total = pool.reduce((sum, [, weight]) => sum + weight, 0);
    let target = random.next() * total;
    let index = 0;
    while (index < pool.length - 1 && target >= pool[index]![1]) target -= pool[index++]![1];
    chosen.push(pool[index]![0]);
    pool.splice(index, 1);
  }
  return chosen.sort();
}

function normalise(raw: RawScenario, seedOverride?: number): Scenario {
  const seed = seedOverride ?? raw.seed;
  const funders = raw.funders.map((f): SimFunder => {
    const drawn = drawFunderFields(raw.funderDefaults, f.type, funderDrawStream(seed, f.id));
    const rateBase = f.rateBase ?? drawn.rateBase;
    const minScore = f.minScore ?? DEFAULT_MIN_SCORE;
    const licensedRegions = f.licensedRegions ?? drawn.licensedRegions;
    const approval = {} as Record<Band, number>;
    for (const band of BANDS) approval[band] = f.approval?.[band] ?? drawn.approval[band];
    return {
      id: f.id,
      type: f.type,
      institutionName: f.institutionName ?? `${f.id}${INSTITUTION_SUFFIX_BY_TYPE[f.type]}`,
      licensedRegions,
      rateBase,
      minScore,
      monthlyQuotaFen: f.monthlyQuotaFen,
      serviceFeeRate: f.serviceFeeRate ?? raw.platform.serviceFeeRate,
      approval,
      decisionDays: f.decisionDays ?? drawn.decisionDays,
      ownDataShare: f.ownDataShare ?? raw.funderDefaults.ownDataShareByType[f.type],
      products: f.products ?? defaultProducts(f.id, rateBase, minScore),
      strategy: normaliseStrategy(f.strategy, licensedRegions),
    };
  });
  return {
    seed,
    days: raw.days,
    startDate: raw.startDate,
    customers: {
      ...raw.customers,
      regionWeights: raw.customers.regionWeights ?? { ...CENSUS_2020_POPULATION_BY_PROVINCE },
    },
    traces: raw.traces,
    platform: raw.platform,
    funderDefaults: raw.funderDefaults,
    funders,
  };
}

function normaliseStrategy(s: RawFunder['strategy'], licensedRegions: string[]): Strategy {
  if (s.kind === 'honest') return { kind: 'honest' };
  const anyExclusion = s.exclusions.personnel || s.exclusions.risk || s.exclusions.region;
  return {
    ...s,
    // A careful poacher (any exclusion on) leaves no relay trace: it uses numbers it holds or buys.
    contactSources: s.contactSources ?? (anyExclusion ? ['own-data', 'broker'] : ['relay']),
    // A licence is held by province here; a county-level licence counts for its province.
    directRegions:
      s.directRegions ??
      (licensedRegions.includes('*') ? ['*'] : [...new Set(licensedRegions.map((r) => r.slice(0, 2)))]),
  };
}

const ROUND_RATE = (rate: number) => Math.min(0.2, Math.max(0.01, Math.round(rate * 10_000) / 10_000));

/** The default products of a funder given only an id: the shape of the demo catalogue's three tiers. */
export function defaultProducts(funderId: string, rateBase: number, minScore: number): SimProduct[] {
  const methods: RepaymentMethod[] = ['equal-installment', 'equal-principal'];
  return [
    {
      id: `${funderId}-small`,
      minAmountFen: 100_000,
      maxAmountFen: 3_000_000,
      termsMonths: [3, 6, 12],
      rateAnnualMin: ROUND_RATE(rateBase + 0.01),
      rateAnnualMax: ROUND_RATE(rateBase + 0.03),
      methods,
      ageMin: 20,
      ageMax: 55,
      minScore: Math.max(0, minScore - 40),
    },
    {
      id: `${funderId}-standard`,
      minAmountFen: 1_000_000,
      maxAmountFen: 10_000_000,
      termsMonths: [6, 12, 24, 36],
      rateAnnualMin: ROUND_RATE(rateBase),
      rateAnnualMax: ROUND_RATE(rateBase + 0.02),
      methods,
      ageMin: 22,
      ageMax: 55,
      minScore,
    },
    {
      id: `${funderId}-premium`,
      minAmountFen: 5_000_000,
      maxAmountFen: 20_000_000,
      termsMonths: [12, 24, 36],
      rateAnnualMin: ROUND_RATE(rateBase - 0.01),
      rateAnnualMax: ROUND_RATE(rateBase + 0.01),
      methods: ['equal-installment'],
      ageMin: 25,
      ageMax: 50,
      minScore: Math.min(1000, minScore + 60),
    },
  ];
}

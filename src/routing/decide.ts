// Over 500 lines because: the pure hot loop of routing (52k decisions/s, ADR 0032) keeps its
// compiled table, eligibility and ranking together so the shortcuts stay exact and visible.
// The routing core: one pure function from an applicant, the catalogue and per-funder state to
// ranked offers and a per-product outcome. The service and the simulator both call decide() on a
// RoutingTable compiled once per catalogue version, so what the simulator measures is what runs.
import { assert, rateOfFen } from '../kernel/index.ts';
import { type CapPolicy, capPolicyOf, offerCostRefusal } from '../pricing/cap.ts';
import { capacityLeft, compileRegions, exposureLeft, OUTCOME } from './eligibility.ts';
import {
  compileIntervals,
  compileRegionMasks,
  compileTermMasks,
  type IntervalMasks,
  intervalRow,
  type RegionMasks,
  regionMask,
  wordsFor,
} from './eligibility-masks.ts';
import {
  type FunderState,
  INELIGIBILITY_CODES,
  type Offer,
  type ProductExplanation,
  type QuoteFunction,
  type RoutingConfig,
  type RoutingDecision,
  type RoutingFunder,
  type RoutingInput,
  type RoutingProduct,
} from './model.ts';
import { compareRankKeys, type RankKey, rankingCostAnnual } from './ranking.ts';
import { deferLastFunder, tieBreak } from './rotation.ts';
import { bandOf, computeScore, SCORE_MAX } from './scorecard.ts';

/** The most products one table holds (STYLE §8); 50 funders × 10 products is the benchmark shape. */
export const MAX_TABLE_PRODUCTS = 5000;

interface CompiledFunder {
  funder: RoutingFunder;
  regions: ReturnType<typeof compileRegions>;
}

interface CompiledProduct {
  product: RoutingProduct;
  funderIndex: number;
  method: RoutingProduct['methods'][number];
}

export interface RoutingTable {
  readonly config: RoutingConfig;
  /** the configuration's cap, bounded by the legal line (src/pricing/cap.ts): what every offer must pass */
  readonly capPolicy: CapPolicy;
  readonly funders: readonly CompiledFunder[];
  readonly products: readonly CompiledProduct[];
  readonly quote: QuoteFunction;
  readonly funderIndex: ReadonlyMap<string, number>;
  /** the product rules as flat arrays (index = table product), so the hot loop reads numbers only */
  readonly columns: ProductColumns;
  /** the same rules as bitsets over the products (eligibility-masks.ts) */
  readonly masks: ProductMasks;
  /** scratch reused by every decide() call (decide is synchronous, so never shared) */
  readonly scratch: Scratch;
}

interface ProductMasks {
  words: number;
  /** every product of the table */
  all: Uint32Array;
  region: RegionMasks;
  age: IntervalMasks;
  /** null when some amount bound is not a safe integer: decide() then checks product by product */
  amount: IntervalMasks | null;
  score: IntervalMasks;
  /** TERM_SLOTS rows */
  term: Uint32Array;
}

/** The state of a funder the caller has none for. */
const NO_STATE: FunderState = Object.freeze({
  monthlyUsedFen: 0,
  exposureUsedByBand: Object.freeze({}),
  flowByBand: Object.freeze({}),
  trust: 1,
});

/** flowFunderIds of a decision no funder's flow counts (most declines): shared, never written. */
const NO_FLOW: readonly string[] = Object.freeze([]);

/** A funder fact not yet looked at in this decision. */
const UNKNOWN = 255;

interface Scratch {
  /** products of licensed funders for the applicant's region */
  region: Uint32Array;
  /** products that pass region, age, amount, term and score */
  passing: Uint32Array;
  /** per funder, filled as the decision first needs it: UNKNOWN, 0 = fine, else its failing rule */
  funderRule: Uint8Array;
  /** per funder: UNKNOWN, 1 = budget left, 0 = exhausted; known = the funder counts in the flow */
  exposureOk: Uint8Array;
  /** per funder, set with funderRule (entries from earlier decisions are never read) */
  states: FunderState[];
}

/** Terms are whole months 1..TERM_SLOTS−1; a product's terms are a row of TERM_SLOTS flags. */
const TERM_SLOTS = 361;

interface ProductColumns {
  funderOf: Int32Array;
  ageMin: Int32Array;
  ageMax: Int32Array;
  minAmountFen: Float64Array;
  maxAmountFen: Float64Array;
  minScore: Int32Array;
  termOk: Uint8Array;
}

function columnsOf(products: readonly CompiledProduct[]): ProductColumns {
  const n = products.length;
  const columns: ProductColumns = {
    funderOf: new Int32Array(n),
    ageMin: new Int32Array(n),
    ageMax: new Int32Array(n),
    minAmountFen: new Float64Array(n),
    maxAmountFen: new Float64Array(n),
    minScore: new Int32Array(n),
    termOk: new Uint8Array(n * TERM_SLOTS),
  };
  products.forEach(({ product, funderIndex }, i) => {
    columns.funderOf[i] = funderIndex;
    columns.ageMin[i] = product.ageMin;
    columns.ageMax[i] = product.ageMax;
    columns.minAmountFen[i] = product.minAmountFen;
    columns.maxAmountFen[i] = product.maxAmountFen;
    columns.minScore[i] = product.minScore;
    for (const term of product.termsMonths)
      if (term >= 1 && term < TERM_SLOTS) columns.termOk[i * TERM_SLOTS + term] = 1;
  });
  return columns;
}

function masksOf(columns: ProductColumns, funders: readonly CompiledFunder[], n: number): ProductMasks {
  const words = wordsFor(n);
  const all = new Uint32Array(words);
  for (let i = 0; i < n; i++) all[i >>> 5]! |= 1 << (i & 31);
  const ageEnd = Array.from(columns.ageMax, (max) => max + 1);
  const amountsWhole =
    columns.minAmountFen.every(Number.isSafeInteger) && columns.maxAmountFen.every(Number.isSafeInteger);
  const amountEnd = Array.from(columns.maxAmountFen, (max) => max + 1);
  return {
    words,
    all,
    region: compileRegionMasks(
      funders.map((f) => f.regions),
      columns.funderOf,
      words,
    ),
    age: compileIntervals(columns.ageMin, ageEnd, words),
    amount: amountsWhole ? compileIntervals(columns.minAmountFen, amountEnd, words) : null,
    score: compileIntervals(columns.minScore, new Float64Array(n).fill(Number.POSITIVE_INFINITY), words),
    term: compileTermMasks(columns.termOk, n, TERM_SLOTS, words),
  };
}

/**
 * Compile the active catalogue once: region prefix sets, term sets, the product rules as columns
 * and as bitsets (eligibility-masks.ts), and the quoted repayment method per product. Retired products are left out (they are not offered or explained).
 */
export function compileRoutingTable(
  catalog: { funders: readonly RoutingFunder[]; products: readonly RoutingProduct[] },
  config: RoutingConfig,
  quote: QuoteFunction,
): RoutingTable {
  assert(
    config.bands.length > 0 && config.bands[config.bands.length - 1]!.minScore === 0,
    'the lowest score band must start at 0',
  );
  for (let i = 1; i < config.bands.length; i++)
    assert(
      config.bands[i - 1]!.minScore > config.bands[i]!.minScore,
      'bands must be listed from the highest minScore down',
    );
  const funderIndex = new Map<string, number>();
  const funders = catalog.funders.map((funder, i) => {
    assert(!funderIndex.has(funder.id), `duplicate funder ${funder.id}`);
    funderIndex.set(funder.id, i);
    return { funder, regions: compileRegions(funder.licensedRegions) };
  });
  const products: CompiledProduct[] = [];
  for (const product of catalog.products) {
    if (product.status !== 'active') continue;
    const index = funderIndex.get(product.funderId);
    assert(index !== undefined, `product ${product.id} belongs to unknown funder ${product.funderId}`);
    assert(product.methods.length > 0, `product ${product.id} has no repayment method`);
    const method =
      config.pricing.preferredMethods.find((m) => product.methods.includes(m)) ?? product.methods[0]!;
    products.push({ product, funderIndex: index, method });
  }
  assert(
    products.length <= MAX_TABLE_PRODUCTS,
    `at most ${MAX_TABLE_PRODUCTS} active products per routing table`,
  );
  const columns = columnsOf(products);
  const masks = masksOf(columns, funders, products.length);
  const scratch: Scratch = {
    region: new Uint32Array(masks.words),
    passing: new Uint32Array(masks.words),
    funderRule: new Uint8Array(funders.length),
    exposureOk: new Uint8Array(funders.length),
    states: new Array(funders.length).fill(NO_STATE),
  };
  const capPolicy = capPolicyOf(config.pricing);
  return { config, capPolicy, funders, products, quote, funderIndex, columns, masks, scratch };
}

/**
 * Risk-based rate inside the product's range: the product's maximum at its minimum score, falling
 * linearly to its minimum at a score of 1000, rounded to a hundredth of a basis point.
 */
export function rateForScore(
  product: Pick<RoutingProduct, 'rateAnnualMin' | 'rateAnnualMax' | 'minScore'>,
  score: number,
): number {
  const span = SCORE_MAX - product.minScore;
  const position = span <= 0 ? 1 : Math.max(0, Math.min(1, (score - product.minScore) / span));
  const rate = product.rateAnnualMax - (product.rateAnnualMax - product.rateAnnualMin) * position;
  return Math.round(rate * 1_000_000) / 1_000_000;
}

/** An offer on its way to the ranking, carrying its own rank key. */
interface Candidate extends RankKey {
  index: number;
  funderIndex: number;
  offer: Offer;
}

/** Up to this many offers are ranked by binary insertion (sortByRank); more by the builtin sort. */
const INSERTION_SORT_MAX = 256;

/**
 * Rank candidates in place: the same order as `candidates.sort(compareRankKeys)`. Both sorts are
 * stable and, without a NaN in the keys, compareRankKeys is a total order, so both give the one
 * sorted order; for the tens of offers of a decision the builtin's calls into the comparator cost
 * more than the sort itself. NaN keys (no quote gives them) go to the builtin.
 */
export function sortByRank<T extends RankKey>(candidates: T[]): void {
  const n = candidates.length;
  let plain = n <= INSERTION_SORT_MAX;
  for (let i = 0; plain && i < n; i++)
    plain = !Number.isNaN(candidates[i]!.cost) && !Number.isNaN(candidates[i]!.maxAmountFen);
  if (!plain) {
    candidates.sort(compareRankKeys);
    return;
  }
  for (let i = 1; i < n; i++) {
    const next = candidates[i]!;
    // after every candidate that does not rank below `next`: stable
    let low = 0;
    let high = i;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (compareRankKeys(next, candidates[mid]!) < 0) high = mid;
      else low = mid + 1;
    }
    for (let j = i; j > low; j--) candidates[j] = candidates[j - 1]!;
    candidates[low] = next;
  }
}

/** pricing's refusals that mean "no statable annual cost" (src/pricing PricingErrorCode) */
const UNSTATABLE_COST: ReadonlySet<string> = new Set(['fees_exceed_principal', 'apr_unsolvable']);

/**
 * Decisions' outcomes are cut from shared zero-filled slabs, as Node cuts small Buffers from its
 * pool: a Uint8Array of 500 bytes has its own off-heap store, whose allocation and release cost a
 * tenth of a decision. Each view is handed out once and never written again by decide(); a kept
 * decision keeps its slab (OUTCOME_SLAB_BYTES) alive, and its outcomes' `.buffer` is the slab.
 */
const OUTCOME_SLAB_BYTES = 16 * 1024;
let outcomeSlab = new ArrayBuffer(OUTCOME_SLAB_BYTES);
let outcomeSlabUsed = 0;

function outcomesArray(length: number): Uint8Array {
  if (length > OUTCOME_SLAB_BYTES / 4) return new Uint8Array(length);
  if (outcomeSlabUsed + length > OUTCOME_SLAB_BYTES) {
    outcomeSlab = new ArrayBuffer(OUTCOME_SLAB_BYTES);
    outcomeSlabUsed = 0;
  }
  const outcomes = new Uint8Array(outcomeSlab, outcomeSlabUsed, length);
  outcomeSlabUsed += (length + 7) & ~7;
  return outcomes;
}

export function decide(table: RoutingTable, input: RoutingInput): RoutingDecision {
  const { config } = table;
  const applicant = input.applicant;
  const scoreSource = applicant.score === undefined ? 'scorecard' : 'provided';
  const score = applicant.score ?? computeScore(applicant, config.scorecard).score;
  assert(Number.isInteger(score) && score >= 0 && score <= SCORE_MAX, `score out of range: ${score}`);
  const band = bandOf(score, config.bands);

  // Region, age, amount, term and score: each failing product gets its first failing rule, and
  // `passing` holds the rest, whose funder's own rules and cost decide below.
  const outcomes = outcomesArray(table.products.length);
  const { passing, funderRule, exposureOk, states } = table.scratch;
  const province = applicant.regionCode.slice(0, 2);
  const prefecture = applicant.regionCode.slice(0, 4);
  regionMask(table.masks.region, applicant.regionCode, province, prefecture, table.scratch.region);
  const age = applicant.ageYears;
  const amount = applicant.amountFen;
  const term = applicant.termMonths;
  if (
    Number.isSafeInteger(age) &&
    Number.isSafeInteger(amount) &&
    Number.isInteger(term) &&
    table.masks.amount !== null
  )
    productRulesByMasks(table, age, amount, term, score, outcomes);
  else productRulesOneByOne(table, age, amount, term, score, outcomes);

  // Funder-level facts as the decision first needs them: most funders' products fail above.
  funderRule.fill(UNKNOWN);
  exposureOk.fill(UNKNOWN);
  const capPolicy = table.capPolicy;
  const cap = capPolicy.cap;
  const candidates: Candidate[] = [];
  let flowFunderIds: string[] | null = null;
  const funderOf = table.columns.funderOf;
  for (let w = 0; w < passing.length; w++) {
    let bits = passing[w]!;
    while (bits !== 0) {
      const lowest = bits & -bits;
      bits ^= lowest;
      const i = (w << 5) | (31 - Math.clz32(lowest));
      const f = funderOf[i]!;
      let rule = funderRule[f]!;
      if (rule === UNKNOWN) {
        const funder = table.funders[f]!.funder;
        const state = input.funderStates.get(funder.id) ?? NO_STATE;
        states[f] = state;
        rule =
          funder.status !== 'active'
            ? OUTCOME.funder_suspended
            : !capacityLeft(funder, state, applicant.amountFen)
              ? OUTCOME.funder_capacity_exhausted
              : 0;
        funderRule[f] = rule;
      }
      if (rule !== 0) {
        outcomes[i] = rule;
        continue;
      }
      const compiled = table.products[i]!;
      const product = compiled.product;
      const rateAnnual = rateForScore(product, score);
      const quoted = table.quote({
        principalFen: applicant.amountFen,
        termMonths: applicant.termMonths,
        rateAnnual,
        method: compiled.method,
        fees: product.fees,
        cap,
      });
      if (!quoted.ok) {
        // Fees that leave nothing to disburse, or a cost too large to state, cannot be shown to respect
        // the cap. Any other refusal means routing sent pricing an input it validated: a bug.
        assert(
          UNSTATABLE_COST.has(quoted.code),
          `pricing refused product ${product.id}: ${quoted.code} ${quoted.message}`,
        );
        outcomes[i] = OUTCOME.apr_exceeds_cap;
        continue;
      }
      const value = quoted.value;
      // The cap and the judicial check (the contract's penalty, or the platform default without a
      // contract) by the one module that owns them, on the figures, not on the quote's own verdict
      // (the quote function is injected: the simulator memoises it).
      if (offerCostRefusal(value.apr, capPolicy, table.funders[f]!.funder.maxPenaltyRateAnnual) !== null) {
        outcomes[i] = OUTCOME.apr_exceeds_cap;
        continue;
      }
      if (exposureOk[f] === UNKNOWN) {
        // The first of the funder's products to pass every earlier rule: the application is in its
        // flow (ADR 0073), counted as not yet recorded in its state.
        const funderId = table.funders[f]!.funder.id;
        exposureOk[f] = exposureLeft(config.rotation, funderId, band, states[f], 1) ? 1 : 0;
        if (flowFunderIds === null) flowFunderIds = [funderId];
        else flowFunderIds.push(funderId);
      }
      if (exposureOk[f] === 0) {
        outcomes[i] = OUTCOME.exposure_budget_exhausted;
        continue;
      }
      const funder = table.funders[f]!.funder;
      const serviceFeeFen = serviceFee(funder, applicant.amountFen, value.totals?.interestFen);
      const approvalLikelihood = states[f]!.approvalRate ?? config.ranking.defaultApprovalRate;
      const cost = rankingCostAnnual(
        value.apr.nominal,
        serviceFeeFen,
        applicant.amountFen,
        approvalLikelihood,
        config.ranking,
      );
      candidates.push({
        index: i,
        funderIndex: f,
        offer: {
          rank: 0,
          productId: product.id,
          funderId: product.funderId,
          amountFen: applicant.amountFen,
          termMonths: applicant.termMonths,
          rateAnnual,
          method: compiled.method,
          apr: value.apr,
          serviceFeeFen,
          approvalLikelihood,
          rankingCostAnnual: cost,
          totals: value.totals,
        },
        cost,
        maxAmountFen: product.maxAmountFen,
        tie: tieBreak(input.seed, i),
      });
    }
  }

  let remaining = candidates;
  if (config.rotation.enabled && input.lastFunderId)
    remaining = rotate(
      remaining,
      input.lastFunderId,
      table,
      outcomes,
      config.rotation.sameFunderMarginAnnual,
    );
  if (input.consentedFunderIds) {
    const consented = input.consentedFunderIds;
    remaining = remaining.filter((c) => {
      if (consented.has(c.offer.funderId)) return true;
      outcomes[c.index] = OUTCOME.consent_missing;
      return false;
    });
  }
  sortByRank(remaining);
  // Outcome 0 (eligible) stays in `outcomes`; the rank is the offer's position.
  const offers: Offer[] = new Array(remaining.length);
  for (let position = 0; position < remaining.length; position++) {
    const offer = remaining[position]!.offer;
    offer.rank = position + 1;
    offers[position] = offer;
  }
  return { score, scoreSource, band, offers, outcomes, flowFunderIds: flowFunderIds ?? NO_FLOW };
}

/** Mark every product in `bits` (word w) with `code`. */
function markAll(outcomes: Uint8Array, w: number, bits: number, code: number): void {
  let rest = bits;
  while (rest !== 0) {
    const lowest = rest & -rest;
    rest ^= lowest;
    outcomes[(w << 5) | (31 - Math.clz32(lowest))] = code;
  }
}

/**
 * Region, age, amount, term and score by the compiled masks, for whole-number age, amount and term:
 * each product that fails gets its first failing rule in `outcomes`, the rest go into `passing`.
 */
function productRulesByMasks(
  table: RoutingTable,
  age: number,
  amount: number,
  term: number,
  score: number,
  outcomes: Uint8Array,
): void {
  const masks = table.masks;
  const { region, passing } = table.scratch;
  const all = masks.all;
  const ages = masks.age.masks;
  const ageRow = intervalRow(masks.age, age);
  const amounts = masks.amount!.masks;
  const amountRow = intervalRow(masks.amount!, amount);
  const terms = masks.term;
  const termRow = (term >= 1 && term < TERM_SLOTS ? term : 0) * masks.words; // row 0: no product
  const scores = masks.score.masks;
  const scoreRow = intervalRow(masks.score, score);
  for (let w = 0; w < masks.words; w++) {
    let live = all[w]!;
    let pass = region[w]!;
    markAll(outcomes, w, live & ~pass, OUTCOME.region_not_licensed);
    live &= pass;
    pass = ages[ageRow + w]!;
    markAll(outcomes, w, live & ~pass, OUTCOME.age_out_of_range);
    live &= pass;
    pass = amounts[amountRow + w]!;
    markAll(outcomes, w, live & ~pass, OUTCOME.amount_out_of_range);
    live &= pass;
    pass = terms[termRow + w]!;
    markAll(outcomes, w, live & ~pass, OUTCOME.term_unsupported);
    live &= pass;
    pass = scores[scoreRow + w]!;
    markAll(outcomes, w, live & ~pass, OUTCOME.score_below_minimum);
    passing[w] = live & pass;
  }
}

/**
 * The same rules product by product over the columns, for any input (a fractional or out-of-range
 * age, amount or term, where the masks do not apply): the reference the masks must agree with.
 */
function productRulesOneByOne(
  table: RoutingTable,
  age: number,
  amount: number,
  term: number,
  score: number,
  outcomes: Uint8Array,
): void {
  const { region, passing } = table.scratch;
  const { ageMin, ageMax, minAmountFen, maxAmountFen, minScore, termOk } = table.columns;
  const termColumn = term >= 1 && term < TERM_SLOTS ? term : 0; // slot 0 is never set: unsupported
  passing.fill(0);
  for (let i = 0; i < outcomes.length; i++) {
    const rule =
      (region[i >>> 5]! & (1 << (i & 31))) === 0
        ? OUTCOME.region_not_licensed
        : age < ageMin[i]! || age > ageMax[i]!
          ? OUTCOME.age_out_of_range
          : amount < minAmountFen[i]! || amount > maxAmountFen[i]!
            ? OUTCOME.amount_out_of_range
            : termOk[i * TERM_SLOTS + termColumn] === 0
              ? OUTCOME.term_unsupported
              : score < minScore[i]!
                ? OUTCOME.score_below_minimum
                : 0;
    if (rule === 0) passing[i >>> 5]! |= 1 << (i & 31);
    else outcomes[i] = rule;
  }
}

function serviceFee(funder: RoutingFunder, amountFen: number, interestFen: number | undefined): number {
  const fee = funder.serviceFee;
  if (!fee) return 0;
  if (fee.basis === 'disbursed') return rateOfFen(amountFen, fee.rate);
  // a fixed fee per booked loan (settlement charges the same: src/settlement/statement.ts)
  if (fee.basis === 'fixed') return fee.fixedFen ?? 0;
  return interestFen === undefined ? 0 : rateOfFen(interestFen, fee.rate);
}

function rotate(
  candidates: Candidate[],
  lastFunderId: string,
  table: RoutingTable,
  outcomes: Uint8Array,
  margin: number,
): Candidate[] {
  const last = table.funderIndex.get(lastFunderId);
  if (last === undefined) return candidates;
  let bestLast = Number.POSITIVE_INFINITY;
  let bestOther = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const annual = c.offer.apr.nominal;
    if (c.funderIndex === last) bestLast = Math.min(bestLast, annual);
    else bestOther = Math.min(bestOther, annual);
  }
  if (!deferLastFunder(bestLast, bestOther, margin)) return candidates;
  return candidates.filter((c) => {
    if (c.funderIndex !== last) return true;
    outcomes[c.index] = OUTCOME.rotation_deferred;
    return false;
  });
}

/** What an explanation needs of each table product, frozen with the decision (catalogues change). */
export interface SnapshotProduct {
  productId: string;
  funderId: string;
  licensedRegions: string[];
  monthlyQuotaFen: number | null;
  ageMin: number;
  ageMax: number;
  minAmountFen: number;
  maxAmountFen: number;
  termsMonths: number[];
  minScore: number;
}

/** The table's products in table order: the index space of RoutingDecision.outcomes. */
export function catalogSnapshot(table: RoutingTable): SnapshotProduct[] {
  return table.products.map(({ product, funderIndex }) => {
    const funder = table.funders[funderIndex]!.funder;
    return {
      productId: product.id,
      funderId: product.funderId,
      licensedRegions: funder.licensedRegions,
      monthlyQuotaFen: funder.monthlyQuotaFen,
      ageMin: product.ageMin,
      ageMax: product.ageMax,
      minAmountFen: product.minAmountFen,
      maxAmountFen: product.maxAmountFen,
      termsMonths: product.termsMonths,
      minScore: product.minScore,
    };
  });
}

/** The facts a reason quotes: the applicant's request, the score and band, the rules' numbers. */
export interface ExplainContext {
  applicant: Pick<RoutingInput['applicant'], 'ageYears' | 'regionCode' | 'amountFen' | 'termMonths'>;
  score: number;
  band: string;
  capAnnual: number;
  sameFunderMarginAnnual: number;
}

const OUTCOME_DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Outcomes as one character each ('0' eligible, then '1'…'b' in code order): 500 products, 500 bytes. */
export function encodeOutcomes(outcomes: ArrayLike<number>): string {
  let text = '';
  for (let i = 0; i < outcomes.length; i++) text += OUTCOME_DIGITS[outcomes[i]!];
  return text;
}

export function decodeOutcomes(text: string): Uint8Array {
  const outcomes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const value = OUTCOME_DIGITS.indexOf(text[i]!);
    assert(value >= 0 && value <= INELIGIBILITY_CODES.length, `bad outcome character ${text[i]}`);
    outcomes[i] = value;
  }
  return outcomes;
}

/** Readable explanations from a snapshot and outcomes (what the service stores and serves). */
export function explainOutcomes(
  snapshot: readonly SnapshotProduct[],
  outcomes: ArrayLike<number>,
  context: ExplainContext,
  offers: ReadonlyArray<{ productId: string; rank: number }>,
): ProductExplanation[] {
  assert(snapshot.length === outcomes.length, 'one outcome per snapshot product');
  const rankOf = new Map(offers.map((o) => [o.productId, o.rank]));
  return snapshot.map((product, i) => {
    const outcome = outcomes[i]!;
    if (outcome === OUTCOME.eligible) {
      const rank = rankOf.get(product.productId);
      assert(rank !== undefined, `eligible product ${product.productId} has no offer`);
      return { productId: product.productId, funderId: product.funderId, eligible: true, rank };
    }
    const code = INELIGIBILITY_CODES[outcome - 1]!;
    return {
      productId: product.productId,
      funderId: product.funderId,
      eligible: false,
      code,
      reason: reasonText(code, product, context),
    };
  });
}

/** Readable explanations, one per table product, for GET /routing and the simulator's reports. */
export function explainDecision(
  table: RoutingTable,
  input: RoutingInput,
  decision: RoutingDecision,
): ProductExplanation[] {
  return explainOutcomes(
    catalogSnapshot(table),
    decision.outcomes,
    {
      applicant: input.applicant,
      score: decision.score,
      band: decision.band,
      capAnnual: table.capPolicy.cap.rate,
      sameFunderMarginAnnual: table.config.rotation.sameFunderMarginAnnual,
    },
    decision.offers,
  );
}

function yuan(fen: number): string {
  return `¥${(fen / 100).toFixed(2)}`;
}

function reasonText(
  code: (typeof INELIGIBILITY_CODES)[number],
  product: SnapshotProduct,
  context: ExplainContext,
): string {
  const a = context.applicant;
  switch (code) {
    case 'region_not_licensed':
      return `the funder is licensed in ${product.licensedRegions.join(', ')}, not in region ${a.regionCode}`;
    case 'age_out_of_range':
      return `age ${a.ageYears} is outside ${product.ageMin}–${product.ageMax}`;
    case 'amount_out_of_range':
      return `amount ${yuan(a.amountFen)} is outside ${yuan(product.minAmountFen)}–${yuan(product.maxAmountFen)}`;
    case 'term_unsupported':
      return `term ${a.termMonths} months is not one of ${product.termsMonths.join(', ')}`;
    case 'score_below_minimum':
      return `score ${context.score} is below the product minimum ${product.minScore}`;
    case 'funder_suspended':
      return 'the funder is suspended';
    case 'funder_capacity_exhausted':
      return `the funder's monthly quota ${yuan(product.monthlyQuotaFen ?? 0)} cannot take another ${yuan(a.amountFen)}`;
    case 'apr_exceeds_cap':
      return `the comprehensive annual cost would exceed the ${(context.capAnnual * 100).toFixed(2)}% cap`;
    case 'exposure_budget_exhausted':
      return `the funder's monthly exposure budget for band ${context.band} is used up`;
    case 'rotation_deferred':
      return `rotation: the previous funder is offered again only if cheaper by ${(context.sameFunderMarginAnnual * 100).toFixed(2)} points`;
    case 'consent_missing':
      return 'no separate consent (PIPL art. 23) to share with this funder yet';
  }
}

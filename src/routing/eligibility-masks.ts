// The product-level eligibility rules (region, age, amount, term, score) compiled once per routing
// table into bitsets over the table's products, so a decision ANDs a few masks of ⌈products/32⌉
// words instead of testing every product: 489 products are 16 words. The masks answer exactly what
// the rules answer, for the inputs they cover (whole-number age, amount and term; decide() checks
// the rules product by product otherwise); eligibility-masks.test.ts checks them against the rules.

/** Products as bits: product i is bit (i & 31) of word (i >>> 5). */
export function wordsFor(products: number): number {
  return (products + 31) >>> 5;
}

/**
 * A rule `lo_i ≤ x < hi_i` over whole numbers x, as masks per stretch between breakpoints. The
 * breakpoints are every lo and hi, sorted; for whole x the answer changes only at them, so
 * `masks[k]` (k = how many breakpoints are ≤ x) is the set of products whose rule x passes.
 */
export interface IntervalMasks {
  breaks: Float64Array;
  /** (breaks.length + 1) rows of `words` words */
  masks: Uint32Array;
  words: number;
}

/**
 * Compile `lo[i] ≤ x < hi[i]` (hi may be +Infinity) for whole x. Every bound must be a safe integer
 * or +Infinity for hi; a product with lo ≥ hi passes for no x.
 */
export function compileIntervals(lo: ArrayLike<number>, hi: ArrayLike<number>, words: number): IntervalMasks {
  const n = lo.length;
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    values.push(lo[i]!);
    if (hi[i]! !== Number.POSITIVE_INFINITY) values.push(hi[i]!);
  }
  values.sort((a, b) => a - b);
  const distinct: number[] = [];
  for (const value of values)
    if (distinct.length === 0 || distinct[distinct.length - 1] !== value) distinct.push(value);
  const breaks = Float64Array.from(distinct);
  const rowOf = (value: number) => upperBound(breaks, value); // the row starting at this breakpoint
  // Sweep: the row starting at breakpoint b gains the products whose lo is b and loses those whose
  // hi is b; rows between breakpoints copy the row before.
  const adds: number[][] = Array.from({ length: breaks.length + 1 }, () => []);
  const removes: number[][] = Array.from({ length: breaks.length + 1 }, () => []);
  for (let i = 0; i < n; i++) {
    if (!(lo[i]! < hi[i]!)) continue;
    adds[rowOf(lo[i]!)]!.push(i);
    if (hi[i]! !== Number.POSITIVE_INFINITY) removes[rowOf(hi[i]!)]!.push(i);
  }
  const masks = new Uint32Array((breaks.length + 1) * words);
  for (let row = 1; row <= breaks.length; row++) {
    const at = row * words;
    masks.copyWithin(at, at - words, at);
    for (const i of adds[row]!) masks[at + (i >>> 5)]! |= 1 << (i & 31);
    for (const i of removes[row]!) masks[at + (i >>> 5)]! &= ~(1 << (i & 31));
  }
  return { breaks, masks, words };
}

/** How many of the sorted `breaks` are ≤ x. */
export function upperBound(breaks: Float64Array, x: number): number {
  let low = 0;
  let high = breaks.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (breaks[mid]! <= x) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The offset in `masks.masks` of the row for whole x. */
export function intervalRow(masks: IntervalMasks, x: number): number {
  return upperBound(masks.breaks, x) * masks.words;
}

/**
 * Licensed regions as masks: the products of nationwide funders, and for each prefix a funder lists,
 * its products. A region code is licensed for a product when its funder is nationwide or lists the
 * code's 2- or 4-digit prefix or the code itself (regionLicensed in eligibility.ts).
 */
export interface RegionMasks {
  nationwide: Uint32Array;
  byPrefix: ReadonlyMap<string, Uint32Array>;
}

export function compileRegionMasks(
  funders: ReadonlyArray<{ nationwide: boolean; prefixes: ReadonlySet<string> }>,
  funderOf: ArrayLike<number>,
  words: number,
): RegionMasks {
  const nationwide = new Uint32Array(words);
  const byPrefix = new Map<string, Uint32Array>();
  for (let i = 0; i < funderOf.length; i++) {
    const regions = funders[funderOf[i]!]!;
    const bit = 1 << (i & 31);
    const word = i >>> 5;
    if (regions.nationwide) {
      nationwide[word]! |= bit;
      continue;
    }
    for (const prefix of regions.prefixes) {
      let mask = byPrefix.get(prefix);
      if (!mask) {
        mask = new Uint32Array(words);
        byPrefix.set(prefix, mask);
      }
      mask[word]! |= bit;
    }
  }
  return { nationwide, byPrefix };
}

/** Into `out`: the products licensed for regionCode (with its 2- and 4-digit prefixes given). */
export function regionMask(
  masks: RegionMasks,
  regionCode: string,
  province: string,
  prefecture: string,
  out: Uint32Array,
): void {
  out.set(masks.nationwide);
  const byProvince = masks.byPrefix.get(province);
  const byPrefecture = masks.byPrefix.get(prefecture);
  const byCounty = masks.byPrefix.get(regionCode);
  if (byProvince) for (let w = 0; w < out.length; w++) out[w]! |= byProvince[w]!;
  if (byPrefecture) for (let w = 0; w < out.length; w++) out[w]! |= byPrefecture[w]!;
  if (byCounty) for (let w = 0; w < out.length; w++) out[w]! |= byCounty[w]!;
}

/** Per whole term 0..slots−1 (0 and anything else outside a product's terms: no product), a mask. */
export function compileTermMasks(
  termOk: Uint8Array,
  products: number,
  slots: number,
  words: number,
): Uint32Array {
  const masks = new Uint32Array(slots * words);
  for (let i = 0; i < products; i++)
    for (let term = 0; term < slots; term++)
      if (termOk[i * slots + term] !== 0) masks[term * words + (i >>> 5)]! |= 1 << (i & 31);
  return masks;
}

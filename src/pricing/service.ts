// Pricing use cases: quotes for the API (with the contract's judicial check when a funder is named)
// and the product vetter the catalog calls before storing a product. Pricing has no tables: a quote
// is a pure function of its input, so nothing is stored and nothing needs an idempotency key.
import type { CatalogService, ProductInput } from '../catalog/service.ts';
import type { Executor } from '../db/client.ts';
import { DomainError, unwrap } from '../kernel/index.ts';
import { type Disclosure, disclosure } from './disclosure.ts';
import './errors.ts';
import {
  type Cap,
  DEFAULT_CAP,
  JUDICIAL_CEILING_ANNUAL,
  type Quote,
  type QuoteInput,
  type QuoteOptions,
} from './model.ts';
import { checkProductCap } from './product-check.ts';
import { checkJudicialCeiling, enforceCap, quote } from './quote.ts';

export interface JudicialCheck {
  /** where the penalty rate came from: the funder's contract in force, or the request */
  source: 'contract' | 'request';
  penaltyRateAnnual: number;
  total: number;
  ceiling: number;
  ok: boolean;
}

export interface QuoteRequest extends QuoteInput {
  /** refuse (apr_exceeds_cap / judicial_ceiling_exceeded) instead of reporting ok: false */
  enforceCap?: boolean;
  /** the contract maximum penalty interest to add for the judicial check */
  penaltyRateAnnual?: number;
  /** take the penalty rate from this funder's contract in force */
  funderId?: string;
}

export interface QuoteAnswer extends Quote {
  disclosure: Disclosure;
  judicialCheck: JudicialCheck | null;
}

export class PricingService {
  readonly cap: Cap;

  constructor(private readonly deps: { catalog: CatalogService; cap?: Cap }) {
    this.cap = deps.cap ?? DEFAULT_CAP;
  }

  /** The pure quote with the platform's cap as default; throws DomainError on bad input. */
  quote(input: QuoteInput, options?: QuoteOptions): Quote {
    return unwrap(quote({ ...input, cap: input.cap ?? this.cap }, options));
  }

  /** Quote plus disclosure and, when a penalty rate is known, the judicial 24% check. */
  async quoteWithChecks(tx: Executor, request: QuoteRequest): Promise<QuoteAnswer> {
    const { enforceCap: enforce, penaltyRateAnnual, funderId, ...input } = request;
    const priced = this.quote(input);
    if (enforce) unwrap(enforceCap(priced));
    let judicialCheck: JudicialCheck | null = null;
    let penalty: { rate: number; source: JudicialCheck['source'] } | null =
      penaltyRateAnnual === undefined ? null : { rate: penaltyRateAnnual, source: 'request' };
    if (funderId !== undefined) {
      if (!(await this.deps.catalog.getFunder(tx, funderId)))
        throw new DomainError('funder_not_found', `no funder ${funderId}`, 'funderId');
      const contract = await this.deps.catalog.currentContract(tx, funderId);
      if (!contract)
        throw new DomainError('not_found', `funder ${funderId} has no contract in force`, 'funderId');
      if (penalty === null) penalty = { rate: contract.terms.maxPenaltyRateAnnual, source: 'contract' };
    }
    if (penalty !== null) {
      const result = checkJudicialCeiling(priced.apr, penalty.rate, JUDICIAL_CEILING_ANNUAL);
      if (enforce) unwrap(result);
      const total = priced.apr.nominal + penalty.rate;
      judicialCheck = {
        source: penalty.source,
        penaltyRateAnnual: penalty.rate,
        total,
        ceiling: JUDICIAL_CEILING_ANNUAL,
        ok: result.ok,
      };
    }
    return { ...priced, disclosure: disclosure(priced), judicialCheck };
  }

  /** The catalog's product vetter: refuse a product whose cheapest configuration is above the cap. */
  vetProduct(product: ProductInput): void {
    const checked = checkProductCap(product, this.cap);
    if (checked.ok) return;
    // fees that make every configuration unpriceable are a product error, reported on the fees
    if (checked.code === 'fees_exceed_principal')
      throw new DomainError('product_invalid', checked.message, 'fees', checked.details);
    throw new DomainError(checked.code, checked.message, checked.field, checked.details);
  }
}

// Pricing use cases: quotes for the API (with the judicial check: the named funder's contract, or the
// platform default penalty) and the product vetter the catalog calls before storing a product. Both
// use the cap in force, the routing configuration's (ADR 0065), read through `capPolicy` for each
// call. Pricing has no tables: nothing is stored and nothing needs an idempotency key.
import type { Principal } from '../access/model.ts';
import { canSeeFunder } from '../access/visibility.ts';
import type { CatalogService, ProductInput } from '../catalog/service.ts';
import type { Executor } from '../db/client.ts';
import { DomainError, unwrap } from './errors.ts';
import {
  type CapPolicy,
  checkJudicialCeiling,
  DEFAULT_CAP_POLICY,
  enforceCap,
  LEGAL_CAP_ANNUAL,
  narrowCap,
  type PenaltySource,
  penaltyInForce,
} from './cap.ts';
import { type Disclosure, disclosure } from './disclosure.ts';
import type { Quote, QuoteInput } from './model.ts';
import { checkProductCap } from './product-check.ts';
import { quote } from './quote.ts';

export interface JudicialCheck {
  /** where the penalty rate came from: the funder's contract in force, the platform default, or a higher rate the request named */
  source: PenaltySource;
  penaltyRateAnnual: number;
  total: number;
  ceiling: number;
  ok: boolean;
}

export interface QuoteRequest extends QuoteInput {
  /** refuse (apr_exceeds_cap / judicial_ceiling_exceeded) instead of reporting ok: false */
  enforceCap?: boolean;
  /** a penalty rate to check instead, when higher than the one in force (a what-if; never lowers it) */
  penaltyRateAnnual?: number;
  /** take the penalty rate from this funder's contract in force (the platform default without one) */
  funderId?: string;
}

export interface QuoteAnswer extends Quote {
  disclosure: Disclosure;
  judicialCheck: JudicialCheck;
}

/** Where the cap in force comes from: routing's configuration, read in the caller's transaction. */
export type CapPolicySource = (tx: Executor) => Promise<CapPolicy>;

export class PricingService {
  private readonly capPolicy: CapPolicySource;

  constructor(private readonly deps: { catalog: CatalogService; capPolicy?: CapPolicySource }) {
    this.capPolicy = deps.capPolicy ?? (async () => DEFAULT_CAP_POLICY);
  }

  /** The cap settings in force (the routing configuration's, bounded by the legal line). */
  policy(tx: Executor): Promise<CapPolicy> {
    return this.capPolicy(tx);
  }

  /**
   * quoteWithChecks as this principal sees it: another funder's contract answers as if that funder
   * did not exist (access/visibility.ts), before anything else is checked.
   */
  async quoteFor(tx: Executor, principal: Principal, request: QuoteRequest): Promise<QuoteAnswer> {
    if (request.funderId !== undefined && !canSeeFunder(principal, request.funderId))
      throw new DomainError('funder_not_found', `no funder ${request.funderId}`, 'funderId');
    return this.quoteWithChecks(tx, request);
  }

  /**
   * Quote plus disclosure and the judicial 24% check, against the configured cap (a request may
   * ask for a stricter one, never a looser one: cap_above_configured).
   */
  async quoteWithChecks(tx: Executor, request: QuoteRequest): Promise<QuoteAnswer> {
    const { enforceCap: enforce, penaltyRateAnnual, funderId, ...input } = request;
    const policy = await this.capPolicy(tx);
    const cap = unwrap(narrowCap(policy.cap, input.cap));
    const priced = unwrap(quote({ ...input, cap }));
    if (enforce) unwrap(enforceCap(priced));
    let contractPenalty: number | undefined;
    if (funderId !== undefined) {
      if (!(await this.deps.catalog.getFunder(tx, funderId)))
        throw new DomainError('funder_not_found', `no funder ${funderId}`, 'funderId');
      contractPenalty = (await this.deps.catalog.currentContract(tx, funderId))?.terms.maxPenaltyRateAnnual;
    }
    const penalty = penaltyInForce(policy, contractPenalty, penaltyRateAnnual);
    const result = checkJudicialCeiling(priced.apr, penalty.rate);
    if (enforce) unwrap(result);
    const judicialCheck: JudicialCheck = {
      source: penalty.source,
      penaltyRateAnnual: penalty.rate,
      total: priced.apr.nominal + penalty.rate,
      ceiling: LEGAL_CAP_ANNUAL,
      ok: result.ok,
    };
    return { ...priced, disclosure: disclosure(priced), judicialCheck };
  }

  /**
   * The catalog's product vetter: refuse a product whose cheapest configuration is above the cap in
   * force. The judicial check waits for the offer: it needs the contract in force then (ADR 0065).
   */
  async vetProduct(tx: Executor, product: ProductInput): Promise<void> {
    const policy = await this.capPolicy(tx);
    const checked = checkProductCap(product, policy.cap);
    if (checked.ok) return;
    // fees that make every configuration unpriceable are a product error, reported on the fees
    if (checked.code === 'fees_exceed_principal')
      throw new DomainError('product_invalid', checked.message, 'fees', checked.details);
    throw new DomainError(checked.code, checked.message, checked.field, checked.details);
  }
}

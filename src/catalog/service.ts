// Catalog use cases: funders, products and contracts. Product creation is where a product whose
// cheapest configuration already breaks the cost cap is refused (through the pricing core).
import type { Executor } from '../db/client.ts';
import type { TransactionUnit } from '../db/unit-of-work.ts';
import type { Principal } from '../access/model.ts';
import { canSeeFunder, isStaff } from '../access/visibility.ts';
import type { Clock, IdGenerator, Vault } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import { lookupRegion } from '../identity/regions.ts';
import type {
  CatalogEvent,
  Contract,
  ContractTerms,
  FeeLine,
  Funder,
  FunderStatus,
  FunderType,
  Product,
  RepaymentMethod,
  Transport,
} from './model.ts';
import { TERMINATION_WINDOW_DAYS_MAX } from './model.ts';
import {
  contractsInForceBetween,
  endCurrentContract,
  FUNDER_PAGE_MAX,
  type FunderRow,
  getCurrentContract,
  getFunderRow,
  getProductRow,
  getWebhookSecretEnc,
  insertContract,
  insertFunder,
  insertProduct,
  listFunderRows,
  listProductRows,
  type ProductRow,
  updateFunderStatus,
  updateFunderWebhook,
} from './store.ts';

export const LIST_LIMIT_MAX = FUNDER_PAGE_MAX;

export interface FunderInput {
  id: string;
  name: string;
  type: FunderType;
  status?: FunderStatus;
  licensedRegions: string[];
  webhookUrl?: string | null;
  webhookSecret?: string | null;
  transport?: Transport;
  monthlyQuotaFen?: number | null;
}

export interface ProductInput {
  id?: string;
  name: string;
  minAmountFen: number;
  maxAmountFen: number;
  termsMonths: number[];
  rateAnnualMin: number;
  rateAnnualMax: number;
  methods: RepaymentMethod[];
  fees?: FeeLine[];
  ageMin: number;
  ageMax: number;
  minScore: number;
}

/**
 * Hook through which pricing vets a product before it is stored (throws DomainError to refuse). It
 * gets the transaction so it reads the cap in force (routing's configuration) as of this write.
 */
export type ProductVetter = (tx: Executor, product: ProductInput) => Promise<void> | void;

function toFunder(row: FunderRow): Funder {
  return {
    id: row.id,
    name: row.name,
    type: row.type as FunderType,
    status: row.status as FunderStatus,
    licensedRegions: row.licensedRegions,
    webhookUrl: row.webhookUrl,
    transport: row.transport as Transport,
    monthlyQuotaFen: row.monthlyQuotaFen,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toProduct(row: ProductRow): Product {
  return { ...row, status: row.status as Product['status'], methods: row.methods as RepaymentMethod[] };
}

export function checkRegionPrefixes(prefixes: string[]): void {
  if (prefixes.length === 1 && prefixes[0] === '*') return;
  prefixes.forEach((prefix, i) => {
    const wellFormed = /^(\d{2}|\d{4}|\d{6})$/.test(prefix) && lookupRegion(prefix.padEnd(6, '0')) !== null;
    if (!wellFormed)
      throw new DomainError(
        'region_prefix_invalid',
        `not a division-code prefix: ${prefix}`,
        `licensedRegions[${i}]`,
      );
  });
}

/** The end (exclusive) of the funder's last issued statement month, or null. */
export type IssuedUntil = (tx: Executor, funderId: string) => Promise<Date | null>;

export class CatalogService {
  private vetProduct: ProductVetter = () => {};

  constructor(private readonly deps: { clock: Clock; ids: IdGenerator; vault: Vault }) {}

  /** Pricing registers its cap check here at composition time (catalog does not import pricing). */
  setProductVetter(vetter: ProductVetter): void {
    this.vetProduct = vetter;
  }

  /**
   * Settlement's guard (wired in services.ts): the last instant an issued statement of the funder
   * covers. A contract may not take effect before it, since issued statements never change.
   */
  setIssuedUntil(source: IssuedUntil): void {
    this.issuedUntil = source;
  }
  private issuedUntil: IssuedUntil = async () => null;

  /**
   * Settlement's guard (services.ts, ADR 0093): whether a termination is in force for the funder.
   * Only its recorded lift reactivates the funder; a plain status change to active is refused.
   */
  setTerminationInForce(source: (tx: Executor, funderId: string) => Promise<boolean>): void {
    this.terminationInForce = source;
  }
  private terminationInForce: (tx: Executor, funderId: string) => Promise<boolean> = async () => false;

  /** Add a funder; raises funder.created. */
  async createFunder(unit: TransactionUnit, input: FunderInput): Promise<Funder> {
    const tx = unit.tx;
    checkRegionPrefixes(input.licensedRegions);
    const now = this.deps.clock.now();
    const inserted = await insertFunder(tx, {
      id: input.id,
      name: input.name,
      type: input.type,
      status: input.status ?? 'active',
      licensedRegions: input.licensedRegions,
      webhookUrl: input.webhookUrl ?? null,
      webhookSecretEnc: input.webhookSecret
        ? this.deps.vault.encrypt(input.webhookSecret, `funder:${input.id}:webhook`)
        : null,
      transport: input.transport ?? 'direct',
      monthlyQuotaFen: input.monthlyQuotaFen ?? null,
      createdAt: now,
      updatedAt: now,
    });
    if (!inserted) throw new DomainError('funder_exists', `funder ${input.id} exists`, 'id');
    this.changed(unit, {
      topic: 'funder.created',
      aggregateId: input.id,
      payload: { funderId: input.id },
      at: now,
    });
    return toFunder(inserted);
  }

  /** Activate or suspend a funder; raises funder.status_changed. */
  async setFunderStatus(unit: TransactionUnit, funderId: string, status: FunderStatus): Promise<Funder> {
    const at = this.deps.clock.now();
    if (status === 'active' && (await this.terminationInForce(unit.tx, funderId)))
      throw new DomainError(
        'funder_terminated',
        'a termination is in force: lift it (POST /v1/settlement/terminations/:id/lift, with a reason) to reactivate the funder',
        'status',
      );
    const row = await updateFunderStatus(unit.tx, funderId, status, at);
    if (!row) throw new DomainError('funder_not_found', `no funder ${funderId}`, 'funderId');
    this.changed(unit, {
      topic: 'funder.status_changed',
      aggregateId: funderId,
      payload: { funderId, status },
      at,
    });
    return toFunder(row);
  }

  /**
   * Point a funder's decisions at its server (or take them off it: both null). URL and secret
   * change together: a URL with no secret could not be signed for, a secret with no URL is unused.
   * Dispatch reads both per send, so the next application goes to the new server.
   */
  async setFunderWebhook(
    tx: Executor,
    funderId: string,
    webhook: { webhookUrl: string | null; webhookSecret: string | null },
  ): Promise<Funder> {
    if ((webhook.webhookUrl === null) !== (webhook.webhookSecret === null))
      throw new DomainError(
        'funder_webhook_invalid',
        'give both webhookUrl and webhookSecret, or both null to remove the webhook',
        webhook.webhookUrl === null ? 'webhookUrl' : 'webhookSecret',
      );
    const row = await updateFunderWebhook(
      tx,
      funderId,
      {
        webhookUrl: webhook.webhookUrl,
        webhookSecretEnc:
          webhook.webhookSecret === null
            ? null
            : this.deps.vault.encrypt(webhook.webhookSecret, `funder:${funderId}:webhook`),
      },
      this.deps.clock.now(),
    );
    if (!row) throw new DomainError('funder_not_found', `no funder ${funderId}`, 'funderId');
    return toFunder(row);
  }

  /** Every catalogue change is an event (routing's compiled table listens: services.ts). */
  private changed(unit: TransactionUnit, event: CatalogEvent): void {
    unit.publish(event);
  }

  async getFunder(tx: Executor, funderId: string): Promise<Funder | undefined> {
    const row = await getFunderRow(tx, funderId);
    return row ? toFunder(row) : undefined;
  }

  /** The funder if this principal may see it (access/visibility.ts); otherwise the answer for a missing one. */
  async getVisibleFunder(tx: Executor, principal: Principal, funderId: string): Promise<Funder> {
    const funder = canSeeFunder(principal, funderId) ? await this.getFunder(tx, funderId) : undefined;
    if (!funder) throw new DomainError('funder_not_found', `no funder ${funderId}`, 'funderId');
    return funder;
  }

  /** The funders this principal may see: staff a page of all, a funder key its own only. */
  async listVisibleFunders(
    tx: Executor,
    principal: Principal,
    page: { after?: string; limit: number },
  ): Promise<Funder[]> {
    if (isStaff(principal)) return this.listFunders(tx, page);
    const own = principal.funderId === null ? undefined : await this.getFunder(tx, principal.funderId);
    return own && canSeeFunder(principal, own.id) ? [own] : [];
  }

  async webhookSecret(tx: Executor, funderId: string): Promise<string | null> {
    const enc = await getWebhookSecretEnc(tx, funderId);
    return enc ? this.deps.vault.decrypt(enc, `funder:${funderId}:webhook`) : null;
  }

  async listFunders(tx: Executor, page: { after?: string; limit: number }): Promise<Funder[]> {
    return (await listFunderRows(tx, page)).map(toFunder);
  }

  /** Add a product (vetted against the cost cap); raises product.created. */
  async createProduct(unit: TransactionUnit, funderId: string, input: ProductInput): Promise<Product> {
    const tx = unit.tx;
    if (!(await this.getFunder(tx, funderId)))
      throw new DomainError('funder_not_found', `no funder ${funderId}`, 'funderId');
    if (input.minAmountFen > input.maxAmountFen)
      throw new DomainError('product_invalid', 'minAmountFen above maxAmountFen', 'minAmountFen');
    if (input.rateAnnualMin > input.rateAnnualMax)
      throw new DomainError('product_invalid', 'rateAnnualMin above rateAnnualMax', 'rateAnnualMin');
    if (input.ageMin > input.ageMax)
      throw new DomainError('product_invalid', 'ageMin above ageMax', 'ageMin');
    const fees = input.fees ?? [];
    // A one-off fee must fall inside every term the product offers: a 3-month loan cannot carry a
    // fee due in month 6, and pricing refuses to quote one (routing would have no statable cost).
    fees.forEach((fee, i) => {
      const shortest = Math.min(...input.termsMonths);
      if (fee.kind === 'once' && fee.period > shortest) {
        throw new DomainError(
          'product_invalid',
          `a one-off fee in period ${fee.period} falls after the ${shortest}-month term`,
          `fees[${i}].period`,
        );
      }
    });
    await this.vetProduct(tx, { ...input, fees });
    const row = {
      id: input.id ?? this.deps.ids.next('prd'),
      funderId,
      name: input.name,
      status: 'active',
      minAmountFen: input.minAmountFen,
      maxAmountFen: input.maxAmountFen,
      termsMonths: [...new Set(input.termsMonths)].sort((a, b) => a - b),
      rateAnnualMin: input.rateAnnualMin,
      rateAnnualMax: input.rateAnnualMax,
      methods: [...new Set(input.methods)],
      fees,
      ageMin: input.ageMin,
      ageMax: input.ageMax,
      minScore: input.minScore,
      createdAt: this.deps.clock.now(),
    };
    const inserted = await insertProduct(tx, row);
    if (!inserted) throw new DomainError('product_invalid', `product ${row.id} exists`, 'id');
    this.changed(unit, {
      topic: 'product.created',
      aggregateId: row.id,
      payload: { funderId, productId: row.id },
      at: row.createdAt,
    });
    return toProduct(inserted);
  }

  async listProducts(
    tx: Executor,
    filter: { funderId?: string; activeOnly?: boolean; limit: number },
  ): Promise<Product[]> {
    return (await listProductRows(tx, filter)).map(toProduct);
  }

  async getProduct(tx: Executor, productId: string): Promise<Product | undefined> {
    const row = await getProductRow(tx, productId);
    return row ? toProduct(row) : undefined;
  }

  /** Put a new contract in force (ending the current one); raises contract.created. */
  async createContract(
    unit: TransactionUnit,
    funderId: string,
    terms: ContractTerms,
    effectiveFrom?: Date,
  ): Promise<Contract> {
    const tx = unit.tx;
    if (!(await this.getFunder(tx, funderId)))
      throw new DomainError('funder_not_found', `no funder ${funderId}`, 'funderId');
    const now = this.deps.clock.now();
    const from = effectiveFrom ?? now;
    if (terms.serviceFee.basis === 'fixed' && terms.serviceFee.fixedFen === undefined)
      throw new DomainError('contract_invalid', 'a fixed service fee names fixedFen', 'serviceFee.fixedFen');
    const { terminationThreshold, terminationWindowDays } = terms.noBackflow;
    if (!Number.isSafeInteger(terminationThreshold) || terminationThreshold < 1)
      throw new DomainError(
        'contract_invalid',
        'terminationThreshold is a whole number of findings, at least 1',
        'noBackflow.terminationThreshold',
      );
    if (
      terminationWindowDays !== undefined &&
      (!Number.isSafeInteger(terminationWindowDays) ||
        terminationWindowDays < 1 ||
        terminationWindowDays > TERMINATION_WINDOW_DAYS_MAX)
    )
      throw new DomainError(
        'contract_invalid',
        `terminationWindowDays is a whole number of days, 1 to ${TERMINATION_WINDOW_DAYS_MAX}`,
        'noBackflow.terminationWindowDays',
      );
    const issuedUntil = await this.issuedUntil(tx, funderId);
    if (issuedUntil && from.getTime() < issuedUntil.getTime())
      throw new DomainError(
        'contract_alters_issued_statement',
        `the funder's statements are issued up to ${issuedUntil.toISOString()}; a contract may take effect from then on`,
        'effectiveFrom',
      );
    // A new contract ends the current one where it begins: history stays, one contract is in force.
    await endCurrentContract(tx, funderId, from);
    const contract = {
      id: this.deps.ids.next('ctr'),
      funderId,
      terms,
      effectiveFrom: from,
      effectiveTo: null,
      createdAt: now,
    };
    await insertContract(tx, contract);
    this.changed(unit, {
      topic: 'contract.created',
      aggregateId: contract.id,
      payload: { funderId, contractId: contract.id },
      at: now,
    });
    return contract;
  }

  /** Contracts in force at some instant of [from, to), oldest first (settlement's fee terms). */
  async contractsBetween(tx: Executor, funderId: string, from: Date, to: Date): Promise<Contract[]> {
    return contractsInForceBetween(tx, funderId, from, to);
  }

  async currentContract(tx: Executor, funderId: string): Promise<Contract | undefined> {
    return getCurrentContract(tx, funderId);
  }
}

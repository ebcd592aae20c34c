// The canary program's use cases (ADR 0077): register recruited mystery shoppers with dedicated
// contact points (sealed), set the monthly budget, plan placements with the pure planner
// (canaries.ts), and attribute a contact at a canary contact point to the one funder that saw it.
// The canary's own application is an ordinary one (intake, sharing, ledger): nothing here touches
// what a funder receives. Callers are admin and analyst only (canary-routes.ts hides the routes).
import type { Executor } from '../db/client.ts';
import type { CatalogService } from '../catalog/service.ts';
import type { IdentityService } from '../identity/service.ts';
import { maskPhone, normalisePhone } from '../identity/phone.ts';
import {
  type Clock,
  type IdGenerator,
  SeededRandom,
  type Vault,
  assert,
  canonicalJson,
  deriveKey,
  hmacSha256,
  sha256Hex,
} from '../kernel/index.ts';
import type { SharingService } from '../sharing/service.ts';
import * as store from './store.ts';
import {
  type CanaryFunderTarget,
  type CanaryPlacement,
  type CanaryProfile,
  attributeCanaryContact,
  planCanaries,
} from './canaries.ts';
import {
  CANARY_BANDS,
  CANARY_CONTACT_POINTS_MAX,
  CANARY_LIST_LIMIT_MAX,
  CANARY_PLAN_CANARIES_MAX,
  CANARY_PLAN_FUNDERS_MAX,
  CANARY_STATUSES,
  CONTACT_CLOCK_SKEW_MS,
  type CanaryContactChannel,
  type CanaryContactView,
  type CanaryStatus,
  type CanaryView,
  type ContactReport,
  DEFAULT_GOOD_BANDS,
  type PlanInput,
  type PlanView,
  type RegisterCanaryInput,
} from './canary-model.ts';
import { DomainError } from './errors.ts';

const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,20}$/;
const MONTH = /^(19[7-9]\d|20\d\d)-(0[1-9]|1[0-2])$/;

export class CanaryService {
  private readonly contactPointSecret: Buffer;

  constructor(
    private readonly deps: {
      clock: Clock;
      ids: IdGenerator;
      vault: Vault;
      masterKey: Buffer;
      identity: Pick<IdentityService, 'getProfile'>;
      catalog: Pick<CatalogService, 'listFunders'>;
      sharing: Pick<SharingService, 'exposuresOf' | 'judgeContact'>;
    },
  ) {
    this.contactPointSecret = deriveKey(deps.masterKey, 'canary-contact-point');
  }

  /** HMAC of a normalised contact point: found without decrypting, one canary per address. */
  private addressKey(channel: CanaryContactChannel, address: string): string {
    return hmacSha256(this.contactPointSecret, `${channel}:${address}`).toString('hex');
  }

  private normalise(channel: CanaryContactChannel, raw: string, field: string): string {
    const address = channel === 'phone' ? normalisePhone(raw) : EMAIL.test(raw) ? raw.toLowerCase() : null;
    if (!address)
      throw new DomainError(
        'canary_contact_point_invalid',
        channel === 'phone' ? 'not a mainland mobile number' : 'not an email address',
        field,
      );
    return address;
  }

  async register(tx: Executor, input: RegisterCanaryInput): Promise<CanaryView> {
    if (!CANARY_BANDS.includes(input.band))
      throw new DomainError('canary_invalid', `band must be one of ${CANARY_BANDS.join(', ')}`, 'band');
    if (input.contactPoints.length < 1 || input.contactPoints.length > CANARY_CONTACT_POINTS_MAX)
      throw new DomainError(
        'canary_invalid',
        `a canary has 1 to ${CANARY_CONTACT_POINTS_MAX} contact points`,
        'contactPoints',
      );
    const now = this.deps.clock.now();
    const id = this.deps.ids.next('cny');
    const points = input.contactPoints.map((p, i) => {
      const address = this.normalise(p.channel, p.address, `contactPoints.${i}.address`);
      const addressKey = this.addressKey(p.channel, address);
      return {
        id: this.deps.ids.next('ccp'),
        canaryId: id,
        channel: p.channel,
        addressEnc: this.deps.vault.encrypt(address, `canary-contact:${addressKey}`),
        addressKey,
        createdAt: now,
        masked: mask(p.channel, address),
      };
    });
    if (new Set(points.map((p) => p.addressKey)).size !== points.length)
      throw new DomainError('canary_contact_point_taken', 'a contact point is listed twice', 'contactPoints');
    const profile = await this.deps.identity.getProfile(tx, input.customerId);
    if (!profile)
      throw new DomainError('canary_customer_not_found', `no customer ${input.customerId}`, 'customerId');
    if (await store.canaryByCustomer(tx, input.customerId))
      throw new DomainError('canary_already_registered', 'this customer is already a canary', 'customerId');
    const taken = await store.contactPointsByKeys(
      tx,
      points.map((p) => p.addressKey),
    );
    if (taken.length > 0) {
      const i = points.findIndex((p) => p.addressKey === taken[0]!.addressKey);
      throw new DomainError(
        'canary_contact_point_taken',
        'this contact point is already registered to a canary',
        `contactPoints.${i}.address`,
      );
    }
    const row: store.CanaryRow = {
      id,
      customerId: input.customerId,
      status: 'recruited',
      band: input.band,
      regionCode: profile.regionCode,
      employerIsPlatformOrPartner: input.employerIsPlatformOrPartner,
      dedicatedFunderId: null,
      createdAt: now,
      updatedAt: now,
    };
    await store.insertCanary(
      tx,
      row,
      points.map(({ masked: _masked, ...p }) => p),
    );
    return this.view(row, points);
  }

  private view(
    row: store.CanaryRow,
    points: ReadonlyArray<{ id: string; channel: string; masked: string }>,
  ): CanaryView {
    assert(
      (CANARY_STATUSES as readonly string[]).includes(row.status),
      `canary ${row.id} has status ${row.status}`,
    );
    return {
      id: row.id,
      customerId: row.customerId,
      status: row.status as CanaryStatus,
      band: row.band,
      regionCode: row.regionCode,
      employerIsPlatformOrPartner: row.employerIsPlatformOrPartner,
      dedicatedFunderId: row.dedicatedFunderId,
      contactPoints: points.map((p) => ({
        id: p.id,
        channel: p.channel as CanaryContactChannel,
        masked: p.masked,
      })),
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }

  private unseal(point: store.ContactPointRow): string {
    return this.deps.vault.decrypt(point.addressEnc, `canary-contact:${point.addressKey}`);
  }

  async list(
    tx: Executor,
    page: { after?: string | undefined; limit: number; status?: CanaryStatus | undefined },
  ): Promise<{ canaries: CanaryView[]; next: string | null }> {
    assert(page.limit >= 1 && page.limit <= CANARY_LIST_LIMIT_MAX, 'canary page limit');
    const rows = await store.listCanaries(tx, page);
    const points = await store.contactPointsOf(
      tx,
      rows.map((r) => r.id),
      rows.length * CANARY_CONTACT_POINTS_MAX,
    );
    const canaries = rows.map((row) =>
      this.view(
        row,
        points
          .filter((p) => p.canaryId === row.id)
          .map((p) => ({
            id: p.id,
            channel: p.channel,
            masked: mask(p.channel as CanaryContactChannel, this.unseal(p)),
          })),
      ),
    );
    return { canaries, next: rows.length === page.limit ? rows[rows.length - 1]!.id : null };
  }

  async setBudget(
    tx: Executor,
    input: { month: string; budgetFen: number; costPerPlacementFen: number },
  ): Promise<{ month: string; budgetFen: number; costPerPlacementFen: number; spentFen: number }> {
    checkMonth(input.month);
    await store.upsertBudget(tx, { ...input, updatedAt: this.deps.clock.now() });
    return { ...input, spentFen: await store.spentInMonth(tx, input.month) };
  }

  /**
   * Plan this month's placements within what is left of its budget (the budget row is locked for
   * the transaction, so two plans cannot both spend it). A dry run answers the same plan and
   * writes nothing. A canary already placed this month is not considered again.
   */
  async plan(tx: Executor, input: PlanInput): Promise<PlanView> {
    checkMonth(input.month);
    const budget = await store.budgetForUpdate(tx, input.month);
    if (!budget)
      throw new DomainError('canary_budget_not_set', `no canary budget for ${input.month}`, 'month');
    const goodBands = input.goodBands ?? DEFAULT_GOOD_BANDS;
    goodBands.forEach((band, i) => {
      if (!CANARY_BANDS.includes(band))
        throw new DomainError(
          'canary_invalid',
          `band must be one of ${CANARY_BANDS.join(', ')}`,
          `goodBands.${i}`,
        );
    });
    const spentBefore = await store.spentInMonth(tx, input.month);
    const seed = input.seed ?? seedOfMonth(input.month);
    const random = new SeededRandom(seed);
    const plan = planCanaries({
      canaries: await this.candidates(tx, input.month),
      funders: await this.targets(tx, goodBands, input.funders ?? []),
      budgetFen: Math.max(0, budget.budgetFen - spentBefore),
      costPerPlacementFen: budget.costPerPlacementFen,
      random: () => random.next(),
    });
    const placements = input.dryRun
      ? plan.placements.map((p) => ({ id: null, ...p }))
      : await this.recordPlacements(tx, input.month, plan.placements);
    const plannedFen = plan.placements.reduce((sum, p) => sum + p.costFen, 0);
    return {
      month: input.month,
      dryRun: input.dryRun,
      seed,
      budgetFen: budget.budgetFen,
      spentBeforeFen: spentBefore,
      plannedFen,
      remainingFen: budget.budgetFen - spentBefore - plannedFen,
      placements,
      unplaced: plan.unplaced,
    };
  }

  /** The canaries a plan considers: not retired, not yet placed this month. */
  private async candidates(tx: Executor, month: string): Promise<CanaryProfile[]> {
    const rows = [
      ...(await store.listCanaries(tx, { status: 'recruited', limit: CANARY_PLAN_CANARIES_MAX })),
      ...(await store.listCanaries(tx, { status: 'active', limit: CANARY_PLAN_CANARIES_MAX })),
    ];
    const placed = await store.placedInMonth(
      tx,
      month,
      rows.map((c) => c.id),
    );
    return rows
      .filter((c) => !placed.has(c.id))
      .slice(0, CANARY_PLAN_CANARIES_MAX)
      .map((c) => ({
        canaryId: c.id,
        band: c.band,
        region: c.regionCode.slice(0, 2),
        employerIsPlatformOrPartner: c.employerIsPlatformOrPartner,
        dedicatedTo: c.dedicatedFunderId ?? undefined,
      }));
  }

  /** The active funders as the planner sees them, with detection's weights where given. */
  private async targets(
    tx: Executor,
    goodBands: readonly string[],
    given: NonNullable<PlanInput['funders']>,
  ): Promise<CanaryFunderTarget[]> {
    const overrides = new Map(given.map((f) => [f.funderId, f]));
    const funders = await this.deps.catalog.listFunders(tx, { limit: CANARY_PLAN_FUNDERS_MAX });
    return funders
      .filter((f) => f.status === 'active')
      .map((f) => ({
        funderId: f.id,
        // The planner matches provinces: a funder licensed for part of a province only is not
        // counted as licensed there, so a canary is never placed where the funder may not lend.
        licensedRegions: f.licensedRegions.filter((r) => r === '*' || r.length === 2),
        goodBands,
        flowWeight: overrides.get(f.id)?.flowWeight ?? 1,
        suspicion: overrides.get(f.id)?.suspicion ?? 0,
      }));
  }

  private async recordPlacements(
    tx: Executor,
    month: string,
    planned: readonly CanaryPlacement[],
  ): Promise<PlanView['placements']> {
    const now = this.deps.clock.now();
    const placements: PlanView['placements'] = [];
    for (const p of planned) {
      // The registry's own guard of "one funder per canary": the planner honours dedicatedTo, and
      // the conditional update refuses a canary dedicated to another funder meanwhile.
      if (!(await store.dedicate(tx, p.canaryId, p.funderId, now)))
        throw new DomainError('conflict', `canary ${p.canaryId} changed while planning; plan again`);
      const id = this.deps.ids.next('cpl');
      await store.insertPlacements(tx, [
        {
          id,
          canaryId: p.canaryId,
          funderId: p.funderId,
          month,
          costFen: p.costFen,
          applicationId: null,
          placedAt: now,
        },
      ]);
      placements.push({ id, ...p });
    }
    return placements;
  }

  async retire(tx: Executor, canaryId: string): Promise<CanaryView> {
    const row = await store.canaryById(tx, canaryId);
    if (!row) throw new DomainError('not_found', `no canary ${canaryId}`, 'id');
    const now = this.deps.clock.now();
    await store.setCanaryStatus(tx, [canaryId], 'retired', now);
    const points = await store.contactPointsOf(tx, [canaryId], CANARY_CONTACT_POINTS_MAX);
    return this.view(
      { ...row, status: 'retired', updatedAt: now },
      points.map((p) => ({
        id: p.id,
        channel: p.channel,
        masked: mask(p.channel as CanaryContactChannel, this.unseal(p)),
      })),
    );
  }

  /**
   * A contact received at one of the canary's contact points: attributed to the one funder the
   * canary had been shown to before the contact (sharing's share register, not the plan: what
   * counts is who actually received the contact point), or stored unattributed with the reason.
   * Idempotent per source id: the same report again answers the first record; other content
   * under the same source id is refused.
   */
  async reportContact(
    tx: Executor,
    canaryId: string,
    report: ContactReport,
  ): Promise<{ contact: CanaryContactView; replayed: boolean }> {
    const canary = await store.canaryById(tx, canaryId);
    if (!canary) throw new DomainError('not_found', `no canary ${canaryId}`, 'id');
    const occurredMs = report.occurredAt.getTime();
    if (!Number.isFinite(occurredMs) || occurredMs > this.deps.clock.now().getTime() + CONTACT_CLOCK_SKEW_MS)
      throw new DomainError('canary_invalid', 'occurredAt is not a time up to now', 'occurredAt');
    const channel: CanaryContactChannel = report.channel === 'email' ? 'email' : 'phone';
    const address = this.normalise(channel, report.contactPoint, 'contactPoint');
    const key = this.addressKey(channel, address);
    const reportHash = sha256Hex(
      canonicalJson({ ...report, contactPoint: key, occurredAt: report.occurredAt.toISOString(), canaryId }),
    );
    const existing = await store.contactBySource(tx, report.sourceId);
    if (existing) {
      if (existing.reportHash !== reportHash)
        throw new DomainError(
          'canary_contact_source_reused',
          'this source id was reported before with different content',
          'sourceId',
        );
      return { contact: contactView(existing), replayed: true };
    }
    const [point] = await store.contactPointsByKeys(tx, [key]);
    if (!point || point.canaryId !== canaryId)
      throw new DomainError(
        'canary_contact_point_unknown',
        'the contact point is not one of this canary’s',
        'contactPoint',
      );
    // The share register, oldest first, as it stood when the contact happened.
    const shares = (await this.deps.sharing.exposuresOf(tx, canary.customerId))
      .filter((s) => s.at.getTime() <= report.occurredAt.getTime())
      .reverse();
    const attribution = attributeCanaryContact(shares.map((s) => s.funderId));
    const share = attribution.attributable
      ? shares.find((s) => s.funderId === attribution.funderId)
      : undefined;
    // Attributed or not, was it within the purpose the canary's application was shared for? The
    // same rule the relay webhook applies (sharing's classifyContact).
    const purpose = share
      ? await this.deps.sharing.judgeContact(tx, canary.customerId, share.funderId, {
          occurredAt: report.occurredAt,
          summary: report.summary,
          category: report.category,
        })
      : undefined;
    const row: store.CanaryContactRow = {
      id: this.deps.ids.next('ccn'),
      canaryId,
      contactPointId: point.id,
      sourceId: report.sourceId,
      reportHash,
      channel: report.channel,
      category: report.category,
      occurredAt: report.occurredAt,
      receivedAt: this.deps.clock.now(),
      summary: report.summary,
      attributed: attribution.attributable,
      funderId: attribution.attributable ? attribution.funderId : null,
      reason: attribution.attributable ? null : attribution.reason,
      exposureEntryId: share?.exposureEntryId ?? null,
      customerRef: share?.customerRef ?? null,
      exposedCount: new Set(shares.map((s) => s.funderId)).size,
      purposeVerdict: purpose?.verdict ?? null,
      purposeReason: purpose?.reason ?? null,
    };
    await store.insertContact(tx, row);
    if (share) {
      await store.setPlacementApplication(tx, canaryId, share.funderId, share.applicationId);
      if (purpose?.verdict === 'out-of-purpose')
        await this.recordEvidence(tx, canary.customerId, share, row, report, purpose.reason);
    }
    return { contact: contactView(row), replayed: false };
  }
  /**
   * The contact is evidence against the one funder that held the contact point (ADR 0077): in the
   * detection register, where rescoring reads it and the package cites its exposure.
   */
  private async recordEvidence(
    tx: Executor,
    customerId: string,
    share: { funderId: string; exposureEntryId: string },
    row: store.CanaryContactRow,
    report: ContactReport,
    purposeReason: string,
  ): Promise<void> {
    await store.insertEvidence(tx, {
      id: this.deps.ids.next('evd'),
      kind: 'canary-contact',
      funderId: share.funderId,
      customerId,
      occurredAt: report.occurredAt,
      recordedAt: row.receivedAt,
      source: row.id,
      proves: `A ${report.category} ${report.channel} reached a contact point that only ${share.funderId} received (in the exposure cited), and that is used for nothing else, outside the purpose it was shared for (${purposeReason}): ${share.funderId} used the shared data.`,
      detail: {
        contactId: row.id,
        channel: report.channel,
        category: report.category,
        attributable: true,
        // the contact-purpose verdict, in the same fields a relay contact's evidence carries
        verdict: 'out-of-purpose',
        reason: purposeReason,
      },
      exposureEntryId: share.exposureEntryId,
      status: 'attributed',
    });
  }
}

function contactView(row: store.CanaryContactRow): CanaryContactView {
  return {
    id: row.id,
    canaryId: row.canaryId,
    sourceId: row.sourceId,
    channel: row.channel,
    category: row.category,
    occurredAt: row.occurredAt,
    receivedAt: row.receivedAt,
    summary: row.summary,
    attributed: row.attributed,
    funderId: row.funderId,
    reason: row.reason,
    exposureEntryId: row.exposureEntryId,
    exposedCount: row.exposedCount,
    purpose:
      row.purposeVerdict === null ? null : { verdict: row.purposeVerdict, reason: row.purposeReason ?? '' },
  };
}

function mask(channel: CanaryContactChannel, address: string): string {
  if (channel === 'phone') return maskPhone(address);
  const [local, domain] = address.split('@');
  return `${local!.slice(0, 1)}***@${domain}`;
}

function checkMonth(month: string): void {
  if (!MONTH.test(month)) throw new DomainError('canary_invalid', 'month is YYYY-MM', 'month');
}

/** A plan without a seed is still reproducible: the month names its draw. */
function seedOfMonth(month: string): number {
  return Number.parseInt(sha256Hex(`canary-plan/${month}`).slice(0, 8), 16);
}

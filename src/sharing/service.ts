// Over 500 lines because: the gateway, relay contact points and the OPRF pre-screen share the
// pseudonymiser, policies and consent checks; each public method is short (ADR 0041).
// The data-sharing gateway: every payload that leaves for a funder is built here, under the funder's
// field policy and a live consent, and leaves an exposure receipt in the ledger (DESIGN principle 5).
// Also: per-funder pseudonyms, relay contact points and their contact events, and the OPRF pre-screen.
import { randomBytes } from 'node:crypto';
import type { Db, Executor } from '../db/client.ts';
import type { LiveConsent } from '../identity/model.ts';
import type { ContactRecorded, FunderExposed } from './model.ts';
import type { IdentityService } from '../identity/service.ts';
import type { IntakeService } from '../intake/service.ts';
import { Receipt, type TransactionUnit, type UnitOfWork, type Units } from '../db/unit-of-work.ts';
import {
  type Clock,
  type IdGenerator,
  type Vault,
  assert,
  canonicalJson,
  deriveKey,
  hmacSha256,
  sha256Hex,
} from '../kernel/index.ts';
import { DomainError, unwrap } from './errors.ts';
import { OPRF_SUITE, blind, finalize, isValidElement, scalarFromRandom } from './oprf.ts';
import { type PrescreenSet, parseSetFile, prescreenInput, setContains } from './prescreen-set.ts';
import { type ContactCategory, classifyContact, type PurposeVerdict } from './contact-purpose.ts';
import { DEFAULT_POLICY, disclose, fieldsAllowed, mergePolicy, validatePolicy } from './disclosure.ts';
import {
  type ContactEvent,
  type ContactEventInput,
  type ContactVerdict,
  type Field,
  type FieldPolicy,
  type FunderPayload,
  PRE_BOOKING_STAGES,
  type ShareResult,
  type SharingPolicy,
  type Stage,
  STAGES,
} from './model.ts';
import { Pseudonymiser } from './pseudonym.ts';
import type { RelayChannel, RelayProvider } from './relay.ts';
import * as store from './store.ts';

export interface ShareRequest {
  /** Only IdentityService.requireLiveConsent makes one: sharing without consent does not type-check. */
  consent: LiveConsent;
  funderId: string;
  stage: Stage;
  applicationId: string;
}

export interface SharingDeps {
  clock: Clock;
  ids: IdGenerator;
  masterKey: Buffer;
  vault: Vault;
  identity: IdentityService;
  intake: IntakeService;
  /** opens units for the pre-screen's exposure (the gateway's share runs in the caller's) */
  units: Units;
  relay: RelayProvider;
}

/** How long the platform waits for a funder's OPRF service (the check is on the application path). */
export const PRESCREEN_TIMEOUT_MS = 3_000;
/** Funders one pre-screen may query at once (each is one HTTP round trip, run concurrently). */
export const PRESCREEN_FUNDERS_MAX = 50;
/** Parsed sets kept in memory (a 1M set is 16 MB). */
const SET_CACHE_MAX = 16;

export interface PrescreenResult {
  funderId: string;
  /** the applicant's phone or ID number is on the funder's list */
  member: boolean;
  keyId: string;
  exposureEntryId: string;
}

export interface PolicyView {
  funderId: string;
  policy: SharingPolicy;
  version: number;
  isDefault: boolean;
}

export class SharingService {
  readonly pseudonyms: Pseudonymiser;
  private readonly callerKeySecret: Buffer;

  constructor(private readonly deps: SharingDeps) {
    this.pseudonyms = new Pseudonymiser(deps.masterKey);
    this.callerKeySecret = deriveKey(deps.masterKey, 'sharing/contact-caller');
  }

  // ---- the gateway ----

  /** Raise funder.exposed in the unit; the ledger's entry id comes back as its receipt. */
  private expose(unit: UnitOfWork, at: Date, exposure: FunderExposed['exposure']): string {
    const receipt = new Receipt<string>();
    unit.publish({
      topic: 'funder.exposed',
      aggregateId: exposure.customerId,
      payload: {
        funderId: exposure.funderId,
        applicationId: exposure.applicationId,
        stage: exposure.stage,
        payloadHash: exposure.payloadHash,
      },
      at,
      exposure,
      receipt,
    } satisfies FunderExposed);
    return receipt.get();
  }

  /**
   * Build the payload for one funder at one stage, record the exposure in the ledger and the share
   * register, and return it for sending. Runs in the caller's transaction (a unit joined to it):
   * if the send is rolled back, so is the receipt. Raises funder.exposed (the ledger records it).
   * Without a live consent: consent_missing, nothing leased, nothing recorded.
   */
  async share(tx: Executor, request: ShareRequest): Promise<ShareResult> {
    const { funderId, stage, applicationId } = request;
    const { application, live, policy, fieldPolicy, contact, employer, profile, relayContact } =
      await this.sources(tx, request);
    const customerId = application.customerId;
    const now = this.deps.clock.now();
    const disclosure = disclose(
      {
        customerId,
        applicationId,
        name: contact?.name ?? null,
        idNumber: contact?.idNumber ?? null,
        phone: contact?.phone ?? null,
        birthDate: profile.birthDate,
        gender: profile.gender,
        regionCode: profile.regionCode,
        employer,
        monthlyIncomeFen: application.monthlyIncomeFen,
        amountFen: application.amountFen,
        termMonths: application.termMonths,
        purpose: application.purpose,
        relayContact,
      },
      fieldPolicy,
      live.dataCategories,
      (field, value) => this.pseudonyms.pseudonym(funderId, field, value),
    );
    const payload: FunderPayload = {
      schema: 'shoujia.share/v1',
      funderId,
      stage,
      sharedAt: now.toISOString(),
      fields: disclosure.fields,
    };
    const payloadHash = sha256Hex(canonicalJson(payload));
    // The exposure (the ledger's receipt, through funder.exposed) and the share register row.
    const unit = this.deps.units.join(tx);
    const exposure = { funderId, customerId, applicationId, stage, fields: disclosure.shared, payloadHash };
    const entryId = this.expose(unit, now, {
      ...exposure,
      consentId: live.id,
      details: { policyVersion: policy.version },
    });
    await store.insertShare(tx, {
      ...exposure,
      id: this.deps.ids.next('shr'),
      customerRef: this.pseudonyms.customerRef(funderId, customerId),
      applicationRef: this.pseudonyms.applicationRef(funderId, applicationId),
      consentId: live.id,
      policyVersion: policy.version,
      exposureEntryId: entryId,
      sharedAt: now,
    });
    await unit.flush();
    return {
      payload,
      payloadHash,
      exposureEntryId: entryId,
      fields: disclosure.shared,
      withheldForConsent: disclosure.withheldForConsent,
    };
  }

  /**
   * What a share is built from, read in its transaction: the application, the live consent (checked
   * again here: the one passed in may be for another funder or customer, or withdrawn since), the
   * funder's policy for the stage, and only the PII the policy and consent let leave (data
   * minimisation starts before the payload is built), with relay points leased if they are shown.
   */
  private async sources(tx: Executor, request: ShareRequest) {
    const { consent, funderId, stage, applicationId } = request;
    assert(STAGES.includes(stage), `unknown stage ${stage}`);
    const application = await this.deps.intake.get(tx, applicationId);
    if (!application)
      throw new DomainError('share_source_missing', `no application ${applicationId}`, 'applicationId');
    const live =
      consent.funderId === funderId && consent.customerId === application.customerId
        ? await this.deps.identity.findLiveConsent(tx, application.customerId, funderId)
        : undefined;
    if (!live)
      throw new DomainError(
        'consent_missing',
        `no live consent to share with funder ${funderId}`,
        'funderId',
      );
    const customerId = application.customerId;
    const policy = await this.policyOf(tx, funderId);
    const fieldPolicy: FieldPolicy = policy.policy[stage];
    const allowed = new Set(fieldsAllowed(fieldPolicy, live.dataCategories));
    const needsContact = allowed.has('name') || allowed.has('idNumber') || allowed.has('phone');
    const contact = needsContact ? await this.deps.identity.revealContact(tx, customerId) : null;
    const employer = allowed.has('employer') ? await this.deps.intake.employer(tx, applicationId) : null;
    const profile = await this.deps.identity.getProfile(tx, customerId);
    if (!profile || (needsContact && !contact))
      throw new DomainError('share_source_missing', `no customer ${customerId}`, 'applicationId');
    const wantsRelay =
      PRE_BOOKING_STAGES.includes(stage) &&
      fieldPolicy.relayContact !== 'withheld' &&
      live.dataCategories.includes('contact');
    const relayContact = wantsRelay
      ? {
          phone: await this.leaseFor(tx, customerId, funderId, 'phone'),
          email: await this.leaseFor(tx, customerId, funderId, 'email'),
        }
      : null;
    return { application, live, policy, fieldPolicy, contact, employer, profile, relayContact };
  }

  /** Map a funder's application reference (from its callback) back to the platform's application. */
  async resolveApplicationRef(
    tx: Executor,
    funderId: string,
    applicationRef: string,
  ): Promise<string | undefined> {
    return (await store.shareByApplicationRef(tx, funderId, applicationRef))?.applicationId;
  }

  /**
   * Map a funder's customer pseudonym back to the platform's customer, if the platform ever shared
   * that customer with the funder (settlement's declared conversions).
   */
  async resolveCustomerRef(tx: Executor, funderId: string, customerRef: string): Promise<string | undefined> {
    return (await store.shareByCustomerRef(tx, funderId, customerRef))?.customerId;
  }

  // ---- private pre-screen (隐私撞库, RFC 9497 OPRF) ----

  private readonly setCache = new Map<string, PrescreenSet>();

  /** Store a funder's encoded set (from `shoujia funder prescreen-encode`) and its OPRF endpoint. */
  async importPrescreenSet(
    tx: Executor,
    funderId: string,
    file: Buffer,
    endpoint: { url: string; token?: string | undefined },
  ): Promise<{ setId: string; keyId: string; count: number; sha256: string }> {
    const set = unwrap(parseSetFile(file));
    const id = this.deps.ids.next('pss');
    const sha256 = sha256Hex(file);
    await store.replacePrescreenSet(tx, {
      id,
      funderId,
      keyId: set.header.keyId,
      elementCount: set.header.count,
      sha256,
      data: file,
      endpointUrl: endpoint.url,
      endpointTokenEnc: endpoint.token
        ? this.deps.vault.encrypt(endpoint.token, `prescreen:${funderId}:token`)
        : null,
      uploadedAt: this.deps.clock.now(),
      retiredAt: null,
    });
    return { setId: id, keyId: set.header.keyId, count: set.header.count, sha256 };
  }

  /** The live set's description (never its entries or the endpoint token). */
  async prescreenSetInfo(
    tx: Executor,
    funderId: string,
  ): Promise<{
    setId: string;
    keyId: string;
    count: number;
    sha256: string;
    endpointUrl: string;
    uploadedAt: Date;
  }> {
    const row = await store.livePrescreenSet(tx, funderId);
    if (!row)
      throw new DomainError(
        'prescreen_not_configured',
        `funder ${funderId} has no pre-screen set`,
        'funderId',
      );
    return {
      setId: row.id,
      keyId: row.keyId,
      count: row.elementCount,
      sha256: row.sha256,
      endpointUrl: row.endpointUrl,
      uploadedAt: row.uploadedAt,
    };
  }

  /**
   * Is the applicant on the funder's list? One blinded round trip carrying the phone's and the ID
   * number's blinded elements; the funder learns nothing, the platform learns membership only. The
   * network call runs outside any transaction; the receipt (what was asked, of whom, the answer)
   * is appended to the ledger afterwards: a later claim "already our customer" can be checked
   * against it. No consent is needed: nothing identifying leaves (ledger consentId null).
   */
  async prescreenCheck(
    db: Db,
    funderId: string,
    applicationId: string,
    options: { random?: (bytes: number) => Uint8Array; fetch?: typeof fetch } = {},
  ): Promise<PrescreenResult> {
    const row = await store.livePrescreenSet(db, funderId);
    if (!row)
      throw new DomainError(
        'prescreen_not_configured',
        `funder ${funderId} has no pre-screen set`,
        'funderId',
      );
    const application = await this.deps.intake.get(db, applicationId);
    const contact = application
      ? await this.deps.identity.revealContact(db, application.customerId)
      : undefined;
    if (!application || !contact)
      throw new DomainError('share_source_missing', `no application ${applicationId}`, 'applicationId');
    const set = this.cachedSet(row);
    const random = options.random ?? randomBytes;
    const inputs = [prescreenInput('phone', contact.phone), prescreenInput('id', contact.idNumber)];
    const blinds = inputs.map(() => scalarFromRandom(random(64)));
    const request = {
      suite: OPRF_SUITE,
      keyId: row.keyId,
      elements: inputs.map((input, i) => Buffer.from(blind(input, blinds[i]!)).toString('base64')),
    };
    const token = row.endpointTokenEnc
      ? this.deps.vault.decrypt(row.endpointTokenEnc, `prescreen:${funderId}:token`)
      : null;
    const evaluated = await this.callOprf(row.endpointUrl, token, request, options.fetch ?? fetch);
    if (evaluated.length !== inputs.length)
      throw new DomainError(
        'prescreen_unavailable',
        'the OPRF service answered the wrong number of elements',
      );
    const member = inputs.some((input, i) => {
      const output = finalize(input, blinds[i]!, evaluated[i]!);
      if (!output.ok)
        throw new DomainError('prescreen_unavailable', 'the OPRF service answered an invalid element');
      return setContains(set, output.value);
    });
    const entryId = await this.deps.units.run(async (unit) =>
      this.expose(unit, this.deps.clock.now(), {
        funderId,
        customerId: application.customerId,
        applicationId,
        stage: 'prescreen',
        fields: [],
        payloadHash: sha256Hex(canonicalJson(request)),
        consentId: null,
        details: { method: 'oprf', suite: OPRF_SUITE, keyId: row.keyId, setSha256: row.sha256, member },
      }),
    );
    return { funderId, member, keyId: row.keyId, exposureEntryId: entryId };
  }

  /**
   * Pre-screen one application against several funders at once (routing's step before ranking).
   * Funders without a set answer `not-configured`; a funder whose service fails answers
   * `unavailable` (the caller decides whether that funder stays eligible); nothing throws for one
   * funder's failure.
   */
  async prescreenMany(
    db: Db,
    applicationId: string,
    funderIds: readonly string[],
    options: { random?: (bytes: number) => Uint8Array; fetch?: typeof fetch } = {},
  ): Promise<Record<string, 'member' | 'not-member' | 'not-configured' | 'unavailable'>> {
    assert(
      funderIds.length <= PRESCREEN_FUNDERS_MAX,
      `at most ${PRESCREEN_FUNDERS_MAX} funders per pre-screen`,
    );
    const answers = await Promise.all(
      funderIds.map(async (funderId) => {
        try {
          const result = await this.prescreenCheck(db, funderId, applicationId, options);
          return [funderId, result.member ? 'member' : 'not-member'] as const;
        } catch (error) {
          if (error instanceof DomainError && error.code === 'prescreen_not_configured')
            return [funderId, 'not-configured'] as const;
          if (error instanceof DomainError && error.code === 'prescreen_unavailable')
            return [funderId, 'unavailable'] as const;
          throw error;
        }
      }),
    );
    return Object.fromEntries(answers);
  }

  private cachedSet(row: store.PrescreenSetRow): PrescreenSet {
    let set = this.setCache.get(row.id);
    if (!set) {
      set = unwrap(parseSetFile(row.data));
      if (this.setCache.size >= SET_CACHE_MAX) this.setCache.delete(this.setCache.keys().next().value!);
      this.setCache.set(row.id, set);
    }
    return set;
  }

  private async callOprf(
    url: string,
    token: string | null,
    body: unknown,
    fetcher: typeof fetch,
  ): Promise<Uint8Array[]> {
    let response: Response;
    try {
      // Relative to the configured endpoint, so a path prefix (https://funder/oprf/) is kept.
      response = await fetcher(new URL('v1/oprf/evaluate', url.endsWith('/') ? url : `${url}/`), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(PRESCREEN_TIMEOUT_MS),
      });
    } catch (error) {
      throw new DomainError(
        'prescreen_unavailable',
        `the funder's OPRF service did not answer: ${(error as Error).name}`,
      );
    }
    const text = await response.text().catch(() => '');
    if (!response.ok)
      throw new DomainError('prescreen_unavailable', `the funder's OPRF service answered ${response.status}`);
    let parsed: { evaluated?: unknown };
    try {
      parsed = JSON.parse(text) as { evaluated?: unknown };
    } catch {
      throw new DomainError('prescreen_unavailable', 'the OPRF service answered non-JSON');
    }
    const evaluated = Array.isArray(parsed.evaluated) ? parsed.evaluated : [];
    return evaluated.map((e) => {
      const bytes = typeof e === 'string' ? Buffer.from(e, 'base64') : Buffer.alloc(0);
      if (!isValidElement(bytes))
        throw new DomainError('prescreen_unavailable', 'the OPRF service answered an invalid element');
      return bytes;
    });
  }

  // ---- field policies ----

  async policyOf(tx: Executor, funderId: string): Promise<PolicyView> {
    const stored = await store.readPolicy(tx, funderId);
    if (!stored) return { funderId, policy: DEFAULT_POLICY, version: 0, isDefault: true };
    return { funderId, policy: stored.policy, version: stored.version, isDefault: false };
  }

  /** Change some fields of some stages; the whole result must be a valid policy. */
  async updatePolicy(
    tx: Executor,
    funderId: string,
    changes: Partial<Record<Stage, Partial<FieldPolicy>>>,
    actor: string,
  ): Promise<PolicyView> {
    const current = await this.policyOf(tx, funderId);
    const merged = unwrap(validatePolicy(mergePolicy(current.policy, changes)));
    const version = current.version + 1;
    await store.writePolicy(tx, {
      funderId,
      policy: merged,
      version,
      updatedBy: actor,
      updatedAt: this.deps.clock.now(),
    });
    return { funderId, policy: merged, version, isDefault: false };
  }

  // ---- relay contact points ----

  get relayProvider(): RelayProvider {
    return this.deps.relay;
  }

  /** The live relay address of (customer, funder, channel), leasing one from the provider if none. */
  private async leaseFor(
    tx: Executor,
    customerId: string,
    funderId: string,
    channel: RelayChannel,
  ): Promise<string> {
    const existing = await store.liveLease(tx, customerId, funderId, channel);
    if (existing) return existing.address;
    const address = await this.deps.relay.acquire(tx, channel);
    if (!address) throw new DomainError('relay_pool_exhausted', `no free ${channel} relay point`, 'relay');
    const inserted = await store.insertLease(tx, {
      id: this.deps.ids.next('rly'),
      channel,
      address,
      provider: this.deps.relay.name,
      customerId,
      funderId,
      leasedAt: this.deps.clock.now(),
      releasedAt: null,
    });
    if (inserted) return address;
    // A concurrent share leased one for the same pair first (PostgreSQL): give ours back, use theirs.
    await this.deps.relay.release(tx, address);
    const winner = await store.liveLease(tx, customerId, funderId, channel);
    if (!winner) throw new DomainError('conflict', 'relay lease changed concurrently; retry');
    return winner.address;
  }

  /** End the pair's leases (e.g. the customer left); the addresses return to the provider. */
  async releaseRelay(tx: Executor, customerId: string, funderId: string): Promise<number> {
    const released = await store.releaseLeases(tx, customerId, funderId, this.deps.clock.now());
    for (const lease of released) await this.deps.relay.release(tx, lease.address);
    return released.length;
  }

  /**
   * An inbound contact from the relay provider's webhook. Attributed to the funder holding the
   * address at that time and judged against the consented purpose; an unknown address is stored
   * unattributed. A retried webhook (same providerEventId) returns the first record. A new record
   * raises contact.recorded in the unit (detection keeps out-of-purpose contacts as evidence).
   */
  async recordContact(
    unit: TransactionUnit,
    input: ContactEventInput & { category?: ContactCategory | undefined },
  ): Promise<{ event: ContactEvent; duplicate: boolean }> {
    const tx = unit.tx;
    const previous = await store.contactByProviderId(tx, input.providerEventId);
    if (previous) return { event: store.toContactEvent(previous), duplicate: true };
    const lease = await store.leaseAt(tx, input.relayAddress, input.occurredAt);
    let verdict: ContactVerdict = 'unattributed';
    let reason = 'unknown-relay-point';
    let applicationId: string | null = null;
    let exposureEntryId: string | null = null;
    if (lease) {
      const judged = await this.judgeContact(tx, lease.customerId, lease.funderId, {
        occurredAt: input.occurredAt,
        summary: input.summary,
        category: input.category ?? null,
      });
      verdict = judged.verdict;
      reason = judged.reason;
      applicationId = judged.applicationId;
      exposureEntryId = judged.exposureEntryId;
    }
    const row = await store.insertContact(tx, {
      id: this.deps.ids.next('cev'),
      providerEventId: input.providerEventId,
      relayAddress: input.relayAddress,
      leaseId: lease?.id ?? null,
      funderId: lease?.funderId ?? null,
      customerId: lease?.customerId ?? null,
      applicationId,
      channel: input.channel,
      callerKey: hmacSha256(this.callerKeySecret, input.caller.trim()).toString('hex'),
      summary: input.summary,
      category: input.category ?? null,
      verdict,
      reason,
      occurredAt: input.occurredAt,
      receivedAt: this.deps.clock.now(),
    });
    if (!row) {
      // The same provider event arrived concurrently: return the stored one.
      const stored = await store.contactByProviderId(tx, input.providerEventId);
      assert(stored, 'conflicting contact event is readable');
      return { event: store.toContactEvent(stored), duplicate: true };
    }
    const event = store.toContactEvent(row);
    this.raiseContactRecorded(unit, event, row.category, {
      relayAddress: input.relayAddress,
      exposureEntryId,
      applicationId,
    });
    return { event, duplicate: false };
  }

  /**
   * Was a contact by this funder to this customer within the consented purpose? Judged by
   * `classifyContact` against the funder's shares of the customer's application (the one shared
   * most recently before the contact, else the first) and that application's status history. The
   * relay webhook and canary contact reports both ask here, so one rule decides what is evidence.
   */
  async judgeContact(
    tx: Executor,
    customerId: string,
    funderId: string,
    facts: { occurredAt: Date; summary: string; category: ContactCategory | null },
  ): Promise<PurposeVerdict & { applicationId: string | null; exposureEntryId: string | null }> {
    const pairShares = await store.sharesOfPair(tx, customerId, funderId);
    const latest =
      pairShares.find((s) => s.sharedAt.getTime() <= facts.occurredAt.getTime()) ?? pairShares[0];
    const applicationId = latest?.applicationId ?? null;
    const events = applicationId ? await this.deps.intake.events(tx, applicationId) : [];
    const judged = classifyContact(facts, {
      shares: pairShares
        .filter((s) => s.applicationId === applicationId)
        .map((s) => ({ stage: s.stage as Stage, at: s.sharedAt })),
      events,
    });
    return { ...judged, applicationId, exposureEntryId: latest?.exposureEntryId ?? null };
  }

  /** contact.recorded for a contact stored just now (detection keeps out-of-purpose ones as evidence). */
  private raiseContactRecorded(
    unit: TransactionUnit,
    event: ContactEvent,
    category: string | null,
    context: Pick<ContactRecorded, 'relayAddress' | 'exposureEntryId' | 'applicationId'>,
  ): void {
    unit.publish({
      topic: 'contact.recorded',
      aggregateId: event.id,
      payload: {
        contactId: event.id,
        funderId: event.funderId,
        customerId: event.customerId,
        channel: event.channel,
        verdict: event.verdict,
        reason: event.reason,
        category,
        at: event.occurredAt.toISOString(),
      },
      at: event.receivedAt,
      ...context,
    } satisfies ContactRecorded);
  }

  /** Per funder since `since`: exposures and in-purpose relay contacts (detection's rescoring). */
  funderActivity(
    tx: Executor,
    since: Date,
  ): Promise<{ shares: Map<string, number>; inPurposeContacts: Map<string, number> }> {
    return store.funderActivitySince(tx, since);
  }

  /** What left for funders about one application, oldest first: the timeline's shares (ADR 0100). */
  async sharesOfApplication(
    tx: Executor,
    customerId: string,
    applicationId: string,
  ): Promise<Array<{ funderId: string; stage: Stage; fields: Field[]; at: Date; exposureEntryId: string }>> {
    return (await store.sharesOfApplication(tx, customerId, applicationId)).map((row) => ({
      funderId: row.funderId,
      stage: row.stage as Stage,
      fields: row.fields,
      at: row.sharedAt,
      exposureEntryId: row.exposureEntryId,
    }));
  }

  /** Exposures (application-stage shares) per funder in [from, to): the dashboard's rates (ADR 0101). */
  exposuresBetween(tx: Executor, from: Date, to: Date): Promise<Map<string, number>> {
    return store.exposuresBetween(tx, from, to);
  }

  /**
   * The register of what each funder was shown of this customer, newest first (at most
   * SHARES_PER_CUSTOMER_LIMIT): detection's credit-report cross-check matches against it.
   */
  async exposuresOf(
    tx: Executor,
    customerId: string,
  ): Promise<
    Array<{
      funderId: string;
      applicationId: string;
      stage: Stage;
      at: Date;
      exposureEntryId: string;
      /** the funder's pseudonym of the customer, as in its payloads and entries */
      customerRef: string;
    }>
  > {
    return (await store.sharesOfCustomer(tx, customerId)).map((row) => ({
      funderId: row.funderId,
      applicationId: row.applicationId,
      customerRef: row.customerRef,
      stage: row.stage as Stage,
      at: row.sharedAt,
      exposureEntryId: row.exposureEntryId,
    }));
  }

  /** Contact events, newest first; detection reads `verdict: 'out-of-purpose'` as evidence. */
  async contactEvents(
    tx: Executor,
    filter: { funderId?: string | undefined; verdict?: ContactVerdict | undefined; limit: number },
  ): Promise<ContactEvent[]> {
    return (await store.listContacts(tx, filter)).map(store.toContactEvent);
  }
}

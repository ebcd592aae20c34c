// Was a contact through a relay point within the purpose the borrower consented to (PIPL art. 23:
// the recipient stays within the purpose)? Pure: the application's history and the funder's shares
// are inputs. Production's relay webhook and the market simulator both call `classifyContact`, so
// what the simulator counts as evidence is what production would (issue 13, ADR 0072).
//
// The rules, by where the application stood for this funder when the contact happened (its stage)
// and what the contact was (its category: the relay provider's tag, else the summary's words):
//
//   stage \ category   marketing                  verification / other / untagged   servicing / collection
//   no application     out no-application-with-funder (a funder that only pre-screened, or never received it)
//   pending            out marketing-before-decision   in  verification | other     out servicing-/collection-without-loan
//   approved¹          out marketing-after-approval    in  verification | other     out servicing-/collection-without-loan
//   booked             out marketing-after-booking     in  verification² | other | servicing (untagged)   in servicing | collection
//   declined           out after-decline   (any contact, whatever it says)
//   abandoned/expired  out after-abandon   (any contact, whatever it says)
//
//   ¹ approved or confirmed, not yet booked: the article's interception (截胡) happens here.
//   ² a post-loan review call (贷后回访) is the funder servicing its own loan.
//
// Marketing the funder's own direct product (自营) is out of purpose at every stage: that is what
// the no-backflow clause forbids and what consent to "submit my application to this funder" never
// covered (domain-facts "Contact purposes"). A contact with neither a category nor a summary (a
// voice call the provider did not transcribe: metadata only) is judged on its stage alone — in
// purpose where a non-marketing contact would be — with reason `no-content`, so a detector knows
// that verdict could not see a marketing pitch. Out-of-purpose verdicts for declined, abandoned and
// no-application stages do not depend on content, so they keep their stage reason.
//
// Reasons are stable strings (CONTACT_REASONS); detection and stored contact_events rows read them.
// Collection is never inferred from words: a verification call asks about overdue history (逾期)
// as often as a collector mentions it, so only the provider's tag makes a contact `collection`.
import type { ApplicationStatus } from '../intake/status.ts';
import { assert } from '../kernel/index.ts';
import type { ContactVerdict, Stage } from './model.ts';

/**
 * Words that mark a marketing contact in the provider's summary (SMS text, call tag, email subject)
 * when the provider gives no category. A heuristic: the provider's own tagging wins when present.
 * Matched case-insensitively, and also after removing spaces, control and format characters
 * (zero-width joiners are an old trick to slip SMS past keyword filters) and folding full-width
 * letters (ＡＰＰ) to half-width.
 */
export const MARKETING_KEYWORDS = [
  '营销',
  '推广',
  '优惠',
  '优惠券',
  '免息',
  '降息',
  '利率低',
  '低息',
  '提额',
  '额度提升',
  '专属额度',
  '活动',
  '邀请您',
  '直接申请',
  '下载app',
  'promotion',
  'coupon',
  'special offer',
] as const;

/** The relay provider's (or the borrower's) tag for a contact. */
export const CONTACT_CATEGORIES = ['verification', 'servicing', 'collection', 'marketing', 'other'] as const;
export type ContactCategory = (typeof CONTACT_CATEGORIES)[number];

/** Every reason `classifyContact` gives, stable once released (detection reads them). */
export const CONTACT_REASONS = [
  // in purpose
  'verification',
  'servicing',
  'collection',
  'other',
  'no-content',
  // out of purpose
  'marketing-before-decision',
  'marketing-after-approval',
  'marketing-after-booking',
  'servicing-without-loan',
  'collection-without-loan',
  'after-decline',
  'after-abandon',
  'no-application-with-funder',
] as const;
export type ContactReason = (typeof CONTACT_REASONS)[number];

/** A time as a Date or as epoch milliseconds (the simulator passes numbers and allocates no Date). */
export type Instant = Date | number;

export interface ContactFacts {
  occurredAt: Instant;
  /** the provider's transcript summary or message excerpt; '' when it gave none */
  summary: string;
  category: ContactCategory | null;
}

export interface PurposeContext {
  /** this funder's shares of this customer's application, any order */
  shares: ReadonlyArray<{ stage: Stage; at: Instant }>;
  /** the application's status history, oldest first (an out-of-order history is sorted, slower) */
  events: ReadonlyArray<{ toStatus: ApplicationStatus; at: Instant }>;
}

export interface PurposeVerdict {
  verdict: Exclude<ContactVerdict, 'unattributed'>;
  reason: ContactReason;
}

/** Where the application stood for one funder at the contact's time. */
export type FunderStage = 'no-application' | 'pending' | 'approved' | 'booked' | 'declined' | 'ended';

const millis = (at: Instant): number => (typeof at === 'number' ? at : at.getTime());

// The keywords as one RegExp without flags (V8 runs a flagless alternation ~3× faster than with
// `iu`); case is handled by lower-casing text that has upper-case letters. The compact form is for
// text with spaces and invisible characters removed.
const escapeRegExp = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
for (const word of MARKETING_KEYWORDS) assert(word === word.toLowerCase(), `keyword ${word} is lower case`);
const COMPACT_WORDS = MARKETING_KEYWORDS.map((w) => escapeRegExp(w.replace(/\s+/g, '')));
const KEYWORDS_COMPACT = new RegExp(COMPACT_WORDS.join('|'));
/** Both forms: the text as given may hold "special offer" or "specialoffer". */
const KEYWORDS = new RegExp([...MARKETING_KEYWORDS.map(escapeRegExp), ...COMPACT_WORDS].join('|'));
const UPPER = /[A-Z]/;
/**
 * Text made only of visible characters that need no folding: CJK ideographs, CJK and full-width
 * punctuation (not full-width letters or digits), printable ASCII without the space. Anything else
 * (spaces, controls, zero-width and bidi marks, full-width letters, astral characters) takes the
 * slow path, which folds (NFKC, lower case) and strips before matching again.
 */
const PLAIN = /^[\u4e00-\u9fff\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65!-~]*$/;
/** Whitespace, control (Cc) and format (Cf: zero-width space/joiner, BOM, bidi marks) characters. */
const INVISIBLE = /[\s\p{Cc}\p{Cf}]/gu;

/** Does the summary read as marketing? Fast path: one or two flagless RegExp tests, no allocation. */
function summaryIsMarketing(summary: string): boolean {
  if (summary.length === 0) return false;
  if (KEYWORDS.test(UPPER.test(summary) ? summary.toLowerCase() : summary)) return true;
  if (PLAIN.test(summary)) return false;
  return KEYWORDS_COMPACT.test(summary.normalize('NFKC').toLowerCase().replace(INVISIBLE, ''));
}

/** The provider's tag when it gave one, else the summary's words. */
export function isMarketing(facts: ContactFacts): boolean {
  return marketing(facts);
}

function marketing(facts: Pick<ContactFacts, 'summary' | 'category'>): boolean {
  if (facts.category !== null) return facts.category === 'marketing';
  return summaryIsMarketing(facts.summary);
}

/** Nothing but metadata: no tag and no summary text (whitespace and invisible characters are none). */
function hasNoContent(facts: Pick<ContactFacts, 'summary' | 'category'>): boolean {
  if (facts.category !== null) return false;
  const summary = facts.summary;
  if (summary.length === 0) return true;
  if (PLAIN.test(summary)) return false;
  return summary.replace(INVISIBLE, '').length === 0;
}

/**
 * The funder's stage at time `at`: the application's events after this funder's latest application
 * share up to `at`. A booked-stage share (full data after booking) does not restart the history.
 * No allocation when the events are in order (they are, from intake and from the simulator).
 */
export function funderStageAt(context: PurposeContext, at: Instant): FunderStage {
  const atMs = millis(at);
  let applicationAt = Number.NEGATIVE_INFINITY;
  let anyShareAt = Number.NEGATIVE_INFINITY;
  for (const share of context.shares) {
    if (share.stage === 'prescreen') continue;
    const sharedMs = millis(share.at);
    if (sharedMs > atMs) continue;
    if (share.stage === 'application' && sharedMs > applicationAt) applicationAt = sharedMs;
    if (sharedMs > anyShareAt) anyShareAt = sharedMs;
  }
  if (anyShareAt === Number.NEGATIVE_INFINITY) return 'no-application';
  const sharedAt = applicationAt === Number.NEGATIVE_INFINITY ? anyShareAt : applicationAt;
  const events = context.events;
  let previousMs = Number.NEGATIVE_INFINITY;
  for (const event of events) {
    const eventMs = millis(event.at);
    if (eventMs < previousMs) return stageOf(sortedCopy(events), sharedAt, atMs);
    previousMs = eventMs;
  }
  return stageOf(events, sharedAt, atMs);
}

function sortedCopy<E extends { at: Instant }>(events: ReadonlyArray<E>): E[] {
  return [...events].sort((a, b) => millis(a.at) - millis(b.at));
}

/** Walk the (ordered) events in [sharedAt, at]; a decline counts only while this funder was deciding. */
function stageOf(
  events: PurposeContext['events'],
  sharedAt: number,
  atMs: number,
): Exclude<FunderStage, 'no-application'> {
  let stage: 'pending' | 'approved' | 'booked' = 'pending';
  for (const event of events) {
    const eventMs = millis(event.at);
    if (eventMs < sharedAt) continue;
    if (eventMs > atMs) break;
    const status = event.toStatus;
    if (status === 'declined' && stage === 'pending') return 'declined';
    if (status === 'approved' || status === 'confirmed') {
      if (stage === 'pending') stage = 'approved';
    } else if (status === 'booked') stage = 'booked';
    else if (status === 'abandoned' || status === 'expired') return 'ended';
  }
  return stage;
}

// One frozen verdict per reason: classifying allocates nothing (the simulator calls it millions of times).
const verdictOf = (verdict: PurposeVerdict['verdict'], reason: ContactReason): PurposeVerdict =>
  Object.freeze({ verdict, reason });
const IN = {
  verification: verdictOf('in-purpose', 'verification'),
  servicing: verdictOf('in-purpose', 'servicing'),
  collection: verdictOf('in-purpose', 'collection'),
  other: verdictOf('in-purpose', 'other'),
  noContent: verdictOf('in-purpose', 'no-content'),
} as const;
const OUT = {
  marketingBeforeDecision: verdictOf('out-of-purpose', 'marketing-before-decision'),
  marketingAfterApproval: verdictOf('out-of-purpose', 'marketing-after-approval'),
  marketingAfterBooking: verdictOf('out-of-purpose', 'marketing-after-booking'),
  servicingWithoutLoan: verdictOf('out-of-purpose', 'servicing-without-loan'),
  collectionWithoutLoan: verdictOf('out-of-purpose', 'collection-without-loan'),
  afterDecline: verdictOf('out-of-purpose', 'after-decline'),
  afterAbandon: verdictOf('out-of-purpose', 'after-abandon'),
  noApplication: verdictOf('out-of-purpose', 'no-application-with-funder'),
} as const;

/**
 * The verdict for a contact by a funder at a known stage (the table at the top of this file). For a
 * caller that already knows the stage; `classifyContact` works it out from shares and events.
 */
export function purposeAtStage(
  stage: FunderStage,
  facts: Pick<ContactFacts, 'summary' | 'category'>,
): PurposeVerdict {
  switch (stage) {
    case 'no-application':
      return OUT.noApplication;
    case 'declined':
      return OUT.afterDecline;
    case 'ended':
      return OUT.afterAbandon;
    default:
      break;
  }
  if (marketing(facts)) {
    if (stage === 'pending') return OUT.marketingBeforeDecision;
    return stage === 'approved' ? OUT.marketingAfterApproval : OUT.marketingAfterBooking;
  }
  const booked = stage === 'booked';
  switch (facts.category) {
    case 'servicing':
      return booked ? IN.servicing : OUT.servicingWithoutLoan;
    case 'collection':
      return booked ? IN.collection : OUT.collectionWithoutLoan;
    case 'verification':
      return IN.verification;
    case 'other':
      return IN.other;
    default:
      if (hasNoContent(facts)) return IN.noContent;
      return booked ? IN.servicing : IN.verification;
  }
}

/** The purpose verdict of one contact: the funder's stage at that time, then the rule table. */
export function classifyContact(facts: ContactFacts, context: PurposeContext): PurposeVerdict {
  return purposeAtStage(funderStageAt(context, facts.occurredAt), facts);
}

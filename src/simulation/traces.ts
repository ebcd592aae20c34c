// Contacts as production records and judges them. A funder's contact through a relay point reaches
// the relay provider's webhook with what the provider knows — SMS text and its content tag, or for a
// voice call only metadata (unless the platform asks the borrower) — and sharing's contact-purpose
// classifier judges it against where the application stood with that funder. The simulator calls
// that same classifier (`classifyContact`, src/sharing/contact-purpose.ts): one classifier, two
// callers. What it passes is what production would pass; who made the contact and why (the ground
// truth) never enters the record.
import { type ContactCategory, classifyContact, type PurposeContext } from '../sharing/contact-purpose.ts';
import type { SeededRandom } from '../kernel/index.ts';
import type { ContactMedium, RecordedCategory, RelayContactRecord } from './model.ts';

/** Where the application stood with the funder when it made contact, as intake's history shows it. */
export const STAGE_PENDING = 0; // shared, not yet decided
export const STAGE_APPROVED = 1; // approved, not yet confirmed by the borrower
export const STAGE_BOOKED = 2; // booked (and possibly since paid off)
export const STAGE_DECLINED = 3; // the funder declined
export const STAGE_ENDED = 4; // approved, then abandoned or expired
export const STAGE_NONE = 5; // the funder has no application of this customer (only a pre-screen, or nothing)
export type FunderStage = 0 | 1 | 2 | 3 | 4 | 5;

/** What the contact really was (ground truth, never recorded). */
export const PURPOSE_VERIFICATION = 0;
export const PURPOSE_SERVICING = 1;
export const PURPOSE_COLLECTION = 2;
export const PURPOSE_MARKETING = 3;
export type TruePurpose = 0 | 1 | 2 | 3;

const TRUE_CATEGORY: readonly ContactCategory[] = ['verification', 'servicing', 'collection', 'marketing'];

/**
 * What the relay provider's SMS text looks like for each purpose: the classifier reads the tag first
 * and the text only when the provider gives no tag. Illustrative, in the industry's wording.
 */
export const SMS_TEXT: Readonly<Record<ContactCategory, string>> = {
  verification: '【资方】您好，您在平台申请的借款正在审核，请留意核实来电。',
  servicing: '【资方】尊敬的客户，您本期应还款已生成，请于还款日前保持账户余额充足。',
  collection: '【资方】您的借款已逾期，请尽快还款，以免影响您的信用记录。',
  marketing: '【资方】尊享专属额度，利率低至7.2%起，下载app直接申请，新客再领50元优惠券。',
  other: '【资方】系统通知。',
};

// The application histories production would hand the classifier for each stage: a share of the
// application, then the statuses intake recorded. The times are relative; only their order matters.
const T = (minutes: number) => new Date(Date.UTC(2026, 0, 1) + minutes * 60_000);
const share = [{ stage: 'application' as const, at: T(0) }];
const CONTEXTS: readonly PurposeContext[] = [
  { shares: share, events: [{ toStatus: 'submitted', at: T(0) }] },
  { shares: share, events: [{ toStatus: 'approved', at: T(1) }] },
  {
    shares: share,
    events: [
      { toStatus: 'approved', at: T(1) },
      { toStatus: 'booked', at: T(2) },
    ],
  },
  { shares: share, events: [{ toStatus: 'declined', at: T(1) }] },
  {
    shares: share,
    events: [
      { toStatus: 'approved', at: T(1) },
      { toStatus: 'abandoned', at: T(2) },
    ],
  },
  { shares: [], events: [] },
];
/** A contact happens after everything in its stage's history. */
const CONTACT_AT = T(10);

export interface TraceRates {
  /** the provider's SMS tag is wrong with this probability */
  classificationErrorRate: number;
  /** the platform asks the borrower what a relay voice call was about */
  borrowerAskedShare: number;
}

/** A wrong tag for an SMS: marketing looks like servicing, anything else looks like marketing. */
function mistaken(truth: ContactCategory): ContactCategory {
  return truth === 'marketing' ? 'servicing' : 'marketing';
}

/**
 * The record production keeps of a relay contact, judged by production's classifier. The category is
 * the provider's SMS tag (wrong at the error rate) or, for a voice call, what the borrower said if
 * asked (the borrower can be wrong too, at the same rate), else unknown.
 */
export function relayRecord(
  funderId: string,
  customer: number,
  stage: FunderStage,
  purpose: TruePurpose,
  medium: ContactMedium,
  rates: TraceRates,
  random: SeededRandom,
): RelayContactRecord {
  const truth = TRUE_CATEGORY[purpose]!;
  let category: ContactCategory | null;
  let summary = '';
  if (medium === 'sms') {
    summary = SMS_TEXT[truth];
    category = random.chance(rates.classificationErrorRate) ? mistaken(truth) : truth;
  } else if (random.chance(rates.borrowerAskedShare)) {
    category = random.chance(rates.classificationErrorRate) ? mistaken(truth) : truth;
  } else category = null;
  const judged = classifyContact({ occurredAt: CONTACT_AT, summary, category }, CONTEXTS[stage]!);
  return {
    funderId,
    customer,
    medium,
    hour: 9 + Math.floor(random.next() * 12),
    summary,
    category: category as RecordedCategory,
    verdict: judged.verdict,
    reason: judged.reason,
  };
}

/** Poisson draw by inversion (small means: a handful of contacts per loan). */
export function poisson(mean: number, random: SeededRandom): number {
  if (mean <= 0) return 0;
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random.next();
  while (p > limit && k < 1000) {
    k++;
    p *= random.next();
  }
  return k;
}

// Was a contact through a relay point within the purpose the borrower consented to (PIPL art. 23:
// the recipient stays within the purpose)? Pure: the application's history and the funder's shares
// are inputs. Out of purpose: marketing before a decision, any contact after the funder declined,
// or after the borrower abandoned / the offer expired.
import type { ApplicationStatus } from '../intake/status.ts';
import type { ContactVerdict, Stage } from './model.ts';

/**
 * Words that mark a marketing contact in the provider's summary (SMS text, call tag, email subject)
 * when the provider gives no category. A heuristic: the provider's own tagging wins when present.
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

export const CONTACT_CATEGORIES = ['verification', 'servicing', 'marketing', 'other'] as const;
export type ContactCategory = (typeof CONTACT_CATEGORIES)[number];

export interface ContactFacts {
  occurredAt: Date;
  summary: string;
  category: ContactCategory | null;
}

export interface PurposeContext {
  /** this funder's shares of this customer's application, any order */
  shares: ReadonlyArray<{ stage: Stage; at: Date }>;
  /** the application's status history */
  events: ReadonlyArray<{ toStatus: ApplicationStatus; at: Date }>;
}

export interface PurposeVerdict {
  verdict: Exclude<ContactVerdict, 'unattributed'>;
  reason: string;
}

export function isMarketing(facts: ContactFacts): boolean {
  if (facts.category !== null) return facts.category === 'marketing';
  const text = facts.summary.toLowerCase();
  return MARKETING_KEYWORDS.some((word) => text.includes(word));
}

type FunderOutcome = 'pending' | 'approved' | 'declined' | 'ended' | 'booked';

/** Where the application stood for this funder at time `at`: decisions after its latest application share. */
function outcomeAt(context: PurposeContext, at: Date): FunderOutcome | 'no-application' {
  const applicationShares = context.shares.filter(
    (s) => s.stage !== 'prescreen' && s.at.getTime() <= at.getTime(),
  );
  if (applicationShares.length === 0) return 'no-application';
  const sharedAt = Math.max(...applicationShares.map((s) => s.at.getTime()));
  const after = context.events
    .filter((e) => e.at.getTime() >= sharedAt && e.at.getTime() <= at.getTime())
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  let outcome: FunderOutcome = 'pending';
  for (const event of after) {
    if (outcome === 'pending' && event.toStatus === 'declined') return 'declined';
    if (event.toStatus === 'approved') outcome = 'approved';
    if (event.toStatus === 'booked') outcome = 'booked';
    if (event.toStatus === 'abandoned' || event.toStatus === 'expired') return 'ended';
  }
  return outcome;
}

export function classifyContact(facts: ContactFacts, context: PurposeContext): PurposeVerdict {
  const outcome = outcomeAt(context, facts.occurredAt);
  switch (outcome) {
    case 'no-application':
      return { verdict: 'out-of-purpose', reason: 'no-application-with-funder' };
    case 'declined':
      return { verdict: 'out-of-purpose', reason: 'after-decline' };
    case 'ended':
      return { verdict: 'out-of-purpose', reason: 'after-abandon' };
    case 'pending':
      return isMarketing(facts)
        ? { verdict: 'out-of-purpose', reason: 'marketing-before-decision' }
        : { verdict: 'in-purpose', reason: 'verification' };
    case 'approved':
    case 'booked':
      return { verdict: 'in-purpose', reason: outcome === 'booked' ? 'servicing' : 'after-approval' };
  }
}

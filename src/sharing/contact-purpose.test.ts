// Purpose rules for relay contacts (PIPL art. 23: the recipient stays within the consented purpose).
// The stage × category table below is the rule table of contact-purpose.ts, written out; the
// property tests check the guarantees on random histories and summaries (Chinese text, control and
// zero-width characters) against a slow reference model. A failing property prints its seed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApplicationStatus } from '../intake/status.ts';
import {
  CONTACT_CATEGORIES,
  CONTACT_REASONS,
  type ContactCategory,
  type ContactFacts,
  type ContactReason,
  classifyContact,
  type FunderStage,
  funderStageAt,
  isMarketing,
  MARKETING_KEYWORDS,
  type PurposeContext,
  type PurposeVerdict,
  purposeAtStage,
} from './contact-purpose.ts';
import type { Stage } from './model.ts';
import { worldText } from '../../test/support/text.ts';

const t = (minute: number) => new Date(Date.UTC(2026, 2, 1, 2, minute));
const shared = [{ stage: 'application' as const, at: t(0) }];
const SEED = 20261203;

describe('classifyContact', () => {
  it('verification before a decision is in purpose; marketing is not', () => {
    const events = [{ toStatus: 'sent' as const, at: t(0) }];
    expect(
      classifyContact(
        { occurredAt: t(5), summary: '核实申请信息', category: null },
        { shares: shared, events },
      ),
    ).toEqual({
      verdict: 'in-purpose',
      reason: 'verification',
    });
    expect(
      classifyContact(
        { occurredAt: t(5), summary: '您有一笔专属额度，下载APP直接申请，利率低', category: null },
        { shares: shared, events },
      ),
    ).toEqual({
      verdict: 'out-of-purpose',
      reason: 'marketing-before-decision',
    });
    // the provider's own tag wins over keywords
    expect(
      classifyContact(
        { occurredAt: t(5), summary: '优惠', category: 'verification' },
        { shares: shared, events },
      ).verdict,
    ).toBe('in-purpose');
  });

  it('any contact after the funder declined, or after the borrower abandoned, is out of purpose', () => {
    const declined = [
      { toStatus: 'sent' as const, at: t(0) },
      { toStatus: 'declined' as const, at: t(10) },
    ];
    expect(
      classifyContact(
        { occurredAt: t(5), summary: '核实', category: null },
        { shares: shared, events: declined },
      ).verdict,
    ).toBe('in-purpose');
    expect(
      classifyContact(
        { occurredAt: t(20), summary: '核实', category: null },
        { shares: shared, events: declined },
      ),
    ).toEqual({
      verdict: 'out-of-purpose',
      reason: 'after-decline',
    });
    const abandoned = [
      { toStatus: 'approved' as const, at: t(3) },
      { toStatus: 'abandoned' as const, at: t(10) },
    ];
    expect(
      classifyContact(
        { occurredAt: t(5), summary: '确认借款', category: null },
        { shares: shared, events: abandoned },
      ).verdict,
    ).toBe('in-purpose');
    expect(
      classifyContact(
        { occurredAt: t(11), summary: '确认借款', category: null },
        { shares: shared, events: abandoned },
      ).reason,
    ).toBe('after-abandon');
  });

  it('a decline before this funder received the application is another funder’s (waterfall)', () => {
    const events = [
      { toStatus: 'declined' as const, at: t(0) },
      { toStatus: 'sent' as const, at: t(1) },
    ];
    const laterShare = [{ stage: 'application' as const, at: t(1) }];
    expect(
      classifyContact({ occurredAt: t(5), summary: '核实', category: null }, { shares: laterShare, events })
        .verdict,
    ).toBe('in-purpose');
  });

  it('a funder that only pre-screened has no purpose to call', () => {
    expect(
      classifyContact(
        { occurredAt: t(5), summary: '核实', category: null },
        { shares: [{ stage: 'prescreen', at: t(0) }], events: [] },
      ),
    ).toEqual({
      verdict: 'out-of-purpose',
      reason: 'no-application-with-funder',
    });
  });

  it('after booking, servicing is in purpose', () => {
    const events = [
      { toStatus: 'approved' as const, at: t(1) },
      { toStatus: 'confirmed' as const, at: t(2) },
      { toStatus: 'booked' as const, at: t(3) },
    ];
    expect(
      classifyContact({ occurredAt: t(9), summary: '还款提醒', category: null }, { shares: shared, events }),
    ).toEqual({
      verdict: 'in-purpose',
      reason: 'servicing',
    });
  });

  it('the article’s interception — a marketing call between approval and confirm — is out of purpose', () => {
    const events = [
      { toStatus: 'sent' as const, at: t(0) },
      { toStatus: 'approved' as const, at: t(2) },
    ];
    const pitch = '恭喜您获得专属额度，提额20%，利率低1个点，下载APP直接申请还送免息券';
    expect(
      classifyContact({ occurredAt: t(4), summary: pitch, category: null }, { shares: shared, events }),
    ).toEqual({ verdict: 'out-of-purpose', reason: 'marketing-after-approval' });
    expect(
      classifyContact({ occurredAt: t(4), summary: '', category: 'marketing' }, { shares: shared, events }),
    ).toEqual({ verdict: 'out-of-purpose', reason: 'marketing-after-approval' });
  });

  it('a booked-stage share after booking does not restart the funder’s history', () => {
    const events = [
      { toStatus: 'sent' as const, at: t(0) },
      { toStatus: 'approved' as const, at: t(1) },
      { toStatus: 'confirmed' as const, at: t(2) },
      { toStatus: 'booked' as const, at: t(3) },
    ];
    const shares = [
      { stage: 'application' as const, at: t(0) },
      { stage: 'booked' as const, at: t(4) },
    ];
    expect(funderStageAt({ shares, events }, t(9))).toBe('booked');
    expect(
      classifyContact({ occurredAt: t(9), summary: '', category: 'marketing' }, { shares, events }),
    ).toEqual({ verdict: 'out-of-purpose', reason: 'marketing-after-booking' });
  });

  it('an out-of-order history is judged as if it were sorted', () => {
    const events = [
      { toStatus: 'booked' as const, at: t(3) },
      { toStatus: 'sent' as const, at: t(0) },
      { toStatus: 'approved' as const, at: t(1) },
    ];
    expect(funderStageAt({ shares: shared, events }, t(2))).toBe('approved');
    expect(funderStageAt({ shares: shared, events }, t(5))).toBe('booked');
  });

  it('takes epoch milliseconds as well as Dates, with the same verdicts', () => {
    const events = [
      { toStatus: 'sent' as const, at: t(0).getTime() },
      { toStatus: 'approved' as const, at: t(2).getTime() },
    ];
    expect(
      classifyContact(
        { occurredAt: t(4).getTime(), summary: '专属额度', category: null },
        { shares: [{ stage: 'application', at: t(0).getTime() }], events },
      ).reason,
    ).toBe('marketing-after-approval');
  });

  it('recognises marketing words case-insensitively, through zero-width, control and full-width tricks', () => {
    const facts = (summary: string): ContactFacts => ({ occurredAt: t(0), summary, category: null });
    expect(isMarketing(facts('Special Offer inside'))).toBe(true);
    expect(isMarketing(facts('领取COUPON'))).toBe(true);
    expect(isMarketing(facts('快来下载APP'))).toBe(true);
    expect(isMarketing(facts('请补充收入证明'))).toBe(false);
    expect(isMarketing(facts('优\u200b惠'))).toBe(true);
    expect(isMarketing(facts('免\u0007息'))).toBe(true);
    expect(isMarketing(facts('专 属 额 度'))).toBe(true);
    expect(isMarketing(facts('下载ＡＰＰ'))).toBe(true);
    expect(isMarketing(facts('special\u00a0offer'))).toBe(true);
  });
});

// ---- the rule table, stage × category ----

/** A history that leaves the funder at each stage by minute 10. */
const HISTORIES: Record<string, { shares: PurposeContext['shares']; events: PurposeContext['events'] }> = {
  'no application (pre-screen only)': { shares: [{ stage: 'prescreen', at: t(0) }], events: [] },
  'no share at all': { shares: [], events: [{ toStatus: 'sent', at: t(0) }] },
  pending: { shares: shared, events: [{ toStatus: 'sent', at: t(0) }] },
  approved: {
    shares: shared,
    events: [
      { toStatus: 'sent', at: t(0) },
      { toStatus: 'approved', at: t(2) },
    ],
  },
  confirmed: {
    shares: shared,
    events: [
      { toStatus: 'approved', at: t(2) },
      { toStatus: 'confirmed', at: t(3) },
    ],
  },
  booked: {
    shares: shared,
    events: [
      { toStatus: 'approved', at: t(2) },
      { toStatus: 'confirmed', at: t(3) },
      { toStatus: 'booked', at: t(4) },
    ],
  },
  declined: {
    shares: shared,
    events: [
      { toStatus: 'sent', at: t(0) },
      { toStatus: 'declined', at: t(2) },
    ],
  },
  abandoned: {
    shares: shared,
    events: [
      { toStatus: 'approved', at: t(2) },
      { toStatus: 'abandoned', at: t(3) },
    ],
  },
  expired: {
    shares: shared,
    events: [
      { toStatus: 'approved', at: t(2) },
      { toStatus: 'expired', at: t(3) },
    ],
  },
};

const CONTACTS: Record<string, Pick<ContactFacts, 'summary' | 'category'>> = {
  'tag marketing': { summary: '', category: 'marketing' },
  'tag verification': { summary: '', category: 'verification' },
  'tag servicing': { summary: '', category: 'servicing' },
  'tag collection': { summary: '', category: 'collection' },
  'tag other': { summary: '', category: 'other' },
  'untagged pitch': { summary: '【某银行】您有一笔专属额度待领取，点击下载APP直接申请', category: null },
  'untagged neutral': { summary: '您好，核实一下您的工作单位', category: null },
  'no content (voice, metadata only)': { summary: '', category: null },
};

type Row = [history: string, contact: string, verdict: 'in' | 'out', reason: ContactReason];
// prettier-ignore
const TABLE: Row[] = [
  ...Object.keys(CONTACTS).flatMap((c): Row[] => [
    ['no application (pre-screen only)', c, 'out', 'no-application-with-funder'],
    ['no share at all', c, 'out', 'no-application-with-funder'],
    ['declined', c, 'out', 'after-decline'],
    ['abandoned', c, 'out', 'after-abandon'],
    ['expired', c, 'out', 'after-abandon'],
  ]),
  ['pending', 'tag marketing', 'out', 'marketing-before-decision'],
  ['pending', 'untagged pitch', 'out', 'marketing-before-decision'],
  ['pending', 'tag verification', 'in', 'verification'],
  ['pending', 'untagged neutral', 'in', 'verification'],
  ['pending', 'tag other', 'in', 'other'],
  ['pending', 'no content (voice, metadata only)', 'in', 'no-content'],
  ['pending', 'tag servicing', 'out', 'servicing-without-loan'],
  ['pending', 'tag collection', 'out', 'collection-without-loan'],
  ...['approved', 'confirmed'].flatMap((h): Row[] => [
    [h, 'tag marketing', 'out', 'marketing-after-approval'],
    [h, 'untagged pitch', 'out', 'marketing-after-approval'],
    [h, 'tag verification', 'in', 'verification'],
    [h, 'untagged neutral', 'in', 'verification'],
    [h, 'tag other', 'in', 'other'],
    [h, 'no content (voice, metadata only)', 'in', 'no-content'],
    [h, 'tag servicing', 'out', 'servicing-without-loan'],
    [h, 'tag collection', 'out', 'collection-without-loan'],
  ]),
  ['booked', 'tag marketing', 'out', 'marketing-after-booking'],
  ['booked', 'untagged pitch', 'out', 'marketing-after-booking'],
  ['booked', 'tag verification', 'in', 'verification'],
  ['booked', 'untagged neutral', 'in', 'servicing'],
  ['booked', 'tag other', 'in', 'other'],
  ['booked', 'no content (voice, metadata only)', 'in', 'no-content'],
  ['booked', 'tag servicing', 'in', 'servicing'],
  ['booked', 'tag collection', 'in', 'collection'],
];

describe('the rule table (stage × category)', () => {
  it('covers every history × contact pair exactly once', () => {
    const keys = TABLE.map(([h, c]) => `${h}|${c}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(Object.keys(HISTORIES).length * Object.keys(CONTACTS).length);
  });

  it.each(TABLE)('%s, %s → %s of purpose (%s)', (history, contact, verdict, reason) => {
    const facts = { occurredAt: t(10), ...CONTACTS[contact]! };
    expect(classifyContact(facts, HISTORIES[history]!)).toEqual({
      verdict: verdict === 'in' ? 'in-purpose' : 'out-of-purpose',
      reason,
    });
  });
});

// ---- properties, against a slow reference model ----

/** The obvious implementation: filter, sort, walk; then a lookup table. Checks the fast one. */
function referenceStage(context: PurposeContext, at: number): FunderStage {
  const ms = (x: Date | number) => (typeof x === 'number' ? x : x.getTime());
  const visible = context.shares.filter((s) => s.stage !== 'prescreen' && ms(s.at) <= at);
  if (visible.length === 0) return 'no-application';
  const applications = visible.filter((s) => s.stage === 'application');
  const anchor = Math.max(...(applications.length > 0 ? applications : visible).map((s) => ms(s.at)));
  const events = [...context.events]
    .filter((e) => ms(e.at) >= anchor && ms(e.at) <= at)
    .sort((a, b) => ms(a.at) - ms(b.at));
  let stage: FunderStage = 'pending';
  for (const e of events) {
    if (e.toStatus === 'declined' && stage === 'pending') return 'declined';
    if ((e.toStatus === 'approved' || e.toStatus === 'confirmed') && stage === 'pending') stage = 'approved';
    if (e.toStatus === 'booked') stage = 'booked';
    if (e.toStatus === 'abandoned' || e.toStatus === 'expired') return 'ended';
  }
  return stage;
}

const REFERENCE: Record<FunderStage, Record<string, ContactReason>> = {
  'no-application': {},
  declined: {},
  ended: {},
  pending: {
    marketing: 'marketing-before-decision',
    verification: 'verification',
    other: 'other',
    servicing: 'servicing-without-loan',
    collection: 'collection-without-loan',
    untagged: 'verification',
    empty: 'no-content',
  },
  approved: {
    marketing: 'marketing-after-approval',
    verification: 'verification',
    other: 'other',
    servicing: 'servicing-without-loan',
    collection: 'collection-without-loan',
    untagged: 'verification',
    empty: 'no-content',
  },
  booked: {
    marketing: 'marketing-after-booking',
    verification: 'verification',
    other: 'other',
    servicing: 'servicing',
    collection: 'collection',
    untagged: 'servicing',
    empty: 'no-content',
  },
};
const STAGE_ONLY: Partial<Record<FunderStage, ContactReason>> = {
  'no-application': 'no-application-with-funder',
  declined: 'after-decline',
  ended: 'after-abandon',
};
const IN_PURPOSE_REASONS = new Set<ContactReason>([
  'verification',
  'servicing',
  'collection',
  'other',
  'no-content',
]);

function referenceVerdict(facts: ContactFacts, context: PurposeContext): PurposeVerdict {
  const at = typeof facts.occurredAt === 'number' ? facts.occurredAt : facts.occurredAt.getTime();
  const stage = referenceStage(context, at);
  const fixed = STAGE_ONLY[stage];
  if (fixed) return { verdict: 'out-of-purpose', reason: fixed };
  const compact = facts.summary
    .normalize('NFKC')
    .replace(/[\s\p{Cc}\p{Cf}]/gu, '')
    .toLowerCase();
  const pitch = MARKETING_KEYWORDS.some((w) => compact.includes(w.replace(/\s+/g, '')));
  const kind = facts.category ?? (pitch ? 'marketing' : compact.length === 0 ? 'empty' : 'untagged');
  const reason = REFERENCE[stage][kind]!;
  return { verdict: IN_PURPOSE_REASONS.has(reason) ? 'in-purpose' : 'out-of-purpose', reason };
}

const STATUSES: ApplicationStatus[] = [
  'sent',
  'approved',
  'declined',
  'confirmed',
  'booked',
  'abandoned',
  'expired',
];
const cjk = fc.integer({ min: 0x4e00, max: 0x9fff }).map((c) => String.fromCharCode(c));
const invisible = fc.constantFrom(
  '\u0000',
  '\u0007',
  '\n',
  '\t',
  '\u200b',
  '\u200d',
  '\ufeff',
  '\u202e',
  ' ',
  '\u3000',
);
const ascii = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
const fullWidth = fc.integer({ min: 0xff01, max: 0xff5e }).map((c) => String.fromCharCode(c));
/** Chinese text with ASCII, full-width letters, control and zero-width characters mixed in. */
const summaryText = fc.string({
  unit: fc.oneof({ weight: 6, arbitrary: cjk }, { weight: 2, arbitrary: ascii }, invisible, fullWidth),
  maxLength: 40,
});
const keyword = fc.constantFrom(...MARKETING_KEYWORDS);
/** A keyword with invisible characters slipped between its letters, inside random Chinese text. */
const disguisedPitch = fc
  .tuple(summaryText, keyword, fc.array(fc.option(invisible, { nil: '' }), { maxLength: 12 }), summaryText)
  .map(
    ([before, word, gaps, after]) => before + [...word].map((ch, i) => ch + (gaps[i] ?? '')).join('') + after,
  );
const category = fc.option(fc.constantFrom(...CONTACT_CATEGORIES), { nil: null });
const minute = fc.integer({ min: 0, max: 60 });
interface DatedContext {
  shares: Array<{ stage: Stage; at: Date }>;
  events: Array<{ toStatus: ApplicationStatus; at: Date }>;
}
const context: fc.Arbitrary<DatedContext> = fc.record({
  shares: fc.array(
    fc.record({ stage: fc.constantFrom<Stage>('prescreen', 'application', 'booked'), at: minute.map(t) }),
    { maxLength: 3 },
  ),
  events: fc.array(fc.record({ toStatus: fc.constantFrom(...STATUSES), at: minute.map(t) }), {
    maxLength: 6,
  }),
});
/** Histories with distinct event times, so sorting them has one answer. */
const orderedContext = context.map((c) => ({
  shares: c.shares,
  events: [...new Map(c.events.map((e) => [e.at.getTime(), e])).values()].sort(
    (a, b) => a.at.getTime() - b.at.getTime(),
  ),
}));

describe('classifyContact properties', () => {
  it('agrees with the slow reference model on random histories and summaries', () => {
    fc.assert(
      fc.property(orderedContext, minute, summaryText, category, (ctx, m, summary, cat) => {
        const facts = { occurredAt: t(m), summary, category: cat };
        expect(classifyContact(facts, ctx)).toEqual(referenceVerdict(facts, ctx));
      }),
      { seed: SEED, numRuns: 3_000 },
    );
  });

  it('never throws, and every verdict is a documented reason with its fixed side', () => {
    fc.assert(
      fc.property(
        context,
        minute,
        fc.oneof(fc.string({ maxLength: 200 }), worldText(200)),
        category,
        (ctx, m, summary, cat) => {
          const judged = classifyContact({ occurredAt: t(m), summary, category: cat }, ctx);
          expect(CONTACT_REASONS).toContain(judged.reason);
          expect(judged.verdict).toBe(
            IN_PURPOSE_REASONS.has(judged.reason) ? 'in-purpose' : 'out-of-purpose',
          );
        },
      ),
      { seed: SEED, numRuns: 2_000 },
    );
  });

  it('marketing is out of purpose at every stage, disguised or tagged', () => {
    fc.assert(
      fc.property(context, minute, disguisedPitch, fc.boolean(), (ctx, m, pitch, tagged) => {
        const facts: ContactFacts = {
          occurredAt: t(m),
          summary: tagged ? '' : pitch,
          category: tagged ? 'marketing' : null,
        };
        expect(classifyContact(facts, ctx).verdict).toBe('out-of-purpose');
      }),
      { seed: SEED, numRuns: 2_000 },
    );
  });

  it('the provider’s tag decides: with a category the summary never changes the verdict', () => {
    const tag = fc.constantFrom<ContactCategory>(...CONTACT_CATEGORIES);
    fc.assert(
      fc.property(context, minute, fc.oneof(summaryText, disguisedPitch), tag, (ctx, m, summary, cat) => {
        const withText = classifyContact({ occurredAt: t(m), summary, category: cat }, ctx);
        const without = classifyContact({ occurredAt: t(m), summary: '', category: cat }, ctx);
        expect(withText).toEqual(without);
      }),
      { seed: SEED, numRuns: 1_000 },
    );
  });

  it('a contact with no content is judged on its stage alone, and says so', () => {
    const blank = fc.string({ unit: invisible, maxLength: 5 });
    fc.assert(
      fc.property(context, minute, blank, (ctx, m, summary) => {
        const judged = classifyContact({ occurredAt: t(m), summary, category: null }, ctx);
        const neutral = classifyContact({ occurredAt: t(m), summary: '核实信息', category: null }, ctx);
        expect(judged.verdict).toBe(neutral.verdict);
        if (judged.verdict === 'in-purpose') expect(judged.reason).toBe('no-content');
        else expect(judged.reason).toBe(neutral.reason);
      }),
      { seed: SEED, numRuns: 1_000 },
    );
  });

  it('the order events arrive in does not matter', () => {
    fc.assert(
      fc.property(orderedContext, minute, category, fc.nat(), (ctx, m, cat, shift) => {
        const n = ctx.events.length;
        const rotated = ctx.events.map((_, i) => ctx.events[(i + shift) % Math.max(1, n)]!);
        const facts = { occurredAt: t(m), summary: '', category: cat };
        expect(classifyContact(facts, { shares: ctx.shares, events: rotated })).toEqual(
          classifyContact(facts, ctx),
        );
      }),
      { seed: SEED, numRuns: 1_000 },
    );
  });

  it('purposeAtStage is the table classifyContact applies', () => {
    for (const [history, ctx] of Object.entries(HISTORIES)) {
      const stage = funderStageAt(ctx, t(10));
      for (const contact of Object.values(CONTACTS)) {
        expect(purposeAtStage(stage, contact), history).toBe(
          classifyContact({ occurredAt: t(10), ...contact }, ctx),
        );
      }
    }
  });
});

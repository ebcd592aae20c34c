// Purpose rules for relay contacts (PIPL art. 23: the recipient stays within the consented purpose).
import { describe, expect, it } from 'vitest';
import { classifyContact, isMarketing } from './contact-purpose.ts';

const t = (minute: number) => new Date(Date.UTC(2026, 2, 1, 2, minute));
const shared = [{ stage: 'application' as const, at: t(0) }];

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

  it('recognises marketing words case-insensitively', () => {
    expect(isMarketing({ occurredAt: t(0), summary: 'Special Offer inside', category: null })).toBe(true);
    expect(isMarketing({ occurredAt: t(0), summary: '请补充收入证明', category: null })).toBe(false);
  });
});

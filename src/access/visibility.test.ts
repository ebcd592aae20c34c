// The visibility rules, case by case: staff see everything, a funder key only what concerns its
// funder, a borrower key only its own customer's applications.
import { describe, expect, it } from 'vitest';
import type { Principal } from './model.ts';
import { canSeeApplication, canSeeDetectionFindings, canSeeFunder } from './visibility.ts';

const key = (role: Principal['role'], ids: Partial<Principal> = {}): Principal => ({
  keyId: `key_${role}`,
  role,
  funderId: null,
  customerId: null,
  ...ids,
});
const funderA = key('funder', { funderId: 'funder-a' });
const borrower = key('borrower', { customerId: 'cus_1' });
const staff = [key('admin'), key('analyst'), key('system')];

describe('canSeeFunder', () => {
  it('staff see every funder, a funder key its own only, a borrower key none', () => {
    for (const principal of staff) expect(canSeeFunder(principal, 'funder-b')).toBe(true);
    expect(canSeeFunder(funderA, 'funder-a')).toBe(true);
    expect(canSeeFunder(funderA, 'funder-b')).toBe(false);
    expect(canSeeFunder(borrower, 'funder-a')).toBe(false);
  });
});

describe('canSeeApplication', () => {
  const sentToA = { funderId: 'funder-a', customerId: 'cus_1' };
  const notSent = { funderId: null, customerId: 'cus_1' };
  const someoneElses = { funderId: 'funder-a', customerId: 'cus_2' };

  it('staff see every application', () => {
    for (const principal of staff)
      for (const application of [sentToA, notSent, someoneElses])
        expect(canSeeApplication(principal, application)).toBe(true);
  });

  it('a funder key sees only an application dispatched to its funder', () => {
    expect(canSeeApplication(funderA, sentToA)).toBe(true);
    expect(canSeeApplication(funderA, notSent)).toBe(false);
    expect(canSeeApplication(key('funder', { funderId: 'funder-b' }), sentToA)).toBe(false);
    // a malformed funder key (no funder) sees nothing, not the applications sent to nobody
    expect(canSeeApplication(key('funder'), notSent)).toBe(false);
  });

  it("a borrower key sees only its own customer's applications", () => {
    expect(canSeeApplication(borrower, sentToA)).toBe(true);
    expect(canSeeApplication(borrower, notSent)).toBe(true);
    expect(canSeeApplication(borrower, someoneElses)).toBe(false);
    expect(canSeeApplication(key('borrower'), notSent)).toBe(false);
  });
});

describe('canSeeDetectionFindings', () => {
  it('analysts and admins see any funder; the funder its own only once confirmed; nobody else', () => {
    for (const level of ['none', 'watch', 'suspect', 'confirmed']) {
      expect(canSeeDetectionFindings(key('admin'), { funderId: 'funder-b', level })).toBe(true);
      expect(canSeeDetectionFindings(key('analyst'), { funderId: 'funder-b', level })).toBe(true);
      expect(canSeeDetectionFindings(key('system'), { funderId: 'funder-a', level })).toBe(false);
      expect(canSeeDetectionFindings(borrower, { funderId: 'funder-a', level })).toBe(false);
      expect(canSeeDetectionFindings(funderA, { funderId: 'funder-b', level })).toBe(false);
      expect(canSeeDetectionFindings(funderA, { funderId: 'funder-a', level })).toBe(level === 'confirmed');
    }
  });
});

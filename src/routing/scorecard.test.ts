import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPLOYER_TYPES } from './model.ts';
import { bandOf, classifyEmployer, computeScore, estimatedInstallmentFen } from './scorecard.ts';

describe('scorecard', () => {
  it('adds the documented points (worked example)', () => {
    // 30 years (140) + ¥15,000/month (160) + ¥20,000 over 12 months at 12% ≈ ¥1,776.98/month,
    // ratio 0.118 (200) + private employer (60) + Shanghai (80) + base 200 = 840.
    const result = computeScore({
      ageYears: 30,
      regionCode: '310104',
      amountFen: 2_000_000,
      termMonths: 12,
      monthlyIncomeFen: 1_500_000,
      employerType: 'private',
    });
    expect(estimatedInstallmentFen(2_000_000, 12, 0.12)).toBe(177_698);
    expect(result.points).toEqual({
      base: 200,
      age: 140,
      income: 160,
      debtToIncome: 200,
      employer: 60,
      region: 80,
    });
    expect(result.score).toBe(840);
  });

  it('stays within 0–1000 and never rewards a larger request against the same income', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 18, max: 90 }),
        fc.integer({ min: 1, max: 20_000_000 }),
        fc.integer({ min: 1, max: 36 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.constantFrom(...EMPLOYER_TYPES),
        (ageYears, amountFen, termMonths, monthlyIncomeFen, employerType) => {
          const base = { ageYears, regionCode: '440305', termMonths, monthlyIncomeFen, employerType };
          const score = computeScore({ ...base, amountFen }).score;
          expect(score).toBeGreaterThanOrEqual(0);
          expect(score).toBeLessThanOrEqual(1000);
          expect(computeScore({ ...base, amountFen: amountFen * 2 }).score).toBeLessThanOrEqual(score);
        },
      ),
    );
  });

  it('gives no debt-to-income points without a stated income', () => {
    const result = computeScore({
      ageYears: 30,
      regionCode: '110105',
      amountFen: 100_000,
      termMonths: 12,
      monthlyIncomeFen: 0,
      employerType: 'unknown',
    });
    expect(result.points.debtToIncome).toBe(0);
  });

  it('bands scores by configuration', () => {
    expect(bandOf(1000)).toBe('A');
    expect(bandOf(750)).toBe('A');
    expect(bandOf(749)).toBe('B');
    expect(bandOf(0)).toBe('E');
  });

  it('classifies employers by keyword', () => {
    expect(classifyEmployer('上海市浦东新区人民政府')).toBe('government');
    expect(classifyEmployer('复旦大学附属华山医院')).toBe('government');
    expect(classifyEmployer('中国移动通信集团上海有限公司')).toBe('state-owned');
    expect(classifyEmployer('某某科技有限公司')).toBe('private');
    expect(classifyEmployer('个体工商户')).toBe('self-employed');
    expect(classifyEmployer('  ')).toBe('unknown');
    expect(classifyEmployer(undefined)).toBe('unknown');
  });
});

// Institution names as bureaus print them → funder ids: normalisation, branches, codes, conflicts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildInstitutionAliases, normaliseInstitutionName, resolveInstitution } from './institutions.ts';
import { worldText } from '../../test/support/text.ts';

const table = (() => {
  const built = buildInstitutionAliases([
    { funderId: 'icbc', names: ['中国工商银行股份有限公司'], codes: ['B0001H111000001'] },
    { funderId: 'boc', names: ['中国银行股份有限公司'] },
    { funderId: 'abc-bank', names: ['ABC银行有限公司'] },
    { funderId: 'zhaolian', names: ['招联消费金融有限公司'] },
  ]);
  if (!built.ok) throw new Error(built.message);
  return built.value;
})();
const funderOf = (name: string, code?: string) => resolveInstitution(table, name, code).funderId;

describe('institution aliases', () => {
  it.each([
    ['中国工商银行股份有限公司', 'icbc'],
    ['中国工商银行', 'icbc'],
    ['中国工商银行股份有限公司北京朝阳支行', 'icbc'],
    ['中国工商银行北京市分行营业部', 'icbc'],
    ['中国银行股份有限公司上海市分行', 'boc'],
    ['中国银行', 'boc'],
    ['ＡＢＣ银行　有限公司', 'abc-bank'],
    ['abc 银行', 'abc-bank'],
    ['招联消费金融（有限公司）', 'zhaolian'],
    ['招联消费金融有限公司信用卡中心', 'zhaolian'],
  ])('%s → %s', (name, funderId) => {
    expect(funderOf(name)).toBe(funderId);
  });

  it.each([
    ['某某农村商业银行股份有限公司', 'not listed'],
    ['某某银行北京分行', 'a branch whose head is not listed'],
    ['中国银行保险信息技术管理有限公司', 'starts like a listed bank but is not its branch'],
    ['中国银行保险信息技术管理有限公司北京分公司', 'a branch company of a company named like a bank'],
    ['中国工商银行股份有限公司北京朝阳', 'not a branch suffix'],
  ])('%s stays unknown (%s)', (name) => {
    expect(funderOf(name)).toBeUndefined();
  });

  it('a listed code wins over the name; an unlisted code falls back to the name', () => {
    expect(funderOf('某某', 'b0001h111000001')).toBe('icbc');
    expect(funderOf('中国银行', 'ZZZ')).toBe('boc');
  });

  it('normalises full-width letters, spaces, brackets and company forms', () => {
    expect(normaliseInstitutionName('ＡＢＣ 银行（中国）股份有限公司')).toBe('abc银行中国');
    expect(normaliseInstitutionName('中国工商银行股份有限公司北京分行')).toBe('中国工商银行北京分行');
  });

  it('refuses two funders claiming one name or code, and bad entries, with stable codes', () => {
    const conflict = buildInstitutionAliases([
      { funderId: 'a', names: ['某银行股份有限公司'] },
      { funderId: 'b', names: ['某银行'] },
    ]);
    expect(conflict).toMatchObject({
      ok: false,
      code: 'institution_alias_conflict',
      field: '[1].names[0]',
      details: { key: '某银行', funderIds: ['a', 'b'] },
    });
    expect(
      buildInstitutionAliases([
        { funderId: 'a', names: [], codes: ['X1'] },
        { funderId: 'b', names: [], codes: ['x1'] },
      ]),
    ).toMatchObject({ ok: false, code: 'institution_alias_conflict' });
    // one funder may repeat itself
    expect(buildInstitutionAliases([{ funderId: 'a', names: ['某银行', '某银行有限公司'] }]).ok).toBe(true);
    for (const entry of [
      { funderId: 'A B', names: ['某银行'] },
      { funderId: 'a', names: [] },
      { funderId: 'a', names: ['有限公司'] },
      { funderId: 'a', names: ['某\u0000银行'] },
      { funderId: 'a', names: ['某'.repeat(101)] },
      { funderId: 'a', names: ['某银行'], codes: ['代码'] },
    ])
      expect(buildInstitutionAliases([entry]), JSON.stringify(entry)).toMatchObject({
        ok: false,
        code: 'institution_alias_invalid',
      });
  });

  it('never throws on arbitrary names, and a name resolves like its normal form', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 100 }), worldText(100)), (name) => {
        const direct = resolveInstitution(table, name);
        expect(resolveInstitution(table, direct.key).funderId).toBe(direct.funderId);
      }),
      { seed: 20261203, numRuns: 2_000 },
    );
  });
});

// Which funder is the institution a credit report names? Reports print the managing or querying
// institution's registered name (招联消费金融有限公司, 中国工商银行股份有限公司北京朝阳支行), sometimes
// in full-width characters or with stray spaces; funders are known to us by id. The alias table
// maps normalised names and codes to funder ids; a branch maps to its head institution when the
// head institution is listed. Pure: built once from a list, then only read.
import { err, ok, type Result } from '../kernel/index.ts';
import type { InstitutionAliasErrorCode } from './errors.ts';
import {
  INSTITUTION_ALIAS_ENTRIES_MAX,
  INSTITUTION_CODE_CHARS_MAX,
  INSTITUTION_NAME_CHARS_MAX,
  INSTITUTION_NAMES_PER_ENTRY_MAX,
  type InstitutionAliasEntry,
  type InstitutionAliases,
} from './model.ts';

/** Company-form words, removed wherever they appear (a branch name carries them in the middle). */
const COMPANY_FORMS = /股份有限公司|有限责任公司|股份公司|有限公司/g;
/**
 * A bank's branch or unit (分行 branch, 支行 sub-branch, 营业部 business department, 分理处 / 储蓄所
 * outlets, 信用卡中心 card centre): looked up by its head's name. Not 分公司: lenders that are
 * companies (consumer-finance, trusts) do not lend through branch companies, and 中国银行保险信息技术
 * 管理有限公司北京分公司 is no branch of 中国银行.
 */
const BRANCH_SUFFIX = /(?:分行|支行|营业部|分理处|储蓄所|信用卡中心)$/;
/** Names of CJK ideographs only need no folding (most printed names): the fast path. */
const IDEOGRAPHS_ONLY = /^[\u4e00-\u9fff]+$/;
/** Removed after NFKC: whitespace, control and format characters, brackets and the middle dot. */
const NOISE = /[\s\p{Cc}\p{Cf}()[\]{}·・.,，。、-]/gu;
const CONTROL = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
/** Shorter keys are too generic to stand for an institution (e.g. 银行 alone). */
const NAME_KEY_CHARS_MIN = 2;

/**
 * The key a name is looked up by: NFKC (full-width → half-width), lower case, without spaces,
 * brackets, punctuation or company-form words. 中国工商银行股份有限公司北京朝阳支行 →
 * 中国工商银行北京朝阳支行; ＡＢＣ银行 有限公司 → abc银行.
 */
export function normaliseInstitutionName(name: string): string {
  if (IDEOGRAPHS_ONLY.test(name)) return name.replace(COMPANY_FORMS, '');
  return name.normalize('NFKC').toLowerCase().replace(NOISE, '').replace(COMPANY_FORMS, '');
}

/** Codes compare upper-case without spaces or hyphens, after NFKC. */
export function normaliseInstitutionCode(code: string): string {
  return code.normalize('NFKC').replace(NOISE, '').toUpperCase();
}

const FUNDER_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Give `key` to `funderId`, or the conflict when another funder holds it. */
function claim(table: Map<string, string>, key: string, funderId: string, where: string) {
  const holder = table.get(key);
  if (holder !== undefined && holder !== funderId)
    return err('institution_alias_conflict', `${key} is claimed by ${holder} and ${funderId}`, where, {
      key,
      funderIds: [holder, funderId],
    });
  table.set(key, funderId);
  return undefined;
}

/** Build the alias table; two funders claiming one name or code is a conflict, never a silent overwrite. */
export function buildInstitutionAliases(
  entries: readonly InstitutionAliasEntry[],
): Result<InstitutionAliases, InstitutionAliasErrorCode> {
  if (entries.length > INSTITUTION_ALIAS_ENTRIES_MAX)
    return err('institution_alias_invalid', `more than ${INSTITUTION_ALIAS_ENTRIES_MAX} entries`);
  const byName = new Map<string, string>();
  const byCode = new Map<string, string>();
  for (const [index, entry] of entries.entries()) {
    const field = `[${index}]`;
    if (!FUNDER_ID.test(entry.funderId))
      return err('institution_alias_invalid', 'funderId must be a slug', `${field}.funderId`);
    const codes = entry.codes ?? [];
    if (entry.names.length + codes.length === 0)
      return err('institution_alias_invalid', 'an entry needs a name or a code', field);
    if (
      entry.names.length > INSTITUTION_NAMES_PER_ENTRY_MAX ||
      codes.length > INSTITUTION_NAMES_PER_ENTRY_MAX
    )
      return err(
        'institution_alias_invalid',
        `at most ${INSTITUTION_NAMES_PER_ENTRY_MAX} names and codes`,
        field,
      );
    for (const [n, name] of entry.names.entries()) {
      const where = `${field}.names[${n}]`;
      if (name.length > INSTITUTION_NAME_CHARS_MAX || CONTROL.test(name))
        return err('institution_alias_invalid', 'a name is too long or holds control characters', where);
      const key = normaliseInstitutionName(name);
      if (key.length < NAME_KEY_CHARS_MIN)
        return err('institution_alias_invalid', 'a name is empty once normalised', where);
      const conflict = claim(byName, key, entry.funderId, where);
      if (conflict) return conflict;
    }
    for (const [c, code] of codes.entries()) {
      const where = `${field}.codes[${c}]`;
      const key = code.length > INSTITUTION_CODE_CHARS_MAX ? '' : normaliseInstitutionCode(code);
      if (!/^[A-Z0-9]{1,32}$/.test(key))
        return err('institution_alias_invalid', 'a code must be letters and digits', where);
      const conflict = claim(byCode, key, entry.funderId, where);
      if (conflict) return conflict;
    }
  }
  return ok({ byName, byCode });
}

/**
 * The funder behind a printed institution, or undefined. The code wins when it is listed; then the
 * exact name; then, for a branch (…分行, …支行, …信用卡中心), the longest listed name it starts with.
 * A branch whose head institution is not listed stays unknown: never a guess.
 */
export function resolveInstitution(
  aliases: InstitutionAliases,
  name: string,
  code?: string | undefined,
): { funderId: string | undefined; key: string } {
  if (code !== undefined) {
    const byCode = aliases.byCode.get(normaliseInstitutionCode(code));
    if (byCode !== undefined) return { funderId: byCode, key: normaliseInstitutionName(name) };
  }
  const key = normaliseInstitutionName(name);
  const exact = aliases.byName.get(key);
  if (exact !== undefined || !BRANCH_SUFFIX.test(key)) return { funderId: exact, key };
  // Bounded by INSTITUTION_NAME_CHARS_MAX (the name was validated): at most ~100 look-ups.
  for (let end = key.length - 1; end >= NAME_KEY_CHARS_MIN; end--) {
    const head = aliases.byName.get(key.slice(0, end));
    if (head !== undefined) return { funderId: head, key };
  }
  return { funderId: undefined, key };
}

// The portal's string table: every key in both languages with the same placeholders, and every key
// the page and the script use exists (a key missing in one language would show as "undefined").
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderPage } from './page.ts';
import { format, LANGUAGES, STRINGS, type StringKey } from './strings.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('portal strings', () => {
  it('every key exists in every language, non-empty, with the same placeholders', () => {
    const keys = Object.keys(STRINGS['zh-CN']).sort();
    expect(keys.length).toBeGreaterThan(50);
    for (const language of LANGUAGES) {
      expect(Object.keys(STRINGS[language]).sort(), language).toEqual(keys);
      for (const key of keys) {
        const text = STRINGS[language][key as StringKey];
        expect(text.trim(), `${language} ${key}`).not.toBe('');
        expect(placeholders(text), `${language} ${key}`).toEqual(
          placeholders(STRINGS['zh-CN'][key as StringKey]),
        );
      }
    }
    // the two languages really differ (a copied table would pass the checks above)
    expect(keys.filter((k) => STRINGS.en[k as StringKey] === STRINGS['zh-CN'][k as StringKey])).toEqual([]);
  });

  it('every key the page and the script name is in the table', () => {
    const known = new Set(Object.keys(STRINGS['zh-CN']));
    for (const language of LANGUAGES) {
      const page = renderPage(language);
      expect(page).toContain(`<html lang="${language}">`);
      const used = [...page.matchAll(/data-i18n(?:-title)?="([^"]+)"/g)].map((m) => m[1]!);
      expect(used.length).toBeGreaterThan(30);
      for (const key of used) expect(known.has(key), key).toBe(true);
      expect(page).not.toContain('undefined');
    }
    const script = readFileSync(new URL('./client.ts', import.meta.url), 'utf8');
    const literal = [
      ...script.matchAll(
        /'((?:page|lang|signin|status|loans|state|reminders|report|channel|plan|list)\.[\w.-]+)'/g,
      ),
    ];
    expect(literal.length).toBeGreaterThan(20);
    for (const [, key] of literal) expect(known.has(key!), key).toBe(true);
    // and the keys built from data: installment states, reminder and report channels
    for (const state of ['due', 'paid', 'partly-paid', 'overdue', 'written-off', 'closed'])
      expect(known.has(`state.${state}`), state).toBe(true);
  });

  it('fills placeholders and refuses a missing value', () => {
    expect(format('en', 'loans.overdue', { count: 2 })).toBe('2 installment(s) overdue');
    expect(() => format('zh-CN', 'loans.overdue')).toThrow(/count/);
  });
});

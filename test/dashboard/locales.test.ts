// Every dashboard string in both languages (ADR 0096): the two locale objects have exactly the same
// keys, each a non-empty string with the same {{placeholders}}; every key the pages name literally,
// and every value of the domain enumerations the pages translate through a key family, is in both;
// English holds no Chinese (but the name of the Chinese language in the switch).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROLES } from '../../src/access/model.ts';
import { FUNDER_TYPES } from '../../src/catalog/model.ts';
import { CANARY_STATUSES } from '../../src/detection/canary-model.ts';
import { DETECTION_LEVELS, EVIDENCE_KINDS } from '../../src/detection/model.ts';
import { APPLICATION_STATUSES } from '../../src/intake/status.ts';
import { ENTRY_KINDS } from '../../src/ledger/model.ts';
import { LINE_KINDS, STATEMENT_STATUSES } from '../../src/settlement/model.ts';
import { en } from '../../web/src/locales/en.ts';
import { zhCN } from '../../web/src/locales/zh-CN.ts';
import { PAGES } from '../../web/src/pages.ts';

type Table = { [key: string]: string | Table };
const WEB_SRC = join(import.meta.dirname, '..', '..', 'web', 'src');
const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

function flatten(table: Table, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(table)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'locales' ? [] : sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

const zh = flatten(zhCN as Table);
const english = flatten(en as Table);

describe('dashboard strings', () => {
  it('zh-CN and English have the same keys', () => {
    expect([...english.keys()].sort()).toEqual([...zh.keys()].sort());
    expect(zh.size).toBeGreaterThan(200);
  });

  it('every string is non-empty with the same placeholders in both', () => {
    for (const [key, text] of zh) {
      expect(text.trim(), key).not.toBe('');
      expect(english.get(key)?.trim(), key).not.toBe('');
      expect(placeholders(english.get(key) ?? ''), key).toEqual(placeholders(text));
    }
  });

  it('English holds no Chinese, but the language switch names 中文 in Chinese', () => {
    const chinese = [...english].filter(([, text]) => CJK.test(text)).map(([key]) => key);
    expect(chinese).toEqual(['language.zh-CN']);
  });

  it('every key a page names literally exists, and every page title', () => {
    const named = new Set<string>();
    for (const file of sources(WEB_SRC)) {
      const code = readFileSync(file, 'utf8');
      for (const m of code.matchAll(/\bt\(\s*'([^']+)'/g)) named.add(m[1]!);
    }
    for (const page of PAGES) named.add(page.titleKey);
    expect(named.size).toBeGreaterThan(150);
    const missing = [...named].filter((key) => !zh.has(key) || !english.has(key));
    expect(missing).toEqual([]);
  });

  it('every value the pages translate through a key family is there', () => {
    const families: Array<[string, readonly string[]]> = [
      ['status', APPLICATION_STATUSES],
      ['event', APPLICATION_STATUSES],
      ['level', DETECTION_LEVELS],
      ['evidenceKind', EVIDENCE_KINDS],
      ['entryKind', ENTRY_KINDS],
      ['funderType', FUNDER_TYPES],
      ['canaryStatus', CANARY_STATUSES],
      ['lineKind', LINE_KINDS],
      ['statementStatus', STATEMENT_STATUSES],
      ['role', ROLES],
    ];
    const missing = families.flatMap(([family, values]) =>
      values.map((v) => `${family}.${v}`).filter((key) => !zh.has(key) || !english.has(key)),
    );
    expect(missing).toEqual([]);
  });
});

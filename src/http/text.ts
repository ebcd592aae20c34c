// The one text schema every string in a request (body, query, params) goes through (ADR 0060):
// an Ajv keyword that NFC-normalises and trims the value in place, then refuses what PostgreSQL
// cannot store (NUL, lone UTF-16 surrogates) and what no caller means (control characters,
// bidi overrides in names), before the schema's own length, non-empty and pattern checks run.
import type { Ajv, FuncKeywordDefinition } from 'ajv';
import { Type } from 'typebox';
import { assert } from '../kernel/index.ts';

/** The schema keyword: its value says which rules the field opts out of. */
export const TEXT_KEYWORD = 'x-shoujia-text';

export interface TextRules {
  /** trim leading and trailing white space (Unicode, U+3000 included) before the checks; default true */
  trim: boolean;
  /** allow tab, line feed and carriage return (free-text notes); default false */
  multiline: boolean;
  /** allow the bidi embedding/override/isolate controls (U+202A–202E, U+2066–2069); default false */
  bidi: boolean;
}

export interface TextOptions extends Partial<TextRules> {
  /** required: every string has an explicit limit (STYLE §8); counted in code points after trimming */
  maxLength: number;
  /** default 1: an empty value, or one of only spaces, is refused */
  minLength?: number;
  pattern?: string;
  format?: string;
  description?: string;
  default?: string;
}

/** Why a value was refused: `details.rule` of the 400 answer. Stable, never renamed. */
export const TEXT_RULES = ['nul', 'control_character', 'lone_surrogate', 'bidi_control'] as const;
export type TextRule = (typeof TEXT_RULES)[number];

// C0 controls (U+0000–001F), DEL and the C1 controls (U+0080–009F). NUL gets its own rule: it is
// the one PostgreSQL cannot store at all (text and jsonb refuse it), so it deserves the clearest name.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_EXCEPT_TAB_NEWLINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// Unicode bidirectional embeddings, overrides (U+202A–202E) and isolates (U+2066–2069): they make
// "Bank of 中国" display as something else (Trojan Source, CVE-2021-42574). Marks (U+200E/200F) stay.
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;
// A high surrogate not followed by a low one, or a low one not preceded by a high one (not 'u' mode,
// so the pattern sees UTF-16 code units). PostgreSQL cannot encode either as UTF-8.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The checks after normalisation: the first rule the value breaks, or null. Pure, for the tests too. */
export function textViolation(
  value: string,
  rules: TextRules,
): { rule: TextRule; message: string; position: number } | null {
  const surrogate = LONE_SURROGATE.exec(value);
  if (surrogate) {
    return {
      rule: 'lone_surrogate',
      message: 'must not contain a lone UTF-16 surrogate',
      position: surrogate.index,
    };
  }
  const nul = value.indexOf('\u0000');
  if (nul >= 0) return { rule: 'nul', message: 'must not contain NUL (U+0000)', position: nul };
  const control = (rules.multiline ? CONTROL_EXCEPT_TAB_NEWLINE : CONTROL).exec(value);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return {
      rule: 'control_character',
      message: `must not contain control character U+${code}${rules.multiline ? '' : ' (this field allows no tab or newline)'}`,
      position: control.index,
    };
  }
  if (!rules.bidi) {
    const bidi = BIDI_CONTROL.exec(value);
    if (bidi) {
      const code = bidi[0].charCodeAt(0).toString(16).toUpperCase();
      return {
        rule: 'bidi_control',
        message: `must not contain bidi control character U+${code}`,
        position: bidi.index,
      };
    }
  }
  return null;
}

/** What the keyword stores: NFC (so 'é' typed two ways is one value), trimmed if the field says so. */
export function normaliseText(value: string, rules: TextRules): string {
  // normalize() of a string with a lone surrogate keeps it as is; textViolation refuses it after.
  const nfc = value.normalize('NFC');
  return rules.trim ? nfc.trim() : nfc;
}

const DEFAULT_RULES: TextRules = { trim: true, multiline: false, bidi: false };

/**
 * A string field. Every string in a request schema is one of these (validation.ts refuses to
 * compile a route with a bare Type.String()).
 */
export function Text(options: TextOptions) {
  const { maxLength, minLength = 1, trim, multiline, bidi, ...rest } = options;
  assert(Number.isInteger(maxLength) && maxLength > 0, 'Text needs an explicit maxLength');
  assert(minLength >= 0 && minLength <= maxLength, 'Text minLength within 0..maxLength');
  const rules: TextRules = {
    trim: trim ?? DEFAULT_RULES.trim,
    multiline: multiline ?? DEFAULT_RULES.multiline,
    bidi: bidi ?? DEFAULT_RULES.bidi,
  };
  return Type.String({ ...rest, maxLength, minLength, [TEXT_KEYWORD]: rules });
}

/**
 * An exact identifier or token: never trimmed (its pattern refuses white space, and a trimmed
 * secret would silently differ from the one the other side holds).
 */
export function Token(options: Omit<TextOptions, 'trim' | 'multiline' | 'bidi'>) {
  return Text({ ...options, trim: false });
}

/** The Ajv keyword. Must run before maxLength/minLength/pattern so they see the stored value. */
export function registerTextKeyword(ajv: Ajv): void {
  const definition: FuncKeywordDefinition = {
    keyword: TEXT_KEYWORD,
    type: 'string',
    modifying: true,
    errors: true,
    schemaType: 'object',
    // Ajv runs a type's keywords in registration order; 'maxLength' is the first string keyword.
    before: 'maxLength',
    validate: function validateText(
      rules: TextRules,
      data: string,
      _parentSchema?: unknown,
      context?: { parentData: Record<string | number, unknown>; parentDataProperty: string | number },
    ): boolean {
      const self = validateText as unknown as { errors?: unknown[] };
      const value = normaliseText(data, rules);
      if (context?.parentData && value !== data) context.parentData[context.parentDataProperty] = value;
      const violation = textViolation(value, rules);
      if (!violation) return true;
      self.errors = [
        {
          keyword: TEXT_KEYWORD,
          message: violation.message,
          params: { rule: violation.rule, position: violation.position },
        },
      ];
      return false;
    },
  };
  ajv.addKeyword(definition);
}

/**
 * Every string node of a request schema must carry the text keyword (or be a constant/enum, which
 * cannot hold anything unexpected). Returns the JSON paths of the bare ones.
 */
export function bareStringPaths(schema: unknown, path = '#'): string[] {
  if (!schema || typeof schema !== 'object') return [];
  const node = schema as Record<string, unknown>;
  const found: string[] = [];
  const types = [node.type].flat();
  if (
    types.includes('string') &&
    node.const === undefined &&
    node.enum === undefined &&
    !(TEXT_KEYWORD in node)
  )
    found.push(path);
  for (const [key, value] of Object.entries(node)) {
    if (key === TEXT_KEYWORD || key === 'default' || key === 'examples' || key === 'const' || key === 'enum')
      continue;
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) found.push(...bareStringPaths(item, `${path}/${key}/${i}`));
    } else if (value && typeof value === 'object') found.push(...bareStringPaths(value, `${path}/${key}`));
  }
  return found;
}

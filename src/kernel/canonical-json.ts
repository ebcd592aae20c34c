// RFC 8785 JSON Canonicalization Scheme: object keys sorted by UTF-16 code units, no whitespace,
// numbers in ECMAScript shortest form (what JSON.stringify prints for finite numbers, RFC 8785 §3.2.2.3),
// strings escaped as JSON.stringify does (§3.2.2.2). Used for hashing ledger entries and payloads.
import { assert } from './assert.ts';

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      assert(Number.isFinite(value), 'canonical JSON cannot encode a non-finite number');
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      // Default sort compares UTF-16 code units, which is what RFC 8785 §3.2.3 requires.
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot encode ${typeof value}`);
  }
}

// pino with PII redaction: known PII fields are censored by path, and every finished log line is
// scrubbed of anything that looks like a resident ID number or a mobile number (issue 11 item 3).
import pino, { type Logger } from 'pino';

/**
 * 居民身份证号 (GB 11643-1999): 17 digits and a check character (digit or X), written in one run or
 * grouped 6-8-4 with spaces or hyphens. A percent-escape (`%20`) counts as a boundary, so an
 * encoded URL (`?q=%2011010519491231002X`) is caught too.
 */
const BEFORE = String.raw`(?:(?<!\d)|(?<=%[0-9A-Fa-f]{2}))`;
const ID_NUMBER = new RegExp(String.raw`${BEFORE}\d{6}([ -]?)\d{8}\1\d{3}[\dXx](?!\d)`, 'g');
/** Mainland mobile numbers: 1[3-9] and 9 more digits, optionally +86/86, grouped 3-4-4 or not. */
const PHONE = new RegExp(String.raw`${BEFORE}(?:\+?86[ -]?)?1[3-9]\d([ -]?)\d{4}\1\d{4}(?!\d)`, 'g');

export function scrub(text: string): string {
  return text.replace(ID_NUMBER, '[id-number]').replace(PHONE, '[phone]');
}

function mayHoldPii(text: string): boolean {
  ID_NUMBER.lastIndex = 0;
  PHONE.lastIndex = 0;
  return ID_NUMBER.test(text) || PHONE.test(text);
}

/** Scrub every string, and every number whose digits look like a phone or ID number, at any depth. */
function scrubJson(value: unknown): unknown {
  if (typeof value === 'string') return scrub(value);
  if (typeof value === 'number') {
    const digits = String(value);
    return mayHoldPii(digits) ? scrub(digits) : value;
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(scrubJson);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[scrub(key)] = scrubJson(item);
  return out;
}

/**
 * The last step before a line leaves the process: pino has already run every serializer (requests,
 * errors with message and stack, class instances through their toJSON or own fields), so whatever
 * was logged is in this text. A line with no match passes unchanged; one with a match is parsed and
 * scrubbed value by value so it stays valid JSON (a number matching becomes the string '[phone]').
 */
export function scrubLine(line: string): string {
  if (!mayHoldPii(line)) return line;
  const newline = line.endsWith('\n') ? '\n' : '';
  try {
    return JSON.stringify(scrubJson(JSON.parse(line))) + newline;
  } catch {
    // Not JSON (cannot happen with pino's own formatting): scrub it as text.
    return scrub(line);
  }
}

/** Scrub a request URL for the log: decoded first so an escaped digit run cannot hide a number. */
export function scrubUrl(url: string): string {
  let decoded = url;
  try {
    decoded = decodeURIComponent(url);
  } catch {
    // a malformed escape: scrub the raw text (BEFORE treats escapes as boundaries)
  }
  return scrub(decoded);
}

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-shoujia-signature"]',
  '*.idNumber',
  '*.phone',
  '*.name',
  '*.applicant',
  '*.employer',
  'applicant',
];

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      // Names cannot be recognised by their shape: they are censored by path where they are known.
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      hooks: { streamWrite: scrubLine },
    },
    options.destination,
  );
}

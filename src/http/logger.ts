// pino with PII redaction: known PII fields are censored by path, and every string that looks like
// a resident ID number or a mobile number is masked anywhere in a log line (defence in depth).
import pino, { type Logger } from 'pino';

const ID_NUMBER = /(?<!\d)\d{17}[\dXx](?!\d)/g;
const PHONE = /(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)/g;

export function scrub(text: string): string {
  return text.replace(ID_NUMBER, '[id-number]').replace(PHONE, '[phone]');
}

function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, depth + 1));
  if (value instanceof Error)
    return {
      type: value.name,
      message: scrub(value.message),
      stack: value.stack ? scrub(value.stack) : undefined,
    };
  // Leave class instances (requests, responses) to pino's serializers, which run after this.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = scrubDeep(item, depth + 1);
  return out;
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
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { log: (object) => scrubDeep(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? scrub(arg) : arg)) as Parameters<typeof method>,
          );
        },
      },
    },
    options.destination,
  );
}

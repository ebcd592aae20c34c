// The funder's OPRF key file (key.pem): a PEM block holding the 32-byte ristretto255 scalar, with
// the key id and suite as RFC 1421-style headers. The key never leaves the funder's machines.
import { type Result, err, ok } from '../kernel/index.ts';
import { OPRF_SUITE, isValidScalar } from './oprf.ts';

export interface OprfKey {
  keyId: string;
  secretKey: Uint8Array;
}

const BEGIN = '-----BEGIN SHOUJIA OPRF PRIVATE KEY-----';
const END = '-----END SHOUJIA OPRF PRIVATE KEY-----';
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export function encodeKeyPem(key: OprfKey): string {
  return [
    BEGIN,
    `Suite: ${OPRF_SUITE}`,
    `Key-Id: ${key.keyId}`,
    '',
    Buffer.from(key.secretKey).toString('base64'),
    END,
    '',
  ].join('\n');
}

export function parseKeyPem(text: string): Result<OprfKey, 'oprf_key_invalid'> {
  const bad = (why: string) => err('oprf_key_invalid' as const, why, 'key');
  const lines = text.trim().split(/\r?\n/);
  if (lines[0] !== BEGIN || lines[lines.length - 1] !== END)
    return bad('not a Shoujia OPRF key (PEM armour)');
  const headers = new Map<string, string>();
  let i = 1;
  for (; i < lines.length - 1 && lines[i] !== ''; i++) {
    const match = /^([A-Za-z-]+):\s*(.+)$/.exec(lines[i]!);
    if (!match) return bad(`header line ${i + 1}`);
    headers.set(match[1]!.toLowerCase(), match[2]!.trim());
  }
  if (headers.get('suite') !== OPRF_SUITE) return bad(`suite must be ${OPRF_SUITE}`);
  const keyId = headers.get('key-id') ?? '';
  if (!KEY_ID_PATTERN.test(keyId)) return bad('Key-Id missing or malformed');
  const secretKey = Buffer.from(lines.slice(i + 1, -1).join(''), 'base64');
  if (!isValidScalar(secretKey)) return bad('the key is not a non-zero canonical ristretto255 scalar');
  return ok({ keyId, secretKey });
}

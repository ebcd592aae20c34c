// Webhook and callback signatures: HMAC-SHA256 over "<unix seconds>.<raw body>" with the funder's
// webhook secret, sent as `Shoujia-Signature: t=<seconds>,v1=<hex>` (the shape Stripe and others
// use). A signature older or newer than the replay window is refused, so a captured request cannot
// be replayed later; within the window the dispatch state refuses a second identical decision.
import { constantTimeEqual, err, hmacSha256, ok, type Result } from '../kernel/index.ts';

export const SIGNATURE_HEADER = 'shoujia-signature';
/** Five minutes either way (clock skew included). */
export const REPLAY_WINDOW_MS = 5 * 60_000;
const MAX_HEADER_LENGTH = 300;

export function signatureOf(secret: string, timestampSeconds: number, body: string): string {
  return hmacSha256(Buffer.from(secret, 'utf8'), `${timestampSeconds}.${body}`).toString('hex');
}

export function signatureHeader(secret: string, at: Date, body: string): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${signatureOf(secret, t, body)}`;
}

export type SignatureError = 'signature_invalid' | 'signature_expired';

/** Check a signature header against the raw body at time `now`. */
export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string,
  now: Date,
  windowMs = REPLAY_WINDOW_MS,
): Result<{ timestampSeconds: number; signature: string }, SignatureError> {
  if (typeof header !== 'string' || header.length > MAX_HEADER_LENGTH)
    return err('signature_invalid', 'missing or oversized Shoujia-Signature header', 'Shoujia-Signature');
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header.trim());
  if (!match)
    return err(
      'signature_invalid',
      'Shoujia-Signature must be t=<unix seconds>,v1=<64 hex>',
      'Shoujia-Signature',
    );
  const timestampSeconds = Number(match[1]);
  const expected = Buffer.from(signatureOf(secret, timestampSeconds, body), 'hex');
  if (!constantTimeEqual(expected, Buffer.from(match[2]!, 'hex')))
    return err('signature_invalid', 'the signature does not match the body', 'Shoujia-Signature');
  if (Math.abs(now.getTime() - timestampSeconds * 1000) > windowMs) {
    return err(
      'signature_expired',
      'the signature timestamp is outside the 5-minute replay window',
      'Shoujia-Signature',
    );
  }
  return ok({ timestampSeconds, signature: match[2]! });
}

// The funder kit's OPRF service (`shoujia funder serve-oprf`): multiplies blinded elements by the
// funder's key and nothing else. It never sees an identifier. Limits: a batch maximum, a per-client
// element budget (token bucket) so the platform cannot test its way through a number segment, and
// a body size bound. Several keys may be loaded at once, so a key can be rotated without downtime.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type Clock, type Result, constantTimeEqual, err, ok } from '../kernel/index.ts';
import { OPRF_SUITE, blindEvaluate } from './oprf.ts';
import type { OprfKey } from './oprf-key.ts';

export const DEFAULT_MAX_BATCH = 64;
/** Elements a client may have evaluated per minute; a check costs 2 (phone and ID number). */
export const DEFAULT_ELEMENTS_PER_MINUTE = 600;
/** Clients tracked by the limiter at once; the oldest are forgotten beyond this. */
const MAX_TRACKED_CLIENTS = 10_000;
const BASE64_ELEMENT = /^[A-Za-z0-9+/]{43}=$/;

export type OprfServiceError =
  | 'oprf_malformed'
  | 'oprf_point_invalid'
  | 'oprf_batch_too_large'
  | 'oprf_key_unknown';

export interface EvaluateResponse {
  suite: string;
  keyId: string;
  evaluated: string[];
}

/** Pure request handling: validate everything, evaluate, never throw on client input. */
export function handleEvaluate(
  keys: ReadonlyMap<string, Uint8Array>,
  body: unknown,
  maxBatch: number,
): Result<EvaluateResponse, OprfServiceError> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return err('oprf_malformed', 'body must be a JSON object');
  const { suite, keyId, elements, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0)
    return err('oprf_malformed', `unknown field ${Object.keys(rest)[0]}`, Object.keys(rest)[0]);
  if (suite !== undefined && suite !== OPRF_SUITE)
    return err('oprf_malformed', `suite must be ${OPRF_SUITE}`, 'suite');
  if (typeof keyId !== 'string') return err('oprf_malformed', 'keyId must be a string', 'keyId');
  const key = keys.get(keyId);
  if (!key) return err('oprf_key_unknown', `no key ${keyId.slice(0, 64)}`, 'keyId');
  if (!Array.isArray(elements) || elements.length === 0)
    return err('oprf_malformed', 'elements must be a non-empty array', 'elements');
  if (elements.length > maxBatch)
    return err('oprf_batch_too_large', `at most ${maxBatch} elements per request`, 'elements');
  const evaluated: string[] = [];
  for (let i = 0; i < elements.length; i++) {
    const element = elements[i];
    if (typeof element !== 'string' || !BASE64_ELEMENT.test(element)) {
      return err('oprf_malformed', 'each element is 32 bytes in base64', `elements.${i}`);
    }
    const result = blindEvaluate(key, Buffer.from(element, 'base64'));
    if (!result.ok) return err(result.code, result.message, `elements.${i}`);
    evaluated.push(Buffer.from(result.value).toString('base64'));
  }
  return ok({ suite: OPRF_SUITE, keyId, evaluated });
}

/** Token bucket per client, counting elements. */
export class ElementRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  constructor(private readonly elementsPerMinute: number) {}

  take(client: string, elements: number, nowMs: number): boolean {
    const capacity = this.elementsPerMinute;
    const bucket = this.buckets.get(client) ?? { tokens: capacity, atMs: nowMs };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((nowMs - bucket.atMs) * capacity) / 60_000);
    bucket.atMs = nowMs;
    this.buckets.delete(client);
    if (this.buckets.size >= MAX_TRACKED_CLIENTS) this.buckets.delete(this.buckets.keys().next().value!);
    this.buckets.set(client, bucket);
    if (bucket.tokens < elements) return false;
    bucket.tokens -= elements;
    return true;
  }
}

export interface OprfServiceOptions {
  /** the first key is the current one */
  keys: OprfKey[];
  clock: Clock;
  maxBatch?: number;
  elementsPerMinute?: number;
  /** if set, requests must carry `Authorization: Bearer <token>` */
  token?: string;
}

export interface OprfService {
  server: Server;
  /** swap the loaded keys (rotation: load new and old, then drop the old) */
  setKeys(keys: OprfKey[]): void;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

const failure = (response: ServerResponse, status: number, code: string, message: string, field?: string) =>
  send(response, status, { error: { code, message, ...(field ? { field } : {}) } });

export function createOprfService(options: OprfServiceOptions): OprfService {
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  // 48 characters per base64 element with quotes and comma, plus the envelope
  const maxBodyBytes = maxBatch * 48 + 512;
  const limiter = new ElementRateLimiter(options.elementsPerMinute ?? DEFAULT_ELEMENTS_PER_MINUTE);
  let keys = new Map<string, Uint8Array>();
  let current = '';
  const setKeys = (next: OprfKey[]) => {
    if (next.length === 0) throw new Error('at least one OPRF key');
    keys = new Map(next.map((k) => [k.keyId, k.secretKey]));
    current = next[0]!.keyId;
  };
  setKeys(options.keys);
  const token = options.token ? Buffer.from(options.token) : null;

  const handle = (request: IncomingMessage, response: ServerResponse, body: Buffer) => {
    const url = request.url ?? '/';
    if (request.method === 'GET' && url === '/health') return send(response, 200, { status: 'ok' });
    if (token) {
      const match = /^Bearer (.{1,200})$/.exec(request.headers.authorization ?? '');
      if (!match || !constantTimeEqual(Buffer.from(match[1]!), token))
        return failure(response, 401, 'unauthenticated', 'bearer token required');
    }
    if (request.method === 'GET' && url === '/v1/oprf/keys')
      return send(response, 200, { suite: OPRF_SUITE, current, keyIds: [...keys.keys()] });
    if (request.method !== 'POST' || url !== '/v1/oprf/evaluate')
      return failure(response, 404, 'route_not_found', 'no such route');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return failure(response, 400, 'oprf_malformed', 'body is not JSON');
    }
    const count = Array.isArray((parsed as { elements?: unknown })?.elements)
      ? (parsed as { elements: unknown[] }).elements.length
      : 1;
    const client = token ? 'token' : (request.socket.remoteAddress ?? 'unknown');
    if (!limiter.take(client, Math.min(count, maxBatch), options.clock.now().getTime())) {
      return failure(response, 429, 'rate_limited', 'element budget exhausted; retry later');
    }
    const result = handleEvaluate(keys, parsed, maxBatch);
    if (!result.ok) return failure(response, 400, result.code, result.message, result.field);
    return send(response, 200, result.value);
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > maxBodyBytes) {
        refused = true;
        failure(
          response,
          400,
          'oprf_batch_too_large',
          `body above ${maxBodyBytes} bytes (batch limit ${maxBatch})`,
          'elements',
        );
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (refused) return;
      try {
        handle(request, response, Buffer.concat(chunks));
      } catch {
        failure(response, 500, 'internal', 'internal error');
      }
    });
    request.on('error', () => response.destroy());
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  return { server, setKeys };
}

// A Shoujia with routing options of the test's choosing, and a real local HTTP server playing a
// funder: it verifies our signatures, deduplicates by idempotency key, and can approve, decline,
// fail, stall past our timeout, or answer later through the signed callback.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../../src/http/app.ts';
import { type ManualClock, sha256Hex } from '../../src/kernel/index.ts';
import { SIGNATURE_HEADER, signatureHeader, verifySignature } from '../../src/routing/signature.ts';
import type { RoutingServiceOptions } from '../../src/routing/service.ts';
import type { Services } from '../../src/services.ts';
import type { Engine, TestDatabase } from '../support/engines.ts';
import { createHarness } from '../support/harness.ts';

export interface RoutingHarness {
  app: App;
  services: Services;
  database: TestDatabase;
  clock: ManualClock;
  adminKey: string;
  call(
    method: string,
    url: string,
    body?: unknown,
    options?: { key?: string; headers?: Record<string, string>; raw?: string },
  ): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** The shared harness with routing options; `raw` sends a body verbatim (signature tests). */
export async function routingHarness(
  engine: Engine,
  routing: RoutingServiceOptions = {},
): Promise<RoutingHarness> {
  const harness = await createHarness(engine, { services: { routing } });
  return {
    ...harness,
    call: (method, url, body, options = {}) =>
      harness.call(method, url, options.raw ?? body, { key: options.key, headers: options.headers }),
  };
}

export type FunderBehaviour =
  | 'approve'
  | 'decline'
  | 'fail-once-then-approve'
  | 'always-500'
  | 'stall'
  | 'pending';

export interface MockFunder {
  url: string;
  secret: string;
  behaviour: FunderBehaviour;
  /** every request received: idempotency key, whether the signature verified, the parsed body */
  received: Array<{ key: string; signed: boolean; body: any }>;
  close(): Promise<void>;
}

export async function mockFunder(clock: ManualClock, behaviour: FunderBehaviour): Promise<MockFunder> {
  const secret = randomBytes(16).toString('hex');
  const answered = new Map<string, string>();
  let failures = 0;
  const mock: MockFunder = { url: '', secret, behaviour, received: [], close: async () => {} };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c) => chunks.push(c));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const key = String(request.headers['idempotency-key'] ?? '');
      const signed = verifySignature(
        secret,
        request.headers[SIGNATURE_HEADER] as string | undefined,
        raw,
        clock.now(),
      ).ok;
      mock.received.push({ key, signed, body: JSON.parse(raw) });
      if (!signed) return void response.writeHead(401).end('{"error":"bad signature"}');
      // A real funder answers a repeated idempotency key with its first answer.
      const previous = answered.get(key);
      if (previous) return void response.writeHead(200, { 'content-type': 'application/json' }).end(previous);
      const answer = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        if (status === 200) answered.set(key, text);
        response.writeHead(status, { 'content-type': 'application/json' }).end(text);
      };
      switch (mock.behaviour) {
        case 'approve':
          return answer(200, { decision: 'approved', reference: `ref-${answered.size + 1}` });
        case 'decline':
          return answer(200, { decision: 'declined', reason: 'policy' });
        case 'fail-once-then-approve':
          if (failures++ === 0) return answer(503, { error: 'busy' });
          return answer(200, { decision: 'approved' });
        case 'always-500':
          return answer(500, { error: 'down' });
        case 'stall':
          return void setTimeout(() => answer(200, { decision: 'approved' }), 1000);
        case 'pending':
          return answer(202, { decision: 'pending' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mock.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/decisions`;
  mock.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return mock;
}

/** A signed callback as a funder would send it. */
export function signedCallback(
  secret: string,
  at: Date,
  body: unknown,
): { raw: string; headers: Record<string, string> } {
  const raw = JSON.stringify(body);
  return { raw, headers: { [SIGNATURE_HEADER]: signatureHeader(secret, at, raw) } };
}

export const consentBody = (funderId: string) => ({
  funderId,
  purpose: '向资方提交借款申请以获得授信',
  dataCategories: ['identity', 'contact', 'demographics', 'region', 'employment', 'loan-request'],
  textVersionHash: sha256Hex('个人信息单独同意书 v3'),
  channel: 'app',
});

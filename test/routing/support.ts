// A Shoujia with routing options of the test's choosing, and a real local HTTP server playing a
// funder: it verifies our signatures, decides once per idempotency key and answers repeats with
// that decision, and can approve, decline, fail, stall past our timeout, lose its answer after
// deciding, or answer later through the signed callback.
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
  | 'pending'
  /** decides (approves), then its answer is lost: a 500 the first time, the decision on a repeat */
  | 'approve-then-lose-answer';

export interface MockFunder {
  url: string;
  secret: string;
  behaviour: FunderBehaviour;
  /** every request received: idempotency key, whether the signature verified, the parsed body, when */
  received: Array<{
    key: string;
    signed: boolean;
    body: any;
    /** the test clock when it arrived (ms) */
    atMs: number;
  }>;
  /**
   * the credit decisions this funder made, by the application reference in the message: a real
   * funder decides once per idempotency key and answers every repeat with that decision, so a
   * second entry for one application means we sent it under a second key
   */
  decisions: Map<string, string[]>;
  /** how long it takes to decide and answer (0: at once) */
  delayMs: number;
  close(): Promise<void>;
}

/** How long a stalling funder takes to answer (past the tests' webhook timeouts). */
const STALL_MS = 1000;

export async function mockFunder(clock: ManualClock, behaviour: FunderBehaviour): Promise<MockFunder> {
  const secret = randomBytes(16).toString('hex');
  // key → the answer given for it (status and body), kept from the moment the decision is made
  const answered = new Map<string, { status: number; text: string }>();
  let failures = 0;
  const mock: MockFunder = {
    url: '',
    secret,
    behaviour,
    received: [],
    decisions: new Map(),
    delayMs: 0,
    close: async () => {},
  };
  let applicationRef = '';
  const decide = (key: string, decision: string, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    answered.set(key, { status, text });
    mock.decisions.set(applicationRef, [...(mock.decisions.get(applicationRef) ?? []), decision]);
    return text;
  };
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
      const body = JSON.parse(raw);
      mock.received.push({ key, signed, body, atMs: clock.now().getTime() });
      applicationRef = String(body.applicationRef ?? '');
      const send = (status: number, text: string, delayMs = mock.delayMs) => {
        const write = () => {
          if (!response.destroyed)
            response.writeHead(status, { 'content-type': 'application/json' }).end(text);
        };
        if (delayMs > 0) setTimeout(write, delayMs);
        else write();
      };
      if (!signed) return send(401, '{"error":"bad signature"}');
      // A real funder answers a repeated idempotency key with its first decision, never a new one.
      const previous = answered.get(key);
      // A stalling funder is slow at everything, repeats included.
      if (previous)
        return send(previous.status, previous.text, mock.behaviour === 'stall' ? STALL_MS : mock.delayMs);
      switch (mock.behaviour) {
        case 'approve':
          return send(
            200,
            decide(key, 'approved', 200, { decision: 'approved', reference: `ref-${answered.size + 1}` }),
          );
        case 'decline':
          return send(200, decide(key, 'declined', 200, { decision: 'declined', reason: 'policy' }));
        case 'fail-once-then-approve':
          // Busy before deciding: nothing is decided, a retry is a first request.
          if (failures++ === 0) return send(503, '{"error":"busy"}');
          return send(200, decide(key, 'approved', 200, { decision: 'approved' }));
        case 'always-500':
          return send(500, '{"error":"down"}');
        case 'stall':
          // Decides at once, answers too late for our timeout, every time.
          return send(200, decide(key, 'approved', 200, { decision: 'approved' }), STALL_MS);
        case 'pending':
          return send(202, decide(key, 'pending', 202, { decision: 'pending' }));
        case 'approve-then-lose-answer':
          decide(key, 'approved', 200, { decision: 'approved', reference: 'ref-lost' });
          return send(500, '{"error":"answer lost"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mock.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/decisions`;
  mock.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
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

/** A funder contract the tests' funders sign: 3% of disbursed principal, the no-backflow clause on. */
export const TEST_CONTRACT = {
  serviceFee: { basis: 'disbursed', rate: 0.03 },
  noBackflow: {
    enabled: true,
    penaltyPerCustomerFen: 100_000,
    serviceFeeMultiple: 3,
    terminationThreshold: 20,
  },
  conversionFeeFen: 60_000,
  maxPenaltyRateAnnual: 0.03,
  auditRights: { creditReportCrossCheck: true, canaries: true, relayContacts: true },
};

/** A plain product at one rate for ages 20–60, ¥1,000–¥100,000 over 6, 12 or 24 months. */
export const testProduct = (id: string, rate: number) => ({
  id,
  name: id,
  minAmountFen: 100_000,
  maxAmountFen: 10_000_000,
  termsMonths: [6, 12, 24],
  rateAnnualMin: rate,
  rateAnnualMax: rate,
  methods: ['equal-installment'],
  ageMin: 20,
  ageMax: 60,
  minScore: 0,
});

export const consentBody = (funderId: string) => ({
  funderId,
  purpose: '向资方提交借款申请以获得授信',
  dataCategories: ['identity', 'contact', 'demographics', 'region', 'employment', 'loan-request'],
  textVersionHash: sha256Hex('个人信息单独同意书 v3'),
  channel: 'app',
});

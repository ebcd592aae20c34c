// A local SMS gateway that behaves like the real ones the HTTP adapter targets (docs/reminders.md):
// bearer token, JSON body checked (mainland mobile number, text length), Idempotency-Key honoured
// (the same key answers the first message's id and sends nothing again), and faults on demand:
// 5xx answers, requests that never answer (the caller's timeout), connections reset after the
// message was accepted (the answer is lost, the message was sent).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = { kind: 'status'; status: number } | { kind: 'hang' } | { kind: 'reset-after-accept' };

export interface MockSmsGateway {
  url: string;
  token: string;
  /** every request that reached the gateway, in order */
  requests: Array<{ idempotencyKey: string | undefined; body: unknown }>;
  /** messages actually sent to phones, by messageId (one per idempotency key) */
  sent: Map<string, { id: string; to: string; text: string }>;
  /** the next requests meet these faults, one each, in order */
  faults: Fault[];
  close(): Promise<void>;
}

const MOBILE = /^\+861[3-9]\d{9}$/;
const TEXT_MAX = 500;

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) {
    body += chunk;
    if (body.length > 65_536) throw new Error('body too large');
  }
  return body;
}

export async function mockSmsGateway(token = 'gateway-token'): Promise<MockSmsGateway> {
  const requests: MockSmsGateway['requests'] = [];
  const sent: MockSmsGateway['sent'] = new Map();
  const faults: Fault[] = [];
  const hanging = new Set<() => void>();
  const server: Server = createServer(async (request, response) => {
    const raw = await readBody(request).catch(() => '');
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const idempotencyKey = request.headers['idempotency-key'] as string | undefined;
    requests.push({ idempotencyKey, body });
    const answer = (status: number, json: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(json));
    };
    const fault = faults.shift();
    if (fault?.kind === 'status') return answer(fault.status, { code: 'unavailable' });
    if (fault?.kind === 'hang') {
      hanging.add(() => response.destroy());
      return;
    }
    if (request.method !== 'POST' || request.url !== '/v1/messages')
      return answer(404, { code: 'not_found' });
    if (request.headers.authorization !== `Bearer ${token}`) return answer(401, { code: 'unauthorized' });
    if (request.headers['content-type'] !== 'application/json') return answer(415, { code: 'json_only' });
    const b = body as { messageId?: unknown; to?: unknown; text?: unknown; template?: unknown } | undefined;
    if (!b || typeof b.messageId !== 'string' || b.messageId.length === 0 || b.messageId.length > 200)
      return answer(400, { code: 'message_id_invalid' });
    if (idempotencyKey !== b.messageId) return answer(400, { code: 'idempotency_key_mismatch' });
    if (typeof b.to !== 'string' || !MOBILE.test(b.to)) return answer(400, { code: 'number_invalid' });
    if (typeof b.text !== 'string' || b.text.length === 0 || b.text.length > TEXT_MAX)
      return answer(400, { code: 'text_invalid' });
    if (typeof b.template !== 'string') return answer(400, { code: 'template_invalid' });
    let message = sent.get(b.messageId);
    if (!message) {
      message = { id: `sms-${sent.size + 1}`, to: b.to, text: b.text };
      sent.set(b.messageId, message);
    }
    if (fault?.kind === 'reset-after-accept') return void response.destroy();
    answer(200, { id: message.id, status: 'accepted' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/messages`,
    token,
    requests,
    sent,
    faults,
    async close() {
      for (const end of hanging) end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

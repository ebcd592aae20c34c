// The demo market's funders' servers: one local HTTP server answering for every simulated funder at
// /funders/<id>/applications, behaving as the mock of "a funder's server" the routing tests use
// (test/routing/support.ts) and as a real one would: it verifies the platform's signature and
// refuses a bad one, decides once per idempotency key and answers every repeat with that decision,
// is sometimes busy (503 before deciding: the platform retries) or slow, and answers some
// applications later through the signed callback POST /v1/funder/decisions.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, SeededRandom } from '../kernel/index.ts';
import { seedOf } from '../routing/rotation.ts';
import { SIGNATURE_HEADER, verifySignature } from '../routing/signature.ts';

/** The largest application message a funder server reads (the platform's are a few kB). */
const MAX_BODY_BYTES = 256 * 1024;

/** How one simulated funder decides: its own credit model and its server's reliability. */
export interface FunderModel {
  funderId: string;
  secret: string;
  /** approval odds rise with the applicant's score along a logistic curve (adapters.ts's model) */
  midpointScore: number;
  scoreScale: number;
  maxApprovalRate: number;
  /** busy before deciding: a 503 the platform retries */
  busyRate: number;
  /** decides later and calls back (202 now, the signed callback after a while) */
  pendingRate: number;
}

/** What the server hands the market for each first decision (the market acts on it). */
export interface Decided {
  funderId: string;
  applicationRef: string;
  /** the platform's message: the product, the offer and the shared payload */
  message: { productId: string; payload: { fields?: Record<string, unknown> } };
  approved: boolean;
  /** true: answered 202 and the market must send the signed callback */
  pending: boolean;
}

export interface FunderServersOptions {
  models: FunderModel[];
  seed: number;
  clock: Clock;
  /** the applicant's score as the funder's own bureau pull finds it, by ID number (undefined: unknown) */
  bureauScore(idNumber: string): number | undefined;
  onDecided(decided: Decided): void;
}

export class FunderServers {
  private server: Server | undefined;
  private base = '';
  private readonly models: Map<string, FunderModel>;
  /** per funder and idempotency key: the first answer, repeated to every retry */
  private readonly answered = new Map<string, { status: number; text: string }>();
  readonly counts = { received: 0, badSignature: 0, busy: 0, approved: 0, declined: 0, pending: 0 };

  constructor(private readonly options: FunderServersOptions) {
    this.models = new Map(options.models.map((m) => [m.funderId, m]));
  }

  async start(host = '127.0.0.1'): Promise<void> {
    this.server = createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
    this.base = `http://${host}:${(this.server.address() as AddressInfo).port}`;
  }

  url(funderId: string): string {
    return `${this.base}/funders/${encodeURIComponent(funderId)}/applications`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const match = /^\/funders\/([^/]+)\/applications$/.exec(request.url ?? '');
    const model = match ? this.models.get(decodeURIComponent(match[1]!)) : undefined;
    const send = (status: number, body: unknown) => {
      if (!response.destroyed)
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (!model || request.method !== 'POST') {
      request.resume();
      send(404, { error: 'not found' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) return send(413, { error: 'too large' });
      const raw = Buffer.concat(chunks).toString('utf8');
      this.counts.received++;
      const header = request.headers[SIGNATURE_HEADER];
      const verified = verifySignature(
        model.secret,
        typeof header === 'string' ? header : undefined,
        raw,
        this.options.clock.now(),
      );
      if (!verified.ok) {
        this.counts.badSignature++;
        return send(401, { error: 'bad signature' });
      }
      const key = `${model.funderId}\u0000${String(request.headers['idempotency-key'] ?? '')}`;
      const previous = this.answered.get(key);
      if (previous) {
        if (!response.destroyed)
          response.writeHead(previous.status, { 'content-type': 'application/json' }).end(previous.text);
        return;
      }
      let message: Decided['message'] & { applicationRef?: unknown };
      try {
        message = JSON.parse(raw);
      } catch {
        return send(400, { error: 'not JSON' });
      }
      // One stream per (funder, application): the same application always gets the same decision.
      const random = new SeededRandom((this.options.seed ^ seedOf(key)) >>> 0);
      if (random.chance(model.busyRate) && !this.answered.has(`${key}\u0000busy`)) {
        // Busy before deciding, once per application: the platform's retry gets the decision.
        this.answered.set(`${key}\u0000busy`, { status: 0, text: '' });
        this.counts.busy++;
        return send(503, { error: 'busy' });
      }
      const fields = message.payload?.fields ?? {};
      const idNumber = typeof fields.idNumber === 'string' ? fields.idNumber : '';
      const score = this.options.bureauScore(idNumber);
      const p =
        score === undefined
          ? 0
          : model.maxApprovalRate / (1 + Math.exp(-(score - model.midpointScore) / model.scoreScale));
      const approved = random.chance(p);
      const pending = random.chance(model.pendingRate);
      const applicationRef = String(message.applicationRef ?? '');
      const amount = typeof fields.amountFen === 'number' ? fields.amountFen : undefined;
      const body = pending
        ? { decision: 'pending' }
        : approved
          ? {
              decision: 'approved',
              ...(amount ? { amountFen: amount } : {}),
              reference: `${model.funderId}-${applicationRef.slice(-10)}`,
            }
          : { decision: 'declined', reason: '综合评分不足' };
      const status = pending ? 202 : 200;
      this.answered.set(key, { status, text: JSON.stringify(body) });
      if (pending) this.counts.pending++;
      else if (approved) this.counts.approved++;
      else this.counts.declined++;
      send(status, body);
      this.options.onDecided({ funderId: model.funderId, applicationRef, message, approved, pending });
    });
  }
}

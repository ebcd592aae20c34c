// Funder adapters: how an application reaches a funder and how its answer comes back. The HTTP
// webhook adapter signs every request (signature.ts), sends the funder-facing idempotency key, times
// out, and retries transient failures with exponential backoff; the funder answers at once or later
// through the signed callback POST /v1/funder/decisions. The simulated funder stands in for funders
// without a webhook (demo, simulation) with a configurable approval model, latency, errors and
// timeouts, all drawn from a seed so a run replays.
import type { Clock } from '../kernel/index.ts';
import { SeededRandom } from '../kernel/index.ts';
import type { RepaymentMethod } from '../catalog/model.ts';
import { seedOf } from './rotation.ts';
import { SIGNATURE_HEADER, signatureHeader } from './signature.ts';

/**
 * What is sent to a funder: the funder's own product and its offered price, and the gateway's
 * payload. Nothing about the applicant or the request travels outside the payload: a field policy
 * that withholds or masks the amount or the term must hold for the whole message.
 */
export interface DispatchMessage {
  type: 'application.dispatched';
  /** per-funder pseudonym of the application (sharing gateway); the callback names it */
  applicationRef: string;
  productId: string;
  offer: { rateAnnual: number; method: RepaymentMethod; aprNominal: number };
  /** the sharing gateway's payload, exactly as recorded in the exposure receipt */
  payload: unknown;
}

export type FunderAnswer =
  | {
      kind: 'approved';
      amountFen?: number | undefined;
      rateAnnual?: number | undefined;
      reference?: string | undefined;
    }
  | { kind: 'declined'; reason?: string | undefined }
  | { kind: 'pending' }
  | { kind: 'timeout' }
  | { kind: 'error'; message: string };

export interface DispatchOutcome {
  answer: FunderAnswer;
  attempts: number;
}

export interface DispatchTarget {
  funderId: string;
  webhookUrl: string | null;
  secret: string | null;
  /** application + funder: the same key on every retry, so the funder can deduplicate */
  idempotencyKey: string;
  /** the platform's score for the applicant: only the simulated funder uses it, as its own risk view */
  score: number;
}

export interface FunderAdapter {
  readonly name: 'webhook' | 'simulated';
  send(target: DispatchTarget, message: DispatchMessage): Promise<DispatchOutcome>;
}

export interface WebhookOptions {
  timeoutMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  /** the largest response body read from a funder */
  maxResponseBytes: number;
}

export const DEFAULT_WEBHOOK_OPTIONS: WebhookOptions = {
  timeoutMs: 5_000,
  maxAttempts: 3,
  backoffBaseMs: 250,
  maxResponseBytes: 64 * 1024,
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Parse a funder's synchronous answer; anything else is an error (and is not retried). */
export function parseAnswer(body: unknown): FunderAnswer {
  if (typeof body !== 'object' || body === null)
    return { kind: 'error', message: 'the funder answered with no JSON object' };
  const b = body as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.length <= 200 ? v : undefined);
  const fen = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined);
  const rate = (v: unknown) =>
    typeof v === 'number' && Number.isFinite(v) && v >= 0 && v < 1 ? v : undefined;
  switch (b.decision) {
    case 'approved':
      return {
        kind: 'approved',
        amountFen: fen(b.amountFen),
        rateAnnual: rate(b.rateAnnual),
        reference: str(b.reference),
      };
    case 'declined':
      return { kind: 'declined', reason: str(b.reason) };
    case 'pending':
      return { kind: 'pending' };
    default:
      return { kind: 'error', message: 'decision must be approved, declined or pending' };
  }
}

export class WebhookAdapter implements FunderAdapter {
  readonly name = 'webhook' as const;
  constructor(
    private readonly clock: Clock,
    private readonly options: WebhookOptions = DEFAULT_WEBHOOK_OPTIONS,
  ) {}

  async send(target: DispatchTarget, message: DispatchMessage): Promise<DispatchOutcome> {
    if (!target.webhookUrl || !target.secret)
      return { answer: { kind: 'error', message: 'the funder has no webhook URL or secret' }, attempts: 0 };
    const body = JSON.stringify(message);
    let last: FunderAnswer = { kind: 'error', message: 'not sent' };
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      if (attempt > 1) await sleep(this.options.backoffBaseMs * 2 ** (attempt - 2));
      // A fresh timestamp each attempt: a retry must not arrive outside the funder's replay window.
      const headers = {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signatureHeader(target.secret, this.clock.now(), body),
        'idempotency-key': target.idempotencyKey,
      };
      try {
        const response = await fetch(target.webhookUrl, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
          redirect: 'error',
        });
        const text = await response.text();
        if (response.status >= 500 || response.status === 408 || response.status === 429) {
          last = { kind: 'error', message: `funder answered ${response.status}` };
          continue; // transient: retry
        }
        if (response.status === 202) return { answer: { kind: 'pending' }, attempts: attempt };
        if (response.status < 200 || response.status >= 300)
          return {
            answer: { kind: 'error', message: `funder refused with ${response.status}` },
            attempts: attempt,
          };
        if (text.length > this.options.maxResponseBytes)
          return { answer: { kind: 'error', message: 'funder answer too large' }, attempts: attempt };
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          return { answer: { kind: 'error', message: 'funder answer is not JSON' }, attempts: attempt };
        }
        return { answer: parseAnswer(parsed), attempts: attempt };
      } catch (error) {
        const name = (error as Error).name;
        last =
          name === 'TimeoutError' || name === 'AbortError'
            ? { kind: 'timeout' }
            : { kind: 'error', message: `network: ${(error as Error).message}` };
      }
    }
    return { answer: last, attempts: this.options.maxAttempts };
  }
}

/** The built-in simulated funder: approval odds rise with the score along a logistic curve. */
export interface SimulatedFunderConfig {
  /** approval probability at the midpoint score */
  midpointScore: number;
  /** score points over which the odds change by a factor e */
  scoreScale: number;
  /** the best approval rate however good the score */
  maxApprovalRate: number;
  latencyMs: number;
  /** share of requests that fail with an error, and that time out */
  errorRate: number;
  timeoutRate: number;
  /** share of answers given later by callback instead of at once (0 in the built-in demo) */
  pendingRate: number;
  seed: number;
}

export const DEFAULT_SIMULATED_FUNDER: SimulatedFunderConfig = {
  midpointScore: 600,
  scoreScale: 60,
  maxApprovalRate: 0.9,
  latencyMs: 0,
  errorRate: 0.02,
  timeoutRate: 0.02,
  pendingRate: 0,
  seed: 20260301,
};

export function approvalProbability(config: SimulatedFunderConfig, score: number): number {
  return config.maxApprovalRate / (1 + Math.exp(-(score - config.midpointScore) / config.scoreScale));
}

/** The requested amount as the gateway shared it: a number when in clear, else unknown. */
function clearAmountFen(payload: unknown): number | undefined {
  const fields = (payload as { fields?: Record<string, unknown> } | null)?.fields;
  const amount = fields?.amountFen;
  return typeof amount === 'number' ? amount : undefined;
}

export class SimulatedFunderAdapter implements FunderAdapter {
  readonly name = 'simulated' as const;
  constructor(private readonly config: SimulatedFunderConfig = DEFAULT_SIMULATED_FUNDER) {}

  async send(target: DispatchTarget, message: DispatchMessage): Promise<DispatchOutcome> {
    // One stream per dispatch: the same application and funder always get the same answer.
    const random = new SeededRandom((this.config.seed ^ seedOf(target.idempotencyKey)) >>> 0);
    if (this.config.latencyMs > 0) await sleep(this.config.latencyMs);
    if (random.chance(this.config.errorRate))
      return { answer: { kind: 'error', message: 'simulated funder error' }, attempts: 1 };
    if (random.chance(this.config.timeoutRate)) return { answer: { kind: 'timeout' }, attempts: 1 };
    if (random.chance(this.config.pendingRate)) return { answer: { kind: 'pending' }, attempts: 1 };
    if (random.chance(approvalProbability(this.config, target.score))) {
      return {
        answer: {
          kind: 'approved',
          // Like a real funder it knows the amount only if the policy lets it leave in clear.
          amountFen: clearAmountFen(message.payload),
          rateAnnual: message.offer.rateAnnual,
          reference: `sim-${target.idempotencyKey.slice(-12)}`,
        },
        attempts: 1,
      };
    }
    return { answer: { kind: 'declined', reason: 'simulated credit decision' }, attempts: 1 };
  }
}

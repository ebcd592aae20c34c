// The demo market's HTTP client: JSON over fetch against the running service's base URL, one API
// key per caller (the borrower app, the relay provider, each funder, the canary program), the
// service's own error body kept so the market can tell an expected refusal (4xx) from a fault.
import { SIGNATURE_HEADER, signatureHeader } from '../routing/signature.ts';

/** One request's longest wait: a choose that runs a waterfall answers within the service's choice wait. */
const REQUEST_TIMEOUT_MS = 30_000;

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the market reads the documented JSON answers
  body: any;
}

export class Api {
  constructor(
    readonly baseUrl: string,
    readonly key: string,
  ) {}

  /** The answer, or ApiError for any status outside 2xx. */
  async call(
    method: string,
    path: string,
    body?: unknown,
    options: { idempotencyKey?: string; signWith?: { secret: string; at: Date } } = {},
  ): Promise<Answer> {
    const raw = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}` };
    if (raw !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    if (options.signWith && raw !== undefined)
      headers[SIGNATURE_HEADER] = signatureHeader(options.signWith.secret, options.signWith.at, raw);
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(raw === undefined ? {} : { body: raw }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : null;
    } catch {}
    if (response.status < 200 || response.status >= 300) {
      const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(
        response.status,
        error?.code ?? 'http_error',
        `${method} ${path}: ${response.status} ${error?.code ?? ''} ${error?.message ?? text.slice(0, 200)}`,
      );
    }
    return { status: response.status, body: parsed };
  }

  with(key: string): Api {
    return new Api(this.baseUrl, key);
  }
}

/** True for an expected refusal a market step may meet (a 4xx), false for a fault. */
export const isRefusal = (error: unknown): error is ApiError =>
  error instanceof ApiError && error.status >= 400 && error.status < 500;

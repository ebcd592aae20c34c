// Every call the dashboard makes: same origin, the session's key as a Bearer token, JSON in and out,
// the service's error shape `{ error: { code, message } }` turned into an ApiError that pages show
// with what failed and a retry. A 401 ends the session (session.ts).
import { currentSession, endSession } from './session.ts';

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the request never got an answer */
    readonly status: number,
    /** the service's stable error code, or `network` / `http_<status>` */
    readonly code: string,
    message: string,
    /** the method and path that failed, shown to the analyst */
    readonly request: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface Options {
  method?: 'GET' | 'POST';
  body?: unknown;
  /** the answer is text (the checkpoint, the public key), not JSON */
  text?: boolean;
  /** a sign-in probe with a key that is not yet the session's */
  key?: string;
}

let idempotencySequence = 0;

export async function api<T>(path: string, options: Options = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const request = `${method} ${path.split('?')[0]}`;
  const key = options.key ?? currentSession()?.key;
  if (!key) throw new ApiError(401, 'unauthenticated', 'not signed in', request);
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    // writes are idempotent on the service (STYLE §3): one key per click
    idempotencySequence += 1;
    headers['idempotency-key'] = `dash-${Date.now().toString(36)}-${idempotencySequence}`;
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'omit',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  } catch (error) {
    throw new ApiError(0, 'network', (error as Error).message, request);
  }
  const text = await response.text();
  if (!response.ok) {
    let code = `http_${response.status}`;
    let message = text.slice(0, 300);
    try {
      const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
      if (body.error?.code) code = body.error.code;
      if (body.error?.message) message = body.error.message;
    } catch {}
    if (response.status === 401 && options.key === undefined) endSession('expired');
    throw new ApiError(response.status, code, message, request);
  }
  if (options.text) return text as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(response.status, 'bad_json', 'the answer is not JSON', request);
  }
}

/** The public key needs no key; everything else goes through api(). */
export async function publicText(path: string): Promise<string> {
  const response = await fetch(path, { credentials: 'omit' }).catch((error: Error) => {
    throw new ApiError(0, 'network', error.message, `GET ${path}`);
  });
  if (!response.ok)
    throw new ApiError(response.status, `http_${response.status}`, response.statusText, `GET ${path}`);
  return response.text();
}

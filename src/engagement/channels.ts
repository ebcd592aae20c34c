// Channel adapters (SMS / app push / email). Two kinds, because they give different guarantees:
// - `recording`: the delivery is the row the worker writes in the transaction that closes the
//   reminder (the built-in adapter; exactly once: the row's primary key forbids a second).
// - `external`: the worker commits the delivery row as `sending` first, then calls send() with an
//   idempotency key derived from the reminder and channel, then records the answer. A crash between
//   the two resends with the same key: at least once, and exactly once at a gateway that honours
//   the key (docs/reminders.md, "HTTP adapter").
import type { PlannedReminder, ReminderChannel } from './model.ts';

export interface ReminderMessage {
  /** `${reminderKey}:${channel}`: the same for every attempt at this delivery, across restarts */
  idempotencyKey: string;
  reminderKey: string;
  channel: ReminderChannel;
  customerId: string;
  kind: PlannedReminder['kind'];
  installmentNo: number;
  dueOn: string;
  amountFen: number;
  /** the borrower-facing text (zh-CN) */
  text: string;
}

export type SendOutcome =
  | { ok: true; providerMessageId: string | null; attempts: number }
  /** refused for good (a 4xx): never retried */
  | { ok: false; error: string; attempts: number };

export interface RecordingAdapter {
  readonly kind: 'recording';
  readonly name: string;
  readonly channel: ReminderChannel;
}

export interface ExternalAdapter {
  readonly kind: 'external';
  readonly name: string;
  readonly channel: ReminderChannel;
  /** Resolves with the gateway's answer; throws when it could not tell (timeouts, 5xx after retries). */
  send(message: ReminderMessage): Promise<SendOutcome>;
}

export type ChannelAdapter = RecordingAdapter | ExternalAdapter;

/** The built-in adapter: a delivery is recorded in reminder_deliveries and nothing leaves the platform. */
export function recordingAdapter(channel: ReminderChannel): RecordingAdapter {
  return { kind: 'recording', name: 'recording', channel };
}

/** Yuan with two decimals from integer fen, for the text only (no float touches the amount). */
export function yuanText(amountFen: number): string {
  const fen = Math.abs(amountFen) % 100;
  return `${amountFen < 0 ? '-' : ''}${Math.floor(Math.abs(amountFen) / 100)}.${fen < 10 ? '0' : ''}${fen}`;
}

/** The text of a reminder. There is no text for collection (催收): the platform never sends one. */
export function reminderText(
  reminder: Pick<PlannedReminder, 'kind' | 'offsetDays' | 'installmentNo' | 'dueOn' | 'amountFen'>,
): string {
  const amount = `${yuanText(reminder.amountFen)}元`;
  switch (reminder.kind) {
    case 'upcoming':
      return `【守家】您第${reminder.installmentNo}期应还${amount}，将于${reminder.dueOn}到期（${-reminder.offsetDays}天后），请按时还款。`;
    case 'due':
      return `【守家】您第${reminder.installmentNo}期应还${amount}今日（${reminder.dueOn}）到期，请按时还款。`;
    case 'overdue':
      return `【守家】您第${reminder.installmentNo}期应还${amount}已于${reminder.dueOn}到期，如已还款请忽略。`;
  }
}

export interface HttpSmsOptions {
  /** the gateway's send endpoint, e.g. https://sms.example.cn/v1/messages */
  url: string;
  /** sent as `Authorization: Bearer …` */
  token: string;
  /** the borrower's mobile number (identity's vault); undefined: nothing to send to */
  recipient: (customerId: string) => Promise<string | undefined>;
  /** per attempt; default 5 000 ms */
  timeoutMs?: number;
  /** attempts in one send() (first included); default 4 */
  maxAttempts?: number;
  /** the wait before retry k is base · 2^(k−1); default 500 ms */
  backoffBaseMs?: number;
  /** waits between attempts (tests pass a fast one) */
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
}

/** Bodies and answers are small; a gateway that answers more is not one we understand. */
const RESPONSE_BYTES_MAX = 16_384;

/**
 * An SMS gateway over HTTP. The contract (docs/reminders.md): `POST url` with
 * `{ messageId, to, text, template }` as JSON, `Idempotency-Key: messageId`; 2xx `{ id }` is sent;
 * 4xx is refused for good (bad number, bad template: no retry); 5xx, a timeout or a broken
 * connection is retried with exponential backoff, and after the last attempt send() throws so the
 * job queue retries the job later with the same key.
 */
export function httpSmsAdapter(options: HttpSmsOptions): ExternalAdapter {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxAttempts = options.maxAttempts ?? 4;
  const backoffBaseMs = options.backoffBaseMs ?? 500;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const doFetch = options.fetch ?? fetch;
  return {
    kind: 'external',
    name: 'http-sms',
    channel: 'sms',
    async send(message) {
      const to = await options.recipient(message.customerId);
      if (to === undefined) return { ok: false, error: 'no mobile number on file', attempts: 0 };
      const body = JSON.stringify({
        messageId: message.idempotencyKey,
        to,
        text: message.text,
        template: `repayment-${message.kind}`,
      });
      let lastError = '';
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        if (attempt > 1) await sleep(backoffBaseMs * 2 ** (attempt - 2));
        try {
          const response = await doFetch(options.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${options.token}`,
              'idempotency-key': message.idempotencyKey,
            },
            body,
            signal: AbortSignal.timeout(timeoutMs),
          });
          const text = (await response.text()).slice(0, RESPONSE_BYTES_MAX);
          if (response.status >= 200 && response.status < 300) {
            let id: string | null = null;
            try {
              const parsed = JSON.parse(text) as { id?: unknown };
              if (typeof parsed.id === 'string') id = parsed.id.slice(0, 200);
            } catch {}
            return { ok: true, providerMessageId: id, attempts: attempt };
          }
          if (response.status >= 400 && response.status < 500)
            return {
              ok: false,
              error: `gateway refused: ${response.status} ${text.slice(0, 200)}`,
              attempts: attempt,
            };
          lastError = `gateway error: ${response.status}`;
        } catch (error) {
          lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        }
      }
      throw new Error(`SMS gateway unavailable after ${maxAttempts} attempts (${lastError})`);
    },
  };
}

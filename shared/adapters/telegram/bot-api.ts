/**
 * The ChatPort on the Telegram Bot API (https://core.telegram.org/bots/api), through grammY's `Api`: HTTPS
 * to api.telegram.org, or to any other Bot API server (the local test server) through `apiRoot`.
 *
 * Entry points:
 *  - `TelegramChat`: `send` (Telegram HTML, link previews off, one inline-keyboard row per button) and
 *    `answerCallback` (the ChatPort); `getMe`; and the update plumbing the poller and the webhook helpers of
 *    `updates.ts` use: `getUpdates`, `setWebhook`, `deleteWebhook`, `getWebhookInfo`.
 *  - `toChatUpdate(update)`: a Bot API `Update` as the port's `ChatUpdate`.
 *  - `TelegramApiError`: every failure of a call, with the method, Telegram's code and description.
 *
 * Invariants:
 *  - The bot token (grammY puts it in every request URL) and the webhook secret never appear in a thrown
 *    error or a log line. grammY's errors are never passed on (an HttpError's cause carries the URL, a
 *    GrammyError's payload carries the parameters, the webhook secret among them): each failure is rebuilt
 *    as a `TelegramApiError` from the method name, Telegram's code and description, or the network error's
 *    code, with both secrets scrubbed, and without a cause.
 *  - A 429 (flood wait) is retried once, after Telegram's `retry_after` seconds, when that is at most
 *    `maxRetryAfterSeconds` (default 30); a longer wait, a second 429 and every other error reject at once.
 *    `getUpdates` is never retried here: the poller owns its pacing.
 *  - Every call has a deadline (`requestTimeoutSeconds`, default 30; a long poll gets its own timeout plus
 *    that), so a silent network never hangs a Lambda or the poll loop.
 *  - `toChatUpdate` never throws, whatever JSON object it is given (webhook bodies are untrusted).
 */
import { Buffer } from 'node:buffer';
import { setTimeout as setTimeoutPromise } from 'node:timers/promises';
import { Api, GrammyError, HttpError } from 'grammy';
import type { Update, UserFromGetMe, WebhookInfo } from 'grammy/types';
import type { ChatButton, ChatPort, ChatSender, ChatUpdate } from '../../ports/chat.js';
import type { Logger } from '../../ports/logger.js';

/** `<bot id>:<secret>` as BotFather issues it. */
const TOKEN_SHAPE = /^\d{1,20}:[A-Za-z0-9_-]{10,200}$/;
/** Telegram's limit on an inline button's callback data. */
const MAX_CALLBACK_DATA_BYTES = 64;
const REDACTED = '[redacted]';
/**
 * grammY types its signals with the `abort-controller` polyfill's class; at run time it only needs
 * `addEventListener`, which Node's own AbortSignal has.
 */
type GrammySignal = NonNullable<Parameters<Api['getMe']>[0]>;

export interface TelegramChatOptions {
  /** The bot token from BotFather. */
  readonly token: string;
  /** Another Bot API server (no trailing slash needed); default https://api.telegram.org. */
  readonly apiRoot?: string;
  readonly logger?: Logger;
  /** A 429 asking to wait longer than this is not retried; default 30. */
  readonly maxRetryAfterSeconds?: number;
  /** Deadline of one call (a long poll adds its own timeout); default 30. */
  readonly requestTimeoutSeconds?: number;
}

export type TelegramFailureKind = 'api' | 'network' | 'timeout' | 'aborted' | 'invalid';

/** A Bot API call that failed. Its message names the method and the reason, never a secret. */
export class TelegramApiError extends Error {
  override readonly name = 'TelegramApiError';
  readonly method: string;
  readonly kind: TelegramFailureKind;
  /** Telegram's `error_code` (kind `api`). */
  readonly errorCode: number | undefined;
  /** Telegram's `description`, or the network error's code. */
  readonly description: string;
  /** Seconds to wait, from a 429's `parameters.retry_after`. */
  readonly retryAfter: number | undefined;

  constructor(
    method: string,
    kind: TelegramFailureKind,
    description: string,
    errorCode?: number,
    retryAfter?: number,
  ) {
    const what = errorCode === undefined ? description : `${errorCode} ${description}`;
    super(`Telegram ${method} failed: ${what}`);
    this.method = method;
    this.kind = kind;
    this.description = description;
    this.errorCode = errorCode;
    this.retryAfter = retryAfter;
  }
}

export interface GetUpdatesParams {
  /** The first update to return: the last handled `update_id` + 1 (confirms every earlier update). */
  readonly offset?: number;
  readonly limit?: number;
  /** Long-poll seconds; 0 answers at once. */
  readonly timeout?: number;
  readonly allowedUpdates?: readonly string[];
}

export interface SetWebhookParams {
  /** Sent back in `X-Telegram-Bot-Api-Secret-Token` with every update (1-256 of A-Z a-z 0-9 _ -). */
  readonly secretToken: string;
  readonly allowedUpdates?: readonly string[];
  readonly dropPendingUpdates?: boolean;
}

export class TelegramChat implements ChatPort {
  readonly #api: Api;
  readonly #secrets: string[];
  readonly #logger: Logger | undefined;
  readonly #maxRetryAfter: number;
  readonly #timeoutMs: number;

  constructor(options: TelegramChatOptions) {
    if (typeof options.token !== 'string' || !TOKEN_SHAPE.test(options.token)) {
      throw new Error('Telegram bot token is malformed (expected "<bot id>:<secret>" from BotFather)');
    }
    this.#secrets = secretForms(options.token);
    this.#logger = options.logger;
    this.#maxRetryAfter = options.maxRetryAfterSeconds ?? 30;
    this.#timeoutMs = (options.requestTimeoutSeconds ?? 30) * 1000;
    const apiRoot = options.apiRoot?.replace(/\/+$/, '');
    // grammY's own timeout is off (an hour): every call carries its own deadline signal.
    this.#api = new Api(options.token, {
      ...(apiRoot === undefined ? {} : { apiRoot }),
      timeoutSeconds: 3600,
    });
  }

  async send(chatId: number, html: string, buttons: readonly ChatButton[] = []): Promise<void> {
    for (const b of buttons) {
      if (Buffer.byteLength(b.data, 'utf8') > MAX_CALLBACK_DATA_BYTES || b.data.length === 0) {
        throw new TelegramApiError(
          'sendMessage',
          'invalid',
          `button "${b.text}" has callback data of ${Buffer.byteLength(b.data, 'utf8')} bytes (1-${MAX_CALLBACK_DATA_BYTES} allowed)`,
        );
      }
    }
    await this.#retrying('sendMessage', (signal) =>
      this.#api.sendMessage(
        chatId,
        html,
        {
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
          ...(buttons.length === 0
            ? {}
            : {
                reply_markup: {
                  inline_keyboard: buttons.map((b) => [{ text: b.text, callback_data: b.data }]),
                },
              }),
        },
        signal,
      ),
    );
  }

  async answerCallback(callbackId: string, text?: string): Promise<void> {
    await this.#retrying('answerCallbackQuery', (signal) =>
      this.#api.answerCallbackQuery(callbackId, text === undefined ? {} : { text }, signal),
    );
  }

  /** The bot's own user (id, @username): a cheap check that the token works. */
  getMe(): Promise<UserFromGetMe> {
    return this.#retrying('getMe', (signal) => this.#api.getMe(signal));
  }

  /**
   * One (long) poll for updates. Not retried: a 429 rejects with its `retryAfter` for the caller to honour.
   * `signal` aborts it (rejects with kind `aborted`).
   */
  getUpdates(params: GetUpdatesParams, signal?: AbortSignal): Promise<Update[]> {
    const timeout = params.timeout ?? 0;
    return this.#call(
      'getUpdates',
      (s) =>
        this.#api.getUpdates(
          {
            ...(params.offset === undefined ? {} : { offset: params.offset }),
            ...(params.limit === undefined ? {} : { limit: params.limit }),
            timeout,
            ...(params.allowedUpdates === undefined
              ? {}
              : { allowed_updates: [...params.allowedUpdates] as never }),
          },
          s,
        ),
      { signal, timeoutMs: this.#timeoutMs + timeout * 1000 },
    );
  }

  async setWebhook(url: string, params: SetWebhookParams): Promise<void> {
    // The secret is scrubbed from every error of this client from now on.
    for (const form of secretForms(params.secretToken)) {
      if (!this.#secrets.includes(form)) this.#secrets.push(form);
    }
    await this.#retrying('setWebhook', (signal) =>
      this.#api.setWebhook(
        url,
        {
          secret_token: params.secretToken,
          ...(params.allowedUpdates === undefined
            ? {}
            : { allowed_updates: [...params.allowedUpdates] as never }),
          ...(params.dropPendingUpdates === undefined
            ? {}
            : { drop_pending_updates: params.dropPendingUpdates }),
        },
        signal,
      ),
    );
  }

  /** Removes the webhook so `getUpdates` works; `signal` aborts it. */
  async deleteWebhook(dropPendingUpdates = false, signal?: AbortSignal): Promise<void> {
    await this.#retrying(
      'deleteWebhook',
      (s) => this.#api.deleteWebhook({ drop_pending_updates: dropPendingUpdates }, s),
      signal,
    );
  }

  getWebhookInfo(): Promise<WebhookInfo> {
    return this.#retrying('getWebhookInfo', (signal) => this.#api.getWebhookInfo(signal));
  }

  /** Removes the token and the webhook secret (plain and URL-encoded) from a text. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join(REDACTED);
    return out;
  }

  /** One call, and once more after a 429's `retry_after` when that is short enough. */
  async #retrying<T>(
    method: string,
    run: (signal: GrammySignal) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    try {
      return await this.#call(method, run, { signal, timeoutMs: this.#timeoutMs });
    } catch (error) {
      if (!(error instanceof TelegramApiError) || error.errorCode !== 429) throw error;
      const wait = error.retryAfter ?? 1;
      if (wait > this.#maxRetryAfter) throw error;
      this.#logger?.warn('telegram flood wait: retrying once', { method, retryAfterSeconds: wait });
      // An abort during the wait makes the retry fail at once as `aborted`.
      await setTimeoutPromise(wait * 1000, undefined, signal === undefined ? {} : { signal }).catch(() => {});
      return this.#call(method, run, { signal, timeoutMs: this.#timeoutMs });
    }
  }

  async #call<T>(
    method: string,
    run: (signal: GrammySignal) => Promise<T>,
    options: { readonly signal?: AbortSignal | undefined; readonly timeoutMs: number },
  ): Promise<T> {
    const deadline = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal === undefined ? deadline : AbortSignal.any([options.signal, deadline]);
    try {
      return await run(signal as unknown as GrammySignal);
    } catch (error) {
      const failure = this.#failure(
        method,
        error,
        options.signal?.aborted === true,
        deadline.aborted,
        options,
      );
      if (failure.kind !== 'aborted') {
        this.#logger?.debug('telegram call failed', {
          method,
          kind: failure.kind,
          errorCode: failure.errorCode,
          description: failure.description,
        });
      }
      throw failure;
    }
  }

  #failure(
    method: string,
    error: unknown,
    aborted: boolean,
    timedOut: boolean,
    options: { readonly timeoutMs: number },
  ): TelegramApiError {
    if (error instanceof GrammyError) {
      const retryAfter = error.parameters.retry_after;
      return new TelegramApiError(
        method,
        'api',
        this.scrub(String(error.description)),
        error.error_code,
        typeof retryAfter === 'number' ? retryAfter : undefined,
      );
    }
    if (aborted) return new TelegramApiError(method, 'aborted', 'aborted');
    if (timedOut) {
      return new TelegramApiError(method, 'timeout', `no answer within ${options.timeoutMs / 1000} s`);
    }
    if (error instanceof HttpError) {
      return new TelegramApiError(
        method,
        'network',
        `network error (${this.scrub(networkReason(error.error))})`,
      );
    }
    // grammY validates its options and payloads synchronously; those messages name no secret, scrubbed anyway.
    const message = error instanceof Error ? error.message : String(error);
    return new TelegramApiError(method, 'network', this.scrub(message));
  }
}

/** The code of a fetch failure (ECONNREFUSED, ECONNRESET, invalid-json…), never its message (it has the URL). */
function networkReason(cause: unknown): string {
  if (typeof cause !== 'object' || cause === null) return 'unknown';
  const c = cause as { code?: unknown; errno?: unknown; type?: unknown; name?: unknown };
  for (const v of [c.code, c.errno, c.type, c.name]) {
    if (typeof v === 'string' && /^[A-Za-z0-9_-]{1,40}$/.test(v) && v !== 'FetchError' && v !== 'Error') {
      return v;
    }
  }
  return 'unknown';
}

/** The forms in which a secret may show up in an error text: as is, URL-encoded, and a token's secret part. */
function secretForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret)]);
  const colon = secret.indexOf(':');
  if (colon >= 0 && secret.length - colon > 8) forms.add(secret.slice(colon + 1));
  return [...forms].filter((f) => f.length > 0);
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function int(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

function chatIdOf(message: unknown): number | undefined {
  return int(obj(obj(message)?.chat)?.id);
}

function senderOf(user: unknown): ChatSender | undefined {
  const u = obj(user);
  const id = int(u?.id);
  if (u === undefined || id === undefined) return undefined;
  return typeof u.username === 'string' ? { id, username: u.username } : { id };
}

/**
 * A Bot API update as the port's `ChatUpdate`: a message with text → `message` (chat, sender, text); a
 * callback query with data from a message → `callback` (its id, data, sender, and the chat of the message
 * it is attached to); anything else (edited messages, photos, member changes, inline callbacks) → `other`,
 * with the chat when the update names one. Defensive: a malformed update becomes `other`.
 */
export function toChatUpdate(update: Update): ChatUpdate {
  const u = update as unknown as Json;
  const updateId = int(u.update_id) ?? -1;
  const message = obj(u.message);
  if (message !== undefined) {
    const chatId = chatIdOf(message);
    if (chatId !== undefined && typeof message.text === 'string') {
      return { kind: 'message', updateId, chatId, from: senderOf(message.from), text: message.text };
    }
    return { kind: 'other', updateId, chatId };
  }
  const callback = obj(u.callback_query);
  if (callback !== undefined) {
    const chatId = chatIdOf(callback.message);
    const from = senderOf(callback.from);
    if (
      chatId !== undefined &&
      from !== undefined &&
      typeof callback.id === 'string' &&
      typeof callback.data === 'string'
    ) {
      return { kind: 'callback', updateId, chatId, from, callbackId: callback.id, data: callback.data };
    }
    return { kind: 'other', updateId, chatId };
  }
  // Whatever else it is: the chat of its first field that has one (edited_message, channel_post,
  // my_chat_member, chat_join_request…).
  for (const [key, value] of Object.entries(u)) {
    if (key === 'update_id') continue;
    const chatId = chatIdOf(value);
    if (chatId !== undefined) return { kind: 'other', updateId, chatId };
  }
  return { kind: 'other', updateId, chatId: undefined };
}

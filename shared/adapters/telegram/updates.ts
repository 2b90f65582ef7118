/**
 * Updates from Telegram into the application, both ways the Bot API offers them:
 *  - `TelegramPoller` (local runs, `gridbot run`): long polling with `getUpdates`. It first removes any
 *    webhook (polling and a webhook exclude each other), then hands each update, in order, to `onUpdate`.
 *  - `webhookRequest` (the webhook Lambda): checks one POST from Telegram (the secret header, the body) and
 *    maps it; pure. `registerWebhook` points Telegram at the webhook URL with that secret.
 *
 * Entry points: `TelegramPoller` (`start`, `stop`), `webhookRequest`, `registerWebhook`,
 * `generateWebhookSecret`, `SECRET_HEADER`, `ALLOWED_UPDATES`.
 *
 * Invariants:
 *  - Each update reaches `onUpdate` at most once per poller: the offset moves past an update when its handler
 *    has settled (resolved or thrown), `getUpdates` with that offset confirms it to Telegram, and `stop`
 *    confirms the last ones. A handler that throws is logged; the loop goes on.
 *  - The loop never rejects and never stops on its own: network errors and Telegram errors back off (1 s
 *    doubling to 30 s by default; a 429 waits its `retry_after`). Only `stop()` ends it: it aborts the pending
 *    long poll at once and resolves when the loop is over (after the update being handled, if any).
 *  - `webhookRequest` compares the secret in constant time and never echoes it; it never throws.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Update } from 'grammy/types';
import type { ChatUpdate } from '../../ports/chat.js';
import type { Logger } from '../../ports/logger.js';
import { TelegramApiError, type TelegramChat, toChatUpdate } from './bot-api.js';

/** The header Telegram sends the webhook secret in (lowercase, as Node and Lambda give header names). */
export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';
/** The updates gridbot asks for: operator messages and button presses. */
export const ALLOWED_UPDATES: readonly string[] = ['message', 'callback_query'];
/** Telegram's rule for `secret_token`. */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{1,256}$/;
/** Far above any real update; a bigger body is refused before parsing. */
const MAX_BODY_CHARS = 1_000_000;

export interface TelegramPollerOptions {
  readonly chat: TelegramChat;
  /** Called once per update, in order; the next waits for it. A rejection is logged and skipped. */
  readonly onUpdate: (update: ChatUpdate) => Promise<void>;
  readonly logger?: Logger;
  /** Seconds Telegram holds a poll open when there is nothing; default 25. */
  readonly pollTimeoutSeconds?: number;
  /** Waits after a failed call: `initialMs` (default 1000), doubling to `maxMs` (default 30000). */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Default `ALLOWED_UPDATES`. */
  readonly allowedUpdates?: readonly string[];
}

export class TelegramPoller {
  readonly #o: TelegramPollerOptions;
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;
  /** The next update id wanted: every earlier one was handled. */
  #offset: number | undefined;
  /** The offset Telegram last saw (so knows those updates are handled). */
  #confirmed: number | undefined;

  constructor(options: TelegramPollerOptions) {
    this.#o = options;
  }

  /** Starts the loop; the promise resolves when `stop()` has ended it (it never rejects). */
  start(): Promise<void> {
    if (this.#loop !== undefined) throw new Error('TelegramPoller already started');
    this.#loop = this.#run();
    return this.#loop;
  }

  /** Aborts the pending poll and resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  /** The id of the next update wanted (undefined before the first). */
  get offset(): number | undefined {
    return this.#offset;
  }

  async #run(): Promise<void> {
    const { chat, logger } = this.#o;
    const signal = this.#abort.signal;
    const initialMs = this.#o.backoff?.initialMs ?? 1000;
    const maxMs = this.#o.backoff?.maxMs ?? 30_000;
    const timeout = this.#o.pollTimeoutSeconds ?? 25;
    const allowedUpdates = this.#o.allowedUpdates ?? ALLOWED_UPDATES;
    let delayMs = initialMs;
    let webhookRemoved = false;
    logger?.info('telegram polling started', { pollTimeoutSeconds: timeout });
    while (!signal.aborted) {
      try {
        if (!webhookRemoved) {
          await chat.deleteWebhook(false, signal);
          webhookRemoved = true;
        }
        const offset = this.#offset;
        const updates = await chat.getUpdates({ offset, timeout, allowedUpdates }, signal);
        this.#confirmed = offset;
        delayMs = initialMs;
        for (const update of updates) {
          if (signal.aborted) break;
          await this.#handle(update);
        }
      } catch (error) {
        if (signal.aborted) break;
        const retryAfter = error instanceof TelegramApiError ? error.retryAfter : undefined;
        const waitMs = retryAfter === undefined ? delayMs : retryAfter * 1000;
        const fields = { ...describe(error), retryInMs: waitMs };
        if (error instanceof TelegramApiError && (error.errorCode === 401 || error.errorCode === 409)) {
          // 401: the token is wrong or revoked; 409: a webhook is set or another poller runs.
          logger?.error('telegram polling refused', fields);
        } else {
          logger?.warn('telegram polling failed', fields);
        }
        await sleep(waitMs, signal);
        if (retryAfter === undefined) delayMs = Math.min(delayMs * 2, maxMs);
      }
    }
    await this.#confirm();
    logger?.info('telegram polling stopped', { offset: this.#offset });
  }

  async #handle(raw: Update): Promise<void> {
    const id = raw.update_id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
      this.#o.logger?.warn('telegram update without an id skipped');
      return;
    }
    if (this.#offset !== undefined && id < this.#offset) return; // already handled
    const update = toChatUpdate(raw);
    try {
      await this.#o.onUpdate(update);
    } catch (error) {
      this.#o.logger?.error('telegram update handler failed', {
        updateId: id,
        kind: update.kind,
        error: this.#o.chat.scrub(error instanceof Error ? error.message : String(error)),
      });
    }
    this.#offset = id + 1;
  }

  /** Tells Telegram the last handled updates are done, so a restart does not see them again. */
  async #confirm(): Promise<void> {
    if (this.#offset === undefined || this.#offset === this.#confirmed) return;
    try {
      await this.#o.chat.getUpdates(
        { offset: this.#offset, limit: 1, timeout: 0 },
        AbortSignal.timeout(5000),
      );
      this.#confirmed = this.#offset;
    } catch (error) {
      this.#o.logger?.warn('telegram offset not confirmed at stop', describe(error));
    }
  }
}

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof TelegramApiError) {
    return { method: error.method, kind: error.kind, errorCode: error.errorCode, error: error.message };
  }
  // Only TelegramChat's calls run in the loop, and they throw only TelegramApiError.
  return { error: error instanceof Error ? error.name : typeof error };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export interface WebhookHttpRequest {
  /** Header names in any case (Lambda and Node give them lowercase). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string | undefined;
}

export interface WebhookVerdict {
  /** 200: handle `update` (and answer 200 fast); 401 / 400: answer that and do nothing. */
  readonly status: 200 | 400 | 401;
  readonly update?: ChatUpdate;
  /** Why it was refused (never contains the secret). */
  readonly reason?: string;
}

/**
 * Checks one webhook POST: the `X-Telegram-Bot-Api-Secret-Token` header must equal `expectedSecret`
 * (else 401), the body must be a JSON object with a numeric `update_id` (else 400); then 200 and the
 * mapped update. An empty `expectedSecret` refuses everything.
 */
export function webhookRequest(req: WebhookHttpRequest, expectedSecret: string): WebhookVerdict {
  const given = header(req.headers, SECRET_HEADER);
  if (typeof expectedSecret !== 'string' || expectedSecret.length === 0) {
    return { status: 401, reason: 'no webhook secret is configured' };
  }
  if (given === undefined || given.length === 0) {
    return { status: 401, reason: `missing ${SECRET_HEADER} header` };
  }
  if (!sameSecret(given, expectedSecret)) return { status: 401, reason: `wrong ${SECRET_HEADER}` };
  const body = req.body;
  if (typeof body !== 'string' || body.length === 0) return { status: 400, reason: 'empty body' };
  if (body.length > MAX_BODY_CHARS)
    return { status: 400, reason: `body longer than ${MAX_BODY_CHARS} characters` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { status: 400, reason: 'body is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { status: 400, reason: 'body is not a JSON object' };
  }
  const id = (parsed as { update_id?: unknown }).update_id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
    return { status: 400, reason: 'body is not a Telegram update (no numeric update_id)' };
  }
  return { status: 200, update: toChatUpdate(parsed as Update) };
}

function header(headers: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** A fresh webhook secret: 32 random bytes, base64url (43 characters Telegram accepts). */
export function generateWebhookSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Points Telegram at `url` (HTTPS in production): every update is POSTed there with `secret` in
 * `X-Telegram-Bot-Api-Secret-Token`, only messages and button presses. Rejects a secret Telegram would
 * refuse before calling, without echoing it.
 */
export async function registerWebhook(
  chat: TelegramChat,
  url: string,
  secret: string,
  options: { readonly dropPendingUpdates?: boolean } = {},
): Promise<void> {
  if (!SECRET_SHAPE.test(secret)) {
    throw new Error('webhook secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -');
  }
  await chat.setWebhook(url, {
    secretToken: secret,
    allowedUpdates: ALLOWED_UPDATES,
    ...(options.dropPendingUpdates === undefined ? {} : { dropPendingUpdates: options.dropPendingUpdates }),
  });
}

/**
 * A local Telegram Bot API server (https://core.telegram.org/bots/api) for tests: the real grammY client
 * talks HTTP to it through `apiRoot`, as it would to api.telegram.org.
 *
 * Entry point: `startBotApiServer(options?)` → `BotApiServer` on 127.0.0.1 at a free port.
 *
 * The wire: `GET|POST /bot<token>/<method>` (method names case-insensitive), parameters in the query string
 * and/or a JSON, urlencoded or multipart body (non-JSON values are strings; objects are JSON-serialized, as
 * the Bot API accepts them). Answers `{ ok: true, result }` or `{ ok: false, error_code, description,
 * parameters? }`: a wrong token → 401 Unauthorized; an unknown path or method → 404 Not Found.
 *
 * Methods: getMe; getUpdates (offset confirms every earlier update, a negative one keeps the last -offset;
 * limit 1-100; timeout holds the request until an update arrives; allowed_updates is remembered; a newer
 * getUpdates ends a pending one with 409, and while a webhook is set getUpdates answers 409); setWebhook
 * (https URLs, or http to loopback for tests; secret_token; allowed_updates; drop_pending_updates) after
 * which each update is POSTed to the URL with `X-Telegram-Bot-Api-Secret-Token`, retried on non-2xx,
 * `webhookAttempts` times; deleteWebhook; getWebhookInfo; sendMessage (HTML parse mode checked like
 * Telegram, see `html.ts`; inline keyboards checked; answers the Message); editMessageText;
 * answerCallbackQuery (each query once).
 *
 * Test hooks: `token`, `apiRoot`, `userMessage`, `buttonPress`, `pushUpdate`, `sent`, `waitForSent`,
 * `answeredCallbacks`, `failNext` (an error answer, e.g. 429 with retry_after), `dropNext` (the connection
 * dies), `garbleNext` (an HTML 502 from a "proxy"), `blockChat`, `requests` (calls per method),
 * `webhookDeliveries`, `pendingUpdates`, `stop`.
 *
 * Invariant: it never crashes on bad input: every request gets an answer in Telegram's shape.
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Message, MessageEntity, Update, User } from 'grammy/types';
import {
  closeHttp,
  listenLocal,
  localHttpServer,
  readBody,
  takeFault,
} from '../../../shared/adapters/paper/protocol-http.js';
import { parseTelegramHtml } from './html.js';

const METHODS = [
  'getMe',
  'getUpdates',
  'setWebhook',
  'deleteWebhook',
  'getWebhookInfo',
  'sendMessage',
  'editMessageText',
  'answerCallbackQuery',
] as const;
type MethodName = (typeof METHODS)[number];
const CANONICAL = new Map<string, MethodName>(METHODS.map((m) => [m.toLowerCase(), m]));

/** Telegram's default when allowed_updates was never given (or given empty). */
const NOT_BY_DEFAULT = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);
const MAX_TEXT = 4096;
const MAX_CALLBACK_DATA_BYTES = 64;

export interface BotApiServerOptions {
  /** Default: a fresh random token of Telegram's shape. */
  readonly token?: string;
  readonly botUsername?: string;
  /** Tries per update to a webhook answering non-2xx (default 3); then it is dropped. */
  readonly webhookAttempts?: number;
  /** Pause between those tries, ms (default 100). */
  readonly webhookRetryMs?: number;
}

export interface Sender {
  readonly id?: number;
  /** `null`: a user without a @username. */
  readonly username?: string | null;
  readonly firstName?: string;
}

export interface SentButton {
  readonly text: string;
  readonly data?: string;
  readonly url?: string;
}

/** A message the bot sent, as it is now (edits applied). */
export interface SentMessage {
  readonly chatId: number;
  readonly messageId: number;
  /** The text as the bot sent it (HTML source when parse_mode is HTML). */
  readonly text: string;
  /** The text the user sees: tags removed, entities decoded. */
  readonly plainText: string;
  readonly parseMode: string | undefined;
  readonly entities: readonly MessageEntity[];
  /** Inline keyboard rows. */
  readonly buttons: readonly (readonly SentButton[])[];
  readonly disableNotification: boolean;
  readonly linkPreviewDisabled: boolean;
  readonly edits: number;
}

export interface AnsweredCallback {
  readonly callbackQueryId: string;
  readonly text: string | undefined;
  readonly showAlert: boolean;
}

export interface InjectedFailure {
  readonly error_code: number;
  readonly description: string;
  /** Sent as `parameters.retry_after` (a 429's flood wait, seconds). */
  readonly retry_after?: number;
}

export interface WebhookDelivery {
  readonly updateId: number;
  readonly url: string;
  /** The HTTP status the webhook answered, or 0 when it could not be reached. */
  readonly status: number;
  readonly secretHeader: string | undefined;
}

type Fault =
  | { route: string | undefined; remaining: number; kind: 'error'; failure: InjectedFailure }
  | { route: string | undefined; remaining: number; kind: 'drop' }
  | { route: string | undefined; remaining: number; kind: 'garble' };

type Params = Record<string, unknown>;

/** A refusal in Telegram's shape. */
class ApiFailure extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: Readonly<Record<string, unknown>>,
  ) {
    super(description);
  }
}

const badRequest = (what: string): ApiFailure => new ApiFailure(400, `Bad Request: ${what}`);

interface StoredMessage {
  record: SentMessage;
  message: Message;
  /** reply_markup as Telegram echoes it (undefined: none). */
  markup: unknown;
}

interface Webhook {
  readonly url: string;
  readonly secret: string | undefined;
  readonly maxConnections: number;
}

interface Waiter {
  readonly limit: number;
  readonly resolve: (updates: Update[]) => void;
  readonly reject: (failure: ApiFailure) => void;
}

interface Request {
  readonly method: MethodName;
  readonly params: Params;
  /** Aborted when the client goes away before the answer. */
  readonly gone: AbortSignal;
}

export class BotApiServer {
  readonly token: string;
  readonly apiRoot: string;
  /** Calls per method (canonical names; unknown methods as given), counted after the token check. */
  readonly requests: Record<string, number> = {};
  readonly #http: Server;
  readonly #botId: number;
  readonly #botUsername: string;
  readonly #webhookAttempts: number;
  readonly #webhookRetryMs: number;
  #nextUpdateId = 583_000_001;
  #nextCallbackId = 1n;
  readonly #pending: Update[] = [];
  #allowed: Set<string> | null = null;
  #webhook: Webhook | null = null;
  #lastWebhookError: { date: number; message: string } | undefined;
  #pumping = false;
  #waiter: Waiter | undefined;
  readonly #messages = new Map<string, StoredMessage>();
  readonly #order: StoredMessage[] = [];
  readonly #nextMessageId = new Map<number, number>();
  readonly #callbacks = new Map<string, boolean>();
  readonly #answered: AnsweredCallback[] = [];
  readonly #deliveries: WebhookDelivery[] = [];
  readonly #faults: Fault[] = [];
  readonly #blocked = new Set<number>();
  readonly #sentListeners = new Set<() => void>();
  readonly #stopping = new AbortController();

  private constructor(http: Server, port: number, options: BotApiServerOptions) {
    this.#http = http;
    this.token =
      options.token ??
      `${7_000_000_000 + Math.floor(Math.random() * 1e9)}:AA${randomBytes(33).toString('base64url').slice(0, 33)}`;
    this.#botId = Number(this.token.split(':')[0]) || 1;
    this.#botUsername = options.botUsername ?? 'gridbot_test_bot';
    this.#webhookAttempts = options.webhookAttempts ?? 3;
    this.#webhookRetryMs = options.webhookRetryMs ?? 100;
    this.apiRoot = `http://127.0.0.1:${port}`;
  }

  static async start(options: BotApiServerOptions = {}): Promise<BotApiServer> {
    let server: BotApiServer | undefined;
    const http = localHttpServer((req, res) => {
      if (server === undefined) {
        res.writeHead(503).end();
        return;
      }
      void server.#serve(req, res);
    });
    const port = await listenLocal(http);
    server = new BotApiServer(http, port, options);
    return server;
  }

  // ---------------------------------------------------------------- test hooks

  /** A user writes `text` in `chatId` (a private chat when positive). Leading `/commands` are marked. */
  userMessage(chatId: number, text: string, from?: Sender): Update {
    const user = this.#user(chatId, from);
    const entities = botCommands(text);
    const message = {
      message_id: this.#messageId(chatId),
      from: user,
      chat: chatOf(chatId, user),
      date: now(),
      text,
      ...(entities.length > 0 ? { entities } : {}),
    };
    return this.#push({ message } as unknown as Omit<Update, 'update_id'>);
  }

  /**
   * A user presses the button with `data` under the bot's message `messageId` in `chatId` (default: the
   * latest bot message there with buttons, else the latest). Throws when the bot sent nothing there.
   */
  buttonPress(chatId: number, data: string, messageId?: number, from?: Sender): Update {
    const stored = this.#target(chatId, messageId);
    const id = String(4_128_000_000_000_000_000n + this.#nextCallbackId);
    this.#nextCallbackId += 1n;
    this.#callbacks.set(id, false);
    const callback_query = {
      id,
      from: this.#user(chatId, from),
      message: structuredClone(stored.message),
      chat_instance: String(-BigInt(chatId) * 7919n - 13n),
      data,
    };
    return this.#push({ callback_query } as unknown as Omit<Update, 'update_id'>);
  }

  /** Any other update (an edited message, a member change…); gets the next update_id. */
  pushUpdate(update: Omit<Update, 'update_id'>): Update {
    return this.#push(update);
  }

  /** The bot's messages, in the order sent (to `chatId`, or to any chat). */
  sent(chatId?: number): SentMessage[] {
    return this.#order
      .filter((m) => chatId === undefined || m.record.chatId === chatId)
      .map((m) => ({ ...m.record }));
  }

  /** Resolves with `sent(chatId)` once it has at least `n` messages; rejects after `timeoutMs`. */
  waitForSent(n: number, chatId?: number, timeoutMs = 5000): Promise<SentMessage[]> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const got = this.sent(chatId);
        if (got.length < n) return false;
        clearTimeout(timer);
        this.#sentListeners.delete(listener);
        resolve(got);
        return true;
      };
      const listener = (): void => {
        check();
      };
      const timer = setTimeout(() => {
        this.#sentListeners.delete(listener);
        const got = this.sent(chatId).map((m) => m.plainText);
        reject(
          new Error(
            `waitForSent: ${n} message(s) to ${chatId ?? 'any chat'} expected within ${timeoutMs} ms, got ${got.length}: ${JSON.stringify(got)}`,
          ),
        );
      }, timeoutMs);
      this.#sentListeners.add(listener);
      check();
    });
  }

  get answeredCallbacks(): AnsweredCallback[] {
    return [...this.#answered];
  }

  get webhookDeliveries(): WebhookDelivery[] {
    return [...this.#deliveries];
  }

  /** Updates not yet confirmed (polling) or delivered (webhook). */
  get pendingUpdates(): number {
    return this.#pending.length;
  }

  /** The next `times` calls of `method` ('*': any) answer `failure` instead. */
  failNext(method: string, failure: InjectedFailure, times = 1): void {
    this.#faults.push({ route: route(method), remaining: times, kind: 'error', failure });
  }

  /** The next `times` calls of `method` ('*': any) get their connection cut, no answer. */
  dropNext(method: string, times = 1): void {
    this.#faults.push({ route: route(method), remaining: times, kind: 'drop' });
  }

  /** The next `times` calls of `method` ('*': any) get an HTML 502 page, as from a broken proxy. */
  garbleNext(method: string, times = 1): void {
    this.#faults.push({ route: route(method), remaining: times, kind: 'garble' });
  }

  /** The user of `chatId` blocked the bot: sendMessage there answers 403. */
  blockChat(chatId: number): void {
    this.#blocked.add(chatId);
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    this.#webhook = null;
    this.#waiter = undefined;
    await closeHttp(this.#http);
  }

  // ---------------------------------------------------------------- HTTP

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = await readBody(req);
      const m = /^\/bot([^/]*)\/([^/]*)\/?$/.exec(url.pathname);
      if (m === null) throw new ApiFailure(404, 'Not Found');
      if (safeDecode(m[1]!) !== this.token) throw new ApiFailure(401, 'Unauthorized');
      const method = CANONICAL.get(m[2]!.toLowerCase());
      const name = method ?? m[2]!;
      this.requests[name] = (this.requests[name] ?? 0) + 1;
      if (method === undefined) throw new ApiFailure(404, 'Not Found');
      if (req.method !== 'GET' && req.method !== 'POST') throw new ApiFailure(404, 'Not Found');
      const fault = takeFault(this.#faults, method);
      if (fault?.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'garble') {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>');
        return;
      }
      if (fault?.kind === 'error') {
        const f = fault.failure;
        throw new ApiFailure(
          f.error_code,
          f.description,
          f.retry_after === undefined ? undefined : { retry_after: f.retry_after },
        );
      }
      const params = {
        ...Object.fromEntries(url.searchParams),
        ...parseBody(req.headers['content-type'], body),
      };
      const result = await this.#invoke({ method, params, gone: gone.signal });
      answer(res, 200, { ok: true, result });
    } catch (error) {
      if (error instanceof ApiFailure) {
        answer(res, error.code, {
          ok: false,
          error_code: error.code,
          description: error.description,
          ...(error.parameters === undefined ? {} : { parameters: error.parameters }),
        });
      } else {
        answer(res, 500, { ok: false, error_code: 500, description: 'Internal Server Error' });
      }
    }
  }

  #invoke(r: Request): Promise<unknown> | unknown {
    switch (r.method) {
      case 'getMe':
        return {
          id: this.#botId,
          is_bot: true,
          first_name: 'Gridbot Test',
          username: this.#botUsername,
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
          can_connect_to_business: false,
          has_main_web_app: false,
          has_topics_enabled: false,
          allows_users_to_create_topics: false,
          can_manage_bots: false,
        };
      case 'getUpdates':
        return this.#getUpdates(r);
      case 'setWebhook':
        return this.#setWebhook(r.params);
      case 'deleteWebhook':
        if (bool(r.params, 'drop_pending_updates')) this.#pending.length = 0;
        this.#webhook = null;
        return true;
      case 'getWebhookInfo':
        return {
          url: this.#webhook?.url ?? '',
          has_custom_certificate: false,
          pending_update_count: this.#pending.length,
          ...(this.#lastWebhookError === undefined
            ? {}
            : {
                last_error_date: this.#lastWebhookError.date,
                last_error_message: this.#lastWebhookError.message,
              }),
          ...(this.#webhook === null ? {} : { max_connections: this.#webhook.maxConnections }),
          ...(this.#allowed === null ? {} : { allowed_updates: [...this.#allowed] }),
        };
      case 'sendMessage':
        return this.#sendMessage(r.params);
      case 'editMessageText':
        return this.#editMessageText(r.params);
      case 'answerCallbackQuery':
        return this.#answerCallbackQuery(r.params);
    }
  }

  // ---------------------------------------------------------------- updates

  #push(partial: Omit<Update, 'update_id'>): Update {
    const update = { update_id: this.#nextUpdateId, ...partial } as Update;
    this.#nextUpdateId += 1;
    const kind = Object.keys(partial)[0] ?? '';
    const wanted =
      this.#allowed === null || this.#allowed.size === 0
        ? !NOT_BY_DEFAULT.has(kind)
        : this.#allowed.has(kind);
    if (!wanted) return update;
    this.#pending.push(update);
    if (this.#webhook !== null) this.#pump();
    else if (this.#waiter !== undefined) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter.resolve(this.#pending.slice(0, waiter.limit));
    }
    return update;
  }

  #getUpdates(r: Request): Promise<Update[]> | Update[] {
    if (this.#webhook !== null) {
      throw new ApiFailure(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    const offset = int(r.params, 'offset');
    const limit = Math.min(100, Math.max(1, int(r.params, 'limit') ?? 100));
    const timeout = Math.min(50, Math.max(0, int(r.params, 'timeout') ?? 0));
    const allowed = json(r.params, 'allowed_updates', "can't parse allowed updates");
    if (allowed !== undefined) this.#allowed = stringSet(allowed, 'allowed_updates');
    if (offset !== undefined && offset < 0)
      this.#pending.splice(0, Math.max(0, this.#pending.length + offset));
    else if (offset !== undefined) {
      while (this.#pending.length > 0 && this.#pending[0]!.update_id < offset) this.#pending.shift();
    }
    this.#terminateWaiter(
      'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    );
    if (this.#pending.length > 0 || timeout === 0) return this.#pending.slice(0, limit);
    return new Promise<Update[]>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        r.gone.removeEventListener('abort', onGone);
        if (this.#waiter === waiter) this.#waiter = undefined;
      };
      const waiter: Waiter = {
        limit,
        resolve: (updates) => {
          finish();
          resolve(updates);
        },
        reject: (failure) => {
          finish();
          reject(failure);
        },
      };
      const timer = setTimeout(() => waiter.resolve([]), timeout * 1000);
      const onGone = (): void => waiter.resolve([]);
      r.gone.addEventListener('abort', onGone);
      this.#waiter = waiter;
    });
  }

  #terminateWaiter(description: string): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(new ApiFailure(409, description));
  }

  #setWebhook(params: Params): true {
    const url = str(params, 'url') ?? '';
    if (url === '') {
      this.#webhook = null;
      return true;
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badRequest('bad webhook: invalid URL');
    }
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
      throw badRequest('bad webhook: An HTTPS URL must be provided for webhook');
    }
    const secret = str(params, 'secret_token');
    if (secret !== undefined && secret.length > 256) throw badRequest('secret token is too long');
    if (secret !== undefined && !/^[A-Za-z0-9_-]*$/.test(secret)) {
      throw badRequest('secret token contains unallowed characters');
    }
    const maxConnections = int(params, 'max_connections') ?? 40;
    if (maxConnections < 1 || maxConnections > 100) throw badRequest('bad webhook: invalid max_connections');
    const allowed = json(params, 'allowed_updates', "can't parse allowed updates");
    if (allowed !== undefined) this.#allowed = stringSet(allowed, 'allowed_updates');
    if (bool(params, 'drop_pending_updates')) this.#pending.length = 0;
    this.#webhook = { url, secret: secret === '' ? undefined : secret, maxConnections };
    this.#terminateWaiter('Conflict: terminated by setWebhook request');
    this.#pump();
    return true;
  }

  /** Delivers pending updates to the webhook, one at a time, in order. */
  #pump(): void {
    if (this.#pumping || this.#webhook === null || this.#stopping.signal.aborted) return;
    this.#pumping = true;
    void this.#deliverAll().finally(() => {
      this.#pumping = false;
      if (this.#webhook !== null && this.#pending.length > 0) this.#pump();
    });
  }

  async #deliverAll(): Promise<void> {
    while (!this.#stopping.signal.aborted && this.#webhook !== null && this.#pending.length > 0) {
      const hook: Webhook = this.#webhook;
      const update = this.#pending[0]!;
      let settled = false;
      for (let attempt = 1; attempt <= this.#webhookAttempts && this.#webhook === hook; attempt += 1) {
        if (await this.#deliver(hook, update)) {
          settled = true;
          break;
        }
        if (attempt < this.#webhookAttempts) await pause(this.#webhookRetryMs, this.#stopping.signal);
      }
      // Delivered, or given up after every attempt (Telegram drops it too); kept when the webhook changed.
      if ((settled || this.#webhook === hook) && this.#pending[0] === update) this.#pending.shift();
    }
  }

  async #deliver(hook: Webhook, update: Update): Promise<boolean> {
    let status = 0;
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(hook.secret === undefined ? {} : { 'x-telegram-bot-api-secret-token': hook.secret }),
        },
        body: JSON.stringify(update),
        signal: AbortSignal.any([this.#stopping.signal, AbortSignal.timeout(5000)]),
      });
      status = res.status;
      const reply = await res.text();
      if (status >= 200 && status < 300) await this.#webhookReply(res.headers.get('content-type'), reply);
      else
        this.#lastWebhookError = {
          date: now(),
          message: `Wrong response from the webhook: ${status} ${res.statusText}`,
        };
    } catch {
      this.#lastWebhookError = { date: now(), message: 'Connection refused' };
    }
    this.#deliveries.push({ updateId: update.update_id, url: hook.url, status, secretHeader: hook.secret });
    return status >= 200 && status < 300;
  }

  /** A webhook may answer with one method call in its body (`{"method": "sendMessage", …}`). */
  async #webhookReply(contentType: string | null, body: string): Promise<void> {
    if (!contentType?.includes('application/json') || body.trim() === '') return;
    try {
      const call = JSON.parse(body) as Params;
      const method = typeof call.method === 'string' ? CANONICAL.get(call.method.toLowerCase()) : undefined;
      if (method === undefined || method === 'getUpdates') return;
      this.requests[method] = (this.requests[method] ?? 0) + 1;
      await this.#invoke({ method, params: call, gone: new AbortController().signal });
    } catch {
      // Telegram ignores a reply it cannot run.
    }
  }

  // ---------------------------------------------------------------- messages

  #sendMessage(params: Params): Message {
    const chatId = this.#chatId(params);
    const content = this.#content(params);
    const messageId = this.#messageId(chatId);
    const message = {
      message_id: messageId,
      from: this.#botUser(),
      chat: chatOf(chatId, undefined),
      date: now(),
      text: content.plainText,
      ...(content.entities.length > 0 ? { entities: content.entities } : {}),
      ...(content.linkPreviewDisabled ? { link_preview_options: { is_disabled: true } } : {}),
      ...(content.markup === undefined ? {} : { reply_markup: content.markup }),
    } as unknown as Message;
    const stored: StoredMessage = {
      record: {
        chatId,
        messageId,
        text: content.text,
        plainText: content.plainText,
        parseMode: content.parseMode,
        entities: content.entities,
        buttons: content.buttons,
        disableNotification: bool(params, 'disable_notification'),
        linkPreviewDisabled: content.linkPreviewDisabled,
        edits: 0,
      },
      message,
      markup: content.markup,
    };
    this.#messages.set(key(chatId, messageId), stored);
    this.#order.push(stored);
    for (const listener of [...this.#sentListeners]) listener();
    return structuredClone(message);
  }

  #editMessageText(params: Params): Message {
    if (str(params, 'inline_message_id') !== undefined) throw badRequest('message to edit not found');
    const chatId = this.#chatId(params);
    const messageId = int(params, 'message_id');
    if (messageId === undefined) throw badRequest('message identifier is not specified');
    const stored = this.#messages.get(key(chatId, messageId));
    if (stored === undefined) throw badRequest('message to edit not found');
    const content = this.#content(params);
    if (
      content.plainText === stored.record.plainText &&
      JSON.stringify(content.entities) === JSON.stringify(stored.record.entities) &&
      JSON.stringify(content.markup) === JSON.stringify(stored.markup)
    ) {
      throw badRequest(
        'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      );
    }
    const {
      reply_markup: _old,
      entities: _oldEntities,
      ...rest
    } = stored.message as Message & Record<string, unknown>;
    stored.message = {
      ...rest,
      text: content.plainText,
      edit_date: now(),
      ...(content.entities.length > 0 ? { entities: content.entities } : {}),
      ...(content.markup === undefined ? {} : { reply_markup: content.markup }),
    } as unknown as Message;
    stored.markup = content.markup;
    stored.record = {
      ...stored.record,
      text: content.text,
      plainText: content.plainText,
      parseMode: content.parseMode,
      entities: content.entities,
      buttons: content.buttons,
      linkPreviewDisabled: content.linkPreviewDisabled,
      edits: stored.record.edits + 1,
    };
    return structuredClone(stored.message);
  }

  #answerCallbackQuery(params: Params): true {
    const id = str(params, 'callback_query_id');
    if (id === undefined || this.#callbacks.get(id) !== false) {
      throw badRequest('query is too old and response timeout expired or query ID is invalid');
    }
    const text = str(params, 'text');
    if (text !== undefined && text.length > 200) throw badRequest('MESSAGE_TOO_LONG');
    this.#callbacks.set(id, true);
    this.#answered.push({ callbackQueryId: id, text, showAlert: bool(params, 'show_alert') });
    return true;
  }

  /** text + parse_mode + reply_markup + link preview, checked as Telegram does. */
  #content(params: Params) {
    const text = str(params, 'text');
    if (text === undefined || text === '') throw badRequest('message text is empty');
    const mode = str(params, 'parse_mode');
    let plainText = text;
    let entities: MessageEntity[] = [];
    if (mode !== undefined && mode !== '') {
      const m = mode.toLowerCase();
      if (m === 'html') {
        const parsed = parseTelegramHtml(text);
        if (!parsed.ok) throw badRequest(`can't parse entities: ${parsed.error}`);
        plainText = parsed.text;
        entities = parsed.entities;
      } else if (m !== 'markdown' && m !== 'markdownv2') {
        throw badRequest('unsupported parse_mode');
      }
    }
    if (plainText.trim() === '') throw badRequest('message text is empty');
    if (plainText.length > MAX_TEXT) throw badRequest('message is too long');
    const { markup, buttons } = replyMarkup(params);
    const preview = json(params, 'link_preview_options', "can't parse link preview options JSON object");
    const linkPreviewDisabled =
      (isObject(preview) && preview.is_disabled === true) || bool(params, 'disable_web_page_preview');
    return { text, parseMode: mode, plainText, entities, markup, buttons, linkPreviewDisabled };
  }

  #chatId(params: Params): number {
    const raw = params.chat_id;
    if (raw === undefined || raw === null || raw === '') throw badRequest('chat_id is empty');
    const id =
      typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(id) || id === 0) throw badRequest('chat not found');
    if (this.#blocked.has(id)) throw new ApiFailure(403, 'Forbidden: bot was blocked by the user');
    return id;
  }

  #target(chatId: number, messageId: number | undefined): StoredMessage {
    if (messageId !== undefined) {
      const stored = this.#messages.get(key(chatId, messageId));
      if (stored === undefined)
        throw new Error(`buttonPress: the bot sent no message ${messageId} to chat ${chatId}`);
      return stored;
    }
    const mine = this.#order.filter((m) => m.record.chatId === chatId);
    const target = mine.findLast((m) => m.record.buttons.length > 0) ?? mine[mine.length - 1];
    if (target === undefined) throw new Error(`buttonPress: the bot sent no message to chat ${chatId}`);
    return target;
  }

  #messageId(chatId: number): number {
    const id = this.#nextMessageId.get(chatId) ?? 1;
    this.#nextMessageId.set(chatId, id + 1);
    return id;
  }

  #user(chatId: number, from: Sender | undefined): User {
    const id = from?.id ?? (chatId > 0 ? chatId : 1_000_001);
    const username = from?.username === undefined ? 'operator' : from.username;
    return {
      id,
      is_bot: false,
      first_name: from?.firstName ?? 'Operator',
      ...(username === null ? {} : { username }),
    };
  }

  #botUser(): User {
    return { id: this.#botId, is_bot: true, first_name: 'Gridbot Test', username: this.#botUsername };
  }
}

export function startBotApiServer(options?: BotApiServerOptions): Promise<BotApiServer> {
  return BotApiServer.start(options);
}

// ---------------------------------------------------------------- helpers

function route(method: string): string | undefined {
  return method === '*' ? undefined : (CANONICAL.get(method.toLowerCase()) ?? method);
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function key(chatId: number, messageId: number): string {
  return `${chatId}:${messageId}`;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

function chatOf(chatId: number, user: User | undefined): Message['chat'] {
  if (chatId > 0) {
    return {
      id: chatId,
      type: 'private',
      first_name: user?.first_name ?? 'Operator',
      ...(user?.username === undefined ? {} : { username: user.username }),
    } as Message['chat'];
  }
  return { id: chatId, type: 'supergroup', title: 'Gridbot ops' } as Message['chat'];
}

/** `bot_command` entities for every `/command` (optionally `@bot`) that starts the text or follows a space. */
function botCommands(text: string): MessageEntity[] {
  const out: MessageEntity[] = [];
  for (const m of text.matchAll(/(^|\s)(\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?)(?=$|\s|[.,;:!?)])/g)) {
    out.push({ type: 'bot_command', offset: m.index + m[1]!.length, length: m[2]!.length });
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseBody(contentType: string | undefined, body: string): Params {
  if (body.length === 0) return {};
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw badRequest("can't parse JSON request body");
    }
    if (!isObject(parsed)) throw badRequest('request body must be a JSON object');
    return parsed;
  }
  if (type.includes('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(body));
  if (type.includes('multipart/form-data')) {
    const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
    if (m === null) throw badRequest('multipart body without a boundary');
    return parseMultipart(body, m[1] ?? m[2]!);
  }
  return {};
}

/** The text fields of a multipart/form-data body (files are not supported by this server). */
function parseMultipart(body: string, boundary: string): Params {
  const out: Params = {};
  const parts = body.split(`--${boundary}`);
  for (const part of parts.slice(1)) {
    if (part.startsWith('--')) break;
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined || /filename=/i.test(head)) continue;
    out[name] = part.slice(split + 4).replace(/\r\n$/, '');
  }
  return out;
}

function str(params: Params, name: string): string | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw badRequest(`field "${name}" must be of type String`);
}

function int(params: Params, name: string): number | undefined {
  const v = params[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^\s*-?\d{1,15}\s*$/.test(v)) return Number(v);
  throw badRequest(`field "${name}" must be of type Integer`);
}

function bool(params: Params, name: string): boolean {
  const v = params[name];
  return v === true || v === 'true' || v === 'True' || v === '1' || v === 1;
}

function json(params: Params, name: string, refusal: string): unknown {
  const v = params[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    throw badRequest(refusal);
  }
}

function stringSet(value: unknown, name: string): Set<string> {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw badRequest(`field "${name}" must be an Array of String`);
  }
  return new Set(value as string[]);
}

/** reply_markup checked as Telegram does; inline keyboards as button rows. */
function replyMarkup(params: Params): { markup: unknown; buttons: SentButton[][] } {
  const markup = json(params, 'reply_markup', "can't parse reply keyboard markup JSON object");
  if (markup === undefined) return { markup: undefined, buttons: [] };
  if (!isObject(markup)) throw badRequest('object expected as reply markup');
  if (markup.inline_keyboard === undefined) {
    if (
      markup.keyboard !== undefined ||
      markup.remove_keyboard !== undefined ||
      markup.force_reply !== undefined
    ) {
      return { markup, buttons: [] };
    }
    throw badRequest('object expected as reply markup');
  }
  const rows = markup.inline_keyboard;
  if (!Array.isArray(rows) || rows.some((row) => !Array.isArray(row))) {
    throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays');
  }
  const buttons = (rows as unknown[][]).map((row) =>
    row.map((b): SentButton => {
      if (!isObject(b)) throw badRequest("can't parse inline keyboard button: object expected");
      if (typeof b.text !== 'string' || b.text === '') {
        throw badRequest("can't parse inline keyboard button: Text must be non-empty");
      }
      if (typeof b.callback_data === 'string') {
        const bytes = Buffer.byteLength(b.callback_data, 'utf8');
        if (bytes < 1 || bytes > MAX_CALLBACK_DATA_BYTES) throw badRequest('BUTTON_DATA_INVALID');
        return { text: b.text, data: b.callback_data };
      }
      if (typeof b.url === 'string') {
        if (!URL.canParse(b.url))
          throw badRequest(`inline keyboard button URL '${b.url}' is invalid: Wrong HTTP URL`);
        return { text: b.text, url: b.url };
      }
      const others = Object.keys(b).filter((k) => k !== 'text');
      if (others.length === 0) {
        throw badRequest(
          "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        );
      }
      return { text: b.text };
    }),
  );
  return { markup: { inline_keyboard: rows }, buttons };
}

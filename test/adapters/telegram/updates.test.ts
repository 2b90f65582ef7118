/**
 * Updates into the application: the long-polling TelegramPoller against the local Bot API server (order,
 * once each, failing handlers, server errors, prompt stop), and the webhook path (the server POSTs to a
 * local listener; `webhookRequest` checks the secret and the body; `registerWebhook`).
 */
import type { IncomingMessage, Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  closeHttp,
  listenLocal,
  localHttpServer,
  readBody,
} from '../../../shared/adapters/paper/protocol-http.js';
import { TelegramApiError, TelegramChat } from '../../../shared/adapters/telegram/bot-api.js';
import {
  generateWebhookSecret,
  registerWebhook,
  SECRET_HEADER,
  TelegramPoller,
  webhookRequest,
} from '../../../shared/adapters/telegram/updates.js';
import type { ChatUpdate } from '../../../shared/ports/chat.js';
import { type BotApiServer, startBotApiServer } from '../../support/telegram/bot-api-server.js';
import { RecordingLogger } from '../../support/telegram/recording-logger.js';

const CHAT = 5151;

let server: BotApiServer;
let chat: TelegramChat;
let logger: RecordingLogger;
const pollers: TelegramPoller[] = [];

beforeEach(async () => {
  server = await startBotApiServer({ webhookRetryMs: 20 });
  logger = new RecordingLogger();
  chat = new TelegramChat({ token: server.token, apiRoot: server.apiRoot, logger });
});

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
  await server.stop();
});

function poller(onUpdate: (u: ChatUpdate) => Promise<void>, pollTimeoutSeconds = 5): TelegramPoller {
  const p = new TelegramPoller({
    chat,
    onUpdate,
    logger,
    pollTimeoutSeconds,
    backoff: { initialMs: 50, maxMs: 200 },
  });
  pollers.push(p);
  return p;
}

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('TelegramPoller', () => {
  it('hands messages and button presses to onUpdate in order, each once', async () => {
    const seen: ChatUpdate[] = [];
    const p = poller(async (u) => {
      seen.push(u);
    });
    void p.start();
    await chat.send(CHAT, 'Pause?', [{ text: 'Pause', data: 'pause' }]);
    const first = server.userMessage(CHAT, '/status');
    const second = server.buttonPress(CHAT, 'pause');
    await until(() => seen.length >= 2, 'two updates');
    const third = server.userMessage(CHAT, 'thanks');
    await until(() => seen.length >= 3, 'the third update');
    // Several more polls: nothing comes twice.
    await until(() => (server.requests.getUpdates ?? 0) >= 4, 'more polls');
    expect(seen.map((u) => u.updateId)).toEqual([first.update_id, second.update_id, third.update_id]);
    expect(seen.map((u) => u.kind)).toEqual(['message', 'callback', 'message']);
    expect(seen[1]).toMatchObject({
      kind: 'callback',
      data: 'pause',
      chatId: CHAT,
      callbackId: second.callback_query!.id,
    });
    expect(p.offset).toBe(third.update_id + 1);
    expect(server.pendingUpdates).toBe(0);
  });

  it('goes on after a handler that throws, and does not hand that update again', async () => {
    const calls: number[] = [];
    const p = poller(async (u) => {
      calls.push(u.updateId);
      if (u.kind === 'message' && u.text === 'boom') throw new Error('handler exploded');
    });
    void p.start();
    const boom = server.userMessage(CHAT, 'boom');
    const fine = server.userMessage(CHAT, 'fine');
    await until(() => calls.length >= 2, 'both updates');
    // The next poll confirmed both to the server: neither comes again.
    await until(() => server.pendingUpdates === 0, 'the confirming poll');
    expect(calls).toEqual([boom.update_id, fine.update_id]);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'telegram update handler failed',
        extra: expect.objectContaining({ updateId: boom.update_id, error: 'handler exploded' }),
      }),
    );
  });

  it('backs off and recovers after a 500, a cut connection and a 429 from getUpdates', async () => {
    server.failNext('getUpdates', { error_code: 500, description: 'Internal Server Error' });
    server.dropNext('getUpdates');
    const seen: ChatUpdate[] = [];
    const p = poller(async (u) => {
      seen.push(u);
    });
    void p.start();
    const m = server.userMessage(CHAT, 'still there?');
    await until(() => seen.length === 1, 'the update after the errors');
    expect(seen[0]).toMatchObject({ updateId: m.update_id, text: 'still there?' });
    expect(server.requests.getUpdates).toBeGreaterThanOrEqual(3);
    const warnings = logger.lines.filter((l) => l.message === 'telegram polling failed');
    expect(warnings.map((l) => l.extra?.errorCode)).toEqual([500, undefined]);
    expect(warnings[1]?.extra).toMatchObject({ kind: 'network' });
    expect(warnings.map((l) => l.extra?.retryInMs)).toEqual([50, 100]);

    // The pending long poll takes the next message; the poll after it meets the 429 and waits retry_after.
    server.failNext('getUpdates', {
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      retry_after: 1,
    });
    server.userMessage(CHAT, 'ends the pending poll');
    const flood = (): boolean =>
      logger.lines.some((l) => l.message === 'telegram polling failed' && l.extra?.errorCode === 429);
    await until(flood, 'the 429');
    const waitStarted = Date.now();
    const polls = server.requests.getUpdates ?? 0;
    await until(() => (server.requests.getUpdates ?? 0) > polls, 'the poll after the flood wait');
    expect(Date.now() - waitStarted).toBeGreaterThanOrEqual(900);
    expect(
      logger.lines.find((l) => l.message === 'telegram polling failed' && l.extra?.errorCode === 429)?.extra,
    ).toMatchObject({ retryInMs: 1000 });
    const last = server.userMessage(CHAT, 'after the flood wait');
    await until(() => seen.some((u) => u.updateId === last.update_id), 'the update after the 429');
    expect(seen).toHaveLength(3);
    expect(logger.text()).not.toContain(server.token);
  });

  it('removes a webhook first, so polling works', async () => {
    await registerWebhook(chat, 'http://127.0.0.1:9/hook', generateWebhookSecret());
    expect((await chat.getWebhookInfo()).url).toBe('http://127.0.0.1:9/hook');
    const seen: ChatUpdate[] = [];
    void poller(async (u) => {
      seen.push(u);
    }).start();
    await until(() => (server.requests.getUpdates ?? 0) >= 1, 'a poll');
    expect((await chat.getWebhookInfo()).url).toBe('');
    server.userMessage(CHAT, 'hello');
    await until(() => seen.length === 1, 'the update');
  });

  it('stops promptly during a long poll and confirms what it handled', async () => {
    const seen: ChatUpdate[] = [];
    const p = poller(async (u) => {
      seen.push(u);
    }, 30);
    const loop = p.start();
    expect(() => p.start()).toThrow(/already started/);
    server.userMessage(CHAT, 'one');
    await until(() => seen.length === 1, 'the update');
    await until(() => (server.requests.getUpdates ?? 0) >= 2, 'the next long poll');
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await p.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(loop).resolves.toBeUndefined();
    expect(server.pendingUpdates).toBe(0);
    // A new poller starts after what the first one handled.
    const later: ChatUpdate[] = [];
    void poller(async (u) => {
      later.push(u);
    }).start();
    const two = server.userMessage(CHAT, 'two');
    await until(() => later.length === 1, 'the second poller update');
    expect(later.map((u) => u.updateId)).toEqual([two.update_id]);
  });

  it('stops while a handler runs: waits for it, leaves the rest of the batch for next time', async () => {
    let release: () => void = () => {};
    const seen: number[] = [];
    const p = poller(async (u) => {
      seen.push(u.updateId);
      if (seen.length === 1) await new Promise<void>((r) => (release = r));
    });
    const a = server.userMessage(CHAT, 'a');
    server.userMessage(CHAT, 'b');
    void p.start();
    await until(() => seen.length === 1, 'the first handler');
    const stopped = p.stop();
    release();
    await stopped;
    expect(seen).toEqual([a.update_id]);
    expect(server.pendingUpdates).toBe(1);
  });
});

describe('webhook', () => {
  interface Received {
    readonly headers: Record<string, string | undefined>;
    readonly body: string;
  }
  let listener: Server;
  let received: Received[];
  let url: string;
  let answers: number[];
  const secret = generateWebhookSecret();

  beforeEach(async () => {
    received = [];
    answers = [];
    listener = localHttpServer((req: IncomingMessage, res) => {
      void readBody(req).then((body) => {
        const headers = Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
        );
        received.push({ headers, body });
        const status = answers.shift() ?? webhookRequest({ headers, body }, secret).status;
        res.writeHead(status).end();
      });
    });
    url = `http://127.0.0.1:${await listenLocal(listener)}/telegram`;
  });

  afterEach(async () => {
    await closeHttp(listener);
  });

  it('Telegram POSTs each update with the secret header; webhookRequest accepts and maps it', async () => {
    await registerWebhook(chat, url, secret);
    const info = await chat.getWebhookInfo();
    expect(info).toMatchObject({ url, allowed_updates: ['message', 'callback_query'] });
    const sent = server.userMessage(CHAT, '/pause all', { id: 31, username: 'ops' });
    await until(() => server.webhookDeliveries.length === 1, 'the delivery');
    expect(received).toHaveLength(1);
    expect(received[0]!.headers[SECRET_HEADER]).toBe(secret);
    expect(received[0]!.headers['content-type']).toBe('application/json');
    const verdict = webhookRequest(received[0]!, secret);
    expect(verdict).toEqual({
      status: 200,
      update: {
        kind: 'message',
        updateId: sent.update_id,
        chatId: CHAT,
        from: { id: 31, username: 'ops' },
        text: '/pause all',
      },
    });
    expect(server.webhookDeliveries[0]).toMatchObject({ updateId: sent.update_id, status: 200 });
    expect(server.pendingUpdates).toBe(0);
  });

  it('is retried when the webhook answers non-2xx', async () => {
    answers.push(500);
    await registerWebhook(chat, url, secret);
    const sent = server.userMessage(CHAT, 'retry me');
    await until(() => server.webhookDeliveries.length === 2, 'two attempts');
    expect(server.webhookDeliveries.map((d) => [d.updateId, d.status])).toEqual([
      [sent.update_id, 500],
      [sent.update_id, 200],
    ]);
    expect((await chat.getWebhookInfo()).last_error_message).toBe(
      'Wrong response from the webhook: 500 Internal Server Error',
    );
  });

  it('getUpdates is a conflict while a webhook is set', async () => {
    await registerWebhook(chat, url, secret);
    const error = await chat.getUpdates({ timeout: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TelegramApiError);
    expect((error as TelegramApiError).message).toBe(
      "Telegram getUpdates failed: 409 Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    );
  });

  it('registerWebhook refuses a secret Telegram would refuse, and never echoes the secret', async () => {
    await expect(registerWebhook(chat, url, 'has spaces in it')).rejects.toThrow(
      'webhook secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -',
    );
    const refused = await registerWebhook(chat, 'http://example.com/hook', secret).catch((e: unknown) => e);
    expect(String((refused as Error).message)).toBe(
      'Telegram setWebhook failed: 400 Bad Request: bad webhook: An HTTPS URL must be provided for webhook',
    );
    expect(JSON.stringify(refused) + String((refused as Error).stack)).not.toContain(secret);
    expect(logger.text()).not.toContain(secret);
    expect(server.requests.setWebhook).toBe(1);
  });
});

describe('webhookRequest', () => {
  const secret = 'S3cret_token-for-tests';
  const body = JSON.stringify({
    update_id: 900,
    callback_query: {
      id: '77',
      from: { id: 1, is_bot: false, first_name: 'O' },
      message: { message_id: 2, date: 1, chat: { id: CHAT, type: 'private', first_name: 'O' }, text: 'Go?' },
      chat_instance: '3',
      data: 'go',
    },
  });

  it('accepts the right secret (any header case) and maps the update', () => {
    expect(webhookRequest({ headers: { [SECRET_HEADER]: secret }, body }, secret)).toEqual({
      status: 200,
      update: {
        kind: 'callback',
        updateId: 900,
        chatId: CHAT,
        from: { id: 1 },
        callbackId: '77',
        data: 'go',
      },
    });
    expect(
      webhookRequest({ headers: { 'X-Telegram-Bot-Api-Secret-Token': secret }, body }, secret).status,
    ).toBe(200);
  });

  it('refuses a missing, empty or wrong secret with 401 and does not echo it', () => {
    const cases = [
      { headers: {}, reason: `missing ${SECRET_HEADER} header` },
      { headers: { [SECRET_HEADER]: '' }, reason: `missing ${SECRET_HEADER} header` },
      { headers: { [SECRET_HEADER]: `${secret}x` }, reason: `wrong ${SECRET_HEADER}` },
      { headers: { [SECRET_HEADER]: 'short' }, reason: `wrong ${SECRET_HEADER}` },
    ];
    for (const c of cases) {
      const verdict = webhookRequest({ headers: c.headers, body }, secret);
      expect(verdict).toEqual({ status: 401, reason: c.reason });
      expect(JSON.stringify(verdict)).not.toContain(secret);
    }
  });

  it('refuses everything when no secret is configured', () => {
    expect(webhookRequest({ headers: { [SECRET_HEADER]: '' }, body }, '')).toEqual({
      status: 401,
      reason: 'no webhook secret is configured',
    });
  });

  it('refuses a body that is not a JSON update with 400', () => {
    const headers = { [SECRET_HEADER]: secret };
    const bad: [string | undefined, string][] = [
      [undefined, 'empty body'],
      ['', 'empty body'],
      ['{not json', 'body is not JSON'],
      ['[1,2]', 'body is not a JSON object'],
      ['null', 'body is not a JSON object'],
      ['{"message":{}}', 'body is not a Telegram update (no numeric update_id)'],
      ['{"update_id":"12"}', 'body is not a Telegram update (no numeric update_id)'],
      ['{"update_id":1.5}', 'body is not a Telegram update (no numeric update_id)'],
      ['x'.repeat(1_000_001), 'body longer than 1000000 characters'],
    ];
    for (const [b, reason] of bad) {
      expect(webhookRequest({ headers, body: b }, secret)).toEqual({ status: 400, reason });
    }
  });

  it('maps an odd but well-formed update to other rather than failing', () => {
    const headers = { [SECRET_HEADER]: secret };
    expect(webhookRequest({ headers, body: '{"update_id":5,"message":"hi"}' }, secret)).toEqual({
      status: 200,
      update: { kind: 'other', updateId: 5, chatId: undefined },
    });
  });

  it('generateWebhookSecret makes secrets Telegram accepts', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});

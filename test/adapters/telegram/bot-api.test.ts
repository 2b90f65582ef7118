/**
 * TelegramChat (the ChatPort on grammY) against the local Bot API server: what arrives, what is refused and
 * how, the 429 retry, and that no failure or log line carries the bot token. Also `toChatUpdate`.
 */
import { createServer, type Server } from 'node:http';
import type { Update } from 'grammy/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeHttp, listenLocal } from '../../../shared/adapters/paper/protocol-http.js';
import { TelegramApiError, TelegramChat, toChatUpdate } from '../../../shared/adapters/telegram/bot-api.js';
import { type BotApiServer, startBotApiServer } from '../../support/telegram/bot-api-server.js';
import { RecordingLogger } from '../../support/telegram/recording-logger.js';

const CHAT = 424_242;

let server: BotApiServer;
let logger: RecordingLogger;
let chat: TelegramChat;

beforeEach(async () => {
  server = await startBotApiServer();
  logger = new RecordingLogger();
  chat = new TelegramChat({ token: server.token, apiRoot: server.apiRoot, logger });
});

afterEach(async () => {
  await server.stop();
});

/** The whole error, as any logger or report could see it. */
function everything(error: unknown): string {
  const e = error as Error & Record<string, unknown>;
  return [
    String(e),
    e.message,
    e.stack ?? '',
    JSON.stringify(e),
    JSON.stringify(Object.entries(e)),
    String(e.cause),
  ].join('\n');
}

function expectNoToken(text: string, token: string): void {
  expect(text).not.toContain(token);
  expect(text).not.toContain(token.split(':')[1]!);
  expect(text).not.toContain(encodeURIComponent(token));
}

async function failure(p: Promise<unknown>): Promise<TelegramApiError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TelegramApiError);
  return error as TelegramApiError;
}

describe('TelegramChat.send', () => {
  it('delivers HTML with parse_mode, link previews off, and one keyboard row per button', async () => {
    await chat.send(CHAT, '<b>Grid paused</b> on <code>BTC-PERP</code> &amp; more', [
      { text: 'Resume', data: 'resume:btc' },
      { text: 'Close all', data: 'close:btc' },
    ]);
    const [m] = server.sent(CHAT);
    expect(server.sent()).toHaveLength(1);
    expect(m).toMatchObject({
      chatId: CHAT,
      text: '<b>Grid paused</b> on <code>BTC-PERP</code> &amp; more',
      plainText: 'Grid paused on BTC-PERP & more',
      parseMode: 'HTML',
      linkPreviewDisabled: true,
      buttons: [[{ text: 'Resume', data: 'resume:btc' }], [{ text: 'Close all', data: 'close:btc' }]],
    });
    expect(m!.entities).toEqual([
      { type: 'bold', offset: 0, length: 11 },
      { type: 'code', offset: 15, length: 8 },
    ]);
  });

  it('sends no keyboard when there are no buttons', async () => {
    await chat.send(CHAT, 'plain');
    expect(server.sent(CHAT)[0]).toMatchObject({ plainText: 'plain', buttons: [] });
  });

  it("refuses bad HTML with Telegram's description, naming the method, never the token", async () => {
    const unclosed = await failure(chat.send(CHAT, '<b>unclosed'));
    expect(unclosed.message).toBe(
      `Telegram sendMessage failed: 400 Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`,
    );
    expect(unclosed).toMatchObject({ method: 'sendMessage', kind: 'api', errorCode: 400 });
    expect(unclosed.cause).toBeUndefined();
    expectNoToken(everything(unclosed), server.token);

    const unknown = await failure(chat.send(CHAT, 'price <div>1</div>'));
    expect(unknown.description).toBe(
      `Bad Request: can't parse entities: Unsupported start tag "div" at byte offset 6`,
    );
    const crossed = await failure(chat.send(CHAT, '<b><i>x</b></i>'));
    expect(crossed.description).toBe(
      `Bad Request: can't parse entities: Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`,
    );
    const stray = await failure(chat.send(CHAT, 'a < b'));
    expect(stray.description).toContain('Unsupported start tag "" at byte offset 2');
    expect(server.sent()).toEqual([]);
    expectNoToken(logger.text(), server.token);
  });

  it('refuses callback data over 64 bytes before calling Telegram', async () => {
    const error = await failure(chat.send(CHAT, 'x', [{ text: 'Too long', data: 'x'.repeat(65) }]));
    expect(error.kind).toBe('invalid');
    expect(error.message).toContain('65 bytes');
    expect(server.requests.sendMessage).toBeUndefined();
  });

  it('retries a 429 once after retry_after and delivers', async () => {
    server.failNext('sendMessage', {
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      retry_after: 1,
    });
    const started = Date.now();
    await chat.send(CHAT, 'after the flood wait');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests.sendMessage).toBe(2);
    expect(server.sent(CHAT).map((m) => m.plainText)).toEqual(['after the flood wait']);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'telegram flood wait: retrying once',
        extra: expect.objectContaining({ method: 'sendMessage', retryAfterSeconds: 1 }),
      }),
    );
  });

  it('gives up after the one retry when the 429 persists', async () => {
    server.failNext(
      'sendMessage',
      { error_code: 429, description: 'Too Many Requests: retry after 1', retry_after: 1 },
      2,
    );
    const error = await failure(chat.send(CHAT, 'never'));
    expect(error).toMatchObject({ errorCode: 429, retryAfter: 1 });
    expect(error.message).toBe('Telegram sendMessage failed: 429 Too Many Requests: retry after 1');
    expect(server.requests.sendMessage).toBe(2);
  });

  it('does not wait out a retry_after above the cap', async () => {
    const capped = new TelegramChat({
      token: server.token,
      apiRoot: server.apiRoot,
      maxRetryAfterSeconds: 5,
    });
    server.failNext('sendMessage', {
      error_code: 429,
      description: 'Too Many Requests: retry after 60',
      retry_after: 60,
    });
    const started = Date.now();
    const error = await failure(capped.send(CHAT, 'later'));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error.retryAfter).toBe(60);
    expect(server.requests.sendMessage).toBe(1);
  });

  it('does not retry other errors', async () => {
    server.blockChat(CHAT);
    const error = await failure(chat.send(CHAT, 'hello'));
    expect(error.message).toBe('Telegram sendMessage failed: 403 Forbidden: bot was blocked by the user');
    expect(server.requests.sendMessage).toBe(1);
  });
});

describe('TelegramChat failures never carry the token', () => {
  it('a wrong token fails with 401 Unauthorized', async () => {
    const wrongToken = `${server.token.split(':')[0]}:AAwrongwrongwrongwrongwrongwrongwrong`;
    const wrong = new TelegramChat({ token: wrongToken, apiRoot: server.apiRoot, logger });
    const error = await failure(wrong.getMe());
    expect(error.message).toBe('Telegram getMe failed: 401 Unauthorized');
    expectNoToken(everything(error), wrongToken);
    const sendError = await failure(wrong.send(CHAT, 'hi'));
    expect(sendError.errorCode).toBe(401);
    expectNoToken(everything(sendError), wrongToken);
    expectNoToken(logger.text(), wrongToken);
  });

  it('a cut connection is a network error without the URL', async () => {
    server.dropNext('sendMessage');
    const error = await failure(chat.send(CHAT, 'hi'));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/^Telegram sendMessage failed: network error \(\w+\)$/);
    expectNoToken(everything(error), server.token);
    expectNoToken(logger.text(), server.token);
  });

  it('an HTML page from a proxy is a network error without the URL', async () => {
    server.garbleNext('answerCallbackQuery');
    const error = await failure(chat.answerCallback('123', 'ok'));
    expect(error.message).toBe('Telegram answerCallbackQuery failed: network error (invalid-json)');
    expectNoToken(everything(error), server.token);
    expectNoToken(logger.text(), server.token);
  });

  it('an unreachable server is a network error without the URL', async () => {
    const closed = await startBotApiServer({ token: server.token });
    const apiRoot = closed.apiRoot;
    await closed.stop();
    const error = await failure(new TelegramChat({ token: server.token, apiRoot }).getMe());
    expect(error.message).toBe('Telegram getMe failed: network error (ECONNREFUSED)');
    expectNoToken(everything(error), server.token);
  });

  it('a server that never answers times out', async () => {
    const silent: Server = createServer(() => {});
    const port = await listenLocal(silent);
    try {
      const slow = new TelegramChat({
        token: server.token,
        apiRoot: `http://127.0.0.1:${port}`,
        requestTimeoutSeconds: 0.3,
      });
      const error = await failure(slow.send(CHAT, 'hi'));
      expect(error).toMatchObject({
        kind: 'timeout',
        message: 'Telegram sendMessage failed: no answer within 0.3 s',
      });
    } finally {
      await closeHttp(silent);
    }
  });

  it('a malformed token is refused up front without echoing it', () => {
    expect(() => new TelegramChat({ token: 'not a token secret-part-xyz' })).toThrow(/token is malformed/);
    try {
      new TelegramChat({ token: 'not a token secret-part-xyz' });
    } catch (e) {
      expect(String(e)).not.toContain('secret-part-xyz');
    }
  });
});

describe('TelegramChat.answerCallback and getMe', () => {
  it('answers a button press once, with its toast', async () => {
    await chat.send(CHAT, 'Close the grid?', [{ text: 'Yes', data: 'close:yes' }]);
    const press = server.buttonPress(CHAT, 'close:yes');
    await chat.answerCallback(press.callback_query!.id, 'Closing…');
    expect(server.answeredCallbacks).toEqual([
      { callbackQueryId: press.callback_query!.id, text: 'Closing…', showAlert: false },
    ]);
    const again = await failure(chat.answerCallback(press.callback_query!.id));
    expect(again.description).toBe(
      'Bad Request: query is too old and response timeout expired or query ID is invalid',
    );
  });

  it('getMe names the bot', async () => {
    const me = await chat.getMe();
    expect(me).toMatchObject({
      is_bot: true,
      username: 'gridbot_test_bot',
      id: Number(server.token.split(':')[0]),
    });
  });
});

describe('toChatUpdate', () => {
  it('maps a /command message: chat, sender, text (the server marks the command)', async () => {
    const update = server.userMessage(CHAT, '/status btc', { id: 77, username: 'ops' });
    expect(update.message?.entities).toEqual([{ type: 'bot_command', offset: 0, length: 7 }]);
    expect(toChatUpdate(update)).toEqual({
      kind: 'message',
      updateId: update.update_id,
      chatId: CHAT,
      from: { id: 77, username: 'ops' },
      text: '/status btc',
    });
  });

  it('maps a sender without a username', () => {
    const update = server.userMessage(CHAT, 'hi', { id: 78, username: null });
    expect(toChatUpdate(update)).toMatchObject({ kind: 'message', from: { id: 78 } });
    expect((toChatUpdate(update) as { from: object }).from).not.toHaveProperty('username');
  });

  it('maps a button press: its id, data, sender and the chat of its message', async () => {
    await chat.send(-100_555, 'Pick', [{ text: 'A', data: 'pick:a' }]);
    const update = server.buttonPress(-100_555, 'pick:a', undefined, { id: 9, username: 'boss' });
    expect(toChatUpdate(update)).toEqual({
      kind: 'callback',
      updateId: update.update_id,
      chatId: -100_555,
      from: { id: 9, username: 'boss' },
      callbackId: update.callback_query!.id,
      data: 'pick:a',
    });
  });

  it('maps an edited message, a photo, an inline-message callback and a member change to other', () => {
    const edited = {
      update_id: 10,
      edited_message: {
        message_id: 3,
        date: 1,
        edit_date: 2,
        chat: { id: CHAT, type: 'private', first_name: 'O' },
        text: 'x',
      },
    } as unknown as Update;
    expect(toChatUpdate(edited)).toEqual({ kind: 'other', updateId: 10, chatId: CHAT });
    const photo = {
      update_id: 11,
      message: { message_id: 4, date: 1, chat: { id: CHAT, type: 'private', first_name: 'O' }, photo: [] },
    } as unknown as Update;
    expect(toChatUpdate(photo)).toEqual({ kind: 'other', updateId: 11, chatId: CHAT });
    const inline = {
      update_id: 12,
      callback_query: {
        id: '5',
        from: { id: 1, is_bot: false, first_name: 'O' },
        inline_message_id: 'abc',
        chat_instance: '1',
        data: 'x',
      },
    } as unknown as Update;
    expect(toChatUpdate(inline)).toEqual({ kind: 'other', updateId: 12, chatId: undefined });
    const member = {
      update_id: 13,
      my_chat_member: { chat: { id: -5, type: 'group', title: 'g' }, date: 1 },
    } as unknown as Update;
    expect(toChatUpdate(member)).toEqual({ kind: 'other', updateId: 13, chatId: -5 });
  });

  it('never throws on malformed updates', () => {
    for (const junk of [
      { update_id: 1, message: 'text' },
      { update_id: 2, message: { chat: null, text: 'x' } },
      { update_id: 3, callback_query: { id: 7, data: {} } },
      { update_id: 4, poll: null },
      { update_id: 5 },
    ]) {
      expect(toChatUpdate(junk as unknown as Update)).toMatchObject({
        kind: 'other',
        updateId: junk.update_id,
      });
    }
  });
});

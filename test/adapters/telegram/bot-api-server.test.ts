/**
 * The local Bot API server on the wire (plain fetch, no grammY): authentication and routing, the three body
 * encodings, long polling and its conflicts, message checks, and Telegram's HTML parse mode.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BotApiServer, startBotApiServer } from '../../support/telegram/bot-api-server.js';
import { parseTelegramHtml } from '../../support/telegram/html.js';

let server: BotApiServer;

beforeEach(async () => {
  server = await startBotApiServer();
});

afterEach(async () => {
  await server.stop();
});

interface Answer {
  readonly status: number;
  readonly body: {
    ok: boolean;
    result?: unknown;
    error_code?: number;
    description?: string;
    parameters?: unknown;
  };
}

async function call(
  method: string,
  params: Record<string, unknown> = {},
  token = server.token,
): Promise<Answer> {
  const res = await fetch(`${server.apiRoot}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

describe('routing', () => {
  it('answers 401 to a wrong token and 404 to an unknown method or path', async () => {
    expect(await call('getMe', {}, '1:wrong')).toEqual({
      status: 401,
      body: { ok: false, error_code: 401, description: 'Unauthorized' },
    });
    expect(await call('sendPigeon')).toEqual({
      status: 404,
      body: { ok: false, error_code: 404, description: 'Not Found' },
    });
    const res = await fetch(`${server.apiRoot}/nothing/here`);
    expect(res.status).toBe(404);
    expect(server.requests).toEqual({ sendPigeon: 1 });
  });

  it('takes method names in any case, and GET with a query string', async () => {
    const res = await fetch(`${server.apiRoot}/bot${server.token}/SENDMESSAGE?chat_id=7&text=hi%20there`);
    expect(res.status).toBe(200);
    expect(server.sent(7).map((m) => m.plainText)).toEqual(['hi there']);
    expect(server.requests.sendMessage).toBe(1);
  });

  it('takes urlencoded and multipart bodies, objects JSON-serialized', async () => {
    const form = new URLSearchParams({
      chat_id: '-100123',
      text: '<i>form</i>',
      parse_mode: 'HTML',
      disable_notification: 'true',
      reply_markup: JSON.stringify({ inline_keyboard: [[{ text: 'Ok', callback_data: 'ok' }]] }),
    });
    const urlencoded = await fetch(`${server.apiRoot}/bot${server.token}/sendMessage`, {
      method: 'POST',
      body: form,
    });
    expect(urlencoded.status).toBe(200);
    const multipart = new FormData();
    multipart.set('chat_id', '-100123');
    multipart.set('text', 'multi\r\nline');
    const mp = await fetch(`${server.apiRoot}/bot${server.token}/sendMessage`, {
      method: 'POST',
      body: multipart,
    });
    expect(mp.status).toBe(200);
    expect(server.sent(-100123)).toMatchObject([
      {
        plainText: 'form',
        parseMode: 'HTML',
        disableNotification: true,
        buttons: [[{ text: 'Ok', data: 'ok' }]],
      },
      { plainText: 'multi\r\nline', parseMode: undefined, disableNotification: false, buttons: [] },
    ]);
  });

  it('answers malformed requests in Telegram shape rather than failing', async () => {
    const res = await fetch(`${server.apiRoot}/bot${server.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{broken',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Answer['body']).description).toBe(
      "Bad Request: can't parse JSON request body",
    );
    expect((await call('sendMessage', { text: 'x' })).body.description).toBe('Bad Request: chat_id is empty');
    expect((await call('sendMessage', { chat_id: 1 })).body.description).toBe(
      'Bad Request: message text is empty',
    );
    expect((await call('sendMessage', { chat_id: '@nobody', text: 'x' })).body.description).toBe(
      'Bad Request: chat not found',
    );
    expect(
      (await call('sendMessage', { chat_id: 1, text: 'x', parse_mode: 'BBCode' })).body.description,
    ).toBe('Bad Request: unsupported parse_mode');
    expect((await call('sendMessage', { chat_id: 1, text: 'x'.repeat(4097) })).body.description).toBe(
      'Bad Request: message is too long',
    );
    expect((await call('getUpdates', { limit: 'many' })).body.description).toBe(
      'Bad Request: field "limit" must be of type Integer',
    );
  });

  it('checks inline keyboards', async () => {
    const send = (reply_markup: unknown) => call('sendMessage', { chat_id: 1, text: 'x', reply_markup });
    expect(
      (await send({ inline_keyboard: [[{ text: 'A', callback_data: 'y'.repeat(65) }]] })).body.description,
    ).toBe('Bad Request: BUTTON_DATA_INVALID');
    expect((await send({ inline_keyboard: [{ text: 'A', callback_data: 'a' }] })).body.description).toBe(
      'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays',
    );
    expect((await send({ inline_keyboard: [[{ text: 'A' }]] })).body.description).toBe(
      "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
    );
    expect((await send('{nope')).body.description).toBe(
      "Bad Request: can't parse reply keyboard markup JSON object",
    );
    expect(server.sent()).toEqual([]);
  });

  it('injects failures with retry_after, for the given number of calls', async () => {
    server.failNext(
      'getMe',
      { error_code: 429, description: 'Too Many Requests: retry after 3', retry_after: 3 },
      2,
    );
    for (let i = 0; i < 2; i += 1) {
      expect(await call('getMe')).toEqual({
        status: 429,
        body: {
          ok: false,
          error_code: 429,
          description: 'Too Many Requests: retry after 3',
          parameters: { retry_after: 3 },
        },
      });
    }
    expect((await call('getMe')).status).toBe(200);
    expect(server.requests.getMe).toBe(3);
  });
});

describe('getUpdates', () => {
  it('holds a long poll until an update arrives, and offset confirms', async () => {
    const started = Date.now();
    const poll = call('getUpdates', { timeout: 10 });
    await new Promise((r) => setTimeout(r, 100));
    const u = server.userMessage(42, '/start@gridbot_test_bot now');
    const answer = await poll;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(answer.body.result).toEqual([u]);
    expect(u.message?.entities).toEqual([{ type: 'bot_command', offset: 0, length: 23 }]);
    expect((await call('getUpdates', { offset: u.update_id })).body.result).toEqual([u]);
    expect((await call('getUpdates', { offset: u.update_id + 1 })).body.result).toEqual([]);
    expect(server.pendingUpdates).toBe(0);
  });

  it('answers an empty list when the timeout passes', async () => {
    const started = Date.now();
    expect((await call('getUpdates', { timeout: 1 })).body.result).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('limit, a negative offset, and allowed_updates', async () => {
    const a = server.userMessage(1, 'a');
    const b = server.userMessage(1, 'b');
    const c = server.userMessage(1, 'c');
    expect((await call('getUpdates', { limit: 2 })).body.result).toEqual([a, b]);
    expect((await call('getUpdates', { offset: -1 })).body.result).toEqual([c]);
    expect(server.pendingUpdates).toBe(1);
    await call('getUpdates', { offset: c.update_id + 1, allowed_updates: ['callback_query'] });
    server.userMessage(1, 'filtered out');
    expect(server.pendingUpdates).toBe(0);
  });

  it('a newer getUpdates ends the pending one with 409', async () => {
    const first = call('getUpdates', { timeout: 10 });
    await new Promise((r) => setTimeout(r, 100));
    const second = call('getUpdates', { timeout: 0 });
    expect(await first).toEqual({
      status: 409,
      body: {
        ok: false,
        error_code: 409,
        description:
          'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      },
    });
    expect((await second).status).toBe(200);
  });
});

describe('messages and callbacks', () => {
  it('editMessageText changes a sent message, and refuses an unchanged or unknown one', async () => {
    const sent = await call('sendMessage', {
      chat_id: 3,
      text: '<b>v1</b>',
      parse_mode: 'HTML',
      reply_markup: { inline_keyboard: [[{ text: 'Go', callback_data: 'go' }]] },
    });
    const id = (sent.body.result as { message_id: number }).message_id;
    const edited = await call('editMessageText', {
      chat_id: 3,
      message_id: id,
      text: '<b>v2</b>',
      parse_mode: 'HTML',
    });
    expect(edited.body.result).toMatchObject({ message_id: id, text: 'v2' });
    expect(server.sent(3)).toMatchObject([{ messageId: id, plainText: 'v2', edits: 1, buttons: [] }]);
    expect(
      (await call('editMessageText', { chat_id: 3, message_id: id, text: '<b>v2</b>', parse_mode: 'HTML' }))
        .body.description,
    ).toMatch(/^Bad Request: message is not modified/);
    expect((await call('editMessageText', { chat_id: 3, message_id: 99, text: 'x' })).body.description).toBe(
      'Bad Request: message to edit not found',
    );
  });

  it('buttonPress attaches the bot message; each query is answered once', async () => {
    expect(() => server.buttonPress(8, 'x')).toThrow('buttonPress: the bot sent no message to chat 8');
    await call('sendMessage', {
      chat_id: 8,
      text: 'Pick',
      reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] },
    });
    await call('sendMessage', { chat_id: 8, text: 'no buttons' });
    const press = server.buttonPress(8, 'a');
    expect(press.callback_query).toMatchObject({ data: 'a', message: { chat: { id: 8 }, text: 'Pick' } });
    const id = press.callback_query!.id;
    expect((await call('answerCallbackQuery', { callback_query_id: id, show_alert: true })).status).toBe(200);
    expect((await call('answerCallbackQuery', { callback_query_id: id })).status).toBe(400);
    expect((await call('answerCallbackQuery', { callback_query_id: 'nope' })).status).toBe(400);
    expect(server.answeredCallbacks).toEqual([{ callbackQueryId: id, text: undefined, showAlert: true }]);
  });

  it('waitForSent resolves on the nth message and rejects with what it saw', async () => {
    const waiting = server.waitForSent(2, 5);
    await call('sendMessage', { chat_id: 5, text: 'one' });
    await call('sendMessage', { chat_id: 6, text: 'elsewhere' });
    await call('sendMessage', { chat_id: 5, text: 'two' });
    expect((await waiting).map((m) => m.plainText)).toEqual(['one', 'two']);
    await expect(server.waitForSent(3, 5, 50)).rejects.toThrow(
      'waitForSent: 3 message(s) to 5 expected within 50 ms, got 2: ["one","two"]',
    );
  });
});

describe('parseTelegramHtml', () => {
  it('decodes the four named and all numeric entities, keeps unknown ones literal', () => {
    expect(parseTelegramHtml('a &lt;b&gt; &amp; &quot;c&quot; &#x1F680; &#65; &nbsp; & x')).toEqual({
      ok: true,
      text: 'a <b> & "c" 🚀 A &nbsp; & x',
      entities: [],
    });
  });

  it('maps tags to entities in UTF-16 offsets', () => {
    const parsed = parseTelegramHtml(
      '🚀 <b>up <i>5%</i></b> <a href="https://x.test/?a=1&amp;b=2">link</a> <pre><code class="language-ts">x</code></pre> <span class="tg-spoiler">s</span> <blockquote expandable>q</blockquote>',
    );
    expect(parsed).toEqual({
      ok: true,
      text: '🚀 up 5% link x s q',
      entities: [
        { type: 'bold', offset: 3, length: 5 },
        { type: 'italic', offset: 6, length: 2 },
        { type: 'text_link', offset: 9, length: 4, url: 'https://x.test/?a=1&b=2' },
        { type: 'pre', offset: 14, length: 1, language: 'ts' },
        { type: 'spoiler', offset: 16, length: 1 },
        { type: 'expandable_blockquote', offset: 18, length: 1 },
      ],
    });
  });

  it('refuses what Telegram refuses, with its wording and UTF-8 byte offsets', () => {
    const errors: [string, string][] = [
      ['<p>x</p>', 'Unsupported start tag "p" at byte offset 0'],
      ['é <br/>', 'Unsupported start tag "br/" at byte offset 3'],
      ['x</b>', 'Unexpected end tag at byte offset 1'],
      ['<b>x</i>', 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'],
      ['<b>x', `Can't find end tag corresponding to start tag "b"`],
      ['<b', 'Unclosed start tag at byte offset 0'],
      ['<span>x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'],
      ['<a href>x</a>', 'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0'],
      ['<b>x</b', 'Unclosed end tag at byte offset 4'],
    ];
    for (const [html, error] of errors) expect(parseTelegramHtml(html)).toEqual({ ok: false, error });
  });

  it('accepts an empty end tag as closing the open one', () => {
    expect(parseTelegramHtml('<b>x</>')).toEqual({
      ok: true,
      text: 'x',
      entities: [{ type: 'bold', offset: 0, length: 1 }],
    });
  });
});

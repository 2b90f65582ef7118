/**
 * Telegram end to end in one process (issue 20): the real grammY client against a local server that speaks
 * the Bot API, the poller of `gridbot run`, the chat application over the admin service, and the state in
 * dynalite. A command from an allowed chat pauses the instance; one from another chat does nothing and
 * gets no answer; a confirmation button acts once, and not after it expires; the webhook refuses a wrong
 * secret token before anything runs; a burst of alerts arrives as one message, a critical one at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../shared/adapters/clock/index.js';
import { TelegramChat } from '../../shared/adapters/telegram/bot-api.js';
import { TelegramPoller } from '../../shared/adapters/telegram/updates.js';
import { CONFIRMATION_TTL_MS } from '../../shared/application/admin.js';
import { withFillAlerts } from '../../shared/application/fill-alerts.js';
import { reconcileInstance } from '../../shared/application/reconcile-instance.js';
import {
  type ChatDeps,
  handleChatUpdate,
  localAdmin,
  TelegramNotifier,
} from '../../shared/application/telegram.js';
import { answerWebhook, type TelegramLink } from '../../shared/composition/telegram.js';
import type { Alert } from '../../shared/domain/commands.js';
import { telegramSchema } from '../../shared/domain/config/telegram.js';
import type { TradingEvent } from '../../shared/ports/events.js';
import type { Logger } from '../../shared/ports/logger.js';
import { type PaperApp, paperApp } from '../support/app.js';
import { type BotApiServer, startBotApiServer } from '../support/telegram/bot-api-server.js';

const OPS = 4242;
const STRANGER = 666;
let app: PaperApp | undefined;
let server: BotApiServer | undefined;
let poller: TelegramPoller | undefined;

afterEach(async () => {
  await poller?.stop();
  await server?.stop();
  await app?.stop();
  poller = undefined;
  server = undefined;
  app = undefined;
});

async function setup(extra: Record<string, unknown> = {}) {
  app = await paperApp({ store: 'dynalite' });
  await reconcileInstance(app.ctx, 'dogeklg');
  server = await startBotApiServer();
  const bot = new TelegramChat({ token: server.token, apiRoot: server.apiRoot });
  const config = telegramSchema.parse({ chats: [OPS], ...extra });
  const deps: ChatDeps = {
    chat: bot,
    config,
    admin: localAdmin(app.ctx),
    instanceIds: app.ctx.instanceIds,
    logger: app.ctx.logger,
    metrics: app.ctx.metrics,
  };
  poller = new TelegramPoller({
    chat: bot,
    onUpdate: (u) => handleChatUpdate(deps, u),
    pollTimeoutSeconds: 1,
  });
  void poller.start();
  return { bot, config, deps, app, server };
}

const paused = async (a: PaperApp) => (await a.ctx.store.loadGrid('dogeklg'))?.paused ?? null;
// (`paused` is the stored envelope's flag: the same one `gridbot status` shows.)

describe('Telegram commands', () => {
  it('a command from an allowed chat pauses the instance in the store and answers', async () => {
    const { app, server } = await setup();
    server.userMessage(OPS, '/pause dogeklg checking the venue', { id: 7, username: 'ops' });
    const [reply] = await server.waitForSent(1, OPS);
    expect(reply!.text).toContain('pause');
    expect(reply!.parseMode).toBe('HTML');
    expect(await paused(app)).toBe(true);
    const journal = await app.ctx.store.queryJournal('dogeklg', 'action', 0, Number.MAX_SAFE_INTEGER);
    expect(JSON.stringify(journal)).toContain('telegram:@ops@4242');
  });

  it('a command from a chat not on the allow-list does nothing and gets no answer', async () => {
    const { app, server } = await setup();
    server.userMessage(STRANGER, '/pause dogeklg');
    server.userMessage(OPS, '/status dogeklg');
    await server.waitForSent(1, OPS);
    expect(server.sent(STRANGER)).toEqual([]);
    expect(await paused(app)).toBe(false);
    expect(app.metrics.some((m) => m.name === 'TelegramIgnored')).toBe(true);
  });

  it('a confirmed command acts once through its button, and cancel does nothing', async () => {
    const { app, server } = await setup();
    server.userMessage(OPS, '/resetcounters dogeklg');
    const [ask] = await server.waitForSent(1, OPS);
    const confirm = ask!.buttons.flat().find((b) => b.text.startsWith('Confirm'))!;
    expect(confirm.data).toMatch(/^ok:rc:dogeklg:/);
    server.buttonPress(OPS, confirm.data!, ask!.messageId);
    const [, done] = await server.waitForSent(2, OPS);
    expect(done!.text).toContain('reset-counters');
    expect(done!.text).toContain('done');
    // The same button again: the token was used.
    server.buttonPress(OPS, confirm.data!, ask!.messageId);
    const [, , again] = await server.waitForSent(3, OPS);
    expect(again!.text).toMatch(/Not done: .*expired, was used, or the instance changed/);
    server.userMessage(OPS, '/closeall dogeklg');
    const sent = await server.waitForSent(4, OPS);
    const cancel = sent[3]!.buttons.flat().find((b) => b.text === 'Cancel')!;
    server.buttonPress(OPS, cancel.data!, sent[3]!.messageId);
    const after = await server.waitForSent(5, OPS);
    expect(after[4]!.text).toMatch(/Cancelled: nothing was done/);
    expect(server.answeredCallbacks.length).toBeGreaterThanOrEqual(3);
    expect(await app.ctx.store.listFlattens('main')).toEqual([]);
  });

  it('a confirmation pressed after it expired is refused, and nothing is done', async () => {
    const { app, server } = await setup();
    server.userMessage(OPS, '/rebuild dogeklg');
    const [ask] = await server.waitForSent(1, OPS);
    const confirm = ask!.buttons.flat().find((b) => b.text.startsWith('Confirm'))!;
    expect(confirm.data).toMatch(/^ok:rb:dogeklg:/);
    const before = (await app.ctx.store.loadGrid('dogeklg'))!.version;
    await app.clock.advanceBy(CONFIRMATION_TTL_MS + 1_000);
    server.buttonPress(OPS, confirm.data!, ask!.messageId);
    const [, late] = await server.waitForSent(2, OPS);
    expect(late!.text).toMatch(/Not done/);
    expect((await app.ctx.store.loadGrid('dogeklg'))!.version).toBe(before);
  });
});

describe('the Telegram webhook', () => {
  it('refuses a wrong or missing secret token before anything runs; the right one pauses', async () => {
    const { app, server, bot, config } = await setup();
    await poller!.stop();
    const link: TelegramLink = {
      config,
      chat: Object.assign(bot, { bot: async () => bot }),
      webhookSecret: async () => 'the-right-secret_1',
    };
    const deps = {
      admin: localAdmin(app.ctx),
      instanceIds: app.ctx.instanceIds,
      logger: app.ctx.logger,
      metrics: app.ctx.metrics,
    };
    const update = JSON.stringify({
      update_id: 1,
      message: {
        message_id: 1,
        date: 0,
        chat: { id: OPS, type: 'private' },
        from: { id: 7, is_bot: false, first_name: 'o' },
        text: '/pause dogeklg',
      },
    });
    const wrong = await answerWebhook(
      { headers: { 'x-telegram-bot-api-secret-token': 'guess' }, body: update },
      link,
      deps,
    );
    const missing = await answerWebhook({ headers: {}, body: update }, link, deps);
    expect([wrong.statusCode, missing.statusCode]).toEqual([401, 401]);
    expect(await paused(app)).toBe(false);
    expect(server.sent(OPS)).toEqual([]);
    const bad = await answerWebhook(
      { headers: { 'X-Telegram-Bot-Api-Secret-Token': 'the-right-secret_1' }, body: '{"nope":1}' },
      link,
      deps,
    );
    expect(bad.statusCode).toBe(400);
    const ok = await answerWebhook(
      {
        headers: { 'X-Telegram-Bot-Api-Secret-Token': 'the-right-secret_1' },
        body: Buffer.from(update).toString('base64'),
        isBase64Encoded: true,
      },
      link,
      deps,
    );
    expect(ok.statusCode).toBe(200);
    expect(await paused(app)).toBe(true);
    await server.waitForSent(1, OPS);
    expect(app.metrics.filter((m) => m.name === 'TelegramRefused')).toHaveLength(3);
  });
});

describe('Telegram alerts', () => {
  it('tells each fill once when the config asks for fills, and none otherwise', async () => {
    server = await startBotApiServer();
    const bot = new TelegramChat({ token: server.token, apiRoot: server.apiRoot });
    const recorded: TradingEvent[] = [];
    const sink = { record: async (e: readonly TradingEvent[]) => void recorded.push(...e) };
    const quiet: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
      child: () => quiet,
    };
    const fill: TradingEvent = {
      ts: 0,
      type: 'fill',
      instanceId: 'dogeklg',
      side: 'buy',
      qty: '120',
      price: '0.18',
      tradeId: 't1',
      holdings: '120',
    };
    const clock = new SystemClock();
    const off = new TelegramNotifier(bot, telegramSchema.parse({ chats: [OPS] }), clock, quiet);
    await withFillAlerts(sink, off).record([fill]);
    await off.flush();
    expect(server.sent(OPS)).toEqual([]);
    const on = new TelegramNotifier(
      bot,
      telegramSchema.parse({ chats: [OPS], alerts: { fills: true } }),
      clock,
      quiet,
    );
    const told = withFillAlerts(sink, on);
    await told.record([fill]);
    await told.record([fill]);
    await on.flush();
    const [message] = await server.waitForSent(1, OPS);
    expect(message!.text).toContain('filled: buy 120 at 0.18');
    expect(message!.text).toContain('Position 120');
    expect(server.sent(OPS)).toHaveLength(1);
    expect(recorded).toHaveLength(3);
    on.close();
    off.close();
  });

  const alert = (i: number, severity: Alert['severity'] = 'warning'): Alert => ({
    kind: 'Alert',
    instanceId: 'dogeklg',
    severity,
    code: `code_${i % 3}`,
    message: `alert ${i}`,
    data: { holdings: '120', positionValue: '21.60' },
  });

  it('a burst arrives as one message per allowed chat; a critical one goes at once; info stays out', async () => {
    server = await startBotApiServer();
    const bot = new TelegramChat({ token: server.token, apiRoot: server.apiRoot });
    const config = telegramSchema.parse({ chats: [OPS, 5151], batch_seconds: 1 });
    const clock = new SystemClock();
    const logs: unknown[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (...a: unknown[]) => logs.push(a),
      error: (...a: unknown[]) => logs.push(a),
      child: () => logger,
    };
    const n = new TelegramNotifier(bot, config, clock, logger);
    for (let i = 0; i < 30; i++) await n.notify(alert(i));
    await n.notify(alert(99, 'info'));
    const [burst] = await server.waitForSent(1, OPS, 5_000);
    expect(burst!.text).toContain('(×10, the latest shown)');
    expect(burst!.text).not.toContain('alert 99');
    await server.waitForSent(1, 5151);
    // A window no test would wait for: a critical alert goes at once, with what was held before it.
    const slow = new TelegramNotifier(bot, { ...config, batch_seconds: 300 }, clock, logger);
    await slow.notify(alert(50));
    await slow.notify(alert(100, 'critical'));
    const sent = await server.waitForSent(2, OPS, 5_000);
    expect(sent[1]!.text).toContain('alert 100');
    expect(sent[1]!.text).toContain('alert 50');
    expect(server.sent(OPS)).toHaveLength(2);
    slow.close();
    n.close();
    expect(logs).toEqual([]);
  });
});

/**
 * Wiring Telegram into a process, when the deployment has `telegram:`: the bot (its token and webhook
 * secret from the Secrets port's `telegram` login, read on first use, so a missing or placeholder secret
 * never stops trading: it is logged, and the alerts still go everywhere else), alert forwarding beside the
 * process's other notifiers, and the admin runner the chat commands go through.
 *
 * `GRIDBOT_TELEGRAM_API_ROOT` points the bot at another Bot API server (the tests' local one).
 *
 * Entry points: `telegramLink`, `withTelegramAlerts`, `lambdaAdmin`, `startTelegramPolling`, `answerWebhook`.
 */

import { FanoutNotifier } from '../adapters/notify/mailers.js';
import { TelegramChat } from '../adapters/telegram/bot-api.js';
import { TelegramPoller, webhookRequest } from '../adapters/telegram/updates.js';
import type { AdminCommand } from '../application/admin.js';
import type { AppContext } from '../application/context.js';
import {
  type AdminReply,
  type ChatDeps,
  handleChatUpdate,
  localAdmin,
  TelegramNotifier,
} from '../application/telegram.js';
import type { DeploymentConfig } from '../domain/config/deployment.js';
import type { TelegramConfig } from '../domain/config/telegram.js';
import type { ChatButton, ChatPort } from '../ports/chat.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Metrics } from '../ports/metrics.js';
import type { Notifier } from '../ports/notifier.js';
import type { Secrets } from '../ports/secrets.js';
import { runAdminOnAws } from './admin-invoke.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The bot of a deployment: a chat port that loads its token on first use, and the webhook secret. */
export interface TelegramLink {
  readonly config: TelegramConfig;
  readonly chat: ChatPort & { bot(): Promise<TelegramChat> };
  webhookSecret(): Promise<string>;
}

export function telegramLink(
  deployment: DeploymentConfig,
  secrets: Secrets,
  logger: Logger,
  env: Env = process.env,
): TelegramLink | undefined {
  const config = deployment.telegram;
  if (!config) return undefined;
  let loaded: Promise<{ bot: TelegramChat; secret: string }> | undefined;
  // Read on first use; a failure (no secret yet, a placeholder token) is forgotten so the next use retries.
  const load = () => {
    if (loaded) return loaded;
    const attempt = (async () => {
      const login = await secrets.login('telegram');
      return {
        bot: new TelegramChat({
          token: login.username,
          ...(env.GRIDBOT_TELEGRAM_API_ROOT ? { apiRoot: env.GRIDBOT_TELEGRAM_API_ROOT } : {}),
          logger,
        }),
        secret: login.password,
      };
    })();
    loaded = attempt;
    attempt.catch(() => {
      if (loaded === attempt) loaded = undefined;
    });
    return attempt;
  };
  const chat = {
    bot: async () => (await load()).bot,
    send: async (chatId: number, html: string, buttons?: readonly ChatButton[]) =>
      (await load()).bot.send(chatId, html, buttons),
    answerCallback: async (id: string, text?: string) => (await load()).bot.answerCallback(id, text),
  };
  return { config, chat, webhookSecret: async () => (await load()).secret };
}

/** The process's notifier, plus Telegram when the deployment has it. */
export function withTelegramAlerts(
  notifier: Notifier,
  link: TelegramLink | undefined,
  clock: Clock,
  logger: Logger,
  metrics?: Metrics,
): Notifier {
  if (!link) return notifier;
  return new FanoutNotifier([notifier, new TelegramNotifier(link.chat, link.config, clock, logger, metrics)]);
}

/**
 * The admin runner of the webhook Lambda: each command goes to the admin function of the account the
 * instance trades on (`GRIDBOT_ADMIN_FUNCTIONS`: instance id → function name), which runs the admin
 * service with that account's slice of the deployment, as `gridbot <command> --aws` does.
 */
export function lambdaAdmin(env: Env): (cmd: AdminCommand) => Promise<AdminReply> {
  let functions: Record<string, string>;
  try {
    functions = JSON.parse(env.GRIDBOT_ADMIN_FUNCTIONS ?? '{}') as Record<string, string>;
  } catch {
    throw new Error('GRIDBOT_ADMIN_FUNCTIONS is not JSON: {"<instance id>": "<admin function name>"}');
  }
  return async (cmd) => {
    const functionName = functions[cmd.instanceId];
    if (!functionName) return { ok: false, error: `no admin function for instance ${cmd.instanceId}` };
    return runAdminOnAws({
      command: cmd,
      functionName,
      region: env.AWS_REGION,
      endpoint: env.GRIDBOT_LAMBDA_ENDPOINT,
      env,
    });
  };
}

/**
 * `gridbot run` with `telegram:`: the bot answers the allowed chats by long polling, through the admin
 * service in this process. A missing or malformed token refuses the start (exit with the reason), as any
 * other config problem does. Telegram itself being slow or down never holds trading up: the bot starts
 * in the background and keeps trying. A bot already served by a webhook (the AWS deployment) is not
 * taken over: polling would delete that webhook; `gridbot telegram-webhook --delete` does it on purpose.
 */
export async function startTelegramPolling(
  link: TelegramLink,
  ctx: AppContext,
  logger: Logger,
  retryMs = 30_000,
): Promise<{ stop(): Promise<void> }> {
  const bot = await link.chat.bot().catch((e: unknown) => {
    throw new Error(
      `telegram is configured but its bot cannot start: ${e instanceof Error ? e.message : String(e)} (set GRIDBOT_TELEGRAM_TOKEN and GRIDBOT_TELEGRAM_WEBHOOK_SECRET)`,
    );
  });
  const stopping = new AbortController();
  let poller: TelegramPoller | undefined;
  let running: Promise<void> | undefined;
  const begin = async (): Promise<void> => {
    for (;;) {
      if (stopping.signal.aborted) return;
      try {
        const hook = await bot.getWebhookInfo();
        if (hook.url) {
          logger.warn(
            'telegram: the bot is served by a webhook; gridbot run does not take it over (alerts still go): remove it with `gridbot telegram-webhook --delete` to command from here',
            { webhookHost: new URL(hook.url).host },
          );
          return;
        }
        const me = await bot.getMe();
        const deps: ChatDeps = {
          chat: link.chat,
          config: link.config,
          admin: localAdmin(ctx),
          instanceIds: ctx.instanceIds,
          logger,
          metrics: ctx.metrics,
          botUsername: me.username,
        };
        if (stopping.signal.aborted) return;
        poller = new TelegramPoller({ chat: bot, logger, onUpdate: (u) => handleChatUpdate(deps, u) });
        running = poller.start();
        logger.info('telegram bot polling', { bot: me.username, chats: link.config.chats.length });
        return;
      } catch (e) {
        logger.warn('telegram: the bot could not start yet; trying again', {
          error: e instanceof Error ? e.message : String(e),
        });
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, retryMs);
          t.unref?.();
          stopping.signal.addEventListener('abort', () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    }
  };
  const starting = begin();
  return {
    stop: async () => {
      stopping.abort();
      await starting;
      await poller?.stop();
      await running;
    },
  };
}

/** A Lambda function URL request, as far as the webhook reads it. */
export interface FunctionUrlEvent {
  readonly headers?: Readonly<Record<string, string | undefined>> | undefined;
  readonly body?: string | undefined;
  readonly isBase64Encoded?: boolean | undefined;
}

/**
 * One webhook call: Telegram's secret-token header checked (401 otherwise, nothing done), the body read
 * as an update (400 otherwise), then handled like any chat update and answered 200. A refusal is counted
 * (`TelegramRefused`) and logged with its reason, never with the header's value.
 */
export async function answerWebhook(
  event: FunctionUrlEvent,
  link: TelegramLink,
  deps: Omit<ChatDeps, 'chat' | 'config'>,
): Promise<{ statusCode: number; body: string }> {
  const body =
    event.isBase64Encoded && event.body !== undefined
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body;
  const verdict = webhookRequest({ headers: event.headers ?? {}, body }, await link.webhookSecret());
  if (verdict.status !== 200 || !verdict.update) {
    deps.metrics.put('TelegramRefused', 1, 'Count');
    deps.logger.warn('telegram webhook call refused', {
      status: verdict.status,
      reason: verdict.reason ?? null,
    });
    return { statusCode: verdict.status, body: '' };
  }
  await handleChatUpdate({ ...deps, chat: link.chat, config: link.config }, verdict.update);
  return { statusCode: 200, body: '' };
}

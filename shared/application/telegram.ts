/**
 * Telegram (SPEC §6): the operator's commands from a phone, and alerts to it.
 *
 * Commands: an update from a chat on the allow-list is read (`domain/telegram/commands.ts`) and carried
 * out by the admin service, exactly as the CLI and the admin Lambda do (`runAdminCommand`: journaled with
 * the caller `telegram:<user>@<chat>`). `/rebuild`, `/resetcounters` and `/closeall` answer with a
 * Confirm button that carries the service's token, bound to the command, the instance and the state
 * version; a press after five minutes, after the state moved, or a second press, is refused. An update
 * from any other chat gets no answer at all: it is counted (`TelegramIgnored`) and logged by chat id.
 *
 * Alerts: `TelegramNotifier` filters by the config, gathers bursts (`AlertBatcher`) and sends one message
 * per batch to every allowed chat; a process that ends (a Lambda invocation) flushes what it holds first.
 *
 * Entry points: `handleChatUpdate`, `TelegramNotifier`.
 * Invariants: nothing is done for a chat not on the allow-list; every command goes through
 * `runAdminCommand`; a failing send is logged, never thrown into the trading path.
 */
import type { Alert } from '../domain/commands.js';
import type { TelegramConfig } from '../domain/config/telegram.js';
import { AlertBatcher, escapeHtml, formatAlerts, wantsAlert } from '../domain/telegram/alerts.js';
import {
  type ChatCommandName,
  CONFIRMED_IN_CHAT,
  confirmData,
  HELP_LINES,
  parseChatCommand,
  parseConfirmData,
} from '../domain/telegram/commands.js';
import type { ChatPort, ChatSender, ChatUpdate } from '../ports/chat.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Metrics } from '../ports/metrics.js';
import type { Notifier } from '../ports/notifier.js';
import { type AdminCommand, type AdminResult, runAdminCommand } from './admin.js';
import type { AppContext } from './context.js';

/** What an admin command answers: the service's result, or an error (the admin Lambda's answer). */
export type AdminReply = AdminResult | { readonly ok: false; readonly error: string };

export interface ChatDeps {
  readonly chat: ChatPort;
  readonly config: TelegramConfig;
  /** Runs an admin command: `runAdminCommand` in this process, or the account's admin Lambda in AWS. */
  readonly admin: (cmd: AdminCommand) => Promise<AdminReply>;
  /** The deployment's instances. */
  readonly instanceIds: readonly string[];
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The bot's @username: `/cmd@otherbot` in a group is not for us. */
  readonly botUsername?: string | undefined;
}

/** The admin runner of a process that holds the context itself (`gridbot run`, tests). */
export function localAdmin(ctx: AppContext): (cmd: AdminCommand) => Promise<AdminReply> {
  return async (cmd) => {
    try {
      return await runAdminCommand(ctx, cmd);
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  };
}

function callerOf(from: ChatSender | undefined, chatId: number): string {
  const who = from?.username ? `@${from.username}` : String(from?.id ?? 'unknown');
  return `telegram:${who}@${chatId}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

/** Handles one update; never throws (a failure is answered in the chat when it can be, and logged). */
export async function handleChatUpdate(deps: ChatDeps, update: ChatUpdate): Promise<void> {
  const chatId = update.chatId;
  if (chatId === undefined || !deps.config.chats.includes(chatId)) {
    deps.metrics.put('TelegramIgnored', 1, 'Count');
    deps.logger.warn('telegram update from a chat not on the allow-list ignored', {
      chat: chatId ?? null,
      kind: update.kind,
    });
    return;
  }
  if (update.kind === 'other') return;
  // In a group, only the listed people may command (when the config lists any).
  const users = deps.config.users;
  if (users && !(update.from && users.includes(update.from.id))) {
    deps.metrics.put('TelegramIgnored', 1, 'Count');
    deps.logger.warn('telegram command from a user not on the allow-list ignored', {
      chat: chatId,
      user: update.from?.id ?? null,
    });
    if (update.kind === 'callback')
      await deps.chat.answerCallback(update.callbackId, 'Not allowed').catch(() => undefined);
    return;
  }
  if (!deps.config.commands) {
    if (update.kind === 'message' && update.text.startsWith('/'))
      await reply(deps, chatId, 'Commands are off for this bot (telegram.commands: false).');
    return;
  }
  try {
    if (update.kind === 'callback') await onButton(deps, update);
    else await onMessage(deps, chatId, update.from, update.text);
  } catch (e) {
    deps.logger.error('telegram command failed', {
      chat: chatId,
      error: e instanceof Error ? e.message : String(e),
    });
    await reply(deps, chatId, `Failed: ${escapeHtml(e instanceof Error ? e.message : String(e))}`);
  }
}

async function reply(
  deps: ChatDeps,
  chatId: number,
  html: string,
  buttons?: readonly { text: string; data: string }[],
): Promise<void> {
  try {
    await deps.chat.send(chatId, html, buttons);
  } catch (e) {
    deps.logger.error('telegram reply failed', {
      chat: chatId,
      error: e instanceof Error ? e.message : String(e),
    });
  }
}

async function onMessage(
  deps: ChatDeps,
  chatId: number,
  from: ChatSender | undefined,
  text: string,
): Promise<void> {
  const parsed = parseChatCommand(text, deps.instanceIds, deps.botUsername);
  switch (parsed.kind) {
    case 'none':
      return;
    case 'help':
      return reply(deps, chatId, ['<b>gridbot</b>', ...HELP_LINES].join('\n'));
    case 'invalid':
      return reply(deps, chatId, parsed.reply);
    case 'command':
      break;
  }
  const caller = callerOf(from, chatId);
  if (parsed.command === 'status') {
    const ids = parsed.instanceId ? [parsed.instanceId] : deps.instanceIds;
    const parts: string[] = [];
    for (const id of ids) {
      const res = await deps.admin({ command: 'status', instanceId: id, caller });
      parts.push(
        res.ok ? formatStatus(id, res.detail) : `<b>${escapeHtml(id)}</b>: ${escapeHtml(failure(res))}`,
      );
    }
    return reply(deps, chatId, parts.join('\n\n') || 'No instances.');
  }
  const cmd: AdminCommand = {
    command: parsed.command,
    instanceId: parsed.instanceId!,
    caller,
    ...(parsed.reason ? { reason: parsed.reason } : {}),
    ...(parsed.urgency ? { urgency: parsed.urgency } : {}),
    ...(CONFIRMED_IN_CHAT.has(parsed.command) ? { askConfirmation: true } : {}),
  };
  const res = await deps.admin(cmd);
  if (!res.ok && !('needsConfirmation' in res))
    return reply(deps, chatId, `Failed: ${escapeHtml(res.error)}`);
  if (!res.ok) {
    const data = confirmData(parsed.command, cmd.instanceId, res.confirm, parsed.urgency);
    return reply(
      deps,
      chatId,
      `<b>${escapeHtml(label(parsed.command, parsed.urgency))}</b> on <b>${escapeHtml(cmd.instanceId)}</b>? Confirm within 5 minutes; any change to the instance first voids this.`,
      [
        { text: `Confirm ${label(parsed.command, parsed.urgency)}`, data },
        { text: 'Cancel', data: 'no' },
      ],
    );
  }
  return reply(deps, chatId, done(res));
}

async function onButton(deps: ChatDeps, update: Extract<ChatUpdate, { kind: 'callback' }>): Promise<void> {
  const ack = (text: string) =>
    deps.chat.answerCallback(update.callbackId, text).catch((e: unknown) =>
      deps.logger.warn('telegram callback answer failed', {
        error: e instanceof Error ? e.message : String(e),
      }),
    );
  if (update.data === 'no') {
    await ack('Cancelled');
    return reply(deps, update.chatId, 'Cancelled: nothing was done.');
  }
  const parsed = parseConfirmData(update.data);
  if (!parsed) {
    await ack('Unknown button');
    return;
  }
  const res = await deps.admin({
    command: parsed.command,
    instanceId: parsed.instanceId,
    confirm: parsed.token,
    caller: callerOf(update.from, update.chatId),
    ...(parsed.urgency ? { urgency: parsed.urgency } : {}),
    ...(CONFIRMED_IN_CHAT.has(parsed.command) ? { askConfirmation: true } : {}),
  });
  if (!res.ok && !('needsConfirmation' in res)) {
    await ack('Failed');
    return reply(deps, update.chatId, `Failed: ${escapeHtml(res.error)}`);
  }
  if (!res.ok) {
    await ack('Expired');
    return reply(
      deps,
      update.chatId,
      `Not done: that confirmation of ${escapeHtml(label(parsed.command, parsed.urgency))} on <b>${escapeHtml(parsed.instanceId)}</b> expired, was used, or the instance changed since. Send the command again.`,
    );
  }
  await ack('Done');
  return reply(deps, update.chatId, done(res));
}

function failure(res: Exclude<AdminReply, { ok: true }>): string {
  return 'error' in res ? res.error : res.message;
}

function label(command: ChatCommandName, urgency?: 'normal' | 'emergency'): string {
  if (command === 'close-all') return urgency === 'normal' ? 'close all (normal)' : 'close all';
  return command === 'reset-counters' ? 'reset counters' : command;
}

function done(res: Extract<AdminResult, { ok: true }>): string {
  return `✅ <b>${escapeHtml(res.command)}</b> on <b>${escapeHtml(res.instanceId)}</b> done.\n<pre>${escapeHtml(brief(res.detail))}</pre>`;
}

/** A command's answer, shortened for a phone: the top-level facts, nested ones summarized. */
function brief(detail: unknown, max = 1500): string {
  if (detail === null || typeof detail !== 'object') return String(detail);
  const lines: string[] = [];
  for (const [k, v] of Object.entries(detail as Record<string, unknown>)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'object')
      lines.push(`${k}: ${Array.isArray(v) ? `${v.length} item(s)` : JSON.stringify(v).slice(0, 120)}`);
    else lines.push(`${k}: ${String(v)}`);
  }
  const text = lines.join('\n');
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function formatStatus(instanceId: string, detail: unknown): string {
  return `<b>${escapeHtml(instanceId)}</b>\n<pre>${escapeHtml(brief(detail, 1200))}</pre>`;
}

/**
 * Alerts to the allowed chats: filtered by the config, gathered per batch window (a critical one goes
 * at once), at most `max_messages_per_minute` messages a minute; `flush` sends what is held now.
 */
/**
 * One batch of alerts gathered elsewhere (in AWS: from the alert topic through a queue) as one message to
 * every allowed chat. Rejects only when no chat could be reached, so the batch is tried again.
 */
export async function forwardAlertBatch(
  chat: ChatPort,
  config: TelegramConfig,
  alerts: readonly Alert[],
  logger: Logger,
  metrics?: Metrics,
): Promise<{ sent: number; alerts: number }> {
  const wanted = alerts.filter((a) => wantsAlert(a, config.alerts));
  if (wanted.length === 0) return { sent: 0, alerts: 0 };
  const text = formatAlerts(wanted);
  const results = await Promise.allSettled(config.chats.map((chatId) => chat.send(chatId, text)));
  results.forEach((r, i) => {
    if (r.status === 'rejected') {
      metrics?.put('TelegramSendFailures', 1, 'Count');
      logger.error('telegram alert failed', {
        chat: config.chats[i] ?? null,
        alerts: wanted.length,
        error: r.reason instanceof Error ? r.reason.message : String(r.reason),
      });
    }
  });
  const sent = results.filter((r) => r.status === 'fulfilled').length;
  metrics?.put('TelegramAlertMessages', sent, 'Count');
  if (sent === 0) throw new Error(`no allowed chat could be sent the ${wanted.length} alert(s)`);
  return { sent, alerts: wanted.length };
}

/** How long a final flush waits for Telegram. */
export const FLUSH_DEADLINE_MS = 5_000;

export class TelegramNotifier implements Notifier {
  readonly #batcher: AlertBatcher;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly chat: ChatPort,
    private readonly config: TelegramConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
  ) {
    this.#batcher = new AlertBatcher({
      windowMs: config.batch_seconds * 1000,
      maxPerMinute: config.max_messages_per_minute,
    });
  }

  async notify(alert: Alert): Promise<void> {
    if (!wantsAlert(alert, this.config.alerts)) return;
    this.#batcher.add(alert, this.clock.now());
    this.#schedule();
  }

  /**
   * Sends what is held now, window and per-minute limit aside (a Lambda invocation is ending), waiting at
   * most `deadlineMs` for Telegram: a slow Bot API must not hold a trading process past its timeout (what
   * is still in flight then is logged as it ends).
   */
  async flush(deadlineMs = FLUSH_DEADLINE_MS): Promise<void> {
    this.#cancel();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
      timer.unref?.();
    });
    await Promise.race([this.#send(true).then(() => this.#sending), late]);
    clearTimeout(timer);
    if (this.#batcher.pending > 0) this.#schedule();
  }

  /** Stops the timer (what is pending stays unsent: call `flush` first). */
  close(): void {
    this.#cancel();
  }

  #cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    const now = this.clock.now();
    const due = this.#batcher.dueAt(now);
    if (due === null) return;
    this.#cancel();
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        // Never an unhandled rejection: this runs in the trading processes.
        void this.#send(false)
          .catch((e: unknown) =>
            this.logger.error('telegram alert batch failed', {
              error: e instanceof Error ? e.message : String(e),
            }),
          )
          .then(() => this.#schedule());
      },
      Math.max(0, due - now),
    );
    this.#timer.unref?.();
  }

  async #send(force: boolean): Promise<void> {
    const batch = this.#batcher.take(this.clock.now(), force);
    if (!batch) return;
    const text = formatAlerts(batch);
    // Every chat at once: one slow chat does not hold the others back.
    const run = this.#sending.then(async () => {
      await Promise.all(
        this.config.chats.map(async (chatId) => {
          try {
            await this.chat.send(chatId, text);
            this.metrics?.put('TelegramAlertMessages', 1, 'Count');
          } catch (e) {
            this.metrics?.put('TelegramSendFailures', 1, 'Count');
            this.logger.error('telegram alert failed', {
              chat: chatId,
              alerts: batch.length,
              error: e instanceof Error ? e.message : String(e),
            });
          }
        }),
      );
    });
    this.#sending = run;
    await run;
  }
}

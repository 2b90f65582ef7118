/**
 * `telegram:` in the deployment config: which chats the bot answers and forwards alerts to, which alerts
 * go, and how a burst is held together. The bot token and the webhook's secret token are not here: they
 * are secrets (`gridbot/telegram` in AWS; `GRIDBOT_TELEGRAM_TOKEN` / `GRIDBOT_TELEGRAM_WEBHOOK_SECRET`
 * locally).
 *
 * Entry points: `telegramSchema`, `TelegramConfig`.
 */
import { z } from 'zod';

/** Telegram chat ids: users are positive, groups negative (supergroups −100…). */
const chatId = z
  .number({ message: 'must be a Telegram chat id (a number), e.g. 123456789 or -1001234567890' })
  .int({ message: 'must be a whole number (a Telegram chat id)' })
  .refine((n) => n !== 0, { message: 'must be a Telegram chat id, not 0' });

export const telegramSchema = z
  .object({
    /** The allow-list: only these chats are answered, and alerts go to each of them. */
    chats: z
      .array(chatId)
      .min(1, { message: 'list at least one chat id (message @userinfobot to learn yours)' })
      .max(10, { message: 'at most 10 chats' }),
    users: z
      .array(
        z
          .number({ message: 'must be a Telegram user id (a number)' })
          .int({ message: 'must be a whole number (a Telegram user id)' })
          .positive({ message: 'must be a Telegram user id (positive)' }),
      )
      .min(1, { message: 'list at least one user id, or leave `users` out' })
      .optional()
      .describe(
        'Who may command, by Telegram user id (default: anyone in an allowed chat). Set it when a chat is a group: otherwise every member, new ones included, can `/closeall`.',
      ),
    alerts: z
      .object({
        min_severity: z
          .enum(['info', 'warning', 'critical'])
          .default('warning')
          .describe('The least severe alert forwarded.'),
        codes: z
          .array(
            z
              .string()
              .regex(/^[a-z0-9_]{1,64}$/, { message: 'must be an alert code, e.g. "stop_loss_triggered"' }),
          )
          .optional()
          .describe('Only these alert codes (default: every code at or above `min_severity`).'),
        exclude_codes: z
          .array(z.string().regex(/^[a-z0-9_]{1,64}$/, { message: 'must be an alert code' }))
          .default([])
          .describe('Never these codes.'),
        fills: z.boolean().default(false).describe('Fills too (one line each, batched like alerts).'),
      })
      .strict()
      .default({ min_severity: 'warning', exclude_codes: [], fills: false }),
    batch_seconds: z
      .number()
      .int({ message: 'must be whole seconds, e.g. 10' })
      .min(1, { message: 'must be at least 1 second' })
      .max(300, { message: 'must be at most 300 seconds' })
      .default(10)
      .describe(
        'How long alerts are gathered into one message after the first of a burst (critical ones go at once).',
      ),
    max_messages_per_minute: z
      .number()
      .int({ message: 'must be a whole number, e.g. 12' })
      .min(1, { message: 'must be at least 1' })
      .max(20, { message: 'must be at most 20 (Telegram limits a group to about 20 a minute)' })
      .default(12)
      .describe('Messages per minute per chat at most (Telegram allows about 20 in a group).'),
    commands: z
      .boolean()
      .default(true)
      .describe('Operator commands from the allowed chats (`/status`, `/pause`, …); off: alerts only.'),
  })
  .strict();

export type TelegramConfig = z.infer<typeof telegramSchema>;

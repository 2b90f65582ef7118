/**
 * The Telegram function's runtime (AWS): one function for two sources.
 *  - **Webhook calls** (a function URL, when commands are on): checked and answered by `answerWebhook`;
 *    commands go to each instance's admin function.
 *  - **Alerts**: the alert topic delivers into a queue that hands this function a batch of up to 100
 *    messages gathered over `batch_seconds`; each batch goes out as one message per allowed chat. No
 *    trading process talks to Telegram or holds its token. A malformed message is counted and dropped;
 *    a batch no chat could receive fails, so the queue delivers it again (and parks it after a few tries).
 *
 * It reads the deployment config (telegram settings, instance ids) and the `gridbot/telegram` secret.
 *
 * Entry points: `telegramHandler`, `alertsFromQueue`.
 */
import { z } from 'zod';
import { PowertoolsLogger } from '../adapters/logging/index.js';
import { EmfMetrics } from '../adapters/metrics/index.js';
import { registeringSecrets, SecretsManagerSecrets } from '../adapters/secrets/index.js';
import { forwardAlertBatch } from '../application/telegram.js';
import type { Alert } from '../domain/commands.js';
import type { Logger } from '../ports/logger.js';
import { deploymentConfigFromEnv } from './deployment-source.js';
import {
  answerWebhook,
  type FunctionUrlEvent,
  lambdaAdmin,
  type TelegramLink,
  telegramLink,
} from './telegram.js';

type Env = Readonly<Record<string, string | undefined>>;

interface Runtime {
  readonly link: TelegramLink;
  readonly instanceIds: readonly string[];
  readonly logger: PowertoolsLogger;
  readonly metrics: EmfMetrics;
  readonly admin: ReturnType<typeof lambdaAdmin>;
}

function build(env: Env): Runtime {
  const logger = new PowertoolsLogger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'gridbot-telegram' });
  const metrics = new EmfMetrics({ logger });
  const deployment = deploymentConfigFromEnv(env);
  const secrets = registeringSecrets(
    new SecretsManagerSecrets({
      accounts: deployment.accounts,
      region: env.AWS_REGION ?? deployment.region,
      ...(env.GRIDBOT_SECRETS_ENDPOINT ? { endpoint: env.GRIDBOT_SECRETS_ENDPOINT } : {}),
    }),
  );
  const link = telegramLink(deployment, secrets, logger, env);
  if (!link) throw new Error('the deployment config has no telegram section');
  return {
    link,
    instanceIds: deployment.instances.map((i) => i.id),
    logger,
    metrics,
    admin: lambdaAdmin(env),
  };
}

const alertSchema = z.object({
  instanceId: z.string().min(1).max(100),
  severity: z.enum(['info', 'warning', 'critical']),
  code: z.string().min(1).max(100),
  message: z.string().max(10_000),
  data: z.record(z.string(), z.unknown()).optional(),
});

/** An SQS record whose body is an SNS notification (not raw delivery) carrying the `alert` attribute. */
export interface QueueRecord {
  readonly messageId?: string;
  readonly body: string;
}

/** The alerts of a batch, in order; a record that is not one is logged and counted, and skipped. */
export function alertsFromQueue(
  records: readonly QueueRecord[],
  logger: Logger,
): { alerts: Alert[]; bad: number } {
  const alerts: Alert[] = [];
  let bad = 0;
  for (const r of records) {
    try {
      const envelope = JSON.parse(r.body) as { MessageAttributes?: { alert?: { Value?: unknown } } };
      const raw = envelope.MessageAttributes?.alert?.Value;
      if (typeof raw !== 'string') throw new Error('no alert attribute');
      const a = alertSchema.parse(JSON.parse(raw));
      alerts.push({
        kind: 'Alert',
        instanceId: a.instanceId,
        severity: a.severity,
        code: a.code,
        message: a.message,
        data: Object.fromEntries(
          Object.entries(a.data ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
        ),
      });
    } catch (e) {
      bad += 1;
      logger.warn('telegram: a queued message is not an alert; dropped', {
        messageId: r.messageId ?? null,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
  return { alerts, bad };
}

/** The handler: one runtime per container. */
export function telegramHandler(env: Env = process.env) {
  let rt: Runtime | undefined;
  return async (
    event: FunctionUrlEvent | { readonly Records: readonly QueueRecord[] },
  ): Promise<{ statusCode: number; body: string } | { forwarded: number }> => {
    rt ??= build(env);
    try {
      if ('Records' in event) {
        const { alerts, bad } = alertsFromQueue(event.Records, rt.logger);
        if (bad > 0) rt.metrics.put('TelegramBadAlerts', bad, 'Count');
        const out = await forwardAlertBatch(rt.link.chat, rt.link.config, alerts, rt.logger, rt.metrics);
        return { forwarded: out.alerts };
      }
      return await answerWebhook(event, rt.link, {
        admin: rt.admin,
        instanceIds: rt.instanceIds,
        logger: rt.logger,
        metrics: rt.metrics,
      });
    } finally {
      await rt.metrics.flush();
    }
  };
}

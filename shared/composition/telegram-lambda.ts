/**
 * The Telegram webhook Lambda's runtime: the deployment config (telegram settings, instance ids), the
 * `gridbot/telegram` secret, Powertools logs and EMF metrics, and the admin runner that invokes each
 * instance's admin function. No table, no exchange: commands act through the admin functions.
 *
 * Entry points: `telegramWebhookHandler`.
 */
import { PowertoolsLogger } from '../adapters/logging/index.js';
import { EmfMetrics } from '../adapters/metrics/index.js';
import { registeringSecrets, SecretsManagerSecrets } from '../adapters/secrets/index.js';
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

/** The handler: one runtime per container, each call checked and answered by `answerWebhook`. */
export function telegramWebhookHandler(env: Env = process.env) {
  let rt: Runtime | undefined;
  return async (event: FunctionUrlEvent): Promise<{ statusCode: number; body: string }> => {
    rt ??= build(env);
    try {
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

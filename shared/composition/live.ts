/**
 * The AWS composition root: the adapters a Lambda or the Fargate stream worker runs with. Chosen here and
 * nowhere else. Everything is read from the environment CDK sets:
 *  - `GRIDBOT_CONFIG` (deployment config, JSON), `GRIDBOT_TABLE`, `GRIDBOT_TOPIC_ARN`, `AWS_REGION`,
 *    `GRIDBOT_METRICS` (`all`, or the per-instance metrics to publish);
 *  - overrides for running the same code against local servers (tests, laptops):
 *    `GRIDBOT_DYNAMO_ENDPOINT`, `GRIDBOT_SECRETS_ENDPOINT`, `GRIDBOT_SNS_ENDPOINT`, `GRIDBOT_API_URLS`.
 * The deployed instance configs are written to the store at start (the store's CONFIG items follow the
 * deployment), and every account's credentials are loaded once and registered with the log redactor.
 */

import { SystemClock } from '../adapters/clock/system-clock.js';
import { createDynamoStateStore } from '../adapters/dynamodb/index.js';
import { PowertoolsLogger } from '../adapters/logging/index.js';
import { EmfMetrics } from '../adapters/metrics/index.js';
import { LogNotifier, SnsNotifier } from '../adapters/notify/index.js';
import { registeringSecrets, SecretsManagerSecrets } from '../adapters/secrets/index.js';
import type { AppContext } from '../application/context.js';
import type { DeploymentConfig } from '../domain/config/deployment.js';
import type { ExchangePort } from '../ports/exchange.js';
import { breakerAlerts } from './breaker-exchange.js';
import { deploymentConfigFromEnv } from './deployment-source.js';
import { apiUrlsFromEnv, buildExchanges, tradedAccounts } from './exchanges.js';
import { reportsFor, withMailedAlerts } from './reports.js';
import { runtimeContext } from './runtime-context.js';

export interface LiveRuntime {
  readonly ctx: AppContext;
  readonly deployment: DeploymentConfig;
  readonly logger: PowertoolsLogger;
  readonly metrics: EmfMetrics;
  readonly exchanges: readonly ExchangePort[];
  close(): Promise<void>;
}

type Env = Readonly<Record<string, string | undefined>>;

export async function buildLiveRuntime(service: string, env: Env = process.env): Promise<LiveRuntime> {
  const logger = new PowertoolsLogger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? `gridbot-${service}` });
  // No default dimension beyond EmfMetrics' `service`: the CDK dashboards and alarms (lib/runtime-contract.ts)
  // query exactly `{ instance, service }` and `{ account, service }`, and CloudWatch matches full dimension sets.
  // GRIDBOT_METRICS: `all`, or the per-instance metrics to publish (CDK sets the alarms' when there are no
  // dashboards); the other per-instance figures go to the log as JSON lines.
  const published = env.GRIDBOT_METRICS?.trim();
  const metrics = new EmfMetrics({
    logger,
    ...(published && published !== 'all'
      ? { instanceMetrics: new Set(published.split(',').map((m) => m.trim())) }
      : {}),
  });
  const deployment = deploymentConfigFromEnv(env);
  const tableName = env.GRIDBOT_TABLE;
  if (!tableName) throw new Error('GRIDBOT_TABLE is not set: name the DynamoDB table');
  const region = env.AWS_REGION ?? deployment.region;
  const clock = new SystemClock();
  const store = createDynamoStateStore({
    tableName,
    region,
    ...(env.GRIDBOT_DYNAMO_ENDPOINT ? { endpoint: env.GRIDBOT_DYNAMO_ENDPOINT } : {}),
  });
  const secrets = registeringSecrets(
    new SecretsManagerSecrets({
      accounts: deployment.accounts,
      proxies: deployment.proxies,
      region,
      ...(env.GRIDBOT_SECRETS_ENDPOINT ? { endpoint: env.GRIDBOT_SECRETS_ENDPOINT } : {}),
    }),
  );
  const reports = reportsFor(deployment, secrets, env, region);
  const sns = env.GRIDBOT_TOPIC_ARN
    ? new SnsNotifier({
        topicArn: env.GRIDBOT_TOPIC_ARN,
        region,
        logger,
        metrics,
        ...(env.GRIDBOT_SNS_ENDPOINT ? { endpoint: env.GRIDBOT_SNS_ENDPOINT } : {}),
      })
    : new LogNotifier(logger);
  // Telegram gets the alerts from the topic (SNS → SQS → the Telegram function, batched there): no
  // trading process talks to Telegram or holds its token.
  const notifier = withMailedAlerts(sns, reports, logger);
  const exchanges = await buildExchanges({
    onUnavailable: 'defer',
    ...tradedAccounts(deployment),
    secrets,
    clock,
    logger,
    apiUrls: apiUrlsFromEnv(env),
    breaker: breakerAlerts(deployment, notifier, logger, metrics),
    metrics,
  });
  const ctx = await runtimeContext(
    { store, exchanges: exchanges.resolve, clock, notifier, metrics, logger, reports },
    deployment,
  );
  return {
    ctx,
    deployment,
    logger,
    metrics,
    exchanges: exchanges.all,
    close: async () => {
      await notifier.flush?.();
      await metrics.flush();
      await Promise.all(exchanges.all.map((x) => x.close()));
    },
  };
}

let cached: Promise<LiveRuntime> | undefined;

/** One runtime per Lambda container / process (reused across invocations). */
export function liveRuntime(service: string, env: Env = process.env): Promise<LiveRuntime> {
  cached ??= buildLiveRuntime(service, env).catch((e) => {
    cached = undefined;
    throw e;
  });
  return cached;
}

/** Forget the cached runtime (tests that run handlers with different environments). */
export async function resetLiveRuntime(): Promise<void> {
  const current = cached;
  cached = undefined;
  if (current) await (await current.catch(() => null))?.close();
}

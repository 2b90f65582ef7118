/**
 * The Telegram function (issue 20): one Lambda for the whole deployment, the only thing that talks to
 * Telegram or may read the bot's secret.
 *  - **Alerts**: the alert topic delivers into a queue (encrypted, with a dead-letter queue) that hands
 *    the function up to 100 messages gathered over `batch_seconds`: one message per chat per batch.
 *  - **Commands** (when on): a public function URL. Telegram POSTs updates with the secret token set at
 *    `setWebhook`; the function checks it before anything else (the URL must be public: Telegram calls it
 *    without AWS credentials) and carries commands from the allowed chats to the admin function of the
 *    account each instance trades on.
 * Its role may do exactly this: write its log group, read `gridbot/telegram`, consume its queue, invoke
 * those admin functions. No exchange key, no table access; the deployment config (telegram settings,
 * instance ids) arrives in its own layer.
 */
import { type CfnElement, CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import { FunctionUrlAuthType, type IFunction, type ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { cdkBundling, FUNCTION_BASICS } from '../bundling/lambda-bundling.js';
import { NAG_REASONS } from '../nag-reasons.js';
import { ENV, LAMBDA_CONFIG_PATH, METRICS_NAMESPACE } from '../runtime-contract.js';
import { functionLogsAndRole } from './function-role.js';

/** Concurrent webhook calls at most (reserved from the account's Lambda concurrency). */
export const WEBHOOK_CONCURRENCY = 2;

export interface TelegramWebhookProps {
  readonly deploymentName: string;
  /** The alert topic: its alerts reach Telegram through a queue. */
  readonly topic: ITopic;
  /** How long the queue gathers alerts into one batch (`telegram.batch_seconds`, at most 300). */
  readonly batchSeconds: number;
  /** Serve commands (a function URL for Telegram's webhook). */
  readonly commands: boolean;
  readonly entry: string;
  readonly configLayer: ILayerVersion;
  readonly secret: ISecret;
  /** The admin function of each instance (the account its first leg trades on). */
  readonly adminFunctions: ReadonlyMap<string, IFunction>;
  readonly logRetention: RetentionDays;
}

export class TelegramWebhook extends Construct {
  readonly fn: NodejsFunction;
  readonly url: string | undefined;
  readonly queue: Queue;

  constructor(scope: Construct, id: string, props: TelegramWebhookProps) {
    super(scope, id);
    const { logGroup, role } = functionLogsAndRole(this, {
      logRetention: props.logRetention,
      description:
        'gridbot Telegram: reads its secret, consumes the alert queue, invokes the admin functions',
    });
    props.secret.grantRead(role);
    for (const fn of new Set(props.adminFunctions.values())) {
      fn.grantInvoke(role);
      const logicalId = Stack.of(this).getLogicalId(fn.node.defaultChild as CfnElement);
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason: NAG_REASONS.invokeVersions,
      });
    }
    this.fn = new NodejsFunction(this, 'Function', {
      description: 'gridbot Telegram: alerts to the allowed chats, commands from them',
      entry: props.entry,
      ...FUNCTION_BASICS,
      memorySize: 256,
      // A command waits for its admin function (close-all hands over and returns); Telegram retries a
      // webhook that does not answer, so the bound stays under its patience.
      timeout: Duration.seconds(55),
      retryAttempts: 0,
      // The URL is public: a flood of calls (each refused) must not take the concurrency the trading
      // functions need. At most this many run at once; Telegram retries what is throttled.
      reservedConcurrentExecutions: WEBHOOK_CONCURRENCY,
      role,
      logGroup,
      layers: [props.configLayer],
      bundling: cdkBundling(null),
      environment: {
        [ENV.config]: LAMBDA_CONFIG_PATH,
        [ENV.serviceName]: 'gridbot-telegram',
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        GRIDBOT_ADMIN_FUNCTIONS: JSON.stringify(
          Object.fromEntries([...props.adminFunctions].map(([instance, fn]) => [instance, fn.functionName])),
        ),
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    // Alerts: topic → queue (a batch window) → this function; what fails five times is parked.
    const parked = new Queue(this, 'AlertsParked', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(parked).acknowledge({ id: 'AwsSolutions-SQS3', reason: NAG_REASONS.deadLetterQueue });
    this.queue = new Queue(this, 'Alerts', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Longer than the function's timeout, as Lambda requires of an event source queue.
      visibilityTimeout: Duration.seconds(6 * 55),
      deadLetterQueue: { queue: parked, maxReceiveCount: 5 },
    });
    props.topic.addSubscription(new SqsSubscription(this.queue));
    this.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(Math.min(300, Math.max(1, props.batchSeconds))),
      }),
    );
    if (!props.commands) {
      this.url = undefined;
      return;
    }
    const url = this.fn.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    this.url = url.url;
    new CfnOutput(this, 'Url', {
      value: url.url,
      description:
        'Telegram webhook URL: put the bot token in the gridbot/telegram secret (username), then register it with `gridbot telegram-webhook --aws --url <this>`',
    });
  }
}

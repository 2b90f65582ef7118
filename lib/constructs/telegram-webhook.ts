/**
 * The Telegram webhook (issue 20): one Lambda behind a function URL, for the whole deployment. Telegram
 * POSTs updates to the URL with the secret token set at `setWebhook`; the function checks it, and carries
 * commands from the allowed chats to the admin function of the account each instance trades on. Its role
 * may do exactly this: write its log group, read the `gridbot/telegram` secret, invoke those admin
 * functions. It holds no exchange key and no table access; the deployment config (telegram settings and
 * instance ids) arrives in its own layer.
 *
 * The URL is public by necessity (Telegram calls it without AWS credentials): the secret-token header is
 * the authentication, checked before anything else.
 */
import { type CfnElement, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  FunctionUrlAuthType,
  type IFunction,
  type ILayerVersion,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { cdkBundling, LAMBDA_RUNTIME, REPO_ROOT } from '../bundling/lambda-bundling.js';
import { NAG_REASONS } from '../nag-reasons.js';
import { ENV, LAMBDA_CONFIG_PATH, METRICS_NAMESPACE } from '../runtime-contract.js';

/** Concurrent webhook calls at most (reserved from the account's Lambda concurrency). */
export const WEBHOOK_CONCURRENCY = 2;

export interface TelegramWebhookProps {
  readonly deploymentName: string;
  readonly entry: string;
  readonly configLayer: ILayerVersion;
  readonly secret: ISecret;
  /** The admin function of each instance (the account its first leg trades on). */
  readonly adminFunctions: ReadonlyMap<string, IFunction>;
  readonly logRetention: RetentionDays;
}

export class TelegramWebhook extends Construct {
  readonly fn: NodejsFunction;
  readonly url: string;

  constructor(scope: Construct, id: string, props: TelegramWebhookProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'gridbot Telegram webhook: reads its secret, invokes the admin functions',
    });
    logGroup.grantWrite(role);
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
      description: 'gridbot Telegram webhook',
      entry: props.entry,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}/package-lock.json`,
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
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
    const url = this.fn.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    this.url = url.url;
    new CfnOutput(this, 'Url', {
      value: url.url,
      description:
        'Telegram webhook URL: put the bot token in the gridbot/telegram secret (username), then register it with `gridbot telegram-webhook --aws --url <this>`',
    });
  }
}

/**
 * One gridbot Lambda: a role (recon, recompute, risk, admin) for one exchange account. ARM64, Node 24,
 * bundled locally by esbuild with only that account's ccxt exchange class (lib/bundling/lambda-bundling.ts),
 * source maps on, its own log group with a retention, and a role that may do exactly this:
 *  - write its own log group;
 *  - the state store's four item actions on the items of its own account's instances only
 *    (`table-access.ts`: a leading-key condition), and its own job's claims;
 *  - read its account's secret, and those of the other accounts its instances' legs trade on, and no other;
 *  - publish to the alert topic.
 * The deployment config for its account arrives in a layer at /opt/gridbot/config.json.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { cdkBundling, FUNCTION_BASICS, LIGHTER_SIGNER_DIR } from '../bundling/lambda-bundling.js';
import type { Venue } from '../config/deployment-input.js';
import { NAG_REASONS } from '../nag-reasons.js';
import { ENV, type FunctionRole, LAMBDA_CONFIG_PATH, METRICS_NAMESPACE } from '../runtime-contract.js';
import { functionLogsAndRole } from './function-role.js';
import { grantScopedTableAccess } from './table-access.js';

interface RoleSettings {
  readonly timeout: Duration;
  /** Lambda's own retries of a failed asynchronous invocation. */
  readonly retryAttempts: number;
  readonly maxEventAge: Duration;
}

/**
 * recon: the next tick is the retry, and a late one would race it (the second-pass queue does not retry
 * either); nothing in it waits, the timeout is room for slow exchange calls. recompute and risk: one retry
 * soon after a failure beats waiting an interval.
 */
export const ROLE_SETTINGS: Record<FunctionRole, RoleSettings> = {
  recon: { timeout: Duration.seconds(60), retryAttempts: 0, maxEventAge: Duration.seconds(60) },
  recompute: { timeout: Duration.seconds(120), retryAttempts: 1, maxEventAge: Duration.minutes(10) },
  risk: { timeout: Duration.seconds(60), retryAttempts: 1, maxEventAge: Duration.minutes(5) },
  admin: { timeout: Duration.seconds(300), retryAttempts: 0, maxEventAge: Duration.seconds(60) },
};

export const FUNCTION_MEMORY_MB = 512;

/** The claim each role takes (`application/scheduled.ts` jobs; the admin's one-use confirmations). */
const ROLE_CLAIMS: Record<FunctionRole, string> = {
  recon: 'recon',
  recompute: 'recompute',
  risk: 'risk',
  admin: 'confirm',
};

export interface NetworkPlacement {
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection;
  readonly securityGroup: ISecurityGroup;
}

export interface ScheduledFunctionProps {
  readonly deploymentName: string;
  readonly role: FunctionRole;
  readonly accountId: string;
  /** The account's instances: the only state items the function may touch. */
  readonly instanceIds: readonly string[];
  readonly venue: Venue;
  readonly entry: string;
  readonly configLayer: ILayerVersion;
  readonly table: ITableV2;
  /** Its account's secret first, then every other account a leg of its instances trades on. */
  readonly secrets: readonly ISecret[];
  readonly topic: ITopic;
  readonly logRetention: RetentionDays;
  /** Run inside the VPC (fixed egress IP); outside any VPC when absent. */
  readonly network?: NetworkPlacement | undefined;
  /** `ENV.metrics`: `all`, or the per-instance metric names to publish (the alarms' when no dashboards). */
  readonly metrics: string;
}

export class ScheduledFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ScheduledFunctionProps) {
    super(scope, id);
    const settings = ROLE_SETTINGS[props.role];
    const { logGroup, role } = functionLogsAndRole(this, {
      logRetention: props.logRetention,
      description: `gridbot ${props.role} for account ${props.accountId}`,
    });
    this.logGroup = logGroup;
    grantScopedTableAccess(props.table, role, {
      accounts: [props.accountId],
      instances: props.instanceIds,
      claims: [ROLE_CLAIMS[props.role]],
    });
    for (const secret of props.secrets) secret.grantRead(role);
    props.topic.grantPublish(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: NAG_REASONS.kmsPublish,
    });
    if (props.network) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: NAG_REASONS.lambdaEni,
      });
      // What AWSLambdaVPCAccessExecutionRole grants, inline: Lambda attaches ENIs with generated ids.
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }

    this.fn = new NodejsFunction(this, 'Function', {
      ...(props.role === 'admin' ? { functionName: `${props.deploymentName}-admin-${props.accountId}` } : {}),
      description: `gridbot ${props.role}, account ${props.accountId} (${props.venue})`,
      entry: props.entry,
      ...FUNCTION_BASICS,
      memorySize: FUNCTION_MEMORY_MB,
      timeout: settings.timeout,
      retryAttempts: settings.retryAttempts,
      maxEventAge: settings.maxEventAge,
      role,
      logGroup: this.logGroup,
      layers: [props.configLayer],
      bundling: cdkBundling(props.venue),
      environment: {
        [ENV.table]: props.table.tableName,
        [ENV.topicArn]: props.topic.topicArn,
        [ENV.config]: LAMBDA_CONFIG_PATH,
        [ENV.serviceName]: `gridbot-${props.role}`,
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        [ENV.metrics]: props.metrics,
        NODE_OPTIONS: '--enable-source-maps',
        ...(props.venue === 'lighter'
          ? { GRIDBOT_LIGHTER_SIGNER_DIR: `/var/task/${LIGHTER_SIGNER_DIR}` }
          : {}),
      },
      ...(props.network
        ? {
            vpc: props.network.vpc,
            vpcSubnets: props.network.subnets,
            securityGroups: [props.network.securityGroup],
          }
        : {}),
    });
  }
}

/**
 * The stream worker: one Fargate task (ARM64) holding every account's exchange streams and answering fills.
 *
 * Never two stream holders: desired count 1, minimum healthy 0 %, maximum 100 %, so a deployment stops the
 * old task before starting the new one (a short gap that recon covers; two holders would both react to the
 * same fill). The deployment circuit breaker rolls back a task that cannot start. The container's health
 * check calls `/healthz` on port 8080 inside the task; no port is published and the security group has no
 * ingress. SIGTERM gets 30 s to close streams and flush.
 *
 * The image is built from functions/stream-worker/Dockerfile at deploy time (synth only hashes the inputs);
 * the deployment config is a build argument written into the image, because a 100-instance config does not
 * fit the limits of environment variables.
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import {
  Cluster,
  ContainerImage,
  ContainerInsights,
  CpuArchitecture,
  FargateService,
  FargateTaskDefinition,
  LogDrivers,
  OperatingSystemFamily,
} from 'aws-cdk-lib/aws-ecs';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { REPO_ROOT } from '../bundling/lambda-bundling.js';
import { NAG_REASONS } from '../nag-reasons.js';
import {
  ENV,
  METRICS_NAMESPACE,
  STREAM_WORKER_DOCKERFILE,
  STREAM_WORKER_HEALTH_PATH,
  STREAM_WORKER_HEALTH_PORT,
  WORKER_CONFIG_PATH,
} from '../runtime-contract.js';
import type { Network } from './network.js';
import { grantScopedTableAccess } from './table-access.js';

export const WORKER_CPU = 256;
export const WORKER_MEMORY_MIB = 512;

export interface StreamWorkerServiceProps {
  readonly network: Network;
  readonly table: ITableV2;
  /** Every traded account and instance: the only state items the worker may touch. */
  readonly tableScope: { readonly accounts: readonly string[]; readonly instances: readonly string[] };
  readonly secrets: readonly ISecret[];
  readonly topic: ITopic;
  /** The whole deployment config, as the runtime parses it. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly logRetention: RetentionDays;
  readonly spot: boolean;
  /** ECS Container Insights on the cluster. */
  readonly containerInsights: boolean;
  /** `ENV.metrics`: `all`, or the per-instance metric names to publish (the alarms' when no dashboards). */
  readonly metrics: string;
  /** Build context and Dockerfile; tests point these at a fixture. */
  readonly buildContext?: string;
  readonly dockerfile?: string;
}

export class StreamWorkerService extends Construct {
  readonly cluster: Cluster;
  readonly service: FargateService;
  /** What the worker's code runs as (grants beyond the construct's own, e.g. sending reports). */
  readonly taskRole: IRole;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: StreamWorkerServiceProps) {
    super(scope, id);
    this.cluster = new Cluster(this, 'Cluster', {
      vpc: props.network.vpc,
      containerInsightsV2: props.containerInsights ? ContainerInsights.ENABLED : ContainerInsights.DISABLED,
      enableFargateCapacityProviders: props.spot,
    });
    if (!props.containerInsights)
      Validations.of(this.cluster).acknowledge({
        id: 'AwsSolutions-ECS4',
        reason: NAG_REASONS.containerInsights,
      });
    const task = new FargateTaskDefinition(this, 'Task', {
      cpu: WORKER_CPU,
      memoryLimitMiB: WORKER_MEMORY_MIB,
      runtimePlatform: {
        cpuArchitecture: CpuArchitecture.ARM64,
        operatingSystemFamily: OperatingSystemFamily.LINUX,
      },
    });
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const healthUrl = `http://127.0.0.1:${STREAM_WORKER_HEALTH_PORT}${STREAM_WORKER_HEALTH_PATH}`;
    task.addContainer('worker', {
      image: ContainerImage.fromAsset(props.buildContext ?? REPO_ROOT, {
        file: props.dockerfile ?? STREAM_WORKER_DOCKERFILE,
        platform: Platform.LINUX_ARM64,
        buildArgs: { GRIDBOT_CONFIG_JSON: JSON.stringify(props.config) },
      }),
      logging: LogDrivers.awsLogs({ streamPrefix: 'worker', logGroup: this.logGroup }),
      environment: {
        [ENV.table]: props.table.tableName,
        [ENV.topicArn]: props.topic.topicArn,
        [ENV.config]: WORKER_CONFIG_PATH,
        [ENV.serviceName]: 'gridbot-stream-worker',
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        [ENV.metrics]: props.metrics,
        AWS_REGION: Stack.of(this).region,
      },
      healthCheck: {
        command: [
          'CMD',
          'node',
          '-e',
          `fetch('${healthUrl}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
        ],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(60),
      },
      stopTimeout: Duration.seconds(30),
      readonlyRootFilesystem: true,
    });
    grantScopedTableAccess(props.table, task.taskRole, { ...props.tableScope, claims: [] });
    this.taskRole = task.taskRole;
    for (const secret of props.secrets) secret.grantRead(task.taskRole);
    props.topic.grantPublish(task.taskRole);
    Validations.of(task).acknowledge({ id: 'AwsSolutions-ECS2', reason: NAG_REASONS.workerEnv });
    Validations.of(task.taskRole).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: NAG_REASONS.kmsPublish,
    });
    Validations.of(task.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: NAG_REASONS.ecrAuthToken,
    });

    this.service = new FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: task,
      desiredCount: 1,
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      circuitBreaker: { enable: true, rollback: true },
      assignPublicIp: props.network.assignPublicIp,
      vpcSubnets: props.network.workloadSubnets,
      securityGroups: [props.network.securityGroup],
      enableExecuteCommand: false,
      ...(props.spot
        ? { capacityProviderStrategies: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] }
        : {}),
    });
  }
}

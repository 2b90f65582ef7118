/**
 * The Spot worker's on-demand fallback (only with `workerSpot`): ECS does not move a service to on-demand
 * Fargate when Spot has no capacity, so this does.
 *  - A rule on the default event bus takes the worker service's `ECS Service Action` events of
 *    `SERVICE_TASK_PLACEMENT_FAILURE` to a small function that moves the service to FARGATE (and alerts).
 *  - An hourly rule asks the same function to move it back to FARGATE_SPOT once it has run on demand for a
 *    day (`shared/application/worker-capacity.ts`).
 * What neither rule can deliver (the function failing after its retries) goes to the scheduler's
 * dead-letter queue, whose alarm already pages. AWS service events and scheduled rules on the default bus
 * cost nothing; the function runs ~730 times a month.
 * Its role may describe and update this one service and publish to the alert topic, nothing else.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { FargateService } from 'aws-cdk-lib/aws-ecs';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SPOT_RETRY_EVENT, WORKER_CAPACITY_ENV } from '../../shared/application/worker-capacity.js';
import { cdkBundling, FUNCTION_BASICS } from '../bundling/lambda-bundling.js';
import { NAG_REASONS } from '../nag-reasons.js';
import { ENV, METRICS_NAMESPACE } from '../runtime-contract.js';

/** How often the function is asked whether the worker may return to Spot. */
export const SPOT_RETRY_CHECK = Duration.hours(1);

export interface WorkerCapacityProps {
  readonly service: FargateService;
  readonly topic: ITopic;
  readonly deadLetterQueue: IQueue;
  readonly entry: string;
  readonly logRetention: RetentionDays;
}

export class WorkerCapacity extends Construct {
  readonly fn: NodejsFunction;
  readonly placementFailures: Rule;
  readonly spotRetry: Rule;

  constructor(scope: Construct, id: string, props: WorkerCapacityProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'gridbot worker capacity: moves the stream worker between Fargate Spot and on demand',
    });
    logGroup.grantWrite(role);
    role.addToPolicy(
      new PolicyStatement({
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        resources: [props.service.serviceArn],
      }),
    );
    props.topic.grantPublish(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: NAG_REASONS.kmsPublish,
    });
    this.fn = new NodejsFunction(this, 'Function', {
      description: 'gridbot worker capacity: the Spot worker falls back to on-demand Fargate and returns',
      entry: props.entry,
      ...FUNCTION_BASICS,
      memorySize: 256,
      timeout: Duration.seconds(30),
      role,
      logGroup,
      bundling: cdkBundling(null),
      environment: {
        [WORKER_CAPACITY_ENV.cluster]: props.service.cluster.clusterName,
        [WORKER_CAPACITY_ENV.service]: props.service.serviceName,
        [ENV.topicArn]: props.topic.topicArn,
        [ENV.serviceName]: 'gridbot-worker-capacity',
        [ENV.metricsNamespace]: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    const target = (event?: RuleTargetInput) =>
      new LambdaFunction(this.fn, {
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 4,
        maxEventAge: Duration.hours(1),
        ...(event ? { event } : {}),
      });
    this.placementFailures = new Rule(this, 'PlacementFailures', {
      description: 'gridbot: the stream worker could not be placed (no Fargate Spot capacity)',
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Service Action'],
        resources: [props.service.serviceArn],
        detail: { eventName: ['SERVICE_TASK_PLACEMENT_FAILURE'] },
      },
      targets: [target()],
    });
    this.spotRetry = new Rule(this, 'SpotRetry', {
      description: 'gridbot: may the stream worker return to Fargate Spot?',
      schedule: Schedule.rate(SPOT_RETRY_CHECK),
      targets: [target(RuleTargetInput.fromObject(SPOT_RETRY_EVENT))],
    });
  }
}

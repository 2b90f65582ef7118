/**
 * The Spot worker's on-demand fallback (only with `workerSpot`): ECS does not move a service to on-demand
 * Fargate when Spot has no capacity, so this does.
 *  - A rule on the default event bus takes the worker service's `ECS Service Action` events of
 *    `SERVICE_TASK_PLACEMENT_FAILURE` to a small function that moves the service to FARGATE (and alerts)
 *    when the reason is Fargate capacity.
 *  - Every 5 minutes a rule asks the same function to check: a Spot deployment with no task running or
 *    pending after 5 minutes moves to FARGATE too (an event missed); one that has run a day on demand
 *    moves back to FARGATE_SPOT (`shared/application/worker-capacity.ts`).
 * What cannot be delivered to the function, and what still fails in it after Lambda's two retries, goes
 * to the scheduler's dead-letter queue, whose alarm pages. AWS service events and scheduled rules on the
 * default bus cost nothing; the function runs ~8,800 times a month (≈ $0.01).
 * Its role may describe and update this one service, publish to the alert topic and send to that queue.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type { FargateService } from 'aws-cdk-lib/aws-ecs';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CAPACITY_CHECK_EVENT, WORKER_CAPACITY_ENV } from '../../shared/application/worker-capacity.js';
import { cdkBundling, FUNCTION_BASICS } from '../bundling/lambda-bundling.js';
import { NAG_REASONS } from '../nag-reasons.js';
import { ENV, METRICS_NAMESPACE } from '../runtime-contract.js';
import { functionLogsAndRole } from './function-role.js';

/** How often the function checks the worker's placement (a Spot task never placed; time to return to Spot). */
export const CAPACITY_CHECK_EVERY = Duration.minutes(5);

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
  readonly check: Rule;

  constructor(scope: Construct, id: string, props: WorkerCapacityProps) {
    super(scope, id);
    const { logGroup, role } = functionLogsAndRole(this, {
      logRetention: props.logRetention,
      description: 'gridbot worker capacity: moves the stream worker between Fargate Spot and on demand',
    });
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
    // What fails in the function after Lambda's own retries lands in the dead-letter queue (paged).
    this.fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: new SqsDestination(props.deadLetterQueue),
    });
    // ...and so does what EventBridge could not hand to it.
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
    this.check = new Rule(this, 'Check', {
      description: 'gridbot: is the stream worker placed, and may it return to Fargate Spot?',
      schedule: Schedule.rate(CAPACITY_CHECK_EVERY),
      targets: [target(RuleTargetInput.fromObject(CAPACITY_CHECK_EVENT))],
    });
  }
}

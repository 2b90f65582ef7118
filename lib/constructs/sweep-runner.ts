/**
 * Parameter sweeps on AWS (`gridbot sweep --aws`, issue 22): a Step Functions Distributed Map over a Lambda
 * that runs one combination's simulation per item, inputs and results in one bucket.
 *  - **Bucket**: S3-managed encryption, TLS only, no public access, every object gone after
 *    `SWEEP_EXPIRY_DAYS` (inputs, result rows and map-run manifests are scratch: the CLI keeps the table).
 *  - **Item function**: the sweep item handler (`functions/sweep-item`), sized for a month of 1-minute
 *    candles (`SWEEP_FUNCTION`), its reserved concurrency the map's concurrency, so a sweep can never take
 *    the concurrency the trading functions need. Its role may write its log group, read `inputs/` and
 *    write `results/`, nothing else.
 *  - **State machine**: reads the execution's items.json (`{ "items": "<key>" }` as input), runs each item
 *    in a child workflow with retries for Lambda's transient errors, tolerates `SWEEP_TOLERATED_FAILURE_PCT`
 *    of failed items, writes the map run's results under `map-runs/`; every event logged, X-Ray traced.
 */
import { Duration, RemovalPolicy, Size, Stack, Token, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import {
  DefinitionBody,
  DistributedMap,
  JsonPath,
  LogLevel,
  ResultWriterV2,
  S3JsonItemReader,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { cdkBundling, FUNCTION_BASICS } from '../bundling/lambda-bundling.js';
import { NAG_REASONS } from '../nag-reasons.js';
import { SWEEP_ENV } from '../runtime-contract.js';
import { functionLogsAndRole } from './function-role.js';

export const SWEEP_EXPIRY_DAYS = 14;
export const SWEEP_TOLERATED_FAILURE_PCT = 10;
/** A month of 1-minute candles replays in well under a minute on a laptop core; 15 min is Lambda's limit. */
export const SWEEP_FUNCTION = {
  memoryMb: 2048,
  timeout: Duration.minutes(15),
  // Tick data of a month can run to hundreds of MB: room for it beside the candles.
  ephemeralStorage: Size.gibibytes(2),
} as const;
/** How long a whole sweep may run (10,000 combinations at the default concurrency fit). */
export const SWEEP_MAX_DURATION = Duration.hours(24);

const MAP_LABEL = 'combinations';

export interface SweepRunnerProps {
  readonly entry: string;
  /** Combinations run at once: the map's MaxConcurrency and the function's reserved concurrency. */
  readonly concurrency: number;
  readonly logRetention: RetentionDays;
}

export class SweepRunner extends Construct {
  readonly bucket: Bucket;
  readonly fn: NodejsFunction;
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: SweepRunnerProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [
        {
          expiration: Duration.days(SWEEP_EXPIRY_DAYS),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      // Scratch: the stack's deletion removes it once the lifecycle rule (or an `aws s3 rm`) emptied it.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.bucket).acknowledge({ id: 'AwsSolutions-S1', reason: NAG_REASONS.sweepAccessLogs });

    const { logGroup, role } = functionLogsAndRole(this, {
      logRetention: props.logRetention,
      description: 'gridbot sweep item: reads the sweep inputs, writes result rows',
      ids: { logs: 'ItemLogs', role: 'ItemRole' },
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects('inputs/*')],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': ['inputs/*'] } },
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('results/*')],
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(this.bucket)}.Arn>/inputs/*]`,
      reason: NAG_REASONS.sweepObjects,
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(this.bucket)}.Arn>/results/*]`,
      reason: NAG_REASONS.sweepObjects,
    });

    this.fn = new NodejsFunction(this, 'ItemFunction', {
      description: 'gridbot sweep item: one combination of a parameter sweep per invocation',
      entry: props.entry,
      ...FUNCTION_BASICS,
      memorySize: SWEEP_FUNCTION.memoryMb,
      timeout: SWEEP_FUNCTION.timeout,
      ephemeralStorageSize: SWEEP_FUNCTION.ephemeralStorage,
      reservedConcurrentExecutions: props.concurrency,
      // Step Functions retries what fails; Lambda's own retries apply to asynchronous calls only.
      retryAttempts: 0,
      role,
      logGroup,
      bundling: cdkBundling(null),
      environment: {
        [SWEEP_ENV.bucket]: this.bucket.bucketName,
        POWERTOOLS_SERVICE_NAME: 'gridbot-sweep-item',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });

    const runOne = new LambdaInvoke(this, 'RunCombination', {
      lambdaFunction: this.fn,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    const map = new DistributedMap(this, 'Combinations', {
      itemReader: new S3JsonItemReader({ bucket: this.bucket, key: JsonPath.stringAt('$.items') }),
      resultWriterV2: new ResultWriterV2({ bucket: this.bucket, prefix: 'map-runs' }),
      maxConcurrency: props.concurrency,
      toleratedFailurePercentage: SWEEP_TOLERATED_FAILURE_PCT,
      // Standard child workflows: an item may run up to Lambda's 15 minutes (express ones stop at 5).
      mapExecutionType: StateMachineType.STANDARD,
      label: MAP_LABEL,
    });
    map.itemProcessor(runOne);

    const machineLogs = new LogGroup(this, 'MachineLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromChainable(map),
      timeout: SWEEP_MAX_DURATION,
      tracingEnabled: true,
      logs: { destination: machineLogs, level: LogLevel.ALL, includeExecutionData: false },
    });
    this.acknowledgeMachineGrants();
  }

  /**
   * The grants Step Functions makes for a Distributed Map (`NAG_REASONS.sweepStateMachine`), by the exact
   * findings cdk-nag reports: the account is `<AWS::AccountId>` when synthesized without credentials.
   */
  private acknowledgeMachineGrants(): void {
    const stack = Stack.of(this);
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    const partition = RegionInfo.get(stack.region).partition ?? 'aws';
    const machine = this.logicalIdOf(this.stateMachine);
    const executions = `arn:${partition}:states:${stack.region}:${account}:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${machine}"}]}]}`;
    const findings = [
      `arn:<AWS::Partition>:s3:::<${this.logicalIdOf(this.bucket)}>/*`,
      `<${this.logicalIdOf(this.fn)}.Arn>:*`,
      '*',
      `${executions}:*`,
      `${executions}/${MAP_LABEL}:*`,
    ];
    for (const resource of findings)
      Validations.of(this.stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason: NAG_REASONS.sweepStateMachine,
      });
  }

  private logicalIdOf(c: Construct): string {
    return Stack.of(this).getLogicalId(c.node.defaultChild as never);
  }
}

/**
 * The opt-in sweep stack (`-c sweep=true`, `gridbot sweep --aws`): a Step Functions Distributed Map reading
 * its items from the sweep bucket, writing its results there, over the sweep item Lambda; cdk-nag clean,
 * every acknowledgement one of the written reasons; absent from a default deployment.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SWEEP_FUNCTION, SWEEP_TOLERATED_FAILURE_PCT } from '../../lib/constructs/sweep-runner.js';
import { NAG_REASONS } from '../../lib/nag-reasons.js';
import { SWEEP_STACK_OUTPUTS } from '../../lib/stacks/sweep-stack.js';
import { SWEEP_OUTPUTS, sweepStackName } from '../../shared/composition/sweep-aws.js';
import { resourcesOf, type Synthesized, synthesize } from './synth.js';

let s: Synthesized;

beforeAll(() => {
  // CDK's CloudFormation rules on, as in `cdk synth`; cdk-nag runs in every synthesis.
  s = synthesize(undefined, { sweep: true, sweepConcurrency: 7 }, { cfnValidate: true });
}, 120_000);

interface MapState {
  Type: string;
  ItemReader: { Resource: string; ReaderConfig: { InputType: string }; Parameters: Record<string, unknown> };
  ResultWriter: { Resource: string; Parameters: Record<string, unknown> };
  ItemProcessor: {
    ProcessorConfig: { Mode: string; ExecutionType: string };
    StartAt: string;
    States: Record<string, { Type: string; Resource: string; Retry?: unknown[] }>;
  };
  MaxConcurrency: number;
  ToleratedFailurePercentage: number;
}

/** The state machine's definition, with the CloudFormation references flattened to their names. */
function definition(): { StartAt: string; States: Record<string, MapState>; TimeoutSeconds: number } {
  const [[, machine]] = resourcesOf(s.sweep!, 'AWS::StepFunctions::StateMachine') as [
    [string, { Properties: { DefinitionString: unknown } }],
  ];
  const parts = (machine.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  const text = parts
    .map((p) => (typeof p === 'string' ? p : `<${JSON.stringify(p).replace(/"/g, "'")}>`))
    .join('');
  return JSON.parse(text);
}

describe('sweep stack', () => {
  it('is not part of a default deployment', () => {
    const plain = synthesize();
    expect(plain.sweep).toBeUndefined();
    expect(plain.app.synth().stacks.map((st) => st.stackName)).not.toContain('gridbot-sweep');
  });

  it('synthesizes as gridbot-sweep, cdk-nag clean, with the outputs the CLI reads', () => {
    expect(s.stacks.sweep?.stackName).toBe(sweepStackName('gridbot'));
    expect(SWEEP_STACK_OUTPUTS).toEqual(SWEEP_OUTPUTS);
    const outputs = s.sweep!.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs).sort()).toEqual([SWEEP_OUTPUTS.bucket, SWEEP_OUTPUTS.stateMachine].sort());
  });

  it('is cdk-nag clean synthesized without credentials too (no account known)', () => {
    const offline = synthesize(undefined, { sweep: true }, { account: undefined });
    expect(offline.sweep).toBeDefined();
  });

  it('runs a Distributed Map over the item function: items from S3, results to S3, bounded concurrency', () => {
    const def = definition();
    const map = def.States[def.StartAt]!;
    expect(map.Type).toBe('Map');
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    // Items: the JSON array at the key the execution's input names.
    expect(map.ItemReader.Resource).toMatch(/:states:::s3:getObject$/);
    expect(map.ItemReader.ReaderConfig.InputType).toBe('JSON');
    expect(map.ItemReader.Parameters['Key.$']).toBe('$.items');
    expect(String(map.ItemReader.Parameters.Bucket)).toMatch(/SweepBucket/);
    expect(map.ResultWriter.Resource).toMatch(/:states:::s3:putObject$/);
    expect(map.ResultWriter.Parameters).toMatchObject({ Prefix: 'map-runs' });
    expect(map.MaxConcurrency).toBe(7);
    expect(map.ToleratedFailurePercentage).toBe(SWEEP_TOLERATED_FAILURE_PCT);
    const task = map.ItemProcessor.States[map.ItemProcessor.StartAt]!;
    expect(task.Type).toBe('Task');
    expect(task.Resource).toMatch(/SweepItemFunction/);
    expect(task.Retry?.length).toBeGreaterThan(0);
    expect(def.TimeoutSeconds).toBeGreaterThan(0);
  });

  it('sizes the item function for a month replay and caps it at the map concurrency', () => {
    s.sweep!.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: SWEEP_FUNCTION.memoryMb,
      Timeout: 900,
      ReservedConcurrentExecutions: 7,
      Architectures: ['arm64'],
      EphemeralStorage: { Size: 2048 },
      Environment: { Variables: Match.objectLike({ GRIDBOT_SWEEP_BUCKET: Match.anyValue() }) },
    });
  });

  it('keeps the bucket private, encrypted, TLS only and self-emptying', () => {
    s.sweep!.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 14 })]) },
    });
    s.sweep!.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('logs every state machine event and traces it', () => {
    s.sweep!.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
  });

  it('lets the item function read inputs and write results only', () => {
    const policies = resourcesOf(s.sweep!, 'AWS::IAM::Policy').filter(([id]) => id.includes('ItemRole'));
    expect(policies).toHaveLength(1);
    const statements = (policies[0]![1].Properties.PolicyDocument as { Statement: { Action: unknown }[] })
      .Statement;
    const actions = statements.flatMap((st) => [st.Action].flat()).sort();
    expect(actions).toEqual(
      ['logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetObject', 's3:ListBucket', 's3:PutObject'].sort(),
    );
  });

  it('acknowledges nag findings only with the written sweep reasons', () => {
    const acknowledged: [string, string][] = [];
    for (const c of s.stacks.sweep!.node.findAll())
      for (const m of c.node.metadata)
        if (m.type === 'aws:cdk:acknowledged-rules')
          for (const [id, reason] of Object.entries(m.data as Record<string, string>))
            if (id.includes('AwsSolutions')) acknowledged.push([id, reason]);
    expect(acknowledged.length).toBeGreaterThan(0);
    const sweepReasons = new Set<string>([
      NAG_REASONS.sweepAccessLogs,
      NAG_REASONS.sweepObjects,
      NAG_REASONS.sweepStateMachine,
    ]);
    for (const [id, reason] of acknowledged) expect(sweepReasons.has(reason), id).toBe(true);
  });
});

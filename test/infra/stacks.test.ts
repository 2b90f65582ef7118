import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALARM_METRICS, LAMBDA_CONFIG_PATH } from '../../lib/runtime-contract.js';
import { alarmsByName, resourcesOf, type Synthesized, synthesize } from './synth.js';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

describe('stateful stack', () => {
  it('keeps the state table safe from redeploys: PITR, encryption, TTL on expiresAt, protection, retain', () => {
    s.stateful.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        Replicas: [
          Match.objectLike({
            DeletionProtectionEnabled: true,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          }),
        ],
      }),
    });
    expect(s.stacks.stateful.terminationProtection).toBe(true);
  });

  it('creates one retained secret per account, named by the config, with a placeholder and no key in the template', () => {
    s.stateful.resourceCountIs('AWS::SecretsManager::Secret', 1);
    s.stateful.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        Name: 'gridbot/main',
        GenerateSecretString: Match.objectLike({
          SecretStringTemplate: '{"apiKey":"REPLACE_ME"}',
          GenerateStringKey: 'secret',
        }),
      }),
    });
  });
});

describe('trading stack', () => {
  it('runs four ARM64 Node 24 functions with the runtime contract environment and the config layer', () => {
    const all = resourcesOf(s.trading, 'AWS::Lambda::Function');
    // The fifth is the Spot worker's fallback (below): no table, no config, no exchange.
    expect(all).toHaveLength(5);
    const fns = all.filter(([id]) => !id.startsWith('WorkerCapacity'));
    expect(fns).toHaveLength(4);
    for (const [, fn] of fns) {
      expect(fn.Properties).toMatchObject({
        Architectures: ['arm64'],
        Runtime: 'nodejs24.x',
        MemorySize: 512,
        Environment: {
          Variables: {
            GRIDBOT_TABLE: expect.anything(),
            GRIDBOT_TOPIC_ARN: expect.anything(),
            GRIDBOT_CONFIG: LAMBDA_CONFIG_PATH,
            POWERTOOLS_METRICS_NAMESPACE: 'Gridbot',
            POWERTOOLS_SERVICE_NAME: expect.stringMatching(/^gridbot-(recon|recompute|risk|admin)$/),
            NODE_OPTIONS: '--enable-source-maps',
          },
        },
      });
      expect(fn.Properties.Layers).toHaveLength(1);
    }
    s.trading.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'gridbot-admin-main' });
  });

  it('gives every function its own log group with the configured retention', () => {
    for (const [, fn] of resourcesOf(s.trading, 'AWS::Lambda::Function')) {
      expect(fn.Properties.LoggingConfig).toMatchObject({ LogGroup: { Ref: expect.any(String) } });
    }
    const retentions = resourcesOf(s.trading, 'AWS::Logs::LogGroup').map(
      ([, g]) => g.Properties.RetentionInDays,
    );
    expect(new Set(retentions)).toEqual(new Set([30]));
  });

  it('lets recon not retry a failed run itself (the next tick is the retry) and drops runs older than a minute', () => {
    s.trading.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
  });

  it('grants item-level table access only: no scans, no table management', () => {
    const actions = resourcesOf(s.trading, 'AWS::IAM::Policy').flatMap(([, p]) =>
      (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap(
        (st) => (Array.isArray(st.Action) ? st.Action : [st.Action]),
      ),
    );
    expect(actions).toContain('dynamodb:PutItem');
    expect(actions.filter((a) => a.startsWith('dynamodb:'))).not.toContain('dynamodb:Scan');
    expect(actions.some((a) => /^dynamodb:(\*|Create|Delete(Table|Backup)|UpdateTable)/.test(a))).toBe(false);
  });

  it('scopes every table grant to the state table itself, no wildcard resource', () => {
    const tableStatements = resourcesOf(s.trading, 'AWS::IAM::Policy').flatMap(([, p]) =>
      (
        p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }
      ).Statement.filter((st) => [st.Action].flat().some((a) => a.startsWith('dynamodb:'))),
    );
    expect(tableStatements.length).toBe(5); // four functions and the worker
    for (const st of tableStatements) {
      expect(JSON.stringify(st.Resource)).toMatch(/StateTable/);
      expect([st.Resource].flat()).toHaveLength(1);
    }
  });

  it('runs the stream worker as one ARM64 task that is never doubled, with a circuit breaker', () => {
    s.trading.hasResourceProperties('AWS::ECS::Service', {
      DesiredCount: 1,
      DeploymentConfiguration: {
        MinimumHealthyPercent: 0,
        MaximumPercent: 100,
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      },
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'ENABLED' }) },
    });
    s.trading.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          HealthCheck: Match.objectLike({
            Command: ['CMD', 'node', '-e', Match.stringLikeRegexp('127\\.0\\.0\\.1:8080/healthz')],
          }),
          ReadonlyRootFilesystem: true,
          StopTimeout: 30,
          PortMappings: Match.absent(),
        }),
      ],
    });
  });

  it('opens no inbound port: no ingress rule anywhere and no NAT gateway by default', () => {
    for (const [, sg] of resourcesOf(s.trading, 'AWS::EC2::SecurityGroup')) {
      expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
    }
    s.trading.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    s.trading.resourceCountIs('AWS::EC2::NatGateway', 0);
  });

  it('alerts through an SSL-only topic encrypted with its own key, with the configured e-mail subscribed', () => {
    s.trading.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    s.trading.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    s.trading.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });
});

describe("the Spot worker's on-demand fallback", () => {
  const rules = () => resourcesOf(s.trading, 'AWS::Events::Rule');
  const fn = () => {
    const found = resourcesOf(s.trading, 'AWS::Lambda::Function').filter(([id]) =>
      id.startsWith('WorkerCapacity'),
    );
    expect(found).toHaveLength(1);
    return found[0]![1].Properties;
  };

  it("hands the worker service's placement failures to the capacity function; what fails lands in the dead-letter queue", () => {
    const [failures] = rules().filter(([, r]) => r.Properties.EventPattern !== undefined);
    expect(failures).toBeDefined();
    const pattern = failures![1].Properties.EventPattern as Record<string, unknown>;
    const [serviceId] = resourcesOf(s.trading, 'AWS::ECS::Service')[0]!;
    const [functionId] = resourcesOf(s.trading, 'AWS::Lambda::Function').find(([id]) =>
      id.startsWith('WorkerCapacity'),
    )!;
    // Only this service's events: its ARN (the service's Ref), nothing account-wide.
    expect(pattern).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['ECS Service Action'],
      resources: [{ Ref: serviceId }],
      detail: { eventName: ['SERVICE_TASK_PLACEMENT_FAILURE'] },
    });
    const [target] = failures![1].Properties.Targets as Record<string, unknown>[];
    expect(target).toMatchObject({
      Arn: { 'Fn::GetAtt': [functionId, 'Arn'] },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^SchedulerDeadLetters/), 'Arn'] } },
      RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 },
    });
    // EventBridge invokes asynchronously: what still fails in the function after Lambda's retries goes
    // to the same queue (the rule's dead-letter queue only covers what could not be handed over).
    s.trading.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulerDeadLetters'), 'Arn'] },
        },
      },
    });
  });

  it('asks it every 5 minutes to check the placement', () => {
    const [check] = rules().filter(([, r]) => r.Properties.ScheduleExpression !== undefined);
    expect(check![1].Properties).toMatchObject({ ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED' });
    const [target] = check![1].Properties.Targets as { Input: string }[];
    expect(JSON.parse(target!.Input)).toEqual({ action: 'check' });
  });

  it('may describe and update the worker service and publish alerts, and nothing else', () => {
    const props = fn();
    expect(props).toMatchObject({
      Architectures: ['arm64'],
      Runtime: 'nodejs24.x',
      Environment: {
        Variables: {
          GRIDBOT_WORKER_CLUSTER: { Ref: expect.stringMatching(/^StreamWorkerCluster/) },
          GRIDBOT_WORKER_SERVICE: { 'Fn::GetAtt': [expect.stringMatching(/^StreamWorkerService/), 'Name'] },
          GRIDBOT_TOPIC_ARN: expect.anything(),
        },
      },
    });
    expect(props.Layers).toBeUndefined();
    const policies = resourcesOf(s.trading, 'AWS::IAM::Policy').filter(([id]) =>
      id.startsWith('WorkerCapacity'),
    );
    expect(policies).toHaveLength(1);
    const statements = (policies[0]![1].Properties.PolicyDocument as { Statement: Record<string, unknown>[] })
      .Statement;
    const actions = statements.flatMap((st) => [st.Action].flat() as string[]);
    expect(actions.filter((a) => a.startsWith('ecs:')).sort()).toEqual([
      'ecs:DescribeServices',
      'ecs:UpdateService',
    ]);
    expect(actions.some((a) => /^(dynamodb|secretsmanager|iam):/.test(a))).toBe(false);
    // Besides ECS: its log group, the alert topic (and its key), the dead-letter queue.
    expect(actions.filter((a) => !a.startsWith('ecs:')).every((a) => /^(logs|sns|kms|sqs):/.test(a))).toBe(
      true,
    );
    const ecs = statements.find((st) => [st.Action].flat().includes('ecs:UpdateService'))!;
    const [serviceId] = resourcesOf(s.trading, 'AWS::ECS::Service')[0]!;
    expect(ecs.Resource).toEqual({ Ref: serviceId });
  });
});

describe('instances stack', () => {
  const inst = () => s.instances[0]!;

  it('schedules recon, recompute and risk, each passing the scheduled time, with retries and a dead-letter queue', () => {
    const schedules = resourcesOf(inst(), 'AWS::Scheduler::Schedule').map(([, r]) => r.Properties);
    expect(schedules.map((p) => [p.Name, p.ScheduleExpression])).toEqual([
      ['dogeklg-recon', 'rate(1 minute)'],
      ['dogeklg-recompute', 'rate(1 hour)'],
      ['dogeklg-risk', 'rate(5 minutes)'],
    ]);
    for (const p of schedules) {
      const target = p.Target as { Input: string; RetryPolicy: unknown; DeadLetterConfig: unknown };
      expect(JSON.parse(target.Input)).toEqual({
        instanceId: 'dogeklg',
        scheduledTime: '<aws.scheduler.scheduled-time>',
      });
      expect(target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 3 });
      expect(target.DeadLetterConfig).toMatchObject({ Arn: expect.anything() });
      expect(p.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
      expect(p.State).toBe('ENABLED');
    }
  });

  it('points every alarm at the alert topic, on alarm and on recovery', () => {
    const alarms = resourcesOf(inst(), 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThanOrEqual(8);
    for (const [, alarm] of alarms) {
      const actions = JSON.stringify([alarm.Properties.AlarmActions, alarm.Properties.OKActions]);
      expect(actions.match(/PublishOutputRefAlertsTopic/g)).toHaveLength(2);
    }
  });

  it('treats a missing heartbeat, a stopped worker and a stalled recon as breaching', () => {
    const byName = alarmsByName(inst());
    expect(byName['gridbot-Account-main-HeartbeatMissing-Critical']).toMatchObject({
      metric: {
        MetricName: 'HeartbeatAgeSec',
        Dimensions: [
          { Name: 'account', Value: 'main' },
          { Name: 'service', Value: 'gridbot' },
        ],
      },
      Threshold: 180,
      TreatMissingData: 'breaching',
    });
    // Free ECS metrics (no Container Insights): a running task reports its CPU once a minute.
    expect(byName['gridbot-StreamWorkerTasks-NotRunning-Critical']).toMatchObject({
      metric: { MetricName: 'CPUUtilization', Namespace: 'AWS/ECS' },
      stat: 'SampleCount',
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(byName['gridbot-dogeklg-ReconStalled-Critical']).toMatchObject({
      metric: {
        MetricName: 'ReconDurationMs',
        Dimensions: [
          { Name: 'instance', Value: 'dogeklg' },
          { Name: 'service', Value: 'gridbot' },
        ],
      },
      stat: 'SampleCount',
      TreatMissingData: 'breaching',
    });
    // A failing pass emits no duration sample: the stalled alarm is the failing alarm too.
    expect(byName['gridbot-dogeklg-ReconFailures-Critical']).toBeUndefined();
    expect(byName['gridbot-dogeklg-RiskBreaches-Critical']).toMatchObject({
      metric: { MetricName: 'RiskBreaches' },
    });
    expect(byName['gridbot-SchedulerDLQ-Queue-Message-Count-Max-Critical']).toMatchObject({
      metric: { MetricName: 'ApproximateNumberOfMessagesVisible' },
    });
  });

  it("is the cheap bot by default: no dashboard, no Container Insights, only the alarms' metrics published; the worker on Spot", () => {
    expect(resourcesOf(inst(), 'AWS::CloudWatch::Dashboard')).toEqual([]);
    s.trading.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'disabled' }],
    });
    // Spot, on a capacity provider strategy (the fallback moves it between the two Fargate providers).
    s.trading.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: Match.absent(),
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
    });
    s.trading.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      CapacityProviders: Match.arrayWith(['FARGATE', 'FARGATE_SPOT']),
    });
    // Every function and the worker publish exactly the per-instance metrics the alarms read.
    const published = ALARM_METRICS.join(',');
    const functions = resourcesOf(s.trading, 'AWS::Lambda::Function').filter(([, r]) =>
      JSON.stringify(r.Properties).includes('GRIDBOT_TABLE'),
    );
    expect(functions.length).toBeGreaterThan(0);
    for (const [, fn] of functions)
      expect(
        (fn.Properties.Environment as { Variables: Record<string, string> }).Variables.GRIDBOT_METRICS,
      ).toBe(published);
    s.trading.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({ Environment: Match.arrayWith([{ Name: 'GRIDBOT_METRICS', Value: published }]) }),
      ],
    });
    // What the alarms read is among them.
    const alarmed = new Set(
      Object.values(alarmsByName(inst())).flatMap((a) =>
        a.metric?.Namespace === 'Gridbot' && JSON.stringify(a.metric.Dimensions).includes('"instance"')
          ? [a.metric.MetricName]
          : [],
      ),
    );
    expect([...alarmed].sort()).toEqual(['ReconDurationMs', 'RiskBreaches']);
    // ...and nothing else is: each published metric costs $0.30 a month per instance.
    expect([...ALARM_METRICS].sort()).toEqual([...alarmed].sort());
  });
});

/** Asset hashes change with any source byte; the snapshot is about the infrastructure, so they become `<hash>`. */
function normalised(template: unknown): unknown {
  return JSON.parse(
    JSON.stringify(template)
      .replace(/[0-9a-f]{64}(\.zip)?/g, '<hash>$1')
      .replace(/cdk-hnb659fds-[a-z-]+-\$\{AWS::AccountId\}-\$\{AWS::Region\}/g, '<bootstrap>'),
  );
}

describe('synthesized templates', () => {
  it('match the reviewed snapshot of each stack', () => {
    expect(normalised(s.stateful.toJSON())).toMatchSnapshot('stateful');
    expect(normalised(s.trading.toJSON())).toMatchSnapshot('trading');
    expect(normalised(s.instances[0]!.toJSON())).toMatchSnapshot('instances-1');
  });
});

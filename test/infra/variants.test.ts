import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_METRICS, INSTANCE_METRICS } from '../../lib/runtime-contract.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';
import { alarmsByName, deploymentInput, resourcesOf, type Synthesized, synthesize } from './synth.js';

/** Two venues, a 30-second recon, a disabled instance, a fixed egress IP, existing secrets, two chunks. */
let s: Synthesized;
beforeAll(() => {
  s = synthesize(
    deploymentInput({
      alert_email: undefined,
      accounts: [
        { id: 'main', exchange: 'binanceusdm' },
        { id: 'hedge', exchange: 'okx', secret_name: 'prod/okx-hedge' },
      ],
      instances: [
        klgConfigInput({ id: 'fast', recon_interval_sec: 30 }),
        klgConfigInput({ id: 'okxone', account: 'hedge', symbol: 'BTC/USDT:USDT' }),
        klgConfigInput({ id: 'parked', enabled: false, recon_interval_sec: 120, symbol: 'ETH/USDC:USDC' }),
      ],
    }),
    // Dashboards and Container Insights on; the worker on demand.
    {
      egress: 'nat',
      createSecrets: false,
      instancesPerStack: 2,
      workerSpot: false,
      dashboards: true,
      containerInsights: true,
    },
  );
});

function policyText(roleLogicalIdPrefix: string): string {
  const policies = resourcesOf(s.trading, 'AWS::IAM::Policy').filter(([id]) =>
    id.startsWith(roleLogicalIdPrefix),
  );
  expect(policies).toHaveLength(1);
  return JSON.stringify(policies[0]![1].Properties.PolicyDocument);
}

describe('a deployment with two accounts on two venues', () => {
  it('builds the four functions per account, each for its own venue', () => {
    const descriptions = resourcesOf(s.trading, 'AWS::Lambda::Function').map(
      ([, f]) => f.Properties.Description,
    );
    expect(descriptions.sort()).toEqual([
      'gridbot admin, account hedge (okx)',
      'gridbot admin, account main (binanceusdm)',
      'gridbot recompute, account hedge (okx)',
      'gridbot recompute, account main (binanceusdm)',
      'gridbot recon, account hedge (okx)',
      'gridbot recon, account main (binanceusdm)',
      'gridbot risk, account hedge (okx)',
      'gridbot risk, account main (binanceusdm)',
    ]);
  });

  it("lets a function read its own account's secret and no other; the worker reads both", () => {
    const hedge = policyText('reconhedgeRole');
    expect(hedge).toContain('secret:prod/okx-hedge-??????');
    expect(hedge).not.toContain('secret:gridbot/main');
    const main = policyText('reconmainRole');
    expect(main).toContain('secret:gridbot/main-??????');
    expect(main).not.toContain('prod/okx-hedge');
    const worker = policyText('StreamWorkerTaskTaskRole');
    expect(worker).toContain('secret:gridbot/main-??????');
    expect(worker).toContain('secret:prod/okx-hedge-??????');
  });

  it("confines each function to its own account's instances, and each role to its own claims and four actions", () => {
    const statement = (prefix: string) => {
      const doc = JSON.parse(policyText(prefix)) as {
        Statement: { Action: string | string[]; Condition?: Record<string, Record<string, string[]>> }[];
      };
      const table = doc.Statement.filter((st) => [st.Action].flat().some((a) => a.startsWith('dynamodb:')));
      expect(table).toHaveLength(1);
      return {
        actions: [table[0]!.Action].flat().sort(),
        keys: table[0]!.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? [],
      };
    };
    const four = ['dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'];
    const hedgeAdmin = statement('adminhedgeRole');
    expect(hedgeAdmin.actions).toEqual(four);
    expect(hedgeAdmin.keys).toEqual(['INST#okxone', 'ACCOUNT#hedge', 'CLAIM#confirm#okxone#*']);
    const mainRecon = statement('reconmainRole');
    expect(mainRecon.keys).toEqual([
      'INST#fast',
      'INST#parked',
      'ACCOUNT#main',
      'CLAIM#recon#fast#*',
      'CLAIM#recon#parked#*',
    ]);
    expect(JSON.stringify(mainRecon.keys)).not.toContain('okxone');
    const worker = statement('StreamWorkerTaskTaskRole');
    expect(worker.actions).toEqual(four);
    expect([...worker.keys].sort()).toEqual(
      ['ACCOUNT#hedge', 'ACCOUNT#main', 'INST#fast', 'INST#okxone', 'INST#parked'].sort(),
    );
  });

  it('references existing secrets by name instead of creating them', () => {
    expect(resourcesOf(s.stateful, 'AWS::SecretsManager::Secret')).toHaveLength(0);
  });
});

describe('schedules', () => {
  it('runs a 30-second recon as two schedules on the same minute, the second marked pass 2', () => {
    const recon = resourcesOf(s.instances[0]!, 'AWS::Scheduler::Schedule')
      .map(([, r]) => r.Properties)
      .filter((p) => String(p.Name).startsWith('fast-recon'));
    expect(recon.map((p) => p.ScheduleExpression)).toEqual(['rate(1 minute)', 'rate(1 minute)']);
    expect(recon.map((p) => JSON.parse((p.Target as { Input: string }).Input))).toEqual([
      { instanceId: 'fast', scheduledTime: '<aws.scheduler.scheduled-time>', pass: 1 },
      { instanceId: 'fast', scheduledTime: '<aws.scheduler.scheduled-time>', pass: 2 },
    ]);
  });

  it('sends the second pass to a queue that delays it 30 s, not to a Lambda that sleeps', () => {
    const [first, second] = resourcesOf(s.instances[0]!, 'AWS::Scheduler::Schedule')
      .map(([, r]) => r.Properties)
      .filter((p) => String(p.Name).startsWith('fast-recon'))
      .map((p) => JSON.stringify(p.Target));
    expect(first).toMatch(/reconmainFunction/);
    expect(second).not.toMatch(/Function/);
    expect(second).toMatch(/SecondPassmainQueue/);
    expect(second).toMatch(/"SqsParameters":\{\}/);
    expect(second).toMatch(/"DeadLetterConfig":\{"Arn":/);
    expect(second).toMatch(/"MaximumEventAgeInSeconds":60/);
    // No schedule of any instance hands a second pass to a function.
    for (const template of s.instances)
      for (const [, r] of resourcesOf(template, 'AWS::Scheduler::Schedule')) {
        const target = r.Properties.Target as { Arn: unknown; Input: string };
        if (JSON.parse(target.Input).pass === 2) expect(JSON.stringify(target.Arn)).toMatch(/Queue/);
      }
  });

  it('delays the queue 30 s, encrypted, TLS only, a failed record redriven to the alarmed dead-letter queue', () => {
    const queues = resourcesOf(s.trading, 'AWS::SQS::Queue').filter(([id]) => id.startsWith('SecondPass'));
    expect(queues.map(([id]) => id)).toEqual([expect.stringMatching(/^SecondPassmainQueue/)]);
    const q = queues[0]![1].Properties;
    expect(q).toMatchObject({
      DelaySeconds: 30,
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 60,
      RedrivePolicy: { maxReceiveCount: 1, deadLetterTargetArn: expect.anything() },
    });
    expect(JSON.stringify(q.RedrivePolicy)).toMatch(/SchedulerDeadLetters/);
    const ssl = resourcesOf(s.trading, 'AWS::SQS::QueuePolicy').map(([, p]) => JSON.stringify(p.Properties));
    expect(ssl.some((p) => /SecondPassmainQueue/.test(p) && /"aws:SecureTransport":"false"/.test(p))).toBe(
      true,
    );
    const stuck = alarmsByName(s.instances[0]!)['gridbot-SecondPass-main-Queue-Message-Age-Max-Critical'];
    expect(stuck).toMatchObject({ Threshold: 90, metric: { MetricName: 'ApproximateAgeOfOldestMessage' } });
  });

  it("feeds the queue to its account's recon function one record at a time, with batch item failures", () => {
    const mappings = resourcesOf(s.trading, 'AWS::Lambda::EventSourceMapping').map(([, m]) => m.Properties);
    const fromQueue = mappings.filter((m) => JSON.stringify(m.EventSourceArn).includes('SecondPass'));
    expect(fromQueue).toHaveLength(1);
    expect(fromQueue[0]).toMatchObject({ BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(JSON.stringify(fromQueue[0]!.FunctionName)).toMatch(/reconmainFunction/);
  });

  it('keeps a disabled instance scheduled but disabled, and raises no alarms for it', () => {
    const parked = resourcesOf(s.instances[1]!, 'AWS::Scheduler::Schedule')
      .map(([, r]) => r.Properties)
      .filter((p) => String(p.Name).startsWith('parked-'));
    expect(parked.map((p) => [p.Name, p.State, p.ScheduleExpression])).toEqual([
      ['parked-recon', 'DISABLED', 'rate(2 minutes)'],
      ['parked-recompute', 'DISABLED', 'rate(1 hour)'],
      ['parked-risk', 'DISABLED', 'rate(5 minutes)'],
    ]);
    expect(Object.keys(alarmsByName(s.instances[1]!)).filter((n) => n.includes('parked'))).toEqual([]);
  });

  it('targets the recon function of the instance account', () => {
    const okx = resourcesOf(s.instances[0]!, 'AWS::Scheduler::Schedule')
      .map(([, r]) => r.Properties)
      .find((p) => p.Name === 'okxone-recon')!;
    expect(JSON.stringify(okx.Target)).toMatch(/reconhedgeFunction/);
  });
});

describe('with dashboards on', () => {
  it('draws every runtime metric of an instance on the deployment dashboard, and publishes them all', () => {
    const [[, dashboard]] = resourcesOf(s.instances[0]!, 'AWS::CloudWatch::Dashboard') as [
      [string, { Properties: { DashboardName: string; DashboardBody: unknown } }],
    ];
    expect(dashboard.Properties.DashboardName).toBe('gridbot');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const metric of Object.values(INSTANCE_METRICS)) {
      if (metric === 'ReconFailures' || metric === 'RiskBreaches' || metric === 'Errors') continue;
      expect(body).toContain(
        `\\"Gridbot\\",\\"${metric}\\",\\"instance\\",\\"fast\\",\\"service\\",\\"gridbot\\"`,
      );
    }
    expect(body).toContain(
      `\\"Gridbot\\",\\"${ACCOUNT_METRICS.heartbeatAgeSec}\\",\\"account\\",\\"main\\",\\"service\\",\\"gridbot\\"`,
    );
    expect(JSON.stringify(s.trading.toJSON())).toContain('"GRIDBOT_METRICS","Value":"all"');
    s.trading.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    // On demand: the launch type as before Spot became the default, and no fallback to run.
    s.trading.hasResourceProperties('AWS::ECS::Service', { LaunchType: 'FARGATE' });
    expect(JSON.stringify(s.trading.toJSON())).not.toContain('FARGATE_SPOT');
    expect(resourcesOf(s.trading, 'AWS::Events::Rule')).toEqual([]);
  });
});

describe('chunks', () => {
  it('splits instances into stacks of the configured size, the platform alarms only in the first', () => {
    expect(s.stacks.instances.map((st) => st.stackName)).toEqual([
      'gridbot-instances-1',
      'gridbot-instances-2',
    ]);
    const dashboards = s.instances.map((t) =>
      resourcesOf(t, 'AWS::CloudWatch::Dashboard').map(([, d]) => d.Properties.DashboardName),
    );
    expect(dashboards).toEqual([['gridbot'], ['gridbot-2']]);
    expect(Object.keys(alarmsByName(s.instances[0]!))).toContain(
      'gridbot-StreamWorkerTasks-NotRunning-Critical',
    );
    expect(Object.keys(alarmsByName(s.instances[1]!)).some((n) => n.includes('StreamWorker'))).toBe(false);
  });

  it('subscribes no e-mail when the config names none', () => {
    s.trading.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('fixed egress IP', () => {
  it('sends all traffic through one NAT gateway whose Elastic IP lives, retained, in the stateful stack', () => {
    s.trading.resourceCountIs('AWS::EC2::NatGateway', 1);
    s.trading.resourceCountIs('AWS::EC2::EIP', 0);
    s.stateful.hasResource('AWS::EC2::EIP', { DeletionPolicy: 'Retain' });
    s.stateful.hasOutput('*', {
      Description: 'Fixed egress IP: add it to the exchange API key IP allowlist',
    });
    s.trading.hasResourceProperties('AWS::EC2::NatGateway', {
      AllocationId: Match.objectLike({
        'Fn::GetStackOutput': Match.objectLike({ StackName: 'gridbot-stateful' }),
      }),
    });
    s.trading.hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED' } },
    });
    for (const [, fn] of resourcesOf(s.trading, 'AWS::Lambda::Function')) {
      expect(fn.Properties.VpcConfig).toMatchObject({ SubnetIds: expect.any(Array) });
    }
  });
});

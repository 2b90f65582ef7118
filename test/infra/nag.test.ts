import { App } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INFRA_OPTIONS } from '../../lib/config/infra-options.js';
import { buildGridbot } from '../../lib/gridbot-app.js';
import { NAG_REASONS } from '../../lib/nag-reasons.js';
import { CDK_CONTEXT, deploymentInput, FIXTURE_BUILD, synthesize, TEST_ACCOUNT } from './synth.js';

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged, with CDK CloudFormation rules on as in `cdk synth`', () => {
    const { app } = synthesize(deploymentInput(), {}, { cfnValidate: true });
    expect(app.synth().stacks.map((st) => st.stackName)).toEqual([
      'gridbot-stateful',
      'gridbot-trading',
      'gridbot-instances-1',
    ]);
  });

  it('stops synthesis on a finding nobody acknowledged', () => {
    const app = new App({
      context: {
        ...CDK_CONTEXT,
        '@aws-cdk/core:validateAgainstDefaultRules': false,
        'aws:cdk:bundling-stacks': [],
      },
    });
    const stacks = buildGridbot(app, deploymentInput(), DEFAULT_INFRA_OPTIONS, {
      ...FIXTURE_BUILD,
      account: TEST_ACCOUNT,
    });
    new Queue(stacks.trading, 'Careless'); // no SSL enforcement, no dead-letter queue
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3/);
  });

  it('acknowledges only with one of the written reasons, each specific to its finding', () => {
    const { app } = synthesize();
    const acknowledged: [string, string][] = [];
    for (const c of app.node.findAll()) {
      for (const m of c.node.metadata) {
        if (m.type !== 'aws:cdk:acknowledged-rules') continue;
        for (const [id, reason] of Object.entries(m.data as Record<string, string>)) {
          if (id.includes('AwsSolutions')) acknowledged.push([id, reason]);
        }
      }
    }
    expect(acknowledged.length).toBeGreaterThan(0);
    const reasons = new Set<string>(Object.values(NAG_REASONS));
    for (const [id, reason] of acknowledged) expect(reasons.has(reason), id).toBe(true);
    expect(new Set(acknowledged.map(([id]) => id.replace(/\[.*$/, '')))).toEqual(
      new Set([
        'Annotation::AwsSolutions-SMG4',
        'Annotation::AwsSolutions-SQS3',
        'Annotation::AwsSolutions-IAM5',
        'Annotation::AwsSolutions-ECS2',
        // Container Insights off by default (opt-in): the worker-down alarm reads free ECS metrics.
        'Annotation::AwsSolutions-ECS4',
      ]),
    );
  });
});

describe('stack sizes', () => {
  it('keeps 100 instances on 5 accounts within CloudFormation limits', () => {
    const accounts = Array.from({ length: 5 }, (_, i) => ({ id: `acct${i}`, exchange: 'binanceusdm' }));
    const instances = Array.from({ length: 100 }, (_, i) => ({
      id: `bot${i}`,
      strategy: 'key_level_grid',
      account: `acct${i % 5}`,
      // One instance per account + symbol + side (config validation refuses two on one position).
      symbol: `COIN${Math.floor(i / 5)}/USDT:USDT`,
      levels: { source: 'manual', prices: ['0.1', '0.2'] },
      base_amount_per_grid: '100',
    }));
    const s = synthesize(deploymentInput({ accounts, instances }));
    for (const t of [s.stateful, s.trading, ...s.instances]) {
      const json = t.toJSON() as { Resources: object };
      expect(Object.keys(json.Resources).length).toBeLessThan(500);
      expect(JSON.stringify(json).length).toBeLessThan(1_000_000);
    }
    expect(s.instances).toHaveLength(3);
  });
});

/**
 * `<name>-sweep` (opt-in: `-c sweep=true`): what `gridbot sweep --aws` runs on — the sweep bucket, the
 * sweep item Lambda and the Distributed Map state machine (`constructs/sweep-runner.ts`). It shares nothing
 * with the trading stacks: no table, no secret, no exchange key; it can be deployed, used and deleted on
 * its own. Its outputs are how the CLI finds the bucket and the state machine.
 */
import { join } from 'node:path';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { REPO_ROOT } from '../bundling/lambda-bundling.js';
import { SweepRunner } from '../constructs/sweep-runner.js';
import { SWEEP_ITEM_ENTRY } from '../runtime-contract.js';

/** Output names the CLI reads (`shared/composition/sweep-aws.ts`, SWEEP_OUTPUTS). */
export const SWEEP_STACK_OUTPUTS = {
  bucket: 'SweepBucketName',
  stateMachine: 'SweepStateMachineArn',
} as const;

export interface SweepStackProps extends StackProps {
  readonly concurrency: number;
  readonly logRetention: RetentionDays;
  /** The item handler (tests use a fixture); default functions/sweep-item/handler.ts. */
  readonly entry?: string | undefined;
}

export class SweepStack extends Stack {
  readonly runner: SweepRunner;

  constructor(scope: Construct, id: string, props: SweepStackProps) {
    super(scope, id, props);
    this.runner = new SweepRunner(this, 'Sweep', {
      entry: props.entry ?? join(REPO_ROOT, SWEEP_ITEM_ENTRY),
      concurrency: props.concurrency,
      logRetention: props.logRetention,
    });
    new CfnOutput(this, SWEEP_STACK_OUTPUTS.bucket, {
      value: this.runner.bucket.bucketName,
      description: 'Sweep bucket: inputs/<sweep>/ (uploaded by gridbot sweep --aws), results/<sweep>/',
    });
    new CfnOutput(this, SWEEP_STACK_OUTPUTS.stateMachine, {
      value: this.runner.stateMachine.stateMachineArn,
      description: 'Sweep state machine: a Distributed Map over the sweep item function',
    });
  }
}

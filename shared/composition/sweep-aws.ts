/**
 * `gridbot sweep --aws`: the local sweep's combinations run on AWS, one Lambda run each, by the Step
 * Functions Distributed Map of the `<deployment>-sweep` stack. The inputs and items.json go into the sweep
 * bucket (`sweep/stage.ts`), an execution starts, progress is the count of result rows in the bucket, and
 * the rows come back as the same sweep.csv / sweep.html / sweep.json a local sweep writes.
 *
 * Entry point: `runSweepOnAws(options)`.
 *
 * Nothing is uploaded before the AWS credentials resolve: without them the sweep stops with one line
 * naming what is missing (`AwsSetupError`).
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { S3ObjectStore } from '../adapters/object-store/s3.js';
import type { SweepPlan } from '../domain/sweep/sweep.js';
import type { MarketInputs } from './sim/plan.js';
import { type SweepOutputs, writeSweepFiles } from './sweep/outputs.js';
import { planSweep } from './sweep/plan.js';
import { collectSweep, countResults, stageSweep } from './sweep/stage.js';

/** What AWS needs and this machine lacks: credentials, the stack, a permission. */
export class AwsSetupError extends Error {
  override readonly name = 'AwsSetupError';
}

export interface AwsSweepOptions extends MarketInputs {
  readonly config: string;
  readonly grid: string;
  readonly outDir?: string;
  /** Default: the base config's region. */
  readonly region?: string | undefined;
  /** The deployment name the sweep stack was deployed under (its outputs name the bucket and machine). */
  readonly deployment: string;
  readonly bucket?: string | undefined;
  readonly stateMachine?: string | undefined;
  /** For the sweep id. */
  readonly now: () => number;
  readonly pollMs?: number;
  readonly onProgress?: (done: number, total: number, at: number) => void;
  readonly onStatus?: (line: string) => void;
}

export interface AwsSweepResult extends SweepOutputs {
  readonly sweepId: string;
  readonly executionArn: string;
  readonly status: string;
  readonly bucket: string;
  readonly plan: SweepPlan;
  readonly files: readonly string[];
  readonly totalMs: number;
}

export const sweepStackName = (deployment: string) => `${deployment}-sweep`;
export const SWEEP_OUTPUTS = { bucket: 'SweepBucketName', stateMachine: 'SweepStateMachineArn' } as const;

const CREDENTIALS_HELP =
  'set AWS_PROFILE (a profile in ~/.aws/config), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login`';

/** The credentials the SDK would use, resolved now: a missing set is one clear line, not a stack. */
async function requireCredentials(
  client: { config: { credentials: () => Promise<unknown> } },
  region: string,
) {
  try {
    await client.config.credentials();
  } catch (e) {
    throw new AwsSetupError(
      `no AWS credentials for region ${region}: ${CREDENTIALS_HELP} (${(e as Error).message.split('\n')[0]})`,
    );
  }
}

async function stackTargets(region: string, deployment: string) {
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const cfn = new CloudFormationClient({ region });
  const stack = sweepStackName(deployment);
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stack }));
    const outputs = new Map((out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    const bucket = outputs.get(SWEEP_OUTPUTS.bucket);
    const stateMachine = outputs.get(SWEEP_OUTPUTS.stateMachine);
    if (!bucket || !stateMachine)
      throw new AwsSetupError(
        `stack ${stack} in ${region} has no ${SWEEP_OUTPUTS.bucket} / ${SWEEP_OUTPUTS.stateMachine} outputs: redeploy it`,
      );
    return { bucket, stateMachine };
  } catch (e) {
    if (e instanceof AwsSetupError) throw e;
    throw new AwsSetupError(
      `cannot read the outputs of stack ${stack} in ${region} (${(e as Error).message.split('\n')[0]}): deploy it with \`npx cdk deploy ${stack} -c config=<deploy.yaml> -c sweep=true\`, or give --bucket and --state-machine`,
    );
  } finally {
    cfn.destroy();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runSweepOnAws(options: AwsSweepOptions): Promise<AwsSweepResult> {
  const started = performance.now();
  // Bad input is refused before anything touches AWS (the same checks as a local sweep).
  const { raw } = planSweep(resolve(options.config), resolve(options.grid));
  const region = options.region ?? (raw as { region?: string }).region ?? 'ap-northeast-1';
  const { S3Client } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({ region });
  try {
    await requireCredentials(s3, region);
    const targets =
      options.bucket && options.stateMachine
        ? { bucket: options.bucket, stateMachine: options.stateMachine }
        : { ...(await stackTargets(region, options.deployment)), ...stripUndefined(options) };
    const store = new S3ObjectStore(s3, targets.bucket);
    const stamp = new Date(options.now()).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    const sweepId = `sweep-${stamp}-${randomBytes(3).toString('hex')}`;
    options.onStatus?.(`uploading the inputs to s3://${targets.bucket}/inputs/${sweepId}/`);
    const staged = await stageSweep(store, { ...options, sweepId });

    const { SFNClient, StartExecutionCommand, DescribeExecutionCommand } = await import(
      '@aws-sdk/client-sfn'
    );
    const sfn = new SFNClient({ region });
    let executionArn: string;
    let status = 'RUNNING';
    let failure = '';
    try {
      const run = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: targets.stateMachine,
          name: sweepId,
          input: JSON.stringify({ sweepId, items: staged.items }),
        }),
      );
      executionArn = run.executionArn!;
      options.onStatus?.(`execution ${executionArn}: ${staged.plan.count} combinations`);
      options.onProgress?.(0, staged.plan.count, Date.now());
      let done = 0;
      while (status === 'RUNNING' || status === 'PENDING_REDRIVE') {
        await sleep(options.pollMs ?? 5_000);
        const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        status = d.status ?? 'RUNNING';
        if (status !== 'RUNNING') failure = [d.error, d.cause].filter(Boolean).join(': ');
        const now = await countResults(store, sweepId);
        if (now !== done) {
          done = now;
          options.onProgress?.(done, staged.plan.count, Date.now());
        }
      }
    } finally {
      sfn.destroy();
    }
    if (status !== 'SUCCEEDED')
      options.onStatus?.(
        `execution ${status}${failure ? ` (${failure.slice(0, 300)})` : ''}; collecting the rows there are`,
      );
    const outputs = await collectSweep(store, staged, {
      config: options.config,
      grid: options.grid,
      market: options,
    });
    const files = options.outDir ? writeSweepFiles(options.outDir, outputs) : [];
    return {
      sweepId,
      executionArn,
      status,
      bucket: targets.bucket,
      plan: staged.plan,
      ranked: outputs.ranked,
      csv: outputs.csv,
      html: outputs.html,
      json: outputs.json,
      files,
      totalMs: performance.now() - started,
    };
  } finally {
    s3.destroy();
  }
}

function stripUndefined(o: { bucket?: string | undefined; stateMachine?: string | undefined }) {
  return {
    ...(o.bucket ? { bucket: o.bucket } : {}),
    ...(o.stateMachine ? { stateMachine: o.stateMachine } : {}),
  };
}

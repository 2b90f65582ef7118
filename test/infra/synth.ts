/**
 * Builds the gridbot CDK app for infra tests: cdk.json's context (feature flags), bundling skipped
 * (`aws:cdk:bundling-stacks` empty: the bundle test builds the real functions), stand-in entry points and a
 * stand-in worker image, cdk-nag on as in `cdk synth`. CDK's own CloudFormation rules (on in `cdk synth`)
 * run only where a test asks, because they cost seconds per synthesis.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { REPO_ROOT } from '../../lib/bundling/lambda-bundling.js';
import { type DeploymentInput, deploymentInputFrom } from '../../lib/config/deployment-input.js';
import { DEFAULT_INFRA_OPTIONS, type InfraOptions } from '../../lib/config/infra-options.js';
import { type BuildOverrides, buildGridbot, type GridbotStacks } from '../../lib/gridbot-app.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';

export const FIXTURES = join(REPO_ROOT, 'test/infra/fixtures');
const HANDLER = join(FIXTURES, 'handler.ts');
/** Stand-in entry points and worker image: stack tests need no real bundle. */
export const FIXTURE_BUILD = {
  entries: { recon: HANDLER, recompute: HANDLER, risk: HANDLER, admin: HANDLER },
  telegramEntry: HANDLER,
  workerCapacityEntry: HANDLER,
  sweepEntry: HANDLER,
  worker: { buildContext: join(FIXTURES, 'worker'), dockerfile: 'Dockerfile' },
} as const;
export const TEST_ACCOUNT = '111111111111';

export const CDK_CONTEXT = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

export function deploymentInput(raw: Record<string, unknown> = {}): DeploymentInput {
  return deploymentInputFrom(
    {
      region: 'ap-northeast-1',
      alert_email: 'ops@example.com',
      accounts: [{ id: 'main', exchange: 'binanceusdm' }],
      instances: [klgConfigInput()],
      ...raw,
    },
    'test config',
  );
}

export interface Synthesized {
  readonly app: App;
  readonly stacks: GridbotStacks;
  readonly stateful: Template;
  readonly trading: Template;
  readonly instances: Template[];
  /** The sweep stack's template, when the options asked for it. */
  readonly sweep?: Template;
}

export interface SynthOptions extends BuildOverrides {
  /** Run esbuild for the functions (slow); default off. */
  readonly bundle?: boolean;
  /** Also run CDK's built-in CloudFormation rules (about 4 s per synthesis); default off. */
  readonly cfnValidate?: boolean;
}

export function synthesize(
  input: DeploymentInput = deploymentInput(),
  options: Partial<InfraOptions> = {},
  { bundle = false, cfnValidate = false, ...overrides }: SynthOptions = {},
): Synthesized {
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'gridbot-cdk-')),
    context: {
      ...CDK_CONTEXT,
      '@aws-cdk/core:validateAgainstDefaultRules': cfnValidate,
      ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const stacks = buildGridbot(
    app,
    input,
    { ...DEFAULT_INFRA_OPTIONS, ...options },
    {
      ...FIXTURE_BUILD,
      account: TEST_ACCOUNT,
      ...overrides,
    },
  );
  // One synthesis (cdk-nag included) for all stacks; Template.fromStack would synthesize once per stack.
  const assembly = app.synth();
  const template = (name: string) => Template.fromJSON(assembly.getStackByName(name).template);
  return {
    app,
    stacks,
    stateful: template(stacks.stateful.stackName),
    trading: template(stacks.trading.stackName),
    instances: stacks.instances.map((s) => template(s.stackName)),
    ...(stacks.sweep ? { sweep: template(stacks.sweep.stackName) } : {}),
  };
}

/** A Template's resources of one type, as [logicalId, resource] pairs. */
export function resourcesOf(
  template: Template,
  type: string,
): [string, { Properties: Record<string, unknown> }][] {
  return Object.entries(template.findResources(type)) as [string, { Properties: Record<string, unknown> }][];
}

export interface AlarmView {
  readonly AlarmName: string;
  readonly Threshold: number;
  readonly ComparisonOperator: string;
  readonly TreatMissingData?: string;
  readonly DatapointsToAlarm?: number;
  readonly EvaluationPeriods: number;
  /** The alarm's single metric, whether written inline or as a one-entry `Metrics` list. */
  readonly metric: { MetricName: string; Namespace: string; Dimensions?: unknown };
  readonly stat: string;
  readonly period: number;
  readonly AlarmActions?: unknown;
  readonly OKActions?: unknown;
}

export function alarmsByName(template: Template): Record<string, AlarmView> {
  const out: Record<string, AlarmView> = {};
  for (const [, alarm] of resourcesOf(template, 'AWS::CloudWatch::Alarm')) {
    const p = alarm.Properties as Record<string, unknown>;
    const stat = (
      p.Metrics as
        | { MetricStat?: { Metric: AlarmView['metric']; Stat: string; Period: number } }[]
        | undefined
    )?.[0]?.MetricStat;
    const view = {
      ...p,
      metric: stat
        ? stat.Metric
        : { MetricName: p.MetricName, Namespace: p.Namespace, Dimensions: p.Dimensions },
      stat: stat ? stat.Stat : (p.Statistic ?? p.ExtendedStatistic),
      period: stat ? stat.Period : p.Period,
    } as AlarmView;
    out[view.AlarmName] = view;
  }
  return out;
}

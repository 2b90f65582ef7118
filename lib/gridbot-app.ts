/**
 * Composes a deployment: `<name>-stateful` (table, secrets), `<name>-trading` (functions, worker, alerting)
 * and `<name>-instances-<k>` (schedules, alarms, dashboards, in chunks), and, opt-in, `<name>-sweep`
 * (`gridbot sweep --aws`), with cdk-nag's AwsSolutions checks
 * on the whole app: an unacknowledged finding stops synthesis. bin/app.ts calls this; so do the tests.
 */

import { type App, Tags, Validations } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { DeploymentInput } from './config/deployment-input.js';
import { loginSecretsOf } from './config/deployment-input.js';
import type { InfraOptions } from './config/infra-options.js';
import { InstancesStack } from './stacks/instances-stack.js';
import { StatefulStack } from './stacks/stateful-stack.js';
import { SweepStack } from './stacks/sweep-stack.js';
import { TradingStack, type TradingStackProps } from './stacks/trading-stack.js';

export interface GridbotStacks {
  readonly stateful: StatefulStack;
  readonly trading: TradingStack;
  readonly instances: InstancesStack[];
  /** `<name>-sweep`, with `-c sweep=true` (`gridbot sweep --aws`). */
  readonly sweep?: SweepStack;
}

export interface BuildOverrides {
  readonly entries?: TradingStackProps['entries'];
  readonly telegramEntry?: TradingStackProps['telegramEntry'];
  readonly workerCapacityEntry?: TradingStackProps['workerCapacityEntry'];
  readonly worker?: TradingStackProps['worker'];
  readonly sweepEntry?: string | undefined;
  /** AWS account for the stacks; default the CLI's (CDK_DEFAULT_ACCOUNT), unresolved offline. */
  readonly account?: string | undefined;
}

export function buildGridbot(
  app: App,
  input: DeploymentInput,
  options: InfraOptions,
  overrides: BuildOverrides = {},
): GridbotStacks {
  const { config } = input;
  const env = { region: config.region, account: overrides.account ?? process.env.CDK_DEFAULT_ACCOUNT };
  const logRetention = options.logRetentionDays as RetentionDays;
  const description = (what: string) => `gridbot ${options.name}: ${what}`;

  const stateful = new StatefulStack(app, `${options.name}-stateful`, {
    env,
    description: description('state table, exchange secrets, fixed egress IP (retained)'),
    accounts: config.accounts,
    logins: loginSecretsOf(config),
    createSecrets: options.createSecrets,
    egressIp: options.egress === 'nat',
  });
  const trading = new TradingStack(app, `${options.name}-trading`, {
    env,
    description: description('functions, stream worker, alerting'),
    input,
    options,
    logRetention,
    table: stateful.state.table,
    secrets: stateful.secrets,
    egressIpAllocationId: stateful.egressIp?.attrAllocationId,
    entries: overrides.entries,
    telegramEntry: overrides.telegramEntry,
    workerCapacityEntry: overrides.workerCapacityEntry,
    worker: overrides.worker,
  });

  const chunks = chunk(config.instances, options.instancesPerStack);
  const instances = chunks.map(
    (part, k) =>
      new InstancesStack(app, `${options.name}-instances-${k + 1}`, {
        env,
        description: description(
          `schedules, alarms and dashboard of instances ${part.map((i) => i.id).join(', ')}`,
        ),
        deploymentName: options.name,
        dashboardName: k === 0 ? options.name : `${options.name}-${k + 1}`,
        dashboard: options.dashboards,
        instances: part,
        functions: trading.functions,
        scheduleGroup: trading.scheduleGroup,
        schedulerRole: trading.schedulerRole,
        deadLetterQueue: trading.deadLetterQueue,
        secondPassQueues: trading.secondPassQueues,
        topic: trading.alerting.topic,
        platform:
          k === 0
            ? {
                config,
                service: trading.worker.service,
                deadLetterQueue: trading.deadLetterQueue,
                secondPassQueues: trading.secondPassQueues,
                functions: trading.functions,
              }
            : undefined,
      }),
  );

  const sweep = options.sweep
    ? new SweepStack(app, `${options.name}-sweep`, {
        env,
        description: description('parameter sweeps: bucket, sweep item function, Distributed Map (opt-in)'),
        concurrency: options.sweepConcurrency,
        logRetention,
        entry: overrides.sweepEntry,
      })
    : undefined;

  // Cost allocation: every resource carries the project and the deployment it belongs to.
  for (const stack of [stateful, trading, ...instances, ...(sweep ? [sweep] : [])]) {
    Tags.of(stack).add('project', 'gridbot');
    Tags.of(stack).add('gridbot:deployment', options.name);
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { stateful, trading, instances, ...(sweep ? { sweep } : {}) };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Deployment options that are about AWS, not trading, so they stay out of the shared config schema. They come
 * from CDK context (`cdk.json` or `-c key=value` on the command line), where every value may be a string.
 */
export type Egress = 'public' | 'nat';

export interface InfraOptions {
  /** Prefix of stack and resource names; several deployments can share one AWS account. */
  readonly name: string;
  /**
   * `public`: the stream worker runs in a public subnet with a public IP and no NAT (cheapest); Lambdas run
   * outside any VPC. `nat`: worker and Lambdas run in private subnets behind one NAT gateway with a fixed
   * Elastic IP, for exchange API keys restricted to an IP allowlist.
   */
  readonly egress: Egress;
  readonly logRetentionDays: number;
  /** Create each account's secret (empty placeholder) or reference an existing one by name. */
  readonly createSecrets: boolean;
  /** Per-instance resources (schedules, alarms, dashboard) go into stacks of at most this many instances. */
  readonly instancesPerStack: number;
  /**
   * Fargate Spot for the stream worker (on by default: about 70% cheaper than on demand). A reclaim stops
   * the worker for a minute or two, as a deployment does: exchange-side stops stay, recon keeps
   * reconciling every pass, and the worker-down and heartbeat alarms fire if it stays away. When ECS has
   * no Spot capacity for it, the worker capacity function moves it to on-demand Fargate and, a day later,
   * back (`lib/constructs/worker-capacity.ts`). `false`: on demand only, as before. A stack first deployed
   * on demand should keep `-c workerSpot=false`, or run `cdk diff` first: if CloudFormation replaces the
   * ECS service to move it from a launch type to a capacity provider, it starts the new service before
   * removing the old, so two workers run for a while (README, "Monthly cost estimate").
   */
  readonly workerSpot: boolean;
  /**
   * CloudWatch dashboards, and with them every per-instance metric they draw (off by default: $3 a dashboard
   * and $0.30 a metric a month). Off, each instance publishes only the metrics its alarms read (`ALARM_METRICS`);
   * the other figures stay in the logs, one JSON line each, for Logs Insights.
   */
  readonly dashboards: boolean;
  /** ECS Container Insights on the worker's cluster (off by default: about $6 a month for one service). */
  readonly containerInsights: boolean;
  /**
   * The `<name>-sweep` stack for `gridbot sweep --aws` (off by default): a bucket, the sweep item Lambda and
   * a Step Functions Distributed Map. Nothing in it runs or costs until a sweep is started.
   */
  readonly sweep: boolean;
  /**
   * Combinations a sweep runs at once: the map's MaxConcurrency and the item function's reserved
   * concurrency (taken from the account's unreserved pool, which must keep 100: lower it on small quotas).
   */
  readonly sweepConcurrency: number;
}

export const DEFAULT_INFRA_OPTIONS: InfraOptions = {
  name: 'gridbot',
  egress: 'public',
  logRetentionDays: 30,
  createSecrets: true,
  instancesPerStack: 40,
  workerSpot: true,
  dashboards: false,
  containerInsights: false,
  sweep: false,
  sweepConcurrency: 20,
};

const NAME = /^[a-z][a-z0-9-]{0,19}$/;
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653];

type Context = (key: string) => unknown;

export function infraOptionsFrom(context: Context): InfraOptions {
  const name = str(context('name')) ?? DEFAULT_INFRA_OPTIONS.name;
  if (!NAME.test(name)) {
    throw new Error(
      `context "name" is "${name}": use 1-20 lowercase letters, digits or "-", starting with a letter`,
    );
  }
  const egress = str(context('egress')) ?? DEFAULT_INFRA_OPTIONS.egress;
  if (egress !== 'public' && egress !== 'nat') {
    throw new Error(`context "egress" is "${egress}": use "public" (no NAT) or "nat" (fixed egress IP)`);
  }
  const logRetentionDays = int(context('logRetentionDays'), 'logRetentionDays') ?? 30;
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    throw new Error(
      `context "logRetentionDays" is ${logRetentionDays}: CloudWatch accepts ${LOG_RETENTION_DAYS.join(', ')}`,
    );
  }
  const instancesPerStack = int(context('instancesPerStack'), 'instancesPerStack') ?? 40;
  if (instancesPerStack < 1 || instancesPerStack > 60) {
    throw new Error(
      `context "instancesPerStack" is ${instancesPerStack}: use 1-60 (each instance adds up to 7 resources and 10 dashboard widgets)`,
    );
  }
  const sweepConcurrency =
    int(context('sweepConcurrency'), 'sweepConcurrency') ?? DEFAULT_INFRA_OPTIONS.sweepConcurrency;
  if (sweepConcurrency < 1 || sweepConcurrency > 1000) {
    throw new Error(
      `context "sweepConcurrency" is ${sweepConcurrency}: use 1-1000 (combinations run at once, reserved from the account's Lambda concurrency)`,
    );
  }
  return {
    name,
    egress,
    logRetentionDays,
    createSecrets: bool(context('createSecrets'), 'createSecrets') ?? true,
    instancesPerStack,
    workerSpot: bool(context('workerSpot'), 'workerSpot') ?? DEFAULT_INFRA_OPTIONS.workerSpot,
    dashboards: bool(context('dashboards'), 'dashboards') ?? DEFAULT_INFRA_OPTIONS.dashboards,
    containerInsights:
      bool(context('containerInsights'), 'containerInsights') ?? DEFAULT_INFRA_OPTIONS.containerInsights,
    sweep: bool(context('sweep'), 'sweep') ?? DEFAULT_INFRA_OPTIONS.sweep,
    sweepConcurrency,
  };
}

function str(v: unknown): string | undefined {
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

function int(v: unknown, key: string): number | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n)) throw new Error(`context "${key}" is "${s}": expected a whole number`);
  return n;
}

function bool(v: unknown, key: string): boolean | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw new Error(`context "${key}" is "${s}": expected true or false`);
}

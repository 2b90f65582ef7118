/**
 * What the deployed infrastructure promises the runtime code (functions/, the stream worker), in one place
 * so the stacks, the tests and the benchmark agree with the handlers:
 *  - entry points: one Lambda per role and account, each exporting `handler`; the stream worker's `main.ts`;
 *  - environment: table name, alert topic, deployment config (always a path to a JSON file), Powertools;
 *  - metrics: namespace `Gridbot`, dimension sets exactly `{ service: 'gridbot', instance }` or
 *    `{ service: 'gridbot', account }` (EmfMetrics' default service dimension; CloudWatch matches a metric
 *    only on its full dimension set, so the runtime must add no other default dimension).
 */
export const FUNCTION_ROLES = ['recon', 'recompute', 'risk', 'admin'] as const;
export type FunctionRole = (typeof FUNCTION_ROLES)[number];

/** Roles fired by EventBridge Scheduler; `admin` is invoked by an operator. */
export const SCHEDULED_ROLES = ['recon', 'recompute', 'risk'] as const;
export type ScheduledRole = (typeof SCHEDULED_ROLES)[number];

/** Entry file of each Lambda role, relative to the repository root. */
export function functionEntry(role: FunctionRole): string {
  return `functions/${role}/handler.ts`;
}

export const STREAM_WORKER_ENTRY = 'functions/stream-worker/main.ts';
/** The sweep item Lambda of the opt-in sweep stack (`gridbot sweep --aws`). */
export const SWEEP_ITEM_ENTRY = 'functions/sweep-item/handler.ts';
/** The Spot worker's on-demand fallback (`lib/constructs/worker-capacity.ts`). */
export const WORKER_CAPACITY_ENTRY = 'functions/worker-capacity/handler.ts';

/** The sweep item Lambda's environment (`shared/composition/sweep-lambda.ts` reads the same names). */
export const SWEEP_ENV = { bucket: 'GRIDBOT_SWEEP_BUCKET' } as const;
export const STREAM_WORKER_DOCKERFILE = 'functions/stream-worker/Dockerfile';
export const STREAM_WORKER_HEALTH_PORT = 8080;
export const STREAM_WORKER_HEALTH_PATH = '/healthz';

export const ENV = {
  table: 'GRIDBOT_TABLE',
  topicArn: 'GRIDBOT_TOPIC_ARN',
  /**
   * The deployment config (schema `shared/domain/config/deployment.ts`): here always a path to a JSON file
   * (shared/composition/deployment-source.ts also accepts the JSON itself, for local use).
   */
  config: 'GRIDBOT_CONFIG',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  /**
   * `all`: every metric; else the per-instance metric names to publish, comma-separated (no dashboards:
   * `ALARM_METRICS`); the runtime logs the other per-instance figures as JSON lines instead.
   */
  metrics: 'GRIDBOT_METRICS',
} as const;

/** Lambdas read the config from their account's config layer (mounted under /opt). */
export const LAMBDA_CONFIG_PATH = '/opt/gridbot/config.json';
/** The stream worker image carries the whole deployment config here (written at image build time). */
export const WORKER_CONFIG_PATH = '/app/gridbot-config.json';

export const METRICS_NAMESPACE = 'Gridbot';
/** The `service` dimension EmfMetrics puts on every gridbot metric (its explicit serviceName, not the env). */
export const METRICS_SERVICE = 'gridbot';

/** Metrics the runtime emits per instance (dimension `instance`). */
export const INSTANCE_METRICS = {
  equity: 'Equity',
  holdings: 'Holdings',
  openOrders: 'OpenOrders',
  fills: 'Fills',
  reconDurationMs: 'ReconDurationMs',
  fillToOrderMs: 'FillToOrderMs',
  errors: 'Errors',
  reconFailures: 'ReconFailures',
  riskLevel: 'RiskLevel',
  riskBreaches: 'RiskBreaches',
  exposureNotional: 'ExposureNotional',
  leverage: 'Leverage',
  budgetAvailable: 'BudgetAvailable',
  preTradeDenials: 'PreTradeDenials',
  drawdown: 'Drawdown',
} as const;

/**
 * The per-instance metrics the alarms read (instance-monitoring.ts): published even without dashboards.
 * Without dashboards the others are written to the logs as JSON lines, not as CloudWatch metrics.
 */
export const ALARM_METRICS: readonly string[] = [
  INSTANCE_METRICS.reconDurationMs,
  INSTANCE_METRICS.riskBreaches,
];

/** Metrics the runtime emits per leg of an instance (dimensions `instance` and `leg`). */
export const LEG_METRICS = {
  position: 'LegPosition',
} as const;

/** Metrics the runtime emits per account (dimension `account`). */
export const ACCOUNT_METRICS = {
  heartbeatAgeSec: 'HeartbeatAgeSec',
} as const;

/** The payload EventBridge Scheduler sends to a scheduled function. */
export interface ScheduledPayload {
  readonly instanceId: string;
  readonly scheduledTime: string;
  readonly pass?: 1 | 2;
}

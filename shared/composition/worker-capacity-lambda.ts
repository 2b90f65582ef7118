/**
 * The worker capacity function's runtime (AWS; only in a deployment with a Spot worker). Two sources:
 *  - an EventBridge rule hands it the worker service's `ECS Service Action` events of
 *    `SERVICE_TASK_PLACEMENT_FAILURE` (no capacity for the task);
 *  - a rule hands it `{ "action": "check" }` every 5 minutes.
 * Either becomes a `CapacitySignal` for `answerCapacitySignal`. Anything else is logged and counted as
 * refused, and nothing moves. An ECS event is read leniently (a missing or odd `time` is taken as now,
 * a long `reason` is cut): a real placement failure is never refused for its form. It holds no exchange key and touches no state: its role may describe and
 * update this one ECS service and publish to the alert topic.
 *
 * Environment: `GRIDBOT_WORKER_CLUSTER`, `GRIDBOT_WORKER_SERVICE`, `GRIDBOT_TOPIC_ARN`; for local runs
 * also `GRIDBOT_ECS_ENDPOINT`, `GRIDBOT_SNS_ENDPOINT`.
 */
import { z } from 'zod';
import { EcsWorkerCapacity } from '../adapters/ecs/ecs-worker-capacity.js';
import { PowertoolsLogger } from '../adapters/logging/index.js';
import { EmfMetrics } from '../adapters/metrics/index.js';
import { SnsNotifier } from '../adapters/notify/sns-notifier.js';
import {
  answerCapacitySignal,
  CAPACITY_CHECK_EVENT,
  type CapacityDeps,
  type CapacityOutcome,
  type CapacitySignal,
  WORKER_CAPACITY_ENV,
} from '../application/worker-capacity.js';

type Env = Readonly<Record<string, string | undefined>>;

const placementFailure = z.object({
  source: z.literal('aws.ecs'),
  'detail-type': z.literal('ECS Service Action'),
  time: z.unknown().optional(),
  detail: z.object({
    eventName: z.literal('SERVICE_TASK_PLACEMENT_FAILURE'),
    reason: z.unknown().optional(),
  }),
});
const periodicCheck = z.object({ action: z.literal(CAPACITY_CHECK_EVENT.action) });

/** The signal an event carries, or null for an event this function does not answer. */
export function signalOf(event: unknown, now: number): CapacitySignal | null {
  const failure = placementFailure.safeParse(event);
  if (failure.success) {
    const { time } = failure.data;
    const stamped = typeof time === 'string' ? Date.parse(time) : Number.NaN;
    const reason = failure.data.detail.reason;
    return {
      kind: 'placement-failure',
      reason: typeof reason === 'string' && reason.length > 0 ? reason.slice(0, 200) : 'unknown',
      at: Number.isFinite(stamped) ? stamped : now,
    };
  }
  return periodicCheck.safeParse(event).success ? { kind: 'check', at: now } : null;
}

export type CapacityAnswer = CapacityOutcome | { readonly refused: string };

export function workerCapacityHandler(
  env: Env = process.env,
  overrides: Partial<Pick<CapacityDeps, 'policy'>> & { readonly now?: () => number } = {},
) {
  let deps: (CapacityDeps & { readonly metrics: EmfMetrics; readonly logger: PowertoolsLogger }) | undefined;
  const now = overrides.now ?? Date.now;
  return async (event: unknown): Promise<CapacityAnswer> => {
    deps ??= build(env, overrides);
    try {
      const signal = signalOf(event, now());
      if (signal === null) {
        deps.metrics.put('WorkerCapacityRefusedEvents', 1, 'Count');
        deps.logger.warn('worker capacity: not an event this function answers; ignored', {
          event: describe(event),
        });
        return { refused: 'not a placement failure of the worker service, nor the periodic check' };
      }
      return await answerCapacitySignal(deps, signal);
    } finally {
      await deps.metrics.flush();
    }
  };
}

function build(env: Env, overrides: Partial<Pick<CapacityDeps, 'policy'>>) {
  const cluster = env[WORKER_CAPACITY_ENV.cluster];
  const service = env[WORKER_CAPACITY_ENV.service];
  const topicArn = env.GRIDBOT_TOPIC_ARN;
  const missing = [
    ...(cluster ? [] : [WORKER_CAPACITY_ENV.cluster]),
    ...(service ? [] : [WORKER_CAPACITY_ENV.service]),
    ...(topicArn ? [] : ['GRIDBOT_TOPIC_ARN']),
  ];
  if (missing.length > 0 || !cluster || !service || !topicArn)
    throw new Error(`worker capacity function: set ${missing.join(', ')} (the stack sets them)`);
  const logger = new PowertoolsLogger({
    serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'gridbot-worker-capacity',
  });
  const metrics = new EmfMetrics({ logger });
  const region = env.AWS_REGION;
  return {
    logger,
    metrics,
    capacity: new EcsWorkerCapacity({
      cluster,
      service,
      ...(region ? { region } : {}),
      ...(env.GRIDBOT_ECS_ENDPOINT ? { endpoint: env.GRIDBOT_ECS_ENDPOINT } : {}),
    }),
    notifier: new SnsNotifier({
      topicArn,
      logger,
      metrics,
      ...(region ? { region } : {}),
      ...(env.GRIDBOT_SNS_ENDPOINT ? { endpoint: env.GRIDBOT_SNS_ENDPOINT } : {}),
    }),
    ...(overrides.policy ? { policy: overrides.policy } : {}),
  };
}

/** What an ignored event was, without its payload. */
function describe(event: unknown): string {
  if (event === null || typeof event !== 'object') return typeof event;
  const e = event as Record<string, unknown>;
  const detail = e.detail as Record<string, unknown> | undefined;
  return (
    [e.source, e['detail-type'], detail?.eventName, e.action]
      .filter((v) => typeof v === 'string')
      .join(' / ')
      .slice(0, 200) || 'an object'
  );
}

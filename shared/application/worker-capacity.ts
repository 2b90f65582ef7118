/**
 * The Spot worker's on-demand fallback. ECS does not fall back by itself: a service on FARGATE_SPOT with
 * no Spot capacity just keeps failing to place its task, and fills wait for recon meanwhile. So:
 *  - **No Spot capacity**: ECS reports `SERVICE_TASK_PLACEMENT_FAILURE` with a `RESOURCE:FARGATE…`
 *    reason for the worker's service while its newest deployment asks for FARGATE_SPOT: move the service
 *    to on-demand FARGATE, and say so. Another reason (no IP address left in a subnet, say) moves
 *    nothing: on-demand capacity would not help. An event older than the newest deployment (a late or
 *    repeated delivery) moves nothing either.
 *  - **A missed event**: the periodic check (every 5 minutes) does the same when the Spot deployment is
 *    older than `stuckAfterMs` and has no task running or pending.
 *  - **Back to Spot**: the periodic check moves it back once it has run on demand for `retrySpotAfterMs`
 *    (a day by default) and no rollout is going on. If Spot is still short, it comes back on demand
 *    within minutes: a long shortage costs one extra worker restart a day (a few minutes without the
 *    streams, recon covering; the worker-down alarm may page).
 *  - Anything else (a failure on demand, a deployment that asked for a launch type, a rollout in
 *    progress) moves nothing: the worker-down alarm covers a worker ECS cannot place at all.
 * Moving is idempotent against ECS's repeated events: the decision reads the service's newest deployment
 * first, so the second failure event of a Spot deployment already replaced finds FARGATE and does nothing.
 */
import type { Alert } from '../domain/commands.js';
import type { Logger } from '../ports/logger.js';
import type { Notifier } from '../ports/notifier.js';
import type { WorkerCapacity, WorkerCapacityPort, WorkerPlacement } from '../ports/worker-capacity.js';

/** The function's environment (the stack sets it). */
export const WORKER_CAPACITY_ENV = {
  cluster: 'GRIDBOT_WORKER_CLUSTER',
  service: 'GRIDBOT_WORKER_SERVICE',
} as const;

/** The periodic check's event (the rule's fixed input). */
export const CAPACITY_CHECK_EVENT = { action: 'check' } as const;

/** ECS's reason when Fargate has no capacity for the task (the AWS docs' example: `RESOURCE:FARGATE`). */
export const NO_FARGATE_CAPACITY = 'RESOURCE:FARGATE';

export type CapacitySignal =
  /** ECS could not place the worker's task; `reason` as ECS gives it, e.g. `RESOURCE:FARGATE`. */
  | { readonly kind: 'placement-failure'; readonly reason: string; readonly at: number }
  /** The periodic check: a Spot task never placed, or time to try Spot again? */
  | { readonly kind: 'check'; readonly at: number };

export interface CapacityPolicy {
  /** How long the worker stays on demand before it tries Spot again. */
  readonly retrySpotAfterMs: number;
  /** A Spot deployment this old with no task running or pending is taken as short of capacity. */
  readonly stuckAfterMs: number;
}

export const DEFAULT_CAPACITY_POLICY: CapacityPolicy = {
  retrySpotAfterMs: 24 * 3600_000,
  stuckAfterMs: 5 * 60_000,
};

/** Who the fallback's alerts are about (they concern the whole deployment, not one instance). */
export const WORKER_ALERT_SUBJECT = 'stream-worker';

export type CapacityDecision =
  | { readonly move: WorkerCapacity; readonly why: string }
  | { readonly move: null; readonly why: string };

export function decideCapacity(
  placement: WorkerPlacement,
  signal: CapacitySignal,
  policy: CapacityPolicy = DEFAULT_CAPACITY_POLICY,
): CapacityDecision {
  const age = signal.at - placement.since;
  if (signal.kind === 'placement-failure') {
    if (placement.capacity !== 'FARGATE_SPOT')
      return { move: null, why: `placement failed (${signal.reason}) on a deployment that is not on Spot` };
    if (!signal.reason.startsWith(NO_FARGATE_CAPACITY))
      return { move: null, why: `placement failed for another reason than capacity (${signal.reason})` };
    if (age < -EVENT_TIME_PRECISION_MS)
      return { move: null, why: 'the event is older than the newest deployment' };
    return { move: 'FARGATE', why: `no Fargate Spot capacity (${signal.reason})` };
  }
  if (placement.capacity === 'FARGATE_SPOT') {
    const stuck =
      placement.desiredCount > 0 &&
      placement.runningCount === 0 &&
      placement.pendingCount === 0 &&
      age >= policy.stuckAfterMs;
    return stuck
      ? { move: 'FARGATE', why: `no Spot task running or pending ${minutes(age)} min after the deployment` }
      : { move: null, why: 'on Spot' };
  }
  if (placement.capacity !== 'FARGATE') return { move: null, why: 'not on one Fargate provider' };
  if (placement.rolling) return { move: null, why: 'a rollout is in progress' };
  if (age < policy.retrySpotAfterMs)
    return {
      move: null,
      why: `on demand for ${minutes(age)} min, Spot is tried again after ${minutes(policy.retrySpotAfterMs)} min`,
    };
  return { move: 'FARGATE_SPOT', why: `on demand for ${Math.floor(age / 3600_000)} h` };
}

const minutes = (ms: number) => Math.floor(ms / 60_000);

/** An event's `time` has whole seconds, a deployment's `createdAt` milliseconds: within a second is not older. */
const EVENT_TIME_PRECISION_MS = 1_000;

export interface CapacityDeps {
  readonly capacity: WorkerCapacityPort;
  readonly notifier: Notifier;
  readonly logger: Logger;
  readonly policy?: CapacityPolicy;
}

export interface CapacityOutcome {
  readonly decision: CapacityDecision;
  readonly from: WorkerCapacity | null;
}

/** Reads the placement, decides, moves and alerts. A failed move throws (the invocation is retried). */
export async function answerCapacitySignal(
  deps: CapacityDeps,
  signal: CapacitySignal,
): Promise<CapacityOutcome> {
  const placement = await deps.capacity.placement();
  const decision = decideCapacity(placement, signal, deps.policy);
  const facts = {
    signal: signal.kind,
    ...(signal.kind === 'placement-failure' ? { reason: signal.reason } : {}),
    capacity: placement.capacity ?? 'other',
    running: placement.runningCount,
    pending: placement.pendingCount,
    desired: placement.desiredCount,
    why: decision.why,
  };
  if (decision.move === null) {
    deps.logger.info('worker capacity unchanged', facts);
    return { decision, from: placement.capacity };
  }
  await deps.capacity.moveTo(decision.move);
  deps.logger.warn('worker capacity moved', { ...facts, to: decision.move });
  await deps.notifier.notify(moveAlert(decision.move, decision.why));
  return { decision, from: placement.capacity };
}

function moveAlert(to: WorkerCapacity, why: string): Alert {
  return to === 'FARGATE'
    ? {
        kind: 'Alert',
        instanceId: WORKER_ALERT_SUBJECT,
        severity: 'warning',
        code: 'worker_spot_fallback',
        message: `The stream worker moved to on-demand Fargate: ${why}. It restarts once (recon covers the gap) and tries Spot again after a day.`,
        data: { to },
      }
    : {
        kind: 'Alert',
        instanceId: WORKER_ALERT_SUBJECT,
        severity: 'info',
        code: 'worker_spot_return',
        message: `The stream worker moves back to Fargate Spot (${why}). It restarts once; if Spot is still short it returns to on demand.`,
        data: { to },
      };
}

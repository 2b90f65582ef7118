/**
 * The Spot worker's on-demand fallback. ECS does not fall back by itself: a service on FARGATE_SPOT with
 * no Spot capacity just keeps failing to place its task, and fills wait for recon meanwhile. So:
 *  - **No Spot capacity** (ECS reports `SERVICE_TASK_PLACEMENT_FAILURE` for the worker's service while
 *    its newest deployment asks for FARGATE_SPOT): move the service to on-demand FARGATE, and say so.
 *  - **Back to Spot**: an hourly check moves it back once it has run on demand for `retrySpotAfterMs`
 *    (a day by default) and no rollout is going on. If Spot is still short, the first rule moves it
 *    back again, so a shortage costs at most one extra worker restart a day.
 *  - Anything else (a placement failure on demand, a deployment that asked for a launch type, a rollout
 *    in progress) moves nothing: the worker-down alarm covers a worker ECS cannot place at all.
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

/** The periodic check's event (the hourly rule's fixed input). */
export const SPOT_RETRY_EVENT = { action: 'spot-retry' } as const;

export type CapacitySignal =
  /** ECS could not place the worker's task; `reason` as ECS gives it, e.g. `RESOURCE:FARGATE`. */
  | { readonly kind: 'placement-failure'; readonly reason: string; readonly at: number }
  /** The periodic check: time to try Spot again? */
  | { readonly kind: 'spot-retry'; readonly at: number };

export interface CapacityPolicy {
  /** How long the worker stays on demand before it tries Spot again. */
  readonly retrySpotAfterMs: number;
}

export const DEFAULT_CAPACITY_POLICY: CapacityPolicy = { retrySpotAfterMs: 24 * 3600_000 };

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
  if (signal.kind === 'placement-failure') {
    if (placement.capacity === 'FARGATE_SPOT')
      return { move: 'FARGATE', why: `no Fargate Spot capacity (${signal.reason})` };
    return {
      move: null,
      why:
        placement.capacity === 'FARGATE'
          ? `placement failed on demand too (${signal.reason}): ECS keeps trying, the worker-down alarm covers it`
          : `placement failed (${signal.reason}) on a deployment that is not on one Fargate provider`,
    };
  }
  if (placement.capacity !== 'FARGATE') return { move: null, why: 'not on the on-demand fallback' };
  if (placement.rolling) return { move: null, why: 'a rollout is in progress' };
  const onDemandMs = signal.at - placement.since;
  if (onDemandMs < policy.retrySpotAfterMs)
    return {
      move: null,
      why: `on demand for ${Math.floor(onDemandMs / 60_000)} min, Spot is retried after ${Math.floor(policy.retrySpotAfterMs / 60_000)} min`,
    };
  return { move: 'FARGATE_SPOT', why: `on demand for ${Math.floor(onDemandMs / 3600_000)} h` };
}

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

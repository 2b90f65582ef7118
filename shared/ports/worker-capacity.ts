/**
 * Where the stream worker runs (the ECS service in AWS): read its placement, move it to other capacity.
 * Only the Spot fallback uses it (`application/worker-capacity.ts`).
 */

/** The Fargate capacity providers the worker can run on. */
export const WORKER_CAPACITIES = ['FARGATE_SPOT', 'FARGATE'] as const;
export type WorkerCapacity = (typeof WORKER_CAPACITIES)[number];

export interface WorkerPlacement {
  /**
   * The capacity the service's newest deployment asked for; `null` when it asked for a launch type or
   * something else than one Fargate provider (then the fallback leaves it alone).
   */
  readonly capacity: WorkerCapacity | null;
  /** When that deployment was created, ms since the epoch. */
  readonly since: number;
  /** More than one deployment is live: a rollout is still going on. */
  readonly rolling: boolean;
  readonly runningCount: number;
  readonly pendingCount: number;
  readonly desiredCount: number;
}

export interface WorkerCapacityPort {
  placement(): Promise<WorkerPlacement>;
  /** Starts a deployment of the same task on `capacity` (the old task stops first: never two workers). */
  moveTo(capacity: WorkerCapacity): Promise<void>;
}

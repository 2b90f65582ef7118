/**
 * Worker capacity Lambda (a deployment with a Spot worker only): moves the stream worker to on-demand
 * Fargate when ECS has no Spot capacity for it, and back to Spot a day later. Holds no exchange key and
 * touches no state; see shared/application/worker-capacity.ts.
 */
import { workerCapacityHandler } from '../../shared/composition/worker-capacity-lambda.js';

export const handler = workerCapacityHandler();

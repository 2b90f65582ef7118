/**
 * The Spot fallback's rule (`decideCapacity`) over every placement, signal and policy:
 *  - it never moves a worker to Spot on a failure, nor to on demand on a periodic check unless the Spot
 *    deployment has had no task for `stuckAfterMs`;
 *  - a failure moves only a Spot deployment, only for a capacity reason, only if the event is not older
 *    than that deployment;
 *  - it is settled: the same signal, on the deployment its move started (rolling or done, task up or
 *    not), moves nothing, so ECS's repeated events and the periodic check cannot make it flap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CapacitySignal, decideCapacity } from '../../shared/application/worker-capacity.js';
import type { WorkerPlacement } from '../../shared/ports/worker-capacity.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const placements = fc.record({
  capacity: fc.constantFrom('FARGATE_SPOT' as const, 'FARGATE' as const, null),
  since: fc.integer({ min: 10 * 24 * HOUR, max: 100 * 24 * HOUR }),
  rolling: fc.boolean(),
  runningCount: fc.integer({ min: 0, max: 2 }),
  pendingCount: fc.integer({ min: 0, max: 1 }),
  desiredCount: fc.integer({ min: 0, max: 1 }),
});
const signals = (since: number): fc.Arbitrary<CapacitySignal> => {
  const at = fc.integer({ min: since - 2 * HOUR, max: since + 10 * 24 * HOUR });
  return fc.oneof(
    fc.record({
      kind: fc.constant('placement-failure' as const),
      reason: fc.constantFrom(
        'RESOURCE:FARGATE',
        'RESOURCE:FARGATE_SPOT',
        'RESOURCE:ENI',
        'RESOURCE:MEMORY',
        'unknown',
      ),
      at,
    }),
    fc.record({ kind: fc.constant('check' as const), at }),
  );
};
const policies = fc.record({
  retrySpotAfterMs: fc.integer({ min: HOUR, max: 7 * 24 * HOUR }),
  stuckAfterMs: fc.integer({ min: MIN, max: HOUR }),
});
const cases = placements.chain((p) => fc.tuple(fc.constant(p), signals(p.since), policies));

describe('decideCapacity', () => {
  it('moves to on demand only a Spot deployment short of capacity, and back to Spot only after a quiet day on demand', () => {
    fc.assert(
      fc.property(cases, ([placement, signal, policy]) => {
        const d = decideCapacity(placement, signal, policy);
        const age = signal.at - placement.since;
        if (d.move === 'FARGATE') {
          expect(placement.capacity).toBe('FARGATE_SPOT');
          if (signal.kind === 'placement-failure') {
            expect(signal.reason.startsWith('RESOURCE:FARGATE')).toBe(true);
            expect(age).toBeGreaterThanOrEqual(-1_000); // an event's time has whole seconds
          } else {
            expect(placement.runningCount + placement.pendingCount).toBe(0);
            expect(placement.desiredCount).toBeGreaterThan(0);
            expect(age).toBeGreaterThanOrEqual(policy.stuckAfterMs);
          }
        }
        if (d.move === 'FARGATE_SPOT') {
          expect(signal.kind).toBe('check');
          expect(placement.capacity).toBe('FARGATE');
          expect(placement.rolling).toBe(false);
          expect(age).toBeGreaterThanOrEqual(policy.retrySpotAfterMs);
        }
        // A deployment on a launch type (on demand by choice) is never touched.
        if (placement.capacity === null) expect(d.move).toBeNull();
        expect(d.why.length).toBeGreaterThan(0);
      }),
    );
  });

  it('does move in each of those cases: a capacity failure, a stuck Spot deployment, a day on demand', () => {
    fc.assert(
      fc.property(cases, ([placement, signal, policy]) => {
        const age = signal.at - placement.since;
        const d = decideCapacity(placement, signal, policy);
        if (
          signal.kind === 'placement-failure' &&
          placement.capacity === 'FARGATE_SPOT' &&
          signal.reason.startsWith('RESOURCE:FARGATE') &&
          age >= -1_000
        )
          expect(d.move).toBe('FARGATE');
        if (signal.kind === 'check' && placement.capacity === 'FARGATE' && !placement.rolling)
          expect(d.move).toBe(age >= policy.retrySpotAfterMs ? 'FARGATE_SPOT' : null);
      }),
    );
  });

  it('is settled: the same signal, on the deployment its move started, moves nothing', () => {
    fc.assert(
      fc.property(
        cases,
        fc.boolean(),
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: 1 }),
        ([placement, signal, policy], rolling, runningCount, pendingCount) => {
          const d = decideCapacity(placement, signal, policy);
          if (d.move === null) return;
          const started: WorkerPlacement = {
            capacity: d.move,
            since: signal.at,
            rolling,
            runningCount,
            pendingCount,
            desiredCount: 1,
          };
          expect(decideCapacity(started, signal, policy).move).toBeNull();
        },
      ),
    );
  });
});

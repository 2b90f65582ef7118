/**
 * The Spot fallback's rule (`decideCapacity`), over every placement and signal: it only ever moves a
 * Spot worker ECS cannot place to on demand, and an on-demand fallback back to Spot after the policy's
 * time with no rollout; and the decision it makes is settled (the same signal on the placement it
 * produced moves nothing), so ECS's repeated events cannot make it flap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CapacitySignal, decideCapacity } from '../../shared/application/worker-capacity.js';
import type { WorkerPlacement } from '../../shared/ports/worker-capacity.js';

const HOUR = 3600_000;
const placements = fc.record({
  capacity: fc.constantFrom('FARGATE_SPOT' as const, 'FARGATE' as const, null),
  since: fc.integer({ min: 0, max: 100 * 24 * HOUR }),
  rolling: fc.boolean(),
  runningCount: fc.integer({ min: 0, max: 2 }),
  desiredCount: fc.constant(1),
});
const signals = (since: number) =>
  fc.oneof(
    fc.record({
      kind: fc.constant('placement-failure' as const),
      reason: fc.constantFrom('RESOURCE:FARGATE', 'RESOURCE:MEMORY', 'unknown'),
      at: fc.integer({ min: since, max: since + 10 * 24 * HOUR }),
    }),
    fc.record({
      kind: fc.constant('spot-retry' as const),
      at: fc.integer({ min: since, max: since + 10 * 24 * HOUR }),
    }),
  );
const policies = fc.record({ retrySpotAfterMs: fc.integer({ min: HOUR, max: 7 * 24 * HOUR }) });

describe('decideCapacity', () => {
  it('moves only Spot → on demand on a placement failure, and on demand → Spot on a due retry outside a rollout', () => {
    fc.assert(
      fc.property(
        placements.chain((p) => fc.tuple(fc.constant(p), signals(p.since), policies)),
        ([placement, signal, policy]) => {
          const d = decideCapacity(placement, signal, policy);
          if (signal.kind === 'placement-failure') {
            expect(d.move).toBe(placement.capacity === 'FARGATE_SPOT' ? 'FARGATE' : null);
          } else {
            const due =
              placement.capacity === 'FARGATE' &&
              !placement.rolling &&
              signal.at - placement.since >= policy.retrySpotAfterMs;
            expect(d.move).toBe(due ? 'FARGATE_SPOT' : null);
          }
          expect(d.why.length).toBeGreaterThan(0);
        },
      ),
    );
  });

  it('is settled: the same signal, on the deployment its move started, moves nothing', () => {
    fc.assert(
      fc.property(
        placements.chain((p) => fc.tuple(fc.constant(p), signals(p.since), policies)),
        ([placement, signal, policy]) => {
          const d = decideCapacity(placement, signal, policy);
          if (d.move === null) return;
          const after: WorkerPlacement = { ...placement, capacity: d.move, since: signal.at, rolling: true };
          const repeat: CapacitySignal = { ...signal };
          expect(decideCapacity(after, repeat, policy).move).toBeNull();
        },
      ),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  admit,
  type BreakerPolicy,
  type BreakerState,
  CLOSED,
  failed,
  succeeded,
} from '../../../../shared/domain/guards/breaker.js';

const policy: BreakerPolicy = { threshold: 10, cooldownMs: 60_000 };

describe('circuit breaker', () => {
  it('opens on the tenth consecutive failure, refuses for the cooldown, probes once, closes on success', () => {
    let s: BreakerState = CLOSED;
    for (let i = 1; i <= 9; i++) s = failed(s, i, policy);
    expect(s).toEqual({ status: 'closed', failures: 9 });
    s = failed(s, 10, policy);
    expect(s).toEqual({ status: 'open', failures: 10, openedAt: 10 });
    expect(admit(s, 60_009, policy).allow).toBe(false);
    const probe = admit(s, 60_010, policy);
    expect(probe).toEqual({ allow: true, state: { status: 'half_open', failures: 10, probing: true } });
    expect(admit(probe.state, 60_011, policy).allow).toBe(false); // one probe at a time
    expect(succeeded(probe.state)).toEqual(CLOSED);
    // A failed probe opens it again for a whole cooldown.
    const again = failed(probe.state, 60_020, policy);
    expect(again).toEqual({ status: 'open', failures: 11, openedAt: 60_020 });
  });

  it('keeps its invariants over any sequence of calls and outcomes (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 30_000 }), ok: fc.boolean() }), {
          maxLength: 200,
        }),
        (calls) => {
          let s: BreakerState = CLOSED;
          let now = 0;
          let streak = 0;
          for (const c of calls) {
            now += c.dt;
            const before = s;
            const gate = admit(s, now, policy);
            s = gate.state;
            if (before.status === 'open' && now - before.openedAt < policy.cooldownMs)
              expect(gate.allow).toBe(false);
            if (before.status === 'closed') expect(gate.allow).toBe(true);
            if (!gate.allow) continue;
            if (c.ok) {
              s = succeeded(s);
              streak = 0;
              expect(s).toEqual(CLOSED);
            } else {
              const wasProbe = s.status === 'half_open';
              s = failed(s, now, policy);
              streak += 1;
              expect(s.failures).toBe(streak);
              // Open exactly from the threshold-th failure in a row (or on a failed probe).
              expect(s.status).toBe(streak >= policy.threshold || wasProbe ? 'open' : 'closed');
            }
          }
        },
      ),
    );
  });
});

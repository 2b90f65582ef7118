/**
 * A circuit breaker per account (SPEC §5, issue 15): after `threshold` consecutive failed calls the
 * account's calls are refused without reaching the venue for `cooldownMs`; then one probe call is let
 * through (half-open): its success closes the breaker, its failure opens it again for another cooldown.
 * Pure: the caller says when a call starts and how it ended; time is given.
 *
 * Invariants (property-tested): the breaker opens exactly on the threshold-th consecutive failure; while
 * open nothing is allowed before the cooldown; half-open allows one call at a time; any success closes it
 * and zeroes the count.
 */

export interface BreakerPolicy {
  readonly threshold: number;
  readonly cooldownMs: number;
}

export const DEFAULT_BREAKER: BreakerPolicy = { threshold: 10, cooldownMs: 60_000 };

export type BreakerState =
  | { readonly status: 'closed'; readonly failures: number }
  | { readonly status: 'open'; readonly failures: number; readonly openedAt: number }
  | { readonly status: 'half_open'; readonly failures: number; readonly probing: boolean };

export const CLOSED: BreakerState = { status: 'closed', failures: 0 };

/** Whether a call may start now, and the state after deciding so. */
export function admit(
  s: BreakerState,
  now: number,
  policy: BreakerPolicy,
): { readonly allow: boolean; readonly state: BreakerState } {
  switch (s.status) {
    case 'closed':
      return { allow: true, state: s };
    case 'open':
      if (now - s.openedAt < policy.cooldownMs) return { allow: false, state: s };
      return { allow: true, state: { status: 'half_open', failures: s.failures, probing: true } };
    case 'half_open':
      if (s.probing) return { allow: false, state: s };
      return { allow: true, state: { ...s, probing: true } };
  }
}

export function succeeded(_s: BreakerState): BreakerState {
  return CLOSED;
}

export function failed(s: BreakerState, now: number, policy: BreakerPolicy): BreakerState {
  const failures = s.failures + 1;
  if (s.status === 'half_open' || failures >= policy.threshold)
    return { status: 'open', failures, openedAt: now };
  return { status: 'closed', failures };
}

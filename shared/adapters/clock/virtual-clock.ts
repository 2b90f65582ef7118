/**
 * A simulated clock: time moves only when the simulation says so.
 *
 * Entry points: `now`, `sleep(ms, signal?)` (resolves when virtual time reaches now + ms, or when `signal`
 * aborts, cancelling its timer), `schedule(at, fn)` /
 * `cancel`, `advanceTo(t)` / `advanceBy(ms)` (fire due timers in time order, then land on `t`),
 * `runUntilIdle` (fire every timer, however far), `pendingTimers`, `nextTimerAt`.
 *
 * Invariants:
 *  1. `now()` never goes backwards; `advanceTo` with an earlier time throws.
 *  2. Timers fire in (due time, scheduling order) order, one at a time, and `now()` equals a timer's due
 *     time while it fires. After each timer the clock lets pending promise continuations run, so work
 *     that a timer's continuation schedules inside the advanced window fires in the same `advanceTo`.
 *  3. Nothing here reads wall time or randomness: the same calls give the same order, every run.
 */
import type { Clock } from '../../ports/clock.js';

export interface TimerHandle {
  readonly id: number;
  readonly at: number;
}

interface Timer extends TimerHandle {
  readonly fn: () => void;
}

/** Lets every queued promise continuation (and what those queue in turn) run before the next timer. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class VirtualClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: Timer[] = [];
  /** Timers fired so far (a replay's cost that does not depend on the machine's noise). */
  fired = 0;

  constructor(startMs = 0) {
    if (!Number.isSafeInteger(startMs))
      throw new Error(`VirtualClock: start must be an integer ms, got ${startMs}`);
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const onAbort = () => {
        this.cancel(handle);
        resolve();
      };
      const handle = this.schedule(this.current + Math.max(0, ms), () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs `fn` when virtual time reaches `at` (immediately on the next advance if `at` ≤ now). */
  schedule(at: number, fn: () => void): TimerHandle {
    const timer: Timer = { id: this.nextId++, at: Math.max(at, this.current), fn };
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1]!.at > timer.at) i--;
    this.timers.splice(i, 0, timer);
    return { id: timer.id, at: timer.at };
  }

  cancel(handle: TimerHandle): boolean {
    const i = this.timers.findIndex((t) => t.id === handle.id);
    if (i < 0) return false;
    this.timers.splice(i, 1);
    return true;
  }

  pendingTimers(): number {
    return this.timers.length;
  }

  nextTimerAt(): number | undefined {
    return this.timers[0]?.at;
  }

  async advanceTo(target: number): Promise<void> {
    if (target < this.current) {
      throw new Error(`VirtualClock: cannot go back from ${this.current} to ${target}`);
    }
    await settle();
    for (;;) {
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.current = next.at;
      this.fired += 1;
      next.fn();
      await settle();
    }
    this.current = target;
  }

  /**
   * Fires the earliest timer if it is due by `t` (time moves to it), without letting anything else run:
   * for a driver that settles the application itself after each timer (the replay). False if none is due.
   */
  fireNext(t: number): boolean {
    const next = this.timers[0];
    if (!next || next.at > t) return false;
    this.timers.shift();
    this.current = next.at;
    this.fired += 1;
    next.fn();
    return true;
  }

  advanceBy(ms: number): Promise<void> {
    return this.advanceTo(this.current + ms);
  }

  /** Fires every timer, including ones scheduled while firing, up to `maxTimers` (a runaway guard). */
  async runUntilIdle(maxTimers = 1_000_000): Promise<void> {
    let fired = 0;
    await settle();
    while (this.timers.length > 0) {
      if (fired++ >= maxTimers)
        throw new Error(`VirtualClock: more than ${maxTimers} timers fired; a timer loop?`);
      await this.advanceTo(this.timers[0]!.at);
    }
  }

  /** Moves time forward without firing anything that comes due (e.g. to stamp a step). */
  setTime(t: number): void {
    if (t < this.current) throw new Error(`VirtualClock: cannot go back from ${this.current} to ${t}`);
    if (this.timers[0] && this.timers[0].at <= t) {
      throw new Error(
        `VirtualClock: setTime(${t}) would skip a timer due at ${this.timers[0].at}; use advanceTo`,
      );
    }
    this.current = t;
  }
}

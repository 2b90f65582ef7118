/** Time comes from here, never from `Date.now()` in the domain or application layers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Resolves after `ms` of this clock's time (virtual time in simulation) — or at once when `signal`
   * aborts, releasing the timer, so a loop that stops does not keep a process (or a simulation) waiting.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

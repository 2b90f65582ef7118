/** Time comes from here, never from `Date.now()` in the domain or application layers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` of this clock's time (virtual time in simulation). */
  sleep(ms: number): Promise<void>;
}

/** The wall clock, for live runs. The only place in gridbot that reads `Date.now()` for time. */
import type { Clock } from '../../ports/clock.js';

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }
}

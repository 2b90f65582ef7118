/**
 * The simulator's scheduler: when EventBridge Scheduler would fire the recon, recompute and risk jobs of
 * each instance, on the virtual clock. Every job fires once at the bot's start (recompute first, so a
 * computed level source has parameters before the first recon), then on multiples of its interval since
 * the epoch, as a `rate()` schedule would. A 30-second recon fires every minute, and its second pass
 * (`pass: 2`, carrying the same scheduled minute) fires `SECOND_PASS_DELAY_MS` later, as the second-pass
 * queue's delivery delay hands it to the Lambda.
 */
import { strategyOf } from '../../domain/strategies/index.js';
import type { InstanceConfigBase } from '../../domain/strategy.js';
import { type JobName, SECOND_PASS_DELAY_MS } from '../scheduled.js';

export interface DueJob {
  readonly job: JobName;
  readonly instanceId: string;
  /** When it runs. */
  readonly at: number;
  /** The schedule's time it carries (its idempotency key): `at`, or the minute before a second pass. */
  readonly scheduledAt: number;
  readonly pass: 1 | 2;
}

/** Jobs at the same time run in this order: levels first, then the grid, then the risk check. */
const ORDER: readonly JobName[] = ['recompute', 'recon', 'risk'];

function intervalMs(config: InstanceConfigBase, job: JobName): number {
  const sec = strategyOf(config).jobIntervalSec(config, job);
  // Twice-a-minute recon runs as two passes of a one-minute schedule.
  return (job === 'recon' ? Math.max(60, sec) : sec) * 1000;
}

export class JobSchedule {
  readonly #entries: {
    job: JobName;
    config: InstanceConfigBase;
    every: number;
    next: number;
    pass: 1 | 2;
    /** How long after its scheduled time it runs. */
    delay: number;
  }[] = [];

  constructor(instances: readonly InstanceConfigBase[], start: number) {
    for (const job of ORDER) {
      for (const config of instances) {
        if (!config.enabled || !strategyOf(config).jobs.includes(job)) continue;
        const every = intervalMs(config, job);
        this.#entries.push({ job, config, every, next: start, pass: 1, delay: 0 });
        if (job === 'recon' && config.recon_interval_sec === 30) {
          const delay = SECOND_PASS_DELAY_MS;
          this.#entries.push({ job, config, every, next: start + delay, pass: 2, delay });
        }
      }
    }
  }

  /** The earliest time anything is due (Infinity when nothing is scheduled). */
  nextAt(): number {
    let t = Number.POSITIVE_INFINITY;
    for (const e of this.#entries) if (e.next < t) t = e.next;
    return t;
  }

  /** When the instance next runs `job` (Infinity: never). */
  nextOf(instanceId: string, job: JobName): number {
    let t = Number.POSITIVE_INFINITY;
    for (const e of this.#entries) if (e.config.id === instanceId && e.job === job && e.next < t) t = e.next;
    return t;
  }

  /** Takes every job due at `at` (in firing order) and moves each to its next slot. */
  take(at: number): DueJob[] {
    const out: DueJob[] = [];
    for (const e of this.#entries) {
      if (e.next !== at) continue;
      const scheduledAt = at - e.delay;
      out.push({ job: e.job, instanceId: e.config.id, at, scheduledAt, pass: e.pass });
      e.next = (Math.floor(scheduledAt / e.every) + 1) * e.every + e.delay;
    }
    return out;
  }
}

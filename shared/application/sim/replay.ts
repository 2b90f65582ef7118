/**
 * The replay driver: runs the production services over a recorded or generated market on a virtual clock.
 * Nothing here re-implements the strategy; it only decides *when* things happen:
 *  - market steps (a candle at its close, a trade at its time) go to the exchange, whose user stream
 *    delivers fills to the `StreamWorker` — the same worker Fargate runs — which routes them to
 *    `handleFill` in order;
 *  - scheduled jobs go through `runScheduled` (idempotent claims, fan-out) with the virtual scheduled time,
 *    calling `reconcileInstance`, `recomputeParams` and `runRiskCheck`, exactly as the Lambdas do;
 *  - between steps the driver waits until every store call in flight has finished (`settle`), so the
 *    order of events depends on virtual time only, never on how fast the store answers.
 *
 * Entry point: `replayMarket(options)`.
 *
 * Invariants:
 *  1. At one instant the market step comes first, then the jobs due then (a recon at 12:00 sees the candle
 *     that closed at 12:00), in the order recompute → recon → risk.
 *  2. Virtual time moves only forward and only here; a service that sleeps (conflict backoff) wakes when
 *     the driver reaches its timer. The second pass of a 30-second recon is a job of its own, due 30 s
 *     after the minute it carries.
 *  3. Whenever the grid may have changed — a fill handled, a recon pass that sent orders or applied fills,
 *     a recompute or risk check — the stored grid is checked with its strategy's invariants; violations are
 *     returned, never hidden.
 */

import type { InstanceConfig } from '../../domain/config/deployment.js';
import type { GridState } from '../../domain/grid-state.js';
import { strategyOf } from '../../domain/strategies/index.js';
import type { Clock } from '../../ports/clock.js';
import type { StateStore } from '../../ports/state-store.js';
import type { AppContext } from '../context.js';
import { JOB_SERVICES } from '../jobs.js';
import type { ReconReport } from '../reconcile-instance.js';
import { type JobName, runScheduled } from '../scheduled.js';
import type { SteadyCheck } from '../strategies/runtime.js';
import { StreamWorker } from '../stream-worker.js';
import { type QuietCandle, type QuietMarket, QuietSkip } from './quiet-skip.js';
import { type DueJob, JobSchedule } from './schedule.js';

/** The virtual clock as the driver moves it (`VirtualClock` implements it). */
export interface SteppableClock extends Clock {
  /** Fires the earliest timer if due by `t` (time moves to it) and nothing else; false if none is due. */
  fireNext(t: number): boolean;
  /** Moves time when no timer is due by then (no waiting). */
  setTime(t: number): void;
  nextTimerAt(): number | undefined;
  pendingTimers(): number;
}

export interface MarketStep {
  /** When the step becomes known: a candle's close, a trade's time. */
  readonly at: number;
  /**
   * Feeds the step to the exchange. Returns false when it reached no account (no fill, no order
   * update: nothing for a user stream to deliver), so the driver need not wait for the worker.
   */
  apply(): boolean;
  /** A candle the exchange may take as a quiet one (`quiet-skip.ts`); absent: always applied in full. */
  readonly quiet?: QuietCandle;
}

export interface ReplayOptions {
  readonly ctx: AppContext;
  readonly clock: SteppableClock;
  readonly instances: readonly InstanceConfig[];
  /** Market steps before the bot starts (history for indicators); no job runs during them. */
  readonly history: Iterable<MarketStep>;
  /** Market steps while the bot runs, in time order. */
  readonly steps: Iterable<MarketStep>;
  /** The bot's first scheduled time; jobs fire until `end` (inclusive). */
  readonly start: number;
  readonly end: number;
  /** Resolves once no store call is in flight and every queued continuation has run. */
  readonly settle: () => Promise<void>;
  readonly heartbeatIntervalMs: number;
  /** Called after each market step of the bot's period (and its jobs) has settled. */
  readonly afterStep?: (at: number) => Promise<void> | undefined | void;
  /** Called with the stored grid whenever the driver inspects it (after anything that may change it). */
  readonly onGrid?: (instanceId: string, state: GridState, at: number) => void;
  /** Given: quiet stretches are cut short (`quiet-skip.ts`); absent: every pass runs, every candle in full. */
  readonly quiet?: QuietMarket;
  /**
   * The store as the driver reads it itself (the grids it inspects), with the application settled: the
   * same data as `ctx.store`, without the simulator's in-flight accounting (absent: `ctx.store`).
   */
  readonly observe?: Pick<StateStore, 'loadGrid'>;
}

export interface JobFailure {
  readonly job: JobName;
  readonly instanceId: string;
  readonly at: number;
  readonly error: string;
}

export interface InvariantViolation {
  readonly at: number;
  readonly instanceId: string;
  readonly message: string;
}

export interface ReplayResult {
  readonly steps: number;
  readonly jobs: Record<JobName, number>;
  readonly failures: readonly JobFailure[];
  readonly violations: readonly InvariantViolation[];
  readonly worker: StreamWorker['stats'];
  /** Sums over every recon pass (ms of wall time). */
  readonly reconTimings: {
    exchangeMs: number;
    storeMs: number;
    engineMs: number;
    totalMs: number;
    /** Passes that changed nothing but their time and price, not written (`quiet-pass.ts`), skipped ones included. */
    quiet: number;
  };
  /** What quiet stretches left out (`quiet-skip.ts`): recon passes and risk checks skipped, candles applied as quiet ones. */
  readonly skipped: {
    readonly reconPasses: number;
    readonly riskChecks: number;
    readonly quietCandles: number;
  };
}

/** A blocked task may sleep through backoff, not through hours of virtual time. */
const STALL_LIMIT_MS = 3_600_000;

export async function replayMarket(o: ReplayOptions): Promise<ReplayResult> {
  const { clock } = o;
  // A strategy may hand legs to the closer (a pair's stop, a rotation): noticed here, so the worker's
  // flatten runner is polled only while there is something to work (a poll every virtual second of a
  // month would cost more than the rest of the replay).
  let flattenAsked = false;
  const store = o.ctx.store;
  const observe = o.observe ?? store;
  const bound = new Map<PropertyKey, unknown>();
  const ctx: AppContext = {
    ...o.ctx,
    store: new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'putFlatten')
          return (...args: Parameters<typeof store.putFlatten>) => {
            flattenAsked = true;
            return target.putFlatten(...args);
          };
        const v = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        let f = bound.get(prop);
        if (!f) {
          f = v.bind(target);
          bound.set(prop, f);
        }
        return f;
      },
    }),
  };
  const jobs: Record<JobName, number> = { recon: 0, recompute: 0, risk: 0 };
  const failures: JobFailure[] = [];
  const violations: InvariantViolation[] = [];
  const seen = new Set<string>();
  const reconTimings = { exchangeMs: 0, storeMs: 0, engineMs: 0, totalMs: 0, quiet: 0 };
  const byId = new Map(o.instances.map((c) => [c.id, c]));

  /**
   * Moves the clock to `t`, firing the timers due by then one at a time: what is pending settles before
   * the first, and the application settles after each (its store calls answered, their continuations run).
   * With no timer due it only moves the clock, and returns nothing to wait for (most minutes of a month).
   */
  const advance = (t: number): Promise<void> | undefined => {
    const next = clock.nextTimerAt();
    if (next !== undefined && next <= t) return fireThrough(t);
    if (t > clock.now()) clock.setTime(t);
    return undefined;
  };
  const fireThrough = async (t: number): Promise<void> => {
    // Heartbeats kept off the clock come back on it before another timer fires (none is set while they
    // are off in a quiet stretch; this keeps the heartbeat right should one be).
    if (worker?.heartbeatsOffClock) await worker.flushHeartbeats();
    await o.settle();
    while (clock.fireNext(t)) await o.settle();
    if (t > clock.now()) clock.setTime(t);
  };

  /** Awaits a task that may sleep on the virtual clock, moving time only as far as its timers need. */
  const untilDone = async <T>(task: Promise<T>, what: string): Promise<T> => {
    let done = false;
    void task.then(
      () => {
        done = true;
      },
      () => {
        done = true;
      },
    );
    const from = clock.now();
    for (;;) {
      await o.settle();
      if (done) break;
      const next = clock.nextTimerAt();
      if (next === undefined || next - from > STALL_LIMIT_MS)
        throw new Error(`replay stalled: ${what} is waiting on nothing the simulation can advance`);
      // The timers of that instant, the application settled after each (just settled before the first).
      clock.fireNext(next);
      while (clock.nextTimerAt() === next) {
        await o.settle();
        clock.fireNext(next);
      }
    }
    return await task;
  };

  /** Reads the stored grid and checks its invariants (after anything that may have changed it). */
  const inspect = async (instanceIds: Iterable<string>): Promise<void> => {
    const at = ctx.clock.now();
    for (const instanceId of instanceIds) {
      const config = byId.get(instanceId);
      const state = await observe.loadGrid(instanceId);
      if (!config || !state) continue;
      o.onGrid?.(instanceId, state, at);
      const strategy = strategyOf(config);
      // Invariants are judged on the first leg's rules (a strategy with legs on other symbols checks those itself).
      const leg = strategy.legs(config)[0]!;
      const rules = await ctx.rules.get(ctx.exchanges(leg.account), leg.symbol, at);
      for (const message of strategy.invariants(state, config, rules)) {
        const key = `${instanceId}|${message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        violations.push({ at, instanceId, message });
      }
    }
  };

  let worker: StreamWorker | undefined;
  const skip = o.quiet ? new QuietSkip(ctx, o.instances, o.quiet, o.heartbeatIntervalMs, observe) : null;
  const run = (due: DueJob) =>
    runScheduled(
      ctx,
      due.job,
      { instanceId: due.instanceId, scheduledTime: new Date(due.scheduledAt).toISOString(), pass: due.pass },
      JOB_SERVICES[due.job],
    );
  /** What a job that ran did, taken once the application has settled after it (its grid read as stored). */
  const ran = async (due: DueJob, outcomes: Awaited<ReturnType<typeof run>>): Promise<void> => {
    for (const out of outcomes) {
      if (out.status === 'done') jobs[due.job] += 1;
      if (out.status === 'failed')
        failures.push({ job: due.job, instanceId: out.instanceId, at: due.at, error: out.error ?? '' });
      if (out.status !== 'done') {
        await skip?.ran(out.instanceId, due.job, false);
        continue;
      }
      if (due.job === 'recon') {
        const r = out.result as ReconReport;
        await skip?.ran(out.instanceId, due.job, r.settled, r.fixedPoint === true);
        reconTimings.exchangeMs += r.timings.exchangeMs;
        reconTimings.storeMs += r.timings.storeMs;
        reconTimings.engineMs += r.timings.engineMs;
        reconTimings.totalMs += r.timings.exchangeMs + r.timings.storeMs + r.timings.engineMs;
        if (r.quiet) reconTimings.quiet += 1;
        // A pass that sent nothing and applied nothing only stamped the time: nothing to check.
        if (r.coldStart || r.commands > 0 || r.fillsApplied > 0) await inspect([out.instanceId]);
      } else {
        // A check or recompute that left the grid as it was keeps its band.
        await skip?.ran(out.instanceId, due.job, true);
        if (due.job === 'risk')
          skip?.checked(out.instanceId, (out.result as { steady?: SteadyCheck | null }).steady);
        await inspect([out.instanceId]);
      }
    }
  };

  const schedule = new JobSchedule(o.instances, o.start);
  /** A due job left out: inside its band, the pass would decide nothing and not be written (or a steady check). */
  const skipped = (due: DueJob): boolean => {
    if (!skip?.skips(due.instanceId, due.job, due.at)) return false;
    jobs[due.job] += 1;
    if (due.job === 'recon') reconTimings.quiet += 1;
    return true;
  };
  /** Runs `due[k]` for real, then each job after it not left out, in order. */
  const runFrom = async (due: readonly DueJob[], k: number): Promise<void> => {
    for (let j = k; j < due.length; j++) {
      if (j > k && skipped(due[j]!)) continue;
      await worker?.flushHeartbeats();
      await ran(due[j]!, await untilDone(run(due[j]!), `${due[j]!.job} of ${due[j]!.instanceId}`));
    }
  };
  /** The jobs due at `at` (the clock there), in order: nothing to wait for while every one is left out. */
  const jobsAt = (at: number): Promise<void> | undefined => {
    const due = schedule.take(at);
    for (let k = 0; k < due.length; k++) if (!skipped(due[k]!)) return runFrom(due, k);
    return undefined;
  };
  /**
   * Runs the jobs due by `t`, each at its own time. Returns something to wait for only once a timer fires
   * or a job runs for real: most minutes of a month have only a pass left out.
   */
  const jobsThrough = (t: number): Promise<void> | undefined => {
    for (let at = schedule.nextAt(); at <= t; at = schedule.nextAt()) {
      const moved = advance(at);
      const pending = moved ? moved.then(() => jobsAt(at)) : jobsAt(at);
      if (pending) return pending.then(() => jobsThrough(t));
    }
    return undefined;
  };
  const runJobsThrough = async (t: number): Promise<void> => {
    await jobsThrough(t);
  };

  for (const step of o.history) {
    await advance(step.at);
    step.apply();
  }
  await advance(o.start);
  worker = new StreamWorker(ctx, {
    instances: o.instances,
    writer: 'gridbot-sim',
    // Its orders' client ids carry the run id: a fixed one keeps a replay's events the same run to run.
    run: 'replay',
    heartbeatIntervalMs: o.heartbeatIntervalMs,
    // No operator hands a flatten over in a replay: the store is not polled for one.
    flattenPollMs: null,
    // In quiet stretches only the last heartbeat before anything reads it is written (`quiet-skip.ts`):
    // kept while nothing else sleeps on the clock (a waking task might read it), written before any step
    // or job that runs in full.
    ...(skip ? { deferHeartbeats: () => skip.active && clock.pendingTimers() === 0 } : {}),
  });
  await worker.start();
  await o.settle();

  const handled = () => worker.stats.fills + worker.stats.duplicates + worker.stats.failures;
  const everyInstance = o.instances.map((c) => c.id);
  let steps = 0;
  const list = skip ? [...o.steps] : o.steps;
  let index = -1;
  for (const step of list) {
    index += 1;
    // Jobs strictly before this step's time run first, each at its own scheduled time. (Each wait only when
    // something is to be waited for: a month is mostly minutes with nothing due.)
    const earlier = jobsThrough(step.at - 1);
    if (earlier) await earlier;
    const moved = advance(step.at);
    if (moved) await moved;
    if (!skip?.tryQuiet(list as MarketStep[], index, schedule)) {
      // What the step brings may read the worker's heartbeat (a hand-over asks whether it holds the account).
      await worker.flushHeartbeats();
      const before = handled();
      if (step.apply()) await o.settle();
      if (handled() !== before) {
        skip?.forgetAll();
        await inspect(everyInstance);
      }
      skip?.fullStep(step);
    }
    const atStep = jobsThrough(step.at);
    if (atStep) await atStep;
    // A hand-over is worked by the closer a slice per leg per step (the replay's market moves a candle at
    // a time); what it has not finished by its deadline recon closes at market, as live.
    if (flattenAsked || worker.flattening > 0) {
      skip?.stop();
      await worker.flushHeartbeats();
      flattenAsked = false;
      await untilDone(worker.pollFlattens(), 'the flatten runner');
      await o.settle();
    }
    steps += 1;
    const after = o.afterStep?.(step.at);
    if (after) await after;
  }
  await runJobsThrough(o.end);
  await worker.flushHeartbeats();
  await untilDone(worker.drain(), 'the stream worker');
  await untilDone(worker.stop(), 'stopping the stream worker');
  await worker.flushHeartbeats();
  await inspect(everyInstance);
  return {
    steps,
    jobs,
    failures,
    violations,
    worker: { ...worker.stats },
    reconTimings,
    skipped: {
      reconPasses: skip?.skippedPasses ?? 0,
      riskChecks: skip?.skippedChecks ?? 0,
      quietCandles: skip?.quietCandles ?? 0,
    },
  };
}

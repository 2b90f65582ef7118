/**
 * `runBot`: the whole runtime in one process, for running live on one machine (SPEC §6 "Local"). The
 * StreamWorker answers fills; the scheduled jobs fire on the clock at their configured intervals
 * (`JobSchedule`, the simulator's scheduler) through `runScheduled`, exactly as EventBridge Scheduler
 * fires the Lambdas. Stops cleanly when `stop` resolves: no new jobs, running ones finish, the worker
 * drains — and no timer of its own is left behind, so the process can end.
 *
 * A worker that cannot start (no connection to the exchange) makes `runBot` reject, after closing what
 * it had opened; the caller still owns the context (store, exchanges) and closes it.
 */
import type { InstanceConfig } from '../domain/config/deployment.js';
import type { AppContext } from './context.js';
import { JOB_SERVICES } from './jobs.js';
import { runScheduled } from './scheduled.js';
import { JobSchedule } from './sim/schedule.js';
import { scheduleReports } from './status-report.js';
import { StreamWorker } from './stream-worker.js';

export interface RunBotOptions {
  readonly instances: readonly InstanceConfig[];
  readonly writer: string;
  /** Resolves when the bot should stop (a signal handler, a test). */
  readonly stop: Promise<void>;
  /** Called once the stream worker is up and the schedule is running. */
  readonly started?: () => void;
  /** Accounts whose venue has no streams here (`StreamWorkerOptions.withoutStreams`). */
  readonly withoutStreams?: readonly string[];
}

export async function runBot(ctx: AppContext, opts: RunBotOptions): Promise<{ jobs: number }> {
  const worker = new StreamWorker(ctx, {
    instances: opts.instances,
    writer: opts.writer,
    requireAnAccount: true,
    withoutStreams: opts.withoutStreams,
  });
  const stopping = new AbortController();
  void opts.stop.then(() => stopping.abort());
  try {
    await worker.start();
  } catch (e) {
    await worker.stop().catch(() => {});
    throw e;
  }
  const schedule = new JobSchedule(opts.instances, ctx.clock.now());
  // Scheduled status reports by e-mail, when the deployment configures them.
  const stopReports = scheduleReports(ctx);
  const running = new Set<Promise<unknown>>();
  let jobs = 0;
  if (!stopping.signal.aborted) opts.started?.();
  while (!stopping.signal.aborted) {
    await ctx.clock.sleep(Math.max(0, schedule.nextAt() - ctx.clock.now()), stopping.signal);
    if (stopping.signal.aborted) break;
    for (const due of schedule.take(schedule.nextAt())) {
      jobs += 1;
      const run = runScheduled(
        ctx,
        due.job,
        {
          instanceId: due.instanceId,
          scheduledTime: new Date(due.scheduledAt).toISOString(),
          pass: due.pass,
        },
        JOB_SERVICES[due.job],
      ).catch((e) =>
        ctx.logger.error('scheduled job failed', {
          job: due.job,
          error: e instanceof Error ? e.message : String(e),
        }),
      );
      running.add(run);
      void run.finally(() => running.delete(run));
    }
  }
  await Promise.all(running);
  stopReports();
  await worker.stop();
  return { jobs };
}

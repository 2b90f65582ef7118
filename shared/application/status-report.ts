/**
 * E-mailed status reports (SPEC §5): one HTML report per instance, on demand (`sendStatusReport`: the
 * admin `report` command, `gridbot report`) and on a schedule (`sendDueReports`, every
 * `reports.email.every_minutes`, from the process that runs all the time: the stream worker). A report
 * says what the strategy's `status` says and lists the warnings and critical alerts journaled since the
 * previous period began. A scheduled report is claimed once per instance and period in the store, so a
 * restart or a second process never sends it twice.
 */
import { type ReportAlert, renderStatusReport } from '../domain/report/status-report.js';
import { strategyOf } from '../domain/strategies/index.js';
import type { AppContext } from './context.js';
import { loadConfig } from './instance.js';

export class ReportsNotConfiguredError extends Error {
  override readonly name = 'ReportsNotConfiguredError';
  constructor() {
    super(
      'no status reports are configured: add reports.email (to, from, transport) to the deployment config',
    );
  }
}

/** Warnings and critical alerts journaled for the instance in [since, now]. */
async function alertsSince(
  ctx: AppContext,
  instanceId: string,
  since: number,
  now: number,
): Promise<ReportAlert[]> {
  const lines = await ctx.store.queryJournal(instanceId, 'alert', since, now, 500);
  return lines
    .filter((l) => l.data.severity === 'warning' || l.data.severity === 'critical')
    .map((l) => ({
      ts: l.time,
      severity: String(l.data.severity),
      code: String(l.data.code ?? ''),
      message: String(l.data.reason ?? ''),
    }));
}

/** Sends one instance's report now; `since`: the start of the alerts it lists. */
export async function sendStatusReport(
  ctx: AppContext,
  instanceId: string,
  since: number,
): Promise<{ readonly to: readonly string[]; readonly subject: string; readonly alerts: number }> {
  const reports = ctx.reports;
  if (!reports) throw new ReportsNotConfiguredError();
  const config = await loadConfig(ctx, instanceId);
  const state = await ctx.store.loadGrid(instanceId);
  const now = ctx.clock.now();
  const status = state
    ? strategyOf(config).status(config, state)
    : { instanceId, initialized: false, note: 'no state yet: recon has not run' };
  const alerts = await alertsSince(ctx, instanceId, since, now);
  const r = renderStatusReport({
    instanceId,
    strategy: config.strategy,
    generatedAt: now,
    since,
    status,
    alerts,
  });
  await reports.mailer.send({ from: reports.email.from, to: reports.email.to, ...r });
  ctx.metrics.put('ReportsSent', 1, 'Count', { instance: instanceId });
  ctx.logger.info('status report sent', {
    instance: instanceId,
    to: reports.email.to.length,
    alerts: alerts.length,
  });
  return { to: reports.email.to, subject: r.subject, alerts: alerts.length };
}

/**
 * The scheduled reports due now: for each instance, one per period of `every_minutes` (claimed in the
 * store first), covering the period before. A failure is logged and counted; the others still go.
 */
export async function sendDueReports(ctx: AppContext): Promise<number> {
  const reports = ctx.reports;
  if (!reports) return 0;
  const period = reports.email.every_minutes * 60_000;
  const slot = Math.floor(ctx.clock.now() / period);
  let sent = 0;
  for (const instanceId of ctx.instanceIds) {
    try {
      if (!(await ctx.store.claimOnce(`report#${instanceId}#${slot}`, Math.ceil((2 * period) / 1000))))
        continue;
      await sendStatusReport(ctx, instanceId, (slot - 1) * period);
      sent += 1;
    } catch (e) {
      ctx.metrics.put('ReportFailures', 1, 'Count', { instance: instanceId });
      ctx.logger.error('status report failed', {
        instance: instanceId,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
  return sent;
}

/** Checks every minute for reports due (the stream worker runs it); returns the stop function. */
export function scheduleReports(ctx: AppContext): () => void {
  if (!ctx.reports) return () => undefined;
  const timer = setInterval(() => void sendDueReports(ctx), 60_000);
  timer.unref();
  void sendDueReports(ctx);
  return () => clearInterval(timer);
}

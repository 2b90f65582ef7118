/**
 * The Fargate stream worker process: one per deployment (never two stream holders). Builds the live
 * runtime, runs the StreamWorker for every enabled instance, serves `/healthz` for the container health
 * check, flushes metrics every minute, and on SIGTERM drains and exits 0 (grid orders stay on the exchange).
 */
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { scheduleReports } from '../../shared/application/status-report.js';
import { StreamWorker } from '../../shared/application/stream-worker.js';
import { liveRuntime } from '../../shared/composition/live.js';
import { streamlessAccounts } from '../../shared/domain/config/deployment.js';

async function main(): Promise<void> {
  const rt = await liveRuntime('stream-worker');
  const worker = new StreamWorker(rt.ctx, {
    instances: rt.deployment.instances,
    writer: process.env.ECS_TASK_ID ?? hostname(),
    withoutStreams: streamlessAccounts(rt.deployment),
  });
  await worker.start();
  // The scheduled status reports go from here: the one process that runs all the time.
  const stopReports = scheduleReports(rt.ctx);

  const port = Number(process.env.GRIDBOT_HEALTH_PORT ?? 8080);
  const server = createServer((req, res) => {
    const h = worker.health();
    res.writeHead(req.url === '/healthz' ? (h.ok ? 200 : 503) : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.url === '/healthz' ? { ...h, stats: worker.stats } : { error: 'not found' }));
  });
  server.listen(port, '0.0.0.0');
  const flusher = setInterval(() => void rt.metrics.flush(), 60_000);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    rt.logger.info('shutting down', { signal });
    clearInterval(flusher);
    stopReports();
    await worker.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rt.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((e) => {
  console.error(
    JSON.stringify({
      level: 'ERROR',
      message: 'stream worker failed to start',
      error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
    }),
  );
  process.exit(1);
});

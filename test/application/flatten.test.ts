/**
 * Flatten everywhere (issue 16): `close-all` on a Key Level Grid hands its position to the live stream
 * worker through the store, and the worker works it down with the closer's engine; with no live worker the
 * admin command closes at market itself and says so. The closer strategy takes a flatten into its own state.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PaperApiError } from '../../shared/adapters/paper/errors.js';
import { runAdminCommand } from '../../shared/application/admin.js';
import { workerHolds } from '../../shared/application/hand-over.js';
import { loadConfig } from '../../shared/application/instance.js';
import { JOB_SERVICES } from '../../shared/application/jobs.js';
import { reconcileInstance } from '../../shared/application/reconcile-instance.js';
import { StreamWorker } from '../../shared/application/stream-worker.js';
import { decodeClientOrderId } from '../../shared/domain/client-order-id.js';
import { dec } from '../../shared/domain/money.js';
import { closerConfigSchema } from '../../shared/domain/strategies/closer/config.js';
import { type PaperApp, paperApp } from '../support/app.js';
import { loadKlg } from '../support/strategies/klg/state.js';

let app: PaperApp;
let worker: StreamWorker | null = null;
afterEach(async () => {
  await worker?.stop();
  worker = null;
  await app?.stop();
});

const DOGE = 'DOGE/USDC:USDC';

/**
 * A Key Level Grid on a paper venue with its stream worker running, holding 100 DOGE (its buy at 0.18
 * filled): what every hand-over here starts from.
 */
async function gridHolding100(opts: { run?: string; flattenPollMs?: null } = {}): Promise<StreamWorker> {
  app = await paperApp();
  await reconcileInstance(app.ctx, 'dogeklg');
  const w = new StreamWorker(app.ctx, {
    instances: [await loadConfig(app.ctx, 'dogeklg')],
    writer: 'test-task',
    ...opts,
  });
  await w.start();
  await app.feed('0.185 0.185 0.1795 0.181');
  await w.drain();
  return w;
}

/** Lets `ms` of virtual time pass a quarter second at a time, the worker's queues drained each time. */
async function pass(a: PaperApp, w: StreamWorker, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 250) {
    await a.clock.advanceBy(250);
    await w.drain();
  }
}

async function closeAll(a: PaperApp, urgency: 'normal' | 'emergency') {
  const ask = await runAdminCommand(a.ctx, { command: 'close-all', instanceId: 'dogeklg', urgency });
  const token = ask.ok ? '' : ask.confirm;
  return runAdminCommand(a.ctx, { command: 'close-all', instanceId: 'dogeklg', confirm: token, urgency });
}

describe('flatten through the closer', () => {
  it('hands the position to the live stream worker, which works it down in slices of its run', async () => {
    worker = await gridHolding100({ run: 'flt1' });
    expect((await app.port.position(DOGE, 'LONG')).qty.toFixed()).toBe('100');

    const done = await closeAll(app, 'emergency');
    expect(done).toMatchObject({ ok: true, detail: { handedTo: 'stream worker', urgency: 'emergency' } });
    expect(await app.ctx.store.listFlattens('main')).toMatchObject([
      {
        instanceId: 'dogeklg',
        status: 'pending',
        urgency: 'emergency',
        legs: [{ role: 'grid', positionSide: 'LONG' }],
      },
    ]);
    // The grid is paused with its orders cancelled; its stop stays on until flat.
    expect((await loadKlg(app.ctx.store, 'dogeklg'))?.paused).toBe(true);

    for (let i = 0; i < 80 && !(await app.port.position(DOGE, 'LONG')).qty.isZero(); i++) {
      await app.clock.advanceBy(250);
      await worker.drain();
    }
    expect((await app.port.position(DOGE, 'LONG')).qty.toFixed()).toBe('0');
    // Worked down in slices (the tightest panic tier: a tenth at a time), each of this worker's run.
    const slices = app.events
      .filter((e) => e.type === 'order_placed' && e.reason?.startsWith('flatten'))
      .map((e) => e.clientOrderId ?? '');
    expect(slices.length).toBeGreaterThanOrEqual(10);
    expect(slices.every((id) => decodeClientOrderId(id)?.kind === 'slice')).toBe(true);
    expect(new Set(slices.map((id) => (decodeClientOrderId(id) as { run: string }).run))).toEqual(
      new Set(['flt1']),
    );
    for (let i = 0; i < 20 && (await app.ctx.store.listFlattens('main'))[0]?.status !== 'done'; i++) {
      await app.clock.advanceBy(250);
      await worker.drain();
    }
    expect((await app.ctx.store.listFlattens('main'))[0]).toMatchObject({ status: 'done' });
    // The grid heard every slice's fill: its ledger is flat too.
    expect((await loadKlg(app.ctx.store, 'dogeklg'))?.holdings.toFixed()).toBe('0');
    expect(app.alerts.map((a) => a.code)).toEqual(
      expect.arrayContaining(['flatten_started', 'flatten_done']),
    );
  });

  it('closes at market from the admin command when no stream worker holds the account, and says so', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    await app.feed('0.185 0.185 0.1795 0.181');
    await reconcileInstance(app.ctx, 'dogeklg');
    const done = await closeAll(app, 'normal');
    expect(done).toMatchObject({
      ok: true,
      detail: { closedQty: '100', fallback: 'no stream worker heartbeat for account main' },
    });
    expect((await app.port.position(DOGE, 'LONG')).qty.toFixed()).toBe('0');
    expect(await app.ctx.store.listFlattens('main')).toEqual([]);
    expect(app.alerts.find((a) => a.code === 'flatten_fallback')?.message).toMatch(
      /no stream worker heartbeat/,
    );
  });

  it('closes an overdue hand-over at market from recon when the worker is gone, and marks it done', async () => {
    // The worker takes nothing over (it dies before it would).
    worker = await gridHolding100({ flattenPollMs: null });
    expect(await closeAll(app, 'emergency')).toMatchObject({
      ok: true,
      detail: { handedTo: 'stream worker' },
    });
    await worker.stop();
    worker = null;
    // Within the deadline recon leaves it to the worker; past it, recon closes at market.
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    expect((await app.port.position(DOGE, 'LONG')).qty.toFixed()).toBe('100');
    await app.clock.advanceBy(61_000);
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    expect((await app.port.position(DOGE, 'LONG')).qty.toFixed()).toBe('0');
    expect((await app.ctx.store.listFlattens('main'))[0]).toMatchObject({ status: 'done' });
    expect(app.alerts.find((a) => a.code === 'flatten_fallback')?.message).toMatch(/overdue/);
  });

  it('keeps an overdue hand-over pending while the market close of recon is refused, and closes it on a later pass', async () => {
    // The worker takes nothing over (it dies before it would).
    worker = await gridHolding100({ flattenPollMs: null });
    expect(await closeAll(app, 'emergency')).toMatchObject({
      ok: true,
      detail: { handedTo: 'stream worker' },
    });
    await worker.stop();
    worker = null;
    await app.clock.advanceBy(61_000);
    app.ex.faults.rejectNext({
      count: 1,
      accountId: 'main',
      error: new PaperApiError(-2019, 'Margin is insufficient.', 400),
      operations: ['placeOrder'],
    });
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    expect((await app.port.position(DOGE, 'LONG')).qty.toFixed()).toBe('100');
    expect((await app.ctx.store.listFlattens('main'))[0]).toMatchObject({ status: 'pending' });
    expect(app.alerts.some((a) => a.code === 'close_all_failed')).toBe(true);
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    expect((await app.port.position(DOGE, 'LONG')).qty.toFixed()).toBe('0');
    expect((await app.ctx.store.listFlattens('main'))[0]).toMatchObject({ status: 'done' });
  });

  it('resume ends a pending hand-over: the worker stops working it', async () => {
    worker = await gridHolding100();
    // Normal urgency: maker first, and the tape is quiet (stale): nothing goes out yet.
    expect(await closeAll(app, 'normal')).toMatchObject({ ok: true, detail: { handedTo: 'stream worker' } });
    await pass(app, worker, 2_500);
    // While the closer has the position, recon places no take-profit sell to compete for it.
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    const levelOrders = (await app.port.openOrders(DOGE)).filter(
      (o) => decodeClientOrderId(o.clientOrderId)?.kind === 'level',
    );
    expect(levelOrders).toEqual([]);
    expect(await runAdminCommand(app.ctx, { command: 'resume', instanceId: 'dogeklg' })).toMatchObject({
      ok: true,
    });
    expect((await app.ctx.store.listFlattens('main'))[0]).toMatchObject({ status: 'done' });
    await pass(app, worker, 2_500);
    expect(app.logs.some((l) => l.message === 'flatten stopped')).toBe(true);
    expect((await app.port.position(DOGE, 'LONG')).qty.toFixed()).toBe('100');
  });

  it("judges a worker's heartbeat by how often it writes one: three missed, never under 45 s", async () => {
    app = await paperApp();
    const now = app.clock.now();
    const beat = (ageMs: number, everyMs?: number) =>
      app.ctx.store.putHeartbeat({
        accountId: 'main',
        at: now - ageMs,
        writer: 't',
        status: 'connected',
        ...(everyMs === undefined ? {} : { everyMs }),
      });
    // Live (every 15 s), and a heartbeat written before the interval was recorded: 45 s.
    await beat(44_000, 15_000);
    expect(await workerHolds(app.ctx, ['main'])).toBeNull();
    await beat(50_000, 15_000);
    expect(await workerHolds(app.ctx, ['main'])).toBe(
      'the stream worker heartbeat of account main is 50 s old',
    );
    await beat(50_000);
    expect(await workerHolds(app.ctx, ['main'])).toMatch(/50 s old/);
    // A replay's worker writing every 60 s holds its account 50 s (and 179 s) after its last heartbeat.
    await beat(50_000, 60_000);
    expect(await workerHolds(app.ctx, ['main'])).toBeNull();
    await beat(179_000, 60_000);
    expect(await workerHolds(app.ctx, ['main'])).toBeNull();
    await beat(181_000, 60_000);
    expect(await workerHolds(app.ctx, ['main'])).toMatch(/181 s old/);
  });

  it('a running worker with 60-second heartbeats holds its accounts between them (a replay hands over as live)', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    worker = new StreamWorker(app.ctx, {
      instances: [await loadConfig(app.ctx, 'dogeklg')],
      writer: 'replay-worker',
      heartbeatIntervalMs: 60_000,
    });
    await worker.start();
    for (let s = 0; s < 170; s += 10) {
      await app.clock.advanceBy(10_000);
      await worker.drain();
      expect(await workerHolds(app.ctx, ['main'])).toBeNull();
    }
    expect(await app.ctx.store.getHeartbeat('main')).toMatchObject({
      everyMs: 60_000,
      writer: 'replay-worker',
    });
  });

  it('a risk breach with on_breach flatten pauses the grid and closes its position (here at market: no worker)', async () => {
    app = await paperApp({ instance: { risk: { on_breach: 'flatten' } } });
    await reconcileInstance(app.ctx, 'dogeklg');
    await app.feed('0.185 0.185 0.1795 0.181');
    await reconcileInstance(app.ctx, 'dogeklg');
    // A breach: the stop is gone. The worker is shutting down (its last heartbeat says so).
    const stop = (await app.port.openOrders(DOGE)).find((o) => o.kind === 'stop')!;
    await app.port.cancel(DOGE, stop.clientOrderId, 'stop');
    await app.ctx.store.putHeartbeat({
      accountId: 'main',
      at: app.clock.now(),
      writer: 't',
      status: 'draining',
    });
    const r = (await JOB_SERVICES.risk(app.ctx, 'dogeklg')) as { level: string; paused: boolean };
    expect(r).toMatchObject({ level: 'breach', paused: true });
    expect((await app.port.position(DOGE, 'LONG')).qty.toFixed()).toBe('0');
    expect((await loadKlg(app.ctx.store, 'dogeklg'))?.paused).toBe(true);
    expect(app.alerts.find((a) => a.code === 'flatten_fallback')?.message).toMatch(/draining/);
  });

  it('close-all on a closer with no live worker closes its positions at market, and says why', async () => {
    const closerConfig = closerConfigSchema.parse({
      id: 'dogeclose',
      strategy: 'closer',
      account: 'main',
      symbols: { [DOGE]: {} },
    });
    app = await paperApp({ instances: [closerConfig] });
    await app.feed('0.18 0.181 0.179 0.18');
    app.ex.placeOrder('main', {
      symbol: 'DOGEUSDC',
      side: 'BUY',
      type: 'MARKET',
      quantity: dec('200'),
      positionSide: 'LONG',
      newClientOrderId: 'web_open',
    });
    await reconcileInstance(app.ctx, 'dogeclose');
    const ask = await runAdminCommand(app.ctx, { command: 'close-all', instanceId: 'dogeclose' });
    const token = ask.ok ? '' : ask.confirm;
    const done = await runAdminCommand(app.ctx, {
      command: 'close-all',
      instanceId: 'dogeclose',
      confirm: token,
    });
    expect(done).toMatchObject({
      ok: true,
      detail: { closedQty: '200', fallback: 'no stream worker heartbeat for account main' },
    });
    expect((await app.port.position(DOGE, 'LONG')).qty.toFixed()).toBe('0');
  });
});

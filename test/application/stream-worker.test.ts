import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/application/instance.js';
import { reconcileInstance } from '../../shared/application/reconcile-instance.js';
import { StreamWorker } from '../../shared/application/stream-worker.js';
import { dec } from '../../shared/domain/money.js';
import { type PaperApp, paperApp } from '../support/app.js';
import { loadKlg } from '../support/strategies/klg/state.js';

let app: PaperApp;
let worker: StreamWorker | null = null;
afterEach(async () => {
  await worker?.stop();
  worker = null;
  await app?.stop();
});

async function started(a: PaperApp): Promise<StreamWorker> {
  const w = new StreamWorker(a.ctx, {
    instances: [await loadConfig(a.ctx, 'dogeklg')],
    writer: 'test-task',
  });
  await w.start();
  return w;
}

const sells = async (a: PaperApp) =>
  (await a.port.openOrders('DOGE/USDC:USDC'))
    .filter((o) => o.kind === 'limit' && o.side === 'sell')
    .map((o) => `${o.qty.minus(o.filledQty).toFixed()}@${o.price!.toFixed()}`)
    .sort();

describe('stream worker', () => {
  it('answers each fill from the user stream through the event track, in order', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    worker = await started(app);
    await app.feed('0.185 0.185 0.1695 0.171'); // buys at 0.18 and 0.17 fill
    await worker.drain();
    expect(worker.stats.fills).toBe(2);
    // The second delta goes to the nearest qualified resistance at the mark (0.171): 0.18 clears the
    // profit guard over the 0.175 average.
    expect(await sells(app)).toEqual(['100@0.19', '40@0.18']);
    expect(app.metrics.filter((m) => m.name === 'FillToOrderMs')).toHaveLength(2);
    const hb = await app.ctx.store.getHeartbeat('main');
    expect(hb).toMatchObject({ writer: 'test-task', status: 'connected' });
    // Each heartbeat written is told to the per-account heartbeat alarm (whatever the strategy).
    expect(
      app.metrics.filter((m) => m.name === 'HeartbeatAgeSec' && m.dims.account === 'main').length,
    ).toBeGreaterThanOrEqual(1);
  });

  it('leaves a leg alone that went flat and reopened within the grace (its own sell, then its own buy)', async () => {
    app = await paperApp({ instance: { sell_quota_ratio: '1' } });
    await reconcileInstance(app.ctx, 'dogeklg');
    worker = await started(app);
    await app.feed('0.185 0.185 0.1795 0.181'); // the 0.18 buy fills
    await worker.drain();
    expect(await sells(app)).toEqual(['100@0.19']);
    const trade = (price: string, buyerIsMaker: boolean) =>
      app.ex.applyTrade('DOGEUSDC', { price: dec(price), qty: dec('1000'), buyerIsMaker });
    trade('0.19', false); // the sell fills: the exchange reports the leg flat
    await worker.drain();
    expect((await loadKlg(app.ctx.store, 'dogeklg'))?.holdings.toFixed()).toBe('0');
    trade('0.18', true); // within the grace the re-placed buy fills: the leg is open again
    await worker.drain();
    expect((await loadKlg(app.ctx.store, 'dogeklg'))?.holdings.toFixed()).toBe('100');
    await app.clock.advanceBy(10_000); // past the grace and the confirmation
    await worker.drain();
    // The exchange no longer says flat: nothing to resync, no forced pass racing the fills.
    expect(app.logs.map((l) => l.message)).not.toContain(
      'the exchange reports a leg flat; resyncing what the ledger still holds or closes',
    );
    expect(app.logs.filter((l) => l.level === 'error')).toEqual([]);
    expect((await loadKlg(app.ctx.store, 'dogeklg'))?.holdings.toFixed()).toBe('100');
  });

  it('treats a duplicated stream event as a no-op', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    worker = await started(app);
    app.ex.faults.duplicateNextEvents('main', 10);
    await app.feed('0.185 0.185 0.1795 0.181');
    await worker.drain();
    expect(worker.stats.fills).toBe(1);
    expect(worker.stats.duplicates).toBeGreaterThanOrEqual(1);
    expect(await sells(app)).toEqual(['70@0.19']);
  });

  it('routes a trade made by hand to the instance trading that symbol', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    worker = await started(app);
    app.ex.placeOrder('main', {
      symbol: 'DOGEUSDC',
      side: 'BUY',
      positionSide: 'LONG',
      type: 'MARKET',
      quantity: dec('300'),
      newClientOrderId: 'web_hand_1',
    });
    await worker.drain();
    expect(worker.stats.fills).toBe(1);
    expect((await loadKlg(app.ctx.store, 'dogeklg'))?.holdings.toFixed()).toBe('300');
  });

  it('resyncs over REST after a reconnect, recovering fills made while the stream was down', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    worker = await started(app);
    app.ex.faults.disconnectStream('main');
    await app.feed('0.185 0.185 0.1795 0.181'); // the 0.18 buy fills while we are deaf
    await worker.drain();
    expect(worker.health().ok).toBe(false);
    expect(await sells(app)).toEqual([]);
    app.ex.faults.reconnectStream('main');
    await worker.drain();
    expect(worker.stats.resyncs).toBe(1);
    expect(worker.health().ok).toBe(true);
    expect(await sells(app)).toEqual(['70@0.19']);
    expect((await loadKlg(app.ctx.store, 'dogeklg'))?.holdings.toFixed()).toBe('100');
  });

  it('drains on stop, writes a draining heartbeat and stops listening', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    worker = await started(app);
    await app.feed('0.185 0.185 0.1795 0.181');
    await worker.stop();
    expect(worker.stats.fills).toBe(1);
    expect((await app.ctx.store.getHeartbeat('main'))?.status).toBe('draining');
    await app.feed('0.185 0.185 0.1695 0.171');
    expect(worker.stats.fills).toBe(1);
    worker = null;
  });

  it('keeps the heartbeat fresh as time passes', async () => {
    app = await paperApp();
    worker = await started(app);
    const first = (await app.ctx.store.getHeartbeat('main'))!.at;
    await app.feed('0.185 0.185 0.185 0.185');
    await worker.drain();
    expect((await app.ctx.store.getHeartbeat('main'))!.at).toBeGreaterThan(first);
  });
});

describe('stream worker: heartbeats kept for the simulator (deferHeartbeats)', () => {
  it('waits off the clock while they are kept; a flush writes the last tick and puts the loop back on the clock', async () => {
    app = await paperApp();
    const t0 = app.clock.now();
    let defer = true;
    worker = new StreamWorker(app.ctx, {
      instances: [await loadConfig(app.ctx, 'dogeklg')],
      writer: 'sim',
      heartbeatIntervalMs: 60_000,
      deferHeartbeats: () => defer,
    });
    await worker.start();
    expect(await app.ctx.store.getHeartbeat('main')).toBeNull(); // kept, not written
    expect(app.clock.nextTimerAt()).toBe(t0 + 60_000);
    await app.clock.advanceBy(60_000);
    // The tick was kept too: no timer for the ticks after it, none written.
    expect(worker.heartbeatsOffClock).toBe(true);
    expect(app.clock.pendingTimers()).toBe(0);
    await app.clock.advanceBy(150_000);
    expect(await app.ctx.store.getHeartbeat('main')).toBeNull();

    await worker.flushHeartbeats();
    // Written as the tick before now (3 min after the start) would have been, with its interval.
    expect(await app.ctx.store.getHeartbeat('main')).toMatchObject({
      at: t0 + 180_000,
      status: 'connected',
      everyMs: 60_000,
      writer: 'sim',
    });
    expect(worker.heartbeatsOffClock).toBe(false);
    expect(app.clock.nextTimerAt()).toBe(t0 + 240_000);
    await worker.flushHeartbeats(); // nothing kept: writes nothing, keeps its timer
    expect(app.clock.pendingTimers()).toBe(1);

    defer = false;
    await app.clock.advanceBy(30_000);
    expect((await app.ctx.store.getHeartbeat('main'))?.at).toBe(t0 + 240_000);
    expect(app.clock.nextTimerAt()).toBe(t0 + 300_000);

    // Stopping while off the clock ends the loop (stop resolves) and keeps the draining heartbeat.
    defer = true;
    await app.clock.advanceBy(60_000);
    expect(worker.heartbeatsOffClock).toBe(true);
    await worker.stop();
    expect(worker.heartbeatsOffClock).toBe(false);
    await worker.flushHeartbeats();
    expect(await app.ctx.store.getHeartbeat('main')).toMatchObject({
      at: t0 + 300_000,
      status: 'draining',
    });
    worker = null;
  });
});

describe('stream worker: a reconnect while fills are queued', () => {
  it('finishes the fills queued before the reconnect, then resyncs (no fill waits on a resync that waits on it)', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    worker = await started(app);
    // The first follow-up order is slow (1 s of virtual time), so the second fill queues behind it.
    app.ex.faults.delayNextCalls({
      count: 1,
      ms: 1_000,
      accountId: 'main',
      operations: ['placeOrder', 'amendOrder', 'placeAlgoOrder'],
    });
    await app.feed('0.185 0.185 0.1695 0.171'); // 0.18 and 0.17 fill in one candle
    // The stream drops and comes back while both fills are in the queue.
    app.ex.faults.disconnectStream('main');
    app.ex.faults.reconnectStream('main');
    let done = false;
    const drained = worker.drain().then(() => {
      done = true;
    });
    // Virtual time moves on (the slow order, the resync's waits) until the worker is idle, or gives up.
    for (let step = 0; step < 120 && !done; step++) {
      await app.clock.advanceBy(500);
      await new Promise((r) => setImmediate(r));
    }
    expect(done).toBe(true);
    await drained;
    expect(worker.stats.resyncs).toBe(1);
    expect((await loadKlg(app.ctx.store, 'dogeklg'))?.holdings.toFixed()).toBe('200');
  }, 20_000);

  it('folds a post-only order the venue accepted and then cancelled (OKX) into the grid as its refusal', async () => {
    app = await paperApp({ venueRules: { postOnlyCancels: true } });
    await reconcileInstance(app.ctx, 'dogeklg');
    worker = await started(app);
    const id = (await loadKlg(app.ctx.store, 'dogeklg'))!.levels.find((l) => l.price.equals('0.18'))!.order!
      .clientOrderId;
    // The level's order is gone and comes back as a post-only buy above the market: OKX takes it, then
    // cancels it; the port answers "placed" and the stream tells the rest.
    app.ex.cancelOrder('main', 'DOGEUSDC', { clientOrderId: id });
    const placed = await app.port.submit({
      account: 'main',
      symbol: 'DOGE/USDC:USDC',
      clientOrderId: id,
      side: 'buy',
      positionSide: 'LONG',
      type: 'limit',
      price: dec('0.19'),
      qty: dec('100'),
      timeInForce: 'GTX',
    });
    expect(placed.ok).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    await worker.drain();
    const rejected = app.events.filter((e) => e.type === 'order_rejected' && e.clientOrderId === id);
    expect(rejected).toHaveLength(1);
    expect(JSON.stringify(rejected[0])).toContain('post_only_would_take');
    const level = (await loadKlg(app.ctx.store, 'dogeklg'))!.levels.find((l) => l.price.equals('0.18'))!;
    expect(level.order?.uncertain).toBe(true);
    expect((await app.port.order('DOGE/USDC:USDC', id, 'limit'))?.cancelReason).toBe('post_only_would_take');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { PaperApiError } from '../../shared/adapters/paper/errors.js';
import { loadConfig } from '../../shared/application/instance.js';
import { handleFill } from '../../shared/application/on-fill.js';
import { reconcileInstance } from '../../shared/application/reconcile-instance.js';
import type { Fill } from '../../shared/domain/orders.js';
import { ExchangeError, type ExchangePort } from '../../shared/ports/exchange.js';
import { type PaperApp, paperApp } from '../support/app.js';
import { loadKlg } from '../support/strategies/klg/state.js';

let app: PaperApp;
afterEach(async () => app?.stop());

const openBuys = async (a: PaperApp) =>
  (await a.port.openOrders('DOGE/USDC:USDC'))
    .filter((o) => o.kind === 'limit' && o.side === 'buy')
    .map((o) => o.price!.toFixed())
    .sort();
const openSells = async (a: PaperApp) =>
  (await a.port.openOrders('DOGE/USDC:USDC'))
    .filter((o) => o.kind === 'limit' && o.side === 'sell')
    .map((o) => `${o.qty.minus(o.filledQty).toFixed()}@${o.price!.toFixed()}`)
    .sort();

/** Collects fills from the paper exchange's user stream, as the stream worker would receive them. */
async function captureFills(a: PaperApp): Promise<Fill[]> {
  const fills: Fill[] = [];
  await a.port.subscribeUser((e) => {
    if (e.type === 'fill') fills.push(e.fill);
  });
  return fills;
}

describe('reconcileInstance on the paper exchange', () => {
  it('lays the grid out on a cold start and journals every order', async () => {
    app = await paperApp();
    const r = await reconcileInstance(app.ctx, 'dogeklg');
    expect(r.coldStart).toBe(true);
    expect(await openBuys(app)).toEqual(['0.15', '0.16', '0.17', '0.18']);
    expect(app.events.filter((e) => e.type === 'order_placed')).toHaveLength(4);
    const state = await loadKlg(app.ctx.store, 'dogeklg');
    expect(state?.levels.filter((l) => l.state === 'ACTIVE')).toHaveLength(4);
    expect(app.metrics.some((m) => m.name === 'ReconDurationMs')).toBe(true);
  });

  it('does not write a quiet pass (nothing but its time and price changed), but refreshes the stored copy every ten minutes', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    const laidOut = (await loadKlg(app.ctx.store, 'dogeklg'))!;
    // A minute on, the price moved inside the grid's band: nothing to place, nothing to save.
    await app.feed('0.185 0.186 0.184 0.1855');
    const quiet = await reconcileInstance(app.ctx, 'dogeklg');
    expect(quiet.quiet).toBe(true);
    expect(quiet.commands).toBe(0);
    const stored = (await loadKlg(app.ctx.store, 'dogeklg'))!;
    expect(stored.version).toBe(laidOut.version);
    expect(stored.lastReconAt).toBe(laidOut.lastReconAt);
    // Ten minutes after the last write the pass is written, quiet or not.
    for (let i = 0; i < 10; i++) await app.feed('0.185 0.186 0.184 0.1855');
    const refresh = await reconcileInstance(app.ctx, 'dogeklg');
    expect(refresh.quiet).toBe(false);
    const refreshed = (await loadKlg(app.ctx.store, 'dogeklg'))!;
    expect(refreshed.version).toBe(laidOut.version + 1);
    expect(refreshed.lastReconAt).toBe(app.clock.now());
    expect(refreshed.lastPrice?.toFixed()).toBe('0.1855');
    // A pass with something to do is written at once: a buy filled since.
    await app.feed('0.1855 0.1855 0.1795 0.181');
    const acting = await reconcileInstance(app.ctx, 'dogeklg');
    expect(acting.quiet).toBe(false);
    expect(acting.fillsApplied).toBe(1);
    expect((await loadKlg(app.ctx.store, 'dogeklg'))!.holdings.toFixed()).toBe('100');
  });

  it('takes a role flip alone for a quiet pass, and tells a pass that changed the grid but sent nothing, and left it settled (a fixed point), from one that acted', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    const pass = async (price: string) => {
      await app.feed(`${price} ${price} ${price} ${price}`);
      const r = await reconcileInstance(app.ctx, 'dogeklg');
      return [r.commands, r.quiet, r.settled, r.fixedPoint];
    };
    // Nothing decided, written all the same: the price moved more than 0.5% from the stored one.
    expect(await pass('0.1895')).toEqual([0, false, true, false]);
    const laidOut = (await loadKlg(app.ctx.store, 'dogeklg'))!;
    expect(laidOut.levels.find((l) => l.price.equals('0.19'))).toMatchObject({
      role: 'RESISTANCE',
      order: null,
    });
    // 0.19 is crossed but its buy is not allowed yet (inside the buy buffer): only its role flips, and every
    // pass derives the roles again: quiet, not written (the stored role is what the last written pass saw).
    expect(await pass('0.1902')).toEqual([0, true, true, false]);
    const stored = (await loadKlg(app.ctx.store, 'dogeklg'))!;
    expect(stored.version).toBe(laidOut.version);
    expect(stored.levels.find((l) => l.price.equals('0.19'))?.role).toBe('RESISTANCE');
    // A grid saved with the refusal condition the pre-trade step now owns: the pass clears it without a
    // word (changed, nothing sent), and deciding again on what it wrote changes nothing.
    const legacy = { ...stored, activeAlerts: [...stored.activeAlerts, 'buy_refused_margin'] };
    expect((await app.ctx.store.saveGrid(legacy, stored.version)).ok).toBe(true);
    expect(await pass('0.1902')).toEqual([0, false, false, true]);
    expect((await loadKlg(app.ctx.store, 'dogeklg'))!.activeAlerts).not.toContain('buy_refused_margin');
    // What it promised: the next pass there decides nothing (quiet, not written).
    expect(await pass('0.1902')).toEqual([0, true, true, false]);
    // Past the buffer the buy goes out: a pass that acted is no fixed point.
    expect(await pass('0.193')).toEqual([1, false, false, false]);
    expect(await openBuys(app)).toEqual(['0.15', '0.16', '0.17', '0.18', '0.19']);
  });

  it('answers a fill from the stream with the delta sell, and a duplicate changes nothing', async () => {
    app = await paperApp();
    const fills = await captureFills(app);
    await reconcileInstance(app.ctx, 'dogeklg');
    await app.feed('0.185 0.185 0.1795 0.181');
    expect(fills).toHaveLength(1);
    const config = await loadConfig(app.ctx, 'dogeklg');
    const first = await handleFill(app.ctx, config, fills[0]!, { receivedAt: app.clock.now() });
    expect(first.duplicate).toBe(false);
    expect(first.fillToOrderMs).toBe(0);
    expect(await openSells(app)).toEqual(['70@0.19']);
    const again = await handleFill(app.ctx, config, fills[0]!, { receivedAt: app.clock.now() });
    expect(again.duplicate).toBe(true);
    expect(await openSells(app)).toEqual(['70@0.19']);
    expect(app.events.filter((e) => e.type === 'fill')).toEqual([
      expect.objectContaining({
        side: 'buy',
        price: '0.18',
        qty: '100',
        holdings: '100',
        avgEntry: '0.18',
        level: '0.18',
      }),
    ]);
  });

  it('journals a fill whose line was lost to a crash after the state write, once, on the next pass', async () => {
    app = await paperApp();
    const fills = await captureFills(app);
    await reconcileInstance(app.ctx, 'dogeklg');
    await app.feed('0.185 0.185 0.1795 0.181');
    const config = await loadConfig(app.ctx, 'dogeklg');
    // The process dies between the state write that applied the fill and the journal write.
    const record = app.ctx.events.record;
    (app.ctx.events as { record: typeof record }).record = async () => {
      throw new Error('killed');
    };
    await expect(handleFill(app.ctx, config, fills[0]!, { receivedAt: app.clock.now() })).rejects.toThrow(
      'killed',
    );
    (app.ctx.events as { record: typeof record }).record = record;
    const crashed = (await loadKlg(app.ctx.store, 'dogeklg'))!;
    expect(crashed.holdings.toFixed()).toBe('100');
    expect(crashed.unjournaled.map((f) => f.tradeId)).toEqual([fills[0]!.tradeId]);
    expect(app.events.filter((e) => e.type === 'fill')).toEqual([]);
    await reconcileInstance(app.ctx, 'dogeklg');
    expect(app.events.filter((e) => e.type === 'fill')).toEqual([
      expect.objectContaining({ tradeId: fills[0]!.tradeId, side: 'buy', level: '0.18', holdings: '100' }),
    ]);
    expect((await loadKlg(app.ctx.store, 'dogeklg'))!.unjournaled).toEqual([]);
    await reconcileInstance(app.ctx, 'dogeklg');
    expect(app.events.filter((e) => e.type === 'fill')).toHaveLength(1);
  });

  it('counts a failed pass in ReconFailures and emits no duration sample (what the stalled alarm counts)', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    const durations = () => app.metrics.filter((m) => m.name === 'ReconDurationMs').length;
    const before = durations();
    expect(before).toBe(1);
    app.ex.faults.rejectNext({
      count: 20,
      error: new PaperApiError(-1001, 'Internal error; unable to process your request. Please try again.'),
      operations: ['query'],
    });
    await expect(reconcileInstance(app.ctx, 'dogeklg')).rejects.toThrow();
    expect(durations()).toBe(before);
    expect(
      app.metrics.filter((m) => m.name === 'ReconFailures' && m.dims.instance === 'dogeklg'),
    ).toHaveLength(1);
    app.ex.faults.clear();
    await reconcileInstance(app.ctx, 'dogeklg');
    expect(durations()).toBe(before + 1);
  });

  it('recovers a fill the stream missed from trade history on the next pass', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    await app.feed('0.185 0.185 0.1795 0.181');
    const r = await reconcileInstance(app.ctx, 'dogeklg');
    expect(r.fillsApplied).toBe(1);
    expect(await openSells(app)).toEqual(['70@0.19']);
    const state = await loadKlg(app.ctx.store, 'dogeklg');
    expect(state?.holdings.toFixed()).toBe('100');
    expect(state?.stops).toHaveLength(1);
  });

  it('restores an order cancelled by hand within one pass', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    const victim = (await app.port.openOrders('DOGE/USDC:USDC')).find((o) => o.price?.toFixed() === '0.16')!;
    expect((await app.port.cancel('DOGE/USDC:USDC', victim.clientOrderId, 'limit')).ok).toBe(true);
    await reconcileInstance(app.ctx, 'dogeklg');
    expect(await openBuys(app)).toEqual(['0.15', '0.16', '0.17', '0.18']);
  });

  it('backs off for twice the interval when rate limited, and a forced pass still runs', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    const victim = (await app.port.openOrders('DOGE/USDC:USDC'))[0]!;
    await app.port.cancel('DOGE/USDC:USDC', victim.clientOrderId, 'limit');
    app.ex.faults.rejectNext({
      count: 1,
      error: new PaperApiError(-1003, 'Too many requests.', 429),
      operations: ['query'],
    });
    const limited = await reconcileInstance(app.ctx, 'dogeklg');
    expect(limited.rateLimited).toBe(true);
    expect(limited.nextIntervalSec).toBe(120);
    const skipped = await reconcileInstance(app.ctx, 'dogeklg');
    expect(skipped.skipped).toBe('backoff');
    expect(await openBuys(app)).toHaveLength(3);
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    expect(await openBuys(app)).toEqual(['0.15', '0.16', '0.17', '0.18']);
    expect((await loadKlg(app.ctx.store, 'dogeklg'))?.reconBackoffUntil).toBeNull();
  });

  it('while backing off, a pass still protects: a stop gone from the exchange is re-placed, grid orders wait', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    await app.feed('0.185 0.185 0.1795 0.181'); // the 0.18 buy fills: a position (its stream fill is missed)
    const stopsNow = async () =>
      (await app.port.openOrders('DOGE/USDC:USDC')).filter((o) => o.kind === 'stop');
    app.ex.faults.rejectNext({
      count: 1,
      error: new PaperApiError(-1003, 'Too many requests.', 429),
      operations: ['query'],
    });
    expect((await reconcileInstance(app.ctx, 'dogeklg')).rateLimited).toBe(true);
    expect(await stopsNow()).toEqual([]);
    const before = await openBuys(app);
    const pass = await reconcileInstance(app.ctx, 'dogeklg');
    expect(pass.skipped).toBe('backoff');
    // The position the exchange reports is covered at once; repairs (a delta sell, missing buys) wait.
    const stops = await stopsNow();
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatchObject({ closePosition: true, triggerPrice: expect.anything() });
    expect(await openBuys(app)).toEqual(before);
    expect(
      (await app.port.openOrders('DOGE/USDC:USDC')).filter((o) => o.side === 'sell' && o.kind === 'limit'),
    ).toEqual([]);
    // A second backed-off pass finds it in place and sends nothing.
    expect((await reconcileInstance(app.ctx, 'dogeklg')).commands).toBe(0);
  });

  it('stops sending when rate limited mid-batch, leaving nothing half done', async () => {
    app = await paperApp();
    app.ex.faults.rejectNext({
      count: 1,
      error: new PaperApiError(-1003, 'Too many requests.', 429),
      operations: ['placeOrder'],
    });
    const r = await reconcileInstance(app.ctx, 'dogeklg');
    expect(r.rateLimited).toBe(true);
    const state = await loadKlg(app.ctx.store, 'dogeklg');
    expect(state?.levels.every((l) => l.state === 'IDLE' || l.state === 'ACTIVE')).toBe(true);
    expect(state?.reconBackoffUntil).toBeGreaterThan(app.clock.now());
  });

  it('never resends a write whose outcome was unknown; the next pass settles it by client id', async () => {
    app = await paperApp();
    // The first order reaches the exchange but the answer is lost (a 5xx after the fact).
    let lost = 1;
    const port = app.port;
    const flaky: ExchangePort = Object.create(port);
    flaky.submit = async (req) => {
      const r = await port.submit(req);
      if (lost-- > 0) throw new ExchangeError('unknown_outcome', '502 Bad Gateway');
      return r;
    };
    const ctx = { ...app.ctx, exchanges: () => flaky };
    await reconcileInstance(ctx, 'dogeklg');
    let state = await loadKlg(app.ctx.store, 'dogeklg');
    const doubtful = state!.levels.find((l) => l.order?.uncertain)!;
    expect(doubtful.state).toBe('PLACING');
    expect(app.events).toContainEqual(expect.objectContaining({ type: 'alert', code: 'unknown_outcome' }));
    await reconcileInstance(ctx, 'dogeklg');
    state = await loadKlg(app.ctx.store, 'dogeklg');
    expect(state!.levels[doubtful.index]!.state).toBe('ACTIVE');
    expect(state!.levels[doubtful.index]!.order?.clientOrderId).toBe(doubtful.order!.clientOrderId);
    expect(await openBuys(app)).toEqual(['0.15', '0.16', '0.17', '0.18']);
  });

  it('runs the same on the DynamoDB adapter (dynalite)', async () => {
    app = await paperApp({ store: 'dynalite' });
    await reconcileInstance(app.ctx, 'dogeklg');
    await app.feed('0.185 0.185 0.1795 0.181');
    await reconcileInstance(app.ctx, 'dogeklg');
    expect(await openSells(app)).toEqual(['70@0.19']);
    expect((await loadKlg(app.ctx.store, 'dogeklg'))?.holdings.toFixed()).toBe('100');
  });
});

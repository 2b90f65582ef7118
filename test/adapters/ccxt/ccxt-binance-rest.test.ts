import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CcxtExchange } from '../../../shared/adapters/ccxt/ccxt-exchange.js';
import { dec } from '../../../shared/domain/money.js';
import type { StopOrderRequest } from '../../../shared/domain/orders.js';
import { rawCcxt } from '../../support/binance/ccxt-client.js';
import { ACCOUNTS, BTC, type PaperVenue, startPaperVenue } from '../../support/binance/paper-venue.js';
import { orderRequests } from '../../support/orders.js';

let venue: PaperVenue;
let port: CcxtExchange;
let seq = 0;
const nextId = (tag: string) => `gbtest${tag}${++seq}`;

const { limit, longStop } = orderRequests(nextId);

/** Opens (or adds to) the LONG position at market. */
async function buyAtMarket(qty = '0.002'): Promise<void> {
  await port.submit({
    account: 'acct-a',
    symbol: BTC,
    clientOrderId: nextId('M'),
    side: 'buy',
    positionSide: 'LONG',
    type: 'market',
    qty: dec(qty),
  });
}

beforeAll(async () => {
  venue = await startPaperVenue();
  port = venue.port('acct-a');
});
afterAll(async () => {
  await venue.stop();
});

describe('ccxt binanceusdm against the protocol server: reads', () => {
  it('loads symbol rules from the real exchangeInfo and the account commission', async () => {
    const rules = await port.loadRules(BTC);
    expect([rules.tickSize.toFixed(), rules.stepSize.toFixed(), rules.minNotional.toFixed()]).toEqual([
      '0.1',
      '0.001',
      '100',
    ]);
    expect([rules.makerFee.toFixed(), rules.takerFee.toFixed()]).toEqual(['0.0002', '0.0005']);
  });

  it('reads last and mark price, hedge mode, balance and candles', async () => {
    const price = await port.fetchPrice(BTC);
    expect(price.last.toFixed()).toBe('95409.3');
    expect(price.mark.toFixed()).toBe('95409.3');
    expect(await port.hedgeMode()).toBe(true);
    const usdt = await port.balance('USDT');
    expect(usdt.wallet.toFixed()).toBe('100000');
    const candles = await port.candles(BTC, '1m', undefined, 5);
    expect(candles).toHaveLength(5);
    expect(candles[4]?.close.toFixed()).toBe('95409.3');
  });

  it('reports a flat position for a side never traded', async () => {
    const p = await port.position(BTC, 'SHORT');
    expect(p.qty.isZero()).toBe(true);
  });
});

describe('ccxt binanceusdm against the protocol server: orders', () => {
  it('places a limit order with our client id, finds it open and by client id, and cancels it', async () => {
    const req = limit();
    const placed = await port.submit(req);
    expect(placed).toMatchObject({
      ok: true,
      order: { clientOrderId: req.clientOrderId, status: 'NEW', kind: 'limit' },
    });
    const headers = port.client.last_response_headers as Record<string, string>;
    expect(Number(headers['X-Mbx-Order-Count-1m'])).toBeGreaterThan(0);
    expect(Number(headers['X-Mbx-Used-Weight-1m'])).toBeGreaterThan(0);
    const open = await port.openOrders(BTC);
    expect(open.map((o) => o.clientOrderId)).toContain(req.clientOrderId);
    const found = await port.order(BTC, req.clientOrderId);
    expect(found?.price?.toFixed()).toBe('90000');
    const cancelled = await port.cancel(BTC, req.clientOrderId, 'limit');
    expect(cancelled).toMatchObject({ ok: true, order: { status: 'CANCELED' } });
    expect((await port.order(BTC, req.clientOrderId, 'limit'))?.status).toBe('CANCELED');
  });

  it('answers null for a client id the exchange never saw, and unknown_order when cancelling it', async () => {
    expect(await port.order(BTC, 'gbnobodyL1B1')).toBeNull();
    expect(await port.cancel(BTC, 'gbnobodyL1B1', 'limit')).toMatchObject({
      ok: false,
      reason: 'unknown_order',
    });
  });

  it('rejects a post-only order that would take with -5022', async () => {
    const r = await port.submit(limit({ price: dec('96000.0'), timeInForce: 'GTX' }));
    expect(r).toMatchObject({ ok: false, reason: 'post_only_would_take', code: '-5022' });
  });

  it('refuses off-tick prices and off-step quantities before ccxt can round them into another order', async () => {
    expect(await port.submit(limit({ price: dec('90000.05') }))).toMatchObject({
      ok: false,
      reason: 'filter',
      code: 'price_off_tick',
    });
    expect(await port.submit(limit({ qty: dec('0.0025') }))).toMatchObject({
      ok: false,
      reason: 'filter',
      code: 'qty_off_step',
    });
    expect(venue.engine.openOrders('acct-a', 'BTCUSDT')).toEqual([]);
  });

  it('rejects a venue filter violation with its Binance code: below min notional', async () => {
    expect(await port.submit(limit({ qty: dec('0.001') }))).toMatchObject({
      ok: false,
      reason: 'filter',
      code: '-4164',
    });
  });

  it('rejects a duplicate client order id with -4116', async () => {
    const req = limit();
    expect((await port.submit(req)).ok).toBe(true);
    expect(await port.submit(req)).toMatchObject({ ok: false, reason: 'duplicate_client_id', code: '-4116' });
    await port.cancel(BTC, req.clientOrderId, 'limit');
  });

  it('amends price and quantity by client id, keeping the id', async () => {
    const req = limit();
    await port.submit(req);
    const amended = await port.amend({
      symbol: BTC,
      clientOrderId: req.clientOrderId,
      side: 'buy',
      positionSide: 'LONG',
      price: dec('90100.0'),
      qty: dec('0.003'),
    });
    expect(amended.ok).toBe(true);
    const now = await port.order(BTC, req.clientOrderId, 'limit');
    expect([now?.price?.toFixed(), now?.qty.toFixed(), now?.clientOrderId]).toEqual([
      '90100',
      '0.003',
      req.clientOrderId,
    ]);
    await port.cancel(BTC, req.clientOrderId, 'limit');
  });

  it('sets leverage', async () => {
    await expect(port.setLeverage(BTC, 5)).resolves.toBeUndefined();
    expect(venue.engine.leverage('acct-a', 'BTCUSDT')).toBe(5);
  });

  it('reports the leverage in force while flat, where v3 positionRisk shows none (symbolConfig)', async () => {
    // A fresh adapter knows nothing: the leverage comes from the venue, set by hand (another client).
    venue.engine.setLeverage('acct-b', 'ETHUSDT', 7);
    const fresh = venue.port('acct-b');
    const flat = await fresh.position('ETH/USDT:USDT', 'LONG');
    expect(flat.qty.toFixed()).toBe('0');
    expect(flat.leverage?.toFixed()).toBe('7');
    // Kept: a second read asks nothing more of the venue, and a leverage this adapter sets replaces it.
    await fresh.setLeverage('ETH/USDT:USDT', 3);
    expect((await fresh.position('ETH/USDT:USDT', 'LONG')).leverage?.toFixed()).toBe('3');
  });
});

describe('hedge mode over ccxt', () => {
  it('opens long, closes it without reduceOnly, and records both fills in trade history from the cursor', async () => {
    const open = await port.submit({
      account: 'acct-a',
      symbol: BTC,
      clientOrderId: nextId('M'),
      side: 'buy',
      positionSide: 'LONG',
      type: 'market',
      qty: dec('0.010'),
    });
    expect(open).toMatchObject({ ok: true, order: { status: 'FILLED' } });
    const long = await port.position(BTC, 'LONG');
    expect(long.qty.toFixed()).toBe('0.01');
    const before = await port.tradesSince(BTC, null, 1);
    const cursor = { time: before[0]!.time, tradeId: before[0]!.tradeId };
    const close = await port.submit(
      limit({
        side: 'sell',
        positionSide: 'LONG',
        price: dec('95000.0'),
        qty: dec('0.004'),
        timeInForce: 'IOC',
        reduceOnly: true,
      }),
    );
    expect(close).toMatchObject({ ok: true, order: { status: 'FILLED', filledQty: dec('0.004') } });
    expect((await port.position(BTC, 'LONG')).qty.toFixed()).toBe('0.006');
    const after = await port.tradesSince(BTC, cursor);
    expect(after.map((f) => [f.side, f.positionSide, f.qty.toFixed(), f.clientOrderId])).toEqual([
      [
        'sell',
        'LONG',
        '0.004',
        (close as { ok: true; order: { clientOrderId: string } }).order.clientOrderId,
      ],
    ]);
  });

  it('shows the trap the adapter avoids: Binance refuses reduceOnly together with positionSide (-1106)', async () => {
    const ex = rawCcxt(venue.server, { apiKey: ACCOUNTS[0].apiKey, secret: ACCOUNTS[0].apiSecret });
    await expect(
      ex.createOrder(BTC, 'market', 'sell', 0.001, undefined, { positionSide: 'LONG', reduceOnly: true }),
    ).rejects.toThrow(/-1106/);
  });

  it('refuses to close more than the position holds', async () => {
    const r = await port.submit({
      account: 'acct-a',
      symbol: BTC,
      clientOrderId: nextId('M'),
      side: 'sell',
      positionSide: 'LONG',
      type: 'market',
      qty: dec('1.000'),
    });
    expect(r.ok).toBe(false);
  });
});

describe('conditional orders on the algo endpoints', () => {
  it('places a closePosition STOP_MARKET on MARK_PRICE, lists it with the open orders, and cancels it', async () => {
    const stop = longStop('80000.0');
    const placed = await port.submit(stop);
    expect(placed).toMatchObject({
      ok: true,
      order: { kind: 'stop', clientOrderId: stop.clientOrderId, closePosition: true, status: 'NEW' },
    });
    const open = await port.openOrders(BTC);
    expect(open.filter((o) => o.kind === 'stop').map((o) => o.clientOrderId)).toContain(stop.clientOrderId);
    expect((await port.order(BTC, stop.clientOrderId, 'stop'))?.triggerPrice?.toFixed()).toBe('80000');
    expect(await port.order(BTC, stop.clientOrderId)).toMatchObject({ kind: 'stop' });
    expect(await port.cancel(BTC, stop.clientOrderId, 'stop')).toEqual({ ok: true, order: null });
    expect((await port.order(BTC, stop.clientOrderId, 'stop'))?.status).toBe('CANCELED');
  });

  it('triggers a stop when the mark crosses it and closes the whole long', async () => {
    await buyAtMarket();
    const held = (await port.position(BTC, 'LONG')).qty;
    expect(held.greaterThan(0)).toBe(true);
    const stop = longStop('94000.0');
    await port.submit(stop);
    venue.moveTo('BTCUSDT', '93900.0');
    expect((await port.position(BTC, 'LONG')).qty.isZero()).toBe(true);
    expect((await port.order(BTC, stop.clientOrderId, 'stop'))?.status).toBe('FILLED');
    venue.moveTo('BTCUSDT', '95409.3');
  });

  it('moves a stop without a window: a second closePosition stop is refused (-4130), a quantity stop is placed first, the old one cancelled after', async () => {
    await buyAtMarket();
    const held = (await port.position(BTC, 'LONG')).qty;
    const stop = (id: string, trigger: string, closePosition: boolean): StopOrderRequest =>
      longStop(trigger, { clientOrderId: id, closePosition, ...(closePosition ? {} : { qty: held }) });
    const liveStops = async () =>
      (await port.openOrders(BTC)).filter((o) => o.kind === 'stop').map((o) => o.clientOrderId);
    const old = nextId('T');
    expect((await port.submit(stop(old, '80000.0', true))).ok).toBe(true);
    // What the engine must never rely on: a second closePosition stop on the same side.
    const refused = await port.submit(stop(nextId('T'), '81000.0', true));
    expect(refused).toMatchObject({ ok: false, code: '-4130' });
    // Place-then-cancel: at every moment at least one stop is live.
    const bridge = nextId('T');
    const placed = await port.submit(stop(bridge, '81000.0', false));
    expect(placed).toMatchObject({ ok: true, order: { kind: 'stop', closePosition: false } });
    expect(await liveStops()).toEqual(expect.arrayContaining([old, bridge]));
    expect((await port.cancel(BTC, old, 'stop')).ok).toBe(true);
    expect(await liveStops()).toContain(bridge);
    // ... and back to closePosition the same way round.
    const final = nextId('T');
    expect((await port.submit(stop(final, '81000.0', true))).ok).toBe(true);
    expect((await port.cancel(BTC, bridge, 'stop')).ok).toBe(true);
    expect(await liveStops()).toContain(final);
    // The quantity stop would have closed the position: trigger the remaining closePosition stop.
    venue.moveTo('BTCUSDT', '80900.0');
    expect((await port.position(BTC, 'LONG')).qty.isZero()).toBe(true);
    venue.moveTo('BTCUSDT', '95409.3');
  });

  it('refuses a stop whose trigger the mark has already passed as would_trigger (-2021)', async () => {
    const r = await port.submit(longStop('99000.0'));
    expect(r).toMatchObject({ ok: false, reason: 'would_trigger', code: '-2021' });
  });
});

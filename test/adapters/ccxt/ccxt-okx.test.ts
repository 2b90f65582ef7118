/**
 * The OKX dialect proven over a socket (issue 18): the ccxt adapter with the real ccxt `okx` client (REST
 * and pro) against the OKX v5 protocol server on the paper engine, the real instruments payload behind it.
 * Sizes travel in contracts (BTC-USDT-SWAP: 0.01 BTC each), stops are conditional algo orders, and OKX's own
 * semantics are met as they are: a post-only order that would take is accepted, then cancelled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CcxtExchange } from '../../../shared/adapters/ccxt/ccxt-exchange.js';
import { SystemClock } from '../../../shared/adapters/clock/index.js';
import { VirtualClock } from '../../../shared/adapters/clock/virtual-clock.js';
import type { PaperOkxServer } from '../../../shared/adapters/paper/okx-server/server.js';
import { dec } from '../../../shared/domain/money.js';
import type { StreamSubscription, UserStreamEvent } from '../../../shared/ports/exchange.js';
import { EventLog } from '../../support/binance/events.js';
import { BTC, type PaperVenue, startPaperVenue } from '../../support/binance/paper-venue.js';
import { orderRequests } from '../../support/orders.js';

let venue: PaperVenue<PaperOkxServer>;
let port: CcxtExchange;
const user = new EventLog<UserStreamEvent>();
let sub: StreamSubscription;
let seq = 0;
const nextId = (tag: string) => `gbokx${tag}${++seq}`;
const last = () => venue.engine.lastPrice('BTCUSDT')!;

const { limit, longStop, market } = orderRequests(nextId);

/** A taker buy through `on` (the acct-a port unless told); its client id. */
async function buyAtMarket(qty: string, clientOrderId = nextId('M'), on = port): Promise<string> {
  const r = await on.submit(market(qty, { clientOrderId }));
  expect(r.ok).toBe(true);
  return clientOrderId;
}

beforeAll(async () => {
  venue = await startPaperVenue({ venue: 'okx' });
  port = venue.port('acct-a');
  sub = await port.subscribeUser(user.push);
  await user.waitFor((e) => e.type === 'connection' && e.state === 'connected');
});
afterAll(async () => {
  await sub.close();
  await venue.stop();
});

describe('ccxt okx against the OKX protocol server: reads', () => {
  it('loads the rules of the real instrument in contracts, with fees paid as positive rates', async () => {
    const rules = await port.loadRules(BTC);
    expect(rules).toMatchObject({ symbol: BTC });
    expect(
      [rules.contractSize, rules.stepSize, rules.minQty, rules.tickSize, rules.minNotional].map((d) =>
        d.toFixed(),
      ),
    ).toEqual(['0.01', '0.01', '0.01', '0.1', '0']);
    expect([rules.makerFee.toFixed(), rules.takerFee.toFixed()]).toEqual(['0.0002', '0.0005']);
  });

  it('reads last and mark price, the position mode, the balance, and candles from `since` oldest first', async () => {
    const price = await port.fetchPrice(BTC);
    expect(price.last.equals(last())).toBe(true);
    expect(await port.hedgeMode()).toBe(true);
    expect((await port.balance('USDT')).wallet.toFixed()).toBe('100000');
    const all = venue.engine.klines('BTCUSDT', '1m', { limit: 60 });
    const since = all[10]!.openTime;
    const candles = await port.candles(BTC, '1m', since, 3);
    expect(candles.map((c) => c.openTime)).toEqual([since, since + 60_000, since + 120_000]);
    expect(candles[0]!.close.equals(all[10]!.close)).toBe(true);
  });

  it('reads the leverage in force while flat, and the position tiers as notional brackets at the mark', async () => {
    const flat = await port.position(BTC, 'LONG');
    expect(flat.qty.isZero()).toBe(true);
    expect(flat.leverage?.toFixed()).toBe('20');
    const brackets = await port.leverageBrackets(BTC);
    const engine = venue.engine.leverageBrackets('BTCUSDT')[0]!.brackets;
    expect(brackets.map((b) => b.maxLeverage)).toEqual(engine.map((b) => b.initialLeverage));
    // Caps come back within one contract's worth of the engine's notional caps.
    const perContract = venue.engine.markPrice('BTCUSDT').markPrice.times('0.01');
    for (const [i, b] of brackets.entries())
      expect(b.notionalCap.minus(engine[i]!.notionalCap).abs().lessThanOrEqualTo(perContract)).toBe(true);
  });
});

describe('ccxt okx against the OKX protocol server: orders', () => {
  it('places in contracts, finds the order open and by client id, amends it, and cancels it', async () => {
    const req = limit({ qty: dec('0.0025') });
    const placed = await port.submit(req);
    expect(placed).toMatchObject({ ok: true, order: { clientOrderId: req.clientOrderId, status: 'NEW' } });
    // 0.0025 BTC went out as 0.25 contracts: the engine holds it in coins again.
    const resting = venue.engine
      .openOrders('acct-a', 'BTCUSDT')
      .find((o) => o.clientOrderId === req.clientOrderId);
    expect(resting?.origQty.toFixed()).toBe('0.0025');
    expect((await port.openOrders(BTC)).map((o) => o.clientOrderId)).toContain(req.clientOrderId);
    const found = await port.order(BTC, req.clientOrderId, 'limit');
    expect([found?.qty.toFixed(), found?.price?.toFixed(), found?.positionSide]).toEqual([
      '0.0025',
      '90000',
      'LONG',
    ]);
    const amended = await port.amend({ ...req, price: dec('90100'), qty: dec('0.003') });
    expect(amended).toMatchObject({ ok: true, order: { clientOrderId: req.clientOrderId } });
    if (amended.ok)
      expect([amended.order.price?.toFixed(), amended.order.qty.toFixed()]).toEqual(['90100', '0.003']);
    expect(await port.cancel(BTC, req.clientOrderId, 'limit')).toEqual({ ok: true, order: null });
    expect((await port.order(BTC, req.clientOrderId, 'limit'))?.status).toBe('CANCELED');
  });

  it('answers null for a client id the venue never saw, and unknown_order when cancelling it', async () => {
    expect(await port.order(BTC, 'gbokxnever', 'limit')).toBeNull();
    expect(await port.order(BTC, 'gbokxnever', 'stop')).toBeNull();
    expect(await port.cancel(BTC, 'gbokxnever', 'limit')).toMatchObject({
      ok: false,
      reason: 'unknown_order',
      code: '51400',
    });
  });

  it('accepts a post-only order that would take, then cancels it: the stream says why', async () => {
    const req = limit({ price: last().plus(50), timeInForce: 'GTX', qty: dec('0.001') });
    const r = await port.submit(req);
    expect(r.ok).toBe(true);
    const event = await user.waitFor(
      (e) =>
        e.type === 'order' && e.order.clientOrderId === req.clientOrderId && e.order.status === 'CANCELED',
    );
    expect(event.type === 'order' && event.order.cancelReason).toBe('post_only_would_take');
    // It is an order of the venue's, read back like any other: cancelled, nothing filled.
    const read = await port.order(BTC, req.clientOrderId, 'limit');
    expect([read?.status, read?.filledQty.toFixed(), read?.cancelReason]).toEqual([
      'CANCELED',
      '0',
      'post_only_would_take',
    ]);
    expect(venue.server.venue.autoCancelCount).toBeGreaterThanOrEqual(1);
  });

  it("refuses with OKX's codes: size off the lot, duplicate client id, insufficient margin", async () => {
    // 0.00005 BTC is half a lot (0.005 contracts): refused before ccxt could round it.
    expect(await port.submit(limit({ qty: dec('0.00005') }))).toMatchObject({ ok: false, reason: 'filter' });
    const req = limit();
    expect((await port.submit(req)).ok).toBe(true);
    expect(await port.submit(req)).toMatchObject({ ok: false, reason: 'duplicate_client_id', code: '51016' });
    await port.cancel(BTC, req.clientOrderId, 'limit');
    const huge = limit({ qty: dec('1000') });
    expect(await port.submit(huge)).toMatchObject({
      ok: false,
      reason: 'insufficient_margin',
      code: '51008',
    });
  });

  it('sets leverage, and answers refused leverage as a fatal error', async () => {
    await port.setLeverage(BTC, 7);
    expect(venue.engine.leverage('acct-a', 'BTCUSDT')).toBe(7);
    expect((await port.position(BTC, 'LONG')).leverage?.toFixed()).toBe('7');
    await expect(port.setLeverage(BTC, 126)).rejects.toThrow(/126|leverage/i);
    await port.setLeverage(BTC, 20);
  });
});

describe('stops as OKX algo orders', () => {
  it('places a closePosition stop on the mark, lists it with the open orders, and a restart finds it', async () => {
    await buyAtMarket('0.003');
    const stop = longStop(last().minus(3000).toDecimalPlaces(1).toFixed());
    const r = await port.submit(stop);
    expect(r).toMatchObject({ ok: true, order: { kind: 'stop', clientOrderId: stop.clientOrderId } });
    const listed = (await port.openOrders(BTC)).find((o) => o.clientOrderId === stop.clientOrderId);
    expect(listed).toMatchObject({ kind: 'stop', closePosition: true, positionSide: 'LONG', status: 'NEW' });
    expect(listed?.triggerPrice?.equals(stop.triggerPrice)).toBe(true);
    expect((await port.order(BTC, stop.clientOrderId, 'stop'))?.status).toBe('NEW');
    expect(await port.cancel(BTC, stop.clientOrderId, 'stop')).toMatchObject({ ok: true });
    expect((await port.order(BTC, stop.clientOrderId, 'stop'))?.status).toBe('CANCELED');
  });

  it("names a triggered stop's fill after the stop, over the stream and in trade history", async () => {
    const cursor = (await port.tradesSince(BTC, null)).at(-1) ?? null;
    const stop = longStop(last().minus(200).toDecimalPlaces(1).toFixed());
    expect((await port.submit(stop)).ok).toBe(true);
    const before = last();
    venue.moveTo('BTCUSDT', before.minus(400).toFixed());
    const fill = await user.waitFor((e) => e.type === 'fill' && e.fill.clientOrderId === stop.clientOrderId);
    expect(fill.type === 'fill' && fill.fill.side).toBe('sell');
    const history = await port.tradesSince(
      BTC,
      cursor ? { tradeId: cursor.tradeId, time: cursor.time } : null,
    );
    expect(history.map((f) => f.clientOrderId)).toContain(stop.clientOrderId);
    expect((await port.position(BTC, 'LONG')).qty.isZero()).toBe(true);
    venue.moveTo('BTCUSDT', before.toFixed());
  });

  it('refuses a stop whose trigger the price already passed as would_trigger', async () => {
    await buyAtMarket('0.001');
    const r = await port.submit(longStop(last().plus(500).toDecimalPlaces(1).toFixed()));
    expect(r).toMatchObject({ ok: false, reason: 'would_trigger' });
  });
});

describe('trade history in pages', () => {
  it('reads every fill after the cursor, oldest first, past OKX pages of 100', async () => {
    const cursor = (await port.tradesSince(BTC, null)).at(-1)!;
    const ids: string[] = [];
    for (let i = 0; i < 130; i++) ids.push(await buyAtMarket('0.0001'));
    const fills = await port.tradesSince(BTC, { tradeId: cursor.tradeId, time: cursor.time }, 500);
    expect(fills.map((f) => f.clientOrderId)).toEqual(ids);
    expect(fills.every((f, i) => i === 0 || BigInt(f.tradeId) > BigInt(fills[i - 1]!.tradeId))).toBe(true);
  });

  it('hands out the oldest `limit` after the cursor when more arrived, so the next read goes on from there', async () => {
    const cursor = (await port.tradesSince(BTC, null)).at(-1)!;
    const ids: string[] = [];
    for (let i = 0; i < 620; i++) {
      const id = `gbokxP${i}`;
      venue.engine.placeOrder('acct-a', {
        symbol: 'BTCUSDT',
        side: 'BUY',
        type: 'MARKET',
        quantity: dec('0.0001'),
        positionSide: 'LONG',
        newClientOrderId: id,
      });
      ids.push(id);
    }
    const first = await port.tradesSince(BTC, { tradeId: cursor.tradeId, time: cursor.time }, 500);
    expect(first.map((f) => f.clientOrderId)).toEqual(ids.slice(0, 500));
    const next = await port.tradesSince(
      BTC,
      { tradeId: first.at(-1)!.tradeId, time: first.at(-1)!.time },
      500,
    );
    expect(next.map((f) => f.clientOrderId)).toEqual(ids.slice(500));
  });
});

describe('user stream', () => {
  it('delivers the fill with our client id, the position and the balance of a taker fill', async () => {
    user.clear();
    const id = await buyAtMarket('0.001');
    const fill = await user.waitFor((e) => e.type === 'fill' && e.fill.clientOrderId === id);
    expect(fill.type === 'fill' && [fill.fill.qty.toFixed(), fill.fill.isMaker]).toEqual(['0.001', false]);
    await user.waitFor((e) => e.type === 'position' && e.position.positionSide === 'LONG');
    await user.waitFor((e) => e.type === 'balance' && e.balance.asset === 'USDT');
  });

  it('counts a malformed push without stopping the stream', async () => {
    const before = port.tap.malformedCount;
    venue.server.hub.publishPrivate('acct-a', [
      { channel: 'orders', instId: 'BTC-USDT-SWAP', data: [{ instId: 'BTC-USDT-SWAP', side: 'sideways' }] },
    ]);
    await user.waitFor((e) => e.type === 'malformed');
    expect(port.tap.malformedCount).toBe(before + 1);
    const id = await buyAtMarket('0.001');
    await user.waitFor((e) => e.type === 'fill' && e.fill.clientOrderId === id);
  });

  it('recovers fills made while the stream was down: reconnect, REST resync, then reconnected', async () => {
    user.clear();
    venue.engine.faults.disconnectStream('acct-a');
    const id = await buyAtMarket('0.001');
    venue.engine.faults.reconnectStream('acct-a');
    await user.waitFor((e) => e.type === 'connection' && e.state === 'reconnected', 15_000);
    const fill = user.events.find((e) => e.type === 'fill' && e.fill.clientOrderId === id);
    expect(fill).toBeDefined();
  });
});

describe('history older than OKX keeps on its recent endpoints (a venue on a virtual clock)', () => {
  it('reads fills older than 3 days from the fill history after re-measuring the clock, and candles older than 1 440 bars from the candle history', async () => {
    const clock = new VirtualClock(Date.now());
    const old = await startPaperVenue({ venue: 'okx', clock });
    try {
      // The venue's clock is virtual; the adapter waits its retries on the real one.
      const p = old.port('acct-a', { clock: new SystemClock() });
      const start = clock.now();
      // 2 000 one-minute candles, the last ending now: more than `/market/candles` keeps and than one page.
      const base = old.engine.lastPrice('BTCUSDT')!;
      for (let i = 0; i < 2_000; i++) {
        const t = Math.floor(start / 60_000) * 60_000 + (i - 2_000) * 60_000;
        const px = base.plus(i % 7);
        old.engine.applyCandle('BTCUSDT', {
          openTime: t,
          open: px,
          high: px.plus(1),
          low: px,
          close: px,
          volume: dec('1'),
        });
      }
      const since = Math.floor(start / 60_000) * 60_000 - 1_900 * 60_000;
      const candles = await p.candles(BTC, '1m', since, 1_500);
      expect(candles).toHaveLength(1_500);
      expect(candles.every((c, i) => c.openTime === since + i * 60_000)).toBe(true);
      // Fills, then four days pass: only the 3-month history still has them.
      const before = (await p.tradesSince(BTC, null)).at(-1) ?? null;
      const ids = [nextId('H'), nextId('H')];
      for (const id of ids)
        old.engine.placeOrder('acct-a', {
          symbol: 'BTCUSDT',
          side: 'BUY',
          type: 'MARKET',
          quantity: dec('0.001'),
          positionSide: 'LONG',
          newClientOrderId: id,
        });
      const cursor = before ?? { tradeId: '0', time: start - 1 };
      await clock.advanceBy(4 * 86_400_000);
      // Signed with the offset measured four days ago: refused (50102), measured again, read.
      const fills = await p.tradesSince(BTC, { tradeId: cursor.tradeId, time: cursor.time });
      expect(fills.map((f) => f.clientOrderId)).toEqual(ids);
    } finally {
      await old.stop();
    }
  });
});

/** An acct-b port whose stream watchdog fires after 1 s. */
const watchdogPort = () =>
  venue.port('acct-b', {
    resyncSymbols: [BTC],
    stream: { baseBackoffMs: 50, maxBackoffMs: 500, watchdogMs: 1_000 },
  });

describe('the first connection catches up', () => {
  it("delivers a fill made after the login but before the orders subscription's acknowledgement, before connected", async () => {
    const opening = venue.port('acct-b', { resyncSymbols: [BTC] });
    const events = new EventLog<UserStreamEvent>();
    // The private socket opens and logs in at once; its subscriptions take effect 1.5 s after they are asked.
    venue.server.faults.holdPrivateSubscriptions(1_500);
    try {
      const s = await opening.subscribeUser(events.push); // the fill cursor is read here
      for (let i = 0; i < 100 && venue.server.hub.loggedIn('acct-b') === 0; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(venue.server.hub.loggedIn('acct-b')).toBe(1);
      // Filled on a socket not subscribed yet: pushed to no one.
      const id = await buyAtMarket('0.001', nextId('O'), opening);
      const connected = await events.waitFor((e) => e.type === 'connection' && e.state === 'connected');
      const isMine = (e: UserStreamEvent) => e.type === 'fill' && e.fill.clientOrderId === id;
      const fill = events.events.findIndex(isMine);
      expect(fill).toBeGreaterThanOrEqual(0);
      expect(fill).toBeLessThan(events.events.indexOf(connected));
      expect(events.count(isMine)).toBe(1);
      await s.close();
    } finally {
      venue.server.faults.holdPrivateSubscriptions(0);
    }
  }, 20_000);

  it('a watch failed by an error event (its socket left open, no data) is reconnected after the watchdog', async () => {
    const opening = watchdogPort();
    const events = new EventLog<UserStreamEvent>();
    const s = await opening.subscribeUser(events.push);
    await events.waitFor((e) => e.type === 'connection' && e.state === 'connected');
    // ccxt rejects every waiter of the socket and keeps it open; its pongs go on, no data comes.
    expect(venue.server.hub.privateError('acct-b', '60012', 'Illegal request: not json')).toBeGreaterThan(0);
    await events.waitFor((e) => e.type === 'connection' && e.state === 'disconnected');
    await events.waitFor((e) => e.type === 'connection' && e.state === 'reconnected', 6_000);
    // Live again on the fresh socket: a fill comes through the stream.
    const id = await buyAtMarket('0.001', nextId('R'), opening);
    await events.waitFor((e) => e.type === 'fill' && e.fill.clientOrderId === id);
    await s.close();
  }, 20_000);

  it('a socket whose subscription is never acknowledged is reconnected after the watchdog, not left waiting', async () => {
    const opening = watchdogPort();
    const events = new EventLog<UserStreamEvent>();
    // Open and logged in, answering pings, but its subscriptions held well past the 1 s watchdog.
    venue.server.faults.holdPrivateSubscriptions(4_000);
    try {
      const s = await opening.subscribeUser(events.push);
      await events.waitFor((e) => e.type === 'connection' && e.state === 'disconnected', 3_000);
      venue.server.faults.holdPrivateSubscriptions(0);
      await events.waitFor((e) => e.type === 'connection' && e.state === 'reconnected', 10_000);
      const states = events.events.flatMap((e) => (e.type === 'connection' ? [e.state] : []));
      expect(states).toEqual(['disconnected', 'reconnected']);
      await s.close();
    } finally {
      venue.server.faults.holdPrivateSubscriptions(0);
    }
  }, 20_000);
});

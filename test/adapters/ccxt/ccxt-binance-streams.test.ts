import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CcxtExchange, keepAliveFor } from '../../../shared/adapters/ccxt/ccxt-exchange.js';
import { dec } from '../../../shared/domain/money.js';
import type {
  MarketStreamEvent,
  StreamSubscription,
  UserStreamEvent,
} from '../../../shared/ports/exchange.js';
import { EventLog } from '../../support/binance/events.js';
import { BTC, type PaperVenue, startPaperVenue } from '../../support/binance/paper-venue.js';
import { orderRequests } from '../../support/orders.js';

let venue: PaperVenue;
let port: CcxtExchange;
const user = new EventLog<UserStreamEvent>();
let sub: StreamSubscription;
let seq = 0;

const isFill = (id: string) => (e: UserStreamEvent) => e.type === 'fill' && e.fill.clientOrderId === id;
const isConnection = (state: string) => (e: UserStreamEvent) => e.type === 'connection' && e.state === state;

/** Places a resting buy below the market and returns its client id. */
async function restingBuy(price: string): Promise<string> {
  const clientOrderId = `gbstream${++seq}`;
  const r = await port.submit(orderRequests(() => clientOrderId).limit({ price: dec(price) }));
  expect(r.ok).toBe(true);
  return clientOrderId;
}

beforeAll(async () => {
  venue = await startPaperVenue();
  port = venue.port('acct-a', { resyncSymbols: [BTC] });
  sub = await port.subscribeUser(user.push);
  await user.waitFor(isConnection('connected'));
});
afterAll(async () => {
  await sub.close();
  await venue.stop();
});

describe('user-data stream through ccxt pro', () => {
  it('delivers the order, the fill with our client id, the position and the balance of a maker fill', async () => {
    const id = await restingBuy('95000.0');
    await user.waitFor((e) => e.type === 'order' && e.order.clientOrderId === id && e.order.status === 'NEW');
    venue.moveTo('BTCUSDT', '94990.0');
    const fill = await user.waitFor(isFill(id));
    if (fill.type !== 'fill') throw new Error('expected a fill');
    expect([
      fill.fill.price.toFixed(),
      fill.fill.qty.toFixed(),
      fill.fill.isMaker,
      fill.fill.positionSide,
    ]).toEqual(['95000', '0.002', true, 'LONG']);
    expect(fill.fill.fee.toFixed()).toBe('0.038');
    await user.waitFor(
      (e) => e.type === 'order' && e.order.clientOrderId === id && e.order.status === 'FILLED',
    );
    const position = await user.waitFor((e) => e.type === 'position' && e.position.positionSide === 'LONG');
    if (position.type !== 'position') throw new Error('expected a position');
    expect(position.position.qty.greaterThan(0)).toBe(true);
    const balance = await user.waitFor((e) => e.type === 'balance' && e.balance.asset === 'USDT');
    if (balance.type !== 'balance') throw new Error('expected a balance');
    expect(balance.balance.wallet.toFixed()).toBe('99999.962');
  });

  it('delivers an ALGO_UPDATE for a stop as a stop order event', async () => {
    const id = `gbstreamT${++seq}`;
    await port.submit({
      account: 'acct-a',
      symbol: BTC,
      clientOrderId: id,
      side: 'sell',
      positionSide: 'LONG',
      type: 'stop_market',
      triggerPrice: dec('80000.0'),
      workingType: 'MARK_PRICE',
      closePosition: true,
    });
    const ev = await user.waitFor((e) => e.type === 'order' && e.order.clientOrderId === id);
    expect(ev).toMatchObject({ order: { kind: 'stop', status: 'NEW' } });
    await port.cancel(BTC, id, 'stop');
    await user.waitFor(
      (e) => e.type === 'order' && e.order.clientOrderId === id && e.order.status === 'CANCELED',
    );
  });

  it('delivers a duplicated event once', async () => {
    const id = await restingBuy('94900.0');
    venue.server.faults.duplicateNextUserEvents(10);
    venue.moveTo('BTCUSDT', '94890.0');
    await user.waitFor(
      (e) => e.type === 'order' && e.order.clientOrderId === id && e.order.status === 'FILLED',
    );
    expect(user.count(isFill(id))).toBe(1);
  });

  it('counts and reports a malformed message without stopping the stream', async () => {
    venue.server.hub.publishUser('acct-a', {
      e: 'ORDER_TRADE_UPDATE',
      E: 1,
      T: 1,
      o: { s: 'BTCUSDT', c: 'x', S: 'BUY', o: 'LIMIT', X: 'NEW', q: 0.1 },
    });
    const bad = await user.waitFor((e) => e.type === 'malformed');
    expect(bad).toMatchObject({ type: 'malformed' });
    expect(port.tap.malformedCount).toBeGreaterThan(0);
    const id = await restingBuy('94800.0');
    await user.waitFor((e) => e.type === 'order' && e.order.clientOrderId === id);
  });

  it("keeps the stream up when ccxt's own parser throws on a message (a NaN it cannot make a BigInt of)", async () => {
    user.clear();
    venue.server.hub.publishUser('acct-a', {
      e: 'ORDER_TRADE_UPDATE',
      E: 1,
      T: 1,
      o: {
        s: 'BTCUSDT',
        c: 'x',
        S: 'BUY',
        o: 'LIMIT',
        x: 'TRADE',
        X: 'PARTIALLY_FILLED',
        q: 'NaN',
        p: 'NaN',
        L: 'NaN',
        l: 'NaN',
        z: 'NaN',
        i: 1,
        t: 5,
        T: 1,
        ps: 'LONG',
      },
    });
    await user.waitFor((e) => e.type === 'malformed');
    // The next real event still arrives, and nobody was told the stream went down.
    const id = await restingBuy('94750.0');
    await user.waitFor((e) => e.type === 'order' && e.order.clientOrderId === id);
    expect(user.count(isConnection('disconnected'))).toBe(0);
  });

  it("rejects and counts a fill whose price is off the instrument's tick: it never reaches a consumer", async () => {
    await port.loadRules('BTC/USDT:USDT');
    user.clear();
    const before = port.tap.malformedCount;
    venue.server.hub.publishUser('acct-a', {
      e: 'ORDER_TRADE_UPDATE',
      E: 2,
      T: 2,
      o: {
        s: 'BTCUSDT',
        c: 'gbofftickL1B1',
        S: 'BUY',
        o: 'LIMIT',
        f: 'GTC',
        x: 'TRADE',
        X: 'FILLED',
        q: '0.001',
        p: '94700.0',
        ap: '94700.05',
        L: '94700.05',
        l: '0.001',
        z: '0.001',
        i: 77,
        t: 777777,
        T: 2,
        n: '0',
        N: 'USDT',
        m: true,
        ps: 'LONG',
      },
    });
    const bad = await user.waitFor((e) => e.type === 'malformed');
    expect(bad).toMatchObject({ detail: expect.stringMatching(/94700\.05 is not on the tick 0\.1/) });
    expect(port.tap.malformedCount).toBeGreaterThan(before);
    const id = await restingBuy('94650.0');
    await user.waitFor((e) => e.type === 'order' && e.order.clientOrderId === id);

    expect(user.count((e) => e.type === 'fill' && e.fill.tradeId === '777777')).toBe(0);
  });

  it('recovers fills made while the stream was down: reconnect, REST resync, then reconnected', async () => {
    const id = await restingBuy('94700.0');
    user.clear();
    venue.engine.faults.disconnectStream('acct-a');
    await user.waitFor(isConnection('disconnected'));
    venue.moveTo('BTCUSDT', '94690.0');
    venue.engine.faults.reconnectStream('acct-a');
    const reconnected = await user.waitFor(isConnection('reconnected'));
    const fillIndex = user.events.findIndex(isFill(id));
    expect(fillIndex).toBeGreaterThanOrEqual(0);
    expect(fillIndex).toBeLessThan(user.events.indexOf(reconnected));
    expect(user.count(isFill(id))).toBe(1);
    expect(port.tap.reconnects).toBeGreaterThan(0);
  });

  it('gets a new listen key when the old one expires and keeps streaming', async () => {
    user.clear();
    expect(venue.server.expireListenKeyOf('acct-a')).toBe(true);
    await user.waitFor(isConnection('reconnected'));
    const id = await restingBuy('94600.0');
    venue.moveTo('BTCUSDT', '94590.0');
    await user.waitFor(isFill(id));
  });
});

describe('market streams through ccxt pro', () => {
  it('delivers book top, aggregated trades, mark price and 1m candles with exact decimals', async () => {
    const market = new EventLog<MarketStreamEvent>();
    const msub = await port.subscribeMarket(
      BTC,
      ['bookTop', 'trades', 'markPrice', 'candles1m'],
      market.push,
    );
    // Subscriptions are sent as ccxt connects; keep the market moving until each channel has spoken.
    const kinds = ['bookTop', 'trade', 'markPrice', 'candle'];
    for (let i = 0; i < 100 && !kinds.every((k) => market.count((e) => e.type === k) > 0); i++) {
      venue.moveTo('BTCUSDT', i % 2 === 0 ? '94600.1' : '94600.0');
      venue.engine.applyTrade('BTCUSDT', { price: dec('94600.1'), qty: dec('0.013'), buyerIsMaker: true });
      await new Promise((r) => setTimeout(r, 20));
    }
    // The tick's trade (each candle's path is published as trades too).
    const trade = await market.waitFor((e) => e.type === 'trade' && e.qty.equals('0.013'));
    if (trade.type !== 'trade') throw new Error('expected a trade');
    expect([trade.price.toFixed(), trade.qty.toFixed(), trade.takerSide, trade.symbol]).toEqual([
      '94600.1',
      '0.013',
      'sell',
      BTC,
    ]);
    const mark = await market.waitFor((e) => e.type === 'markPrice');
    if (mark.type !== 'markPrice') throw new Error('expected a mark');
    expect(['94600.1', '94600']).toContain(mark.mark.toFixed());
    const candle = await market.waitFor((e) => e.type === 'candle');
    if (candle.type !== 'candle') throw new Error('expected a candle');
    expect(candle.closed).toBe(true);
    const top = await market.waitFor((e) => e.type === 'bookTop');
    if (top.type !== 'bookTop') throw new Error('expected a book top');
    expect(top.ask.greaterThan(top.bid)).toBe(true);
    await msub.close();
  });
});

describe('keep-alive inside the watchdog', () => {
  it('with the production ratio (ping every third of the watchdog), a quiet stream idles past the watchdog without reconnecting', async () => {
    // Production is watchdog 30 s / ping 10 s; here the same ratio at a tenth of the scale.
    expect(keepAliveFor(30_000)).toBe(10_000);
    const quiet = venue.port('acct-b', {
      stream: { baseBackoffMs: 50, maxBackoffMs: 500, watchdogMs: 3_000 },
      keepAliveMs: undefined,
    });
    const events = new EventLog<UserStreamEvent>();
    const s = await quiet.subscribeUser(events.push);
    await events.waitFor(isConnection('connected'));
    await new Promise((resolve) => setTimeout(resolve, 4_500)); // 1.5 × the watchdog, no message at all
    expect(events.count(isConnection('disconnected'))).toBe(0);
    expect(quiet.tap.reconnects).toBe(0);
    await s.close();
  }, 20_000);
});

describe('the first connection catches up', () => {
  it('delivers a fill made while the stream was still opening (the listen key slow to come), before connected', async () => {
    const opening = venue.port('acct-b', { resyncSymbols: [BTC] });
    const events = new EventLog<UserStreamEvent>();
    const clientOrderId = `gbopening${++seq}`;
    expect(
      (await opening.submit(orderRequests(() => clientOrderId).limit({ price: dec('94400.0') }))).ok,
    ).toBe(true);
    // The stream cannot open before the listen key is handed out: a second and a half from now.
    venue.server.faults.holdNext({ route: 'POST /fapi/v1/listenKey', delayMs: 1_500 });
    const s = await opening.subscribeUser(events.push); // the fill cursor is read here
    venue.moveTo('BTCUSDT', '94390.0'); // fills before this port's socket is open: its stream never sees it
    const connected = await events.waitFor(isConnection('connected'));
    const fill = events.events.findIndex(isFill(clientOrderId));
    expect(fill).toBeGreaterThanOrEqual(0);
    expect(fill).toBeLessThan(events.events.indexOf(connected));
    expect(events.count(isFill(clientOrderId))).toBe(1);
    await s.close();
  }, 20_000);

  /** A taker buy on `symbol` through `p`; its client id. */
  async function takerBuy(p: CcxtExchange, symbol: string, qty: string): Promise<string> {
    const clientOrderId = `gbtaker${++seq}`;
    const r = await p.submit(orderRequests(() => clientOrderId).market(qty, { symbol }));
    expect(r.ok).toBe(true);
    return clientOrderId;
  }

  /** Resolves once the server holds more user sockets for acct-b than `before`. */
  async function socketOpened(before: number): Promise<void> {
    for (let i = 0; i < 200 && venue.server.hub.userStreamsOf('acct-b') <= before; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(venue.server.hub.userStreamsOf('acct-b')).toBeGreaterThan(before);
  }

  it('on several symbols: a fill the live stream brings on one while another is read does not hide a missed one', async () => {
    const ETH = 'ETH/USDT:USDT';
    venue.moveTo('ETHUSDT', '3000.00');
    const opening = venue.port('acct-b', { resyncSymbols: [BTC, ETH] });
    const events = new EventLog<UserStreamEvent>();
    const sockets = venue.server.hub.userStreamsOf('acct-b');
    venue.server.faults.holdNext({ route: 'POST /fapi/v1/listenKey', delayMs: 800 });
    const s = await opening.subscribeUser(events.push); // both cursors are read here
    const missed = await takerBuy(opening, ETH, '0.01'); // before the socket: only the catch-up finds it
    // The catch-up reads BTC first, slowly; meanwhile the live socket brings a newer ETH fill.
    venue.server.faults.holdNext({ route: 'GET /fapi/v1/userTrades', delayMs: 1_500 });
    await socketOpened(sockets);
    const live = await takerBuy(opening, ETH, '0.01');
    await events.waitFor(isFill(live));
    const connected = await events.waitFor(isConnection('connected'));
    const fill = events.events.findIndex(isFill(missed));
    expect(fill).toBeGreaterThanOrEqual(0);
    expect(fill).toBeLessThan(events.events.indexOf(connected));
    expect([events.count(isFill(missed)), events.count(isFill(live))]).toEqual([1, 1]);
    await s.close();
  }, 20_000);

  it('a stream that drops while the catch-up reads is not announced connected: the next socket says reconnected', async () => {
    const opening = venue.port('acct-b', { resyncSymbols: [BTC] });
    const events = new EventLog<UserStreamEvent>();
    const sockets = venue.server.hub.userStreamsOf('acct-b');
    const s = await opening.subscribeUser(events.push); // the seed's read is done by now
    venue.server.faults.holdNext({ route: 'GET /fapi/v1/userTrades', delayMs: 1_500 }); // the catch-up's
    await socketOpened(sockets);
    venue.server.faults.dropUserStreams('acct-b');
    await events.waitFor(isConnection('disconnected'));
    await events.waitFor(isConnection('reconnected'));
    // Give the first catch-up time to come back from its slow read: it must stay silent.
    await new Promise((r) => setTimeout(r, 1_700));
    const states = events.events.flatMap((e) => (e.type === 'connection' ? [e.state] : []));
    expect(states).toEqual(['disconnected', 'reconnected']);
    await s.close();
  }, 20_000);
});

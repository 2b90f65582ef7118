import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Route } from '../../../shared/adapters/paper/binance-server/router.js';
import { BinanceServer } from '../../../shared/adapters/paper/binance-server/server.js';
import { rawCcxt, TEST_KEY } from '../../support/binance/ccxt-client.js';
import { EXCHANGE_INFO_SUBSET, fixtureText } from '../../support/binance/fixtures.js';

// A signed route the engine does not own, so the protocol layer can be tested on its own.
const signedProbe: Route = {
  method: 'GET',
  path: '/fapi/v1/apiTradingStatus',
  security: 'signed',
  weight: 1,
  handle: ({ account }) => ({ indicators: {}, updateTime: 0, account }),
};

let clockOffset = 0;
const server = new BinanceServer({
  exchangeInfo: () => JSON.parse(fixtureText(EXCHANGE_INFO_SUBSET)),
  lookupKey: (key) => (key === TEST_KEY.apiKey ? TEST_KEY : undefined),
  now: () => Date.now() + clockOffset,
  weightLimitPerMinute: 40,
  weightWindowMs: 1_000,
  routes: [signedProbe],
});

beforeAll(async () => {
  await server.start();
});
afterAll(async () => {
  await server.stop();
});

function nextMessage(ws: WebSocket): Promise<unknown> {
  return new Promise((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
}

describe('Binance protocol server: public data', () => {
  it('serves the real exchangeInfo so ccxt loads the USD-M markets with their filters', async () => {
    const ex = rawCcxt(server);
    const markets = await ex.loadMarkets();
    expect(Object.keys(markets)).toEqual(expect.arrayContaining(['BTC/USDT:USDT', 'DOGE/USDC:USDC']));
    const info = markets['BTC/USDT:USDT']?.info as { filters: { filterType: string; tickSize?: string }[] };
    expect(info.filters.find((f) => f.filterType === 'PRICE_FILTER')?.tickSize).toBe('0.10');
    expect(await ex.fetchTime()).toBeGreaterThan(1_700_000_000_000);
  });

  it('answers an unknown path with 404 and Binance error body', async () => {
    const res = await fetch(`${server.httpUrl}/fapi/v1/nothing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: -1000 });
  });
});

describe('Binance protocol server: authentication', () => {
  it('accepts a correctly signed request and reports the weight used', async () => {
    const ex = rawCcxt(server);
    const res = (await ex.fapiPrivateGetApiTradingStatus()) as { account: string };
    expect(res.account).toBe('acct-a');
    expect(Number(ex.last_response_headers?.['X-Mbx-Used-Weight-1m'])).toBeGreaterThan(0);
  });

  it('refuses a bad signature with -1022, which ccxt reports as an authentication error', async () => {
    const ex = rawCcxt(server, { secret: 'wrong' });
    await expect(ex.fapiPrivateGetApiTradingStatus()).rejects.toThrow(ccxt.AuthenticationError);
    await expect(ex.fapiPrivateGetApiTradingStatus()).rejects.toThrow(/-1022/);
  });

  it('refuses an unknown API key with -2015', async () => {
    const ex = rawCcxt(server, { apiKey: 'nobody' });
    await expect(ex.fapiPrivateGetApiTradingStatus()).rejects.toThrow(/-2015/);
  });

  it('refuses a timestamp outside recvWindow with -1021, and ccxt recovers with time-difference adjustment', async () => {
    clockOffset = 3_600_000;
    try {
      const naive = rawCcxt(server);
      await expect(naive.fapiPrivateGetApiTradingStatus()).rejects.toThrow(ccxt.InvalidNonce);
      const adjusted = rawCcxt(server, { options: { adjustForTimeDifference: true } });
      await adjusted.loadMarkets();
      await expect(adjusted.fapiPrivateGetApiTradingStatus()).resolves.toMatchObject({ account: 'acct-a' });
    } finally {
      clockOffset = 0;
    }
  });
});

describe('Binance protocol server on a virtual clock', () => {
  it('skips the timestamp window when told to, still verifying the signature', async () => {
    const virtual = await new BinanceServer({
      exchangeInfo: () => JSON.parse(fixtureText(EXCHANGE_INFO_SUBSET)),
      lookupKey: (key) => (key === TEST_KEY.apiKey ? TEST_KEY : undefined),
      now: () => Date.UTC(2023, 6, 18),
      routes: [signedProbe],
      checkTimestamps: false,
    }).start();
    try {
      await expect(rawCcxt(virtual).fapiPrivateGetApiTradingStatus()).resolves.toMatchObject({
        account: 'acct-a',
      });
      await expect(rawCcxt(virtual, { secret: 'wrong' }).fapiPrivateGetApiTradingStatus()).rejects.toThrow(
        /-1022/,
      );
    } finally {
      await virtual.stop();
    }
  });
});

describe('Binance protocol server: request weight', () => {
  it('answers 429 with Retry-After over the configured limit and serves again once the window rolls', async () => {
    server.limiter.reset();
    const ex = rawCcxt(server);
    let limited: unknown = null;
    for (let i = 0; i < 50 && limited === null; i++) {
      await ex.fapiPublicGetTime().catch((e: unknown) => {
        limited = e;
      });
    }
    expect(limited).toBeInstanceOf(ccxt.DDoSProtection);
    expect(ex.last_response_headers?.['Retry-After']).toBe('1');
    await new Promise((r) => setTimeout(r, 1_050));
    await expect(ex.fapiPublicGetTime()).resolves.toHaveProperty('serverTime');
    server.limiter.reset();
  });
});

describe('Binance protocol server: listen keys and the user-data socket', () => {
  it('creates, extends and deletes a listen key; a deleted key no longer opens a stream', async () => {
    const ex = rawCcxt(server);
    const { listenKey } = (await ex.fapiPrivatePostListenKey()) as { listenKey: string };
    expect(listenKey).toMatch(/^[0-9a-f]{64}$/);
    expect(((await ex.fapiPrivatePostListenKey()) as { listenKey: string }).listenKey).toBe(listenKey);
    await expect(ex.fapiPrivatePutListenKey()).resolves.toMatchObject({ listenKey });
    await ex.fapiPrivateDeleteListenKey();
    await expect(ex.fapiPrivatePutListenKey()).rejects.toThrow(/-1125/);
    const ws = new WebSocket(
      `ws://127.0.0.1:${new URL(server.httpUrl).port}/private/ws?listenKey=${listenKey}`,
    );
    const failed = await new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(false));
      ws.once('error', () => resolve(true));
    });
    expect(failed).toBe(true);
  });

  it('delivers user events to the account socket, then listenKeyExpired and a close when the key expires', async () => {
    const ex = rawCcxt(server);
    const { listenKey } = (await ex.fapiPrivatePostListenKey()) as { listenKey: string };
    const ws = new WebSocket(`${server.wsUrl.replace('/ws', '/private/ws')}?listenKey=${listenKey}`);
    await new Promise((r) => ws.once('open', r));
    const first = nextMessage(ws);
    server.hub.publishUser('acct-a', { e: 'TEST', E: 1 });
    expect(await first).toEqual({ e: 'TEST', E: 1 });
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    const last = nextMessage(ws);
    expect(server.expireListenKeyOf('acct-a')).toBe(true);
    expect(await last).toMatchObject({ e: 'listenKeyExpired', listenKey });
    expect(await closed).toBe(1000);
  });
});

describe('Binance protocol server: market streams', () => {
  it('lets ccxt pro subscribe to bookTicker and delivers what is published', async () => {
    const ex = rawCcxt(server);
    await ex.loadMarkets();
    await ex.loadHttpProxyAgent(); // ccxt needs it for plain ws:// URLs
    const watching = ex.watchBidsAsks(['BTC/USDT:USDT']);
    for (let i = 0; i < 50 && !server.hub.hasMarketSubscribers('btcusdt@bookTicker'); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    server.hub.publishMarket('btcusdt@bookTicker', {
      e: 'bookTicker',
      u: 1,
      s: 'BTCUSDT',
      b: '100000.0',
      B: '1.5',
      a: '100000.1',
      A: '2',
      T: 1,
      E: 1,
    });
    const tickers = await watching;
    expect(tickers['BTC/USDT:USDT']).toMatchObject({ bid: 100000, ask: 100000.1 });
    await ex.close();
  });

  it('answers SUBSCRIBE, LIST_SUBSCRIPTIONS and bad requests on a raw socket, and wraps combined streams', async () => {
    const ws = new WebSocket(`${server.httpUrl.replace('http', 'ws')}/stream?streams=ethusdt@aggTrade`);
    await new Promise((r) => ws.once('open', r));
    let reply = nextMessage(ws);
    ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['btcusdt@markPrice@1s'], id: 7 }));
    expect(await reply).toEqual({ result: null, id: 7 });
    reply = nextMessage(ws);
    ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 8 }));
    expect(await reply).toEqual({ result: ['ethusdt@aggtrade', 'btcusdt@markprice@1s'], id: 8 });
    reply = nextMessage(ws);
    server.hub.publishMarket('ethusdt@aggTrade', { e: 'aggTrade', s: 'ETHUSDT' });
    expect(await reply).toEqual({ stream: 'ethusdt@aggtrade', data: { e: 'aggTrade', s: 'ETHUSDT' } });
    reply = nextMessage(ws);
    ws.send('not json');
    expect(await reply).toMatchObject({ error: { code: 3 } });
    ws.close();
  });
});

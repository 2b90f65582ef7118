/**
 * The OKX v5 protocol server at the wire (issue 18): signed REST with OKX's headers and error answers,
 * its per-route rate limits, and the WebSocket protocol (ping/pong, login, subscriptions on the right URL,
 * pushes in OKX's shape) — spoken by hand here, so the server is held to OKX's protocol and not merely
 * to what ccxt happens to send.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { okxSign } from '../../../shared/adapters/paper/okx-server/auth.js';
import {
  OkxInstruments,
  parseOkxInstruments,
} from '../../../shared/adapters/paper/okx-server/instruments.js';
import type { PaperOkxServer } from '../../../shared/adapters/paper/okx-server/server.js';
import { ACCOUNTS, type PaperVenue, startPaperVenue } from '../../support/binance/paper-venue.js';

const A = ACCOUNTS[0];
let venue: PaperVenue<PaperOkxServer>;

type Body = { code: string; msg: string; data: Record<string, unknown>[] };

async function rest(
  method: 'GET' | 'POST',
  path: string,
  opts: { body?: unknown; sign?: boolean; passphrase?: string; secret?: string; at?: Date } = {},
): Promise<{ status: number; body: Body }> {
  const text = opts.body === undefined ? '' : JSON.stringify(opts.body);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (opts.sign !== false) {
    const ts = (opts.at ?? new Date()).toISOString();
    headers['OK-ACCESS-KEY'] = A.apiKey;
    headers['OK-ACCESS-PASSPHRASE'] = opts.passphrase ?? A.passphrase;
    headers['OK-ACCESS-TIMESTAMP'] = ts;
    headers['OK-ACCESS-SIGN'] = okxSign(ts + method + path + text, opts.secret ?? A.apiSecret);
  }
  const res = await fetch(venue.server.httpUrl + path, { method, headers, ...(text ? { body: text } : {}) });
  return { status: res.status, body: (await res.json()) as Body };
}

/** A raw socket that collects every message (parsed JSON, or the text). */
async function socket(kind: 'public' | 'private' | 'business') {
  const ws = new WebSocket(`${venue.server.wsUrl}/${kind}`);
  const got: unknown[] = [];
  ws.on('message', (d) => {
    const t = d.toString();
    try {
      got.push(JSON.parse(t));
    } catch {
      got.push(t);
    }
  });
  await new Promise((r) => ws.once('open', r));
  const next = async (match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    for (let i = 0; i < 100; i++) {
      const m = got.find((x) => typeof x === 'object' && x !== null && match(x as Record<string, unknown>));
      if (m) return m as Record<string, unknown>;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no matching message; got ${JSON.stringify(got).slice(0, 300)}`);
  };
  return { ws, got, next, send: (m: unknown) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)) };
}

/** A market buy on the BTC-USDT-SWAP long side, sent by hand (`sz` in contracts). */
function buyLongAtMarket(sz: string, clOrdId: string) {
  return rest('POST', '/api/v5/trade/order', {
    body: {
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'buy',
      posSide: 'long',
      ordType: 'market',
      sz,
      clOrdId,
    },
  });
}

function login(secret: string = A.apiSecret) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    op: 'login',
    args: [
      {
        apiKey: A.apiKey,
        passphrase: A.passphrase,
        timestamp,
        sign: okxSign(`${timestamp}GET/users/self/verify`, secret),
      },
    ],
  };
}

beforeAll(async () => {
  venue = await startPaperVenue({ venue: 'okx' });
});
afterAll(async () => {
  await venue.stop();
});

describe('OKX protocol server: instruments', () => {
  it('serves the real instruments payload and hosts its linear swaps in coins on the engine', async () => {
    const { body } = await rest('GET', '/api/v5/public/instruments?instType=SWAP', { sign: false });
    expect(body.code).toBe('0');
    expect(body.data.map((r) => r.instId)).toEqual(['BTC-USD-SWAP', 'ETH-USDT-SWAP', 'BTC-USDT-SWAP']);
    // The inverse swap is listed, not hosted.
    expect(parseOkxInstruments(body).map((i) => i.engineSymbol)).toEqual(['ETHUSDT', 'BTCUSDT']);
    const eth = new OkxInstruments().find('ETH-USDT-SWAP')!;
    expect(venue.engine.marketRules('ETHUSDT').stepSize.equals(eth.lotSz.times(eth.ctVal))).toBe(true);
    expect(venue.engine.marketRules('ETHUSDT').minNotional.isZero()).toBe(true);
  });

  it('answers an unknown path with 404, and an unknown instrument with 51001', async () => {
    expect((await rest('GET', '/api/v5/nothing/here', { sign: false })).status).toBe(404);
    const r = await rest('GET', '/api/v5/market/ticker?instId=DOGE-USDT-SWAP', { sign: false });
    expect([r.status, r.body.code]).toEqual([200, '51001']);
  });
});

describe('OKX protocol server: authentication', () => {
  it('accepts a correctly signed request', async () => {
    const r = await rest('GET', '/api/v5/account/config');
    expect([r.status, r.body.code, r.body.data[0]?.posMode]).toEqual([200, '0', 'long_short_mode']);
  });

  it('refuses a bad signature, a wrong passphrase, an unknown key and a stale timestamp with 401', async () => {
    expect((await rest('GET', '/api/v5/account/config', { secret: 'wrong' })).body.code).toBe('50113');
    expect((await rest('GET', '/api/v5/account/config', { passphrase: 'wrong' })).body.code).toBe('50105');
    const stale = await rest('GET', '/api/v5/account/config', { at: new Date(Date.now() - 60_000) });
    expect([stale.status, stale.body.code]).toEqual([401, '50102']);
    const anonymous = await rest('GET', '/api/v5/account/config', { sign: false });
    expect([anonymous.status, anonymous.body.code]).toEqual([401, '50103']);
  });
});

describe('OKX protocol server: orders at the wire', () => {
  it('answers a batch with some rows refused as code 2, each row with its sCode', async () => {
    const row = (clOrdId: string, sz: string) => ({
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'buy',
      posSide: 'long',
      ordType: 'limit',
      px: '90000',
      sz,
      clOrdId,
    });
    const r = await rest('POST', '/api/v5/trade/batch-orders', {
      body: [row('wireok1', '0.2'), row('wirebad1', '0.005')],
    });
    expect(r.body.code).toBe('2');
    expect(r.body.data.map((d) => d.sCode)).toEqual(['0', '51121']);
    const all = await rest('POST', '/api/v5/trade/order', { body: row('wirebad2', '0.005') });
    expect([all.body.code, all.body.msg, all.body.data[0]?.sCode]).toEqual([
      '1',
      'All operations failed',
      '51121',
    ]);
    const cancel = await rest('POST', '/api/v5/trade/cancel-order', {
      body: { instId: 'BTC-USDT-SWAP', clOrdId: 'wireok1' },
    });
    expect(cancel.body.data[0]).toMatchObject({ sCode: '0', clOrdId: 'wireok1' });
    const again = await rest('POST', '/api/v5/trade/cancel-order', {
      body: { instId: 'BTC-USDT-SWAP', clOrdId: 'wireok1' },
    });
    expect(again.body.data[0]?.sCode).toBe('51400');
    const missing = await rest('GET', '/api/v5/trade/order?instId=BTC-USDT-SWAP&clOrdId=wirenever');
    expect(missing.body.code).toBe('51603');
  });

  it('ignores reduceOnly in long/short mode (the position side makes a close a close), as OKX does', async () => {
    await buyLongAtMarket('0.2', 'wireopen1');
    const r = await rest('POST', '/api/v5/trade/order', {
      body: {
        instId: 'BTC-USDT-SWAP',
        tdMode: 'cross',
        side: 'sell',
        posSide: 'long',
        ordType: 'limit',
        px: '99000',
        sz: '0.2',
        clOrdId: 'wirero1',
        reduceOnly: true,
      },
    });
    expect(r.body.data[0]?.sCode).toBe('0');
    const o = venue.engine.openOrders(A.id, 'BTCUSDT').find((x) => x.clientOrderId === 'wirero1');
    expect(o?.reduceOnly).toBe(false);
    await rest('POST', '/api/v5/trade/cancel-order', {
      body: { instId: 'BTC-USDT-SWAP', clOrdId: 'wirero1' },
    });
  });
});

describe('OKX protocol server: rate limits', () => {
  it('answers 429 with 50011 over the route limit, and counts it', async () => {
    const limited = await startPaperVenue({ venue: 'okx', okxLimitScale: 0.1 });
    try {
      // `GET /public/time` allows 10 per 2 s; scaled to 1.
      const url = `${limited.server.httpUrl}/api/v5/public/time`;
      expect((await fetch(url)).status).toBe(200);
      const refused = await fetch(url);
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as Body).code).toBe('50011');
      expect(limited.server.statusCounts.get(429)).toBe(1);
    } finally {
      await limited.stop();
    }
  });
});

describe('OKX protocol server: WebSockets', () => {
  it('answers ping with pong, and refuses private channels before login and candles on the public URL', async () => {
    const s = await socket('private');
    s.send('ping');
    for (let i = 0; i < 50 && !s.got.includes('pong'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(s.got).toContain('pong');
    s.send({ op: 'subscribe', args: [{ channel: 'orders', instType: 'ANY' }] });
    expect((await s.next((m) => m.event === 'error')).code).toBe('60011');
    s.send(login('wrong'));
    expect((await s.next((m) => m.event === 'error' && m.code !== '60011')).code).toBe('60007');
    s.ws.close();
    const p = await socket('public');
    p.send({ op: 'subscribe', args: [{ channel: 'candle1m', instId: 'BTC-USDT-SWAP' }] });
    expect((await p.next((m) => m.event === 'error')).code).toBe('64001');
    p.ws.close();
  });

  it('pushes trades, the best bid and offer and tickers on the public URL, sizes in contracts', async () => {
    const p = await socket('public');
    p.send({
      op: 'subscribe',
      args: ['trades', 'bbo-tbt', 'tickers'].map((channel) => ({ channel, instId: 'BTC-USDT-SWAP' })),
    });
    await p.next((m) => m.event === 'subscribe' && (m.arg as Record<string, unknown>).channel === 'tickers');
    const px = venue.engine.lastPrice('BTCUSDT')!;
    venue.engine.applyTrade('BTCUSDT', {
      price: px,
      qty: venue.engine.marketRules('BTCUSDT').stepSize.times(30),
      buyerIsMaker: false,
    });
    const push = (channel: string) =>
      p.next((m) => (m.arg as Record<string, unknown>)?.channel === channel && Array.isArray(m.data));
    const trade = ((await push('trades')).data as Record<string, unknown>[])[0]!;
    // 30 lots of 0.0001 BTC: 0.3 contracts of 0.01 BTC.
    expect(trade).toMatchObject({ instId: 'BTC-USDT-SWAP', px: px.toFixed(), sz: '0.3', side: 'buy' });
    const ticker = ((await push('tickers')).data as Record<string, unknown>[])[0]!;
    expect(ticker).toMatchObject({ instType: 'SWAP', instId: 'BTC-USDT-SWAP', last: px.toFixed() });
    const bbo = ((await push('bbo-tbt')).data as Record<string, unknown>[])[0]!;
    expect((bbo.bids as string[][])[0]![0]).toBe(venue.engine.bookTop('BTCUSDT')!.bid.toFixed());
    p.ws.close();
  });

  it('pushes orders and positions to a logged-in subscriber, in contracts', async () => {
    const s = await socket('private');
    s.send(login());
    expect(await s.next((m) => m.event === 'login')).toMatchObject({ code: '0' });
    s.send({
      op: 'subscribe',
      args: [
        { channel: 'orders', instType: 'ANY' },
        { channel: 'positions', instType: 'ANY' },
      ],
    });
    await s.next(
      (m) => m.event === 'subscribe' && (m.arg as Record<string, unknown>).channel === 'positions',
    );
    await buyLongAtMarket('0.3', 'wirepush1');
    const filled = await s.next(
      (m) =>
        (m.arg as Record<string, unknown>)?.channel === 'orders' &&
        Array.isArray(m.data) &&
        (m.data as Record<string, unknown>[])[0]?.state === 'filled',
    );
    const row = (filled.data as Record<string, unknown>[])[0]!;
    expect(row).toMatchObject({
      clOrdId: 'wirepush1',
      instId: 'BTC-USDT-SWAP',
      sz: '0.3',
      fillSz: '0.3',
      posSide: 'long',
      execType: 'T',
    });
    expect(filled.arg).toMatchObject({ channel: 'orders', instType: 'ANY', uid: A.id });
    const pos = await s.next(
      (m) => (m.arg as Record<string, unknown>)?.channel === 'positions' && Array.isArray(m.data),
    );
    expect((pos.data as Record<string, unknown>[])[0]).toMatchObject({
      instId: 'BTC-USDT-SWAP',
      posSide: 'long',
    });
    s.ws.close();
  });
});

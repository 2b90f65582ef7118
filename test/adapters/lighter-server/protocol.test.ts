/**
 * The Lighter protocol server at the wire: `sendTx` spoken by hand as the multipart form ccxt sends (and
 * once through ccxt's own `publicPostSendTx`), Go-named `tx_info` JSON, strict nonces, Lighter's error
 * codes, auth tokens on the private reads, and the public and private reads through the unmodified ccxt
 * `lighter` client (its signer is a WebAssembly binary this repository does not ship, so private reads go
 * through ccxt with `createAuth` answering a token made here).
 */
import { randomBytes } from 'node:crypto';
import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dec } from '../../../shared/domain/money.js';
import { LIGHTER_ACCOUNTS, type LighterVenue, startLighterVenue } from '../../support/lighter-venue.js';

type Body = Record<string, unknown> & { code: number; message?: string };
type Row = Record<string, unknown>;

interface Who {
  readonly id: string;
  readonly index: number;
  readonly key: number;
}
const A: Who = { id: LIGHTER_ACCOUNTS[0].account, index: 777, key: 2 };
const B: Who = { id: LIGHTER_ACCOUNTS[1].account, index: 778, key: 4 };
const BTC = 1;
const ETH = 0;
const COUNTERPARTY = 281474976710654;
const STOP_BASE = 2 ** 49;
const ORDER_BASE = 2 ** 48;
const DAY = 86_400_000;

const sig = (): string => randomBytes(80).toString('base64');

function token(account: number, key: number, deadlineMs = Date.now() + 3_600_000): string {
  return `${Math.floor(deadlineMs / 1000)}:${account}:${key}:${'ab'.repeat(80)}`;
}

/** One venue per describe block: each starts from the same real market. */
function useVenue(): () => LighterVenue {
  let venue: LighterVenue | undefined;
  beforeAll(async () => {
    venue = await startLighterVenue();
  });
  afterAll(async () => {
    await venue?.stop();
  });
  return () => venue!;
}

function client(v: LighterVenue) {
  async function get(path: string, auth?: string): Promise<{ status: number; body: Body; text: string }> {
    const res = await fetch(v.server.httpUrl + path, auth ? { headers: { Authorization: auth } } : {});
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as Body, text };
  }
  async function post(form: Record<string, string>): Promise<{ status: number; body: Body }> {
    const fd = new FormData();
    for (const [k, val] of Object.entries(form)) fd.append(k, val);
    const res = await fetch(`${v.server.httpUrl}/api/v1/sendTx`, { method: 'POST', body: fd });
    return { status: res.status, body: (await res.json()) as Body };
  }
  async function nonce(who = A, key = who.key): Promise<number> {
    const r = await get(`/api/v1/nextNonce?account_index=${who.index}&api_key_index=${key}`);
    expect(r.status).toBe(200);
    return r.body.nonce as number;
  }
  /** A signed-looking tx of `who` with the next nonce unless given. */
  async function tx(type: number, fields: Row, opts: { who?: Who; nonce?: number; info?: Row } = {}) {
    const who = opts.who ?? A;
    const info: Row = {
      AccountIndex: who.index,
      ApiKeyIndex: who.key,
      ...fields,
      ExpiredAt: Date.now() + 600_000,
      Nonce: opts.nonce ?? (await nonce(who)),
      Sig: sig(),
      L2TxAttributes: null,
      ...opts.info,
    };
    return post({ tx_type: String(type), tx_info: JSON.stringify(info) });
  }
  /** CreateOrder on BTC (sizes in 0.001 BTC, prices in 0.1 USDC): a good-till-time limit buy by default. */
  const order = (fields: Row, opts: Parameters<typeof tx>[2] = {}) =>
    tx(
      14,
      {
        MarketIndex: BTC,
        ClientOrderIndex: 0,
        BaseAmount: 2,
        Price: 940_000,
        IsAsk: 0,
        Type: 0,
        TimeInForce: 1,
        ReduceOnly: 0,
        TriggerPrice: 0,
        OrderExpiry: Date.now() + 28 * DAY,
        ...fields,
      },
      opts,
    );
  /** A market buy (IOC at worst price 96 000) of `units` × 0.001 BTC. */
  const marketBuy = (units: number, clientIndex: number) =>
    order({
      BaseAmount: units,
      Price: 960_000,
      Type: 1,
      TimeInForce: 0,
      OrderExpiry: 0,
      ClientOrderIndex: clientIndex,
    });
  const active = async (who = A, market = BTC): Promise<Row[]> => {
    const r = await get(
      `/api/v1/accountActiveOrders?account_index=${who.index}&market_id=${market}`,
      token(who.index, who.key),
    );
    expect(r.status).toBe(200);
    return r.body.orders as Row[];
  };
  const inactive = async (who = A, query = 'limit=100'): Promise<Body> => {
    const r = await get(
      `/api/v1/accountInactiveOrders?account_index=${who.index}&${query}`,
      token(who.index, who.key),
    );
    expect(r.status).toBe(200);
    return r.body;
  };
  const trades = async (who = A, query = 'sort_by=timestamp&limit=100'): Promise<Row[]> => {
    const r = await get(`/api/v1/trades?account_index=${who.index}&${query}`, token(who.index, who.key));
    expect(r.status).toBe(200);
    return r.body.trades as Row[];
  };
  const account = async (who = A): Promise<Row> => {
    const r = await get(`/api/v1/account?by=index&value=${who.index}`);
    expect(r.status).toBe(200);
    return (r.body.accounts as Row[])[0]!;
  };
  /** Everything an engine change would show in: orders, stops, positions, balances, leverage, events. */
  const snapshot = (who = A): string => {
    const e = v.engine;
    return JSON.stringify({
      orders: ['BTCUSDT', 'ETHUSDT'].map((s) => e.allOrders(who.id, s, { limit: 1000 })),
      stops: ['BTCUSDT', 'ETHUSDT'].map((s) => e.allAlgoOrders(who.id, s, { limit: 1000 })),
      positions: e.positions(who.id),
      balances: e.balances(who.id),
      leverage: e.leverage(who.id, 'BTCUSDT'),
      events: e.events(who.id).length,
    });
  };
  return { get, post, nonce, tx, order, marketBuy, active, inactive, trades, account, snapshot };
}

function ccxtLighter(v: LighterVenue, auth?: string) {
  const ex = new ccxt.lighter({ enableRateLimit: false });
  ex.urls.api = v.server.ccxtApiUrls();
  // The real signer is a WebAssembly binary; its auth token is made here instead.
  if (auth !== undefined) ex.createAuth = () => auth;
  return ex;
}

describe('Lighter protocol server: public reads', () => {
  const venue = useVenue();

  it('derives the market decimals and limits from the engine rules, at the ids Lighter uses', async () => {
    const { get } = client(venue());
    const r = await get('/api/v1/orderBookDetails');
    expect(r.body.code).toBe(200);
    const rows = r.body.order_book_details as Row[];
    expect(rows.map((m) => [m.market_id, m.symbol])).toEqual([
      [ETH, 'ETH'],
      [BTC, 'BTC'],
    ]);
    const btc = rows.find((m) => m.market_id === BTC)!;
    // BTCUSDT: step 0.001, tick 0.10, min qty 0.001, min notional 100; 20x default leverage → IMF 500.
    expect(btc).toMatchObject({
      market_type: 'perp',
      status: 'active',
      size_decimals: 3,
      price_decimals: 1,
      min_base_amount: '0.001',
      min_quote_amount: '100.000000',
      default_initial_margin_fraction: 500,
      taker_fee: '0.0005',
    });
    // The last price goes out as a JSON number, with the engine's exact digits.
    expect(r.text).toContain(`"last_trade_price":${venue().engine.lastPrice('BTCUSDT')!.toFixed()}`);
    expect(r.body.spot_order_book_details).toEqual([]);
    const one = await get('/api/v1/orderBookDetails?market_id=0');
    expect((one.body.order_book_details as Row[]).map((m) => m.symbol)).toEqual(['ETH']);
  });

  it('serves ccxt fetchMarkets, fetchOHLCV, fetchOrderBook, fetchBalance and fetchPositions', async () => {
    const v = venue();
    const ex = ccxtLighter(v);
    const markets = await ex.fetchMarkets();
    const btc = markets.find((m) => m?.symbol === 'BTC/USDC:USDC')!;
    expect([btc.id, btc.precision.amount, btc.precision.price, btc.limits.cost?.min]).toEqual([
      '1',
      0.001,
      0.1,
      100,
    ]);
    const candles = await ex.fetchOHLCV('BTC/USDC:USDC', '1m', v.firstCandleTime, 3);
    const klines = v.engine.klines('BTCUSDT', '1m', { startTime: v.firstCandleTime, limit: 3 });
    expect(candles.map((c) => c[0])).toEqual(klines.map((k) => k.openTime));
    expect(candles.map((c) => String(c[4]))).toEqual(klines.map((k) => k.close.toFixed()));
    const book = await ex.fetchOrderBook('BTC/USDC:USDC');
    const top = v.engine.bookTop('BTCUSDT')!;
    expect([String(book.bids[0]![0]), String(book.asks[0]![0])]).toEqual([
      top.bid.toFixed(),
      top.ask.toFixed(),
    ]);
    const balance = await ex.fetchBalance({ accountIndex: A.index });
    expect([balance.USDC?.total, balance.USDC?.free]).toEqual([100000, 100000]);
    expect(await ex.fetchPositions(undefined, { accountIndex: A.index })).toEqual([]);
  });

  it('answers an unknown path with a JSON 404, an unknown account with 21100, an unknown key with 21109', async () => {
    const { get } = client(venue());
    const missing = await get('/api/v1/nothingHere');
    expect([missing.status, missing.body.code]).toEqual([404, 404]);
    const unknown = await get('/api/v1/account?by=index&value=999999');
    expect([unknown.status, unknown.body]).toEqual([400, { code: 21100, message: 'account not found' }]);
    const key = await get(`/api/v1/nextNonce?account_index=${A.index}&api_key_index=9`);
    expect([key.status, key.body]).toEqual([400, { code: 21109, message: 'api key not found' }]);
    const first = await get(`/api/v1/nextNonce?account_index=${A.index}&api_key_index=3`);
    expect(first.body).toEqual({ code: 200, nonce: 1000 });
  });

  it('puts the accounts in one-way mode (one net position per market)', () => {
    for (const a of [A, B]) expect(venue().engine.positionMode(a.id).dualSidePosition).toBe(false);
  });
});

describe('Lighter protocol server: sendTx checks', () => {
  const venue = useVenue();

  it('parses the multipart body ccxt itself sends', async () => {
    const v = venue();
    const { nonce, active } = client(v);
    const ex = ccxtLighter(v);
    const info = {
      AccountIndex: A.index,
      ApiKeyIndex: A.key,
      MarketIndex: BTC,
      ClientOrderIndex: 42,
      BaseAmount: 2,
      Price: 940_000,
      IsAsk: 0,
      Type: 0,
      TimeInForce: 1,
      ReduceOnly: 0,
      TriggerPrice: 0,
      OrderExpiry: Date.now() + 28 * DAY,
      ExpiredAt: Date.now() + 600_000,
      Nonce: await nonce(),
      Sig: sig(),
      L2TxAttributes: null,
    };
    const r = await ex.publicPostSendTx({ tx_type: 14, tx_info: JSON.stringify(info) });
    expect(r).toMatchObject({ code: 200, message: '{"ratelimit": "didn\'t use volume quota"}' });
    expect(r.tx_hash).toMatch(/^[0-9a-f]{80}$/);
    expect((await active()).map((o) => o.client_order_index)).toEqual([42]);
  });

  it('holds each key to its next nonce: a wrong one is 21104 and places nothing, the right one advances it', async () => {
    const v = venue();
    const { nonce, order, snapshot } = client(v);
    const before = snapshot();
    const next = await nonce();
    for (const wrong of [next + 1, next - 1]) {
      const r = await order({ ClientOrderIndex: 50 }, { nonce: wrong });
      expect([r.status, r.body]).toEqual([400, { code: 21104, message: 'invalid nonce' }]);
    }
    expect(snapshot()).toBe(before);
    expect(await nonce()).toBe(next);
    const ok = await order({ ClientOrderIndex: 51 }, { nonce: next });
    expect(ok.body.code).toBe(200);
    expect(await nonce()).toBe(next + 1);
    // Replaying the accepted nonce is refused; the other key has its own sequence.
    expect((await order({ ClientOrderIndex: 52 }, { nonce: next })).body.code).toBe(21104);
    expect(await nonce(A, 3)).toBe(1000);
  });

  it('accepts a skip-nonce tx with any unused nonce, without moving the sequence', async () => {
    const { nonce, order } = client(venue());
    const next = await nonce();
    const skip = { L2TxAttributes: { '4': 1 } };
    const stamp = Date.now();
    expect((await order({ ClientOrderIndex: 60 }, { nonce: stamp, info: skip })).body.code).toBe(200);
    expect((await order({ ClientOrderIndex: 61 }, { nonce: stamp, info: skip })).body.code).toBe(21104);
    expect(await nonce()).toBe(next);
  });

  it('refuses every malformed or unauthorised tx before touching the engine or the nonce', async () => {
    const v = venue();
    const { nonce, order, post, snapshot } = client(v);
    const before = snapshot();
    const next = await nonce();
    const cancel = (fields: Row) =>
      post({
        tx_type: '15',
        tx_info: JSON.stringify({
          AccountIndex: A.index,
          ApiKeyIndex: A.key,
          MarketIndex: BTC,
          Index: ORDER_BASE + 1,
          ExpiredAt: Date.now() + 600_000,
          Nonce: next,
          Sig: sig(),
          ...fields,
        }),
      });
    const cases: [string, () => Promise<{ status: number; body: Body }>, number][] = [
      ['tx_info not JSON', () => post({ tx_type: '15', tx_info: '{"AccountIndex":' }), 21501],
      ['tx_info not an object', () => post({ tx_type: '15', tx_info: '[1,2]' }), 21501],
      ['no tx_info at all', () => post({ tx_type: '15' }), 21501],
      ['unsupported tx type', () => post({ tx_type: '17', tx_info: '{"AccountIndex":777}' }), 21505],
      ['missing field', () => cancel({ Index: undefined }), 21501],
      ['field not an integer', () => cancel({ Index: '5' }), 21501],
      ['api key beyond uint8', () => cancel({ ApiKeyIndex: 300 }), 21501],
      ['bad attribute', () => order({}, { nonce: next, info: { L2TxAttributes: { '9': 1 } } }), 21501],
      ['unknown account', () => order({}, { nonce: next, info: { AccountIndex: 424242 } }), 21100],
      ['unknown api key', () => order({}, { nonce: next, info: { ApiKeyIndex: 7 } }), 21109],
      ['expired', () => order({}, { nonce: next, info: { ExpiredAt: Date.now() - 1000 } }), 21501],
      [
        'short signature',
        () => order({}, { nonce: next, info: { Sig: randomBytes(64).toString('base64') } }),
        21501,
      ],
      ['signature not base64', () => order({}, { nonce: next, info: { Sig: '***' } }), 21501],
      ['wrong nonce', () => order({}, { nonce: next + 5 }), 21104],
    ];
    for (const [what, send, code] of cases) {
      const r = await send();
      expect([what, r.status, r.body.code]).toEqual([what, 400, code]);
      expect(typeof r.body.message).toBe('string');
    }
    expect(snapshot()).toBe(before);
    expect(await nonce()).toBe(next);
  });

  it('refuses orders the venue would not take with Lighter codes, leaving the engine untouched', async () => {
    const v = venue();
    const { order, snapshot, nonce } = client(v);
    const before = snapshot();
    const cases: [string, Row, number][] = [
      ['unknown market', { MarketIndex: 7 }, 21602],
      ['zero size, not reduce-only', { BaseAmount: 0 }, 21701],
      ['zero price', { Price: 0 }, 21702],
      ['limit with a trigger price', { TriggerPrice: 900_000 }, 21729],
      ['good-till-time without expiry', { OrderExpiry: 0 }, 21711],
      ['expiry in the past', { OrderExpiry: Date.now() - 1000 }, 21711],
      ['bad time in force', { TimeInForce: 3 }, 21705],
      ['bad order type', { Type: 9 }, 21704],
      ['stop-loss-limit', { Type: 3, TriggerPrice: 900_000 }, 21710],
      ['below min notional (0.001 BTC)', { BaseAmount: 1 }, 21706],
      ['below the minimum price', { Price: 2000 }, 21702],
      ['not enough margin (30 BTC)', { BaseAmount: 30_000 }, 21739],
      ['reduce-only without a position', { IsAsk: 1, ReduceOnly: 1, Price: 960_000 }, 21732],
      ['price too far above the mark', { Price: 1_010_000 }, 21734],
    ];
    for (const [what, fields, code] of cases) {
      const n = await nonce();
      const r = await order(fields);
      expect([what, r.status, r.body.code]).toEqual([what, 400, code]);
      // Past the checks the nonce is consumed, as on Lighter.
      expect(await nonce()).toBe(n + 1);
    }
    expect(snapshot()).toBe(before);
  });

  it('refuses a client order index in use on any market with 21728', async () => {
    const v = venue();
    const { order } = client(v);
    expect((await order({ ClientOrderIndex: 77 })).body.code).toBe(200);
    const before = client(v).snapshot();
    const again = await order({ ClientOrderIndex: 77, MarketIndex: ETH, BaseAmount: 10, Price: 200_000 });
    expect(again.body).toEqual({ code: 21728, message: 'client order index already exists' });
    expect(client(v).snapshot()).toBe(before);
  });

  it('answers an injected fault before executing: the engine and the nonce stay as they were', async () => {
    const v = venue();
    const { order, nonce, snapshot } = client(v);
    const before = snapshot();
    const n = await nonce();
    v.server.failNext('POST /api/v1/sendTx', { status: 503, body: { code: 503, message: 'maintenance' } });
    const r = await order({ ClientOrderIndex: 90 }, { nonce: n });
    expect([r.status, r.body]).toEqual([503, { code: 503, message: 'maintenance' }]);
    expect(snapshot()).toBe(before);
    expect(await nonce()).toBe(n);
    expect((await order({ ClientOrderIndex: 90 }, { nonce: n })).body.code).toBe(200);
  });

  it('answers a malformed body with a clean 400 and keeps serving', async () => {
    const v = venue();
    const { get, nonce } = client(v);
    const url = `${v.server.httpUrl}/api/v1/sendTx`;
    const bodies: [string, string][] = [
      [
        'multipart/form-data; boundary=XYZ',
        '--XYZ\r\nContent-Disposition: form-data; name="tx_type"\r\n\r\n14',
      ],
      ['multipart/form-data', 'no boundary at all'],
      ['application/json', '{"tx_type": 14,'],
      ['text/plain', 'tx_type=14'],
    ];
    const before = v.server.statusCounts.get(400) ?? 0;
    for (const [type, body] of bodies) {
      const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': type }, body });
      expect(res.status).toBe(400);
      expect(((await res.json()) as Body).message).toMatch(/^malformed request body/);
    }
    expect(v.server.statusCounts.get(400)).toBe(before + bodies.length);
    expect((await get('/api/v1/orderBookDetails')).status).toBe(200);
    expect(await nonce()).toBeGreaterThanOrEqual(1000);
  });

  it('counts requests through onRequest', async () => {
    const seen: string[] = [];
    const v = await startLighterVenue({ onRequest: (method, path) => seen.push(`${method} ${path}`) });
    try {
      const { order } = client(v);
      expect((await order({ ClientOrderIndex: 5 })).body.code).toBe(200);
      expect(seen).toEqual(['GET /api/v1/nextNonce', 'POST /api/v1/sendTx']);
    } finally {
      await v.stop();
    }
  });
});

describe('Lighter protocol server: orders, stops and trades', () => {
  const venue = useVenue();

  it('rests a good-till-time limit and shows it among the active orders with its client order index', async () => {
    const { order, active } = client(venue());
    expect((await order({ ClientOrderIndex: 101, BaseAmount: 2, Price: 940_000 })).body.code).toBe(200);
    const [row] = await active();
    expect(row).toMatchObject({
      client_order_index: 101,
      client_order_id: '101',
      market_index: BTC,
      owner_account_index: A.index,
      initial_base_amount: '0.002',
      remaining_base_amount: '0.002',
      price: '94000.0',
      is_ask: false,
      type: 'limit',
      time_in_force: 'good-till-time',
      status: 'open',
      trigger_status: 'na',
    });
    expect(row!.order_index).toBeGreaterThan(ORDER_BASE);
    expect(row!.order_id).toBe(String(row!.order_index));
  });

  it('lets an unfilled IOC limit lapse, and takes a post-only order that would cross as canceled-post-only', async () => {
    const { order, active, inactive } = client(venue());
    expect((await order({ ClientOrderIndex: 102, TimeInForce: 0, OrderExpiry: 0 })).body.code).toBe(200);
    expect((await order({ ClientOrderIndex: 105, TimeInForce: 2, Price: 960_000 })).body.code).toBe(200);
    expect((await active()).map((o) => o.client_order_index)).toEqual([101]);
    const rows = (await inactive()).orders as Row[];
    const byClient = (c: number) => rows.find((o) => o.client_order_index === c);
    expect(byClient(102)).toMatchObject({ status: 'canceled', time_in_force: 'immediate-or-cancel' });
    expect(byClient(105)).toMatchObject({ status: 'canceled-post-only', time_in_force: 'post-only' });
  });

  it('fills a market order at the touch and reports the trade with our order and client ids', async () => {
    const v = venue();
    const { marketBuy, inactive, trades, account } = client(v);
    const ask = v.engine.bookTop('BTCUSDT')!.ask;
    expect((await marketBuy(3, 103)).body.code).toBe(200);
    const filled = ((await inactive()).orders as Row[]).find((o) => o.client_order_index === 103)!;
    expect(filled).toMatchObject({
      type: 'market',
      status: 'filled',
      filled_base_amount: '0.003',
      price: '96000.0',
    });
    const [trade] = await trades();
    expect(trade).toMatchObject({
      type: 'trade',
      market_id: BTC,
      size: '0.003',
      price: ask.toFixed(1),
      usd_amount: ask.times(dec('0.003')).toFixed(6),
      bid_id: filled.order_index,
      bid_client_id: 103,
      bid_account_id: A.index,
      ask_id: 0,
      ask_client_id: 0,
      ask_account_id: COUNTERPARTY,
      // We took: the maker is the ask. BTCUSDT taker fee 0.05 % = 500 ppm.
      is_maker_ask: true,
      taker_fee: 500,
    });
    const position = ((await account()).positions as Row[]).find((p) => p.market_id === BTC);
    expect(position).toMatchObject({ sign: 1, position: '0.003', open_order_count: 1, margin_mode: 0 });
  });

  it('reads the same orders and trades through ccxt', async () => {
    const v = venue();
    const ex = ccxtLighter(v, token(A.index, A.key));
    const open = await ex.fetchOpenOrders('BTC/USDC:USDC', undefined, undefined, { accountIndex: A.index });
    expect(open.map((o) => [o.clientOrderId, o.status, o.type, o.side, o.amount, o.price])).toEqual([
      ['101', 'open', 'limit', 'buy', 0.002, 94000],
    ]);
    const mine = await ex.fetchMyTrades('BTC/USDC:USDC', undefined, undefined, { accountIndex: A.index });
    expect(mine.map((t) => [t.side, t.takerOrMaker, t.amount])).toEqual([['buy', 'taker', 0.003]]);
    const closed = await ex.fetchClosedOrders('BTC/USDC:USDC', undefined, undefined, {
      accountIndex: A.index,
    });
    expect(closed.find((o) => o.clientOrderId === '105')?.status).toBe('canceled');
  });

  it('keeps a position-tied stop pending, then triggers it on the mark and closes the whole position', async () => {
    const v = venue();
    const { order, marketBuy, active, inactive, trades, account } = client(v);
    const stop = await order({
      ClientOrderIndex: 104,
      IsAsk: 1,
      ReduceOnly: 1,
      BaseAmount: 0,
      Type: 2,
      TimeInForce: 0,
      TriggerPrice: 900_000,
      Price: 890_000,
    });
    expect(stop.body.code).toBe(200);
    const pending = (await active()).find((o) => o.client_order_index === 104)!;
    expect(pending).toMatchObject({
      type: 'stop-loss',
      status: 'pending',
      trigger_status: 'mark-price',
      trigger_price: '90000.0',
      price: '89000.0',
      initial_base_amount: '0.000',
      reduce_only: true,
      is_ask: true,
    });
    expect(pending.order_index).toBeGreaterThan(STOP_BASE);
    const tied = ((await account()).positions as Row[]).find((p) => p.market_id === BTC);
    expect(tied?.position_tied_order_count).toBe(1);
    // The position grows after the stop was placed: the stop closes all of it.
    expect((await marketBuy(2, 106)).body.code).toBe(200);
    v.engine.setMarkPrice('BTCUSDT', dec('89900'));
    expect(
      v.engine
        .positions(A.id)
        .find((p) => p.symbol === 'BTCUSDT')
        ?.positionAmt.isZero(),
    ).toBe(true);
    expect((await active()).some((o) => o.client_order_index === 104)).toBe(false);
    const done = ((await inactive()).orders as Row[]).find((o) => o.client_order_index === 104)!;
    expect(done).toMatchObject({ status: 'filled', filled_base_amount: '0.005', trigger_status: 'ready' });
    const [last] = await trades();
    expect(last).toMatchObject({
      size: '0.005',
      ask_id: pending.order_index,
      ask_client_id: 104,
      ask_account_id: A.index,
      bid_account_id: COUNTERPARTY,
    });
  });

  it('cancels by client order index and by order index, stops included, and refuses an inactive one with 21715', async () => {
    const v = venue();
    const { order, tx, active } = client(v);
    await order({ ClientOrderIndex: 201 });
    await order({ ClientOrderIndex: 202, Price: 939_000 });
    await order({
      ClientOrderIndex: 203,
      IsAsk: 1,
      BaseAmount: 2,
      Type: 2,
      TimeInForce: 0,
      TriggerPrice: 850_000,
      Price: 840_000,
    });
    const rows = await active();
    const idOf = (c: number) => rows.find((o) => o.client_order_index === c)!.order_index as number;
    expect((await tx(15, { MarketIndex: BTC, Index: 201 })).body.code).toBe(200);
    expect((await tx(15, { MarketIndex: BTC, Index: idOf(202) })).body.code).toBe(200);
    expect((await tx(15, { MarketIndex: BTC, Index: idOf(203) })).body.code).toBe(200);
    expect((await active()).map((o) => o.client_order_index)).toEqual([101]);
    for (const Index of [201, idOf(202), ORDER_BASE + 123_456_789, 999]) {
      const r = await tx(15, { MarketIndex: BTC, Index });
      expect(r.body).toEqual({ code: 21715, message: 'given order is not an active order' });
    }
    // The order exists, but on another market.
    expect((await tx(15, { MarketIndex: ETH, Index: 101 })).body.code).toBe(21715);
  });

  it('cancels all orders of one market, then of every market, stops included', async () => {
    const v = venue();
    const { order, tx, active } = client(v);
    await order({ ClientOrderIndex: 301, MarketIndex: ETH, BaseAmount: 10, Price: 200_000 });
    await order({
      ClientOrderIndex: 302,
      IsAsk: 1,
      BaseAmount: 2,
      Type: 2,
      TimeInForce: 0,
      TriggerPrice: 850_000,
      Price: 840_000,
    });
    expect((await tx(16, { TimeInForce: 1, Time: Date.now() + DAY })).body.code).toBe(21713);
    const btcOnly = await tx(16, { TimeInForce: 0, Time: 0 }, { info: { L2TxAttributes: { '5': BTC } } });
    expect(btcOnly.body.code).toBe(200);
    expect(await active(A, BTC)).toEqual([]);
    expect((await active(A, ETH)).map((o) => o.client_order_index)).toEqual([301]);
    expect((await tx(16, { TimeInForce: 0, Time: 0 })).body.code).toBe(200);
    expect(await active(A, ETH)).toEqual([]);
    expect(v.engine.openAlgoOrders(A.id)).toEqual([]);
  });

  it('updates the leverage, shown as the initial margin fraction', async () => {
    const v = venue();
    const { tx, account } = client(v);
    expect((await tx(20, { MarketIndex: ETH, InitialMarginFraction: 1000, MarginMode: 0 })).body.code).toBe(
      200,
    );
    expect(v.engine.leverage(A.id, 'ETHUSDT')).toBe(10);
    const eth = () => account().then((a) => (a.positions as Row[]).find((p) => p.market_id === ETH));
    expect((await eth())?.initial_margin_fraction).toBe('10.00');
    expect((await tx(20, { MarketIndex: ETH, InitialMarginFraction: 3333, MarginMode: 0 })).body.code).toBe(
      200,
    );
    expect([v.engine.leverage(A.id, 'ETHUSDT'), (await eth())?.initial_margin_fraction]).toEqual([
      3,
      '33.33',
    ]);
    const isolated = await tx(20, { MarketIndex: ETH, InitialMarginFraction: 1000, MarginMode: 1 });
    expect(isolated.body).toEqual({ code: 21613, message: 'invalid margin mode' });
    const positions = await ccxtLighter(v).fetchPositions(['ETH/USDC:USDC'], { accountIndex: A.index });
    expect(positions.map((p) => [p.symbol, p.leverage])).toEqual([['ETH/USDC:USDC', 100 / 33]]);
  });
});

describe('Lighter protocol server: auth tokens and paging', () => {
  const venue = useVenue();

  it('refuses a token of another account, an expired one, a far one and none, with 401', async () => {
    const { get } = client(venue());
    const path = `/api/v1/accountActiveOrders?account_index=${A.index}&market_id=${BTC}`;
    const refusals = [
      token(B.index, B.key),
      token(A.index, A.key, Date.now() - 60_000),
      token(A.index, A.key, Date.now() + 9 * 3_600_000),
      token(A.index, 9),
      'not-a-token',
      undefined,
    ];
    for (const auth of refusals) {
      const r = await get(path, auth);
      expect([auth, r.status, r.body.code]).toEqual([auth, 401, 401]);
    }
    expect((await get(path, token(A.index, A.key))).status).toBe(200);
    const viaQuery = await get(`${path}&auth=${encodeURIComponent(token(A.index, 3))}`);
    expect(viaQuery.body).toEqual({ code: 200, orders: [] });
  });

  it('pages inactive orders and trades newest first with a cursor', async () => {
    const v = venue();
    const { order, marketBuy, inactive, trades } = client(v);
    for (const c of [401, 402, 403]) await order({ ClientOrderIndex: c, TimeInForce: 0, OrderExpiry: 0 });
    const first = await inactive(A, 'limit=2');
    expect((first.orders as Row[]).map((o) => o.client_order_index)).toEqual([403, 402]);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await inactive(A, `limit=2&cursor=${first.next_cursor}`);
    expect((second.orders as Row[]).map((o) => o.client_order_index)).toEqual([401]);
    expect(second.next_cursor).toBeUndefined();
    for (const c of [404, 405]) expect((await marketBuy(2, c)).body.code).toBe(200);
    const newest = await trades(A, 'sort_by=timestamp&limit=1');
    const all = await trades(A);
    expect(all.map((t) => t.bid_client_id)).toEqual([405, 404]);
    expect(newest.map((t) => t.bid_client_id)).toEqual([405]);
    expect((all[0]!.trade_id as number) > (all[1]!.trade_id as number)).toBe(true);
    const other = await trades(B);
    expect(other).toEqual([]);
  });
});

describe('Lighter protocol server: liquidation', () => {
  const venue = useVenue();

  it('reports the liquidation of our account as a liquidation order and trade', async () => {
    const v = venue();
    const { order, inactive, trades } = client(v);
    // 20 BTC at 20x on 100 000 USDC: a 7 % fall of the mark takes more than the wallet.
    const buy = await order(
      { BaseAmount: 20_000, Price: 960_000, Type: 1, TimeInForce: 0, OrderExpiry: 0, ClientOrderIndex: 7 },
      { who: B },
    );
    expect(buy.body.code).toBe(200);
    v.engine.setMarkPrice('BTCUSDT', dec('88700'));
    expect(
      v.engine
        .positions(B.id)
        .find((p) => p.symbol === 'BTCUSDT')
        ?.positionAmt.isZero(),
    ).toBe(true);
    const [liquidation] = await trades(B);
    expect(liquidation).toMatchObject({ type: 'liquidation', size: '20.000', ask_account_id: B.index });
    const closed = ((await inactive(B)).orders as Row[]).find((o) => o.order_index === liquidation!.ask_id);
    expect(closed).toMatchObject({ type: 'liquidation', status: 'filled', is_ask: true, reduce_only: true });
  });
});

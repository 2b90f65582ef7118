import { describe, expect, it } from 'vitest';
import {
  parseBinanceMarketMessage,
  parseBinanceUserMessage,
} from '../../../shared/adapters/ccxt/binance-stream-parse.js';
import { MalformedPayloadError } from '../../../shared/adapters/ccxt/raw.js';
import {
  fixtureJson,
  fixtureLines,
  MARKET_WS_CAPTURE,
  USER_DATA_CAPTURE,
} from '../../support/binance/fixtures.js';

const symbolOf = (id: string): string => (id.endsWith('USDT') ? `${id.slice(0, -4)}/USDT:USDT` : id);

describe('Binance user-data messages from the live capture', () => {
  const lines = fixtureLines(USER_DATA_CAPTURE);

  it('turns the round trip into orders, two fills and position updates, ignoring TRADE_LITE', () => {
    const items = lines.flatMap((l) => {
      const r = parseBinanceUserMessage(l, symbolOf);
      return r === 'ignored' ? [] : r;
    });
    const fills = items.flatMap((i) => (i.type === 'fill' ? [i.fill] : []));
    expect(
      fills.map((f) => [f.tradeId, f.side, f.price.toFixed(), f.qty.toFixed(), f.fee.toFixed()]),
    ).toEqual([
      ['5612428004', 'buy', '91739.9', '0.002', '0.0917399'],
      ['5612520599', 'sell', '90853.2', '0.002', '0.0908532'],
    ]);
    expect(fills[0]?.clientOrderId).toBe('android_MLA5BSDBdSD12WPlEyMh');
    expect(fills[0]?.exchangeOrderId).toBe('482255808281');
    expect(fills[0]?.symbol).toBe('BTC/USDT:USDT');
    const positions = items.flatMap((i) => (i.type === 'position' ? [i.position] : []));
    expect(positions.map((p) => [p.positionSide, p.qty.toFixed(), p.entryPrice.toFixed()])).toEqual([
      ['BOTH', '0.002', '91739.9'],
      ['BOTH', '0', '0'],
    ]);
    const balances = items.filter((i) => i.type === 'balanceChanged');
    expect(balances).toEqual([
      { type: 'balanceChanged', asset: 'USDT' },
      { type: 'balanceChanged', asset: 'USDT' },
    ]);
    expect(parseBinanceUserMessage(lines[0], symbolOf)).toBe('ignored');
  });

  it('reports the order status and the reduce-only flag of the closing market order', () => {
    const last = parseBinanceUserMessage(lines[7], symbolOf);
    expect(last).not.toBe('ignored');
    const order = (last as Exclude<typeof last, 'ignored'>).find((i) => i.type === 'order');
    expect(order).toMatchObject({
      type: 'order',
      order: { kind: 'market', status: 'FILLED', reduceOnly: true },
    });
  });
});

describe('Binance user-data messages from the documented examples', () => {
  it('reads hedge-mode positions with signed amounts from ACCOUNT_UPDATE', () => {
    const items = parseBinanceUserMessage(fixtureJson('docs_derived/account_update.json'), symbolOf);
    expect(items).not.toBe('ignored');
    const positions = (items as Exclude<typeof items, 'ignored'>).flatMap((i) =>
      i.type === 'position' ? [i.position] : [],
    );
    expect(positions.map((p) => [p.positionSide, p.qty.toFixed()])).toEqual([
      ['BOTH', '0'],
      ['LONG', '20'],
      ['SHORT', '-10'],
    ]);
  });

  it('treats a CALCULATED (liquidation) execution as a fill', () => {
    const items = parseBinanceUserMessage(
      fixtureJson('docs_derived/order_update_calculated_liquidation.json'),
      symbolOf,
    );
    const fill = (items as Exclude<typeof items, 'ignored'>).find((i) => i.type === 'fill');
    expect(fill).toMatchObject({
      type: 'fill',
      fill: { tradeId: '12345999', positionSide: 'LONG', side: 'sell' },
    });
  });

  it('reads a partial fill as maker with the executed part only', () => {
    const items = parseBinanceUserMessage(
      fixtureJson('docs_derived/order_update_trade_partial.json'),
      symbolOf,
    );
    const list = items as Exclude<typeof items, 'ignored'>;
    const fill = list.find((i) => i.type === 'fill');
    const order = list.find((i) => i.type === 'order');
    expect(fill).toMatchObject({ fill: { isMaker: true } });
    if (fill?.type !== 'fill' || order?.type !== 'order') throw new Error('expected a fill and an order');
    expect(fill.fill.qty.toFixed()).toBe('0.001');
    expect(order.order.status).toBe('PARTIALLY_FILLED');
    expect(order.order.filledQty.toFixed()).toBe('0.001');
  });

  it('parses a new trailing stop as a stop order with its trigger price', () => {
    const items = parseBinanceUserMessage(fixtureJson('docs_derived/order_update_new.json'), symbolOf);
    const order = (items as Exclude<typeof items, 'ignored'>).find((i) => i.type === 'order');
    if (order?.type !== 'order') throw new Error('expected an order');
    expect(order.order.kind).toBe('stop');
    expect(order.order.triggerPrice?.toFixed()).toBe('7103.04');
  });

  it('parses ALGO_UPDATE as a stop order keyed by its client algo id', () => {
    const items = parseBinanceUserMessage(
      {
        e: 'ALGO_UPDATE',
        T: 1750515742297,
        E: 1750515742303,
        o: {
          caid: 'gbdogeT1',
          aid: 2148719,
          at: 'CONDITIONAL',
          o: 'STOP_MARKET',
          s: 'BTCUSDT',
          S: 'SELL',
          ps: 'LONG',
          f: 'GTE_GTC',
          q: '0',
          X: 'CANCELED',
          tp: '90000.0',
          wt: 'MARK_PRICE',
          cp: true,
          R: false,
        },
      },
      symbolOf,
    );
    expect(items).toHaveLength(1);
    const order = (items as Exclude<typeof items, 'ignored'>)[0];
    if (order?.type !== 'order') throw new Error('expected an order');
    expect(order.order).toMatchObject({
      clientOrderId: 'gbdogeT1',
      exchangeOrderId: '2148719',
      kind: 'stop',
      status: 'CANCELED',
      closePosition: true,
    });
    expect(order.order.triggerPrice?.toFixed()).toBe('90000');
  });

  it('recognises listenKeyExpired', () => {
    expect(parseBinanceUserMessage({ e: 'listenKeyExpired', E: 1, listenKey: 'k' }, symbolOf)).toEqual([
      { type: 'listenKeyExpired' },
    ]);
  });
});

describe('malformed user-data messages', () => {
  it('rejects a fill price sent as a JSON float, naming the field', () => {
    const bad = JSON.parse(JSON.stringify(fixtureLines(USER_DATA_CAPTURE)[3])) as {
      o: Record<string, unknown>;
    };
    bad.o.L = 91739.9;
    expect(() => parseBinanceUserMessage(bad, symbolOf)).toThrow(/o\.L/);
  });

  it('rejects an unknown order status', () => {
    const bad = JSON.parse(JSON.stringify(fixtureLines(USER_DATA_CAPTURE)[1])) as {
      o: Record<string, unknown>;
    };
    bad.o.X = 'WHATEVER';
    expect(() => parseBinanceUserMessage(bad, symbolOf)).toThrow(MalformedPayloadError);
  });
});

describe('Binance market messages from the 2021 capture', () => {
  const messages = fixtureLines(MARKET_WS_CAPTURE).map((l) => (l as { msg: unknown }).msg);

  it('parses every bookTicker, aggTrade and kline message and ignores depth updates', () => {
    const counts: Record<string, number> = {};
    for (const m of messages) {
      const event = parseBinanceMarketMessage(m, symbolOf);
      const key = event === 'ignored' ? 'ignored' : event.type;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    expect(counts).toEqual({ bookTop: 613, trade: 91, candle: 67, ignored: 764 });
  });

  it('keeps the exact quote text of a bookTicker', () => {
    const event = parseBinanceMarketMessage(messages[0], symbolOf);
    expect(event).not.toBe('ignored');
    if (event === 'ignored' || event.type !== 'bookTop') throw new Error('expected bookTop');
    expect([
      event.bid.toFixed(),
      event.bidQty.toFixed(),
      event.ask.toFixed(),
      event.askQty.toFixed(),
    ]).toEqual(['7.611', '2', '7.612', '297']);
    expect(event.symbol).toBe('SUSHI/USDT:USDT');
  });

  it('derives the taker side of an aggTrade from the buyer-is-maker flag', () => {
    const trade = messages
      .map((m) => parseBinanceMarketMessage(m, symbolOf))
      .flatMap((e) => (e !== 'ignored' && e.type === 'trade' ? [e] : []))[0];
    if (!trade) throw new Error('expected a trade');
    const raw = messages.find((m) => (m as { data: { e: string } }).data.e === 'aggTrade') as {
      data: { m: boolean };
    };
    expect(trade.takerSide).toBe(raw.data.m ? 'sell' : 'buy');
  });

  it('reads a markPriceUpdate with its funding rate', () => {
    const event = parseBinanceMarketMessage(
      {
        e: 'markPriceUpdate',
        E: 1562305380000,
        s: 'BTCUSDT',
        p: '11794.15000000',
        i: '11784.62659091',
        P: '11784.25641265',
        r: '0.00038167',
        T: 1562306400000,
      },
      symbolOf,
    );
    if (event === 'ignored' || event.type !== 'markPrice') throw new Error('expected markPrice');
    expect(event.mark.toFixed()).toBe('11794.15');
    expect(event.fundingRate?.toFixed()).toBe('0.00038167');
  });
});

describe('venue numbers are validated where they enter', () => {
  const lines = fixtureLines(USER_DATA_CAPTURE);
  /** The capture's first fill message, as parsed JSON. */
  const fillMessage = (): { o: Record<string, unknown> } & Record<string, unknown> => {
    for (const l of lines) {
      const m = l as { e?: string; o?: Record<string, unknown> };
      if (m.e === 'ORDER_TRADE_UPDATE' && m.o?.x === 'TRADE') return structuredClone(m) as never;
    }
    throw new Error('no fill in the capture');
  };
  const withField = (key: string, value: unknown) => {
    const m = fillMessage();
    if (value === undefined) delete m.o[key];
    else m.o[key] = value;
    return m;
  };

  it('accepts the capture as it is', () => {
    expect(() => parseBinanceUserMessage(fillMessage(), symbolOf)).not.toThrow();
  });

  for (const [what, key, value] of [
    ['exponent notation in a price', 'L', '9.17399E4'],
    ['NaN as a price', 'L', 'NaN'],
    ['a zero price', 'L', '0'],
    ['a negative quantity', 'l', '-0.002'],
    ['a zero fill quantity', 'l', '0'],
    ['a non-numeric trade id', 't', 'abc'],
    ['a missing position side', 'ps', undefined],
    ['an unknown position side', 'ps', 'SIDEWAYS'],
    ['a negative order quantity', 'q', '-1'],
  ] as const) {
    it(`rejects ${what}`, () => {
      expect(() => parseBinanceUserMessage(withField(key, value), symbolOf)).toThrow(MalformedPayloadError);
    });
  }

  it('marks a liquidation execution (CALCULATED) as a liquidation fill', () => {
    const m = fillMessage();
    m.o.x = 'CALCULATED';
    m.o.o = 'LIQUIDATION';
    m.o.c = 'autoclose-1733400000000';
    const items = parseBinanceUserMessage(m, symbolOf);
    const fill = (items as Exclude<typeof items, 'ignored'>).find((i) => i.type === 'fill');
    expect(fill).toMatchObject({ fill: { liquidation: true } });
  });
});

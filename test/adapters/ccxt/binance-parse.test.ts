import { describe, expect, it } from 'vitest';
import { binanceOrderCall } from '../../../shared/adapters/ccxt/binance-dialect.js';
import {
  binanceRules,
  parseBinanceBalance,
  parseBinanceKline,
  parseBinanceOrder,
  parseBinanceTrade,
} from '../../../shared/adapters/ccxt/binance-parse.js';
import { MalformedPayloadError } from '../../../shared/adapters/ccxt/raw.js';
import { dec } from '../../../shared/domain/money.js';
import { EXCHANGE_INFO_SUBSET, fixtureJson } from '../../support/binance/fixtures.js';

const info = fixtureJson(EXCHANGE_INFO_SUBSET) as { symbols: { symbol: string }[] };
const entry = (id: string) => {
  const s = info.symbols.find((x) => x.symbol === id);
  if (!s) throw new Error(`fixture lacks ${id}`);
  return s as unknown as Record<string, unknown>;
};
const fees = { maker: dec('0.0002'), taker: dec('0.0005') };

describe('symbol rules from the real 2025-11 exchangeInfo', () => {
  it('reads BTCUSDT tick 0.1, step 0.001 and min notional 100', () => {
    const rules = binanceRules('BTC/USDT:USDT', entry('BTCUSDT'), fees);
    expect([
      rules.tickSize.toFixed(),
      rules.stepSize.toFixed(),
      rules.minQty.toFixed(),
      rules.minNotional.toFixed(),
    ]).toEqual(['0.1', '0.001', '0.001', '100']);
    expect(rules.contractSize.toFixed()).toBe('1');
  });

  it('reads DOGEUSDC tick 0.00001, step 1 and min notional 5', () => {
    const rules = binanceRules('DOGE/USDC:USDC', entry('DOGEUSDC'), fees);
    expect([rules.tickSize.toFixed(), rules.stepSize.toFixed(), rules.minNotional.toFixed()]).toEqual([
      '0.00001',
      '1',
      '5',
    ]);
  });
});

describe('Binance REST bodies', () => {
  it('parses a regular order answer with exact decimals', () => {
    const order = parseBinanceOrder(
      {
        orderId: '4611875134427365377',
        symbol: 'BTCUSDT',
        status: 'PARTIALLY_FILLED',
        clientOrderId: 'gbbtcL1B1',
        price: '91739.90',
        avgPrice: '91739.90000',
        origQty: '0.010',
        executedQty: '0.004',
        type: 'LIMIT',
        reduceOnly: false,
        closePosition: false,
        side: 'BUY',
        positionSide: 'LONG',
        stopPrice: '0',
        updateTime: 1731954087444,
      },
      'BTC/USDT:USDT',
    );
    expect(order).toMatchObject({
      kind: 'limit',
      side: 'buy',
      positionSide: 'LONG',
      status: 'PARTIALLY_FILLED',
    });
    expect([order.price?.toFixed(), order.qty.toFixed(), order.filledQty.toFixed()]).toEqual([
      '91739.9',
      '0.01',
      '0.004',
    ]);
    expect(order.exchangeOrderId).toBe('4611875134427365377');
  });

  it('parses an algo order answer as a stop keyed by clientAlgoId', () => {
    const order = parseBinanceOrder(
      {
        algoId: 3358,
        clientAlgoId: 'gbbtcT1',
        algoType: 'CONDITIONAL',
        orderType: 'STOP_MARKET',
        symbol: 'BTCUSDT',
        side: 'SELL',
        positionSide: 'LONG',
        quantity: '0',
        algoStatus: 'NEW',
        triggerPrice: '90000.00',
        closePosition: true,
        reduceOnly: false,
        createTime: 1763458576201,
        updateTime: 1763458576201,
      },
      'BTC/USDT:USDT',
    );
    expect(order).toMatchObject({
      kind: 'stop',
      clientOrderId: 'gbbtcT1',
      exchangeOrderId: '3358',
      closePosition: true,
      status: 'NEW',
    });
    expect(order.triggerPrice?.toFixed()).toBe('90000');
  });

  it('reads one asset of /fapi/v3/account and a zero balance for an absent asset', () => {
    const body = {
      assets: [
        {
          asset: 'USDT',
          walletBalance: '642.76097079',
          unrealizedProfit: '-0.03508665',
          marginBalance: '642.72588414',
          availableBalance: '624.38',
        },
      ],
    };
    const usdt = parseBinanceBalance(body, 'USDT');
    expect([
      usdt.wallet.toFixed(),
      usdt.unrealizedPnl.toFixed(),
      usdt.marginBalance.toFixed(),
      usdt.available.toFixed(),
    ]).toEqual(['642.76097079', '-0.03508665', '642.72588414', '624.38']);
    expect(parseBinanceBalance(body, 'USDC').wallet.isZero()).toBe(true);
  });

  it('parses a kline row from its strings and refuses a float price', () => {
    const row = [
      1626992700000,
      '7.6110',
      '7.6300',
      '7.6000',
      '7.6120',
      '12345',
      1626992759999,
      '0',
      10,
      '0',
      '0',
      '0',
    ];
    const candle = parseBinanceKline(row);
    expect([candle.openTime, candle.open.toFixed(), candle.high.toFixed(), candle.close.toFixed()]).toEqual([
      1626992700000,
      '7.611',
      '7.63',
      '7.612',
    ]);
    expect(() => parseBinanceKline([1626992700000, 7.611, '7.63', '7.6', '7.612', '1'])).toThrow(
      /kline open/,
    );
  });
});

describe('domain orders → ccxt binanceusdm arguments', () => {
  const rules = binanceRules('BTC/USDT:USDT', entry('BTCUSDT'), fees);
  const base = { account: 'a', symbol: 'BTC/USDT:USDT', clientOrderId: 'gbbtcL1S1' } as const;

  it('sends a hedge-mode close with positionSide and without reduceOnly', () => {
    const call = binanceOrderCall(
      {
        ...base,
        type: 'limit',
        side: 'sell',
        positionSide: 'LONG',
        price: dec('95000.1'),
        qty: dec('0.005'),
        timeInForce: 'GTC',
        reduceOnly: true,
      },
      rules,
    );
    expect(call.params).toEqual({ positionSide: 'LONG', clientOrderId: 'gbbtcL1S1', timeInForce: 'GTC' });
    expect([call.amount, call.price]).toEqual(['0.005', '95000.1']);
  });

  it('keeps reduceOnly in one-way mode and maps GTX to post-only', () => {
    const call = binanceOrderCall(
      {
        ...base,
        type: 'limit',
        side: 'sell',
        positionSide: 'BOTH',
        price: dec('95000'),
        qty: dec('0.005'),
        timeInForce: 'GTX',
        reduceOnly: true,
      },
      rules,
    );
    expect(call.params).toEqual({
      positionSide: 'BOTH',
      clientOrderId: 'gbbtcL1S1',
      postOnly: true,
      reduceOnly: true,
    });
  });

  it('sends a closePosition stop without quantity, with its working type and trigger', () => {
    const call = binanceOrderCall(
      {
        ...base,
        type: 'stop_market',
        side: 'sell',
        positionSide: 'LONG',
        triggerPrice: dec('90000'),
        workingType: 'MARK_PRICE',
        closePosition: true,
      },
      rules,
    );
    expect(call).toEqual({
      type: 'market',
      side: 'sell',
      amount: undefined,
      price: undefined,
      params: {
        positionSide: 'LONG',
        clientOrderId: 'gbbtcL1S1',
        stopLossPrice: '90000',
        workingType: 'MARK_PRICE',
        closePosition: true,
      },
    });
  });
});

describe('a REST trade (/fapi/v1/userTrades) is validated before it can reach the ledger', () => {
  // The documented example row.
  const row = {
    buyer: false,
    commission: '-0.07819010',
    commissionAsset: 'USDT',
    id: 698759,
    maker: false,
    orderId: 25851813,
    price: '7819.01',
    qty: '0.002',
    quoteQty: '15.63802',
    realizedPnl: '-0.91539999',
    side: 'SELL',
    positionSide: 'SHORT',
    symbol: 'BTCUSDT',
    time: 1569514978020,
  };

  it('parses the documented row', () => {
    const f = parseBinanceTrade(row, 'BTC/USDT:USDT', 'x');
    expect([f.tradeId, f.price.toFixed(), f.qty.toFixed(), f.positionSide]).toEqual([
      '698759',
      '7819.01',
      '0.002',
      'SHORT',
    ]);
  });

  for (const [what, patch] of [
    ['a trade id that is not a number', { id: 'abc' }],
    ['a zero price', { price: '0' }],
    ['a negative quantity', { qty: '-0.002' }],
    ['exponent notation', { price: '7.81901e3' }],
    ['a missing position side', { positionSide: undefined }],
  ] as const) {
    it(`rejects ${what}`, () => {
      expect(() => parseBinanceTrade({ ...row, ...patch }, 'BTC/USDT:USDT', 'x')).toThrow(
        MalformedPayloadError,
      );
    });
  }
});

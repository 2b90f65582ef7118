import { describe, expect, it } from 'vitest';
import { PaperApiError } from '../../../shared/adapters/paper/errors.js';
import type { NewOrder } from '../../../shared/adapters/paper/types.js';
import { dec } from '../../../shared/domain/money.js';
import { feed, T0, withAccount } from '../../support/paper.js';

const d = dec;

function code(fn: () => unknown): number | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (err instanceof PaperApiError) return err.code;
    throw err;
  }
}

async function at(symbol: string, price: string, account = {}) {
  const built = withAccount({ balances: { USDC: '100000', USDT: '100000' }, ...account });
  await feed(built.ex, built.clock, symbol, T0, [`${price} ${price} ${price} ${price}`]);
  return built;
}

function btc(over: Partial<NewOrder> = {}): NewOrder {
  return {
    symbol: 'BTCUSDT',
    side: 'BUY',
    type: 'LIMIT',
    price: d('29000.0'),
    quantity: d('0.010'),
    timeInForce: 'GTC',
    ...over,
  };
}

describe('PRICE_FILTER (BTCUSDT: tick 0.10, min 261.10, max 809484; pricePrecision 2)', () => {
  it.each([
    ['29000.1', 'ok'],
    ['29000.15', -4014],
    ['29000.123', -1111],
    ['261.00', -4013],
    ['809484.1', -4002],
  ])('price %s → %s', async (price, expected) => {
    const { ex } = await at('BTCUSDT', '30000.0');
    expect(code(() => ex.placeOrder('a', btc({ price: d(price), quantity: d('1.000') })))).toBe(expected);
  });
});

describe('LOT_SIZE and MARKET_LOT_SIZE', () => {
  it.each([
    ['0.001', 'ok'],
    ['0.0015', -1111],
    ['0', -4003],
    ['0.0011', -1111],
    ['1000.001', -4005],
    ['1001', -4005],
  ])('BTCUSDT limit qty %s → %s', async (qty, expected) => {
    const { ex } = await at('BTCUSDT', '100000.0', { balances: { USDT: '100000000' } });
    ex.setLeverage('a', 'BTCUSDT', 1);
    const r = code(() => ex.placeOrder('a', btc({ price: d('100000.0'), quantity: d(qty) })));
    expect(r).toBe(expected);
  });

  it('rejects a DOGEUSDC quantity that is not a whole coin (step 1)', async () => {
    const { ex } = await at('DOGEUSDC', '0.20000');
    const r = code(() =>
      ex.placeOrder('a', {
        symbol: 'DOGEUSDC',
        side: 'BUY',
        type: 'LIMIT',
        price: d('0.2'),
        quantity: d('100.5'),
        timeInForce: 'GTC',
      }),
    );
    expect(r).toBe(-1111);
  });

  it('applies MARKET_LOT_SIZE to market orders (DOGEUSDC max 3 000 000)', async () => {
    const { ex } = await at('DOGEUSDC', '0.20000', { balances: { USDC: '100000000' } });
    const r = code(() =>
      ex.placeOrder('a', { symbol: 'DOGEUSDC', side: 'BUY', type: 'MARKET', quantity: d('3000001') }),
    );
    expect(r).toBe(-4005);
  });
});

describe('MIN_NOTIONAL', () => {
  it('rejects a BTCUSDT order under 100 USDT with Binance message', async () => {
    const { ex } = await at('BTCUSDT', '30000.0');
    try {
      ex.placeOrder('a', btc({ quantity: d('0.003') }));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PaperApiError);
      expect((err as PaperApiError).code).toBe(-4164);
      expect((err as PaperApiError).msg).toBe(
        "Order's notional must be no smaller than 100 (unless you choose reduce only).",
      );
    }
  });

  it('exempts one-way reduce-only orders and hedge-mode closes', async () => {
    const oneWay = await at('BTCUSDT', '30000.0');
    oneWay.ex.placeOrder('a', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: d('0.010') });
    expect(
      code(() =>
        oneWay.ex.placeOrder(
          'a',
          btc({ side: 'SELL', price: d('31000.0'), quantity: d('0.001'), reduceOnly: true }),
        ),
      ),
    ).toBe('ok');
    const hedge = await at('BTCUSDT', '30000.0', { dualSidePosition: true });
    hedge.ex.placeOrder('a', {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quantity: d('0.010'),
      positionSide: 'LONG',
    });
    expect(
      code(() =>
        hedge.ex.placeOrder(
          'a',
          btc({ side: 'SELL', price: d('31000.0'), quantity: d('0.001'), positionSide: 'LONG' }),
        ),
      ),
    ).toBe('ok');
  });
});

describe('PERCENT_PRICE (multiplierUp 1.05, multiplierDown 0.95 of the mark)', () => {
  it('rejects a buy above mark × 1.05 (-4016) and a sell below mark × 0.95 (-4024)', async () => {
    const { ex } = await at('BTCUSDT', '30000.0', { dualSidePosition: true });
    expect(code(() => ex.placeOrder('a', btc({ price: d('31500.1'), positionSide: 'LONG' })))).toBe(-4016);
    expect(
      code(() => ex.placeOrder('a', btc({ side: 'SELL', price: d('28499.9'), positionSide: 'SHORT' }))),
    ).toBe(-4024);
  });

  it('lets a buy far below the mark rest (the band caps only the aggressive side)', async () => {
    const { ex } = await at('BTCUSDT', '30000.0');
    expect(code(() => ex.placeOrder('a', btc({ price: d('20000.0') })))).toBe('ok');
  });

  it('rejects a market order whose execution price leaves the band (-4131)', async () => {
    const { ex } = await at('BTCUSDT', '30000.0', { balances: { USDT: '100000' } });
    ex.setMarkPrice('BTCUSDT', d('27000.0'));
    expect(
      code(() =>
        ex.placeOrder('a', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: d('0.010') }),
      ),
    ).toBe(-4131);
  });
});

describe('max open orders and margin', () => {
  it('rejects the order beyond MAX_NUM_ORDERS (DOGEUSDC: 200) with -2025', async () => {
    const { ex } = await at('DOGEUSDC', '0.20000', { balances: { USDC: '1000000' } });
    for (let i = 0; i < 200; i++) {
      ex.placeOrder('a', {
        symbol: 'DOGEUSDC',
        side: 'BUY',
        type: 'LIMIT',
        price: d('0.19').minus(d('0.0001').times(i)),
        quantity: d('100'),
        timeInForce: 'GTC',
      });
    }
    const r = code(() =>
      ex.placeOrder('a', {
        symbol: 'DOGEUSDC',
        side: 'BUY',
        type: 'LIMIT',
        price: d('0.15'),
        quantity: d('100'),
        timeInForce: 'GTC',
      }),
    );
    expect(r).toBe(-2025);
  });

  it('rejects an opening order the available balance cannot margin (-2019)', async () => {
    const { ex } = await at('BTCUSDT', '30000.0', { balances: { USDT: '100' } });
    ex.setLeverage('a', 'BTCUSDT', 10);
    // 0.04 × 29000 / 10 = 116 > 100
    expect(code(() => ex.placeOrder('a', btc({ quantity: d('0.040') })))).toBe(-2019);
    expect(code(() => ex.placeOrder('a', btc({ quantity: d('0.030') })))).toBe('ok');
    // the first order's margin is reserved: 87 used, 13 left
    expect(code(() => ex.placeOrder('a', btc({ quantity: d('0.005') })))).toBe(-2019);
  });

  it('rejects a position beyond the leverage bracket cap (-2027)', async () => {
    const { ex } = await at('BTCUSDT', '30000.0', { balances: { USDT: '10000000' } });
    ex.setLeverage('a', 'BTCUSDT', 125);
    // 125x allows up to 50 000 USDT notional
    expect(code(() => ex.placeOrder('a', btc({ quantity: d('1.800') })))).toBe(-2027);
    expect(code(() => ex.placeOrder('a', btc({ quantity: d('1.700') })))).toBe('ok');
  });

  it('accepts leverage 1 … the first bracket maximum and rejects the rest (-4028)', async () => {
    const { ex } = await at('DOGEUSDC', '0.20000');
    expect(ex.setLeverage('a', 'DOGEUSDC', 75).leverage).toBe(75);
    expect(code(() => ex.setLeverage('a', 'DOGEUSDC', 76))).toBe(-4028);
    expect(code(() => ex.setLeverage('a', 'DOGEUSDC', 0))).toBe(-4028);
    expect(ex.leverage('a', 'DOGEUSDC')).toBe(75);
  });
});

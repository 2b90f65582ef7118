import { describe, expect, it } from 'vitest';
import { PaperApiError } from '../../../shared/adapters/paper/errors.js';
import type { NewOrder } from '../../../shared/adapters/paper/types.js';
import { dec } from '../../../shared/domain/money.js';
import { feed, T0, withAccount } from '../../support/paper.js';

const S = 'DOGEUSDC';
const d = dec;

function rejection(fn: () => unknown): { code: number; msg: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof PaperApiError) return { code: err.code, msg: err.msg };
    throw err;
  }
  throw new Error('expected a Binance rejection, the call succeeded');
}

async function dogeAt(price: string, account = {}) {
  const built = withAccount(account);
  await feed(built.ex, built.clock, S, T0, [`${price} ${price} ${price} ${price}`]);
  return built;
}

function limit(over: Partial<NewOrder> = {}): NewOrder {
  return {
    symbol: S,
    side: 'BUY',
    type: 'LIMIT',
    price: d('0.19000'),
    quantity: d('100'),
    timeInForce: 'GTC',
    ...over,
  };
}

describe('hedge mode and one-way mode', () => {
  it('rejects reduceOnly together with positionSide in hedge mode (-1106)', async () => {
    const { ex } = await dogeAt('0.20000', { dualSidePosition: true });
    const r = rejection(() =>
      ex.placeOrder('a', limit({ side: 'SELL', positionSide: 'LONG', reduceOnly: true, price: d('0.21') })),
    );
    expect(r).toEqual({ code: -1106, msg: "Parameter 'reduceonly' sent when not required." });
  });

  it('rejects a hedge-mode close larger than the position (-2022)', async () => {
    const { ex } = await dogeAt('0.20000', { dualSidePosition: true });
    ex.placeOrder('a', { symbol: S, side: 'BUY', type: 'MARKET', quantity: d('100'), positionSide: 'LONG' });
    const r = rejection(() =>
      ex.placeOrder('a', {
        symbol: S,
        side: 'SELL',
        type: 'MARKET',
        quantity: d('101'),
        positionSide: 'LONG',
      }),
    );
    expect(r.code).toBe(-2022);
    expect(
      ex.placeOrder('a', {
        symbol: S,
        side: 'SELL',
        type: 'MARKET',
        quantity: d('100'),
        positionSide: 'LONG',
      }).status,
    ).toBe('FILLED');
  });

  it('rejects positionSide BOTH in hedge mode and LONG in one-way mode (-4061)', async () => {
    const hedge = await dogeAt('0.20000', { dualSidePosition: true });
    expect(rejection(() => hedge.ex.placeOrder('a', limit())).code).toBe(-4061);
    const oneWay = await dogeAt('0.20000');
    expect(rejection(() => oneWay.ex.placeOrder('a', limit({ positionSide: 'LONG' }))).code).toBe(-4061);
  });

  it('rejects a one-way reduce-only order that would not reduce (-2022)', async () => {
    const { ex } = await dogeAt('0.20000');
    expect(
      rejection(() => ex.placeOrder('a', limit({ side: 'SELL', price: d('0.21'), reduceOnly: true }))).code,
    ).toBe(-2022);
  });

  it('changes position mode only without orders and positions', async () => {
    const { ex } = await dogeAt('0.20000');
    expect(rejection(() => ex.setPositionMode('a', false)).code).toBe(-4059);
    ex.placeOrder('a', limit());
    expect(rejection(() => ex.setPositionMode('a', true)).code).toBe(-4067);
    ex.cancelAllOrders('a', S);
    ex.placeOrder('a', { symbol: S, side: 'BUY', type: 'MARKET', quantity: d('100') });
    expect(rejection(() => ex.setPositionMode('a', true)).code).toBe(-4068);
  });
});

describe('time in force', () => {
  it('rejects a post-only order that would take (-5022) and records nothing', async () => {
    const { ex } = await dogeAt('0.20000');
    const r = rejection(() => ex.placeOrder('a', limit({ price: d('0.20001'), timeInForce: 'GTX' })));
    expect(r.code).toBe(-5022);
    expect(ex.allOrders('a', S)).toHaveLength(0);
  });

  it('rests a post-only order that would not take', async () => {
    const { ex } = await dogeAt('0.20000');
    expect(ex.placeOrder('a', limit({ price: d('0.20000'), timeInForce: 'GTX' })).status).toBe('NEW');
  });
});

describe('client order ids', () => {
  it('rejects a client order id already used by an open order (-4116) but allows reuse once it is closed', async () => {
    const { ex } = await dogeAt('0.20000');
    ex.placeOrder('a', limit({ newClientOrderId: 'grid-1' }));
    expect(rejection(() => ex.placeOrder('a', limit({ newClientOrderId: 'grid-1' }))).code).toBe(-4116);
    ex.cancelOrder('a', S, { clientOrderId: 'grid-1' });
    expect(ex.placeOrder('a', limit({ newClientOrderId: 'grid-1' })).status).toBe('NEW');
  });

  it('rejects client ids Binance would not accept (-4015)', async () => {
    const { ex } = await dogeAt('0.20000');
    expect(rejection(() => ex.placeOrder('a', limit({ newClientOrderId: 'x'.repeat(37) }))).code).toBe(-4015);
  });
});

describe('cancel and lookups', () => {
  it('finds closed orders by client id and by order id', async () => {
    const { ex } = await dogeAt('0.20000');
    const o = ex.placeOrder('a', limit({ newClientOrderId: 'c1' }));
    ex.cancelOrder('a', S, { orderId: o.orderId });
    expect(ex.order('a', S, { clientOrderId: 'c1' }).status).toBe('CANCELED');
    expect(ex.order('a', S, { orderId: o.orderId }).clientOrderId).toBe('c1');
    expect(rejection(() => ex.order('a', S, { clientOrderId: 'nope' })).code).toBe(-2013);
  });

  it('rejects cancelling an order that is not open (-2011)', async () => {
    const { ex } = await dogeAt('0.20000');
    const o = ex.placeOrder('a', limit());
    ex.cancelOrder('a', S, { orderId: o.orderId });
    expect(rejection(() => ex.cancelOrder('a', S, { orderId: o.orderId })).code).toBe(-2011);
  });

  it('sends conditional order types to the algo endpoint (-4120)', async () => {
    const { ex } = await dogeAt('0.20000');
    const r = rejection(() => ex.placeOrder('a', { ...limit(), type: 'STOP_MARKET' as never }));
    expect(r.code).toBe(-4120);
  });

  it('rejects orders on unknown symbols (-1121)', async () => {
    const { ex } = await dogeAt('0.20000');
    expect(rejection(() => ex.placeOrder('a', limit({ symbol: 'NOPEUSDT' }))).code).toBe(-1121);
  });
});

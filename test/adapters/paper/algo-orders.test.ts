import { describe, expect, it } from 'vitest';
import { PaperApiError } from '../../../shared/adapters/paper/errors.js';
import type { AlgoUpdateEvent, NewAlgoOrder } from '../../../shared/adapters/paper/types.js';
import { dec } from '../../../shared/domain/money.js';
import { feed, T0, withAccount } from '../../support/paper.js';

const S = 'DOGEUSDC';
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

/** Hedge-mode account, long 1000 DOGE at 0.2. */
async function longDoge(account = {}, config = {}) {
  const built = withAccount({ dualSidePosition: true, ...account }, config);
  await feed(built.ex, built.clock, S, T0, ['0.20000 0.20000 0.20000 0.20000']);
  built.ex.placeOrder('a', {
    symbol: S,
    side: 'BUY',
    type: 'MARKET',
    quantity: d('1000'),
    positionSide: 'LONG',
  });
  return built;
}

function stop(over: Partial<NewAlgoOrder> = {}): NewAlgoOrder {
  return {
    symbol: S,
    side: 'SELL',
    type: 'STOP_MARKET',
    positionSide: 'LONG',
    triggerPrice: d('0.19000'),
    closePosition: true,
    ...over,
  };
}

describe('algo order placement', () => {
  it('accepts a closePosition stop and lists it apart from normal orders', async () => {
    const { ex } = await longDoge();
    const a = ex.placeAlgoOrder('a', stop({ clientAlgoId: 'sl-1', workingType: 'MARK_PRICE' }));
    expect(a.algoStatus).toBe('NEW');
    expect(a.timeInForce).toBe('GTE_GTC');
    expect(ex.openAlgoOrders('a', S).map((x) => x.clientAlgoId)).toEqual(['sl-1']);
    expect(ex.openOrders('a', S)).toHaveLength(0);
    expect(ex.algoOrder('a', { clientAlgoId: 'sl-1' }).algoId).toBe(a.algoId);
  });

  it('rejects a second closePosition stop in the same direction (-4130) but allows a take-profit beside it', async () => {
    const { ex } = await longDoge();
    ex.placeAlgoOrder('a', stop());
    expect(code(() => ex.placeAlgoOrder('a', stop({ triggerPrice: d('0.18000') })))).toBe(-4130);
    expect(
      code(() => ex.placeAlgoOrder('a', stop({ type: 'TAKE_PROFIT_MARKET', triggerPrice: d('0.21000') }))),
    ).toBe('ok');
  });

  it('rejects a trigger the market already passed (-2021)', async () => {
    const { ex } = await longDoge();
    expect(code(() => ex.placeAlgoOrder('a', stop({ triggerPrice: d('0.20500') })))).toBe(-2021);
  });

  it('rejects quantity or reduceOnly with closePosition, and reduceOnly in hedge mode (-1106)', async () => {
    const { ex } = await longDoge();
    expect(code(() => ex.placeAlgoOrder('a', stop({ quantity: d('100') })))).toBe(-1106);
    expect(
      code(() =>
        ex.placeAlgoOrder('a', stop({ closePosition: false, quantity: d('100'), reduceOnly: true })),
      ),
    ).toBe(-1106);
  });

  it('rejects the algo order beyond MAX_NUM_ALGO_ORDERS (10) with -4045', async () => {
    const { ex } = await longDoge();
    for (let i = 0; i < 10; i++) {
      ex.placeAlgoOrder(
        'a',
        stop({ closePosition: false, quantity: d('10'), triggerPrice: d('0.19').minus(d('0.001').times(i)) }),
      );
    }
    expect(
      code(() =>
        ex.placeAlgoOrder('a', stop({ closePosition: false, quantity: d('10'), triggerPrice: d('0.17') })),
      ),
    ).toBe(-4045);
  });

  it('cancels by client algo id and then refuses a second cancel (-2011)', async () => {
    const { ex } = await longDoge();
    ex.placeAlgoOrder('a', stop({ clientAlgoId: 'sl' }));
    expect(ex.cancelAlgoOrder('a', { clientAlgoId: 'sl' }).algoStatus).toBe('CANCELED');
    expect(code(() => ex.cancelAlgoOrder('a', { clientAlgoId: 'sl' }))).toBe(-2011);
  });
});

describe('algo order triggers', () => {
  it('closes the whole position when a CONTRACT_PRICE stop is crossed inside a candle, at the trigger price', async () => {
    const { ex, clock } = await longDoge();
    const a = ex.placeAlgoOrder('a', stop());
    await feed(ex, clock, S, T0 + 60_000, ['0.20000 0.20100 0.18500 0.19500']);
    expect(
      ex
        .positions('a', S)
        .find((p) => p.positionSide === 'LONG')
        ?.positionAmt.isZero(),
    ).toBe(true);
    const done = ex.algoOrder('a', { algoId: a.algoId });
    expect(done.algoStatus).toBe('FINISHED');
    expect(done.executedQty.toString()).toBe('1000');
    expect(done.actualAvgPrice.toString()).toBe('0.19');
    const o = ex.order('a', S, { orderId: done.actualOrderId! });
    expect(o.origType).toBe('STOP_MARKET');
    expect(o.type).toBe('MARKET');
    expect(o.stopPrice.toString()).toBe('0.19');
  });

  it('fills a stop crossed by a gap at the opening price, not the trigger', async () => {
    const { ex, clock } = await longDoge();
    ex.placeAlgoOrder('a', stop());
    await feed(ex, clock, S, T0 + 60_000, ['0.18000 0.18200 0.17900 0.18100']);
    expect(ex.userTrades('a', S).at(-1)?.price.toString()).toBe('0.18');
  });

  it('fills a triggered stop with slippage against us', async () => {
    const { ex, clock } = await longDoge({}, { slippage: '0.01' });
    ex.placeAlgoOrder('a', stop());
    await feed(ex, clock, S, T0 + 60_000, ['0.20000 0.20100 0.18500 0.19500']);
    // 0.19 × 0.99 = 0.1881
    expect(ex.userTrades('a', S).at(-1)?.price.toString()).toBe('0.1881');
  });

  it('ignores the wick for a MARK_PRICE stop when the mark follows candle closes', async () => {
    const { ex, clock } = await longDoge();
    const a = ex.placeAlgoOrder('a', stop({ workingType: 'MARK_PRICE' }));
    await feed(ex, clock, S, T0 + 60_000, ['0.20000 0.20100 0.18500 0.19500']);
    expect(ex.algoOrder('a', { algoId: a.algoId }).algoStatus).toBe('NEW');
    await feed(ex, clock, S, T0 + 120_000, ['0.19500 0.19500 0.18800 0.18900']);
    expect(ex.algoOrder('a', { algoId: a.algoId }).algoStatus).toBe('FINISHED');
    expect(ex.userTrades('a', S).at(-1)?.price.toString()).toBe('0.189');
  });

  it('fires a MARK_PRICE stop on a wick when the mark follows the intrabar path', async () => {
    const { ex, clock } = await longDoge({}, { markSource: 'path' });
    const a = ex.placeAlgoOrder('a', stop({ workingType: 'MARK_PRICE' }));
    await feed(ex, clock, S, T0 + 60_000, ['0.20000 0.20100 0.18500 0.19500']);
    expect(ex.algoOrder('a', { algoId: a.algoId }).algoStatus).toBe('FINISHED');
  });

  it('fires a take-profit for a short when price falls to it', async () => {
    const { ex, clock } = withAccount({ dualSidePosition: true });
    await feed(ex, clock, S, T0, ['0.20000 0.20000 0.20000 0.20000']);
    ex.placeOrder('a', {
      symbol: S,
      side: 'SELL',
      type: 'MARKET',
      quantity: d('500'),
      positionSide: 'SHORT',
    });
    ex.placeAlgoOrder('a', {
      symbol: S,
      side: 'BUY',
      type: 'TAKE_PROFIT_MARKET',
      positionSide: 'SHORT',
      triggerPrice: d('0.19500'),
      closePosition: true,
    });
    await feed(ex, clock, S, T0 + 60_000, ['0.20000 0.20000 0.19000 0.19200']);
    expect(
      ex
        .positions('a', S)
        .find((p) => p.positionSide === 'SHORT')
        ?.positionAmt.isZero(),
    ).toBe(true);
    expect(ex.userTrades('a', S).at(-1)?.realizedPnl.toString()).toBe('2.5');
  });

  it('rejects a closePosition stop that fires with nothing to close, placing no order', async () => {
    const { ex, clock } = withAccount({ dualSidePosition: true });
    await feed(ex, clock, S, T0, ['0.20000 0.20000 0.20000 0.20000']);
    const a = ex.placeAlgoOrder('a', stop());
    await feed(ex, clock, S, T0 + 60_000, ['0.20000 0.20000 0.18000 0.18500']);
    const v = ex.algoOrder('a', { algoId: a.algoId });
    expect(v.algoStatus).toBe('REJECTED');
    expect(v.actualOrderId).toBeNull();
    expect(ex.allOrders('a', S)).toHaveLength(0);
  });

  it('reports NEW → TRIGGERING → TRIGGERED → FINISHED as algo updates', async () => {
    const { ex, clock } = await longDoge();
    ex.placeAlgoOrder('a', stop());
    await feed(ex, clock, S, T0 + 60_000, ['0.20000 0.20100 0.18500 0.19500']);
    const statuses = ex
      .events('a')
      .filter((e): e is AlgoUpdateEvent => e.type === 'algoUpdate')
      .map((e) => e.algo.algoStatus);
    expect(statuses).toEqual(['NEW', 'TRIGGERING', 'TRIGGERED', 'FINISHED']);
  });

  it('fires a quantity stop in one-way mode that opens a position (stop entry)', async () => {
    const { ex, clock } = withAccount();
    await feed(ex, clock, S, T0, ['0.20000 0.20000 0.20000 0.20000']);
    ex.placeAlgoOrder('a', {
      symbol: S,
      side: 'BUY',
      type: 'STOP_MARKET',
      triggerPrice: d('0.21000'),
      quantity: d('100'),
    });
    await feed(ex, clock, S, T0 + 60_000, ['0.20000 0.21500 0.19900 0.21000']);
    expect(ex.positions('a', S)[0]?.positionAmt.toString()).toBe('100');
  });
});

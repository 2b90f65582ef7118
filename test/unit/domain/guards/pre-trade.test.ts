import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OrderCommand } from '../../../../shared/domain/commands.js';
import { type PreTradeLimits, preTradeCheck } from '../../../../shared/domain/guards/pre-trade.js';
import { dec } from '../../../../shared/domain/money.js';
import { placeCommand } from '../../../support/orders.js';

const limits: PreTradeLimits = { maxOrderNotional: dec('500'), priceBandPct: dec('5'), maxOrdersPer10s: 10 };
const facts = { reference: dec('100'), recentOrders: 0 };

const place = placeCommand;

const stop: OrderCommand = {
  kind: 'PlaceStop',
  instanceId: 'i1',
  request: {
    type: 'stop_market',
    account: 'main',
    symbol: 'BTC/USDT:USDT',
    clientOrderId: 'gbi1T2',
    side: 'sell',
    positionSide: 'LONG',
    triggerPrice: dec('90'),
    workingType: 'MARK_PRICE',
    closePosition: true,
  },
  reason: 'protect',
};

const close: OrderCommand = {
  kind: 'ClosePosition',
  instanceId: 'i1',
  request: {
    type: 'market',
    account: 'main',
    symbol: 'BTC/USDT:USDT',
    clientOrderId: 'gbi1X3',
    side: 'sell',
    positionSide: 'LONG',
    qty: dec('1000000'),
    reduceOnly: true,
  },
  reason: 'emergency',
};

describe('pre-trade checks', () => {
  it('passes an order inside every limit', () => {
    expect(preTradeCheck(place('buy', '99', '5'), limits, facts)).toEqual({ pass: true, bypass: false });
  });

  it('denies an order above max_order_notional, naming the figures', () => {
    const v = preTradeCheck(place('buy', '99', '6'), limits, facts);
    expect(v).toMatchObject({ pass: false, denial: { check: 'order_notional' } });
    expect(!v.pass && v.denial.message).toMatch(/buy 6 at 99 is 594 notional, above max_order_notional 500/);
  });

  it('denies a buy more than the band above the last price and a sell more than the band below it', () => {
    expect(preTradeCheck(place('buy', '105', '1'), limits, facts).pass).toBe(true);
    expect(preTradeCheck(place('buy', '105.01', '1'), limits, facts)).toMatchObject({
      pass: false,
      denial: { check: 'price_band' },
    });
    expect(preTradeCheck(place('sell', '95', '1'), limits, facts).pass).toBe(true);
    expect(preTradeCheck(place('sell', '94.99', '1'), limits, facts)).toMatchObject({
      pass: false,
      denial: { check: 'price_band' },
    });
    // No price seen yet: the band is not judged.
    expect(preTradeCheck(place('buy', '1000', '0.1'), limits, { ...facts, reference: null }).pass).toBe(true);
  });

  it('denies a new order that would take the position and its live orders above max_position_notional', () => {
    const l = { ...limits, maxPositionNotional: dec('300') };
    expect(preTradeCheck(place('buy', '99', '2'), l, { ...facts, exposure: dec('1') }).pass).toBe(true); // 297
    const v = preTradeCheck(place('buy', '99', '2'), l, { ...facts, exposure: dec('1.1') }); // 306.9
    expect(v).toMatchObject({ pass: false, denial: { check: 'position_notional' } });
    expect(!v.pass && v.denial.message).toMatch(/to 306\.9 notional, above max_position_notional 300/);
    // An order that reduces (no exposure given) is never judged by it.
    expect(preTradeCheck(place('sell', '99', '200'), { ...l, maxOrderNotional: null }, facts).pass).toBe(
      true,
    );
  });

  it('denies a new order that would take the account past its notional cap or its leverage cap', () => {
    const l = { ...limits, maxOrderNotional: null, maxAccountNotional: dec('1000'), maxLeverage: dec('3') };
    const f = {
      ...facts,
      exposure: dec('1'),
      exposureNotional: dec('100'),
      accountOthers: dec('600'),
      equity: dec('400'),
    };
    // 600 + 100 + 2 × 99 = 898: inside both (898 / 400 = 2.245×).
    expect(preTradeCheck(place('buy', '99', '2'), l, f).pass).toBe(true);
    const over = preTradeCheck(place('buy', '99', '4'), l, f); // 1096
    expect(over).toMatchObject({ pass: false, denial: { check: 'account_position_notional' } });
    expect(!over.pass && over.denial.message).toMatch(
      /to 1096 notional, above the account's max_position_notional 1000/,
    );
    const levered = preTradeCheck(place('buy', '99', '3'), l, { ...f, equity: dec('300') }); // 997 / 300
    expect(levered).toMatchObject({ pass: false, denial: { check: 'leverage' } });
    expect(!levered.pass && levered.denial.message).toMatch(/3\.32× its equity 300, above max_leverage 3/);
    // An account with no equity left has room for no leverage at all.
    expect(preTradeCheck(place('buy', '99', '1'), l, { ...f, equity: dec('-5') })).toMatchObject({
      pass: false,
      denial: { check: 'leverage' },
    });
    // Equity unknown: leverage is not judged; a reducing order (no exposure) is never judged by either.
    expect(preTradeCheck(place('buy', '99', '3'), l, { ...f, equity: null }).pass).toBe(true);
    expect(preTradeCheck(place('sell', '99', '50'), l, { ...facts, accountOthers: dec('5000') }).pass).toBe(
      true,
    );
  });

  it('denies once the account sent max_orders_per_10s', () => {
    expect(preTradeCheck(place('buy', '99', '1'), limits, { ...facts, recentOrders: 9 }).pass).toBe(true);
    expect(preTradeCheck(place('buy', '99', '1'), limits, { ...facts, recentOrders: 10 })).toMatchObject({
      pass: false,
      denial: { check: 'order_rate' },
    });
  });

  it('never denies a protective stop or an emergency close, whatever the limits and facts (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.option(fc.integer({ min: 1, max: 1_000_000 })),
        (cap, rate, recent, ref) => {
          const l: PreTradeLimits = {
            maxOrderNotional: dec(cap),
            priceBandPct: dec('0.1'),
            maxOrdersPer10s: rate,
          };
          const f = { reference: ref === null ? null : dec(ref), recentOrders: recent };
          for (const c of [stop, close]) expect(preTradeCheck(c, l, f)).toEqual({ pass: true, bypass: true });
        },
      ),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dec, fmt, isMultipleOf } from '../../../shared/domain/money.js';
import {
  checkOrder,
  coinsToContracts,
  contractsToCoins,
  minOrderCoins,
  notional,
  offGridFill,
  roundPrice,
  roundQty,
  symbolRules,
  symbolRulesToJson,
} from '../../../shared/domain/symbol-rules.js';
import { btcRules, dogeRules, okxDogeRules } from '../../support/rules.js';

describe('directional rounding', () => {
  it('rounds buy prices down and sell prices up to the tick', () => {
    const rules = dogeRules();
    expect(fmt(roundPrice(dec('0.123456'), 'buy', rules))).toBe('0.12345');
    expect(fmt(roundPrice(dec('0.123451'), 'sell', rules))).toBe('0.12346');
    expect(fmt(roundPrice(dec('0.12345'), 'sell', rules))).toBe('0.12345');
  });

  it('rounds quantities down to the step, never up', () => {
    expect(fmt(roundQty(dec('123.9'), dogeRules()))).toBe('123');
    expect(fmt(roundQty(dec('0.0019'), btcRules()))).toBe('0.001');
    expect(fmt(roundQty(dec('-5'), dogeRules()))).toBe('0');
  });

  it('keeps rounded values on tick and step and on the safe side (property)', () => {
    const rulesArb = fc.constantFrom(dogeRules(), btcRules(), okxDogeRules());
    const valueArb = fc.integer({ min: 1, max: 1_000_000_000 }).map((n) => dec(n).dividedBy(10_000));
    fc.assert(
      fc.property(rulesArb, valueArb, (rules, v) => {
        const buy = roundPrice(v, 'buy', rules);
        const sell = roundPrice(v, 'sell', rules);
        const q = roundQty(v, rules);
        return (
          buy.lessThanOrEqualTo(v) &&
          sell.greaterThanOrEqualTo(v) &&
          isMultipleOf(buy, rules.tickSize) &&
          isMultipleOf(sell, rules.tickSize) &&
          q.lessThanOrEqualTo(v) &&
          isMultipleOf(q.dividedBy(rules.contractSize), rules.stepSize)
        );
      }),
    );
  });
});

describe('coins and contracts', () => {
  it('converts coins to contracts by the contract size, flooring to the step', () => {
    const rules = okxDogeRules();
    expect(fmt(coinsToContracts(dec('2555'), rules))).toBe('2.55');
    expect(fmt(contractsToCoins(dec('2.55'), rules))).toBe('2550');
    expect(fmt(coinsToContracts(dec('0'), rules))).toBe('0');
  });

  it('is the identity on Binance linear contracts', () => {
    expect(fmt(coinsToContracts(dec('0.123'), btcRules()))).toBe('0.123');
  });
});

describe('order checks', () => {
  it('accepts an order that clears every filter', () => {
    expect(checkOrder(dec('0.2'), dec('100'), dogeRules())).toEqual({ ok: true });
  });

  it('names the filter an order fails', () => {
    const rules = dogeRules();
    expect(checkOrder(dec('0.123456'), dec('100'), rules)).toMatchObject({
      ok: false,
      reason: 'price_off_tick',
    });
    expect(checkOrder(dec('0.2'), dec('10.5'), rules)).toMatchObject({ ok: false, reason: 'qty_off_step' });
    expect(checkOrder(dec('0.2'), dec('0'), rules)).toMatchObject({ ok: false, reason: 'below_min_qty' });
    expect(checkOrder(dec('0.2'), dec('20'), rules)).toMatchObject({
      ok: false,
      reason: 'below_min_notional',
    });
    expect(checkOrder(dec('0.2'), dec('60000000'), rules)).toMatchObject({
      ok: false,
      reason: 'above_max_qty',
    });
  });

  it('exempts reduce-only orders from min notional, as Binance does', () => {
    expect(checkOrder(dec('0.2'), dec('20'), dogeRules(), { reduceOnly: true })).toEqual({ ok: true });
  });

  it('computes the smallest valid order size from min qty and min notional', () => {
    expect(fmt(minOrderCoins(dec('0.2'), dogeRules()))).toBe('25');
    expect(fmt(minOrderCoins(dec('100000'), btcRules()))).toBe('0.001');
    expect(fmt(minOrderCoins(dec('30000'), btcRules()))).toBe('0.004');
    expect(fmt(minOrderCoins(dec('0'), dogeRules()))).toBe('1');
  });

  it('reports quote value of a quantity', () => {
    expect(fmt(notional(dec('0.2'), dec('25')))).toBe('5');
  });
});

describe('symbol rules construction', () => {
  it('parses string rules and serializes them back', () => {
    const rules = symbolRules({
      symbol: 'DOGE/USDC:USDC',
      tickSize: '0.00001',
      stepSize: '1',
      minQty: '1',
      minNotional: '5',
      contractSize: '1',
      makerFee: '0',
      takerFee: '0.0004',
      maxQty: '50000000',
    });
    expect(symbolRulesToJson(rules)).toEqual({
      symbol: 'DOGE/USDC:USDC',
      tickSize: '0.00001',
      stepSize: '1',
      minQty: '1',
      maxQty: '50000000',
      minNotional: '5',
      contractSize: '1',
      makerFee: '0',
      takerFee: '0.0004',
    });
  });

  it('rejects a zero tick size', () => {
    expect(() =>
      symbolRules({
        symbol: 'X',
        tickSize: '0',
        stepSize: '1',
        minQty: '1',
        minNotional: '5',
        contractSize: '1',
        makerFee: '0',
        takerFee: '0',
      }),
    ).toThrow(/greater than 0/);
  });
});

describe('venue fills against the grid', () => {
  it('accepts a fill on the tick and the step, in coins of any contract size (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 ** 7 }),
        fc.integer({ min: 1, max: 10 ** 5 }),
        (ticks, steps) => {
          const doge = dogeRules();
          const okx = okxDogeRules();
          const fill = (rules: typeof doge) => ({
            tradeId: '1',
            price: rules.tickSize.times(ticks),
            qty: rules.stepSize.times(steps).times(rules.contractSize),
          });
          expect(offGridFill(fill(doge), doge)).toBeNull();
          expect(offGridFill(fill(okx), okx)).toBeNull();
        },
      ),
    );
  });

  it('names a price off the tick and a size off the step', () => {
    const rules = dogeRules();
    expect(offGridFill({ tradeId: '9', price: dec('0.180005'), qty: dec('1') }, rules)).toMatch(
      /trade 9: price 0.180005 is not on the tick 0.00001/,
    );
    expect(offGridFill({ tradeId: '9', price: dec('0.18'), qty: dec('1.5') }, rules)).toMatch(
      /size 1.5 is not on the step 1/,
    );
  });
});

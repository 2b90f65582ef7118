import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/adapters/clock/virtual-clock.js';
import { loadFunding } from '../../../shared/adapters/paper/data-files.js';
import type { AccountUpdateEvent, OrderUpdateEvent } from '../../../shared/adapters/paper/types.js';
import { dec } from '../../../shared/domain/money.js';
import { candle, feed, sharedData, withAccount } from '../../support/paper.js';

const d = dec;
const dogeFunding = resolve(sharedData, 'funding/binance_usdm_DOGEUSDT_funding_8h_2025-05-25_2025-06-24.csv');

describe('funding', () => {
  it('reads the real 8h funding file', () => {
    const rates = loadFunding(dogeFunding);
    expect(rates).toHaveLength(89);
    expect(rates[0]).toEqual({ fundingTime: 1748188800000, fundingRate: d('0.00001095') });
    // Binance stamps funding a few ms after the hour; consecutive rows are 8 h apart give or take 50 ms.
    expect(
      rates.every(
        (r, i) => i === 0 || Math.abs(r.fundingTime - rates[i - 1]!.fundingTime - 8 * 3600_000) <= 50,
      ),
    ).toBe(true);
  });

  it('charges a long the real rate × notional at the mark when a funding time passes', async () => {
    const rates = loadFunding(dogeFunding);
    const t0 = rates[0]!.fundingTime - 120_000;
    const { ex, clock } = withAccount({}, {}, new VirtualClock(t0));
    ex.setFundingRates('DOGEUSDT', rates);
    await feed(ex, clock, 'DOGEUSDT', t0, ['0.22000 0.22000 0.22000 0.22000']);
    ex.placeOrder('a', { symbol: 'DOGEUSDT', side: 'BUY', type: 'MARKET', quantity: d('10000') });
    const before = ex.balance('a', 'USDT').walletBalance;
    await feed(ex, clock, 'DOGEUSDT', t0 + 60_000, [
      '0.22000 0.22000 0.22000 0.22000',
      '0.22000 0.22100 0.21900 0.22000',
    ]);
    // 10 000 × 0.22 × 0.00001095 = 0.02409
    const after = ex.balance('a', 'USDT').walletBalance;
    expect(before.minus(after).toString()).toBe('0.02409');
    const ev = ex
      .events('a')
      .filter((e): e is AccountUpdateEvent => e.type === 'accountUpdate' && e.reason === 'FUNDING_FEE');
    expect(ev).toHaveLength(1);
    expect(ev[0]?.balances[0]?.balanceChange.toString()).toBe('-0.02409');
    expect(ex.income('a', { incomeType: 'FUNDING_FEE' }).map((r) => r.income.toString())).toEqual([
      '-0.02409',
    ]);
    expect(ex.fundingHistory('DOGEUSDT').map((r) => r.fundingRate.toString())).toEqual(['0.00001095']);
    expect(ex.markPrice('DOGEUSDT').nextFundingTime).toBe(rates[1]!.fundingTime);
  });

  it('pays a short when the rate is positive', async () => {
    const t = 8 * 3600_000 * 1000;
    const { ex, clock } = withAccount({ dualSidePosition: true }, {}, new VirtualClock(t - 120_000));
    ex.setFundingRates('DOGEUSDC', [{ fundingTime: t, fundingRate: d('0.0001') }]);
    await feed(ex, clock, 'DOGEUSDC', t - 120_000, ['0.20000 0.20000 0.20000 0.20000']);
    ex.placeOrder('a', {
      symbol: 'DOGEUSDC',
      side: 'SELL',
      type: 'MARKET',
      quantity: d('1000'),
      positionSide: 'SHORT',
    });
    const before = ex.balance('a', 'USDC').walletBalance;
    await feed(ex, clock, 'DOGEUSDC', t - 60_000, ['0.20000 0.20000 0.20000 0.20000', '0.2 0.2 0.2 0.2']);
    expect(ex.balance('a', 'USDC').walletBalance.minus(before).toString()).toBe('0.02');
  });
});

describe('liquidation', () => {
  it('liquidates a long whose margin balance falls to maintenance, at the mark, and never leaves a negative wallet', async () => {
    const { ex, clock } = withAccount({ balances: { USDT: '100' } }, {}, new VirtualClock(0));
    await feed(ex, clock, 'BTCUSDT', 0, ['30000.0 30000.0 30000.0 30000.0']);
    ex.setLeverage('a', 'BTCUSDT', 50);
    ex.placeOrder('a', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: d('0.100') });
    const liq = ex.positions('a', 'BTCUSDT')[0]!.liquidationPrice;
    expect(liq.greaterThan('28000')).toBe(true);
    expect(liq.lessThan('30000')).toBe(true);
    ex.placeOrder('a', {
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'LIMIT',
      price: d('31000.0'),
      quantity: d('0.100'),
      timeInForce: 'GTC',
      reduceOnly: true,
    });
    await feed(ex, clock, 'BTCUSDT', 60_000, ['29500.0 29500.0 28000.0 28100.0']);
    const [p] = ex.positions('a', 'BTCUSDT');
    expect(p?.positionAmt.isZero()).toBe(true);
    expect(ex.openOrders('a')).toHaveLength(0);
    const liqFill = ex
      .events('a')
      .find((e): e is OrderUpdateEvent => e.type === 'orderUpdate' && e.executionType === 'CALCULATED');
    expect(liqFill?.order.clientOrderId).toMatch(/^autoclose-/);
    expect(liqFill?.trade?.price.toString()).toBe('28100');
    expect(ex.balance('a', 'USDT').walletBalance.isNegative()).toBe(false);
  });

  it('charges the clearance fee against the liquidated symbol, out of the margin that was left', async () => {
    const { ex, clock } = withAccount({ balances: { USDT: '100' } }, {}, new VirtualClock(0));
    await feed(ex, clock, 'BTCUSDT', 0, ['30000.0 30000.0 30000.0 30000.0']);
    ex.setLeverage('a', 'BTCUSDT', 50);
    ex.placeOrder('a', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: d('0.100') });
    // The mark closes just below the liquidation price: the position closes with margin still left.
    const liq = ex.positions('a', 'BTCUSDT')[0]!.liquidationPrice.toDecimalPlaces(1, 1);
    const close = liq.minus('0.1').toFixed(1);
    await feed(ex, clock, 'BTCUSDT', 60_000, [`30000.0 30000.0 ${close} ${close}`]);
    expect(ex.positions('a', 'BTCUSDT')[0]?.positionAmt.isZero()).toBe(true);
    const clearance = ex.income('a', { incomeType: 'INSURANCE_CLEAR' });
    expect(clearance.map((r) => r.symbol)).toEqual(['BTCUSDT']);
    expect(clearance[0]!.income.isNegative()).toBe(true);
    // Wallet = deposit + realized − commissions − clearance: the fee is all that stands between them.
    const sum = (type: 'REALIZED_PNL' | 'COMMISSION') =>
      ex.income('a', { incomeType: type }).reduce((t, r) => t.plus(r.income), d(0));
    expect(
      d(100).plus(sum('REALIZED_PNL')).plus(sum('COMMISSION')).plus(clearance[0]!.income).toFixed(),
    ).toBe(ex.balance('a', 'USDT').walletBalance.toFixed());
  });

  it('does not liquidate while the margin balance stays above maintenance', async () => {
    const { ex, clock } = withAccount({ balances: { USDT: '1000' } }, {}, new VirtualClock(0));
    await feed(ex, clock, 'BTCUSDT', 0, ['30000.0 30000.0 30000.0 30000.0']);
    ex.placeOrder('a', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: d('0.100') });
    await feed(ex, clock, 'BTCUSDT', 60_000, ['29500.0 29500.0 25000.0 25100.0']);
    expect(ex.positions('a', 'BTCUSDT')[0]?.positionAmt.toString()).toBe('0.1');
  });

  it('checks liquidation on every mark from a mark series', async () => {
    const { ex, clock } = withAccount({ balances: { USDT: '100' } });
    ex.applyCandle('BTCUSDT', candle(0, '30000.0 30000.0 30000.0 30000.0'));
    ex.setLeverage('a', 'BTCUSDT', 50);
    ex.placeOrder('a', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: d('0.100') });
    await clock.advanceBy(1000);
    ex.setMarkPrice('BTCUSDT', d('28000'));
    expect(ex.positions('a', 'BTCUSDT')[0]?.positionAmt.isZero()).toBe(true);
  });
});

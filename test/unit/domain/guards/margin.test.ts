import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  estimateLiquidationPrice,
  type MarginPolicy,
  marginRefusal,
} from '../../../../shared/domain/guards/margin.js';
import { dec } from '../../../../shared/domain/money.js';

const policy = (over: Partial<MarginPolicy> = {}): MarginPolicy => ({
  wallet: dec('1000'),
  leverage: dec('10'),
  maintMarginRate: dec('0.01'),
  gapPct: dec('0.01'),
  stopAt: () => dec('90'),
  blocked: false,
  ...over,
});

describe('margin after the order', () => {
  it('estimates liquidation of a long below entry and of a short above it', () => {
    // Long 100 at 100 on 1000: (10 000 − 1000) / (100 × 0.99) ≈ 90.909
    expect(estimateLiquidationPrice(dec('100'), dec('100'), dec('1000'), dec('0.01'))?.toFixed(3)).toBe(
      '90.909',
    );
    // Short 100 at 100 on 1000: (10 000 + 1000) / (100 × 1.01) ≈ 108.911
    expect(
      estimateLiquidationPrice(dec('100'), dec('100'), dec('1000'), dec('0.01'), false)?.toFixed(3),
    ).toBe('108.911');
    expect(estimateLiquidationPrice(dec('5'), dec('100'), dec('1000'), dec('0.01'))).toBeNull(); // fully funded
  });

  it('refuses over balance × leverage, liquidation within the gap of the stop, and anything while blocked', () => {
    const flat = { qty: dec('0'), cost: dec('0'), long: true };
    expect(marginRefusal(policy(), flat, dec('100'), dec('50'))).toBeNull(); // 50 at 100 on 1000: liquidation ≈ 80.8
    expect(marginRefusal(policy(), flat, dec('100'), dec('101'))).toBe('over_leverage'); // 10 100 > 10 000
    // 95 coins at 100: liquidation ≈ 90.43, ×1.01 = 91.3 ≥ stop 90.
    expect(marginRefusal(policy(), flat, dec('100'), dec('95'))).toBe('liquidation_before_stop');
    expect(marginRefusal(policy({ stopAt: () => null }), flat, dec('100'), dec('95'))).toBeNull();
    expect(marginRefusal(policy({ blocked: true }), flat, dec('100'), dec('1'))).toBe(
      'position_liquidates_first',
    );
    // A short: its stop above (110), liquidation must stay above it with the gap.
    const short = { qty: dec('0'), cost: dec('0'), long: false };
    const p = policy({ stopAt: () => dec('110') });
    expect(marginRefusal(p, short, dec('100'), dec('50'))).toBeNull(); // liquidation ≈ 118.8
    expect(marginRefusal(p, short, dec('100'), dec('95'))).toBe('liquidation_before_stop'); // ≈ 109.5
  });

  it('a long it lets through keeps its estimated liquidation under the stop by the gap (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 50, max: 5000 }),
        fc.integer({ min: 60, max: 99 }),
        (held, add, wallet, stop) => {
          const p = policy({ wallet: dec(wallet), leverage: null, stopAt: () => dec(stop) });
          const before = { qty: dec(held), cost: dec(held).times(100), long: true };
          if (marginRefusal(p, before, dec('100'), dec(add)) !== null) return;
          const qty = dec(held + add);
          const liq = estimateLiquidationPrice(qty, dec(100), dec(wallet), dec('0.01'));
          if (liq) expect(liq.times('1.01').lessThan(stop)).toBe(true);
        },
      ),
    );
  });
});

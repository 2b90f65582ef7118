import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dec, isMultipleOf, sumDec } from '../../../../../shared/domain/money.js';
import { sellTarget, waterfallAllocate } from '../../../../../shared/domain/strategies/klg/index.js';
import { minOrderCoins } from '../../../../../shared/domain/symbol-rules.js';
import { btcRules, dogeRules } from '../../../../support/rules.js';
import { klgConfig } from '../../../../support/strategies/klg/config.js';

const cfg = klgConfig();
const levels = (...prices: string[]) =>
  prices.map((p, i) => ({ index: i, price: dec(p), hasLiveSell: false }));
const view = (r: ReturnType<typeof waterfallAllocate>) =>
  Object.fromEntries([...r.allocations].map(([i, q]) => [i, q.toFixed()]));

describe('sell target', () => {
  it('is 70% of holdings above the locked base', () => {
    const t = sellTarget(
      { holdings: dec('1000'), boughtSinceFlat: dec('1000'), soldSinceFlat: dec('0') },
      klgConfig({ base_position_locked: '200' }),
    );
    expect(t.toFixed()).toBe('560');
  });

  it('is capped by the quota left since the position was last flat', () => {
    // 1000 bought, 700 sold: 300 held; 70% of 300 would be 210, but the 70% quota is used up.
    const t = sellTarget(
      { holdings: dec('300'), boughtSinceFlat: dec('1000'), soldSinceFlat: dec('700') },
      cfg,
    );
    expect(t.toFixed()).toBe('0');
  });

  it('is never negative', () => {
    const t = sellTarget(
      { holdings: dec('100'), boughtSinceFlat: dec('100'), soldSinceFlat: dec('0') },
      klgConfig({ base_position_locked: '500' }),
    );
    expect(t.toFixed()).toBe('0');
  });
});

describe('profit-guard waterfall', () => {
  it('gives each qualified resistance one grid unit, nearest first', () => {
    const r = waterfallAllocate(
      levels('0.19', '0.2', '0.21', '0.22'),
      dec('250'),
      dec('0.18'),
      dec('0.185'),
      cfg,
      dogeRules(),
    );
    expect(view(r)).toEqual({ 0: '100', 1: '100', 2: '50' });
  });

  it('skips levels failing the profit guard and marks them profit-locked', () => {
    const r = waterfallAllocate(
      levels('0.19', '0.2', '0.21'),
      dec('150'),
      dec('0.195'),
      dec('0.185'),
      cfg,
      dogeRules(),
    );
    expect(r.profitLocked.has(0)).toBe(true);
    expect(view(r)).toEqual({ 1: '100', 2: '50' });
  });

  it('puts the remainder after the last level onto the last qualified level', () => {
    const r = waterfallAllocate(
      levels('0.19', '0.2'),
      dec('350'),
      dec('0.18'),
      dec('0.185'),
      cfg,
      dogeRules(),
    );
    expect(view(r)).toEqual({ 0: '100', 1: '250' });
  });

  it('merges a slice below the exchange minimum into the previous one', () => {
    // 20 DOGE × 0.21 = 4.2 < 5 min notional → merged into the 0.20 slice.
    const r = waterfallAllocate(
      levels('0.19', '0.2', '0.21'),
      dec('220'),
      dec('0.18'),
      dec('0.185'),
      cfg,
      dogeRules(),
    );
    expect(view(r)).toEqual({ 0: '100', 1: '120' });
  });

  it('places nothing when the whole target is below the minimum', () => {
    const r = waterfallAllocate(levels('0.19'), dec('20'), dec('0.18'), dec('0.185'), cfg, dogeRules());
    expect(r.allocations.size).toBe(0);
    expect(r.unallocated.toFixed()).toBe('20');
  });

  it('places nothing when no resistance qualifies', () => {
    const r = waterfallAllocate(
      levels('0.19', '0.2'),
      dec('100'),
      dec('0.2'),
      dec('0.185'),
      cfg,
      dogeRules(),
    );
    expect(r.allocations.size).toBe(0);
    expect(r.profitLocked.size).toBe(2);
  });

  it('keeps a level inside the sell buffer only if it already holds a sell', () => {
    const inBuffer = [
      { index: 0, price: dec('0.19'), hasLiveSell: false },
      ...levels('0.19', '0.2')
        .slice(1)
        .map((l) => ({ ...l, index: 1 })),
    ];
    const a = waterfallAllocate(inBuffer, dec('100'), dec('0.18'), dec('0.1899'), cfg, dogeRules());
    expect(view(a)).toEqual({ 1: '100' });
    const b = waterfallAllocate(
      [{ ...inBuffer[0]!, hasLiveSell: true }, inBuffer[1]!],
      dec('100'),
      dec('0.18'),
      dec('0.1899'),
      cfg,
      dogeRules(),
    );
    expect(view(b)).toEqual({ 0: '100' });
  });

  it('never allocates more than the target, off the step, below the minimum, or under the guard (property)', () => {
    const rules = btcRules();
    const config = klgConfig({ base_amount_per_grid: '0.004', symbol: 'BTC/USDT:USDT' });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 29000, max: 33000 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 26000, max: 32000 }),
        (prices, targetMilli, avg) => {
          const sorted = [...prices]
            .sort((a, b) => a - b)
            .map((p, i) => ({ index: i, price: dec(p), hasLiveSell: i % 2 === 0 }));
          const target = dec(targetMilli).dividedBy(1_000_000).times(100);
          const r = waterfallAllocate(sorted, target, dec(avg), dec('28900'), config, rules);
          const total = sumDec(r.allocations.values());
          expect(total.lessThanOrEqualTo(target)).toBe(true);
          for (const [i, q] of r.allocations) {
            const price = sorted[i]!.price;
            expect(isMultipleOf(q, rules.stepSize)).toBe(true);
            expect(q.greaterThanOrEqualTo(minOrderCoins(price, rules))).toBe(true);
            expect(price.greaterThan(dec(avg).times('1.005'))).toBe(true);
          }
        },
      ),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { levelSourceSchema } from '../../../../shared/domain/config/level-source.js';

describe('level source config', () => {
  it('gives keyLevels the spec defaults: lookbacks 5/13/34, merge 0.5%, min strength 80, max distance 30%', () => {
    const parsed = levelSourceSchema.parse({ source: 'keyLevels' });
    if (parsed.source !== 'keyLevels') throw new Error('wrong source');
    expect(parsed.swing_lookbacks).toEqual([5, 13, 34]);
    expect(parsed.merge_tolerance_pct.toFixed()).toBe('0.005');
    expect(parsed.min_strength).toBe(80);
    expect(parsed.max_distance_pct.toFixed()).toBe('0.3');
    expect(parsed.swing_weights).toBeUndefined();
    expect(parsed).toMatchObject({ volume_weight: 40, fib_weight: 25, round_weight: 15, strength_scale: 50 });
  });

  it('gives atr the SPEC §3.1 defaults', () => {
    expect(levelSourceSchema.parse({ source: 'atr' })).toMatchObject({
      timeframe: '1h',
      atr_period: 14,
      smoothing: 'RMA',
      anchor: 'extremes',
      min_levels: 4,
      max_levels: 100,
    });
  });

  it('rejects swing weights that do not match the lookbacks, with the fix', () => {
    const r = levelSourceSchema.safeParse({
      source: 'keyLevels',
      swing_lookbacks: [5, 13],
      swing_weights: [1],
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['swing_weights']);
    expect(r.error?.issues[0]?.message).toMatch(/one weight per lookback \(2\), got 1/);
  });

  it('rejects an atr window too short for its period', () => {
    const r = levelSourceSchema.safeParse({ source: 'atr', atr_period: 30, candles: 25 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/at least atr_period \+ 1/);
  });
});

import { describe, expect, it } from 'vitest';
import { atrChannel } from '../../../../shared/domain/analysis/index.js';
import { Decimal, dec } from '../../../../shared/domain/money.js';
import { hourly } from './builders.js';

// Same candles as atr.test.ts: RMA ATR(3) after the last candle is 17/9; the last candle is H 14, L 12, C 13.
const candles = hourly([
  ['10', '9', '9.5'],
  ['11', '10', '10.5'],
  ['12', '10', '11'],
  ['11', '10', '10.5'],
  ['13', '11', '12.5'],
  ['14', '12', '13'],
]);
const band = new Decimal(17).dividedBy(9).times(2);

describe('atrChannel', () => {
  it('extremes anchor: last high + k·ATR and last low − k·ATR', () => {
    const ch = atrChannel({ candles, period: 3, smoothing: 'RMA', multiplier: dec('2'), anchor: 'extremes' });
    expect(ch.upper.equals(dec('14').plus(band))).toBe(true);
    expect(ch.lower.equals(dec('12').minus(band))).toBe(true);
    expect(ch.upperBase.toFixed()).toBe('14');
    expect(ch.lowerBase.toFixed()).toBe('12');
  });

  it('close anchor: last close ± k·ATR', () => {
    const ch = atrChannel({ candles, period: 3, smoothing: 'RMA', multiplier: dec('2'), anchor: 'close' });
    expect(ch.upper.equals(dec('13').plus(band))).toBe(true);
    expect(ch.lower.equals(dec('13').minus(band))).toBe(true);
  });

  it('records its inputs and results for the audit trail', () => {
    const ch = atrChannel({
      candles,
      period: 3,
      smoothing: 'SMA',
      multiplier: dec('1.5'),
      anchor: 'extremes',
    });
    expect(ch.audit).toMatchObject({
      atr_period: '3',
      smoothing: 'SMA',
      atr_multiplier: '1.5',
      anchor: 'extremes',
      candles_used: '6',
      last_open_time: String(candles[5]!.openTime),
      upper_base: '14',
      lower_base: '12',
    });
    expect(ch.audit.atr).toBe(ch.atr.toFixed());
    expect(ch.lastOpenTime).toBe(candles[5]!.openTime);
  });

  it('rejects a multiplier that is not positive', () => {
    expect(() =>
      atrChannel({ candles, period: 3, smoothing: 'RMA', multiplier: dec('0'), anchor: 'close' }),
    ).toThrow(/atr_multiplier must be greater than 0/);
  });
});

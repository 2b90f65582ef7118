import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AnalysisError,
  AtrStream,
  atr,
  atrSeries,
  MovingAverage,
  smooth,
  trueRange,
  trueRanges,
} from '../../../../shared/domain/analysis/index.js';
import type { Smoothing } from '../../../../shared/domain/config/level-source.js';
import { Decimal, dec } from '../../../../shared/domain/money.js';
import { candle, candleSeries, HOUR, hourly, T0 } from './builders.js';

// True ranges of candles 1..5: 1.5, 2, 1, 2.5, 2 (worked out in the comments of each case below).
const SIX = hourly([
  ['10', '9', '9.5'],
  ['11', '10', '10.5'], // max(1, |11−9.5|, |10−9.5|) = 1.5
  ['12', '10', '11'], // max(2, 1.5, 0.5) = 2
  ['11', '10', '10.5'], // max(1, 0, 1) = 1
  ['13', '11', '12.5'], // max(2, 2.5, 0.5) = 2.5
  ['14', '12', '13'], // max(2, 1.5, 0.5) = 2
]);

const frac = (a: number, b: number) => new Decimal(a).dividedBy(b);
const texts = (xs: readonly (Decimal | undefined)[]) => xs.map((x) => x?.toFixed());

describe('trueRange', () => {
  it('is the largest of high − low and the distances from the previous close', () => {
    expect(trueRange(candle(T0, '95', '96', '94', '95'), dec('95')).toFixed()).toBe('2');
    expect(trueRange(candle(T0, '110', '112', '108', '111'), dec('100')).toFixed()).toBe('12'); // gap up
    expect(trueRange(candle(T0, '88', '90', '85', '86'), dec('100')).toFixed()).toBe('15'); // gap down
  });

  it('gives no true range for the first candle', () => {
    expect(texts(trueRanges(SIX))).toEqual(['1.5', '2', '1', '2.5', '2']);
  });
});

describe('atrSeries with period 3 (hand-computed)', () => {
  it('SMA: mean of the last three true ranges', () => {
    expect(texts(atrSeries(SIX, 3, 'SMA'))).toEqual(
      texts([undefined, undefined, undefined, dec('1.5'), frac(11, 6), frac(11, 6)]),
    );
  });

  it('RMA: seeded with the SMA, then (prev·2 + tr)/3', () => {
    // 1.5; (3 + 2.5)/3 = 11/6; (11/3 + 2)/3 = 17/9
    expect(texts(atrSeries(SIX, 3, 'RMA'))).toEqual(
      texts([undefined, undefined, undefined, dec('1.5'), frac(11, 6), frac(17, 9)]),
    );
  });

  it('EMA: seeded with the SMA, then α = 2/(n+1) = 0.5', () => {
    // 1.5; (1.5·2 + 2·2.5)/4 = 2; (2·2 + 2·2)/4 = 2
    expect(texts(atrSeries(SIX, 3, 'EMA'))).toEqual(
      texts([undefined, undefined, undefined, dec('1.5'), dec('2'), dec('2')]),
    );
  });

  it('WMA: weights 1, 2, 3 over 6, newest heaviest', () => {
    // (1.5 + 4 + 3)/6 = 17/12; (2 + 2 + 7.5)/6 = 23/12; (1 + 5 + 6)/6 = 2
    expect(texts(atrSeries(SIX, 3, 'WMA'))).toEqual(
      texts([undefined, undefined, undefined, frac(17, 12), frac(23, 12), dec('2')]),
    );
  });

  it('atr gives the last value and defaults to RMA', () => {
    expect(atr(SIX, 3).equals(frac(17, 9))).toBe(true);
  });
});

describe('errors', () => {
  it('needs period + 1 candles and says so', () => {
    expect(() => atr(SIX.slice(0, 3), 3)).toThrow(/ATR\(3\) needs at least 4 candles, got 3/);
    try {
      atr([], 14);
    } catch (e) {
      expect((e as AnalysisError).reason).toBe('not_enough_candles');
    }
  });

  it('rejects a period below 1 and candles out of order', () => {
    expect(() => new MovingAverage(0, 'SMA')).toThrow(/period must be a whole number/);
    const stream = new AtrStream(3);
    stream.update(SIX[1]!);
    expect(() => stream.update(SIX[0]!)).toThrow(/not after the previous one/);
    expect(() => new AtrStream(3).update(candle(T0, '5', '5', '6', '5'))).toThrow(/low 6 > high 5/);
  });
});

/** The definitions, recomputed from the whole history at every step (no running sums). */
function naive(trs: readonly Decimal[], n: number, smoothing: Smoothing): (Decimal | undefined)[] {
  let prev: Decimal | undefined;
  return trs.map((tr, i) => {
    if (i + 1 < n) return undefined;
    const window = trs.slice(i + 1 - n, i + 1);
    const mean = Decimal.sum(...window).dividedBy(n);
    if (smoothing === 'SMA') return mean;
    if (smoothing === 'WMA')
      return Decimal.sum(...window.map((x, k) => x.times(k + 1))).dividedBy((n * (n + 1)) / 2);
    const [keep, add, over] = smoothing === 'RMA' ? [n - 1, 1, n] : [n - 1, 2, n + 1];
    prev = prev === undefined ? mean : prev.times(keep).plus(tr.times(add)).dividedBy(over);
    return prev;
  });
}

describe('streaming', () => {
  it('one candle at a time gives exactly the values of the definitions recomputed from scratch', () => {
    fc.assert(
      fc.property(
        candleSeries({ minLength: 1, maxLength: 80, stepMs: HOUR }),
        fc.integer({ min: 1, max: 20 }),
        fc.constantFrom<Smoothing>('RMA', 'SMA', 'EMA', 'WMA'),
        (candles, period, smoothing) => {
          const stream = new AtrStream(period, smoothing);
          const streamed = candles.map((c) => stream.update(c));
          const expected = [undefined, ...naive(trueRanges(candles), period, smoothing)];
          expect(texts(streamed)).toEqual(texts(expected.slice(0, candles.length)));
          expect(stream.value?.toFixed()).toBe(streamed[streamed.length - 1]?.toFixed());
        },
      ),
      { numRuns: 100 },
    );
  });

  it('smooth over values equals the moving average fed one by one', () => {
    const values = ['3', '1', '4', '1', '5', '9', '2', '6'].map((v) => dec(v));
    expect(texts(smooth(values, 4, 'WMA'))).toEqual(texts(naive(values, 4, 'WMA')));
  });
});

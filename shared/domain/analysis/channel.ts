/**
 * ATR channel (SPEC §3.1). Entry point: `atrChannel`.
 *
 * Anchors:
 *  - `extremes` (the spec's default): upper = last high + k·ATR, lower = last low − k·ATR.
 *  - `close`: upper = last close + k·ATR, lower = last close − k·ATR.
 * "Last" is the last candle given, which must be a closed one (see `aggregateCandles`).
 *
 * Invariants: upper − lower ≥ 2·k·ATR ≥ 0. The channel may reach below zero for a tiny price and a huge
 * ATR; callers that turn it into prices check `lower > 0` (`gridParameters` does).
 */
import type { Smoothing } from '../config/level-source.js';
import type { Decimal } from '../money.js';
import type { Candle } from '../orders.js';
import { atr } from './atr.js';
import { AnalysisError } from './errors.js';

export type ChannelAnchor = 'extremes' | 'close';

export interface AtrChannelInputs {
  readonly candles: readonly Candle[];
  readonly period: number;
  readonly smoothing: Smoothing;
  readonly multiplier: Decimal;
  readonly anchor: ChannelAnchor;
}

export interface AtrChannel {
  readonly upper: Decimal;
  readonly lower: Decimal;
  readonly atr: Decimal;
  /** The prices the bands were measured from (last high / low, or last close twice). */
  readonly upperBase: Decimal;
  readonly lowerBase: Decimal;
  readonly lastOpenTime: number;
  /** Inputs and results as strings, for the audit trail. */
  readonly audit: Record<string, string>;
}

export function atrChannel(inputs: AtrChannelInputs): AtrChannel {
  const { candles, period, smoothing, multiplier, anchor } = inputs;
  if (!multiplier.greaterThan(0)) {
    throw new AnalysisError('bad_input', `atr_multiplier must be greater than 0, got ${multiplier}`);
  }
  const value = atr(candles, period, smoothing);
  const last = candles[candles.length - 1]!;
  const upperBase = anchor === 'close' ? last.close : last.high;
  const lowerBase = anchor === 'close' ? last.close : last.low;
  const band = value.times(multiplier);
  const upper = upperBase.plus(band);
  const lower = lowerBase.minus(band);
  return {
    upper,
    lower,
    atr: value,
    upperBase,
    lowerBase,
    lastOpenTime: last.openTime,
    audit: {
      atr_period: String(period),
      smoothing,
      atr_multiplier: multiplier.toFixed(),
      anchor,
      candles_used: String(candles.length),
      first_open_time: String(candles[0]!.openTime),
      last_open_time: String(last.openTime),
      upper_base: upperBase.toFixed(),
      lower_base: lowerBase.toFixed(),
      atr: value.toFixed(),
      upper: upper.toFixed(),
      lower: lower.toFixed(),
    },
  };
}

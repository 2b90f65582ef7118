/**
 * Level prices for a grid from its configured level source (SPEC §2 "Level sources"). Entry point:
 * `computeLevelPrices(source, candles, price, rules, sizing?)`, which returns exactly what a `ParamsRecord`
 * (shared/domain/params.ts) needs besides its id, version and time.
 *
 *  - `manual`: the configured prices, rounded to the nearest tick, de-duplicated, ascending. Candles unused.
 *  - `range`: `count` prices from `lower` to `upper` (range-levels.ts), then as `manual`. Candles unused.
 *  - `atr`: the ATR channel (channel.ts) over the last `candles` bars, levels spread evenly across it
 *    (grid-parameters.ts). With `sizing` (usable balance and leverage brackets) the full SPEC §3.1
 *    parameters are computed and the level count is the one reduced for the exchange minimum; the
 *    resulting figures go to `grid`.
 *  - `keyLevels`: key levels (key-levels/), filtered by strength and distance.
 *
 * Candles must be closed candles of the source's `timeframe` (ascending, on the timeframe grid); 1-minute
 * data goes through `aggregateCandles` first. Every result carries `audit` (inputs and intermediate values
 * as strings). Failure (too few candles, a channel below zero, no level passing the filters, a balance
 * below the exchange minimum) throws `AnalysisError` with a `reason`: the caller keeps its current levels.
 */
import type { LevelSourceConfig } from '../config/level-source.js';
import type { Decimal } from '../money.js';
import type { Candle } from '../orders.js';
import type { SymbolRules } from '../symbol-rules.js';
import { assertCandleSeries } from './candles.js';
import { atrChannel } from './channel.js';
import { AnalysisError } from './errors.js';
import { atrGridLevels, gridParameters, spreadLevels } from './grid-parameters.js';
import { findKeyLevels } from './key-levels/key-levels.js';
import type { LeverageBracket } from './leverage.js';
import { rangeLevelPrices } from './range-levels.js';
import { snapToTick } from './tick.js';

export interface LevelPrices {
  /** Ascending, on the tick, de-duplicated. */
  readonly levelPrices: Decimal[];
  /** The price the levels were computed around (drift rebuilds measure from it). */
  readonly anchorPrice: Decimal;
  readonly audit: Record<string, string>;
  readonly grid?: Record<string, string>;
}

/** What the `atr` source needs to size the grid as SPEC §3.1 does (the ATR hedge grid passes it). */
export interface AtrSizing {
  readonly usableBalance: Decimal;
  readonly brackets: readonly LeverageBracket[];
  readonly safetyFactor?: Decimal;
  readonly maxLeverage?: number;
}

export function computeLevelPrices(
  source: LevelSourceConfig,
  candles: readonly Candle[],
  price: Decimal,
  rules: SymbolRules,
  sizing?: AtrSizing,
): LevelPrices {
  if (!price.greaterThan(0)) throw new AnalysisError('bad_input', `price must be > 0, got ${price}`);
  const common = { source: source.source, price: price.toFixed(), tick_size: rules.tickSize.toFixed() };
  switch (source.source) {
    case 'manual': {
      const levelPrices = snapToTick(source.prices, rules.tickSize);
      const moved = source.prices.filter((p) => !p.modulo(rules.tickSize).isZero()).length;
      return {
        levelPrices,
        anchorPrice: price,
        audit: {
          ...common,
          prices_given: String(source.prices.length),
          prices_off_tick_rounded: String(moved),
          levels: String(levelPrices.length),
        },
      };
    }
    case 'range': {
      const spread = rangeLevelPrices(source);
      const levelPrices = snapToTick(spread, rules.tickSize);
      return {
        levelPrices,
        anchorPrice: price,
        audit: {
          ...common,
          lower: source.lower.toFixed(),
          upper: source.upper.toFixed(),
          count: String(source.count),
          spacing: source.spacing,
          // Neighbours closer than a tick round onto one level.
          levels: String(levelPrices.length),
        },
      };
    }
    case 'atr': {
      assertCandleSeries(candles, source.timeframe);
      const channel = atrChannel({
        candles: candles.slice(-source.candles),
        period: source.atr_period,
        smoothing: source.smoothing,
        multiplier: source.atr_multiplier,
        anchor: source.anchor,
      });
      const levelInputs = {
        upper: channel.upper,
        lower: channel.lower,
        rules,
        targetProfitRate: source.target_profit_rate,
        minLevels: source.min_levels,
        maxLevels: source.max_levels,
      };
      const audit = { ...common, timeframe: source.timeframe, ...channel.audit };
      if (sizing) {
        const result = gridParameters({ ...levelInputs, price, ...sizing });
        if (!result.ok) throw new AnalysisError('grid_infeasible', `${result.reason}: ${result.detail}`);
        const grid = result.params.audit;
        return {
          levelPrices: result.params.levelPrices,
          anchorPrice: price,
          audit: { ...audit, ...grid },
          grid,
        };
      }
      const base = atrGridLevels(levelInputs);
      const levelPrices = spreadLevels(channel.lower, channel.upper, base.levelsClamped, rules.tickSize);
      const grid = { ...base.audit, levels: String(levelPrices.length) };
      return { levelPrices, anchorPrice: price, audit: { ...audit, ...grid }, grid };
    }
    case 'keyLevels': {
      assertCandleSeries(candles, source.timeframe);
      const result = findKeyLevels(candles, price, source, rules.tickSize);
      const audit = { ...common, timeframe: source.timeframe, ...result.audit };
      if (result.levels.length === 0) {
        throw new AnalysisError(
          'no_levels',
          `no key level passed min_strength ${source.min_strength} within ${source.max_distance_pct} of ${price} (${result.merged.length} candidates merged): lower min_strength, widen max_distance_pct or use more candles`,
        );
      }
      return { levelPrices: result.levels.map((l) => l.price), anchorPrice: price, audit };
    }
  }
}

/**
 * Market analysis (issue 3): pure functions that turn candles into grid levels, used by the recompute
 * function and the simulator alike. Entry points, by file:
 *  - candles.ts: `aggregateCandles`, `aggregateCandlesReport`, `assertCandleSeries`, `timeframeMs`
 *  - atr.ts / smoothing.ts: `trueRange`, `trueRanges`, `atr`, `atrSeries`, `AtrStream`, `MovingAverage`, `smooth`
 *  - channel.ts: `atrChannel` (`extremes` or `close` anchor)
 *  - grid-parameters.ts / leverage.ts: `gridParameters`, `atrGridLevels`, `spreadLevels`, `maxGridLeverage`,
 *    `leverageBracketsSchema`
 *  - key-levels/: `findKeyLevels`
 *  - level-prices.ts: `computeLevelPrices` (dispatches on the level source)
 *  - drift.ts: `driftRebuildDue`
 *  - range-levels.ts: `rangeLevelPrices`, `fixedLevelPrices` (the levels a config writes down)
 *  - tick.ts: `snapPrice`, `snapToTick`
 */
export * from './atr.js';
export * from './candles.js';
export * from './channel.js';
export * from './drift.js';
export * from './errors.js';
export * from './grid-parameters.js';
export * from './key-levels/candidate.js';
export * from './key-levels/key-levels.js';
export * from './key-levels/merge.js';
export * from './level-prices.js';
export * from './leverage.js';
export * from './range-levels.js';
export * from './smoothing.js';
export * from './tick.js';

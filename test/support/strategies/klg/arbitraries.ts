/**
 * What the Key Level Grid property tests draw from, on DOGEUSDC's tick (0.00001): prices as whole ticks,
 * and a grid's level prices between 0.14 and 0.26.
 */
import fc from 'fast-check';
import { type Decimal, dec } from '../../../../shared/domain/money.js';

export const TICK = dec('0.00001');

/** `n` ticks as a price. */
export const ticks = (n: number): Decimal => TICK.times(n);

/** 3 to 12 distinct level prices, in ticks. */
export const levelTicksArb = fc.uniqueArray(fc.integer({ min: 14_000, max: 26_000 }), {
  minLength: 3,
  maxLength: 12,
});

/** A quiet recon pass: what makes one, and the state comparison behind it (`shared/domain/quiet-pass.ts`). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dec } from '../../../shared/domain/money.js';
import { isQuietPass, QUIET_REFRESH_MS, sameExcept } from '../../../shared/domain/quiet-pass.js';
import { decimalsMadeEveryWay } from '../../support/decimals.js';

const VOLATILE = ['updatedAt', 'lastReconAt', 'lastPrice', 'margin.at'];

const state = (over: Record<string, unknown> = {}) => ({
  updatedAt: 1_000,
  lastReconAt: 1_000,
  lastPrice: dec('0.18'),
  holdings: dec('100'),
  margin: { wallet: dec('1000'), at: 1_000 },
  levels: [{ price: dec('0.17'), fillCounter: 1, order: null }],
  ...over,
});

describe('sameExcept', () => {
  it('ignores the volatile paths, and only those', () => {
    const a = state();
    const b = state({
      updatedAt: 61_000,
      lastReconAt: 61_000,
      lastPrice: dec('0.181'),
      margin: { wallet: dec('1000'), at: 61_000 },
    });
    expect(sameExcept(a, b, VOLATILE)).toBe(true);
    expect(sameExcept(a, state({ margin: { wallet: dec('999'), at: 1_000 } }), VOLATILE)).toBe(false);
    expect(sameExcept(a, state({ holdings: dec('101') }), VOLATILE)).toBe(false);
    expect(
      sameExcept(a, state({ levels: [{ price: dec('0.17'), fillCounter: 0, order: null }] }), VOLATILE),
    ).toBe(false);
    expect(sameExcept(a, state({ levels: [] }), VOLATILE)).toBe(false);
    expect(sameExcept(a, state({ extra: 1 }), VOLATILE)).toBe(false);
    expect(sameExcept(a, b, [])).toBe(false);
  });

  it('skips a field of every element of an array for a path with `*`, and only that field', () => {
    const paths = ['levels.*.role'];
    const a = {
      levels: [
        { role: 'SUPPORT', fillCounter: 1 },
        { role: 'RESISTANCE', fillCounter: 0 },
      ],
    };
    const flipped = {
      levels: [
        { role: 'RESISTANCE', fillCounter: 1 },
        { role: 'SUPPORT', fillCounter: 0 },
      ],
    };
    expect(sameExcept(a, flipped, paths)).toBe(true);
    expect(sameExcept(a, flipped, [])).toBe(false);
    expect(sameExcept(a, { levels: [a.levels[0], { role: 'SUPPORT', fillCounter: 1 }] }, paths)).toBe(false);
    expect(sameExcept(a, { levels: [a.levels[0]] }, paths)).toBe(false);
    expect(sameExcept({ levels: [1, 2] }, { levels: [3, 4] }, ['levels.*'])).toBe(true);
    expect(sameExcept({ levels: [1, 2] }, { levels: [3] }, ['levels.*'])).toBe(false);
  });

  it('compares Decimals by value and sign, as they are stored', () => {
    expect(sameExcept({ x: dec('1.50') }, { x: dec('1.5') }, [])).toBe(true);
    expect(sameExcept({ x: dec('0') }, { x: dec('-0') }, [])).toBe(false);
    expect(sameExcept({ x: dec('1') }, { x: '1' }, [])).toBe(false);
    expect(sameExcept({ x: undefined }, {}, [])).toBe(true);
    expect(sameExcept({ x: null }, {}, [])).toBe(false);
  });

  it('agrees with decimal.js on every pair of values, however they were made (parsed, computed, rounded)', () => {
    // The comparison reads decimal.js's normalised fields in place: it must answer as `equals` plus the sign.
    const made = decimalsMadeEveryWay;
    fc.assert(
      fc.property(made, made, (a, b) => {
        const expected = a.equals(b) && a.isNegative() === b.isNegative();
        expect(sameExcept({ x: a }, { x: b }, [])).toBe(expected);
        // The same value written out and parsed again.
        const again = dec(a.toFixed());
        expect(sameExcept({ x: a }, { x: again }, [])).toBe(a.isNegative() === again.isNegative());
        // The same digits a whole word (10^7) apart differ.
        expect(sameExcept({ x: a }, { x: a.times('1e7') }, [])).toBe(a.isZero());
      }),
      { numRuns: 3000 },
    );
  });
});

describe('isQuietPass', () => {
  const base = { commands: 0, stopsFound: 0, fillsApplied: 0, unjournaled: 0, volatile: VOLATILE };
  const before = state();
  const after = state({ updatedAt: 61_000, lastReconAt: 61_000, lastPrice: dec('0.1805') });

  it('is quiet when nothing but the pass time and price changed and nothing is sent', () => {
    expect(isQuietPass({ ...base, before, after, now: 61_000 })).toBe(true);
  });

  it('is not quiet with anything to send, found, applied or to journal, or a changed state', () => {
    for (const over of [{ commands: 1 }, { stopsFound: 1 }, { fillsApplied: 1 }, { unjournaled: 1 }])
      expect(isQuietPass({ ...base, ...over, before, after, now: 61_000 })).toBe(false);
    expect(isQuietPass({ ...base, before, after: { ...after, holdings: dec('0') }, now: 61_000 })).toBe(
      false,
    );
  });

  it('is written when the price moved more than 0.5% from the stored one', () => {
    const moved = (price: string) => ({ ...after, lastPrice: dec(price) });
    expect(isQuietPass({ ...base, before, after: moved('0.1809'), now: 61_000 })).toBe(true); // +0.5%
    expect(isQuietPass({ ...base, before, after: moved('0.18091'), now: 61_000 })).toBe(false);
    expect(isQuietPass({ ...base, before, after: moved('0.1791'), now: 61_000 })).toBe(true); // −0.5%
    expect(isQuietPass({ ...base, before, after: moved('0.17909'), now: 61_000 })).toBe(false);
    expect(
      isQuietPass({
        ...base,
        before: { ...before, lastPrice: null as typeof before.lastPrice | null },
        after,
        now: 61_000,
      }),
    ).toBe(false);
  });

  it('is written anyway once the stored copy is ten minutes old, and always for a strategy without volatile fields', () => {
    expect(isQuietPass({ ...base, before, after, now: before.updatedAt + QUIET_REFRESH_MS - 1 })).toBe(true);
    expect(isQuietPass({ ...base, before, after, now: before.updatedAt + QUIET_REFRESH_MS })).toBe(false);
    expect(isQuietPass({ ...base, volatile: undefined, before, after, now: 61_000 })).toBe(false);
  });
});

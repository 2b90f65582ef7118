import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { driftRebuildDue } from '../../../../shared/domain/analysis/index.js';
import { Decimal, dec } from '../../../../shared/domain/money.js';

const NOW = Date.UTC(2025, 5, 1, 12);
const base = {
  anchorPrice: dec('0.2'),
  price: dec('0.2'),
  lastRebuildAt: NOW - 3_600_000,
  now: NOW,
  rebuild_threshold_pct: dec('0.02'),
  rebuild_cooldown_sec: 900,
};

describe('driftRebuildDue', () => {
  it('is not due while the price stays within the threshold of the anchor', () => {
    const d = driftRebuildDue({ ...base, price: dec('0.2039') });
    expect(d).toMatchObject({ due: false, reason: 'within_threshold' });
    expect(d.drift.toFixed()).toBe('0.0195');
  });

  it('is due once the drift reaches the threshold, up or down', () => {
    expect(driftRebuildDue({ ...base, price: dec('0.204') })).toMatchObject({ due: true, reason: 'drift' });
    expect(driftRebuildDue({ ...base, price: dec('0.196') })).toMatchObject({ due: true, reason: 'drift' });
  });

  it('waits for the cooldown after the last rebuild and says how long', () => {
    const d = driftRebuildDue({ ...base, price: dec('0.25'), lastRebuildAt: NOW - 600_000 });
    expect(d).toEqual({ due: false, reason: 'cooldown', drift: dec('0.25'), retryInMs: 300_000 });
    expect(driftRebuildDue({ ...base, price: dec('0.25'), lastRebuildAt: NOW - 900_000 }).due).toBe(true);
  });

  it('has no cooldown before the first rebuild', () => {
    expect(driftRebuildDue({ ...base, price: dec('0.25'), lastRebuildAt: undefined }).due).toBe(true);
  });

  it('rejects a non-positive anchor or threshold', () => {
    expect(() => driftRebuildDue({ ...base, anchorPrice: dec('0') })).toThrow(/anchor and price must be > 0/);
    expect(() => driftRebuildDue({ ...base, rebuild_threshold_pct: dec('0') })).toThrow(
      /rebuild_threshold_pct/,
    );
  });

  it('is due exactly when drift ≥ threshold and the cooldown has passed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 7200 }),
        fc.integer({ min: 0, max: 3_600_000 }),
        (anchor, price, cooldown, sinceRebuild) => {
          const d = driftRebuildDue({
            ...base,
            anchorPrice: new Decimal(anchor),
            price: new Decimal(price),
            rebuild_cooldown_sec: cooldown,
            lastRebuildAt: NOW - sinceRebuild,
          });
          const drifted = Math.abs(price - anchor) * 50 >= anchor; // |p − a| / a ≥ 0.02, in integers
          expect(d.due).toBe(drifted && sinceRebuild >= cooldown * 1000);
        },
      ),
    );
  });
});

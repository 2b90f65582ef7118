import { describe, expect, it } from 'vitest';
import { dec } from '../../../../../shared/domain/money.js';
import {
  checkKlgInvariants,
  counterDrift,
  initialKlgState,
  type KlgState,
} from '../../../../../shared/domain/strategies/klg/index.js';
import { dogeRules } from '../../../../support/rules.js';
import { klgConfig } from '../../../../support/strategies/klg/config.js';

const cfg = klgConfig();
const base = initialKlgState(
  'dogeklg',
  ['0.15', '0.16', '0.17'].map((p) => dec(p)),
  0,
);
const order = (side: 'buy' | 'sell', price: string, qty: string, seq = 0) => ({
  clientOrderId: `gbdogeklgL0${side === 'buy' ? 'B' : 'S'}${seq}`,
  exchangeOrderId: null,
  side,
  price: dec(price),
  qty: dec(qty),
  filledQty: dec('0'),
  openQty: dec(qty),
  seq,
  pending: 'place' as const,
  uncertain: false,
});
const withLevel = (i: number, patch: object, extra: Partial<KlgState> = {}): KlgState => ({
  ...base,
  nextSeq: 10,
  ...extra,
  levels: base.levels.map((l, j) => (j === i ? { ...l, ...patch } : l)),
});
const check = (s: KlgState) => checkKlgInvariants(s, cfg, dogeRules());

describe('invariant checker', () => {
  it('accepts a fresh grid', () => {
    expect(check(base)).toEqual([]);
  });

  it('names each broken invariant', () => {
    expect(check(withLevel(1, { index: 5 }))).toContain('level 1 has index 5');
    expect(check(withLevel(1, { price: dec('0.15') }))).toContain('level 1 is not above level 0');
    expect(check(withLevel(0, { fillCounter: 2 }))).toContain('level 0 counter 2 outside [0, 1]');
    expect(check(withLevel(0, { order: order('buy', '0.15', '100') }))).toContain(
      'level 0 is IDLE with an order',
    );
    expect(check(withLevel(0, { state: 'ACTIVE' }))).toContain('level 0 is ACTIVE without an order');
    expect(check(withLevel(0, { state: 'PLACING', order: order('buy', '0.15', '100', 12) }))).toContain(
      'level 0 order seq 12 ≥ nextSeq 10',
    );
    expect(check(withLevel(0, { state: 'PLACING', order: order('buy', '0.150001', '100') }))).toContain(
      'level 0 order price 0.150001 off the tick',
    );
    expect(check(withLevel(0, { state: 'PLACING', order: order('buy', '0.15', '100.5') }))).toContain(
      'level 0 qty 100.5 off the step',
    );
    expect(
      check(withLevel(0, { state: 'ACTIVE', order: { ...order('buy', '0.15', '100'), openQty: dec('-1') } })),
    ).toContain('level 0 negative open qty');
    expect(
      check(withLevel(0, { state: 'ACTIVE', fillCounter: 1, order: order('buy', '0.15', '100') })),
    ).toContain('level 0 holds a live buy with its quota used (1)');
    expect(check(withLevel(0, { state: 'PLACING', order: order('buy', '0.15', '10') }))).toContain(
      'level 0 order 10 below the exchange minimum',
    );
  });

  it('checks sells against the profit guard and the sell target', () => {
    const holding = { holdings: dec('100'), avgEntry: dec('0.16'), boughtSinceFlat: dec('100') };
    const bad = check(withLevel(0, { state: 'ACTIVE', order: order('sell', '0.15', '100') }, holding));
    expect(bad).toContain('level 0 sell at 0.15 is not above the profit guard 0.1608');
    expect(bad).toContain('live sells 100 exceed the sell target 70');
  });

  it('checks the ledger', () => {
    expect(check({ ...base, holdings: dec('10') })).toContain('avg entry 0 with holdings 10');
    expect(check({ ...base, releasedQuotaRemainder: dec('1') })).toContain(
      'released-quota remainder 1 outside [0, 1)',
    );
  });

  it('measures counter drift in grid units', () => {
    expect(counterDrift({ ...base, holdings: dec('250') }, cfg)).toBe(2.5);
    expect(counterDrift(withLevel(0, { fillCounter: 1 }), cfg)).toBe(1);
  });
});

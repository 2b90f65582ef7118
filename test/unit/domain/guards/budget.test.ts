import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BudgetLeg,
  budgetUse,
  marginOf,
  opensPosition,
} from '../../../../shared/domain/guards/budget.js';
import { preTradeCheck } from '../../../../shared/domain/guards/pre-trade.js';
import { type Decimal, dec, ZERO } from '../../../../shared/domain/money.js';
import type { OrderSlot } from '../../../../shared/domain/stored-instance.js';
import { placeCommand } from '../../../support/orders.js';

const policy = { budget: dec('500'), leverage: dec('2') };
const flatLong: BudgetLeg = { role: 'grid', positionSide: 'LONG', qty: ZERO, avgEntry: ZERO };

function slot(
  side: 'buy' | 'sell',
  price: string,
  qty: string,
  filled = '0',
  kind: OrderSlot['kind'] = 'limit',
): OrderSlot {
  return {
    clientOrderId: `gbi1L0${side === 'buy' ? 'B' : 'S'}${price.replace('.', '')}`,
    leg: 'grid',
    kind,
    side,
    price: dec(price),
    qty: dec(qty),
    filled: dec(filled),
    pending: null,
    uncertain: false,
  };
}

const buy = (price: Decimal, qty: Decimal) => placeCommand('buy', price.toFixed(), qty.toFixed());

describe('capital budget', () => {
  it('counts the position at its entry and live opening orders at their price, at the budget leverage', () => {
    const legs: BudgetLeg[] = [{ role: 'grid', positionSide: 'LONG', qty: dec('3'), avgEntry: dec('100') }];
    const slots = [slot('buy', '90', '2', '0.5'), slot('sell', '110', '3')];
    const use = budgetUse(policy, legs, slots, dec('-20'), dec('95'));
    expect(use.positionMargin.toFixed()).toBe('150'); // 3 × 100 / 2
    expect(use.reservedMargin.toFixed()).toBe('67.5'); // (2 − 0.5) × 90 / 2; the sell closes: nothing reserved
    expect(use.unrealizedLoss.toFixed()).toBe('15'); // 3 × (100 − 95)
    expect(use.available.toFixed()).toBe('247.5'); // 500 − 20 − 15 − 150 − 67.5
    // A gain counts only once realized.
    expect(budgetUse(policy, legs, slots, dec('-20'), dec('120')).available.toFixed()).toBe('262.5');
  });

  it('values a leg without an entry price at the last price', () => {
    const legs: BudgetLeg[] = [{ role: 'hedge', positionSide: 'SHORT', qty: dec('-4'), avgEntry: ZERO }];
    expect(budgetUse(policy, legs, [], ZERO, dec('50')).positionMargin.toFixed()).toBe('100');
  });

  it('knows which side opens a position', () => {
    expect(opensPosition('buy', 'LONG', ZERO)).toBe(true);
    expect(opensPosition('sell', 'LONG', dec('1'))).toBe(false);
    expect(opensPosition('sell', 'SHORT', ZERO)).toBe(true);
    expect(opensPosition('sell', 'BOTH', dec('-1'))).toBe(true);
    expect(opensPosition('buy', 'BOTH', dec('-1'))).toBe(false);
    // A flat one-way position: either side opens it.
    expect(opensPosition('buy', 'BOTH', ZERO) && opensPosition('sell', 'BOTH', ZERO)).toBe(true);
  });

  it('reserved margin is never negative and is zero with no live opening order; flat with no orders uses nothing (property)', () => {
    const slotArb = fc.record({
      side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
      price: fc.integer({ min: 1, max: 100_000 }),
      qty: fc.integer({ min: 1, max: 1000 }),
      // Recon can report more filled than the slot's quantity for a moment: never a negative reservation.
      filled: fc.integer({ min: 0, max: 1200 }),
      kind: fc.constantFrom<OrderSlot['kind']>('limit', 'stop', 'close'),
    });
    fc.assert(
      fc.property(fc.array(slotArb, { maxLength: 12 }), fc.integer({ min: 1, max: 125 }), (raw, lev) => {
        const p = { budget: dec('1000'), leverage: dec(lev) };
        const slots = raw.map((r) => slot(r.side, String(r.price), String(r.qty), String(r.filled), r.kind));
        const use = budgetUse(p, [flatLong], slots, ZERO, null);
        expect(use.reservedMargin.isNegative()).toBe(false);
        const opening = slots.filter(
          (s) => s.kind === 'limit' && s.side === 'buy' && s.qty!.greaterThan(s.filled),
        );
        if (opening.length === 0) expect(use.reservedMargin.isZero()).toBe(true);
        const none = budgetUse(p, [flatLong], [], ZERO, null);
        expect(none.positionMargin.isZero() && none.reservedMargin.isZero()).toBe(true);
        expect(none.available.equals(p.budget)).toBe(true);
      }),
    );
  });

  it('an instance never opens beyond its budget plus realized PnL: orders that pass keep the margin used within it (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ price: fc.integer({ min: 1, max: 1000 }), qty: fc.integer({ min: 1, max: 50 }) }),
          {
            maxLength: 20,
          },
        ),
        fc.integer({ min: -200, max: 200 }),
        (orders, realized) => {
          const limits = {
            maxOrderNotional: null,
            priceBandPct: dec('50'),
            maxOrdersPer10s: 300,
            budget: policy,
          };
          const live: OrderSlot[] = [];
          for (const o of orders) {
            const available = budgetUse(policy, [flatLong], live, dec(realized), null).available;
            const v = preTradeCheck(buy(dec(o.price), dec(o.qty)), limits, {
              reference: null,
              recentOrders: 0,
              exposure: ZERO,
              budgetAvailable: available,
            });
            if (v.pass) live.push(slot('buy', String(o.price), String(o.qty)));
            else expect(v.denial.check).toBe('budget');
            const use = budgetUse(policy, [flatLong], live, dec(realized), null);
            expect(
              use.positionMargin.plus(use.reservedMargin).lessThanOrEqualTo(policy.budget.plus(realized)),
            ).toBe(true);
            expect(use.available.isNegative()).toBe(false);
          }
        },
      ),
    );
  });

  it('denies a buy that would reserve more than the budget has left, naming the figures', () => {
    const limits = { maxOrderNotional: null, priceBandPct: dec('5'), maxOrdersPer10s: 300, budget: policy };
    const facts = { reference: null, recentOrders: 0, exposure: ZERO };
    expect(
      preTradeCheck(buy(dec('100'), dec('2')), limits, { ...facts, budgetAvailable: dec('100') }).pass,
    ).toBe(true);
    const v = preTradeCheck(buy(dec('100'), dec('2.1')), limits, { ...facts, budgetAvailable: dec('100') });
    expect(v).toMatchObject({ pass: false, denial: { check: 'budget' } });
    expect(!v.pass && v.denial.message).toMatch(/reserve 105 of margin; the budget 500 has 100 left/);
    expect(marginOf(policy, dec('100'), dec('2.1')).toFixed()).toBe('105');
  });
});

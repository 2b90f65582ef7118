import { describe, expect, it } from 'vitest';
import type { Command } from '../../../../shared/domain/commands.js';
import { type ReconGuardInput, reconGuards } from '../../../../shared/domain/guards/recon-guards.js';
import { type Decimal, dec, ZERO } from '../../../../shared/domain/money.js';
import type { ExchangeOrder, Fill } from '../../../../shared/domain/orders.js';
import type { LegSnapshot } from '../../../../shared/domain/strategy.js';
import { dogeRules } from '../../../support/rules.js';

const SYMBOL = 'DOGE/USDC:USDC';

function snapshot(position: string, over: Partial<LegSnapshot> = {}): LegSnapshot {
  return {
    leg: { role: 'grid', account: 'main', symbol: SYMBOL, positionSide: 'LONG' },
    price: dec('0.2'),
    rules: dogeRules(),
    supportsAmend: true,
    openOrders: [],
    position: { symbol: SYMBOL, positionSide: 'LONG', qty: dec(position), entryPrice: dec('0.2') },
    fills: [],
    orderLookups: {},
    wallet: dec('1000'),
    equity: dec('1000'),
    at: 0,
    ...over,
  };
}

function order(clientOrderId: string, over: Partial<ExchangeOrder> = {}): ExchangeOrder {
  return {
    symbol: SYMBOL,
    clientOrderId,
    exchangeOrderId: clientOrderId,
    kind: 'limit',
    side: 'sell',
    positionSide: 'LONG',
    price: dec('0.25'),
    qty: dec('100'),
    filledQty: ZERO,
    status: 'NEW',
    updatedAt: 0,
    ...over,
  };
}

function input(over: Partial<ReconGuardInput> & { held?: Decimal; after?: Decimal }): ReconGuardInput {
  return {
    instanceId: 'g1',
    snapshots: [snapshot('0')],
    ledgerBefore: { grid: over.held ?? ZERO },
    ledgerAfter: { grid: over.after ?? over.held ?? ZERO },
    slots: [],
    decided: [],
    activeAlerts: [],
    previous: {},
    budgetsOn: () => null,
    ...over,
  };
}

const codes = (cs: readonly Command[]) =>
  cs.map((c) => (c.kind === 'Alert' ? `${c.severity}:${c.code}` : c.kind));

describe('shadow ledger', () => {
  it('alerts once when a difference beyond one step is seen on two passes with the same exchange quantity', () => {
    const first = reconGuards(input({ held: dec('100'), snapshots: [snapshot('160')] }));
    expect(first.commands).toEqual([]); // a fill racing the snapshot shows on one pass only
    expect(first.memory.grid?.toFixed()).toBe('160');
    const second = reconGuards(
      input({ held: dec('100'), snapshots: [snapshot('160')], previous: first.memory }),
    );
    expect(codes(second.commands)).toEqual(['warning:shadow_ledger_difference']);
    const a = second.commands[0];
    expect(a?.kind === 'Alert' && a.data).toMatchObject({
      expected: '100',
      exchange: '160',
      account: 'main',
    });
    expect(second.activeAlerts).toEqual(['shadow_ledger_difference']);
    // Still different on the next pass: no second alert.
    const third = reconGuards(
      input({
        held: dec('100'),
        snapshots: [snapshot('160')],
        previous: second.memory,
        activeAlerts: second.activeAlerts,
      }),
    );
    expect(third.commands).toEqual([]);
    // The ledger agrees again: one resolution.
    const fourth = reconGuards(
      input({
        held: dec('160'),
        snapshots: [snapshot('160')],
        previous: third.memory,
        activeAlerts: third.activeAlerts,
      }),
    );
    expect(codes(fourth.commands)).toEqual(['info:shadow_ledger_difference_resolved']);
    expect(fourth.activeAlerts).toEqual([]);
  });

  it('says "resynced" in one alert when the strategy adopted the exchange position on the confirming pass', () => {
    const r = reconGuards(
      input({
        held: dec('100'),
        after: dec('160'),
        snapshots: [snapshot('160')],
        previous: { grid: dec('160') },
      }),
    );
    expect(codes(r.commands)).toEqual(['warning:shadow_ledger_difference']);
    expect(r.commands[0]?.kind === 'Alert' && r.commands[0].message).toMatch(/resynced to the exchange/);
    expect(r.activeAlerts).toEqual([]);
  });

  it('takes the trades the history brings as explained, says once per burst when one was not ours, and ignores less than a step', () => {
    const ownFill: Fill = {
      tradeId: 't1',
      symbol: SYMBOL,
      clientOrderId: 'gbg1L0B1',
      exchangeOrderId: '1',
      side: 'buy',
      positionSide: 'LONG',
      price: dec('0.2'),
      qty: dec('60'),
      fee: ZERO,
      isMaker: true,
      time: 1,
    };
    const explained = reconGuards(
      input({
        held: dec('100'),
        snapshots: [snapshot('160', { fills: [ownFill] })],
        previous: { grid: dec('160') },
      }),
    );
    expect(explained.commands).toEqual([]);
    expect(explained.memory.grid).toBeNull();
    // A trade by hand the history shows: explained too, and said (once per burst).
    const hand = { ...ownFill, clientOrderId: 'web_123', tradeId: 't2' };
    const byHand = reconGuards(
      input({ held: dec('100'), after: dec('160'), snapshots: [snapshot('160', { fills: [hand] })] }),
    );
    expect(codes(byHand.commands)).toEqual(['warning:external_trade']);
    expect(byHand.commands[0]?.kind === 'Alert' && byHand.commands[0].data).toMatchObject({
      moved: '60',
      trades: 't2',
    });
    expect(byHand.activeAlerts).toEqual(['external_trade']);
    const more = { ...hand, tradeId: 't3', side: 'sell' as const, qty: dec('10') };
    const again = reconGuards(
      input({
        held: dec('160'),
        after: dec('150'),
        snapshots: [snapshot('150', { fills: [more] })],
        activeAlerts: byHand.activeAlerts,
      }),
    );
    expect(again.commands).toEqual([]); // the same burst
    const quiet = reconGuards(
      input({ held: dec('150'), snapshots: [snapshot('150')], activeAlerts: again.activeAlerts }),
    );
    expect(quiet.commands).toEqual([]);
    expect(quiet.activeAlerts).toEqual([]); // the next burst alerts again
    // A liquidation has its own alert, not this one.
    const liquidated = reconGuards(
      input({
        held: dec('100'),
        snapshots: [
          snapshot('0', { fills: [{ ...hand, side: 'sell', qty: dec('100'), liquidation: true }] }),
        ],
      }),
    );
    expect(codes(liquidated.commands)).toEqual([]);
    // DOGE steps by 1 coin: a difference of one step is not a difference.
    expect(
      reconGuards(input({ held: dec('100'), snapshots: [snapshot('101')], previous: { grid: dec('101') } }))
        .commands,
    ).toEqual([]);
  });
});

describe('ghost orders', () => {
  const stop = order('gbg1T4', {
    kind: 'stop',
    side: 'sell',
    triggerPrice: dec('0.15'),
    closePosition: true,
    qty: ZERO,
  });
  const close = order('gbg1L3S2');
  const openingBuy = order('gbg1L1B5', { side: 'buy', price: dec('0.18') });
  const foreign = order('hand_1', { kind: 'stop', closePosition: true });
  const otherInstance = order('gbg2T1', { kind: 'stop', closePosition: true });

  it('cancels our leftover stops and closes on a flat leg the ledger agrees is flat, nothing else', () => {
    const r = reconGuards(
      input({
        snapshots: [snapshot('0', { openOrders: [stop, close, openingBuy, foreign, otherInstance] })],
      }),
    );
    expect(codes(r.commands)).toEqual(['CancelStop', 'CancelOrder', 'info:ghost_orders_cancelled']);
    expect(
      r.commands.filter((c) => c.kind !== 'Alert').map((c) => 'clientOrderId' in c && c.clientOrderId),
    ).toEqual(['gbg1T4', 'gbg1L3S2']);
  });

  it('leaves them while the position or the ledger is not flat, and never cancels twice', () => {
    const orders = { openOrders: [stop, close] };
    expect(reconGuards(input({ snapshots: [snapshot('50', orders)], held: dec('50') })).commands).toEqual([]);
    expect(
      reconGuards(input({ snapshots: [snapshot('0', orders)], held: dec('50') })).commands.some(
        (c) => c.kind === 'CancelStop',
      ),
    ).toBe(false);
    const decided: Command[] = [
      {
        kind: 'CancelStop',
        instanceId: 'g1',
        account: 'main',
        symbol: SYMBOL,
        clientOrderId: 'gbg1T4',
        reason: 'flat',
      },
    ];
    const slots = [
      {
        clientOrderId: 'gbg1L3S2',
        leg: 'grid',
        kind: 'limit' as const,
        side: 'sell' as const,
        price: dec('0.25'),
        qty: dec('100'),
        filled: ZERO,
        pending: 'cancel',
        uncertain: false,
      },
    ];
    expect(reconGuards(input({ snapshots: [snapshot('0', orders)], decided, slots })).commands).toEqual([]);
  });
});

describe('budgets against equity', () => {
  it('raises once when the account equity is under the sum of its budgets, and resolves when it covers them', () => {
    const budgetsOn = (a: string) => (a === 'main' ? dec('1200') : null);
    const under = reconGuards(input({ budgetsOn }));
    expect(codes(under.commands)).toEqual(['warning:budgets_above_equity']);
    expect(under.commands[0]?.kind === 'Alert' && under.commands[0].message).toMatch(
      /sum to 1200, above its equity 1000/,
    );
    expect(reconGuards(input({ budgetsOn, activeAlerts: under.activeAlerts })).commands).toEqual([]);
    const covered = reconGuards(
      input({
        budgetsOn,
        activeAlerts: under.activeAlerts,
        snapshots: [snapshot('0', { equity: dec('1300') })],
      }),
    );
    expect(codes(covered.commands)).toEqual(['info:budgets_above_equity_resolved']);
    expect(reconGuards(input({})).commands).toEqual([]); // no budgets: nothing to say
  });
});

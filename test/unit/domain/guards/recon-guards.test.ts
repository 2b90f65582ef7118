import { describe, expect, it } from 'vitest';
import type { Command } from '../../../../shared/domain/commands.js';
import { type ReconGuardInput, reconGuards } from '../../../../shared/domain/guards/recon-guards.js';
import { type Decimal, dec, ZERO } from '../../../../shared/domain/money.js';
import type { ExchangeOrder, Fill } from '../../../../shared/domain/orders.js';
import type { LegSnapshot } from '../../../../shared/domain/strategy.js';
import { dogeRules, okxDogeRules } from '../../../support/rules.js';

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

function input(over: Partial<ReconGuardInput> & { after?: Decimal }): ReconGuardInput {
  return {
    instanceId: 'g1',
    snapshots: [snapshot('0')],
    ledgerAfter: { grid: over.after ?? ZERO },
    slots: [],
    resynced: [],
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
  it('says once per resync when the strategy set its ledger to the exchange position', () => {
    const r = reconGuards(
      input({
        after: dec('160'),
        snapshots: [snapshot('160')],
        resynced: [{ role: 'grid', from: dec('100'), to: dec('160') }],
      }),
    );
    expect(codes(r.commands)).toEqual(['warning:shadow_ledger_difference']);
    const a = r.commands[0];
    expect(a?.kind === 'Alert' && a.message).toMatch(
      /is 160, the ledger held 100 .* resynced to the exchange/,
    );
    expect(a?.kind === 'Alert' && a.data).toMatchObject({ ledger: '100', exchange: '160', account: 'main' });
    expect(r.activeAlerts).toEqual([]); // an event, not a standing condition
  });

  it('measures the tolerance in coins on a contract venue (OKX: one step is 0.01 × 1000 DOGE)', () => {
    const okx = (position: string) => snapshot(position, { rules: okxDogeRules() });
    // 5 DOGE apart: under one step of 10 coins, the same position.
    const within = reconGuards(input({ after: dec('1005'), snapshots: [okx('1000')] }));
    expect(within.memory.grid).toBeNull();
    // 0.5 contracts apart (500 DOGE, far more than the 0.01 the rules count in): a difference.
    const first = reconGuards(input({ after: dec('1500'), snapshots: [okx('1000')] }));
    const second = reconGuards(
      input({ after: dec('1500'), snapshots: [okx('1000')], previous: first.memory }),
    );
    expect(codes(second.commands)).toEqual(['warning:shadow_ledger_difference']);
  });

  it('raises a difference the strategy leaves standing on two passes in a row, once, and clears it', () => {
    const first = reconGuards(input({ after: dec('100'), snapshots: [snapshot('160')] }));
    expect(first.commands).toEqual([]); // a fill racing the snapshot shows on one pass only
    expect(first.memory.grid?.exchange.toFixed()).toBe('160');
    const second = reconGuards(
      input({ after: dec('100'), snapshots: [snapshot('160')], previous: first.memory }),
    );
    expect(codes(second.commands)).toEqual(['warning:shadow_ledger_difference']);
    expect(second.activeAlerts).toEqual(['shadow_ledger_difference']);
    const third = reconGuards(
      input({
        after: dec('100'),
        snapshots: [snapshot('160')],
        previous: second.memory,
        activeAlerts: second.activeAlerts,
      }),
    );
    expect(third.commands).toEqual([]);
    const agreed = reconGuards(
      input({
        after: dec('160'),
        snapshots: [snapshot('160')],
        previous: third.memory,
        activeAlerts: third.activeAlerts,
      }),
    );
    expect(codes(agreed.commands)).toEqual(['info:shadow_ledger_difference_resolved']);
    expect(agreed.activeAlerts).toEqual([]);
    // A difference that moved between the passes is a new sighting, not a confirmation.
    const moved = reconGuards(
      input({
        after: dec('100'),
        snapshots: [snapshot('170')],
        previous: { grid: { exchange: dec('160'), ledger: dec('100') } },
      }),
    );
    expect(moved.commands).toEqual([]);
    // DOGE steps by 1 coin: a difference of one step is not a difference.
    const step = { grid: { exchange: dec('101'), ledger: dec('100') } };
    expect(
      reconGuards(input({ after: dec('100'), snapshots: [snapshot('101')], previous: step })).commands,
    ).toEqual([]);
  });

  it('says once per burst when a trade in the history was not ours, and never for a liquidation', () => {
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
    expect(
      reconGuards(input({ after: dec('160'), snapshots: [snapshot('160', { fills: [ownFill] })] })).commands,
    ).toEqual([]);
    const hand = { ...ownFill, clientOrderId: 'web_123', tradeId: 't2' };
    const byHand = reconGuards(input({ after: dec('160'), snapshots: [snapshot('160', { fills: [hand] })] }));
    expect(codes(byHand.commands)).toEqual(['warning:external_trade']);
    expect(byHand.commands[0]?.kind === 'Alert' && byHand.commands[0].data).toMatchObject({
      moved: '60',
      trades: 't2',
    });
    expect(byHand.activeAlerts).toEqual(['external_trade']);
    const more = { ...hand, tradeId: 't3', side: 'sell' as const, qty: dec('10') };
    const again = reconGuards(
      input({
        after: dec('150'),
        snapshots: [snapshot('150', { fills: [more] })],
        activeAlerts: byHand.activeAlerts,
      }),
    );
    expect(again.commands).toEqual([]); // the same burst
    const quiet = reconGuards(
      input({ after: dec('150'), snapshots: [snapshot('150')], activeAlerts: again.activeAlerts }),
    );
    expect(quiet.commands).toEqual([]);
    expect(quiet.activeAlerts).toEqual([]); // the next burst alerts again
    const liquidation = { ...hand, side: 'sell' as const, qty: dec('100'), liquidation: true };
    expect(reconGuards(input({ snapshots: [snapshot('0', { fills: [liquidation] })] })).commands).toEqual([]);
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

  it('leaves them while the position or the ledger is not flat, and never cancels what the strategy tracks or cancels', () => {
    const orders = { openOrders: [stop, close] };
    expect(reconGuards(input({ snapshots: [snapshot('50', orders)], after: dec('50') })).commands).toEqual(
      [],
    );
    expect(
      reconGuards(input({ snapshots: [snapshot('0', orders)], after: dec('50') })).commands.some(
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
        pending: null, // live in the strategy's state: the strategy's to cancel
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

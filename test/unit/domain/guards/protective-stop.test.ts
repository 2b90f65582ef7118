import { describe, expect, it } from 'vitest';
import type { Command } from '../../../../shared/domain/commands.js';
import {
  type ProtectiveStopInput,
  protectiveStopCheck,
} from '../../../../shared/domain/guards/protective-stop.js';
import { dec, ZERO } from '../../../../shared/domain/money.js';
import type { OrderSlot } from '../../../../shared/domain/stored-instance.js';
import type { Leg } from '../../../../shared/domain/strategy.js';

const leg: Leg = { role: 'grid', account: 'main', symbol: 'DOGE/USDC:USDC', positionSide: 'LONG' };
const input = (over: Partial<ProtectiveStopInput>): ProtectiveStopInput => ({
  instanceId: 'g1',
  holdings: [{ leg, held: dec('100') }],
  slots: [],
  commands: [],
  activeAlerts: [],
  ...over,
});
const stopSlot = (pending: string | null): OrderSlot => ({
  clientOrderId: 'gbg1T1',
  leg: 'grid',
  kind: 'stop',
  side: 'sell',
  price: dec('0.15'),
  qty: null,
  filled: ZERO,
  pending,
  uncertain: false,
});
const placeStop: Command = {
  kind: 'PlaceStop',
  instanceId: 'g1',
  request: {
    type: 'stop_market',
    account: 'main',
    symbol: 'DOGE/USDC:USDC',
    clientOrderId: 'gbg1T2',
    side: 'sell',
    positionSide: 'LONG',
    triggerPrice: dec('0.15'),
    workingType: 'MARK_PRICE',
    closePosition: true,
  },
  reason: 'protect',
};

describe('the protective-stop check', () => {
  it('raises one critical alert for a holding nothing covers, and resolves it once covered', () => {
    const bare = protectiveStopCheck(input({}));
    expect(bare.alerts.map((a) => `${a.severity}:${a.code}`)).toEqual(['critical:protective_stop_missing']);
    expect(bare.alerts[0]?.message).toMatch(/DOGE\/USDC:USDC LONG \(account "main", 100\)/);
    expect(protectiveStopCheck(input({ activeAlerts: bare.activeAlerts })).alerts).toEqual([]);
    const fixed = protectiveStopCheck(input({ activeAlerts: bare.activeAlerts, commands: [placeStop] }));
    expect(fixed.alerts.map((a) => a.code)).toEqual(['protective_stop_missing_resolved']);
    expect(fixed.activeAlerts).toEqual([]);
  });

  it('counts a stop sent, held live or in flight, or listed on the exchange, but not one being cancelled', () => {
    expect(protectiveStopCheck(input({ commands: [placeStop] })).alerts).toEqual([]);
    expect(protectiveStopCheck(input({ slots: [stopSlot(null)] })).alerts).toEqual([]);
    expect(protectiveStopCheck(input({ slots: [stopSlot('place')] })).alerts).toEqual([]);
    expect(protectiveStopCheck(input({ slots: [stopSlot('cancel')] })).alerts).toHaveLength(1);
    const listed = {
      symbol: 'DOGE/USDC:USDC',
      clientOrderId: 'gbg1T7',
      exchangeOrderId: '7',
      kind: 'stop' as const,
      side: 'sell' as const,
      positionSide: 'LONG' as const,
      triggerPrice: dec('0.15'),
      closePosition: true,
      qty: ZERO,
      filledQty: ZERO,
      status: 'NEW' as const,
      updatedAt: 0,
    };
    expect(
      protectiveStopCheck(input({ holdings: [{ leg, held: dec('100'), openOrders: [listed] }] })).alerts,
    ).toEqual([]);
    // Someone else's stop is not ours to count.
    const foreign = { ...listed, clientOrderId: 'hand_stop' };
    expect(
      protectiveStopCheck(input({ holdings: [{ leg, held: dec('100'), openOrders: [foreign] }] })).alerts,
    ).toHaveLength(1);
    // Nothing held, nothing to cover.
    expect(protectiveStopCheck(input({ holdings: [{ leg, held: ZERO }] })).alerts).toEqual([]);
  });
});

/**
 * The Lighter dialect's pure parts (issue 19): our client order ids packed into Lighter's 48-bit client
 * order index and back (property-tested), the orders it asks ccxt for (reduce-only closes, worst prices
 * on the tick grid, the whole-position stop), and what it reads back (one net position under its side,
 * a fill's position side from the position before it, order statuses).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  lighterOrderCall,
  parseLighterFill,
  parseLighterOrder,
  parseLighterPositions,
} from '../../../shared/adapters/ccxt/lighter-dialect.js';
import { fromLighterIndex, toLighterIndex } from '../../../shared/adapters/ccxt/lighter-ids.js';
import {
  closeOrderId,
  levelOrderId,
  protectiveStopOrderId,
  sliceOrderId,
  stopOrderId,
} from '../../../shared/domain/client-order-id.js';
import { dec } from '../../../shared/domain/money.js';
import { symbolRules } from '../../../shared/domain/symbol-rules.js';

const INST = 'pairs1';
const rules = symbolRules({
  symbol: 'BTC/USDC:USDC',
  tickSize: '0.1',
  stepSize: '0.00001',
  minQty: '0.0002',
  minNotional: '10',
  contractSize: '1',
  makerFee: '0',
  takerFee: '0.0002',
});

const ourIds = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 1023 }), fc.boolean(), fc.integer({ min: 0, max: 2 ** 34 - 1 }))
    .map(([level, sell, seq]) => levelOrderId(INST, level, sell ? 'sell' : 'buy', seq)),
  fc.integer({ min: 0, max: 2 ** 45 - 1 }).map((seq) => stopOrderId(INST, seq)),
  fc.integer({ min: 0, max: 2 ** 45 - 1 }).map((seq) => closeOrderId(INST, seq)),
  fc
    .tuple(fc.boolean(), fc.integer({ min: 0, max: 2 ** 44 - 1 }))
    .map(([short, seq]) => protectiveStopOrderId(INST, short ? 'SHORT' : 'LONG', seq)),
  fc
    .tuple(fc.stringMatching(/^[a-z0-9]{1,6}$/), fc.integer({ min: 0, max: 2 ** 32 - 1 }))
    .map(([run, seq]) => sliceOrderId(INST, run, seq)),
);

describe('client order ids ↔ Lighter client order indices', () => {
  // First in the file: the run table is still empty here (the property tests below fill it at random).
  it('a slice of an earlier process’s run unpacks as another run, never as a live one', () => {
    const mine = sliceOrderId(INST, 'abc123', 9);
    const index = toLighterIndex(mine, INST);
    expect(fromLighterIndex(index, INST)).toBe(mine);
    // The same index read where the run was never packed (a restart): a run id of its own.
    const foreign = 5 * 2 ** 45 + 4321 * 2 ** 32 + 9;
    expect(fromLighterIndex(foreign, INST)).toMatch(/^gbpairs1Cz[0-9a-z]{1,3}R9$/);
  });
  it('every id of the account’s instance packs into 1 … 2^48 − 1 and unpacks to itself', () => {
    fc.assert(
      fc.property(ourIds, (id) => {
        const index = toLighterIndex(id, INST);
        expect(Number.isSafeInteger(index)).toBe(true);
        expect(index).toBeGreaterThanOrEqual(1);
        expect(index).toBeLessThanOrEqual(2 ** 48 - 1);
        expect(fromLighterIndex(index, INST)).toBe(id);
      }),
      { numRuns: 2000 },
    );
  });

  it('distinct ids get distinct indices (the packing is injective)', () => {
    fc.assert(
      fc.property(ourIds, ourIds, (a, b) => {
        fc.pre(a !== b);
        expect(toLighterIndex(a, INST)).not.toBe(toLighterIndex(b, INST));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses, with the reason, an id of another instance, a foreign id, or a field too large', () => {
    expect(() => toLighterIndex(stopOrderId('other', 1), INST)).toThrow(/belongs to instance other/);
    expect(() => toLighterIndex('web-order-7', INST)).toThrow(/not a client order id of ours/);
    expect(() => toLighterIndex(levelOrderId(INST, 1024, 'buy', 1), INST)).toThrow(/level 1024.*10 bits/);
  });

  it('an index that is not ours never reads as ours', () => {
    expect(fromLighterIndex(0, INST)).toBe('');
    expect(fromLighterIndex(2 ** 48 + 5, INST)).toBe('lighter281474976710661');
    expect(fromLighterIndex(7 * 2 ** 45 + 1, INST)).toBe(`lighter${7 * 2 ** 45 + 1}`);
    expect(fromLighterIndex('12abc', INST)).toBe('');
  });
});

const base = { account: 'a', symbol: 'BTC/USDC:USDC', clientOrderId: closeOrderId(INST, 3) };
const ref = { last: dec('95000.05'), mark: dec('95001'), time: 0 };

describe('what the dialect asks ccxt to send', () => {
  it('a close is reduce-only, an open is not, and a market order carries a worst price on the tick grid', () => {
    const closeLong = lighterOrderCall(
      { ...base, type: 'market', side: 'sell', positionSide: 'LONG', qty: dec('0.01') },
      rules,
      INST,
      ref,
    );
    expect(closeLong).toMatchObject({ type: 'market', side: 'sell', amount: '0.01', price: '90250.1' });
    expect(closeLong.params).toMatchObject({
      reduceOnly: true,
      clientOrderId: toLighterIndex(base.clientOrderId, INST),
    });
    const openShort = lighterOrderCall(
      {
        ...base,
        type: 'limit',
        side: 'sell',
        positionSide: 'SHORT',
        qty: dec('0.01'),
        price: dec('95100'),
        timeInForce: 'IOC',
      },
      rules,
      INST,
    );
    expect(openShort.params).toEqual({
      clientOrderId: toLighterIndex(base.clientOrderId, INST),
      timeInForce: 'IOC',
    });
    const buyWorst = lighterOrderCall(
      { ...base, type: 'market', side: 'buy', positionSide: 'SHORT', qty: dec('0.01') },
      rules,
      INST,
      ref,
    );
    expect(buyWorst.price).toBe('99750');
    expect(() =>
      lighterOrderCall(
        { ...base, type: 'market', side: 'buy', positionSide: 'LONG', qty: dec('0.01') },
        rules,
        INST,
      ),
    ).toThrow(/no reference price/);
  });

  it('a whole-position stop is a reduce-only stop-loss of size 0, worst price 10% through its trigger', () => {
    const call = lighterOrderCall(
      {
        ...base,
        clientOrderId: protectiveStopOrderId(INST, 'LONG', 4),
        type: 'stop_market',
        side: 'sell',
        positionSide: 'LONG',
        triggerPrice: dec('90000'),
        workingType: 'MARK_PRICE',
        closePosition: true,
      },
      rules,
      INST,
    );
    expect(call).toMatchObject({ type: 'market', side: 'sell', amount: '0', price: '81000' });
    expect(call.params).toMatchObject({ reduceOnly: true, stopLossPrice: '90000', orderExpiry: -1 });
  });
});

describe('what the dialect reads back', () => {
  it('one net position reads under its side, the other side flat; leverage from the margin fraction', () => {
    const account = {
      positions: [
        {
          market_id: 1,
          sign: -1,
          position: '0.0150',
          avg_entry_price: '95000.0',
          unrealized_pnl: '-3.20',
          liquidation_price: '120000',
          initial_margin_fraction: '10.00',
        },
      ],
    };
    const [long, short] = parseLighterPositions(account, 1, rules.symbol);
    expect(long).toMatchObject({ positionSide: 'LONG' });
    expect(long!.qty.isZero()).toBe(true);
    expect(short!.positionSide).toBe('SHORT');
    expect(short!.qty.toFixed()).toBe('-0.015');
    expect(short!.leverage?.toFixed()).toBe('10');
    expect(short!.liquidationPrice?.toFixed()).toBe('120000');
    expect(parseLighterPositions({ positions: [] }, 1, rules.symbol).every((p) => p.qty.isZero())).toBe(true);
  });

  it('a fill’s position side comes from the position before it; our side is ask or bid', () => {
    const row = {
      trade_id: 17,
      market_id: 1,
      size: '0.0100',
      price: '95000.0',
      ask_id: 281474976710700,
      bid_id: 0,
      ask_client_id: toLighterIndex(closeOrderId(INST, 3), INST),
      bid_client_id: 0,
      ask_account_id: 55,
      bid_account_id: 9,
      is_maker_ask: false,
      timestamp: 1764000000123,
      taker_position_size_before: '0.0300',
      maker_position_size_before: '-1.0',
    };
    const fill = parseLighterFill(row, rules.symbol, 55, INST, rules);
    expect(fill).toMatchObject({
      tradeId: '17',
      side: 'sell',
      positionSide: 'LONG',
      isMaker: false,
      clientOrderId: closeOrderId(INST, 3),
      exchangeOrderId: '281474976710700',
      time: 1764000000123,
    });
    expect(fill.fee.toFixed()).toBe('0.19');
    const opening = parseLighterFill(
      { ...row, taker_position_size_before: '0' },
      rules.symbol,
      55,
      INST,
      rules,
    );
    expect(opening.positionSide).toBe('SHORT');
    expect(() => parseLighterFill(row, rules.symbol, 77, INST, rules)).toThrow(/not account 77/);
  });

  it('orders: reduce-only closes its side, a size-0 stop closes the position, statuses map', () => {
    const stop = parseLighterOrder(
      {
        order_index: 562949953421400,
        client_order_index: toLighterIndex(protectiveStopOrderId(INST, 'SHORT', 2), INST),
        initial_base_amount: '0',
        filled_base_amount: '0',
        price: '104500.0',
        trigger_price: '95000.0',
        is_ask: false,
        type: 'stop-loss',
        reduce_only: true,
        status: 'pending',
        updated_at: 1764000000,
      },
      rules.symbol,
      INST,
    );
    expect(stop).toMatchObject({
      kind: 'stop',
      side: 'buy',
      positionSide: 'SHORT',
      closePosition: true,
      status: 'NEW',
      clientOrderId: protectiveStopOrderId(INST, 'SHORT', 2),
      updatedAt: 1764000000000,
    });
    expect(stop.triggerPrice?.toFixed()).toBe('95000');
    const row = {
      order_index: 1,
      client_order_index: 0,
      initial_base_amount: '1',
      price: '1',
      is_ask: true,
      type: 'limit',
      reduce_only: false,
    };
    const status = (s: string, filled = '0') =>
      parseLighterOrder({ ...row, status: s, filled_base_amount: filled }, rules.symbol, INST);
    expect(status('open', '0.5').status).toBe('PARTIALLY_FILLED');
    expect(status('filled').status).toBe('FILLED');
    expect(status('canceled-expired').status).toBe('EXPIRED');
    expect(status('canceled-margin-not-allowed').status).toBe('REJECTED');
    expect(status('canceled-post-only')).toMatchObject({
      status: 'CANCELED',
      cancelReason: 'post_only_would_take',
    });
    expect(status('open').positionSide).toBe('SHORT');
    expect(() => status('teleported')).toThrow(/not one Lighter documents/);
  });
});

/**
 * A paper engine saved and restored (snapshot.ts) goes on exactly as the original would: over random
 * candle walks and order flow on DOGEUSDC (real exchangeInfo rules), with a hedge-mode and a one-way
 * account, an engine restored from the JSON text of a snapshot taken at any step, fed the same market and
 * the same orders afterwards, shows the same wallets, positions, orders, stops, trades and income as the
 * engine that never stopped.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/adapters/clock/virtual-clock.js';
import type { PaperExchange } from '../../../shared/adapters/paper/engine.js';
import { PaperApiError } from '../../../shared/adapters/paper/errors.js';
import { SnapshotError } from '../../../shared/adapters/paper/snapshot.js';
import type { BinancePositionSide } from '../../../shared/adapters/paper/types.js';
import { type Decimal, dec } from '../../../shared/domain/money.js';
import { candle, paperExchange } from '../../support/paper.js';

const S = 'DOGEUSDC';
const TICK = dec('0.00001');
const px = (ticks: number): Decimal => TICK.times(Math.max(ticks, 1));

type Action =
  | { kind: 'limit'; hedge: boolean; buy: boolean; offset: number; qty: number; close: boolean }
  | { kind: 'market'; hedge: boolean; buy: boolean; qty: number; close: boolean }
  | { kind: 'cancel'; hedge: boolean; pick: number }
  | { kind: 'stop'; hedge: boolean; long: boolean; offset: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant('limit' as const),
    hedge: fc.boolean(),
    buy: fc.boolean(),
    offset: fc.integer({ min: -150, max: 150 }),
    qty: fc.integer({ min: 1, max: 400 }),
    close: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('market' as const),
    hedge: fc.boolean(),
    buy: fc.boolean(),
    qty: fc.integer({ min: 1, max: 400 }),
    close: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('cancel' as const), hedge: fc.boolean(), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('stop' as const),
    hedge: fc.boolean(),
    long: fc.boolean(),
    offset: fc.integer({ min: 1, max: 400 }),
  }),
);
const step = fc.record({
  move: fc.integer({ min: -120, max: 120 }),
  range: fc.nat({ max: 150 }),
  actions: fc.array(action, { maxLength: 4 }),
});

interface Venue {
  readonly ex: PaperExchange;
  readonly clock: VirtualClock;
}

function venue(withAccounts: boolean): Venue {
  const clock = new VirtualClock(0);
  const { ex } = paperExchange({}, clock);
  if (withAccounts) {
    ex.createAccount({ id: 'h', balances: { USDC: '5000' }, dualSidePosition: true });
    ex.createAccount({ id: 'o', balances: { USDC: '500' } });
    ex.setLeverage('h', S, 5);
    ex.setLeverage('o', S, 50);
  }
  return { ex, clock };
}

const side = (hedge: boolean, buy: boolean, close: boolean): BinancePositionSide | undefined =>
  hedge ? (buy !== close ? 'LONG' : 'SHORT') : undefined;

/** One step: a candle from `last`, then the actions; returns the close (in ticks) and the outcomes. */
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

function play(v: Venue, s: Step, i: number, last: number, actions = true) {
  const close = Math.max(last + s.move, 200);
  const t = (i + 1) * 60_000;
  v.clock.setTime(t);
  const high = Math.max(last, close) + s.range;
  const low = Math.max(Math.min(last, close) - s.range, 100);
  v.ex.applyCandle(S, candle(t - 60_000, `${px(last)} ${px(high)} ${px(low)} ${px(close)}`));
  const outcomes: (string | number)[] = [];
  if (!actions) return { close, outcomes };
  const attempt = (fn: () => unknown) => {
    try {
      fn();
      outcomes.push('ok');
    } catch (err) {
      if (!(err instanceof PaperApiError)) throw err;
      outcomes.push(err.code);
    }
  };
  for (const a of s.actions) {
    const id = a.hedge ? 'h' : 'o';
    if (a.kind === 'limit' || a.kind === 'market')
      attempt(() =>
        v.ex.placeOrder(id, {
          symbol: S,
          side: a.buy ? 'BUY' : 'SELL',
          type: a.kind === 'limit' ? 'LIMIT' : 'MARKET',
          ...(a.kind === 'limit' ? { price: px(close + a.offset), timeInForce: 'GTC' as const } : {}),
          quantity: dec(a.qty * (a.hedge ? 25 : 250)),
          positionSide: side(a.hedge, a.buy, a.close),
          reduceOnly: !a.hedge && a.close ? true : undefined,
        }),
      );
    else if (a.kind === 'cancel') {
      const open = v.ex.openOrders(id, S);
      if (open.length)
        attempt(() => v.ex.cancelOrder(id, S, { orderId: open[a.pick % open.length]!.orderId }));
    } else
      attempt(() =>
        v.ex.placeAlgoOrder(id, {
          symbol: S,
          side: a.long ? 'SELL' : 'BUY',
          type: 'STOP_MARKET',
          positionSide: a.hedge ? (a.long ? 'LONG' : 'SHORT') : undefined,
          triggerPrice: px(a.long ? close - a.offset : close + a.offset),
          workingType: 'MARK_PRICE',
          closePosition: true,
        }),
      );
  }
  return { close, outcomes };
}

/** Everything a client can see of an account, as text. */
function views(ex: PaperExchange): string {
  const out: Record<string, unknown> = {};
  for (const id of ['h', 'o'])
    out[id] = {
      balances: ex.balances(id),
      positions: ex.positions(id, S),
      open: ex.openOrders(id, S),
      stops: ex.openAlgoOrders(id, S),
      orders: ex.allOrders(id, S, { limit: 1000 }),
      trades: ex.userTrades(id, S, { limit: 1000 }),
      income: ex.income(id, { limit: 1000 }),
      leverage: ex.leverage(id, S),
      mode: ex.positionMode(id),
    };
  return JSON.stringify(out);
}

/** A buy resting well under the market. */
const RESTING_BUY = {
  symbol: S,
  side: 'BUY',
  type: 'LIMIT',
  price: px(19_000),
  quantity: dec(250),
  timeInForce: 'GTC',
} as const;

describe('paper engine snapshots', () => {
  it('an engine restored from a snapshot at any step goes on exactly like the one that never stopped', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 2, maxLength: 20 }), fc.nat(), (steps, at) => {
        const split = 1 + (at % (steps.length - 1));
        const a = venue(true);
        const b = venue(false);
        let last = 20_000;
        for (let i = 0; i < split; i++) {
          const { close } = play(a, steps[i]!, i, last);
          play(b, steps[i]!, i, last, false);
          last = close;
        }
        // Through JSON text, as a file would carry it.
        b.ex.restore(JSON.parse(JSON.stringify(a.ex.snapshot())));
        expect(views(b.ex)).toBe(views(a.ex));
        for (let i = split; i < steps.length; i++) {
          const ra = play(a, steps[i]!, i, last);
          const rb = play(b, steps[i]!, i, last);
          expect(rb.outcomes).toEqual(ra.outcomes);
          last = ra.close;
        }
        expect(views(b.ex)).toBe(views(a.ex));
      }),
      { numRuns: 60 },
    );
  });

  it('keeps an API key working after the restore, and new ids past the saved ones', () => {
    const a = venue(true);
    play(a, { move: 0, range: 0, actions: [] }, 0, 20_000);
    const placed = a.ex.placeOrder('o', RESTING_BUY);
    const b = venue(false);
    b.ex.restore(a.ex.snapshot());
    expect(b.ex.accountByApiKey('paper-key-o')?.id).toBe('o');
    const next = b.ex.placeOrder('o', RESTING_BUY);
    expect(next.orderId).toBeGreaterThan(placed.orderId);
    expect(b.ex.openOrders('o', S).map((o) => o.orderId)).toEqual([placed.orderId, next.orderId]);
  });

  it('moves every id a gap past the snapshot, for ids a crashed run handed out after its last save', () => {
    const a = venue(true);
    play(a, { move: 0, range: 0, actions: [] }, 0, 20_000);
    const order = { symbol: S, side: 'BUY', type: 'MARKET', quantity: dec(250) } as const;
    const before = a.ex.placeOrder('o', order);
    const tradeBefore = a.ex.userTrades('o', S).at(-1)!.id;
    const b = venue(false);
    play(b, { move: 0, range: 0, actions: [] }, 0, 20_000, false);
    b.ex.restore(a.ex.snapshot(), { idGap: 1_000_000 });
    const after = b.ex.placeOrder('o', order);
    expect(after.orderId).toBeGreaterThanOrEqual(before.orderId + 1_000_000);
    expect(b.ex.userTrades('o', S).at(-1)!.id).toBeGreaterThanOrEqual(tradeBefore + 1_000_000);
  });

  it('refuses a snapshot of another version, an account that exists, or a symbol not hosted, changing nothing', () => {
    const a = venue(true);
    const snap = a.ex.snapshot();
    const b = venue(false);
    expect(() => b.ex.restore({ ...snap, gridbotPaper: 2 })).toThrow(SnapshotError);
    expect(() => b.ex.restore('nonsense')).toThrow(/not a paper exchange snapshot/);
    expect(() => venue(true).ex.restore(snap)).toThrow(/account h exists already/);
    play(a, { move: 0, range: 0, actions: [] }, 0, 20_000);
    a.ex.placeOrder('o', RESTING_BUY);
    const text = JSON.stringify(a.ex.snapshot()).replaceAll('"DOGEUSDC"', '"NOPEUSDC"');
    expect(() => b.ex.restore(JSON.parse(text))).toThrow(/NOPEUSDC, which is not hosted here/);
    expect(b.ex.accountIds()).toEqual([]);
  });
});

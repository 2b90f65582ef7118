import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeClientOrderId,
  protectiveStopOrderId,
  sliceOrderId,
} from '../../../../../shared/domain/client-order-id.js';
import type { Command, OrderCommand } from '../../../../../shared/domain/commands.js';
import { EMPTY_TAPE, onTapeEvent, type Tape } from '../../../../../shared/domain/market-tape.js';
import { type Decimal, dec, ZERO } from '../../../../../shared/domain/money.js';
import type { ExchangeOrder, Fill } from '../../../../../shared/domain/orders.js';
import {
  type CloserConfig,
  closerConfigSchema,
} from '../../../../../shared/domain/strategies/closer/config.js';
import {
  closerStrategy as closer,
  initialCloserState,
  roleOf,
} from '../../../../../shared/domain/strategies/closer/module.js';
import type { CloserState } from '../../../../../shared/domain/strategies/closer/state.js';
import { legsOf, strategyOf } from '../../../../../shared/domain/strategies/index.js';
import type { Leg, LegMarketEvent, LegSnapshot } from '../../../../../shared/domain/strategy.js';
import { btcRules } from '../../../../support/rules.js';

const BTC = 'BTC/USDT:USDT';
const rules = btcRules();
const T = 1_750_000_000_000;
const RUN = 'r1x';

const config: CloserConfig = closerConfigSchema.parse({
  id: 'c1',
  strategy: 'closer',
  account: 'main',
  symbols: { [BTC]: { execution: { base_mult: '5' } } },
});
const [LONG, SHORT] = legsOf(config) as [Leg, Leg];

function snapshot(leg: Leg, over: Partial<LegSnapshot> = {}, qty = '0.05', liq = '50000'): LegSnapshot {
  return {
    leg,
    price: dec('60000'),
    markPrice: dec('60000'),
    rules,
    supportsAmend: true,
    openOrders: [],
    position: {
      symbol: BTC,
      positionSide: leg.positionSide,
      qty: leg.positionSide === 'LONG' ? dec(qty) : dec(qty).negated(),
      entryPrice: dec('59000'),
      leverage: dec('10'),
      liquidationPrice: dec(liq),
    },
    fills: [],
    orderLookups: {},
    wallet: dec('10000'),
    equity: dec('10000'),
    at: T,
    ...over,
  };
}

/** A tape with a fresh rising trade and the bid at it: the LONG signal. */
function risingTape(at: number, price = '60000'): Tape {
  let t = onTapeEvent(EMPTY_TAPE, { type: 'trade', price: dec(price).minus('1') }, at - 50);
  t = onTapeEvent(t, { type: 'trade', price: dec(price) }, at);
  t = onTapeEvent(t, { type: 'bookTop', bid: dec(price), ask: dec(price).plus('0.5') }, at);
  return onTapeEvent(t, { type: 'markPrice', mark: dec(price) }, at);
}

function event(tape: Tape, at: number, run = RUN): LegMarketEvent {
  return {
    channel: 'trades',
    price: tape.last ?? dec('60000'),
    rules,
    supportsAmend: true,
    tape,
    run,
    time: at,
  };
}

const orders = (cs: readonly Command[]) => cs.filter((c): c is OrderCommand => c.kind !== 'Alert');

function recon(s: CloserState, snaps: LegSnapshot[], now = T) {
  return closer.planRecon(s, snaps, config, now);
}

function fill(
  id: string,
  clientOrderId: string,
  side: 'buy' | 'sell',
  qty: string,
  over: Partial<Fill> = {},
): Fill {
  return {
    tradeId: id,
    symbol: BTC,
    clientOrderId,
    exchangeOrderId: `x${id}`,
    side,
    positionSide: side === 'sell' ? 'LONG' : 'SHORT',
    price: dec('60001'),
    qty: dec(qty),
    fee: dec('0.01'),
    isMaker: true,
    time: T + 1_000,
    ...over,
  };
}

describe('the closer behind the strategy seam', () => {
  it('is registered under `closer`, with a leg per symbol and side, and refuses a config without markets', () => {
    expect(strategyOf(config)).toBe(closer);
    expect(legsOf(config).map((l) => l.role)).toEqual([roleOf(BTC, 'LONG'), roleOf(BTC, 'SHORT')]);
    expect(closer.marketChannels).toEqual(['bookTop', 'trades', 'markPrice']);
    const bad = closerConfigSchema.safeParse({ id: 'c1', strategy: 'closer', account: 'main', symbols: {} });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['symbols']);
    expect(bad.error?.issues[0]?.message).toMatch(/list each market to close/);
  });

  it('places nothing before recon has read the position, then a maker slice on a signal and the protective stop', () => {
    const s0 = initialCloserState(config, T);
    expect(closer.onMarket!(s0, LONG, event(risingTape(T), T), config, T)).toBeNull();
    const r = recon(s0, [snapshot(LONG), snapshot(SHORT, {}, '0')]);
    const stop = orders(r.commands).find((c) => c.kind === 'PlaceStop');
    // liq / (1 − 0.01), rounded away from liquidation
    expect(stop).toMatchObject({
      request: { closePosition: true, workingType: 'MARK_PRICE', positionSide: 'LONG', side: 'sell' },
    });
    expect(stop?.kind === 'PlaceStop' && stop.request.triggerPrice.toFixed()).toBe('50505.1');
    expect(decodeClientOrderId(stop!.kind === 'PlaceStop' ? stop!.request.clientOrderId : '')).toMatchObject({
      kind: 'protective_stop',
      instanceId: 'c1',
      positionSide: 'LONG',
    });
    const d = closer.onMarket!(r.state, LONG, event(risingTape(T + 100), T + 100), config, T + 100);
    const place = orders(d!.commands).find((c) => c.kind === 'PlaceOrder');
    expect(place?.kind).toBe('PlaceOrder');
    if (place?.kind !== 'PlaceOrder') return;
    expect(place.request).toMatchObject({ side: 'sell', positionSide: 'LONG', timeInForce: 'GTX' });
    // Binance hedge mode refuses reduceOnly with a position side: never sent.
    expect(place.request.reduceOnly).toBeUndefined();
    expect(place.request.qty.toFixed()).toBe('0.005');
    expect(place.request.price.toFixed()).toBe('60000.4');
    expect(decodeClientOrderId(place.request.clientOrderId)).toMatchObject({ kind: 'slice', run: RUN });
    // The SHORT leg holds nothing: nothing to do there.
    expect(
      closer.onMarket!(d!.state, SHORT, event(risingTape(T + 100), T + 100), config, T + 100),
    ).toBeNull();
  });

  it('counts fills down once, settles the slice, and keeps the stats', () => {
    let s = recon(initialCloserState(config, T), [snapshot(LONG)]).state;
    const d = closer.onMarket!(s, LONG, event(risingTape(T + 100), T + 100), config, T + 100)!;
    const place = orders(d.commands).find((c) => c.kind === 'PlaceOrder')!;
    const id = place.kind === 'PlaceOrder' ? place.request.clientOrderId : '';
    s = closer.applyOutcome(d.state, place, { kind: 'placed' }, config, T + 110).state;
    expect(s.legs[LONG.role]!.exec.state).toBe('WAITING');
    const f = fill('t1', id, 'sell', '0.005');
    const m = { price: dec('60001'), rules, supportsAmend: true };
    const a = closer.onFill(s, f, LONG, config, m, T + 1_000, 'own');
    expect(a.applied).toBe(true);
    expect(closer.onFill(a.state, f, LONG, config, m, T + 1_001, 'own').applied).toBe(false);
    const leg = a.state.legs[LONG.role]!;
    expect(leg.position.qty.toFixed()).toBe('0.045');
    expect(leg.exec.state).toBe('COOLDOWN');
    expect(leg.stats.closed.toFixed()).toBe('0.005');
    expect(leg.stats.makerQty.toFixed()).toBe('0.005');
    expect(leg.stats.realized.toFixed()).toBe('5.005');
    expect(closer.ledger(a.state).legs[LONG.role]?.qty.toFixed()).toBe('0.045');
    expect(a.state.unjournaled.at(-1)).toMatchObject({ tradeId: 't1', role: 'closer_slice' });
    // A hand trade on the position moves it too.
    const hand = closer.onFill(
      a.state,
      fill('t2', 'web_123', 'sell', '0.01'),
      LONG,
      config,
      m,
      T + 2_000,
      'external',
    );
    expect(hand.state.legs[LONG.role]!.position.qty.toFixed()).toBe('0.035');
  });

  it('retries aggressively once after a post-only rejection', () => {
    const s = recon(initialCloserState(config, T), [snapshot(LONG)]).state;
    const d = closer.onMarket!(s, LONG, event(risingTape(T + 100), T + 100), config, T + 100)!;
    const place = orders(d.commands).find((c) => c.kind === 'PlaceOrder')!;
    const refused = closer.applyOutcome(
      d.state,
      place,
      { kind: 'rejected', reason: 'post_only_would_take', code: '-5022', message: 'would take' },
      config,
      T + 110,
    ).state;
    const again = closer.onMarket!(refused, LONG, event(risingTape(T + 400), T + 400), config, T + 400)!;
    const next = orders(again.commands).find((c) => c.kind === 'PlaceOrder');
    expect(next?.kind === 'PlaceOrder' && next.request.timeInForce).toBe('GTC');
    expect(next?.kind === 'PlaceOrder' && next.request.price.toFixed()).toBe('60000');
  });

  it('tightens the stop by cancelling the old one first, and cancels it when flat', () => {
    const r1 = recon(initialCloserState(config, T), [snapshot(LONG)]);
    const first = orders(r1.commands).find((c) => c.kind === 'PlaceStop')!;
    const firstId = first.kind === 'PlaceStop' ? first.request.clientOrderId : '';
    // The liquidation moved up (less margin): the stop follows, never down.
    const r2 = recon(r1.state, [
      snapshot(LONG, { openOrders: [stopOrder(firstId, '50505.1')] }, '0.05', '52000'),
    ]);
    expect(orders(r2.commands).map((c) => c.kind)).toEqual(['CancelStop', 'PlaceStop']);
    const r3 = recon(r2.state, [
      snapshot(LONG, { openOrders: [stopOrder(stopIdOf(r2), '52525.3')] }, '0.05', '51000'),
    ]);
    expect(orders(r3.commands)).toEqual([]);
    const flat = recon(r3.state, [snapshot(LONG, { openOrders: [stopOrder(stopIdOf(r2), '52525.3')] }, '0')]);
    expect(orders(flat.commands)).toMatchObject([{ kind: 'CancelStop', clientOrderId: stopIdOf(r2) }]);
  });

  it('adopts a protective stop of its own it finds after a restart and cancels a crashed run\u2019s slices', () => {
    const found = protectiveStopOrderId('c1', 'LONG', 7);
    const stray = sliceOrderId('c1', 'old1', 3);
    const foreign = 'web_hand_order';
    const r = recon(initialCloserState(config, T), [
      snapshot(LONG, {
        openOrders: [stopOrder(found, '50600'), limitOrder(stray), limitOrder(foreign)],
      }),
    ]);
    expect(r.stopsFound).toMatchObject([{ clientOrderId: found }]);
    expect(r.state.legs[LONG.role]!.stopId).toBe(found);
    expect(r.state.legs[LONG.role]!.exec.stopTrigger?.toFixed()).toBe('50600');
    // The adopted stop is tighter than liq/(1-D): it stays; the stray slice goes, the hand order stays.
    expect(orders(r.commands).map((c) => [c.kind, 'clientOrderId' in c ? c.clientOrderId : ''])).toEqual([
      ['CancelOrder', stray],
    ]);
  });

  it('holds slices beyond max_orders_per_sec back, but never a panic slice', () => {
    const tight = closerConfigSchema.parse({ ...config, rate_limit: { max_orders_per_sec: 1 } });
    let s = recon(initialCloserState(tight, T), [snapshot(LONG)]).state;
    s = { ...s, sent: [T + 50] };
    expect(
      orders(closer.onMarket!(s, LONG, event(risingTape(T + 100), T + 100), tight, T + 100)?.commands ?? []),
    ).toEqual([]);
    // Mark 1.5 % from liquidation: a panic tier, placed whatever the limit (and without a signal).
    const near = recon(initialCloserState(tight, T), [snapshot(LONG, {}, '0.05', '59100')]).state;
    const flatTape = onTapeEvent(
      onTapeEvent(EMPTY_TAPE, { type: 'bookTop', bid: dec('60000'), ask: dec('60000.5') }, T + 100),
      { type: 'markPrice', mark: dec('60000') },
      T + 100,
    );
    const d = closer.onMarket!({ ...near, sent: [T + 50] }, LONG, event(flatTape, T + 100), tight, T + 100);
    const place = orders(d?.commands ?? []).find((c) => c.kind === 'PlaceOrder');
    expect(place?.kind === 'PlaceOrder' && place.request.timeInForce).toBe('GTC');
    expect(place?.kind === 'PlaceOrder' && place.request.qty.toFixed()).toBe('0.005');
  });

  it('never cancels the stop on its own count of fills: only recon reading the exchange flat does', () => {
    const r = recon(initialCloserState(config, T), [snapshot(LONG, {}, '0.05', '52000')]);
    const stopId = stopIdOf(r);
    const m = { price: dec('60000'), rules, supportsAmend: true };
    // A hand close the worker hears, counted down to zero (as a fill counted twice would).
    const zero = closer.onFill(
      r.state,
      fill('h1', 'web_1', 'sell', '0.05'),
      LONG,
      config,
      m,
      T + 500,
      'external',
    );
    expect(zero.state.legs[LONG.role]!.position.qty.toFixed()).toBe('0');
    // Nothing to do (and nothing written: a leg the worker counts flat must not rewrite its state on every
    // tick, or recon's conditional save would never win).
    expect(
      closer.onMarket!(zero.state, LONG, event(risingTape(T + 600), T + 600), config, T + 600),
    ).toBeNull();
    // Recon reads the exchange flat: now it goes.
    const flat = recon(
      zero.state,
      [snapshot(LONG, { openOrders: [stopOrder(stopId, '52525.3')] }, '0')],
      T + 700,
    );
    expect(orders(flat.commands)).toMatchObject([{ kind: 'CancelStop', clientOrderId: stopId }]);
  });

  it('closes the side at market when its stop would trigger at once (the mark is past it)', () => {
    const r = recon(initialCloserState(config, T), [snapshot(LONG, {}, '0.05', '52000')]);
    const place = orders(r.commands).find((c) => c.kind === 'PlaceStop')!;
    const d = closer.applyOutcome(
      r.state,
      place,
      {
        kind: 'rejected',
        reason: 'would_trigger',
        code: '-2021',
        message: 'Order would immediately trigger.',
      },
      config,
      T + 10,
    );
    const close = orders(d.commands).find((c) => c.kind === 'ClosePosition');
    expect(close?.kind === 'ClosePosition' && close.request).toMatchObject({
      type: 'market',
      side: 'sell',
      positionSide: 'LONG',
    });
    expect(close?.kind === 'ClosePosition' && close.request.qty.toFixed()).toBe('0.05');
    expect(d.commands.find((c) => c.kind === 'Alert')).toMatchObject({
      code: 'protective_close',
      severity: 'critical',
    });
    expect(d.state.legs[LONG.role]!.stopId).toBeNull();
  });

  it('tries a refused stop again after 5 s, not on every tick, with one alert', () => {
    const r = recon(initialCloserState(config, T), [snapshot(LONG, {}, '0.05', '52000')]);
    const place = orders(r.commands).find((c) => c.kind === 'PlaceStop')!;
    const refused = closer.applyOutcome(
      r.state,
      place,
      { kind: 'rejected', reason: 'other', code: '-4045', message: 'too many algo orders' },
      config,
      T + 10,
    );
    expect(refused.commands.filter((c) => c.kind === 'Alert')).toHaveLength(1);
    const soon = recon(refused.state, [snapshot(LONG, {}, '0.05', '52000')], T + 2_000);
    expect(orders(soon.commands).filter((c) => c.kind === 'PlaceStop')).toEqual([]);
    const later = recon(soon.state, [snapshot(LONG, {}, '0.05', '52000')], T + 5_100);
    expect(orders(later.commands).filter((c) => c.kind === 'PlaceStop')).toHaveLength(1);
  });

  it('takes an emergency flatten into its own state: aggressive risk slices without a signal', () => {
    const s = recon(initialCloserState(config, T), [snapshot(LONG)]).state;
    const paused = closer.pause(s, 'operator', T + 1);
    const urgent = closer.flattenInPlace!(paused, 'emergency', T + 2);
    expect(urgent).toMatchObject({ paused: false, urgency: 'emergency' });
    // No signal on this tape (no trade moved), the data even stale: a panic slice all the same.
    const quiet = onTapeEvent(EMPTY_TAPE, { type: 'bookTop', bid: dec('60000'), ask: dec('60000.5') }, T);
    const d = closer.onMarket!(urgent, LONG, event(quiet, T + 5_000), config, T + 5_000);
    const place = orders(d?.commands ?? []).find((c) => c.kind === 'PlaceOrder');
    expect(place?.kind === 'PlaceOrder' && place.risk).toBe(true);
    expect(place?.kind === 'PlaceOrder' && place.request.timeInForce).toBe('GTC');
    // The tightest default tier: a tenth of the position at the start of the flatten.
    expect(place?.kind === 'PlaceOrder' && place.request.qty.toFixed()).toBe('0.005');
  });

  it('round-trips its state through JSON after any run of decisions (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            dt: fc.integer({ min: 1, max: 900 }),
            p: fc.integer({ min: 599_000, max: 601_000 }),
            up: fc.boolean(),
            outcome: fc.constantFrom('placed', 'rejected', 'fill', 'none'),
          }),
          { maxLength: 30 },
        ),
        (steps) => {
          let now = T;
          let s = recon(initialCloserState(config, now), [snapshot(LONG), snapshot(SHORT)], now).state;
          let tape: Tape = EMPTY_TAPE;
          let n = 0;
          for (const x of steps) {
            now += x.dt;
            const price = dec(x.p).div(10);
            tape = onTapeEvent(tape, { type: 'trade', price: x.up ? price : price.minus('0.2') }, now);
            tape = onTapeEvent(tape, { type: 'bookTop', bid: price, ask: price.plus('0.1') }, now);
            for (const leg of [LONG, SHORT]) {
              const d = closer.onMarket!(s, leg, event(tape, now), config, now);
              if (!d) continue;
              s = d.state;
              for (const c of orders(d.commands)) {
                if (x.outcome === 'placed')
                  s = closer.applyOutcome(s, c, { kind: 'placed' }, config, now).state;
                else if (x.outcome === 'rejected')
                  s = closer.applyOutcome(
                    s,
                    c,
                    { kind: 'rejected', reason: 'other', code: '', message: '' },
                    config,
                    now,
                  ).state;
                else if (x.outcome === 'fill' && c.kind === 'PlaceOrder') {
                  const f = fill(
                    `f${n++}`,
                    c.request.clientOrderId,
                    c.request.side,
                    c.request.qty.div(2).toFixed(3),
                    {
                      positionSide: c.request.positionSide,
                    },
                  );
                  s = closer.onFill(
                    s,
                    f,
                    leg,
                    config,
                    { price, rules, supportsAmend: true },
                    now,
                    'own',
                  ).state;
                }
              }
            }
            expect(closer.invariants(s, config, rules)).toEqual([]);
            const json = JSON.parse(JSON.stringify(closer.stateToJson(s)));
            expect(closer.stateToJson(closer.parseState(json))).toEqual(json);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a stored state that is not what it writes, naming the field', () => {
    const s = recon(initialCloserState(config, T), [snapshot(LONG)]).state;
    const json = JSON.parse(JSON.stringify(closer.stateToJson(s))) as {
      body: { legs: Record<string, { position: { qty: string } }> };
    };
    json.body.legs[LONG.role]!.position.qty = '-1';
    expect(() => closer.parseState(json)).toThrow(/position\.qty: a side position is never negative/);
  });
});

function stopOrder(clientOrderId: string, trigger: string): ExchangeOrder {
  return {
    symbol: BTC,
    clientOrderId,
    exchangeOrderId: `x${clientOrderId}`,
    kind: 'stop',
    side: 'sell',
    positionSide: 'LONG',
    triggerPrice: dec(trigger),
    closePosition: true,
    qty: ZERO,
    filledQty: ZERO,
    status: 'NEW',
    updatedAt: T,
  };
}

function limitOrder(clientOrderId: string, price: Decimal = dec('60100')): ExchangeOrder {
  return {
    symbol: BTC,
    clientOrderId,
    exchangeOrderId: `x${clientOrderId}`,
    kind: 'limit',
    side: 'sell',
    positionSide: 'LONG',
    price,
    qty: dec('0.005'),
    filledQty: ZERO,
    status: 'NEW',
    updatedAt: T,
  };
}

function stopIdOf(r: { commands: readonly Command[] }): string {
  const c = orders(r.commands).find((x) => x.kind === 'PlaceStop');
  return c?.kind === 'PlaceStop' ? c.request.clientOrderId : '';
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CloserParams,
  type CloseSide,
  closePrice,
  initialSide,
  type MarketView,
  onCancelled,
  onFill,
  onMarket,
  onPlaced,
  onRejected,
  panicTier,
  protectiveStopTrigger,
  type SideExec,
  type SidePosition,
  signalOf,
  sliceQty,
} from '../../../shared/domain/closer/engine.js';
import { type Decimal, dec, ZERO } from '../../../shared/domain/money.js';
import { btcRules, okxBtcRules, okxEthRules } from '../../support/rules.js';

const rules = btcRules(); // tick 0.1, step 0.001, min 0.001
const params: CloserParams = {
  orderTtlMs: 1_000,
  cooldownMs: 200,
  minSignalIntervalMs: 200,
  staleMs: 1_500,
  makerTimeoutsToEscalate: 2,
  aggrFillsToDeescalate: 1,
  aggrTimeoutsToDeescalate: 2,
  baseMult: dec('2'),
  maxMult: dec('20'),
  maxOrderNotional: null,
  accelWindowMs: 2_000,
  accelTiers: [
    { at: dec('0.001'), mult: dec('2') },
    { at: dec('0.003'), mult: dec('3') },
  ],
  roiTiers: [{ at: dec('0.5'), mult: dec('2') }],
  liqDistanceThreshold: dec('0.05'),
  panicTiers: [
    { dist: dec('0.04'), sliceRatio: dec('0.02'), ttlPercent: dec('0.5') },
    { dist: dec('0.02'), sliceRatio: dec('0.1'), ttlPercent: dec('0.25') },
  ],
  stopDistance: dec('0.01'),
};

const T = 1_000_000;
const market = (over: Partial<MarketView> = {}): MarketView => ({
  bid: dec('100000'),
  ask: dec('100000.1'),
  bookAt: T,
  prev: dec('99999.9'),
  last: dec('100000'),
  tradeAt: T,
  windowStart: dec('100000'),
  mark: dec('100000'),
  ...over,
});
const long: SidePosition = {
  qty: dec('0.5'),
  entry: dec('95000'),
  leverage: dec('10'),
  liquidation: dec('60000'),
};

describe('closer signals, prices, sizes', () => {
  it('signals a LONG close on an up-tick with the bid at the trade, or on a bid improving on the last trade; a SHORT mirrored', () => {
    expect(signalOf('LONG', market())).toBe('long_primary');
    expect(signalOf('LONG', market({ prev: dec('100000'), last: dec('100000'), bid: dec('100000.1') }))).toBe(
      'long_bid_improve',
    );
    expect(signalOf('LONG', market({ bid: dec('99999.9') }))).toBeNull();
    expect(signalOf('SHORT', market({ prev: dec('100000.2'), last: dec('100000.1') }))).toBe('short_primary');
    expect(signalOf('SHORT', market({ prev: dec('100000.2'), last: dec('100000.2') }))).toBe(
      'short_ask_improve',
    );
    expect(signalOf('SHORT', market())).toBeNull();
  });

  it('prices a maker close one tick inside the spread without crossing, an aggressive one at the touch', () => {
    const wide = market({ bid: dec('100000'), ask: dec('100001') });
    expect(closePrice('LONG', 'MAKER_ONLY', wide, rules)?.toFixed()).toBe('100000.9');
    expect(closePrice('SHORT', 'MAKER_ONLY', wide, rules)?.toFixed()).toBe('100000.1');
    // One tick wide: the maker price is the touch on its own side (it rests, it never takes).
    expect(closePrice('LONG', 'MAKER_ONLY', market(), rules)?.toFixed()).toBe('100000.1');
    expect(closePrice('SHORT', 'MAKER_ONLY', market(), rules)?.toFixed()).toBe('100000');
    expect(closePrice('LONG', 'AGGRESSIVE_LIMIT', wide, rules)?.toFixed()).toBe('100000');
    expect(closePrice('SHORT', 'AGGRESSIVE_LIMIT', wide, rules)?.toFixed()).toBe('100001');
  });

  it('sizes a slice min_qty × base × roi × accel, capped by max_mult, the notional cap and the position', () => {
    const price = dec('100000');
    // ROI (100000 − 95000) × 0.5 / (0.5 × 95000 / 10) ≈ 0.53 ≥ 0.5 → ×2; no accel: 0.001 × 2 × 2.
    expect(sliceQty(params, rules, 'LONG', long, market(), price).toFixed()).toBe('0.004');
    // Accel: +0.35 % over the window → ×3.
    const fast = market({ windowStart: dec('99650'), last: dec('100000') });
    expect(sliceQty(params, rules, 'LONG', long, fast, price).toFixed()).toBe('0.012');
    expect(sliceQty({ ...params, maxMult: dec('5') }, rules, 'LONG', long, fast, price).toFixed()).toBe(
      '0.005',
    );
    expect(
      sliceQty({ ...params, maxOrderNotional: dec('250') }, rules, 'LONG', long, fast, price).toFixed(),
    ).toBe('0.002');
    expect(sliceQty(params, rules, 'LONG', { ...long, qty: dec('0.003') }, fast, price).toFixed()).toBe(
      '0.003',
    );
  });

  it('sizes in coins on a contract venue: OKX BTC-USDT-SWAP (0.01 BTC a contract, lot and min 0.01)', () => {
    const okx = okxBtcRules();
    const price = dec('100000');
    // The minimum is 0.01 contracts = 0.0001 BTC: the same ×4 as above gives 0.0004 BTC, not 0.04.
    expect(sliceQty(params, okx, 'LONG', long, market(), price).toFixed()).toBe('0.0004');
    // A remainder under the minimum goes whole, on the coin step.
    expect(sliceQty(params, okx, 'LONG', { ...long, qty: dec('0.00005') }, market(), price).toFixed()).toBe(
      '0',
    );
    expect(sliceQty(params, okx, 'LONG', { ...long, qty: dec('0.0003') }, market(), price).toFixed()).toBe(
      '0.0003',
    );
  });

  it('never sizes a slice off the venue step or over the position, whatever the contract size', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(btcRules(), okxBtcRules(), okxEthRules()),
        fc.integer({ min: 1, max: 5_000_000 }),
        fc.integer({ min: 0, max: 600 }),
        (r, units, move) => {
          const pos = { ...long, qty: dec(units).times('0.00001') };
          const m = market({ windowStart: dec(100000 - move), last: dec('100000') });
          const q = sliceQty(params, r, 'LONG', pos, m, dec('100000'));
          const step = r.stepSize.times(r.contractSize);
          expect(q.lessThanOrEqualTo(pos.qty)).toBe(true);
          if (q.greaterThan(0)) expect(q.modulo(step).isZero()).toBe(true);
        },
      ),
    );
  });

  it('picks the tightest panic tier the distance falls in, and puts the stop beyond liquidation on the tick', () => {
    expect(panicTier(params, dec('0.05'))).toBeNull();
    expect(panicTier(params, dec('0.03'))?.sliceRatio.toFixed()).toBe('0.02');
    expect(panicTier(params, dec('0.015'))?.sliceRatio.toFixed()).toBe('0.1');
    // LONG: 60000 / 0.99 = 60606.06… → up to the tick; SHORT: 140000 / 1.01 = 138613.86… → down.
    expect(protectiveStopTrigger(params, 'LONG', long, rules)?.toFixed()).toBe('60606.1');
    const short = { ...long, liquidation: dec('140000') };
    expect(protectiveStopTrigger(params, 'SHORT', short, rules)?.toFixed()).toBe('138613.8');
  });
});

describe('closer state machine', () => {
  const prefix = 'gbc1Cr1x';
  const step = (e: SideExec, m: MarketView, now: number, pos = long) =>
    onMarket(e, params, rules, pos, m, now, prefix);

  it('places a maker slice on a signal, waits, cancels at the TTL, and goes aggressive after two maker timeouts', () => {
    let e = initialSide('LONG', T);
    let s = step(e, market(), T);
    const place = s.intents.find((i) => i.kind === 'place');
    expect(place).toMatchObject({
      side: 'sell',
      positionSide: 'LONG',
      timeInForce: 'GTX',
      qty: dec('0.004'),
    });
    expect(s.intents.find((i) => i.kind === 'stop')).toMatchObject({ triggerPrice: dec('60606.1') });
    e = onPlaced(s.exec, s.exec.order!.clientOrderId, T + 10);
    expect(e.state).toBe('WAITING');
    for (let round = 0; round < 2; round++) {
      const now = T + 2_000 * (round + 1);
      s = step(e, market({ bookAt: now, tradeAt: now }), now);
      expect(s.intents.map((i) => i.kind)).toEqual(['cancel']);
      e = onCancelled(s.exec, params, s.exec.order!.clientOrderId, now);
      expect(e.state).toBe('COOLDOWN');
      const later = now + 300;
      s = step(e, market({ bookAt: later, tradeAt: later }), later);
      e = s.exec.state === 'PLACING' ? onPlaced(s.exec, s.exec.order!.clientOrderId, later) : s.exec;
    }
    expect(e.mode).toBe('AGGRESSIVE_LIMIT');
    // The next order is at the touch, GTC; its fill brings the mode back to maker.
    const now = T + 10_000;
    s = step(
      onCancelled(e, params, e.order?.clientOrderId ?? '', now),
      market({ bookAt: now + 300, tradeAt: now + 300 }),
      now + 300,
    );
    const aggressive = s.intents.find((i) => i.kind === 'place');
    expect(aggressive).toMatchObject({ timeInForce: 'GTC', price: dec('100000') });
    e = onFill(
      onPlaced(s.exec, s.exec.order!.clientOrderId, now + 310),
      params,
      s.exec.order!.clientOrderId,
      dec('0.004'),
      now + 320,
    );
    expect([e.state, e.mode]).toEqual(['COOLDOWN', 'MAKER_ONLY']);
  });

  it('retries a post-only rejection once aggressively; throttles signals; never orders on stale data', () => {
    const s = step(initialSide('LONG', T), market(), T);
    const e = onRejected(s.exec, s.exec.order!.clientOrderId, true, T + 5);
    expect([e.state, e.aggressiveOnce]).toEqual(['IDLE', true]);
    // Within 200 ms of the last signal: nothing.
    expect(
      step(e, market({ bookAt: T + 100, tradeAt: T + 100 }), T + 100).intents.filter(
        (i) => i.kind === 'place',
      ),
    ).toEqual([]);
    const retried = step(e, market({ bookAt: T + 250, tradeAt: T + 250 }), T + 250);
    expect(retried.intents.find((i) => i.kind === 'place')).toMatchObject({ timeInForce: 'GTC' });
    expect(retried.exec.aggressiveOnce).toBe(false);
    // Book and trades 1.6 s old: no order, whatever the signal.
    expect(
      step(initialSide('LONG', T), market(), T + 1_600).intents.filter((i) => i.kind === 'place'),
    ).toEqual([]);
  });

  it('slices by the panic tier near liquidation regardless of signal and staleness, aggressively, with a shorter TTL', () => {
    const near = { ...long, liquidation: dec('97000') }; // 3 % from the mark of 100 000
    const stale = market({ bid: dec('99999'), bookAt: T - 10_000, tradeAt: T - 10_000 }); // no signal, stale
    const s = step(initialSide('LONG', T), stale, T, near);
    const place = s.intents.find((i) => i.kind === 'place');
    expect(place).toMatchObject({ timeInForce: 'GTC', risk: true, qty: dec('0.01') }); // 2 % of 0.5
    expect(s.exec.order?.ttlMs).toBe(500);
  });
});

describe('closer invariants (property)', () => {
  const ev = fc.oneof(
    fc.record({
      t: fc.constant('market' as const),
      dt: fc.integer({ min: 0, max: 2_500 }),
      bid: fc.integer({ min: 99_000, max: 101_000 }),
      spread: fc.integer({ min: 1, max: 5 }),
      last: fc.integer({ min: -3, max: 3 }),
      up: fc.boolean(),
      liqPct: fc.integer({ min: 1, max: 30 }),
    }),
    fc.constant({ t: 'placed' as const }),
    fc.record({ t: fc.constant('rejected' as const), wouldTake: fc.boolean() }),
    fc.record({ t: fc.constant('fill' as const), part: fc.integer({ min: 1, max: 100 }) }),
    fc.constant({ t: 'cancelled' as const }),
  );

  it('never more than the position in the open order, one order at a time, no order on stale data but in panic, the stop only tightens', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<CloseSide>('LONG', 'SHORT'),
        fc.array(ev, { maxLength: 80 }),
        (side, events) => {
          let e = initialSide(side, T);
          let now = T;
          let held = dec('0.2');
          let lastStop: Decimal | null = null;
          let bookAt = T;
          for (const x of events) {
            if (x.t === 'market') {
              now += x.dt;
              if (x.dt < 1_600) bookAt = now; // a long gap leaves the data stale
              const bid = dec(x.bid).div(10).toDecimalPlaces(1);
              const last = bid.plus(dec(x.last).div(10));
              const m: MarketView = {
                bid,
                ask: bid.plus(dec(x.spread).div(10)),
                bookAt,
                prev: x.up ? last.minus('0.1') : last.plus('0.1'),
                last,
                tradeAt: bookAt,
                windowStart: last,
                mark: bid,
              };
              const liq = side === 'LONG' ? bid.times(1 - x.liqPct / 100) : bid.times(1 + x.liqPct / 100);
              const pos = {
                qty: held,
                entry: dec('9000'),
                leverage: dec('5'),
                liquidation: liq.toDecimalPlaces(1),
              };
              const before = e;
              const s = onMarket(e, params, rules, pos, m, now, 'gbc1C');
              const places = s.intents.filter((i) => i.kind === 'place');
              // One order at a time: a new order only from IDLE (after cooldown), never beside a live one or a cancel.
              expect(places.length).toBeLessThanOrEqual(1);
              if (places.length > 0) {
                expect(before.order).toBeNull();
                expect(['IDLE', 'COOLDOWN']).toContain(before.state);
                const p = places[0]!;
                if (p.kind === 'place') {
                  expect(p.qty.lessThanOrEqualTo(held)).toBe(true);
                  const fresh = now - bookAt <= params.staleMs;
                  if (!fresh) expect(p.risk).toBe(true);
                }
              }
              if (s.intents.some((i) => i.kind === 'cancel')) expect(places).toEqual([]);
              for (const i of s.intents)
                if (i.kind === 'stop') {
                  if (lastStop)
                    expect(
                      side === 'LONG'
                        ? i.triggerPrice.greaterThan(lastStop)
                        : i.triggerPrice.lessThan(lastStop),
                    ).toBe(true);
                  lastStop = i.triggerPrice;
                } else if (i.kind === 'cancel_stop') lastStop = null;
              e = s.exec;
            } else if (e.order) {
              const id = e.order.clientOrderId;
              if (x.t === 'placed') e = onPlaced(e, id, now);
              else if (x.t === 'rejected' && e.state === 'PLACING') e = onRejected(e, id, x.wouldTake, now);
              else if (x.t === 'fill' && (e.state === 'WAITING' || e.state === 'CANCELING')) {
                const open = e.order.qty.minus(e.order.filled);
                const q = open.times(x.part).div(100).toDecimalPlaces(3);
                if (q.greaterThan(0)) {
                  held = held.minus(q);
                  e = onFill(e, params, id, q, now);
                }
              } else if (x.t === 'cancelled' && e.state === 'CANCELING') e = onCancelled(e, params, id, now);
            }
            // The open order never exceeds what is held.
            if (e.order)
              expect(e.order.qty.minus(e.order.filled).lessThanOrEqualTo(held.plus(e.order.filled))).toBe(
                true,
              );
            expect(held.greaterThanOrEqualTo(ZERO)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

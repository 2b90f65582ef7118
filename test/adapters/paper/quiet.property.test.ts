/**
 * Quiet candles (`quiet.ts`): for random resting orders, stops and positions on DOGEUSDC, a candle inside
 * `quietRange` changes no account when applied in full, and `applyQuietCandle` leaves the market exactly
 * where `applyCandle` does; a candle reaching outside is refused and changes nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PaperExchange } from '../../../shared/adapters/paper/engine.js';
import { type Decimal, dec } from '../../../shared/domain/money.js';
import { feed, T0, withAccount } from '../../support/paper.js';
import { TICK, ticks } from '../../support/strategies/klg/arbitraries.js';

const S = 'DOGEUSDC';
const START = 20_000; // 0.2 in ticks

interface Setup {
  readonly hedge: boolean;
  readonly long: number;
  readonly buys: readonly number[];
  readonly sells: readonly number[];
  readonly stop: number | null;
  readonly takeProfit: number | null;
}

const setup: fc.Arbitrary<Setup> = fc.record({
  hedge: fc.boolean(),
  long: fc.constantFrom(0, 0, 200, 3000),
  buys: fc.array(fc.integer({ min: 5, max: 900 }), { maxLength: 4 }),
  sells: fc.array(fc.integer({ min: 5, max: 900 }), { maxLength: 4 }),
  stop: fc.option(fc.integer({ min: 5, max: 900 }), { nil: null }),
  takeProfit: fc.option(fc.integer({ min: 5, max: 900 }), { nil: null }),
});

async function build(s: Setup): Promise<PaperExchange> {
  const { ex, clock } = withAccount({ dualSidePosition: s.hedge, balances: { USDC: '5000' } });
  await feed(ex, clock, S, T0, ['0.20000 0.20000 0.20000 0.20000']);
  await clock.advanceTo(T0 + 2 * 60_000);
  const side = s.hedge ? { positionSide: 'LONG' as const } : {};
  if (s.long > 0)
    ex.placeOrder('a', { symbol: S, side: 'BUY', type: 'MARKET', quantity: dec(s.long), ...side });
  const limit = (buy: boolean, price: Decimal) =>
    ex.placeOrder('a', {
      symbol: S,
      side: buy ? 'BUY' : 'SELL',
      type: 'LIMIT',
      price,
      quantity: dec(100),
      timeInForce: 'GTC',
      ...(s.hedge ? { positionSide: buy ? ('LONG' as const) : ('SHORT' as const) } : {}),
    });
  for (const b of s.buys) limit(true, ticks(START - b));
  for (const x of s.sells) limit(false, ticks(START + x));
  const algo = (type: 'STOP_MARKET' | 'TAKE_PROFIT_MARKET', trigger: Decimal) =>
    ex.placeAlgoOrder('a', {
      symbol: S,
      side: 'SELL',
      type,
      triggerPrice: trigger,
      closePosition: true,
      ...(s.hedge ? { positionSide: 'LONG' as const } : {}),
    });
  if (s.long > 0 && s.stop !== null) algo('STOP_MARKET', ticks(START - s.stop));
  if (s.long > 0 && s.takeProfit !== null) algo('TAKE_PROFIT_MARKET', ticks(START + s.takeProfit));
  return ex;
}

/** What a candle can change on the market and the account. */
function view(ex: PaperExchange) {
  const k = ex.klines(S, '1m').at(-1)!;
  return {
    last: ex.lastPrice(S)?.toFixed(),
    book: ex.bookTop(S),
    mark: ex.markPrice(S).markPrice.toFixed(),
    kline: { ...k, quoteVolume: k.quoteVolume.toFixed() },
    klines: ex.klines(S, '1m').length,
    balance: ex.balance('a', 'USDC'),
    positions: ex.positions('a', S),
    orders: ex.openOrders('a', S).length,
    algos: ex.openAlgoOrders('a', S).length,
    events: ex.events('a').length,
  };
}

/** A candle from tick offsets around 0.2: low ≤ open, close ≤ high. */
function candleAt(openTime: number, lo: number, hi: number, open: number, close: number) {
  const low = Math.min(lo, hi, open, close);
  const high = Math.max(lo, hi, open, close);
  return {
    openTime,
    open: ticks(START + open),
    high: ticks(START + high),
    low: ticks(START + low),
    close: ticks(START + close),
    volume: dec(1000),
  };
}

describe('quiet candles', () => {
  it('inside the quiet range, a full candle reports nothing to the account, and the quiet one leaves the same market', async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(
        setup,
        fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
        fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
        async (s, [a, b], [o, c]) => {
          const full = await build(s);
          const quiet = await build(s);
          const range = quiet.quietRange(S);
          fc.pre(range !== null);
          // Tick offsets strictly inside the range (both ends exclusive), around the last price 0.2.
          const lowEnd = range!.low === null ? -1500 : Number(range!.low.dividedBy(TICK).floor()) - START + 1;
          const highEnd =
            range!.high === null ? 1500 : Number(range!.high.dividedBy(TICK).ceil()) - START - 1;
          fc.pre(lowEnd <= 0 && highEnd >= 0);
          const at = (f: number) => Math.round(lowEnd + f * (highEnd - lowEnd));
          const bar = candleAt(T0 + 2 * 60_000, at(a), at(b), at(o), at(c));
          const before = view(full);
          full.applyCandle(S, bar);
          expect(quiet.applyQuietCandle(S, bar, range!)).toBe(true);
          const after = view(full);
          expect(after.events).toBe(before.events);
          expect(after.orders).toBe(before.orders);
          expect(after.algos).toBe(before.algos);
          expect(view(quiet)).toEqual(after);
          checked += 1;
        },
      ),
      { numRuns: 150 },
    );
    expect(checked).toBeGreaterThan(50);
  });

  it('a candle reaching a resting order, a stop or the range end is refused and changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(setup, fc.boolean(), async (s, down) => {
        const ex = await build(s);
        const range = ex.quietRange(S);
        fc.pre(range !== null && (down ? range.low : range.high) !== null);
        // On the tick at or beyond the end (a bracket's end need not be on the tick).
        const end = down ? range!.low!.dividedBy(TICK).floor() : range!.high!.dividedBy(TICK).ceil();
        const edge = Number(end) - START;
        const bar = down
          ? candleAt(T0 + 2 * 60_000, edge, 0, 0, 0)
          : candleAt(T0 + 2 * 60_000, 0, edge, 0, 0);
        const before = view(ex);
        expect(ex.applyQuietCandle(S, bar, range!)).toBe(false);
        expect(view(ex)).toEqual(before);
      }),
      { numRuns: 100 },
    );
  });

  it('names what bounds the range: the best bid and ask resting, the stop, the take-profit', async () => {
    const ex = await build({
      hedge: true,
      long: 200,
      buys: [50, 20],
      sells: [40],
      stop: 100,
      takeProfit: 30,
    });
    const range = ex.quietRange(S)!;
    expect(range.low?.toFixed()).toBe(ticks(START - 20).toFixed());
    expect(range.high?.toFixed()).toBe(ticks(START + 30).toFixed());
    // Without funding rates nothing is due; with them, a position pays at the next funding time: a
    // candle opening then is not quiet (a flat account pays nothing, so its range has no time limit).
    expect(range.until).toBe(Number.POSITIVE_INFINITY);
    const fundingTime = T0 + 8 * 3_600_000;
    ex.setFundingRates(S, [{ fundingTime, fundingRate: dec('0.0001') }]);
    expect(ex.quietRange(S)!.until).toBe(fundingTime);
    const flat = await build({ hedge: false, long: 0, buys: [], sells: [], stop: null, takeProfit: null });
    flat.setFundingRates(S, [{ fundingTime, fundingRate: dec('0.0001') }]);
    // The maintenance bracket (and with it the liquidation price a pass reads) changes where the position's
    // notional reaches the bracket's cap: the range ends there.
    const big = await build({ hedge: true, long: 3000, buys: [], sells: [], stop: null, takeProfit: null });
    const cap = big.leverageBrackets(S)[0]!.brackets[0]!.notionalCap;
    expect(big.quietRange(S)!.high?.toFixed()).toBe(cap.dividedBy(3000).toFixed());
    expect(flat.quietRange(S)).toEqual({ low: null, high: null, until: Number.POSITIVE_INFINITY });
  });
});

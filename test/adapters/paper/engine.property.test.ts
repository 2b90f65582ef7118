/**
 * Property tests of the paper engine's invariants over random candle walks and random order flow on
 * DOGEUSDC (real exchangeInfo rules), with a hedge-mode and a one-way account trading the same market.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/adapters/clock/virtual-clock.js';
import type { PaperExchange } from '../../../shared/adapters/paper/engine.js';
import { PaperApiError } from '../../../shared/adapters/paper/errors.js';
import type { AccountEvent, BinancePositionSide, TradeView } from '../../../shared/adapters/paper/types.js';
import { type Decimal, dec, ZERO } from '../../../shared/domain/money.js';
import { candle, paperExchange } from '../../support/paper.js';

const S = 'DOGEUSDC';
const TICK = dec('0.00001');
const START = 20_000; // price in ticks: 0.2
const INITIAL: Record<string, Decimal> = { h: dec('5000'), o: dec('500') };

type Action =
  | {
      kind: 'limit';
      hedge: boolean;
      buy: boolean;
      offset: number;
      qty: number;
      tif: 'GTC' | 'GTX' | 'IOC';
      close: boolean;
      raw?: string;
    }
  | { kind: 'market'; hedge: boolean; buy: boolean; qty: number; close: boolean }
  | { kind: 'cancel'; hedge: boolean; pick: number }
  | { kind: 'amend'; hedge: boolean; pick: number; offset: number; qty: number }
  | { kind: 'stop'; hedge: boolean; long: boolean; offset: number; working: boolean }
  | { kind: 'funding'; rate: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant('limit' as const),
    hedge: fc.boolean(),
    buy: fc.boolean(),
    offset: fc.integer({ min: -150, max: 150 }),
    qty: fc.integer({ min: 1, max: 400 }),
    tif: fc.constantFrom('GTC' as const, 'GTX' as const, 'IOC' as const),
    close: fc.boolean(),
    raw: fc.option(fc.constantFrom('0.199995', '0.2000001', '150.5', '0.5', '-3'), { nil: undefined }),
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
    kind: fc.constant('amend' as const),
    hedge: fc.boolean(),
    pick: fc.nat(),
    offset: fc.integer({ min: -300, max: 300 }),
    qty: fc.integer({ min: 1, max: 400 }),
  }),
  fc.record({
    kind: fc.constant('stop' as const),
    hedge: fc.boolean(),
    long: fc.boolean(),
    offset: fc.integer({ min: 1, max: 400 }),
    working: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('funding' as const), rate: fc.integer({ min: -300, max: 300 }) }),
);

const bar = fc.record({
  // mostly continuous 1m bars, sometimes a 10% jump (to reach liquidations and gapped stops)
  gap: fc.oneof(
    { weight: 9, arbitrary: fc.integer({ min: -40, max: 40 }) },
    { weight: 1, arbitrary: fc.integer({ min: -2000, max: 2000 }) },
  ),
  body: fc.integer({ min: -200, max: 200 }),
  up: fc.nat({ max: 150 }),
  down: fc.nat({ max: 150 }),
});

const step = fc.record({ bar, actions: fc.array(action, { maxLength: 5 }) });
const scenario = fc.array(step, { minLength: 1, maxLength: 25 });

const px = (ticks: number): Decimal => TICK.times(Math.max(ticks, 1));

interface Run {
  ex: PaperExchange;
  ranges: { low: Decimal; high: Decimal; trades: TradeView[] }[];
  accepted: { price?: Decimal; qty: Decimal }[];
  rejections: number[];
  events: Record<string, AccountEvent[]>;
}

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function run(steps: Scenario): Run {
  const clock = new VirtualClock(0);
  const { ex } = paperExchange({}, clock);
  ex.createAccount({ id: 'h', balances: { USDC: INITIAL.h! }, dualSidePosition: true });
  ex.createAccount({ id: 'o', balances: { USDC: INITIAL.o! } });
  ex.setLeverage('h', S, 5);
  ex.setLeverage('o', S, 50);
  const events: Record<string, AccountEvent[]> = { h: [], o: [] };
  for (const id of ['h', 'o']) ex.subscribeAccount(id, { onEvent: (e) => events[id]!.push(e) });
  const out: Run = { ex, ranges: [], accepted: [], rejections: [], events };
  let last = START;
  let t = 0;
  let fundingTime = 0;
  const attempt = (fn: () => { price?: Decimal; origQty?: Decimal; quantity?: Decimal } | unknown): void => {
    try {
      const r = fn() as { price?: Decimal; origQty?: Decimal };
      if (r?.origQty) out.accepted.push({ price: r.price, qty: r.origQty });
    } catch (err) {
      if (!(err instanceof PaperApiError)) throw err;
      out.rejections.push(err.code);
    }
  };
  const side = (hedge: boolean, buy: boolean, close: boolean): BinancePositionSide | undefined => {
    if (!hedge) return undefined;
    return buy !== close ? 'LONG' : 'SHORT';
  };
  for (const { bar: b, actions } of steps) {
    const open = Math.max(last + b.gap, 200);
    const close = Math.max(open + b.body, 200);
    const high = Math.max(open, close) + b.up;
    const low = Math.max(Math.min(open, close) - b.down, 100);
    const trades: TradeView[] = [];
    const before = new Map(['h', 'o'].map((id) => [id, ex.userTrades(id, S, { limit: 1000 }).length]));
    t += 60_000;
    clock.setTime(t);
    ex.applyCandle(S, candle(t - 60_000, `${px(open)} ${px(high)} ${px(low)} ${px(close)}`));
    for (const id of ['h', 'o']) trades.push(...ex.userTrades(id, S, { limit: 1000 }).slice(before.get(id)));
    out.ranges.push({ low: px(low), high: px(high), trades });
    last = close;
    for (const a of actions) {
      const id = 'hedge' in a && a.hedge ? 'h' : 'o';
      const hedge = id === 'h';
      switch (a.kind) {
        case 'limit':
          attempt(() =>
            ex.placeOrder(id, {
              symbol: S,
              side: a.buy ? 'BUY' : 'SELL',
              type: 'LIMIT',
              price:
                a.raw && !a.raw.startsWith('-') && a.raw.startsWith('0.') ? dec(a.raw) : px(last + a.offset),
              quantity: a.raw && !a.raw.startsWith('0.') ? dec(a.raw) : dec(a.qty * (hedge ? 25 : 250)),
              timeInForce: a.tif,
              positionSide: side(hedge, a.buy, a.close),
              reduceOnly: !hedge && a.close ? true : undefined,
            }),
          );
          break;
        case 'market':
          attempt(() =>
            ex.placeOrder(id, {
              symbol: S,
              side: a.buy ? 'BUY' : 'SELL',
              type: 'MARKET',
              quantity: dec(a.qty * (hedge ? 25 : 250)),
              positionSide: side(hedge, a.buy, a.close),
              reduceOnly: !hedge && a.close ? true : undefined,
            }),
          );
          break;
        case 'cancel': {
          const open = ex.openOrders(id, S);
          if (open.length)
            attempt(() => ex.cancelOrder(id, S, { orderId: open[a.pick % open.length]!.orderId }));
          break;
        }
        case 'amend': {
          const open = ex.openOrders(id, S);
          const o = open[a.pick % Math.max(open.length, 1)];
          if (o)
            attempt(() =>
              ex.amendOrder(id, {
                symbol: S,
                orderId: o.orderId,
                side: o.side,
                price: px(last + a.offset),
                quantity: dec(a.qty * 25),
              }),
            );
          break;
        }
        case 'stop':
          attempt(() =>
            ex.placeAlgoOrder(id, {
              symbol: S,
              side: a.long ? 'SELL' : 'BUY',
              type: 'STOP_MARKET',
              positionSide: hedge ? (a.long ? 'LONG' : 'SHORT') : undefined,
              triggerPrice: px(a.long ? last - a.offset : last + a.offset),
              workingType: a.working ? 'MARK_PRICE' : 'CONTRACT_PRICE',
              closePosition: true,
            }),
          );
          break;
        case 'funding':
          fundingTime = Math.max(fundingTime, t) + 1;
          ex.setFundingRates(S, [{ fundingTime, fundingRate: dec(a.rate).dividedBy(1_000_000) }]);
          break;
      }
    }
  }
  return out;
}

const sum = (xs: Decimal[]): Decimal => xs.reduce((s, x) => s.plus(x), ZERO);

describe('paper engine properties', () => {
  it('keeps wallet = initial + realized PnL − fees + funding (+ liquidation settlement), exactly', () => {
    fc.assert(
      fc.property(scenario, (steps) => {
        const { ex } = run(steps);
        for (const id of ['h', 'o']) {
          const income = ex.income(id, { limit: 1000 });
          const wallet = ex.balance(id, 'USDC').walletBalance;
          expect(wallet.toString()).toBe(INITIAL[id]!.plus(sum(income.map((r) => r.income))).toString());
          const trades = ex.userTrades(id, S, { limit: 1000 });
          const realized = sum(trades.map((x) => x.realizedPnl));
          const fees = sum(trades.map((x) => x.commission));
          const funding = sum(income.filter((r) => r.incomeType === 'FUNDING_FEE').map((r) => r.income));
          const insurance = sum(
            income.filter((r) => r.incomeType === 'INSURANCE_CLEAR').map((r) => r.income),
          );
          expect(wallet.toString()).toBe(
            INITIAL[id]!.plus(realized).minus(fees).plus(funding).plus(insurance).toString(),
          );
        }
      }),
      { numRuns: 60 },
    );
  });

  it('conserves value: equity = initial + Σ trade cash flows + position × mark − fees + funding', () => {
    fc.assert(
      fc.property(scenario, (steps) => {
        const { ex } = run(steps);
        for (const id of ['h', 'o']) {
          const income = ex.income(id, { limit: 1000 });
          if (income.some((r) => r.incomeType === 'INSURANCE_CLEAR')) continue; // liquidation settles outside trades
          const trades = ex.userTrades(id, S, { limit: 1000 });
          const cash = sum(trades.map((x) => (x.buyer ? x.quoteQty.negated() : x.quoteQty)));
          const fees = sum(trades.map((x) => x.commission));
          const funding = sum(income.filter((r) => r.incomeType === 'FUNDING_FEE').map((r) => r.income));
          const positions = ex.positions(id, S);
          const mark = ex.markPrice(S).markPrice;
          const held = sum(positions.map((p) => p.positionAmt.times(mark)));
          const expected = INITIAL[id]!.plus(cash).minus(fees).plus(funding).plus(held);
          const b = ex.balance(id, 'USDC');
          // realized PnL is rounded to 8 decimals per trade, as Binance does
          const tolerance = dec('0.00000001').times(trades.length + 1);
          expect(b.marginBalance.minus(expected).abs().lessThanOrEqualTo(tolerance)).toBe(true);
          const net = sum(trades.map((x) => (x.buyer ? x.qty : x.qty.negated())));
          expect(sum(positions.map((p) => p.positionAmt)).toString()).toBe(net.toString());
        }
      }),
      { numRuns: 60 },
    );
  });

  it('reads the margin balance and a position’s risk cheaply as the full views report them', () => {
    let held = 0;
    fc.assert(
      fc.property(scenario, (steps) => {
        const { ex } = run(steps);
        for (const id of ['h', 'o']) {
          expect(ex.marginBalance(id, 'USDC').toString()).toBe(
            ex.balance(id, 'USDC').marginBalance.toString(),
          );
          for (const view of ex.positions(id, S)) {
            const risk = ex.positionRisk(id, S, view.positionSide);
            expect([risk.qty, risk.mark, risk.liquidationPrice].map(String)).toEqual(
              [view.positionAmt, view.markPrice, view.liquidationPrice].map(String),
            );
            if (!view.positionAmt.isZero()) held += 1;
          }
          // A side the account's mode does not have is refused, not made up.
          const absent: BinancePositionSide[] = id === 'h' ? ['BOTH'] : ['LONG', 'SHORT'];
          for (const side of absent) expect(() => ex.positionRisk(id, S, side)).toThrow(/mode/);
        }
      }),
      { numRuns: 60 },
    );
    expect(held).toBeGreaterThan(20);
  });

  it('fills nothing outside the range of the candle that caused it', () => {
    fc.assert(
      fc.property(scenario, (steps) => {
        const { ranges } = run(steps);
        for (const r of ranges) {
          for (const t of r.trades) {
            expect(t.price.greaterThanOrEqualTo(r.low) && t.price.lessThanOrEqualTo(r.high)).toBe(true);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('accepts only prices on the tick and quantities on the step, and fills on the step', () => {
    fc.assert(
      fc.property(scenario, (steps) => {
        const { ex, accepted, rejections } = run(steps);
        for (const o of accepted) {
          if (o.price && !o.price.isZero()) expect(o.price.modulo(TICK).isZero()).toBe(true);
          expect(o.qty.isInteger()).toBe(true);
        }
        for (const id of ['h', 'o'])
          for (const t of ex.userTrades(id, S, { limit: 1000 }))
            expect(t.qty.isInteger() && t.qty.greaterThan(0)).toBe(true);
        for (const code of rejections) expect(code).toBeLessThan(0);
      }),
      { numRuns: 60 },
    );
  });

  it('never lets a hedge-mode side change sign, and numbers trades strictly upward across accounts', () => {
    fc.assert(
      fc.property(scenario, (steps) => {
        const { ex, events } = run(steps);
        for (const e of events.h!) {
          if (e.type !== 'accountUpdate') continue;
          for (const p of e.positions) {
            if (p.positionSide === 'LONG') expect(p.positionAmt.isNegative()).toBe(false);
            if (p.positionSide === 'SHORT') expect(p.positionAmt.greaterThan(0)).toBe(false);
          }
        }
        const ids = ['h', 'o'].flatMap((id) => ex.userTrades(id, S, { limit: 1000 }).map((t) => t.id));
        expect(new Set(ids).size).toBe(ids.length);
        const inOrder = [...events.h!, ...events.o!]
          .filter((e) => e.type === 'orderUpdate' && e.trade)
          .map((e) => (e.type === 'orderUpdate' ? e.trade!.id : 0));
        for (const id of ['h', 'o']) {
          const own = ex.userTrades(id, S, { limit: 1000 }).map((t) => t.id);
          expect(own).toEqual([...own].sort((a, b) => a - b));
        }
        expect(inOrder.length).toBe(ids.length);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps open-order margin and b/a notional equal to a fresh scan of the open orders', () => {
    fc.assert(
      fc.property(scenario, (steps) => {
        const { ex, events } = run(steps);
        for (const id of ['h', 'o']) {
          const lev = ex.leverage(id, S);
          const pos = ex.positions(id, S);
          const both = pos.find((p) => p.positionSide === 'BOTH')?.positionAmt ?? ZERO;
          const open = ex.openOrders(id, S);
          const opening = open.filter((o) =>
            o.positionSide === 'LONG'
              ? o.side === 'BUY'
              : o.positionSide === 'SHORT'
                ? o.side === 'SELL'
                : !o.reduceOnly && (both.isZero() || both.isPositive() === (o.side === 'BUY')),
          );
          const notional = (os: typeof open) =>
            sum(os.map((o) => o.origQty.minus(o.executedQty).times(o.price)));
          expect(ex.balance(id, 'USDC').openOrderInitialMargin.toString()).toBe(
            notional(opening).dividedBy(lev).toString(),
          );
          const last = [...events[id]!].reverse().find((e) => e.type === 'orderUpdate');
          if (last?.type === 'orderUpdate') {
            const now = ex.openOrders(id, S);
            expect(last.bidNotional.toString()).toBe(
              notional(now.filter((o) => o.side === 'BUY')).toString(),
            );
            expect(last.askNotional.toString()).toBe(
              notional(now.filter((o) => o.side === 'SELL')).toString(),
            );
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('is deterministic: the same inputs give the same event log', () => {
    fc.assert(
      fc.property(scenario, (steps) => {
        const a = run(steps);
        const b = run(steps);
        expect(JSON.stringify(a.events)).toBe(JSON.stringify(b.events));
      }),
      { numRuns: 25 },
    );
  });
});

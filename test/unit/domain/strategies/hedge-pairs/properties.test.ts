/**
 * Hedge pairs, properties (fast-check): sizing never exceeds the notional and wastes less than a step;
 * a shuffle is a derangement of the short accounts and a function of its seed; the pair stop fires exactly
 * when the combined PnL is below the threshold; and whatever part of each IOC fills, the pair is settled
 * to matched legs within `after_sec`, never more than the excess closed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClosePosition, Command, PlaceOrder } from '../../../../../shared/domain/commands.js';
import { dec } from '../../../../../shared/domain/money.js';
import { hedgePairsConfigSchema } from '../../../../../shared/domain/strategies/hedge-pairs/config.js';
import {
  hedgePairLegs,
  hedgePairsStrategy as hp,
  initialHedgePairsState,
} from '../../../../../shared/domain/strategies/hedge-pairs/module.js';
import {
  backoffMs,
  legPnl,
  pairPnl,
  pairSize,
  pastStopLoss,
  shufflePairs,
} from '../../../../../shared/domain/strategies/hedge-pairs/pairs.js';
import { initialPair, initialPairLeg } from '../../../../../shared/domain/strategies/hedge-pairs/state.js';
import { btcRules } from '../../../../support/rules.js';
import { legSnapshot } from '../../../../support/strategies/hedge-grid.js';
import { onOwnFill, onPairsMarket } from '../../../../support/strategies/hedge-pairs.js';

const rules = btcRules({ minNotional: dec('5') });
const price = fc.integer({ min: 1_000, max: 200_000 }).map((n) => dec(n).dividedBy(10));

const onFill = onOwnFill;
const onMarket = onPairsMarket;

describe('hedge pairs properties', () => {
  it('a pair size never exceeds the notional, is a whole number of steps, and wastes less than one step', () => {
    fc.assert(
      fc.property(price, fc.integer({ min: 10, max: 100_000 }), (p, usd) => {
        const { qty, tooSmall } = pairSize({ notional_usd: dec(usd) }, p, rules);
        expect(qty.times(p).lessThanOrEqualTo(usd)).toBe(true);
        expect(qty.dividedBy(rules.stepSize).isInteger()).toBe(true);
        expect(qty.plus(rules.stepSize).times(p).greaterThan(usd)).toBe(true);
        if (tooSmall === null) expect(qty.greaterThanOrEqualTo(rules.minQty)).toBe(true);
      }),
    );
  });

  it('a shuffle re-pairs every long account with a new short one, the same for the same seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 20 }), fc.string(), (n, seed) => {
        const pairs = Array.from({ length: n }, (_, i) => initialPair(`l${i}`, `s${i}`, 0));
        const out = shufflePairs(pairs, seed);
        expect(out.map((p) => p.long)).toEqual(pairs.map((p) => p.long));
        expect([...out.map((p) => p.short)].sort()).toEqual([...pairs.map((p) => p.short)].sort());
        expect(out.filter((p, i) => p.short === pairs[i]!.short)).toEqual([]);
        expect(shufflePairs(pairs, seed)).toEqual(out);
      }),
    );
  });

  it('the pair stop fires exactly below minus the threshold, and never for a pair holding nothing', () => {
    fc.assert(
      fc.property(
        price,
        price,
        price,
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 500 }),
        (le, se, mark, q, th) => {
          const qty = dec(q).dividedBy(1000);
          const long = { ...initialPairLeg('LONG'), qty, entry: le };
          const short = { ...initialPairLeg('SHORT'), qty, entry: se };
          const pnl = pairPnl(long, short, mark);
          // Equal and opposite: the mark cancels out, the entries' gap is what the pair has made or lost.
          expect(pnl.equals(se.minus(le).times(qty))).toBe(true);
          expect(legPnl(long, mark).plus(legPnl(short, mark)).equals(pnl)).toBe(true);
          expect(pastStopLoss(long, short, mark, dec(th))).toBe(pnl.lessThan(-th));
          expect(pastStopLoss(initialPairLeg('LONG'), initialPairLeg('SHORT'), mark, dec(th))).toBe(false);
        },
      ),
    );
  });

  it('the backoff doubles from the base up to the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 60, max: 3600 }),
        fc.integer({ min: 1, max: 40 }),
        (base, max, n) => {
          const ms = backoffMs(
            { retry: { base_backoff_sec: base, max_backoff_sec: max, alert_after: 5 } },
            n,
          );
          expect(ms).toBe(Math.min(max, base * 2 ** Math.min(30, n - 1)) * 1000);
        },
      ),
    );
  });

  it('whatever part of each IOC fills, the legs match again within after_sec, by closing at most the excess', () => {
    const config = hedgePairsConfigSchema.parse({
      id: 'prop',
      strategy: 'hedge_pairs',
      symbol: 'BTC/USDT:USDT',
      pairs: [{ long: 'a1', short: 'a2' }],
      notional_usd: 1000,
      leverage: 5,
      stop_loss_threshold: 50,
    });
    const legs = hedgePairLegs(config);
    const market = { price: dec('50000'), markPrice: dec('50000'), rules, supportsAmend: true };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 20 }),
        fc.boolean(),
        (lf, sf, refuse) => {
          const d0 = hp.planRecon(
            initialHedgePairsState(config, 0),
            legs.map((l) => legSnapshot(l, rules, '50000', { at: 1_000 })),
            config,
            1_000,
          );
          const [lo, so] = d0.commands.filter((c): c is PlaceOrder => c.kind === 'PlaceOrder');
          let s = d0.state;
          // The venue's answers: each IOC over, with what it executed.
          const over = (n: number) => ({
            kind: 'placed' as const,
            status: n === 20 ? 'FILLED' : 'EXPIRED',
            filledQty: dec(n).dividedBy(1000),
          });
          s = hp.applyOutcome(s, lo!, over(lf), config, 1_000).state;
          s = hp.applyOutcome(
            s,
            so!,
            refuse ? { kind: 'rejected', reason: 'network', message: 'reset' } : over(sf),
            config,
            1_000,
          ).state;
          const commands: Command[] = [];
          const fill = (o: PlaceOrder, n: number, t: number) => {
            if (n === 0) return;
            const qty = dec(n).dividedBy(1000);
            const d = onFill(
              s,
              {
                tradeId: `${o.request.clientOrderId}-${n}`,
                symbol: config.symbol,
                clientOrderId: o.request.clientOrderId,
                exchangeOrderId: '1',
                side: o.request.side,
                positionSide: o.request.positionSide,
                price: dec('50000'),
                qty,
                fee: dec(0),
                isMaker: false,
                time: t,
              },
              legs.find((l) => l.account === o.request.account)!,
              config,
              market,
              t,
            );
            s = d.state;
            commands.push(...d.commands);
          };
          fill(lo!, lf, 1_100);
          if (!refuse) fill(so!, sf, 1_200);
          const later = onMarket(
            s,
            legs[0]!,
            { ...market, channel: 'timer', tape: {} as never, run: 'r', time: 12_000 },
            config,
            12_000,
          );
          if (later) commands.push(...later.commands);
          const held = { a1: dec(lf).dividedBy(1000), a2: refuse ? dec(0) : dec(sf).dividedBy(1000) };
          const closes = commands.filter((c): c is ClosePosition => c.kind === 'ClosePosition');
          const excess = held.a1.minus(held.a2).abs();
          if (excess.isZero()) expect(closes).toHaveLength(0);
          else {
            expect(closes).toHaveLength(1);
            const heavy = held.a1.greaterThan(held.a2) ? 'a1' : 'a2';
            expect(closes[0]!.request.account).toBe(heavy);
            expect(closes[0]!.request.qty.equals(excess)).toBe(true);
          }
          // Every leg holding coins has its stop asked for.
          for (const role of ['a1', 'a2'] as const)
            if (held[role].greaterThan(0))
              expect(commands.some((c) => c.kind === 'PlaceStop' && c.request.account === role)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

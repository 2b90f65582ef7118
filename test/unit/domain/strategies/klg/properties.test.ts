/**
 * Property tests of the Key Level Grid engine over random grids, random price paths and random, faulty
 * event delivery (duplicated, reordered and dropped fills; refused, lost and unknown-outcome commands;
 * orders cancelled and positions changed by hand). After every step the engine's invariants hold, and
 * after every recon a stop covers any position (but for one replacement in flight).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../../../../shared/domain/commands.js';
import { dec, isMultipleOf } from '../../../../../shared/domain/money.js';
import type { Fill } from '../../../../../shared/domain/orders.js';
import type { KlgConfigInput } from '../../../../../shared/domain/strategies/klg/config.js';
import { convertQuoteUnit } from '../../../../../shared/domain/strategies/klg/grid-unit.js';
import {
  checkKlgInvariants,
  counterDrift,
  klgStateToJson,
  onFill,
  parseKlgState,
  planRebuild,
} from '../../../../../shared/domain/strategies/klg/index.js';
import { gridUnit } from '../../../../../shared/domain/strategies/klg/sell-target.js';
import { minOrderCoins } from '../../../../../shared/domain/symbol-rules.js';
import { dogeRules } from '../../../../support/rules.js';
import { levelTicksArb, ticks } from '../../../../support/strategies/klg/arbitraries.js';
import { KlgBot } from '../../../../support/strategies/klg/bot.js';
import { klgConfig } from '../../../../support/strategies/klg/config.js';

const configArb = fc.record({
  levelTicks: levelTicksArb,
  base: fc.integer({ min: 30, max: 400 }),
  ratioPct: fc.integer({ min: 10, max: 100 }),
  minProfitBp: fc.integer({ min: 0, max: 200 }),
  buyBufBp: fc.integer({ min: 0, max: 50 }),
  sellBufBp: fc.integer({ min: 0, max: 50 }),
  maxFill: fc.integer({ min: 1, max: 3 }),
  locked: fc.constantFrom(0, 0, 0, 50),
  stopMode: fc.constantFrom('lowest_support' as const, 'avg_entry' as const),
  postOnly: fc.boolean(),
  amend: fc.boolean(),
  /** Size in coins (`base`), or in USDC (`quote_amount_per_grid` = base × quotePct% of a DOGE price of 0.2). */
  quotePct: fc.option(fc.integer({ min: 50, max: 150 }), { nil: null, freq: 2 }),
});

const stepArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      delta: fc.integer({ min: -700, max: 700 }),
      delivery: fc.constantFrom('normal', 'normal', 'duplicate', 'reverse', 'drop'),
      partial: fc.option(fc.integer({ min: 1, max: 80 }), { nil: undefined }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('recon' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('hand' as const),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      qty: fc.integer({ min: 1, max: 300 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancelByHand' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('fault' as const),
      mode: fc.constantFrom('reject', 'executed', 'lost'),
      pick: fc.nat(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('rebuild' as const),
      shift: fc.integer({ min: -3_000, max: 3_000 }),
    }),
  },
);

type GridCase = typeof configArb extends fc.Arbitrary<infer T> ? T : never;

function makeBot(c: GridCase, startTicks: number): KlgBot {
  const input: Partial<KlgConfigInput> = {
    levels: { source: 'manual', prices: c.levelTicks.map((t) => ticks(t).toFixed()) },
    ...(c.quotePct === null
      ? { base_amount_per_grid: String(c.base) }
      : { quote_amount_per_grid: dec(c.base).times(c.quotePct).times('0.002').toFixed() }),
    sell_quota_ratio: (c.ratioPct / 100).toString(),
    min_profit_pct: (c.minProfitBp / 10_000).toString(),
    buy_price_buffer_pct: (c.buyBufBp / 10_000).toString(),
    sell_price_buffer_pct: (c.sellBufBp / 10_000).toString(),
    max_fill_per_level: c.maxFill,
    base_position_locked: String(c.locked),
    stop_loss: { mode: c.stopMode, avg_entry_pct: '0.08', pause_after_trigger: false },
    post_only: c.postOnly,
  };
  return new KlgBot(klgConfig(input), ticks(startTicks), dogeRules(), { supportsAmend: c.amend });
}

/**
 * While the venue holds a position, a stop of ours covers it (closePosition, or a quantity at least the
 * position) — except while one replacement is in flight (a stop PLACING) or a protective close is on its way.
 */
function assertProtected(bot: KlgBot, where: string): void {
  // The holdings the engine knows of (a hand trade is adopted on its second sighting by recon).
  const held = bot.state.holdings.lessThan(bot.venue.position) ? bot.state.holdings : bot.venue.position;
  if (!held.greaterThan(0) || !bot.config.stop_loss.enabled) return;
  const covering = bot.venue
    .openOrders()
    .some((o) => o.kind === 'stop' && (o.closePosition || o.qty.greaterThanOrEqualTo(held)));
  const inFlight = bot.state.stops.some((x) => x.state === 'PLACING') || bot.state.flatten !== null;
  if (!covering && !inFlight) {
    const tail = bot.log
      .slice(-8)
      .map((c) =>
        c.kind === 'Alert'
          ? c.code
          : c.kind === 'PlaceStop' || c.kind === 'ClosePosition'
            ? `${c.kind} ${c.request.clientOrderId}`
            : c.kind,
      );
    throw new Error(
      `${where}: a position of ${held} has no covering stop (state stops ${JSON.stringify(bot.state.stops)}, flatten ${JSON.stringify(bot.state.flatten)}, price ${bot.venue.price}, venue stops ${JSON.stringify(bot.venue.openOrders().filter((o) => o.kind === 'stop'))}, log tail ${JSON.stringify(tail)})`,
    );
  }
}

function assertCommandsWellFormed(commands: readonly Command[], bot: KlgBot): void {
  const rules = dogeRules();
  for (const c of commands) {
    // Every buy is one grid unit: the config's coins, or its quote amount as converted for this grid.
    if (c.kind === 'PlaceOrder' && c.request.side === 'buy' && !c.request.reduceOnly)
      expect(c.request.qty.toFixed()).toBe(gridUnit(bot.config, bot.state, rules).toFixed());
    if (c.kind === 'PlaceOrder') {
      expect(isMultipleOf(c.request.price, rules.tickSize)).toBe(true);
      expect(isMultipleOf(c.request.qty, rules.stepSize)).toBe(true);
      expect(c.request.qty.greaterThanOrEqualTo(minOrderCoins(c.request.price, rules))).toBe(true);
    }
    if (c.kind === 'AmendOrder') {
      expect(isMultipleOf(c.qty, rules.stepSize)).toBe(true);
      expect(c.openQty.greaterThanOrEqualTo(minOrderCoins(c.price, rules))).toBe(true);
    }
  }
}

describe('Key Level Grid properties', () => {
  it('keeps every invariant at every step of random, faulty runs', () => {
    fc.assert(
      fc.property(
        configArb,
        fc.integer({ min: 13_000, max: 27_000 }),
        fc.array(stepArb, { minLength: 5, maxLength: 60 }),
        (c, start, steps) => {
          const bot = makeBot(c, start);
          const delivered: Fill[] = [];
          let stopCancelledByHand = false;
          const check = (where: string) => {
            const violations = checkKlgInvariants(bot.state, bot.config, bot.venue.rules);
            if (violations.length) throw new Error(`${where}: ${violations.join('; ')}`);
          };
          bot.recon();
          check('first recon');
          // A quote-sized grid converts its unit at the first pass, at the price then.
          if (c.quotePct !== null) {
            const quote = bot.config.quote_amount_per_grid!;
            expect(bot.state.unit?.coins.toFixed()).toBe(
              convertQuoteUnit(quote, ticks(start), bot.venue.rules).toFixed(),
            );
          } else expect(bot.state.unit).toBeNull();
          for (const step of steps) {
            const before = bot.log.length;
            const unitBefore = bot.state.unit;
            // What the rebuild's decision held once it had read the exchange (null: no rebuild ran).
            let heldAtRebuild: ReturnType<typeof dec> | null = null;
            switch (step.kind) {
              case 'move': {
                const next = bot.venue.price.plus(ticks(step.delta));
                if (next.lessThanOrEqualTo(ticks(5_000))) break;
                const fills = bot.venue.moveTo(
                  next,
                  step.partial === undefined ? undefined : dec(step.partial),
                );
                const order = step.delivery === 'reverse' ? [...fills].reverse() : fills;
                if (step.delivery !== 'drop') {
                  for (const f of order) {
                    bot.fill(f);
                    delivered.push(f);
                    if (step.delivery === 'duplicate') bot.fill(f);
                    check(`fill ${f.tradeId}`);
                    // The fill's own decision protects the position (no recon needed), unless a fault
                    // made the stop's outcome unknown.
                    // ... when the event track's view is whole: no fault pending, no stop cancelled by hand,
                    // and a ledger that agrees with the exchange (dropped fills are recon's to recover).
                    if (
                      bot.venue.unknownNext === null &&
                      !stopCancelledByHand &&
                      bot.state.holdings.equals(bot.venue.position)
                    )
                      assertProtected(bot, `fill ${f.tradeId}`);
                  }
                }
                break;
              }
              case 'recon': {
                bot.recon();
                check('recon');
                assertProtected(bot, 'recon');
                stopCancelledByHand = false;
                expect(bot.state.holdings.equals(bot.venue.position)).toBe(true);
                const decided = bot.decided!;
                const saturated = decided.levels.every((l) => l.fillCounter >= bot.config.max_fill_per_level);
                if (!saturated) expect(counterDrift(decided, bot.config)).toBeLessThanOrEqual(1);
                break;
              }
              case 'hand':
                if (step.side === 'sell' && bot.venue.position.lessThan(step.qty)) break;
                bot.venue.handTrade(step.side, dec(step.qty));
                break;
              case 'cancelByHand': {
                const open = bot.venue.openOrders();
                const victim = open.length ? open[step.pick % open.length]! : null;
                if (victim) bot.venue.cancelByHand(victim.clientOrderId);
                // A stop cancelled by hand is seen by the next recon (stop_gone), not by the event track.
                if (victim?.kind === 'stop') stopCancelledByHand = true;
                break;
              }
              case 'fault': {
                if (step.mode === 'reject') {
                  const live = bot.state.levels.filter((l) => l.order);
                  if (live.length)
                    bot.venue.rejectNext.add(live[step.pick % live.length]!.order!.clientOrderId);
                } else bot.venue.unknownNext = step.mode as 'executed' | 'lost';
                break;
              }
              case 'replay': {
                if (!delivered.length) break;
                const f = delivered[step.pick % delivered.length]!;
                const again = onFill(bot.state, f, bot.config, bot.venue.market(), bot.venue.time);
                expect(again.state).toBe(bot.state);
                expect(again.commands).toEqual([]);
                break;
              }
              case 'rebuild': {
                // The grid moves onto new levels (a drift rebuild): every grid order is cancelled.
                const levels = bot.state.levels.map((l) => l.price.plus(ticks(step.shift)));
                if (levels.some((p) => p.lessThanOrEqualTo(ticks(5_000)))) break;
                const d = planRebuild(
                  bot.state,
                  bot.venue.snapshot(bot.state),
                  bot.config,
                  levels,
                  bot.venue.time,
                );
                bot.log.push(...d.commands);
                heldAtRebuild = d.state.holdings;
                bot.state = bot.venue.run(d.state, d.commands).state;
                check('rebuild');
                break;
              }
            }
            // Holdings are always counted in one unit: it changes only when nothing is held in the old one.
            const unitAfter = bot.state.unit;
            if (JSON.stringify(unitAfter) !== JSON.stringify(unitBefore)) {
              expect(step.kind).toBe('rebuild');
              expect(heldAtRebuild?.isZero()).toBe(true);
            }
            assertCommandsWellFormed(bot.log.slice(before), bot);
          }
          // Finally everything settles: a recon with all history applied agrees with the venue.
          bot.recon();
          check('final recon');
          assertProtected(bot, 'final recon');
          expect(bot.state.holdings.equals(bot.venue.position)).toBe(true);
        },
      ),
      { numRuns: Number(process.env.KLG_PROPERTY_RUNS ?? 150) },
    );
  });

  it('never lets the base position fall below (1 − sell_quota_ratio) of what was bought since flat', () => {
    fc.assert(
      fc.property(
        configArb,
        fc.integer({ min: 13_000, max: 27_000 }),
        fc.array(fc.integer({ min: -900, max: 900 }), { minLength: 5, maxLength: 80 }),
        (c, start, path) => {
          const bot = makeBot({ ...c, locked: 0 }, start);
          bot.recon();
          for (const d of path) {
            const next = bot.venue.price.plus(ticks(d));
            if (next.lessThanOrEqualTo(ticks(5_000))) continue;
            for (const f of bot.venue.moveTo(next)) bot.fill(f);
            bot.recon();
            const s = bot.state;
            if (s.holdings.isZero()) continue; // the stop loss or a flat position resets the base
            const sold = s.soldSinceFlat;
            const allowed = s.boughtSinceFlat.times(bot.config.sell_quota_ratio);
            // Exchange rounding can put at most one step over the quota.
            expect(sold.lessThanOrEqualTo(allowed.plus(1))).toBe(true);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('continues identically after the state is serialized and restored mid-run', () => {
    fc.assert(
      fc.property(
        configArb,
        fc.integer({ min: 13_000, max: 27_000 }),
        fc.array(fc.integer({ min: -600, max: 600 }), { minLength: 4, maxLength: 40 }),
        fc.nat(),
        (c, start, path, cut) => {
          const run = (restoreAt: number | null) => {
            const bot = makeBot(c, start);
            const trace: unknown[] = [];
            bot.recon();
            path.forEach((d, i) => {
              if (i === restoreAt) {
                // Restored through both stored layouts: the envelope, then the flat document.
                const viaEnvelope = parseKlgState(JSON.parse(JSON.stringify(klgStateToJson(bot.state, 2))));
                bot.state = parseKlgState(JSON.parse(JSON.stringify(klgStateToJson(viaEnvelope, 1))));
              }
              const next = bot.venue.price.plus(ticks(d));
              if (next.greaterThan(ticks(5_000)))
                for (const f of bot.venue.moveTo(next)) trace.push(bot.fill(f));
              trace.push(bot.recon());
            });
            return JSON.stringify({ trace, state: klgStateToJson(bot.state) });
          };
          expect(run(cut % path.length)).toBe(run(null));
        },
      ),
      { numRuns: 60 },
    );
  });
});

/**
 * The Key Level Grid's quiet band (`quiet-band.ts`), the promise the replay's quiet stretches rest on: after
 * a recon pass that decided nothing, a pass at any price strictly inside the band, with the exchange
 * unchanged, decides nothing either and changes the state only in its volatile fields. Random grids, random
 * walks (fills, rebuild-free), random buffers, stops and quote sizing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dec } from '../../../../../shared/domain/money.js';
import { sameExcept } from '../../../../../shared/domain/quiet-pass.js';
import type { KlgConfigInput } from '../../../../../shared/domain/strategies/klg/config.js';
import { planRecon } from '../../../../../shared/domain/strategies/klg/index.js';
import { klgStrategy } from '../../../../../shared/domain/strategies/klg/module.js';
import { klgQuietBand } from '../../../../../shared/domain/strategies/klg/quiet-band.js';
import { insideBand, type QuietBand } from '../../../../../shared/domain/strategy.js';
import { dogeRules } from '../../../../support/rules.js';
import { levelTicksArb, TICK, ticks } from '../../../../support/strategies/klg/arbitraries.js';
import { KlgBot } from '../../../../support/strategies/klg/bot.js';
import { klgConfig } from '../../../../support/strategies/klg/config.js';

const gridArb = fc.record({
  levelTicks: levelTicksArb,
  base: fc.integer({ min: 30, max: 400 }),
  buyBufBp: fc.integer({ min: 0, max: 80 }),
  sellBufBp: fc.integer({ min: 0, max: 80 }),
  maxFill: fc.integer({ min: 1, max: 3 }),
  stopMode: fc.constantFrom('lowest_support' as const, 'avg_entry' as const),
  quote: fc.boolean(),
});

type Grid = typeof gridArb extends fc.Arbitrary<infer G> ? G : never;

/** The grid's config: its levels, sizing, buffers, fill cap and stop. */
function configOf(g: Grid): Partial<KlgConfigInput> {
  return {
    levels: { source: 'manual', prices: g.levelTicks.map((t) => ticks(t).toFixed()) },
    ...(g.quote
      ? { quote_amount_per_grid: dec(g.base).times('0.2').toFixed() }
      : { base_amount_per_grid: String(g.base) }),
    buy_price_buffer_pct: (g.buyBufBp / 10_000).toString(),
    sell_price_buffer_pct: (g.sellBufBp / 10_000).toString(),
    max_fill_per_level: g.maxFill,
    stop_loss: { mode: g.stopMode, avg_entry_pct: '0.08', pause_after_trigger: false },
  };
}

/**
 * One more pass; when it settled as the replay judges it (decided nothing, changed only volatile fields),
 * the state it left and the band the strategy gives there.
 */
function settledBand(bot: KlgBot): { settled: KlgBot['state']; band: QuietBand } | null {
  const before = bot.state;
  if (bot.recon().length > 0) return null;
  const settled = bot.state;
  if (!sameExcept(before, settled, klgStrategy.reconVolatile!)) return null;
  const band = klgQuietBand(settled, bot.config, bot.venue.rules, bot.venue.price);
  return band ? { settled, band } : null;
}

describe('Key Level Grid quiet band', () => {
  it('a settled grid stays settled at every price strictly inside its band', () => {
    let probed = 0;
    fc.assert(
      fc.property(
        gridArb,
        fc.integer({ min: 13_000, max: 27_000 }),
        fc.array(fc.integer({ min: -900, max: 900 }), { minLength: 1, maxLength: 25 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 }),
        // Often end just above or below a level (inside its buffers: where the thresholds matter).
        fc.option(fc.tuple(fc.nat(), fc.integer({ min: -150, max: 150 })), { nil: null }),
        (g, start, moves, probes, near) => {
          const bot = new KlgBot(klgConfig(configOf(g)), ticks(start), dogeRules());
          bot.recon();
          for (const m of moves) {
            const next = bot.venue.price.plus(ticks(m));
            if (next.greaterThan(ticks(5_000))) bot.move(next.toFixed());
            // Passes until the grid settles (bounded: a grid that never settles gives no band), the fills
            // journaled as the shell does (a grid with fills to journal gives no band).
            for (let i = 0; i < 4 && bot.recon().length > 0; i++) bot.journal();
            bot.journal();
          }
          if (near) {
            const level = g.levelTicks[near[0] % g.levelTicks.length]!;
            if (near[1] !== 0) bot.move(ticks(level + near[1]).toFixed());
            for (let i = 0; i < 4 && bot.recon().length > 0; i++) bot.journal();
            bot.journal();
          }
          const found = settledBand(bot);
          if (!found) return;
          const { settled, band } = found;
          const low = band.low ?? bot.venue.price.times('0.5');
          const high = band.high ?? bot.venue.price.times('1.5');
          for (const f of probes) {
            // A tick-aligned price strictly inside (low, high).
            const span = high.minus(low).dividedBy(TICK).floor().toNumber();
            if (span < 2) return;
            const p = low.plus(ticks(1 + Math.floor(f * (span - 1))));
            if (!p.greaterThan(low) || !p.lessThan(high)) continue;
            const snap = { ...bot.venue.snapshot(settled), price: p, markPrice: p };
            const d = planRecon(settled, snap, bot.config, bot.venue.time + 60_000);
            expect(d.commands.map((c) => c.kind)).toEqual([]);
            expect(d.applied).toEqual([]);
            expect(sameExcept(settled, d.state, klgStrategy.reconVolatile!)).toBe(true);
            probed += 1;
          }
        },
      ),
      { numRuns: 400 },
    );
    expect(probed).toBeGreaterThan(100);
  });

  it('a pass that changed the grid but sent nothing, when deciding again on it changes nothing (a fixed point), leaves it settled inside its band', () => {
    let probed = 0;
    fc.assert(
      fc.property(
        gridArb,
        fc.integer({ min: 13_000, max: 27_000 }),
        fc.array(fc.integer({ min: -400, max: 400 }), { minLength: 1, maxLength: 25 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 6 }),
        (g, start, moves, probes) => {
          const bot = new KlgBot(klgConfig(configOf(g)), ticks(start), dogeRules());
          bot.recon();
          for (const m of moves) {
            const next = bot.venue.price.plus(ticks(m));
            if (next.greaterThan(ticks(5_000))) bot.move(next.toFixed());
            bot.journal();
            // One pass as recon makes it: changed, nothing sent?
            const before = bot.state;
            const snap = bot.venue.snapshot(before);
            const d = planRecon(before, snap, bot.config, bot.venue.time);
            const volatile = klgStrategy.reconVolatile!;
            if (d.commands.length === 0 && !sameExcept(before, d.state, volatile)) {
              const again = planRecon(d.state, snap, bot.config, bot.venue.time);
              const band = klgQuietBand(d.state, bot.config, bot.venue.rules, bot.venue.price);
              if (again.commands.length === 0 && sameExcept(d.state, again.state, volatile) && band) {
                const low = band.low ?? bot.venue.price.times('0.5');
                const high = band.high ?? bot.venue.price.times('1.5');
                const span = high.minus(low).dividedBy(TICK).floor().toNumber();
                for (const f of span >= 2 ? probes : []) {
                  const p = low.plus(ticks(1 + Math.floor(f * (span - 1))));
                  if (!p.greaterThan(low) || !p.lessThan(high)) continue;
                  const later = planRecon(
                    d.state,
                    { ...bot.venue.snapshot(d.state), price: p, markPrice: p },
                    bot.config,
                    bot.venue.time + 60_000,
                  );
                  expect(later.commands.map((c) => c.kind)).toEqual([]);
                  expect(sameExcept(d.state, later.state, volatile)).toBe(true);
                  probed += 1;
                }
              }
            }
            for (let i = 0; i < 4 && bot.recon().length > 0; i++) bot.journal();
            bot.journal();
          }
        },
      ),
      { numRuns: 500 },
    );
    expect(probed).toBeGreaterThan(40);
  });

  it('with coins held and the price inside a resistance’s sell buffer, the band reaches past a sell threshold only where no pass would act there', () => {
    // Buys filled on the way down, sells placed above; the price then comes back up to just below a
    // resistance, inside its sell buffer (no room for a new sell there). Where the live sells cover the
    // target (`sellsCovered`) the band reaches past that resistance's threshold; where they do not, the
    // threshold bounds it. Probes cover the whole span between the neighbouring levels.
    let probed = 0;
    let pastThreshold = 0;
    fc.assert(
      fc.property(
        gridArb.filter((g) => g.levelTicks.length >= 4 && g.sellBufBp >= 10),
        fc.integer({ min: 1, max: 3 }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 10 }),
        (g, down, inBuffer, probes) => {
          const levels = [...g.levelTicks].sort((a, b) => a - b);
          const top = levels[levels.length - 1]!;
          const bot = new KlgBot(klgConfig(configOf(g)), ticks(top + 500), dogeRules());
          // Passes until nothing is sent, the fills journaled as the shell does.
          const settle = () => {
            for (let i = 0; i < 4 && bot.recon().length > 0; i++) bot.journal();
            bot.journal();
          };
          settle();
          // Down through `down` supports (their buys fill), then back up into the buffer of the level above.
          const floorIndex = Math.max(0, levels.length - 1 - down);
          bot.move(ticks(levels[floorIndex]! - 50).toFixed());
          settle();
          const r = levels[floorIndex + 1]!;
          const buffer = Math.floor((r * g.sellBufBp) / 10_000);
          if (buffer < 3) return;
          const at = r - 1 - Math.floor(inBuffer * (buffer - 2));
          if (at <= levels[floorIndex]!) return;
          bot.move(ticks(at).toFixed());
          settle();
          if (bot.state.holdings.isZero()) return;
          const found = settledBand(bot);
          if (!found) return;
          const { settled, band } = found;
          const threshold = ticks(r).times(dec(1).minus(dec(g.sellBufBp).dividedBy(10_000)));
          const lowLevel = ticks(levels[floorIndex]!);
          // Probes across the band, bounded by the neighbouring levels (where the roles hold anyway).
          const from = band.low?.greaterThan(lowLevel) ? band.low : lowLevel;
          const to = band.high?.lessThan(ticks(r)) ? band.high : ticks(r);
          const span = to.minus(from).dividedBy(TICK).floor().toNumber();
          for (const f of span >= 2 ? probes : []) {
            const p = from.plus(ticks(1 + Math.floor(f * (span - 1))));
            if (!insideBand(p, p, band)) continue;
            const snap = { ...bot.venue.snapshot(settled), price: p, markPrice: p };
            const d = planRecon(settled, snap, bot.config, bot.venue.time + 60_000);
            expect(d.commands.map((c) => c.kind)).toEqual([]);
            expect(sameExcept(settled, d.state, klgStrategy.reconVolatile!)).toBe(true);
            probed += 1;
            if (p.lessThan(threshold) && !bot.venue.price.lessThan(threshold)) pastThreshold += 1;
          }
        },
      ),
      { numRuns: 600 },
    );
    expect(probed).toBeGreaterThan(200);
    expect(pastThreshold).toBeGreaterThan(30);
  });

  it('gives no band while something waits, or at a price the state was not decided at', () => {
    const bot = KlgBot.doge('0.2', {
      levels: { source: 'manual', prices: ['0.18', '0.19', '0.21', '0.22'] },
      base_amount_per_grid: '100',
    });
    bot.recon();
    bot.recon();
    const band = klgQuietBand(bot.state, bot.config, bot.venue.rules, dec('0.2'));
    // Below: the buy resting at 0.19 (it fills there). Above: 0.21 has no order (nothing held, nothing to
    // sell), so crossing it only flips its role; as a support it would get a buy once the price clears its
    // buffer (0.21 × 1.002).
    expect(band?.low?.toFixed()).toBe('0.19');
    expect(band?.high?.toFixed()).toBe(
      dec('0.21').times(dec(1).plus(bot.config.buy_price_buffer_pct)).toFixed(),
    );
    expect(band?.high?.toFixed()).toBe('0.21042');
    // Used up, 0.21 would get no buy: the band reaches the next level's threshold.
    const usedUp = {
      ...bot.state,
      levels: bot.state.levels.map((l) =>
        l.price.equals('0.21') ? { ...l, fillCounter: bot.config.max_fill_per_level } : l,
      ),
    };
    expect(klgQuietBand(usedUp, bot.config, bot.venue.rules, dec('0.2'))?.high?.toFixed()).toBe('0.22044');
    // The buy at 0.19 rests above 0.185: at 0.185 the state was not decided.
    expect(klgQuietBand(bot.state, bot.config, bot.venue.rules, dec('0.185'))).toBeNull();
    // On a level: no band.
    expect(klgQuietBand(bot.state, bot.config, bot.venue.rules, dec('0.19'))).toBeNull();
    // An order placing: no band.
    const placing = {
      ...bot.state,
      levels: bot.state.levels.map((l, i) => (i === 0 ? { ...l, state: 'PLACING' as const } : l)),
    };
    expect(klgQuietBand(placing, bot.config, bot.venue.rules, dec('0.2'))).toBeNull();
  });
});

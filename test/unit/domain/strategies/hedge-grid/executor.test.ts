/**
 * The hedge grid's executor (SPEC §3.2), pure: hand-worked prices, then random price paths through a small
 * matching loop (a resting order fills when the price reaches it) with every invariant the spec names:
 * every filled open gets exactly one take-profit, one spacing away; no level holds two orders of a kind;
 * the flow limits hold (resting opens, batch size, batch spacing); levels of a replaced version only close.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Decimal, dec, ZERO } from '../../../../../shared/domain/money.js';
import {
  adoptLevels,
  type Book,
  confirmed,
  ended,
  FAILED_AFTER,
  type FlowLimits,
  filled,
  freshLevels,
  type HedgeSide,
  heldBy,
  type LegGrid,
  levelState,
  openingPrice,
  type ParamsInForce,
  restingOpens,
  sent,
  shrink,
  step,
  takeProfitPrice,
} from '../../../../../shared/domain/strategies/hedge-grid/executor.js';
import { dogeRules } from '../../../../support/rules.js';

const rules = dogeRules();

function params(version = 1, over: Partial<ParamsInForce> = {}): ParamsInForce {
  const levelPrices = ['0.17', '0.171', '0.172', '0.173', '0.174', '0.175', '0.176', '0.177', '0.178'].map(
    (p) => dec(p),
  );
  return {
    version,
    computedAt: 0,
    levelPrices,
    spacing: dec('0.001'),
    amountPerLevel: dec('100'),
    leverage: 3,
    upper: dec('0.178'),
    lower: dec('0.17'),
    maintMarginRatio: dec('0.01'),
    ...over,
  };
}

const limits: FlowLimits = {
  maxOpenOrders: 4,
  maxOrdersPerBatch: 2,
  orderFrequencyMs: 3_000,
  activationBounds: null,
  upperLowerRatio: dec('0.5'),
  safeExtraSpread: dec('0.001'),
};

const book = (mid: string): Book => ({ bid: dec(mid), ask: dec(mid).plus('0.00001') });

/** A LONG step at mid 0.1745 under version-1 parameters and the test limits, opening freely. */
const longStep = (grid: LegGrid, now: number, over: Partial<Parameters<typeof step>[0]> = {}) =>
  step({
    side: 'LONG',
    grid,
    params: params(),
    limits,
    book: book('0.1745'),
    rules,
    opening: true,
    openRoom: null,
    now,
    ...over,
  });

describe('prices', () => {
  it('puts a take-profit one spacing from the entry, or safe_extra_spread off the book when that would cross it', () => {
    const b = book('0.1740');
    // LONG: sell at entry + spacing, rounded up to the tick.
    expect(takeProfitPrice('LONG', dec('0.17351'), dec('0.001'), b, dec('0.001'), rules).toFixed()).toBe(
      '0.17451',
    );
    // At or below the bid it would take: 0.1% above the bid, rounded up (0.174 × 1.001 = 0.174174 → 0.17418).
    expect(takeProfitPrice('LONG', dec('0.1725'), dec('0.001'), b, dec('0.001'), rules).toFixed()).toBe(
      '0.17418',
    );
    // SHORT mirrored: buy at entry − spacing, or 0.1% below the ask.
    expect(takeProfitPrice('SHORT', dec('0.1748'), dec('0.001'), b, dec('0.001'), rules).toFixed()).toBe(
      '0.1738',
    );
    expect(takeProfitPrice('SHORT', dec('0.176'), dec('0.001'), b, dec('0.001'), rules).toFixed()).toBe(
      '0.17383',
    );
  });

  it('opens at the level, or safe_extra_spread off the book when the level is past it', () => {
    const b = book('0.1740');
    expect(openingPrice('LONG', dec('0.173'), b, dec('0.001'), rules).toFixed()).toBe('0.173');
    // A buy level above the ask: 0.1% under the ask (0.17401 × 0.999 = 0.17383599 → 0.17383).
    expect(openingPrice('LONG', dec('0.175'), b, dec('0.001'), rules).toFixed()).toBe('0.17383');
    expect(openingPrice('SHORT', dec('0.175'), b, dec('0.001'), rules).toFixed()).toBe('0.175');
    expect(openingPrice('SHORT', dec('0.173'), b, dec('0.001'), rules).toFixed()).toBe('0.17418');
  });
});

describe('one step', () => {
  it('splits opening orders above and below the price by upper_lower_ratio, nearest first, one batch at a time', () => {
    const grid: LegGrid = { levels: freshLevels(params()), lastBatchAt: null };
    const r = longStep(grid, 0);
    const opens = r.intents.filter((i) => i.kind === 'open');
    // A batch is two, nearest the mid (0.174505) first: 0.175 above it, then 0.174 below it.
    expect(opens.map((i) => (i.kind === 'open' ? i.key : -1))).toEqual([1005, 1004]);
    expect(r.grid.lastBatchAt).toBe(0);
    // Within order_frequency nothing more opens; after it, the next batch fills the quotas (2 above, 2 below).
    let g = r.grid;
    for (const i of r.intents) g = sent(g, i, `id${i.key}`, 0);
    const soon = longStep(g, 2_999);
    expect(soon.intents).toEqual([]);
    const later = longStep(g, 3_000);
    expect(later.intents.filter((i) => i.kind === 'open').map((i) => i.key)).toEqual([1006, 1003]);
  });

  it('cancels resting opens when opening stops, outside the activation bounds, or of a replaced version', () => {
    let g: LegGrid = { levels: freshLevels(params()), lastBatchAt: null };
    const first = longStep(g, 0);
    for (const i of first.intents) g = confirmed(sent(g, i, `id${i.key}`, 0), `id${i.key}`);
    const stopped = longStep(g, 10_000, { opening: false, openRoom: 0 });
    expect(stopped.intents.map((i) => i.kind)).toEqual(['cancel', 'cancel']);
    const bounded = longStep(g, 10_000, { limits: { ...limits, activationBounds: dec('0.001') } });
    // 0.174 and 0.175 are within 0.29% of 0.1745, not within 0.1%: both go.
    expect(bounded.intents.filter((i) => i.kind === 'cancel')).toHaveLength(2);
    const v2 = params(2, { levelPrices: [dec('0.18'), dec('0.181')] });
    const adopted: LegGrid = { ...g, levels: adoptLevels(g.levels, v2) };
    const replaced = longStep(adopted, 10_000, { params: v2 });
    expect(
      replaced.intents.filter((i) => i.kind === 'cancel').map((i) => i.kind === 'cancel' && i.reason),
    ).toEqual(['parameter version 1 replaced by 2', 'parameter version 1 replaced by 2']);
  });

  it('keeps the levels of a replaced version that hold coins until their take-profit completes, then drops them', () => {
    let g: LegGrid = { levels: freshLevels(params()), lastBatchAt: null };
    const o = longStep(g, 0).intents[0]!;
    g = confirmed(sent(g, o, 'open1', 0), 'open1');
    g = filled(g, 'LONG', 'open1', dec('100'), dec('0.174'), 1)!.grid;
    const v2 = params(2);
    g = { ...g, levels: adoptLevels(g.levels, v2) };
    expect(g.levels.filter((l) => l.version === 1)).toHaveLength(1);
    const tp = longStep(g, 2, { params: v2, opening: false, openRoom: 0 });
    const close = tp.intents.find((i) => i.kind === 'close')!;
    expect(close.kind === 'close' && close.price.toFixed()).toBe('0.175');
    g = confirmed(sent(tp.grid, close, 'tp1', 2), 'tp1');
    const done = filled(g, 'LONG', 'tp1', dec('100'), dec('0.175'), 3)!;
    expect(done.completed?.pnl.toFixed()).toBe('0.1');
    const after = longStep(done.grid, 4, { params: v2, opening: false, openRoom: 0 });
    expect(after.reset).toBe(1);
    expect(after.grid.levels.every((l) => l.version === 2)).toBe(true);
  });

  it('counts a level FAILED after repeated refusals and tries it again later', () => {
    let g: LegGrid = { levels: freshLevels(params()), lastBatchAt: null };
    const key = g.levels[4]!.key;
    for (let n = 0; n < FAILED_AFTER; n++) {
      g = sent(g, { kind: 'open', key, price: dec('0.174'), qty: dec('100') }, `o${n}`, n);
      g = ended(g, `o${n}`, true, n);
    }
    const lv = g.levels.find((l) => l.key === key)!;
    expect(levelState(lv, 10)).toBe('FAILED');
    expect(levelState(lv, 10 + 300_000)).toBe('NOT_ACTIVE');
  });

  it('cancels the rest of a partly filled open after a minute, so its filled coins get a take-profit', () => {
    let g: LegGrid = { levels: freshLevels(params()), lastBatchAt: null };
    const key = g.levels[4]!.key;
    g = confirmed(sent(g, { kind: 'open', key, price: dec('0.174'), qty: dec('100') }, 'p1', 0), 'p1');
    g = filled(g, 'LONG', 'p1', dec('30'), dec('0.174'), 1_000)!.grid;
    expect(longStep(g, 59_999).intents.filter((i) => i.kind === 'cancel')).toEqual([]);
    const later = longStep(g, 60_000);
    expect(later.intents.find((i) => i.kind === 'cancel')).toMatchObject({
      id: 'p1',
      reason: expect.stringMatching(/^partly filled/),
    });
    // Once the cancel is confirmed, the 30 coins get their take-profit.
    const after = ended(
      sent(later.grid, later.intents.find((i) => i.kind === 'cancel')!, 'p1', 60_000),
      'p1',
      false,
      60_001,
    );
    const tp = longStep(after, 60_002).intents.find((i) => i.kind === 'close');
    expect(tp).toMatchObject({ kind: 'close', key });
    expect(tp?.qty.toFixed()).toBe('30');
  });

  it('shrinks the worst entries first when coins go another way, cancelling take-profits left with nothing', () => {
    let g: LegGrid = { levels: freshLevels(params()), lastBatchAt: null };
    const a = g.levels[3]!;
    const b = g.levels[4]!;
    g = sent(g, { kind: 'open', key: a.key, price: dec('0.173'), qty: dec('100') }, 'a', 0);
    g = sent(g, { kind: 'open', key: b.key, price: dec('0.174'), qty: dec('100') }, 'b', 0);
    g = filled(g, 'LONG', 'a', dec('100'), dec('0.173'), 1)!.grid;
    g = filled(g, 'LONG', 'b', dec('100'), dec('0.174'), 1)!.grid;
    g = sent(
      g,
      { kind: 'close', key: b.key, price: dec('0.175'), qty: dec('100'), entry: dec('0.174') },
      'tpb',
      1,
    );
    const r = shrink(g, 'LONG', dec('120'));
    expect(heldBy(r.grid).toFixed()).toBe('80');
    // The 0.174 level (the worst long entry) went first and whole: its take-profit is cancelled.
    expect(r.cancels).toEqual([
      { kind: 'cancel', key: b.key, id: 'tpb', reason: 'nothing left to take profit on' },
    ]);
    expect(r.grid.levels.find((l) => l.key === a.key)!.held.toFixed()).toBe('80');
  });
});

// --- random price paths -----------------------------------------------------------------------------

interface Resting {
  readonly id: string;
  readonly price: Decimal;
  readonly buy: boolean;
}

/** Runs a leg along a price path: orders rest at their price and fill when the path reaches it. */
function run(side: HedgeSide, path: readonly number[], flow: FlowLimits) {
  const p = params();
  let grid: LegGrid = { levels: freshLevels(p), lastBatchAt: null };
  let n = 0;
  const resting = new Map<string, Resting>();
  const problems: string[] = [];
  let opened = 0;
  let tpsPlaced = 0;
  let lastBatch: number | null = null;
  const tpOf = new Map<number, number>();
  let now = 0;
  for (const step0 of path) {
    now += 1_000;
    const mid = dec('0.17').plus(dec(String(step0)).times('0.0001'));
    const b: Book = { bid: mid, ask: mid.plus(rules.tickSize) };
    // Fills: a buy rests at or below its price, a sell at or above.
    for (const o of [...resting.values()]) {
      const hit = o.buy ? b.ask.lessThanOrEqualTo(o.price) : b.bid.greaterThanOrEqualTo(o.price);
      if (!hit) continue;
      resting.delete(o.id);
      const before = grid.levels.find((l) => l.open?.id === o.id || l.close?.id === o.id);
      const r = filled(
        grid,
        side,
        o.id,
        before!.open?.id === o.id ? before!.open.qty : before!.close!.qty,
        o.price,
        now,
      );
      if (!r) problems.push(`fill of ${o.id} found no level`);
      else grid = r.grid;
      if (before?.open?.id === o.id) opened += 1;
    }
    const r = step({
      side,
      grid,
      params: p,
      limits: flow,
      book: b,
      rules,
      opening: true,
      openRoom: null,
      now,
    });
    grid = r.grid;
    const opens = r.intents.filter((i) => i.kind === 'open');
    if (opens.length > flow.maxOrdersPerBatch) problems.push(`${opens.length} opens in one batch`);
    if (opens.length > 0) {
      if (lastBatch !== null && now - lastBatch < flow.orderFrequencyMs) problems.push('batches too close');
      lastBatch = now;
    }
    for (const i of r.intents) {
      const id = `o${n++}`;
      if (i.kind === 'cancel') {
        resting.delete(i.id);
        grid = ended(sent(grid, i, i.id, now), i.id, false, now);
        continue;
      }
      const lv = grid.levels.find((l) => l.key === i.key)!;
      if (i.kind === 'open' && (lv.open || lv.close || lv.held.greaterThan(0)))
        problems.push(`an open on busy level ${i.key}`);
      if (i.kind === 'close') {
        if (lv.close) problems.push(`a second take-profit on level ${i.key}`);
        tpsPlaced += 1;
        tpOf.set(i.key, (tpOf.get(i.key) ?? 0) + 1);
        const gap = side === 'LONG' ? i.price.minus(i.entry) : i.entry.minus(i.price);
        if (gap.lessThan(p.spacing)) problems.push(`take-profit ${i.price} within a spacing of ${i.entry}`);
        if (!i.qty.equals(lv.held)) problems.push(`take-profit ${i.qty} for ${lv.held} held`);
      }
      grid = confirmed(sent(grid, i, id, now), id);
      resting.set(id, { id, price: i.price, buy: (side === 'LONG') === (i.kind === 'open') });
    }
    if (restingOpens(grid).count > flow.maxOpenOrders) problems.push('more opens rest than max_open_orders');
    // Every level holding coins has its take-profit resting once this step is done.
    for (const l of grid.levels)
      if (l.held.greaterThan(0) && !l.close && !l.open)
        problems.push(`level ${l.key} holds without a take-profit`);
  }
  return { problems, opened, tpsPlaced, grid, ZERO };
}

describe('random price paths', () => {
  const pathArb = fc.array(fc.integer({ min: 0, max: 80 }), { minLength: 5, maxLength: 200 });
  const flowArb = fc.record({
    maxOpenOrders: fc.integer({ min: 1, max: 6 }),
    maxOrdersPerBatch: fc.integer({ min: 1, max: 3 }),
    orderFrequencyMs: fc.constantFrom(0, 1_000, 3_000, 10_000),
    ratio: fc.constantFrom('0', '0.25', '0.5', '1'),
  });

  for (const side of ['LONG', 'SHORT'] as const)
    it(`${side}: every filled open gets exactly one take-profit one spacing away, no level holds two orders, the flow limits hold`, () => {
      fc.assert(
        fc.property(pathArb, flowArb, (path, f) => {
          const flow: FlowLimits = {
            ...limits,
            maxOpenOrders: f.maxOpenOrders,
            maxOrdersPerBatch: f.maxOrdersPerBatch,
            orderFrequencyMs: f.orderFrequencyMs,
            upperLowerRatio: dec(f.ratio),
          };
          const r = run(side, path, flow);
          expect(r.problems).toEqual([]);
          // Opens filled are closed, or rest with their take-profit: one take-profit per filled open.
          expect(r.tpsPlaced).toBe(r.opened);
        }),
        { numRuns: 150 },
      );
    });
});

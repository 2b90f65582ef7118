/**
 * The ATR hedge grid behind the seam, pure: its config, its stored state, and its decisions on fills,
 * outcomes and recon snapshots with both legs in view (one parameter version, the opening gate, the
 * protective stop with the first fill, a failing leg stopping both).
 */
import { describe, expect, it } from 'vitest';
import {
  type CancelOrder,
  type Command,
  isOrderCommand,
  type OrderCommand,
  type PlaceOrder,
} from '../../../../../shared/domain/commands.js';
import { dec } from '../../../../../shared/domain/money.js';
import type { Fill } from '../../../../../shared/domain/orders.js';
import {
  type HedgeGridConfig,
  hedgeGridConfigSchema,
} from '../../../../../shared/domain/strategies/hedge-grid/config.js';
import type { ParamsInForce } from '../../../../../shared/domain/strategies/hedge-grid/executor.js';
import {
  adoptParams,
  hedgeLegs,
  hedgeGridStrategy as hg,
  initialHedgeGridState,
  openingGate,
} from '../../../../../shared/domain/strategies/hedge-grid/module.js';
import type { HedgeGridState } from '../../../../../shared/domain/strategies/hedge-grid/state.js';
import type { LegSnapshot } from '../../../../../shared/domain/strategy.js';
import { dogeRules } from '../../../../support/rules.js';
import { legSnapshot } from '../../../../support/strategies/hedge-grid.js';

const rules = dogeRules({ symbol: 'DOGE/USDT:USDT' });

function config(over: Record<string, unknown> = {}): HedgeGridConfig {
  return hedgeGridConfigSchema.parse({
    id: 'hg',
    strategy: 'atr_hedge_grid',
    symbol: 'DOGE/USDT:USDT',
    accounts: { long: 'a', short: 'b' },
    // Room for the first batches of both legs (the default 10% of 8 levels is one level of net).
    risk: { max_position_imbalance_pct: 0.5 },
    ...over,
  });
}

function params(version = 1): ParamsInForce {
  return {
    version,
    computedAt: 0,
    levelPrices: ['0.170', '0.171', '0.172', '0.173', '0.174', '0.175', '0.176', '0.177'].map((p) => dec(p)),
    spacing: dec('0.001'),
    amountPerLevel: dec('100'),
    leverage: 3,
    upper: dec('0.177'),
    lower: dec('0.170'),
    maintMarginRatio: dec('0.01'),
  };
}

const legs = hedgeLegs(config());
const long = legs[0]!;
const short = legs[1]!;

function snapshot(leg: (typeof legs)[number], over: Partial<LegSnapshot> = {}): LegSnapshot {
  return legSnapshot(leg, rules, '0.1735', over);
}

/** A running pair: parameters in force, positions read once, the first batches placed and confirmed. */
function running(cfg = config()): { state: HedgeGridState; commands: Command[] } {
  let s = adoptParams(initialHedgeGridState(cfg, 0), params(), 0);
  const d = hg.planRecon(
    s,
    hedgeLegs(cfg).map((l) => snapshot(l)),
    cfg,
    1_000,
  );
  s = d.state;
  for (const c of d.commands)
    if (isOrderCommand(c)) s = hg.applyOutcome(s, c, { kind: 'placed' }, cfg, 1_000).state;
  return { state: s, commands: [...d.commands] };
}

const places = (cs: readonly Command[]) => cs.filter((c): c is PlaceOrder => c.kind === 'PlaceOrder');

function fillOf(order: PlaceOrder, at = 2_000): Fill {
  return {
    tradeId: `t-${order.request.clientOrderId}`,
    symbol: order.request.symbol,
    clientOrderId: order.request.clientOrderId,
    exchangeOrderId: '1',
    side: order.request.side,
    positionSide: order.request.positionSide,
    price: order.request.price,
    qty: order.request.qty,
    fee: dec('0'),
    isMaker: true,
    time: at,
  };
}

describe('config', () => {
  it('reads two legs on two accounts, or the long leg alone', () => {
    expect(hedgeLegs(config()).map((l) => `${l.role}:${l.account}:${l.positionSide}`)).toEqual([
      'long:a:LONG',
      'short:b:SHORT',
    ]);
    expect(hedgeLegs(config({ accounts: { long: 'a' } })).map((l) => l.role)).toEqual(['long']);
  });

  it('refuses one account for both legs, naming the field and the fix', () => {
    const r = hedgeGridConfigSchema.safeParse({
      id: 'hg',
      strategy: 'atr_hedge_grid',
      symbol: 'DOGE/USDT:USDT',
      accounts: { long: 'a', short: 'a' },
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['accounts', 'short']);
    expect(r.error?.issues[0]?.message).toMatch(/two different accounts.*single-account mode/);
    const few = hedgeGridConfigSchema.safeParse({
      id: 'hg',
      strategy: 'atr_hedge_grid',
      symbol: 'DOGE/USDT:USDT',
      accounts: { long: 'a' },
      grid: { atr_period: 30, candles: 20 },
    });
    expect(few.error?.issues.map((i) => i.path.join('.'))).toContain('grid.candles');
  });
});

describe('decisions', () => {
  it('opens both legs only once parameters are in force and the positions are read', () => {
    const cfg = config();
    const bare = initialHedgeGridState(cfg, 0);
    expect(openingGate(bare, 'long', cfg).why).toBe('no parameters in force yet');
    const withParams = adoptParams(bare, params(), 0);
    expect(openingGate(withParams, 'long', cfg).why).toBe('the position has not been read yet');
    const { commands } = running(cfg);
    const opens = places(commands);
    expect(opens.filter((c) => c.tag?.leg === 'long').map((c) => c.request.side)).toEqual(['buy', 'buy']);
    expect(opens.filter((c) => c.tag?.leg === 'short').map((c) => c.request.side)).toEqual(['sell', 'sell']);
    expect(opens.every((c) => c.request.timeInForce === 'GTX' && c.tag?.paramsVersion === 1)).toBe(true);
    expect(opens.every((c) => c.request.account === (c.tag?.leg === 'long' ? 'a' : 'b'))).toBe(true);
  });

  it('answers an open fill with its take-profit and the leg stop in the same decision', () => {
    const cfg = config();
    const { state, commands } = running(cfg);
    const open = places(commands).find((c) => c.tag?.leg === 'long')!;
    const d = hg.onFill(
      state,
      fillOf(open),
      long,
      cfg,
      { price: dec('0.1735'), rules, supportsAmend: true },
      2_000,
      'own',
    );
    expect(d.applied).toBe(true);
    const tp = places(d.commands).find((c) => c.tag?.role === 'close')!;
    expect(tp.request.side).toBe('sell');
    expect(tp.request.positionSide).toBe('LONG');
    expect(tp.request.price.equals(open.request.price.plus('0.001'))).toBe(true);
    expect(tp.tag?.entry?.equals(open.request.price)).toBe(true);
    const stop = d.commands.find((c) => c.kind === 'PlaceStop');
    expect(stop?.kind === 'PlaceStop' && stop.request.closePosition).toBe(true);
    // One spacing below the channel: 0.170 − 0.001.
    expect(stop?.kind === 'PlaceStop' && stop.request.triggerPrice.toFixed()).toBe('0.169');
    expect(stop?.kind === 'PlaceStop' && stop.leg).toBe('long');
    // The journal line names the leg; the same fill again is not applied twice.
    expect(d.state.unjournaled.at(-1)?.leg).toBe('long');
    expect(hg.ledger(d.state).legs.long?.qty.toFixed()).toBe('100');
    const again = hg.onFill(
      d.state,
      fillOf(open),
      long,
      cfg,
      { price: dec('0.1735'), rules, supportsAmend: true },
      2_100,
      'own',
    );
    expect(again.applied).toBe(false);
  });

  it('stops opening on both legs when one leg keeps being refused, and the sync rule is raised', () => {
    const cfg = config({ executor: { max_consecutive_rejections: 2 } });
    const { state } = running(cfg);
    let s = state;
    const more = hg.planRecon(
      s,
      [snapshot(long, { at: 10_000 }), snapshot(short, { at: 10_000 })],
      cfg,
      10_000,
    );
    s = more.state;
    const refused = places(more.commands).filter((c) => c.tag?.leg === 'short');
    expect(refused.length).toBeGreaterThanOrEqual(2);
    const alerts: string[] = [];
    for (const c of refused.slice(0, 2)) {
      const r = hg.applyOutcome(
        s,
        c,
        { kind: 'rejected', reason: 'insufficient_margin', message: 'Margin is insufficient' },
        cfg,
        10_000,
      );
      s = r.state;
      for (const a of r.commands) if (a.kind === 'Alert') alerts.push(a.code);
    }
    expect(alerts).toEqual(['hedge_leg_failed']);
    expect(s.legs.short?.failure?.reason).toBe('2 of its orders were refused in a row');
    expect(openingGate(s, 'long', cfg).why).toBe('a leg has failed (both or neither)');
    // The long leg's resting opens are cancelled on its next decision.
    const next = hg.planRecon(
      s,
      [snapshot(long, { at: 20_000 }), snapshot(short, { at: 20_000 })],
      cfg,
      20_000,
    );
    expect(next.commands.filter((c): c is OrderCommand => c.kind === 'CancelOrder').length).toBeGreaterThan(
      0,
    );
    expect(places(next.commands).filter((c) => c.tag?.role === 'open')).toEqual([]);
  });

  it('adopts a new parameter version on both legs in one decision and cancels the old opens', () => {
    const cfg = config();
    const { state } = running(cfg);
    const v2 = adoptParams(
      state,
      { ...params(2), levelPrices: params().levelPrices.map((p) => p.plus('0.0005')) },
      5_000,
    );
    expect(v2.params?.version).toBe(2);
    expect(hg.invariants(v2, cfg, rules).some((m) => m.includes('version 1 rests under version 2'))).toBe(
      true,
    );
    const d = hg.planRecon(v2, [snapshot(long, { at: 5_000 }), snapshot(short, { at: 5_000 })], cfg, 5_000);
    const cancels = d.commands.filter((c) => c.kind === 'CancelOrder');
    expect(cancels).toHaveLength(4);
    expect(
      places(d.commands)
        .filter((c) => c.tag?.role === 'open')
        .every((c) => c.tag?.paramsVersion === 2),
    ).toBe(true);
    // Once the cancels are confirmed nothing of version 1 rests.
    let s = d.state;
    for (const c of d.commands)
      if (c.kind === 'CancelOrder') s = hg.applyOutcome(s, c, { kind: 'cancelled' }, cfg, 5_000).state;
    expect(hg.invariants(s, cfg, rules)).toEqual([]);
    // An older version is never adopted over a newer one.
    expect(adoptParams(s, params(1), 6_000)).toBe(s);
  });

  it('gates opens by the imbalance allowance: a leg heavy by the allowance opens no more', () => {
    const cfg = config({ risk: { max_position_imbalance_pct: 0.0625 } });
    // 0.0625 × 2 × 8 levels × 100 = 100 coins: one level of net.
    const { state } = running(cfg);
    expect(openingGate(state, 'long', cfg).room).toBe(0);
    const lonely = running(config({ accounts: { long: 'a' } }));
    expect(openingGate(lonely.state, 'long', config({ accounts: { long: 'a' } })).room).toBeNull();
  });

  it('closes a leg at market when its stop would trigger at once', () => {
    const cfg = config();
    const { state, commands } = running(cfg);
    const open = places(commands).find((c) => c.tag?.leg === 'long')!;
    const filled = hg.onFill(
      state,
      fillOf(open),
      long,
      cfg,
      { price: dec('0.1735'), rules, supportsAmend: true },
      2_000,
      'own',
    );
    const stop = filled.commands.find((c) => c.kind === 'PlaceStop')!;
    const s = {
      ...filled.state,
      legs: {
        ...filled.state.legs,
        long: {
          ...filled.state.legs.long!,
          position: { qty: dec('100'), entry: dec('0.173'), liquidation: null },
        },
      },
    };
    const r = hg.applyOutcome(
      s,
      stop as OrderCommand,
      { kind: 'rejected', reason: 'would_trigger', message: 'Order would immediately trigger.' },
      cfg,
      2_100,
    );
    const close = r.commands.find((c) => c.kind === 'ClosePosition');
    expect(
      close?.kind === 'ClosePosition' && [close.request.side, close.request.qty.toFixed(), close.leg],
    ).toEqual(['sell', '100', 'long']);
  });
});

describe('what the review found (each a scenario that lost protection or money)', () => {
  const market = { price: dec('0.1735'), rules, supportsAmend: true };

  it('does not fail a leg on orders never sent or held back by our own pre-trade step', () => {
    const cfg = config({ executor: { max_consecutive_rejections: 1 } });
    const { state } = running(cfg);
    const more = hg.planRecon(
      state,
      [snapshot(long, { at: 10_000 }), snapshot(short, { at: 10_000 })],
      cfg,
      10_000,
    );
    const order = places(more.commands).find((c) => c.tag?.leg === 'short')!;
    for (const reason of ['rate_limited', 'network', 'not_sent', 'pre_trade', 'post_only_would_take']) {
      const r = hg.applyOutcome(
        more.state,
        order,
        { kind: 'rejected', reason, message: reason },
        cfg,
        10_000,
      );
      expect(r.state.legs.short?.failure).toBeNull();
    }
    const venue = hg.applyOutcome(
      more.state,
      order,
      { kind: 'rejected', reason: 'insufficient_margin', message: 'x' },
      cfg,
      10_000,
    );
    expect(venue.state.legs.short?.failure?.reason).toBe('1 of its orders were refused in a row');
  });

  it('decides again on a cancel that did not go through', () => {
    const cfg = config();
    const { state } = running(cfg);
    const stopped = hg.pause(state, 'operator', 2_000);
    const d = hg.planRecon(
      stopped,
      [snapshot(long, { at: 2_000 }), snapshot(short, { at: 2_000 })],
      cfg,
      2_000,
    );
    const cancel = d.commands.find((c): c is CancelOrder => c.kind === 'CancelOrder')!;
    const refused = hg.applyOutcome(
      d.state,
      cancel,
      { kind: 'rejected', reason: 'rate_limited', message: '429' },
      cfg,
      2_000,
    );
    const again = hg.planRecon(
      refused.state,
      [snapshot(long, { at: 3_000 }), snapshot(short, { at: 3_000 })],
      cfg,
      3_000,
    );
    expect(
      again.commands.some((c) => c.kind === 'CancelOrder' && c.clientOrderId === cancel.clientOrderId),
    ).toBe(true);
  });

  it('fails the leg when its stop would trigger at once, and places no take-profit while shut down', () => {
    const cfg = config();
    const { state, commands } = running(cfg);
    const open = places(commands).find((c) => c.tag?.leg === 'long')!;
    const f = hg.onFill(state, fillOf(open), long, cfg, market, 2_000, 'own');
    const stop = f.commands.find((c) => c.kind === 'PlaceStop') as OrderCommand;
    const s = {
      ...f.state,
      legs: {
        ...f.state.legs,
        long: {
          ...f.state.legs.long!,
          position: { qty: dec('100'), entry: dec('0.173'), liquidation: null },
        },
      },
    };
    const r = hg.applyOutcome(
      s,
      stop,
      { kind: 'rejected', reason: 'would_trigger', message: 'x' },
      cfg,
      2_100,
    );
    expect(r.state.legs.long?.failure?.reason).toMatch(/would have triggered at once/);
    // Shut down: the closer owns the positions; a held level gets no take-profit from the grid.
    const down = { ...r.state, shutdown: { at: 2_200, reason: 'x', handedOver: true } };
    const after = hg.onMarket!(
      down,
      long,
      {
        ...market,
        channel: 'bookTop',
        bid: dec('0.1735'),
        ask: dec('0.17351'),
        tape: {} as never,
        run: 'r1',
        time: 2_300,
      },
      cfg,
      2_300,
    );
    expect(places(after?.commands ?? [])).toEqual([]);
  });

  it('books a late fill of an open no level tracks any more, and gives it a take-profit', () => {
    const cfg = config();
    const { state, commands } = running(cfg);
    const open = places(commands).find((c) => c.tag?.leg === 'long')!;
    // Its cancel is confirmed (the level forgets it) and the level gets a newer open...
    const cancelled = hg.applyOutcome(
      state,
      {
        kind: 'CancelOrder',
        instanceId: 'hg',
        account: 'a',
        symbol: open.request.symbol,
        clientOrderId: open.request.clientOrderId,
        level: open.level,
        reason: 'x',
      },
      { kind: 'cancelled' },
      cfg,
      3_000,
    );
    // ...then the old order's fill arrives late.
    const late = hg.onFill(cancelled.state, fillOf(open, 3_500), long, cfg, market, 3_500, 'own');
    const level = late.state.legs.long!.grid.levels.find((l) => l.key === open.level)!;
    expect(level.held.toFixed()).toBe('100');
    expect(places(late.commands).some((c) => c.tag?.role === 'close' && c.level === open.level)).toBe(true);
  });

  it('does not take coins off the levels on a recon read a trade crossed', () => {
    const cfg = config();
    const { state, commands } = running(cfg);
    const open = places(commands).find((c) => c.tag?.leg === 'long')!;
    // The position was read (flat) before the open filled; the trade history has the fill.
    const crossed = hg.planRecon(
      state,
      [snapshot(long, { at: 5_000, fills: [fillOf(open, 5_001)] }), snapshot(short, { at: 5_000 })],
      cfg,
      5_000,
    );
    expect(crossed.state.legs.long?.grid.levels.find((l) => l.key === open.level)?.held.toFixed()).toBe(
      '100',
    );
    expect(
      crossed.commands.filter((c) => c.kind === 'Alert' && c.code === 'hedge_position_resynced'),
    ).toEqual([]);
  });

  it('starts the drawdown anew on resume', () => {
    const s = running().state;
    const after = hg.resume({ ...s, paused: true, risk: { ...s.risk, peakEquity: dec('5000') } }, 9_000);
    expect(after.risk.peakEquity).toBeNull();
  });
});

describe('stored state', () => {
  it('round-trips every field through its stored form', () => {
    const cfg = config();
    const { state, commands } = running(cfg);
    const open = places(commands).find((c) => c.tag?.leg === 'short')!;
    const d = hg.onFill(
      state,
      fillOf(open),
      short,
      cfg,
      { price: dec('0.1735'), rules, supportsAmend: true },
      2_000,
      'own',
    );
    const json = JSON.parse(JSON.stringify(hg.stateToJson(d.state)));
    const back = hg.parseState(json);
    expect(JSON.parse(JSON.stringify(hg.stateToJson(back)))).toEqual(json);
    expect(back.legs.short?.ledgerQty.toFixed()).toBe('100');
    expect(hg.ledger(back).holdings.toFixed()).toBe('-100');
  });

  it('refuses a corrupt body naming the field, never half read', () => {
    const json = JSON.parse(JSON.stringify(hg.stateToJson(running().state)));
    json.body.legs.long.levels[0].held = '-5';
    expect(() => hg.parseState(json)).toThrow(/body\.legs\.long\.levels\.0\.held: must not be negative/);
  });
});

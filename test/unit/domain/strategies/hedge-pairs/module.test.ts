/**
 * Hedge pairs, the pure module: pairing and the start judgement, sizing, the pair stop, the unwind (or
 * top-up) of a half-filled pair, rotation with a shuffle, and errors that stop one pair alone.
 */
import { describe, expect, it } from 'vitest';
import {
  type ClosePosition,
  type Command,
  type FlattenLegs,
  isOrderCommand,
  type PlaceOrder,
  type PlaceStop,
} from '../../../../../shared/domain/commands.js';
import { deploymentConfigSchema } from '../../../../../shared/domain/config/deployment.js';
import { dec } from '../../../../../shared/domain/money.js';
import type { Fill } from '../../../../../shared/domain/orders.js';
import {
  type HedgePairsConfig,
  hedgePairsConfigSchema,
} from '../../../../../shared/domain/strategies/hedge-pairs/config.js';
import {
  hedgePairLegs,
  hedgePairsStrategy as hp,
  initialHedgePairsState,
} from '../../../../../shared/domain/strategies/hedge-pairs/module.js';
import {
  type HedgePairsState,
  hedgePairsStateToJson,
  parseHedgePairsState,
} from '../../../../../shared/domain/strategies/hedge-pairs/state.js';
import type { LegSnapshot } from '../../../../../shared/domain/strategy.js';
import { btcRules } from '../../../../support/rules.js';
import { legSnapshot } from '../../../../support/strategies/hedge-grid.js';
import { onOwnFill, onPairsMarket, pairsConfigInput } from '../../../../support/strategies/hedge-pairs.js';

const rules = btcRules();
const PRICE = '50000';

function config(over: Record<string, unknown> = {}): HedgePairsConfig {
  return hedgePairsConfigSchema.parse(pairsConfigInput(over));
}

const legsOf = (c: HedgePairsConfig) => hedgePairLegs(c);
const leg = (c: HedgePairsConfig, role: string) => legsOf(c).find((l) => l.role === role)!;

function snaps(
  c: HedgePairsConfig,
  price: string,
  at: number,
  over: Record<string, Partial<LegSnapshot>> = {},
): LegSnapshot[] {
  return legsOf(c).map((l) => legSnapshot(l, rules, price, { at, ...over[l.role] }));
}

/** Each outcome `placed`, folded in order. */
function placed(s: HedgePairsState, commands: readonly Command[], c: HedgePairsConfig, now: number) {
  let state = s;
  const more: Command[] = [];
  for (const x of commands)
    if (isOrderCommand(x)) {
      const d = hp.applyOutcome(state, x, { kind: 'placed' }, c, now);
      state = d.state;
      more.push(...d.commands);
    }
  return { state, more };
}

let trade = 0;
function fillOf(o: PlaceOrder | ClosePosition, qty: string, price: string, time: number): Fill {
  trade += 1;
  return {
    tradeId: `t${trade}`,
    symbol: o.request.symbol,
    clientOrderId: o.request.clientOrderId,
    exchangeOrderId: `x${trade}`,
    side: o.request.side,
    positionSide: o.request.positionSide,
    price: dec(price),
    qty: dec(qty),
    fee: dec('0.01'),
    isMaker: false,
    time,
  };
}

const market = { price: dec(PRICE), markPrice: dec(PRICE), rules, supportsAmend: true };
const opens = (cs: readonly Command[]) => cs.filter((x): x is PlaceOrder => x.kind === 'PlaceOrder');

/** A state with every pair judged and idle (first recon on flat accounts), then its opens placed. */
function opened(c: HedgePairsConfig) {
  const s0 = initialHedgePairsState(c, 0);
  const d = hp.planRecon(s0, snaps(c, PRICE, 1_000), c, 1_000);
  return { ...placed(d.state, d.commands, c, 1_000), commands: d.commands };
}

/** Fills every open in full at the given prices (long at `lp`, short at `sp`). */
function fillAll(s0: HedgePairsState, c: HedgePairsConfig, cmds: readonly Command[], lp: string, sp: string) {
  let s = s0;
  const out: Command[] = [];
  for (const o of opens(cmds)) {
    const l = leg(c, o.request.account);
    const d = onFill(
      s,
      fillOf(o, o.request.qty.toFixed(), l.positionSide === 'LONG' ? lp : sp, 2_000),
      l,
      c,
      market,
      2_000,
    );
    s = d.state;
    out.push(...d.commands);
  }
  return { state: s, commands: out };
}

const onFill = onOwnFill;
const onMarket = onPairsMarket;

describe('hedge pairs config', () => {
  it('refuses an account in two pairs, naming it', () => {
    const r = hedgePairsConfigSchema.safeParse({
      ...{ id: 'p', strategy: 'hedge_pairs', symbol: 'BTC/USDT:USDT', notional_usd: 100, leverage: 5 },
      stop_loss_threshold: 10,
      pairs: [
        { long: 'a1', short: 'a2' },
        { long: 'a2', short: 'a3' },
      ],
    });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('account \\"a2\\" is already in pairs[0].short');
  });

  it('refuses leverage outside 1-100 and a stop beyond liquidation', () => {
    expect(() => config({ leverage: 101 })).toThrow(/between 1 and 100/);
    expect(() => config({ leverage: 25, protective_stop_pct: 5 })).toThrow(
      /must be below 3.20 at leverage 25/,
    );
  });

  it('every account a pair names must be declared in the deployment', () => {
    const r = deploymentConfigSchema.safeParse({
      accounts: [{ id: 'a1', exchange: 'binanceusdm' }],
      instances: [
        {
          id: 'p',
          strategy: 'hedge_pairs',
          symbol: 'BTC/USDT:USDT',
          pairs: [{ long: 'a1', short: 'a9' }],
          notional_usd: 100,
          leverage: 5,
          stop_loss_threshold: 10,
        },
      ],
    });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('unknown account \\"a9\\"');
  });
});

describe('hedge pairs: start and opening', () => {
  it('skips a pair whose account holds a position and one that cannot be read, and opens the rest', () => {
    const c = config({
      pairs: [
        { long: 'a1', short: 'a2' },
        { long: 'a3', short: 'a4' },
        { long: 'a5', short: 'a6' },
      ],
    });
    const s0 = initialHedgePairsState(c, 0);
    const d = hp.planRecon(
      s0,
      snaps(c, PRICE, 1_000, {
        a3: {
          position: { symbol: c.symbol, positionSide: 'LONG', qty: dec('0.01'), entryPrice: dec('49000') },
        },
        a6: { unreadable: { kind: 'fatal', message: 'Invalid API-key' }, position: null },
      }),
      c,
      1_000,
    );
    expect(d.state.pairs.map((p) => p.status)).toEqual(['opening', 'skipped', 'skipped']);
    expect(d.state.pairs[1]!.reason).toContain('account a3 already holds 0.01');
    expect(d.state.pairs[2]!.reason).toContain('account a6 cannot be read (Invalid API-key)');
    // The skipped pairs' legs are left alone (the shared recon checks do not judge them).
    expect(d.unmanaged).toEqual(['a3', 'a4', 'a5', 'a6']);
    const o = opens(d.commands);
    expect(
      o.map((x) => [x.request.account, x.request.side, x.request.positionSide, x.request.timeInForce]),
    ).toEqual([
      ['a1', 'buy', 'LONG', 'IOC'],
      ['a2', 'sell', 'SHORT', 'IOC'],
    ]);
    // Equal sizes: 200 USD at 50 000 is 0.004 BTC; priced at most 0.5% through the price.
    expect(o.map((x) => x.request.qty.toFixed())).toEqual(['0.004', '0.004']);
    expect(o[0]!.request.price.toFixed()).toBe('50250');
    expect(o[1]!.request.price.toFixed()).toBe('49750');
    expect(d.commands.filter((x) => x.kind === 'Alert' && x.code === 'pair_skipped')).toHaveLength(2);
  });

  it('opens nothing while paused, and a pair too small to trade is stopped with the fix', () => {
    const c = config({ notional_usd: 20 });
    const d = hp.planRecon(initialHedgePairsState(c, 0), snaps(c, PRICE, 1_000), c, 1_000);
    expect(d.state.pairs.every((p) => p.status === 'stopped')).toBe(true);
    expect(d.state.pairs[0]!.reason).toContain('raise notional_usd');
    const paused = hp.pause(initialHedgePairsState(config(), 0), 'operator', 0);
    const p = hp.planRecon(paused, snaps(config(), PRICE, 1_000), config(), 1_000);
    expect(opens(p.commands)).toHaveLength(0);
  });

  it('both legs filled: the pair is open and each leg gets its stop in the decision that saw its fill', () => {
    const c = config();
    const o = opened(c);
    const f = fillAll(o.state, c, o.commands, '50010', '49990');
    expect(f.state.pairs.map((p) => p.status)).toEqual(['open', 'open']);
    const stops = f.commands.filter((x): x is PlaceStop => x.kind === 'PlaceStop');
    expect(stops).toHaveLength(4);
    const a1 = stops.find((x) => x.request.account === 'a1')!;
    expect(a1.request).toMatchObject({
      side: 'sell',
      positionSide: 'LONG',
      closePosition: true,
      workingType: 'MARK_PRICE',
    });
    // 5% below the long's entry (rounded away from it), 5% above the short's.
    expect(a1.request.triggerPrice.toFixed()).toBe('47509.5');
    expect(stops.find((x) => x.request.account === 'a2')!.request.triggerPrice.toFixed()).toBe('52489.5');
    expect(hp.invariants(f.state, c, rules)).toEqual([]);
    // The state survives a round trip through its stored form.
    const back = parseHedgePairsState(JSON.parse(JSON.stringify(hedgePairsStateToJson(f.state))));
    expect(hedgePairsStateToJson(back)).toEqual(hedgePairsStateToJson(f.state));
  });
});

describe('hedge pairs: the pair stop', () => {
  it('a pair whose combined loss passes the threshold hands both its legs to the closer; the other pair stays', () => {
    const c = config({ stop_loss_threshold: 1 });
    const o = opened(c);
    let s = placed(o.state, o.commands, c, 1_000).state;
    const f = fillAll(s, c, o.commands, '50000', '50000');
    s = placed(f.state, f.commands, c, 2_000).state;
    // Pair 1's long leg is refilled far worse by hand: its entries now cost it 2 USD at any mark.
    s = { ...s, legs: { ...s.legs, a1: { ...s.legs.a1!, entry: dec('50500') } } };
    const d = onMarket(
      s,
      leg(c, 'a1'),
      {
        ...market,
        channel: 'markPrice',
        tape: { trades: [], bookTop: null, mark: null } as never,
        run: 'r1',
        time: 3_000,
      },
      c,
      3_000,
    );
    expect(d).not.toBeNull();
    const flatten = d!.commands.filter((x): x is FlattenLegs => x.kind === 'FlattenLegs');
    expect(flatten).toEqual([
      {
        kind: 'FlattenLegs',
        instanceId: 'pairs',
        legs: ['a1', 'a2'],
        urgency: 'emergency',
        reason: expect.stringContaining('pair 1'),
      },
    ]);
    expect(d!.state.pairs.map((p) => p.status)).toEqual(['closing', 'open']);
    expect(d!.commands.some((x) => x.kind === 'Alert' && x.code === 'pair_stop_loss')).toBe(true);
    // The other pair's events decide nothing.
    expect(
      onMarket(
        d!.state,
        leg(c, 'a3'),
        { ...market, channel: 'markPrice', tape: {} as never, run: 'r1', time: 3_001 },
        c,
        3_001,
      ),
    ).toBeNull();
    // Flat by the exchange's word after the hand-over: the hand-over ends and the pair is stopped.
    const r = hp.planRecon(
      d!.state,
      snaps(c, PRICE, 4_000, {
        a3: {
          position: { symbol: c.symbol, positionSide: 'LONG', qty: dec('0.004'), entryPrice: dec('50000') },
        },
        a4: {
          position: { symbol: c.symbol, positionSide: 'SHORT', qty: dec('-0.004'), entryPrice: dec('50000') },
        },
      }),
      c,
      4_000,
    );
    expect(r.state.pairs.map((p) => p.status)).toEqual(['stopped', 'open']);
    expect(r.commands.filter((x) => x.kind === 'EndFlatten')).toEqual([
      { kind: 'EndFlatten', instanceId: 'pairs', legs: ['a1', 'a2'], reason: 'pair 1 is flat' },
    ]);
  });
});

describe('hedge pairs: a half-filled pair', () => {
  function halfFilled(c: HedgePairsConfig, refuse: boolean) {
    const o = opened(c);
    let s = o.state;
    const [long, short] = opens(o.commands);
    s = placed(s, [long!], c, 1_000).state;
    const refused = refuse
      ? hp.applyOutcome(s, short!, { kind: 'rejected', reason: 'network', message: 'ECONNRESET' }, c, 1_000)
      : // The venue's answer: the IOC is over, nothing executed (no fill will come).
        hp.applyOutcome(s, short!, { kind: 'placed', status: 'EXPIRED', filledQty: dec(0) }, c, 1_000);
    s = refused.state;
    return onFill(s, fillOf(long!, '0.004', PRICE, 1_100), leg(c, 'a1'), c, market, 1_100);
  }

  it('unwinds the filled leg at once when its partner was refused (default action)', () => {
    const c = config({ pairs: [{ long: 'a1', short: 'a2' }] });
    const d = halfFilled(c, true);
    const unwind = d.commands.filter((x): x is ClosePosition => x.kind === 'ClosePosition');
    expect(
      unwind.map((x) => [x.request.account, x.request.side, x.request.positionSide, x.request.qty.toFixed()]),
    ).toEqual([['a1', 'sell', 'LONG', '0.004']]);
    // The filled leg got its stop in the same decision: never naked.
    expect(d.commands.some((x) => x.kind === 'PlaceStop' && x.request.account === 'a1')).toBe(true);
    expect(d.state.pairs[0]!.errors).toBe(1);
  });

  it('waits `after_sec` for a partner that may still fill, then unwinds; `hedge` tops the partner up', () => {
    const c = config({ pairs: [{ long: 'a1', short: 'a2' }] });
    const d = halfFilled(c, false);
    expect(d.commands.some((x) => x.kind === 'ClosePosition')).toBe(false);
    const ev = (t: number) => ({
      ...market,
      channel: 'timer' as const,
      tape: {} as never,
      run: 'r1',
      time: t,
    });
    const later = onMarket(d.state, leg(c, 'a1'), ev(11_100), c, 11_100)!;
    expect(later.commands.filter((x) => x.kind === 'ClosePosition')).toHaveLength(1);

    const h = config({ pairs: [{ long: 'a1', short: 'a2' }], partial_fill: { action: 'hedge' } });
    const dh = halfFilled(h, false);
    const top = onMarket(dh.state, leg(h, 'a1'), ev(11_100), h, 11_100)!;
    const again = opens(top.commands);
    expect(again.map((x) => [x.request.account, x.request.side, x.request.qty.toFixed()])).toEqual([
      ['a2', 'sell', '0.004'],
    ]);
  });

  it('a severe refusal stops that pair alone, its filled leg unwound; the other pair opens', () => {
    const c = config();
    const o = opened(c);
    const [l1, s1, l2, s2] = opens(o.commands);
    let s = placed(o.state, [l1!, l2!, s2!], c, 1_000).state;
    s = hp.applyOutcome(
      s,
      s1!,
      { kind: 'rejected', reason: 'fatal', message: 'Invalid API-key, IP, or permissions' },
      c,
      1_000,
    ).state;
    expect(s.pairs.map((p) => p.status)).toEqual(['stopped', 'opening']);
    const d1 = onFill(s, fillOf(l1!, '0.004', PRICE, 1_100), leg(c, 'a1'), c, market, 1_100);
    expect(
      d1.commands.filter((x) => x.kind === 'ClosePosition').map((x) => (x as ClosePosition).request.account),
    ).toEqual(['a1']);
    let t = d1.state;
    for (const o2 of [l2!, s2!])
      t = onFill(t, fillOf(o2, '0.004', PRICE, 1_200), leg(c, o2.request.account), c, market, 1_200).state;
    expect(t.pairs.map((p) => p.status)).toEqual(['stopped', 'open']);
  });
});

describe('hedge pairs: rotation', () => {
  it('closes after the hold, reopens after the delay, re-paired by a shuffle once every pair is flat', () => {
    const c = config({ rotation: { hold_minutes: 1, shuffle: true, reopen_delay_sec: 5 } });
    const o = opened(c);
    const f = fillAll(placed(o.state, o.commands, c, 1_000).state, c, o.commands, PRICE, PRICE);
    let s = placed(f.state, f.commands, c, 2_000).state;
    const ev = (t: number) => ({
      ...market,
      channel: 'timer' as const,
      tape: {} as never,
      run: 'r1',
      time: t,
    });
    const held = snaps(c, PRICE, 63_000, {
      a1: { position: { symbol: c.symbol, positionSide: 'LONG', qty: dec('0.004'), entryPrice: dec(PRICE) } },
      a2: {
        position: { symbol: c.symbol, positionSide: 'SHORT', qty: dec('-0.004'), entryPrice: dec(PRICE) },
      },
      a3: { position: { symbol: c.symbol, positionSide: 'LONG', qty: dec('0.004'), entryPrice: dec(PRICE) } },
      a4: {
        position: { symbol: c.symbol, positionSide: 'SHORT', qty: dec('-0.004'), entryPrice: dec(PRICE) },
      },
    });
    const r = hp.planRecon(s, held, c, 63_000);
    const hand = r.commands.filter((x): x is FlattenLegs => x.kind === 'FlattenLegs');
    expect(hand.map((x) => [x.legs, x.urgency])).toEqual([
      [['a1', 'a2'], 'normal'],
      [['a3', 'a4'], 'normal'],
    ]);
    s = r.state;
    const flat = hp.planRecon(s, snaps(c, PRICE, 70_000), c, 70_000);
    expect(flat.state.pairs.map((p) => [p.status, p.rotations])).toEqual([
      ['idle', 1],
      ['idle', 1],
    ]);
    // Re-paired: each long account has a new short partner.
    expect(flat.state.pairs.map((p) => `${p.long}/${p.short}`)).toEqual(['a1/a4', 'a3/a2']);
    expect(opens(flat.commands)).toHaveLength(0);
    const again = onMarket(flat.state, leg(c, 'a1'), ev(76_000), c, 76_000)!;
    expect(opens(again.commands).map((x) => x.request.account)).toEqual(['a1', 'a4']);
  });
});

describe('hedge pairs: what must never happen', () => {
  const ev = (t: number) => ({ ...market, channel: 'timer' as const, tape: {} as never, run: 'r1', time: t });

  it('never opens a pair again while its acknowledged opens have not shown what they did (a lagging stream)', () => {
    const c = config({ pairs: [{ long: 'a1', short: 'a2' }] });
    const o = opened(c);
    let s = o.state;
    let opensSent = opens(o.commands).length;
    // No fill reaches the worker for a minute of wake-ups: nothing opens again.
    for (let t = 2_000; t <= 62_000; t += 1_000) {
      const d = onMarket(s, leg(c, 'a1'), ev(t), c, t);
      if (d) {
        s = d.state;
        opensSent += opens(d.commands).length;
      }
    }
    expect(opensSent).toBe(2);
    // Recon reads the positions well after: both legs held, the opens settled, the pair open.
    const held = snaps(c, PRICE, 63_000, {
      a1: { position: { symbol: c.symbol, positionSide: 'LONG', qty: dec('0.004'), entryPrice: dec(PRICE) } },
      a2: {
        position: { symbol: c.symbol, positionSide: 'SHORT', qty: dec('-0.004'), entryPrice: dec(PRICE) },
      },
    });
    const r = hp.planRecon(s, held, c, 63_000);
    expect(opens(r.commands)).toHaveLength(0);
    expect(r.state.pairs[0]!.status).toBe('open');
    expect(r.state.legs.a1!.order).toBeNull();
  });

  it('hands a pair still holding five minutes after its hand-over to the closer again, as an emergency', () => {
    const c = config({ pairs: [{ long: 'a1', short: 'a2' }], stop_loss_threshold: 0.001 });
    const o = opened(c);
    const f = fillAll(o.state, c, o.commands, '50001', '50000');
    const s = placed(f.state, f.commands, c, 2_000).state;
    const holding = (at: number) =>
      snaps(c, PRICE, at, {
        a1: {
          position: { symbol: c.symbol, positionSide: 'LONG', qty: dec('0.004'), entryPrice: dec('50001') },
        },
        a2: {
          position: { symbol: c.symbol, positionSide: 'SHORT', qty: dec('-0.004'), entryPrice: dec('50000') },
        },
      });
    const first = hp.planRecon(s, holding(3_000), c, 3_000);
    expect(first.commands.filter((x) => x.kind === 'FlattenLegs')).toHaveLength(1);
    const soon = hp.planRecon(first.state, holding(60_000), c, 60_000);
    expect(soon.commands.filter((x) => x.kind === 'FlattenLegs')).toHaveLength(0);
    const late = hp.planRecon(soon.state, holding(3_000 + 5 * 60_000), c, 3_000 + 5 * 60_000);
    expect(
      late.commands.filter((x): x is FlattenLegs => x.kind === 'FlattenLegs').map((x) => x.urgency),
    ).toEqual(['emergency']);
    expect(late.commands.some((x) => x.kind === 'Alert' && x.code === 'pair_close_retried')).toBe(true);
  });

  it('judges a pair added to the config; resume reopens a stopped pair only once it is flat', () => {
    const c1 = config({ pairs: [{ long: 'a1', short: 'a2' }] });
    const s1 = hp.planRecon(initialHedgePairsState(c1, 0), snaps(c1, PRICE, 1_000), c1, 1_000).state;
    const c2 = config({
      pairs: [
        { long: 'a1', short: 'a2' },
        { long: 'a3', short: 'a4' },
      ],
    });
    const r = hp.planRecon(s1, snaps(c2, PRICE, 2_000), c2, 2_000);
    expect(r.state.pairs.map((p) => `${p.long}/${p.short}:${p.status}`)).toEqual([
      'a1/a2:opening',
      'a3/a4:opening',
    ]);
    const stopped = {
      ...r.state,
      pairs: r.state.pairs.map((p, i) => ({ ...p, status: 'stopped' as const, reason: i === 0 ? 'x' : 'y' })),
      legs: { ...r.state.legs, a3: { ...r.state.legs.a3!, qty: dec('0.004'), order: null } },
    };
    const resumed = hp.resume(stopped, 3_000);
    expect(resumed.pairs.map((p) => p.status)).toEqual(['idle', 'stopped']);
    // Close-all never hands over a pair that is not ours.
    const skipped = {
      ...r.state,
      pairs: [{ ...r.state.pairs[0]!, status: 'skipped' as const }, r.state.pairs[1]!],
    };
    expect(hp.leavesAlone!(skipped)).toEqual(['a1', 'a2']);
  });
});

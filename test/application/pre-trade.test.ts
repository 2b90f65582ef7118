/**
 * The decision pipeline's pre-trade step on real parts (paper exchange, Key Level Grid): denied orders are
 * never sent and come back to the strategy as refusals, alerted once; the order-rate window holds a burst
 * back until it slides; protective orders always pass, logged as a bypass.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runAdminCommand } from '../../shared/application/admin.js';
import { guardRails } from '../../shared/application/guard-rails.js';
import { reconcileInstance } from '../../shared/application/reconcile-instance.js';
import type { PreTradeLimits } from '../../shared/domain/guards/pre-trade.js';
import { dec } from '../../shared/domain/money.js';
import { parseKlgConfig } from '../../shared/domain/strategies/klg/config.js';
import { type PaperApp, paperApp } from '../support/app.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';
import { loadKlg } from '../support/strategies/klg/state.js';

const SYMBOL = 'DOGE/USDC:USDC';
let app: PaperApp | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});

function limits(over: Partial<PreTradeLimits>): PreTradeLimits {
  return { maxOrderNotional: null, priceBandPct: dec('5'), maxOrdersPer10s: 300, ...over };
}

/** The account's limits, changeable while the app runs. */
let accountLimits: Map<string, PreTradeLimits>;

async function guarded(over: Partial<PreTradeLimits>): Promise<PaperApp> {
  const a = await paperApp();
  accountLimits = new Map([['main', limits(over)]]);
  const ctx = { ...a.ctx, guards: guardRails(accountLimits) };
  return { ...a, ctx };
}

const denials = (a: PaperApp, check: string) =>
  a.metrics.filter((m) => m.name === 'PreTradeDenialsByCheck' && m.dims.check === check).length;

describe('the pre-trade step', () => {
  it('denies buys above max_order_notional: nothing reaches the exchange, the journal and one alert say why', async () => {
    app = await guarded({ maxOrderNotional: dec('5') }); // one grid unit is 100 DOGE ≈ 18 USDC
    await reconcileInstance(app.ctx, 'dogeklg');
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    expect(await app.port.openOrders(SYMBOL)).toEqual([]);
    expect(denials(app, 'order_notional')).toBeGreaterThan(0);
    // The journal keeps the denials that opened the episode (the first pass's four); the second pass's are
    // counted in the metrics only.
    const rejected = app.events.filter((e) => e.type === 'order_rejected');
    expect(rejected.length).toBe(4);
    expect(rejected.every((e) => e.code === 'pre_trade_order_notional')).toBe(true);
    expect(denials(app, 'order_notional')).toBe(8);
    expect(rejected[0]!.reason).toMatch(
      /^pre_trade: buy 100 at 0\.\d+ is \d+(\.\d+)? notional, above max_order_notional 5/,
    );
    // One alert for the condition, however many passes and levels it denies: the pipeline's, for every
    // strategy (the grid raises none of its own for a pre-trade refusal).
    expect(app.alerts.filter((a) => a.code === 'pre_trade_order_notional')).toHaveLength(1);
    expect(app.alerts.filter((a) => a.code === 'order_rejected_buy')).toHaveLength(0);
    const grid = (await loadKlg(app.ctx.store, 'dogeklg'))!;
    expect(grid.levels.every((l) => l.order === null && l.state === 'IDLE')).toBe(true);
    expect(grid.activeAlerts).toContain('pre_trade_order_notional');
    // The cap is raised: the next pass places the grid and the condition clears, once.
    accountLimits.set('main', limits({ maxOrderNotional: dec('50') }));
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    expect((await app.port.openOrders(SYMBOL)).filter((o) => o.side === 'buy').length).toBeGreaterThan(0);
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    expect(app.alerts.filter((a) => a.code === 'pre_trade_order_notional_resolved')).toHaveLength(1);
    expect((await loadKlg(app.ctx.store, 'dogeklg'))!.activeAlerts).not.toContain('pre_trade_order_notional');
  });

  it('caps what an instance holds and bids for at its own guards.max_position_notional', async () => {
    // 100 DOGE per level at 0.18, 0.17, 0.16, 0.15: 18 + 17 = 35 fits under 40; a third buy would not.
    app = await paperApp({ instance: { guards: { max_position_notional: '40' } } });
    await reconcileInstance(app.ctx, 'dogeklg');
    const buys = (await app.port.openOrders(SYMBOL)).filter((o) => o.side === 'buy');
    expect(buys.map((o) => o.price?.toFixed())).toEqual(['0.18', '0.17']);
    expect(denials(app, 'position_notional')).toBe(2);
    // The first buy fills: holdings count, so the freed level is not re-bought beyond the cap.
    await app.feed('0.185 0.185 0.1795 0.181');
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    const after = (await app.port.openOrders(SYMBOL)).filter((o) => o.side === 'buy');
    const held = (await app.port.position(SYMBOL, 'LONG')).qty;
    const exposure = held
      .times('0.18')
      .plus(after.reduce((sum, o) => sum.plus(o.price!.times(o.qty)), dec(0)));
    expect(exposure.lessThanOrEqualTo(40)).toBe(true);
    expect(held.toFixed()).toBe('100');
  });

  it('holds an instance within its capital budget, reserving for live buys, and says so in its status', async () => {
    // Budget 40 at 1×: the 0.18 and 0.17 buys reserve 18 + 17 = 35; the 0.16 buy (16 more) would not fit.
    app = await paperApp({ instance: { guards: { budget: '40' } } });
    await reconcileInstance(app.ctx, 'dogeklg');
    const buys = (await app.port.openOrders(SYMBOL)).filter((o) => o.side === 'buy');
    expect(buys.map((o) => o.price?.toFixed())).toEqual(['0.18', '0.17']);
    expect(denials(app, 'budget')).toBe(2);
    const status = (await runAdminCommand(app.ctx, { command: 'status', instanceId: 'dogeklg' })) as {
      detail: { guards: Record<string, unknown> };
    };
    expect(status.detail.guards).toMatchObject({
      exposureNotional: '35',
      leverage: '0.0035', // 35 of 10 000 USDC
      budget: { budget: '40', leverage: '1', positionMargin: '0', reservedMargin: '35', available: '5' },
      alerts: ['pre_trade_budget'],
    });
    // The 0.18 buy fills: its reservation becomes position margin; nothing is freed for another buy.
    await app.feed('0.185 0.185 0.1795 0.181');
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    const after = (await runAdminCommand(app.ctx, { command: 'status', instanceId: 'dogeklg' })) as {
      detail: { guards: { budget: Record<string, string> } };
    };
    expect(after.detail.guards.budget).toMatchObject({
      positionMargin: '18',
      reservedMargin: '17',
      available: '5',
    });
    expect((await app.port.openOrders(SYMBOL)).filter((o) => o.side === 'buy')).toHaveLength(1);
    // One alert for the condition, however many denials.
    expect(app.alerts.filter((a) => a.code === 'pre_trade_budget')).toHaveLength(1);
  });

  it('caps what every instance on the account holds and bids for together, and its leverage', async () => {
    // Two grids on one account, each bidding 18 + 17 + 16 + 15 = 66: the account allows 100 in all.
    const usdt = parseKlgConfig(klgConfigInput({ id: 'dogeusdt', symbol: 'DOGE/USDT:USDT' }));
    const a = await paperApp({ instances: [parseKlgConfig(klgConfigInput()), usdt] });
    a.ex.applyCandle('DOGEUSDT', {
      openTime: a.clock.now() - 60_000,
      open: dec('0.185'),
      high: dec('0.185'),
      low: dec('0.185'),
      close: dec('0.185'),
      volume: dec('1'),
    });
    accountLimits = new Map([['main', limits({ maxAccountNotional: dec('100') })]]);
    app = { ...a, ctx: { ...a.ctx, guards: guardRails(accountLimits) } };
    await reconcileInstance(app.ctx, 'dogeklg');
    const first = (await app.port.openOrders(SYMBOL)).filter((o) => o.side === 'buy');
    expect(first.map((o) => o.price?.toFixed())).toEqual(['0.18', '0.17', '0.16', '0.15']);
    await reconcileInstance(app.ctx, 'dogeusdt');
    // 66 + 18 = 84; + 17 = 101 no; + 16 = 100; + 15 no.
    const second = (await app.port.openOrders('DOGE/USDT:USDT')).filter((o) => o.side === 'buy');
    expect(second.map((o) => o.price?.toFixed())).toEqual(['0.18', '0.16']);
    expect(denials(app, 'account_position_notional')).toBe(2);
    expect(app.alerts.filter((x) => x.code === 'pre_trade_account_position_notional')).toHaveLength(1);
  });

  it('caps the account leverage against its equity, read once from the venue', async () => {
    // 10 000 USDC of equity, max 0.005×: 18 + 17 = 35 fits, + 16 = 51 does not, + 15 = 50 does.
    app = await guarded({ maxLeverage: dec('0.005') });
    await reconcileInstance(app.ctx, 'dogeklg');
    const buys = (await app.port.openOrders(SYMBOL)).filter((o) => o.side === 'buy');
    expect(buys.map((o) => o.price?.toFixed())).toEqual(['0.18', '0.17', '0.15']);
    expect(denials(app, 'leverage')).toBe(1);
  });

  it('refuses, for the grid, the buys that would put liquidation before the stop: nearest first, one alert', async () => {
    // 60 USDC behind units of 1000 DOGE: two fit before liquidation nears the stop (0.14925), a third does not.
    app = await paperApp({
      instance: {
        base_amount_per_grid: '1000',
        levels: { source: 'manual', prices: ['0.15', '0.16', '0.17', '0.18'] },
      },
      balances: { main: { USDC: '60' } },
    });
    await reconcileInstance(app.ctx, 'dogeklg');
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    const buys = (await app.port.openOrders(SYMBOL)).filter((o) => o.side === 'buy');
    expect(buys.map((o) => o.price?.toFixed())).toEqual(['0.18', '0.17']);
    expect(denials(app, 'margin')).toBeGreaterThanOrEqual(2);
    const rejected = app.events.filter((e) => e.type === 'order_rejected');
    expect(rejected[0]!.reason).toMatch(
      /liquidation would come before the stop loss \(liquidation_before_stop\)/,
    );
    expect(app.alerts.filter((a) => a.code === 'pre_trade_margin')).toHaveLength(1);
  });

  it('holds a burst back at max_orders_per_10s until the window slides', async () => {
    app = await guarded({ maxOrdersPer10s: 2 });
    await reconcileInstance(app.ctx, 'dogeklg');
    expect(await app.port.openOrders(SYMBOL)).toHaveLength(2);
    expect(denials(app, 'order_rate')).toBeGreaterThan(0);
    // Within the same 10 s nothing more leaves; after it, the next pass places two more.
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    expect(await app.port.openOrders(SYMBOL)).toHaveLength(2);
    await app.clock.advanceBy(11_000);
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    expect(await app.port.openOrders(SYMBOL)).toHaveLength(4);
  });

  it('never holds back a protective stop: it passes as a logged bypass while every buy is denied', async () => {
    app = await guarded({ maxOrderNotional: dec('1'), maxOrdersPer10s: 1 });
    // The account already holds a position when the instance starts: cold start adopts it and protects it.
    const bought = await app.port.submit({
      type: 'market',
      account: 'main',
      symbol: SYMBOL,
      clientOrderId: 'web_manual_1',
      side: 'buy',
      positionSide: 'LONG',
      qty: dec('100'),
    });
    expect(bought.ok).toBe(true);
    await reconcileInstance(app.ctx, 'dogeklg');
    const open = await app.port.openOrders(SYMBOL);
    expect(open.filter((o) => o.kind === 'stop')).toHaveLength(1);
    expect(open.filter((o) => o.kind !== 'stop')).toEqual([]);
    expect(app.logs.some((l) => l.message.startsWith('pre-trade bypass'))).toBe(true);
    expect(denials(app, 'order_notional') + denials(app, 'order_rate')).toBeGreaterThan(0);
  });
});

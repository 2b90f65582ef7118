/**
 * The recon pass's account-level checks on real parts (paper exchange, Key Level Grid, the real recon
 * service): a fill the ledger lost is caught by the shadow ledger and resynced; a stop of ours the state no
 * longer tracks is cancelled on a flat leg; budgets above the account's equity alert once and clear.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { budgetsByAccount, guardRails } from '../../shared/application/guard-rails.js';
import { reconcileInstance } from '../../shared/application/reconcile-instance.js';
import { dec } from '../../shared/domain/money.js';
import { parseKlgConfig } from '../../shared/domain/strategies/klg/config.js';
import type { KlgState } from '../../shared/domain/strategies/klg/index.js';
import { type PaperApp, paperApp } from '../support/app.js';
import { leftoverStop } from '../support/orders.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';

const SYMBOL = 'DOGE/USDC:USDC';
let app: PaperApp | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});
const codes = (a: PaperApp) => a.alerts.map((x) => x.code);
const grid = async (a: PaperApp) => (await a.ctx.store.loadGrid('dogeklg')) as KlgState;

describe('the recon guards', () => {
  it('catch a fill the ledger lost with the shadow ledger, and say the resync once', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    await app.feed('0.185 0.185 0.1795 0.181'); // the 0.18 buy fills: 100 held
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    // The state loses that fill (a restore from an older backup): the ledger says flat, its cursor is past it.
    const s = await grid(app);
    const lost = { ...s, holdings: dec('0'), avgEntry: dec('0') };
    expect((await app.ctx.store.saveGrid(lost, s.version)).ok).toBe(true);
    await reconcileInstance(app.ctx, 'dogeklg', { force: true }); // seen once
    expect(codes(app)).not.toContain('shadow_ledger_difference');
    await reconcileInstance(app.ctx, 'dogeklg', { force: true }); // seen again: the grid adopts the exchange's
    const shadow = app.alerts.filter((a) => a.code === 'shadow_ledger_difference');
    expect(shadow).toHaveLength(1);
    expect(shadow[0]!.message).toMatch(/is 100, the ledger held 0 .* resynced to the exchange/);
    expect((await grid(app)).holdings.toFixed()).toBe('100');
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    expect(app.alerts.filter((a) => a.code === 'shadow_ledger_difference')).toHaveLength(1);
  });

  it('leave a stop of ours on a flat leg that the grid no longer tracks to the grid: cancelled once', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    // A stop from an earlier life of the instance (its state was reset), still on the exchange.
    leftoverStop(app, 'main', 'LONG', '0.12', 'gbdogeklgT7z');
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    expect((await app.port.openOrders(SYMBOL)).filter((o) => o.kind === 'stop')).toEqual([]);
    // The grid adopted and cancelled it itself: the shell sent no second cancel.
    const cancels = app.events.filter((e) => e.clientOrderId === 'gbdogeklgT7z' && e.type !== 'stop_placed');
    expect(cancels).toHaveLength(1);
    expect(codes(app)).not.toContain('ghost_orders_cancelled');
  });

  it('alert once when the budgets on the account sum above its equity, and clear when it covers them', async () => {
    const config = parseKlgConfig(klgConfigInput({ guards: { budget: '15000' } }));
    const a = await paperApp({ instances: [config] });
    app = { ...a, ctx: { ...a.ctx, guards: guardRails(new Map(), budgetsByAccount([config])) } };
    await reconcileInstance(app.ctx, 'dogeklg');
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    expect(app.alerts.filter((x) => x.code === 'budgets_above_equity')).toHaveLength(1);
    expect(app.alerts.find((x) => x.code === 'budgets_above_equity')?.message).toMatch(
      /sum to 15000, above its equity 10000/,
    );
    app.ex.deposit('main', 'USDC', '6000');
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    expect(codes(app)).toContain('budgets_above_equity_resolved');
    expect((await grid(app)).activeAlerts).not.toContain('budgets_above_equity');
  });
});

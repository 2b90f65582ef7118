/**
 * A fill that lands between recon's two reads (open orders, then trade history) must not leave a phantom
 * order: driven through `reconcileInstance` and `handleFill` on the paper exchange, with the market moved by
 * the paper port's read hook exactly between the two reads.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/application/instance.js';
import { handleFill } from '../../shared/application/on-fill.js';
import { reconcileInstance } from '../../shared/application/reconcile-instance.js';
import type { Fill } from '../../shared/domain/orders.js';
import { type PaperApp, paperApp } from '../support/app.js';
import { loadKlg } from '../support/strategies/klg/state.js';

let app: PaperApp;
afterEach(async () => app?.stop());

describe('a fill racing a recon pass', () => {
  it('when an order fills after the open-order list was read, then recon neither adopts it nor kills its level', async () => {
    app = await paperApp();
    const fills: Fill[] = [];
    await app.port.subscribeUser((e) => {
      if (e.type === 'fill') fills.push(e.fill);
    });
    await reconcileInstance(app.ctx, 'dogeklg');
    const buy018 = (await loadKlg(app.ctx.store, 'dogeklg'))!.levels.find(
      (l) => l.price.toFixed() === '0.18',
    )!;
    expect(buy018.state).toBe('ACTIVE');

    // The next pass reads the open orders (the 0.18 buy among them); the buy fills; then trades are read.
    let moved = false;
    app.port.beforeRead = async (read) => {
      if (read === 'tradesSince' && !moved) {
        moved = true;
        await app.feed('0.185 0.185 0.1795 0.181');
      }
    };
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    app.port.beforeRead = null;
    expect(moved).toBe(true);
    expect(fills).toHaveLength(1);

    const after = (await loadKlg(app.ctx.store, 'dogeklg'))!;
    const level = after.levels.find((l) => l.price.toFixed() === '0.18')!;
    // Applied from trade history, not adopted back as a live buy.
    expect(after.holdings.toFixed()).toBe('100');
    expect(level.order?.side === 'buy').toBe(false);
    expect(level.fillCounter).toBe(1);

    // The stream's copy of the fill is a duplicate; the next passes settle to a healthy grid.
    const config = await loadConfig(app.ctx, 'dogeklg');
    expect((await handleFill(app.ctx, config, fills[0]!, { receivedAt: app.clock.now() })).duplicate).toBe(
      true,
    );
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    const open = await app.port.openOrders('DOGE/USDC:USDC');
    const sells = open.filter((o) => o.kind === 'limit' && o.side === 'sell');
    expect(sells.map((o) => `${o.qty.toFixed()}@${o.price!.toFixed()}`)).toEqual(['70@0.19']);
    const final = (await loadKlg(app.ctx.store, 'dogeklg'))!;
    const tracked = final.levels
      .filter((l) => l.order)
      .map((l) => l.order!.clientOrderId)
      .sort();
    const live = open
      .filter((o) => o.kind === 'limit')
      .map((o) => o.clientOrderId)
      .sort();
    expect(tracked).toEqual(live); // no phantom: what the state holds is what the exchange has
    expect(open.some((o) => o.kind === 'stop')).toBe(true);
  });
});

/**
 * A placement the venue acknowledged and then refused (OKX's post-only cancel, `cancelSource` 31) reaches
 * the instance as that placement's outcome (issue 18), on real parts: the paper exchange, the Key Level
 * Grid, the recon service. The order is journaled as refused, the level stops counting on it, and the
 * next pass places it again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { handleLateRefusal, isLateRefusal } from '../../shared/application/late-refusal.js';
import { reconcileInstance } from '../../shared/application/reconcile-instance.js';
import { dec } from '../../shared/domain/money.js';
import type { ExchangeOrder } from '../../shared/domain/orders.js';
import { parseKlgConfig } from '../../shared/domain/strategies/klg/config.js';
import type { KlgState } from '../../shared/domain/strategies/klg/index.js';
import { type PaperApp, paperApp } from '../support/app.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';

let app: PaperApp | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});
const grid = async (a: PaperApp) => (await a.ctx.store.loadGrid('dogeklg')) as KlgState;

function refused(o: ExchangeOrder): ExchangeOrder {
  return { ...o, status: 'CANCELED', cancelReason: 'post_only_would_take' };
}

describe('a late refusal', () => {
  it('is a post-only cancel of an unfilled limit order, nothing else', () => {
    const o: ExchangeOrder = {
      symbol: 'DOGE/USDC:USDC',
      clientOrderId: 'x',
      exchangeOrderId: '1',
      kind: 'limit',
      side: 'buy',
      positionSide: 'LONG',
      price: dec('0.18'),
      qty: dec('100'),
      filledQty: dec('0'),
      status: 'NEW',
      updatedAt: 0,
    };
    expect(isLateRefusal(refused(o))).toBe(true);
    expect(isLateRefusal({ ...o, status: 'CANCELED' })).toBe(false);
    expect(isLateRefusal({ ...refused(o), filledQty: dec('10') })).toBe(false);
    expect(isLateRefusal({ ...refused(o), kind: 'stop' })).toBe(false);
  });

  it('reaches the grid as the refusal of its placement: journaled, not counted on, placed again by recon', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    const config = parseKlgConfig(klgConfigInput());
    const before = await grid(app);
    const level = before.levels.find((l) => l.price.equals('0.18'))!;
    const id = level.order!.clientOrderId;
    const live = (await app.port.openOrders('DOGE/USDC:USDC')).find((o) => o.clientOrderId === id)!;
    // The venue cancels it: what OKX does to a post-only order that would have taken liquidity.
    app.ex.cancelOrder('main', 'DOGEUSDC', { clientOrderId: id });
    const state = (await handleLateRefusal(app.ctx, config, 'main', refused(live))) as KlgState | null;
    expect(state).not.toBeNull();
    expect(state!.levels.find((l) => l.price.equals('0.18'))!.order?.uncertain).toBe(true);
    const journaled = app.events.filter((e) => e.clientOrderId === id && e.type === 'order_rejected');
    expect(JSON.stringify(journaled)).toContain('post_only_would_take');
    await reconcileInstance(app.ctx, 'dogeklg', { force: true });
    const after = await grid(app);
    const again = after.levels.find((l) => l.price.equals('0.18'))!;
    expect(again.order?.clientOrderId).not.toBe(id);
    expect(
      (await app.port.openOrders('DOGE/USDC:USDC')).some(
        (o) => o.clientOrderId === again.order?.clientOrderId,
      ),
    ).toBe(true);
  });
});

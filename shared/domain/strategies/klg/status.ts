/** A readable status of one Key Level Grid instance (for `gridbot status` and the admin function). */
import type { KlgConfig } from './config.js';
import { sellTarget } from './sell-target.js';
import type { KlgState } from './state.js';

export function klgStatus(config: KlgConfig, state: KlgState): Record<string, unknown> {
  return {
    instanceId: config.id,
    initialized: true,
    symbol: config.symbol,
    version: state.version,
    epoch: state.epoch,
    paused: state.paused,
    pauseReason: state.pauseReason,
    holdings: state.holdings.toFixed(),
    avgEntry: state.avgEntry.toFixed(),
    realizedPnl: state.realizedPnl.toFixed(),
    feesPaid: state.feesPaid.toFixed(),
    sellTarget: sellTarget(state, config).toFixed(),
    // The grid unit in coins, and for a grid sized in quote currency what it was converted from.
    gridUnit: config.base_amount_per_grid
      ? { coins: config.base_amount_per_grid.toFixed() }
      : state.unit
        ? {
            coins: state.unit.coins.toFixed(),
            quote: state.unit.quote.toFixed(),
            convertedAt: state.unit.price.toFixed(),
          }
        : null,
    lastReconAt: state.lastReconAt,
    activeAlerts: state.activeAlerts,
    stops: state.stops.map((s) => ({
      clientOrderId: s.clientOrderId,
      trigger: s.triggerPrice.toFixed(),
      state: s.state,
    })),
    levels: state.levels.map((l) => ({
      price: l.price.toFixed(),
      role: l.role,
      state: l.state,
      fillCounter: l.fillCounter,
      profitLocked: l.profitLocked,
      order: l.order
        ? {
            side: l.order.side,
            price: l.order.price.toFixed(),
            open: l.order.openQty.toFixed(),
            id: l.order.clientOrderId,
          }
        : null,
    })),
  };
}

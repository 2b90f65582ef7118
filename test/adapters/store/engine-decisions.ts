/**
 * `GridDecisions` on the real KLG engine: the stream writer calls `onFill`, the recon writer `planRecon`
 * with the exchange's trades after the stored cursor (as `fetchMyTrades` would return them). The exchange
 * position is reported as the ledger will stand after the pass, which keeps position reconciliation (the
 * engine's own suite covers it) out of this race about the store.
 */

import { dec, sumDec } from '../../../shared/domain/money.js';
import type { Fill } from '../../../shared/domain/orders.js';
import { onFill, planRecon } from '../../../shared/domain/strategies/klg/index.js';
import { dogeRules } from '../../support/rules.js';
import { klgConfig } from '../../support/strategies/klg/config.js';
import type { GridDecisions } from './grid-decisions.js';

export function engineDecisions(instanceId: string): GridDecisions {
  const config = klgConfig({ id: instanceId });
  const market = { price: dec('0.3'), rules: dogeRules(), supportsAmend: true };
  return {
    onFill(state, fill) {
      const decided = onFill(state, fill, config, market, fill.time);
      return decided.state === state ? null : decided.state;
    },
    recon(state, trades, now) {
      // Trades after the cursor; the race's trades have distinct times. The state lists every trade applied
      // after its cursor, so those are the ones the stream already applied.
      const cursor = state.fillCursor;
      const fills = trades.filter((f) => !cursor || f.time > cursor.time);
      const fresh = fills.filter((f) => !state.recentTrades.some((t) => t.id === f.tradeId));
      const position = {
        symbol: config.symbol,
        positionSide: 'LONG' as const,
        qty: state.holdings.plus(sumDec(fresh.map((f: Fill) => f.qty))),
        entryPrice: state.avgEntry,
      };
      const decided = planRecon(
        state,
        { ...market, openOrders: [], position, fills, orderLookups: {} },
        config,
        now,
      );
      return { next: decided.state, applied: fresh.map((f) => f.tradeId) };
    },
  };
}

/** Builders for hedge pairs tests: a config's input, and the module's decisions as the shell calls them. */
import { hedgePairsStrategy as hp } from '../../../shared/domain/strategies/hedge-pairs/module.js';

/** Two pairs (a1/a2, a3/a4) on BTC/USDT, 200 USD a leg at 10x, a 5 USD pair stop; `over` replaces fields. */
export function pairsConfigInput(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'pairs',
    strategy: 'hedge_pairs',
    symbol: 'BTC/USDT:USDT',
    pairs: [
      { long: 'a1', short: 'a2' },
      { long: 'a3', short: 'a4' },
    ],
    notional_usd: 200,
    leverage: 10,
    stop_loss_threshold: 5,
    ...over,
  };
}

type FillArgs = Parameters<typeof hp.onFill>;
/** A fill of one of the instance's own orders (the shell decodes the origin). */
export const onOwnFill = (
  s: FillArgs[0],
  f: FillArgs[1],
  l: FillArgs[2],
  c: FillArgs[3],
  m: FillArgs[4],
  now: number,
) => hp.onFill(s, f, l, c, m, now, 'own');

/** The module's market decision (it always has one). */
export const onPairsMarket = (...a: Parameters<NonNullable<typeof hp.onMarket>>) => hp.onMarket!(...a);

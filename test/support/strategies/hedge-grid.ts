/** Builders for ATR hedge grid tests and benches. */
import { dec } from '../../../shared/domain/money.js';
import type { Leg, LegSnapshot } from '../../../shared/domain/strategy.js';
import type { SymbolRules } from '../../../shared/domain/symbol-rules.js';

/** A leg's snapshot, flat, at `price` (book and mark), 1 000 in the wallet, read at t = 1 000. */
export function legSnapshot(
  leg: Leg,
  rules: SymbolRules,
  price: string,
  over: Partial<LegSnapshot> = {},
): LegSnapshot {
  return {
    leg,
    price: dec(price),
    markPrice: dec(price),
    rules,
    supportsAmend: true,
    openOrders: [],
    position: { symbol: leg.symbol, positionSide: leg.positionSide, qty: dec(0), entryPrice: dec(0) },
    fills: [],
    orderLookups: {},
    wallet: dec('1000'),
    equity: dec('1000'),
    at: 1_000,
    ...over,
  };
}

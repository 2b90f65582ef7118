/**
 * ccxt unified symbols ↔ Binance ids for the perpetuals an engine hosts: `DOGE/USDC:USDC` ↔ `DOGEUSDC`
 * (`BASE/QUOTE:SETTLE`, settle = the margin asset), built from the exchangeInfo the engine serves.
 */
import type { MarketRules } from './market-rules.js';

export class SymbolMap {
  private readonly toIdMap = new Map<string, string>();
  private readonly toUnifiedMap = new Map<string, string>();

  constructor(rules: Iterable<MarketRules>) {
    for (const r of rules) {
      const unified = `${r.baseAsset}/${r.quoteAsset}:${r.marginAsset}`;
      this.toIdMap.set(unified, r.symbol);
      this.toUnifiedMap.set(r.symbol, unified);
    }
  }

  /** `DOGE/USDC:USDC` → `DOGEUSDC`; throws naming the symbol when the exchange does not list it. */
  toId(unified: string): string {
    const id = this.toIdMap.get(unified);
    if (id === undefined) {
      throw new Error(
        `symbol ${JSON.stringify(unified)} is not a perpetual of this exchange (expected e.g. "DOGE/USDC:USDC")`,
      );
    }
    return id;
  }

  toUnified(id: string): string {
    const u = this.toUnifiedMap.get(id);
    if (u === undefined)
      throw new Error(`exchange id ${JSON.stringify(id)} is not a perpetual of this exchange`);
    return u;
  }

  unifiedSymbols(): string[] {
    return [...this.toIdMap.keys()];
  }
}

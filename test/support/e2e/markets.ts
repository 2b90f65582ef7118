/**
 * The market a venue-parameterised scenario trades on each venue, with the scale that carries its numbers
 * over. Binance USD-M runs the Key Level Grid scenarios on DOGEUSDC as written; OKX hosts no DOGE swap in
 * its real instruments payload, so they run on ETH-USDT-SWAP with every price ×10 000 and every quantity
 * ÷10 000 (the same notional, the same grid, contract sizes of 0.1 ETH and a lot of 0.001 ETH).
 */
import { dec } from '../../../shared/domain/money.js';
import type { SymbolRules } from '../../../shared/domain/symbol-rules.js';
import type { VenueId } from '../binance/paper-venue.js';
import { dogeRules, okxEthRules } from '../rules.js';

export interface ScenarioMarket {
  readonly venue: VenueId;
  /** ccxt unified symbol. */
  readonly symbol: string;
  /** The paper engine's market. */
  readonly engineSymbol: string;
  /** A scenario price (written for DOGE) on this market. */
  px(doge: string): string;
  /** A scenario quantity (DOGE coins) on this market. */
  qty(doge: string): string;
  rules(): SymbolRules;
}

export const GRID_MARKETS: Readonly<Record<VenueId, ScenarioMarket>> = {
  binanceusdm: {
    venue: 'binanceusdm',
    symbol: 'DOGE/USDC:USDC',
    engineSymbol: 'DOGEUSDC',
    px: (p) => p,
    qty: (q) => q,
    rules: () => dogeRules(),
  },
  okx: {
    venue: 'okx',
    symbol: 'ETH/USDT:USDT',
    engineSymbol: 'ETHUSDT',
    px: (p) => dec(p).times(10_000).toFixed(),
    qty: (q) => dec(q).dividedBy(10_000).toFixed(),
    rules: () => okxEthRules(),
  },
};

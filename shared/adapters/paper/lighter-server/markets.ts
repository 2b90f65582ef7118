/**
 * The Lighter markets the server hosts: each is a Lighter perp (`market_id`, base `symbol` like `BTC`) in
 * front of one engine symbol (`BTCUSDT`), quoted in USDC on Lighter and USDT in the engine (one for one).
 *
 * A tx carries amounts as integers scaled by the market's decimals: `BaseAmount / 10^size_decimals` coins,
 * `Price / 10^price_decimals` USDC. The decimals are derived from the engine's step size and tick size
 * (0.001 → 3, 0.10 → 1), so every integer amount is a decimal the engine's filters can judge exactly.
 *
 * Entry points: `LighterMarkets` (`all`, `byId`, `hosted`, `ofEngine`), `coinsOf`, `priceOf`, `sizeText`,
 * `priceText`, `usdText`, `unitsOf`.
 */
import { type Decimal, dec } from '../../../domain/money.js';
import type { PaperExchange } from '../engine.js';
import type { MarketRules } from '../market-rules.js';
import { lighterErrors } from './api-error.js';

export interface LighterMarketSpec {
  /** Lighter `market_id` (perps: 0–254). */
  readonly marketId: number;
  /** Lighter symbol, the base asset (`BTC`). */
  readonly symbol: string;
  /** The engine symbol it trades (`BTCUSDT`). */
  readonly engineSymbol: string;
}

export interface LighterMarket extends LighterMarketSpec {
  readonly sizeDecimals: number;
  readonly priceDecimals: number;
  readonly rules: MarketRules;
}

/** Lighter's own ids: ETH is market 0, BTC market 1. */
export const DEFAULT_LIGHTER_MARKETS: readonly LighterMarketSpec[] = [
  { marketId: 0, symbol: 'ETH', engineSymbol: 'ETHUSDT' },
  { marketId: 1, symbol: 'BTC', engineSymbol: 'BTCUSDT' },
];

/** Lighter's "every market" id (`NilMarketIndex`). */
export const ALL_MARKETS = 255;

export class LighterMarkets {
  private readonly byMarketId = new Map<number, LighterMarket>();

  constructor(engine: PaperExchange, specs: readonly LighterMarketSpec[] = DEFAULT_LIGHTER_MARKETS) {
    const hosted = new Set(engine.symbols());
    const symbols = new Set<string>();
    for (const s of specs) {
      if (!Number.isInteger(s.marketId) || s.marketId < 0 || s.marketId > 254)
        throw new Error(`lighter market ${s.symbol}: market id ${s.marketId} is not a perp id (0–254)`);
      if (this.byMarketId.has(s.marketId) || symbols.has(s.symbol))
        throw new Error(`lighter market ${s.symbol} (${s.marketId}) is configured twice`);
      if (!hosted.has(s.engineSymbol)) continue;
      const rules = engine.marketRules(s.engineSymbol);
      symbols.add(s.symbol);
      this.byMarketId.set(s.marketId, {
        ...s,
        rules,
        sizeDecimals: rules.stepSize.decimalPlaces(),
        priceDecimals: rules.tickSize.decimalPlaces(),
      });
    }
  }

  all(): LighterMarket[] {
    return [...this.byMarketId.values()].sort((a, b) => a.marketId - b.marketId);
  }

  byId(marketId: number): LighterMarket | undefined {
    return this.byMarketId.get(marketId);
  }

  /** The hosted market of an id, or Lighter's 21602. */
  hosted(marketId: number): LighterMarket {
    const m = this.byMarketId.get(marketId);
    if (!m) throw lighterErrors.invalidMarketIndex();
    return m;
  }

  ofEngine(engineSymbol: string): LighterMarket | undefined {
    return this.all().find((m) => m.engineSymbol === engineSymbol);
  }
}

const TEN = dec(10);

/** `BaseAmount` integer units → coins. */
export function coinsOf(m: LighterMarket, units: number): Decimal {
  return dec(units).dividedBy(TEN.pow(m.sizeDecimals));
}

/** `Price` / `TriggerPrice` integer units → USDC. */
export function priceOf(m: LighterMarket, units: number): Decimal {
  return dec(units).dividedBy(TEN.pow(m.priceDecimals));
}

/** Coins → integer units as text (`base_size`); truncated towards zero. */
export function unitsOf(decimals: number, value: Decimal): string {
  return value.times(TEN.pow(decimals)).toFixed(0, 1);
}

export function sizeText(m: LighterMarket, coins: Decimal): string {
  return coins.toFixed(m.sizeDecimals);
}

export function priceText(m: LighterMarket, price: Decimal): string {
  return price.toFixed(m.priceDecimals);
}

/** USDC amounts (collateral, PnL, notional) at USDC's 6 decimals. */
export function usdText(value: Decimal): string {
  return value.toFixed(6);
}

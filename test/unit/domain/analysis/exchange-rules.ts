/**
 * Symbol rules read from the real Binance exchangeInfo fixture (../shared/data/fixtures, 2025-11-26):
 * PRICE_FILTER.tickSize, LOT_SIZE.stepSize/minQty/maxQty, MIN_NOTIONAL.notional. Fees are not in
 * exchangeInfo; the tests pass the standard VIP 0 rates (maker 0.02%, taker 0.05%).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SymbolRules, symbolRules } from '../../../../shared/domain/symbol-rules.js';

const fixture = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../../shared/data/fixtures/binance_usdm_exchangeInfo_2025-11-26_subset.json',
);

interface ExchangeInfo {
  symbols: { symbol: string; filters: Record<string, string>[] }[];
}

export function binanceRules(symbol: string, ccxtSymbol: string): SymbolRules {
  const info = JSON.parse(readFileSync(fixture, 'utf8')) as ExchangeInfo;
  const entry = info.symbols.find((s) => s.symbol === symbol);
  if (!entry) throw new Error(`${symbol} is not in the exchangeInfo fixture`);
  const filter = (type: string) => entry.filters.find((f) => f.filterType === type)!;
  return symbolRules({
    symbol: ccxtSymbol,
    tickSize: filter('PRICE_FILTER').tickSize!,
    stepSize: filter('LOT_SIZE').stepSize!,
    minQty: filter('LOT_SIZE').minQty!,
    maxQty: filter('LOT_SIZE').maxQty!,
    minNotional: filter('MIN_NOTIONAL').notional!,
    contractSize: '1',
    makerFee: '0.0002',
    takerFee: '0.0005',
  });
}

export const DOGEUSDC = binanceRules('DOGEUSDC', 'DOGE/USDC:USDC');
export const BTCUSDT = binanceRules('BTCUSDT', 'BTC/USDT:USDT');

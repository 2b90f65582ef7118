/**
 * Symbol rules used across tests, with the values of the real Binance exchangeInfo fixture
 * (`../shared/data/fixtures/binance_usdm_exchangeInfo_2025-11-26_subset.json`).
 */
import { dec } from '../../shared/domain/money.js';
import type { SymbolRules } from '../../shared/domain/symbol-rules.js';

/** DOGEUSDC: tick 0.00001, step 1, min qty 1, min notional 5. */
export function dogeRules(overrides: Partial<SymbolRules> = {}): SymbolRules {
  return {
    symbol: 'DOGE/USDC:USDC',
    tickSize: dec('0.00001'),
    stepSize: dec('1'),
    minQty: dec('1'),
    maxQty: dec('50000000'),
    minNotional: dec('5'),
    contractSize: dec('1'),
    makerFee: dec('0'),
    takerFee: dec('0.0004'),
    ...overrides,
  };
}

/** BTCUSDT: tick 0.1, step 0.001, min qty 0.001, min notional 100. */
export function btcRules(overrides: Partial<SymbolRules> = {}): SymbolRules {
  return {
    symbol: 'BTC/USDT:USDT',
    tickSize: dec('0.1'),
    stepSize: dec('0.001'),
    minQty: dec('0.001'),
    maxQty: dec('1000'),
    minNotional: dec('100'),
    contractSize: dec('1'),
    makerFee: dec('0.0002'),
    takerFee: dec('0.0005'),
    ...overrides,
  };
}

/** OKX-style contracts: DOGE-USDT-SWAP has 1000 coins per contract, step 0.01 contracts. */
export function okxDogeRules(overrides: Partial<SymbolRules> = {}): SymbolRules {
  return dogeRules({
    symbol: 'DOGE/USDT:USDT',
    contractSize: dec('1000'),
    stepSize: dec('0.01'),
    minQty: dec('0.01'),
    maxQty: undefined,
    minNotional: dec('0'),
    ...overrides,
  });
}

/** OKX ETH-USDT-SWAP from the real instruments payload: 0.1 ETH a contract, lot 0.01, tick 0.01. */
export function okxEthRules(overrides: Partial<SymbolRules> = {}): SymbolRules {
  return {
    symbol: 'ETH/USDT:USDT',
    tickSize: dec('0.01'),
    stepSize: dec('0.01'),
    minQty: dec('0.01'),
    maxQty: dec('100000000'),
    minNotional: dec('0'),
    contractSize: dec('0.1'),
    makerFee: dec('0.0002'),
    takerFee: dec('0.0005'),
    ...overrides,
  };
}

/** OKX BTC-USDT-SWAP from the real instruments payload: 0.01 BTC a contract, lot 0.01, tick 0.1. */
export function okxBtcRules(overrides: Partial<SymbolRules> = {}): SymbolRules {
  return okxEthRules({
    symbol: 'BTC/USDT:USDT',
    tickSize: dec('0.1'),
    contractSize: dec('0.01'),
    ...overrides,
  });
}

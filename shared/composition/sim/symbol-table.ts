/**
 * Built-in symbol rules for common Binance USD-M perpetuals, so a simulation runs without an exchangeInfo
 * file. Values are Binance's `GET /fapi/v1/exchangeInfo` filters as of 2025-11-26 (the fixture in
 * `../shared/data/fixtures`); pass `--exchange-info` or `simulation.symbols` for anything else or newer.
 */
export interface BuiltinSymbol {
  readonly pricePrecision: number;
  readonly quantityPrecision: number;
  readonly liquidationFee: string;
  readonly tickSize: string;
  readonly minPrice: string;
  readonly maxPrice: string;
  readonly stepSize: string;
  readonly minQty: string;
  readonly maxQty: string;
  readonly marketMaxQty: string;
  readonly minNotional: string;
  readonly maxNumOrders: number;
}

const row = (
  pricePrecision: number,
  quantityPrecision: number,
  liquidationFee: string,
  tickSize: string,
  minPrice: string,
  maxPrice: string,
  stepSize: string,
  minQty: string,
  maxQty: string,
  marketMaxQty: string,
  minNotional: string,
  maxNumOrders: number,
): BuiltinSymbol => ({
  pricePrecision,
  quantityPrecision,
  liquidationFee,
  tickSize,
  minPrice,
  maxPrice,
  stepSize,
  minQty,
  maxQty,
  marketMaxQty,
  minNotional,
  maxNumOrders,
});

export const BUILTIN_SYMBOLS: Readonly<Record<string, BuiltinSymbol>> = {
  BTCUSDT: row(2, 3, '0.020000', '0.10', '261.10', '809484', '0.001', '0.001', '1000', '1000', '100', 10000),
  ETHUSDT: row(2, 3, '0.020000', '0.01', '39.86', '306177', '0.001', '0.001', '10000', '10000', '20', 10000),
  XRPUSDT: row(4, 1, '0.020000', '0.0001', '0.0143', '100000', '0.1', '0.1', '1000000', '1000000', '5', 200),
  BNBUSDT: row(3, 2, '0.020000', '0.010', '6.600', '100000', '0.01', '0.01', '10000', '100000', '5', 200),
  DOGEUSDT: row(6, 0, '0.020000', '0.000010', '0.002440', '30', '1', '1', '10000000', '10000000', '5', 199),
  SOLUSDT: row(4, 0, '0.020000', '0.0100', '0.4200', '6857', '1', '1', '10000000', '10000000', '5', 200),
  BTCUSDC: row(1, 3, '0.012500', '0.1', '0.1', '500000', '0.001', '0.001', '800', '100', '100', 200),
  ETHUSDC: row(2, 3, '0.012500', '0.01', '0.01', '100000', '0.001', '0.001', '8000', '1600', '20', 200),
  BNBUSDC: row(3, 2, '0.015000', '0.010', '0.010', '100000', '0.01', '0.01', '80000', '1600', '5', 200),
  XRPUSDC: row(4, 1, '0.012500', '0.0001', '0.0001', '100000', '0.1', '0.1', '8000000', '1600000', '5', 200),
  SOLUSDC: row(4, 2, '0.015000', '0.0100', '0.1000', '100000', '0.01', '0.01', '800000', '4000', '5', 200),
  DOGEUSDC: row(6, 0, '0.010000', '0.000010', '0.000010', '200', '1', '1', '50000000', '3000000', '5', 200),
};

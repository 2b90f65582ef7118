/**
 * Loads the real Binance 1-minute candles in `../shared/data/ohlcv_1m` (columns
 * `open_time_ms,open,high,low,close,volume`, see SOURCES.md there) as domain `Candle`s. Prices and volumes
 * are parsed from their text straight into Decimal (decimal.js rejects malformed text); the open time is an
 * integer in milliseconds. Parse once per test file and reuse: ~70k rows take a few hundred milliseconds.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Decimal } from '../../shared/domain/money.js';
import type { Candle } from '../../shared/domain/orders.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const OHLCV_DIR = resolve(repoRoot, '../shared/data/ohlcv_1m');

export const OHLCV_FILES = {
  btc2023: 'binance_usdm_BTCUSDT_1m_2023-07-18_2023-08-17.csv',
  btc2025: 'binance_usdm_BTCUSDT_1m_2025-05-04_2025-06-24.csv',
  doge2023: 'binance_usdm_DOGEUSDT_1m_2023-07-18_2023-08-17.csv',
  doge2025: 'binance_usdm_DOGEUSDT_1m_2025-05-25_2025-06-24.csv',
  eth2023: 'binance_usdm_ETHUSDT_1m_2023-07-03_2023-08-17.csv',
  eth2025: 'binance_usdm_ETHUSDT_1m_2025-05-04_2025-06-24.csv',
} as const;

export type OhlcvName = keyof typeof OHLCV_FILES;

export function loadCandles1m(name: OhlcvName): Candle[] {
  const text = readFileSync(resolve(OHLCV_DIR, OHLCV_FILES[name]), 'utf8');
  const lines = text.split('\n');
  if (lines[0]?.trim() !== 'open_time_ms,open,high,low,close,volume') {
    throw new Error(`${OHLCV_FILES[name]}: unexpected header ${JSON.stringify(lines[0])}`);
  }
  const out: Candle[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const [t, o, h, l, c, v] = line.split(',');
    const openTime = Number(t);
    if (!Number.isSafeInteger(openTime)) throw new Error(`${OHLCV_FILES[name]}:${i + 1}: bad open time ${t}`);
    out.push({
      openTime,
      open: new Decimal(o!),
      high: new Decimal(h!),
      low: new Decimal(l!),
      close: new Decimal(c!),
      volume: new Decimal(v!),
    });
  }
  return out;
}

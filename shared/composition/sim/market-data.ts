/**
 * Market data for a simulation: 1-minute candle CSVs (`open_time_ms,open,high,low,close,volume`, the format
 * of `../shared/data/ohlcv_1m`), trade tick CSVs (`trade_time_ms,trade_id,price,qty,is_buyer_maker`), 8h
 * funding CSVs, or the built-in demo market. A bad file fails with one line naming the file, the line
 * and what is wrong; prices go from the file's text straight to Decimal.
 */
import { readFileSync } from 'node:fs';
import { loadFunding, loadTrades } from '../../adapters/paper/data-files.js';
import type { CandleInput, TradeInput } from '../../adapters/paper/market-driver.js';
import { type Decimal, dec } from '../../domain/money.js';
import { SimInputError } from './markets.js';

const CANDLE_HEADER = 'open_time_ms,open,high,low,close,volume';
const MINUTE = 60_000;

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SimInputError(
      code === 'ENOENT'
        ? `${what} file not found: ${path}`
        : `cannot read ${what} file ${path}: ${(e as Error).message}`,
    );
  }
}

function decimalCell(text: string, where: string, column: string): Decimal {
  try {
    return dec(text, column);
  } catch {
    throw new SimInputError(`${where}: ${column} must be a decimal number, got ${JSON.stringify(text)}`);
  }
}

/**
 * Reads and checks a 1-minute candle CSV: header, columns, decimals, OHLC order, strictly rising minutes.
 * With a window, only rows with `from ≤ open time ≤ to` become candles (every row's time is still checked),
 * which keeps a few days out of a long file cheap.
 */
export function readCandleCsv(path: string, window: { from?: number; to?: number } = {}): CandleInput[] {
  const lines = readText(path, 'candles').split(/\r?\n/);
  if (lines[0]?.trim() !== CANDLE_HEADER)
    throw new SimInputError(`${path}:1: expected the header "${CANDLE_HEADER}", got "${lines[0] ?? ''}"`);
  const out: CandleInput[] = [];
  let lastTime = Number.NEGATIVE_INFINITY;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const where = `${path}:${i + 1}`;
    const cells = line.split(',');
    if (cells.length !== 6) throw new SimInputError(`${where}: expected 6 columns, got ${cells.length}`);
    const t = cells[0]!.trim();
    if (!/^\d+$/.test(t) || !Number.isSafeInteger(Number(t)))
      throw new SimInputError(
        `${where}: open_time_ms must be a whole number of milliseconds, got ${JSON.stringify(t)}`,
      );
    const openTime = Number(t);
    if (openTime % MINUTE !== 0)
      throw new SimInputError(`${where}: open_time_ms ${openTime} is not on a whole minute`);
    if (openTime <= lastTime)
      throw new SimInputError(
        `${where}: open_time_ms ${openTime} is not after the previous row's ${lastTime}`,
      );
    lastTime = openTime;
    if (
      (window.from !== undefined && openTime < window.from) ||
      (window.to !== undefined && openTime > window.to)
    )
      continue;
    const c: CandleInput = {
      openTime,
      open: decimalCell(cells[1]!, where, 'open'),
      high: decimalCell(cells[2]!, where, 'high'),
      low: decimalCell(cells[3]!, where, 'low'),
      close: decimalCell(cells[4]!, where, 'close'),
      volume: decimalCell(cells[5]!, where, 'volume'),
    };
    if (!c.low.greaterThan(0)) throw new SimInputError(`${where}: prices must be greater than 0`);
    if (
      c.high.lessThan(c.low) ||
      c.high.lessThan(c.open) ||
      c.high.lessThan(c.close) ||
      c.low.greaterThan(c.open) ||
      c.low.greaterThan(c.close)
    )
      throw new SimInputError(`${where}: high must be ≥ open, close, low and low ≤ open, close`);
    out.push(c);
  }
  if (out.length === 0)
    throw new SimInputError(
      `${path}: no candles ${window.from !== undefined || window.to !== undefined ? 'in the period asked for' : 'after the header'}`,
    );
  return out;
}

/** Trade ticks, checked for rising times. */
export function readTickCsv(path: string): (TradeInput & { time: number })[] {
  readText(path, 'ticks');
  let trades: (TradeInput & { time: number })[];
  try {
    trades = loadTrades(path);
  } catch (e) {
    throw new SimInputError((e as Error).message);
  }
  for (let i = 1; i < trades.length; i++) {
    if (trades[i]!.time < trades[i - 1]!.time)
      throw new SimInputError(
        `${path}: trade ${i + 1} (time ${trades[i]!.time}) is earlier than the one before it`,
      );
  }
  if (trades.length === 0) throw new SimInputError(`${path}: no trades after the header`);
  return trades;
}

export function readFundingCsv(path: string): { fundingTime: number; fundingRate: Decimal }[] {
  readText(path, 'funding');
  try {
    return loadFunding(path);
  } catch (e) {
    throw new SimInputError((e as Error).message);
  }
}

/** Parses `--from` / `--to`: ISO 8601 or epoch milliseconds. */
export function parseTime(text: string, option: string): number {
  const t = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isSafeInteger(t))
    throw new SimInputError(
      `${option}: expected an ISO 8601 time (2025-06-01T00:00:00Z) or epoch ms, got "${text}"`,
    );
  return t;
}

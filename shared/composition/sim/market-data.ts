/**
 * Market data for a simulation: 1-minute candle CSVs (`open_time_ms,open,high,low,close,volume`, the format
 * of `../shared/data/ohlcv_1m`, common aliases, or Binance Vision files without a header), trade tick CSVs (`trade_time_ms,trade_id,price,qty,is_buyer_maker`), 8h
 * funding CSVs, or the built-in demo market. A bad file fails with one line naming the file, the line
 * and what is wrong; prices go from the file's text straight to Decimal.
 */
import { readFileSync } from 'node:fs';
import { loadFunding, loadTrades } from '../../adapters/paper/data-files.js';
import type { CandleInput, TradeInput } from '../../adapters/paper/market-driver.js';
import { compareDec, type Decimal, dec } from '../../domain/money.js';
import { SimInputError } from './markets.js';

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

/** Distinct cell texts a candle file keeps one Decimal for (a bound on the memory it may take). */
const INTERN_MAX = 200_000;

/** A cell's text without the quotes a spreadsheet may put around it. */
function unquote(raw: string): string {
  const t = raw.trim();
  return t.charCodeAt(0) === 34 || t.charCodeAt(t.length - 1) === 34 ? t.replace(/^"|"$/g, '') : t;
}

function decimalCell(text: string, where: string, column: string): Decimal {
  try {
    return dec(text, column);
  } catch {
    throw new SimInputError(`${where}: ${column} must be a decimal number, got ${JSON.stringify(text)}`);
  }
}

/** The columns a candle needs, and the header names each is known by (case does not matter). */
const COLUMN_ALIASES: Readonly<
  Record<'time' | 'open' | 'high' | 'low' | 'close' | 'volume', readonly string[]>
> = {
  time: ['open_time_ms', 'open_time', 'opentime', 'timestamp', 'time', 'date', 'datetime', 'ts', 't'],
  open: ['open', 'o'],
  high: ['high', 'h'],
  low: ['low', 'l'],
  close: ['close', 'c'],
  volume: ['volume', 'vol', 'v', 'base_volume'],
};
type Column = keyof typeof COLUMN_ALIASES;
/** Binance Vision kline files (no header): open time, open, high, low, close, volume, close time, … */
const VISION_COLUMNS: Readonly<Record<Column, number>> = {
  time: 0,
  open: 1,
  high: 2,
  low: 3,
  close: 4,
  volume: 5,
};
/** Gaps are named one by one up to this many, then summed up. */
const MAX_NAMED_GAPS = 5;

function columnsOf(header: string, where: string): Record<Column, number> {
  const names = header.split(',').map((c) => c.trim().toLowerCase().replace(/^"|"$/g, ''));
  const out: Partial<Record<Column, number>> = {};
  for (const [col, aliases] of Object.entries(COLUMN_ALIASES) as [Column, readonly string[]][]) {
    const i = names.findIndex((n) => aliases.includes(n));
    if (i < 0)
      throw new SimInputError(
        `${where}: no ${col} column in the header "${header}" (known names: ${aliases.join(', ')}); or give a Binance Vision file (no header)`,
      );
    out[col] = i;
  }
  return out as Record<Column, number>;
}

/**
 * A candle's open time as epoch ms: digits in seconds (≤ 11), milliseconds (12–14) or microseconds
 * (15–17, Binance Vision's newer files), or an ISO 8601 time that states its offset (`Z`, `+08:00`).
 */
function timeCell(text: string, where: () => string): number {
  const t = unquote(text);
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (t.length <= 11) return n * 1000;
    if (t.length <= 14) return n;
    if (t.length <= 17) return Math.floor(n / 1000);
  } else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(t)) {
    const ms = Date.parse(t.replace(' ', 'T'));
    if (Number.isFinite(ms)) return ms;
  }
  throw new SimInputError(
    `${where()}: the open time must be epoch seconds, milliseconds or microseconds, or an ISO 8601 time with its offset (2025-06-01T00:00:00Z), got ${JSON.stringify(t)}`,
  );
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * Reads and checks a 1-minute candle CSV: a header naming the columns (`open_time_ms,open,high,low,close,
 * volume`, the format of `../shared/data/ohlcv_1m`, or common aliases: `timestamp`, `time`, `o`, `vol`…;
 * other columns are ignored) or none (a Binance Vision kline file). Open times in epoch s, ms or µs, or
 * ISO 8601 with an offset; decimals, OHLC order, strictly rising whole minutes. With a window, only rows
 * with `from ≤ open time ≤ to` become candles (every row is still checked), which keeps a few days out of
 * a long file cheap. Missing minutes are told to `onWarning`, with their span.
 */
export function readCandleCsv(
  path: string,
  window: { from?: number; to?: number } = {},
  onWarning: (message: string) => void = () => undefined,
): CandleInput[] {
  const lines = readText(path, 'candles').split('\n');
  for (let i = 0; i < lines.length; i++) if (lines[i]!.endsWith('\r')) lines[i] = lines[i]!.slice(0, -1);
  const first = lines[0] ?? '';
  const headerless = /^\s*"?\d/.test(first);
  const cols = headerless ? VISION_COLUMNS : columnsOf(first, `${path}:1`);
  const width = Math.max(...Object.values(cols)) + 1;
  const out: CandleInput[] = [];
  const gaps: { from: number; to: number }[] = [];
  let lastTime = Number.NEGATIVE_INFINITY;
  // Prices repeat from row to row: one (immutable) Decimal per distinct text. (Volumes rarely repeat.)
  const interned = new Map<string, Decimal>();
  const price = (raw: string, row: number, col: Column): Decimal => {
    const known = interned.get(raw);
    if (known) return known;
    const value = decimalCell(unquote(raw), `${path}:${row + 1}`, col);
    if (interned.size < INTERN_MAX) interned.set(raw, value);
    return value;
  };
  // The row an error names (one closure for the file: a closure a row would cost more than the row).
  let row = 0;
  const where = (): string => `${path}:${row + 1}`;
  for (let i = headerless ? 0 : 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '' || line.trim() === '') continue;
    const cells = line.split(',');
    row = i;
    if (cells.length < width)
      throw new SimInputError(`${where()}: expected at least ${width} columns, got ${cells.length}`);
    const openTime = timeCell(cells[cols.time]!, where);
    if (openTime % MINUTE !== 0)
      throw new SimInputError(`${where()}: the open time ${iso(openTime)} is not on a whole minute`);
    if (openTime <= lastTime)
      throw new SimInputError(
        `${where()}: the open time ${iso(openTime)} is not after the previous row's ${iso(lastTime)}`,
      );
    if (lastTime !== Number.NEGATIVE_INFINITY && openTime - lastTime > MINUTE)
      gaps.push({ from: lastTime + MINUTE, to: openTime });
    lastTime = openTime;
    if (
      (window.from !== undefined && openTime < window.from) ||
      (window.to !== undefined && openTime > window.to)
    )
      continue;
    const c: CandleInput = {
      openTime,
      open: price(cells[cols.open]!, i, 'open'),
      high: price(cells[cols.high]!, i, 'high'),
      low: price(cells[cols.low]!, i, 'low'),
      close: price(cells[cols.close]!, i, 'close'),
      // Volumes rarely repeat: none is interned.
      volume: decimalCell(unquote(cells[cols.volume]!), where(), 'volume'),
    };
    if (!c.low.greaterThan(0)) throw new SimInputError(`${where()}: prices must be greater than 0`);
    if (
      compareDec(c.high, c.low) < 0 ||
      compareDec(c.high, c.open) < 0 ||
      compareDec(c.high, c.close) < 0 ||
      compareDec(c.low, c.open) > 0 ||
      compareDec(c.low, c.close) > 0
    )
      throw new SimInputError(`${where()}: high must be ≥ open, close, low and low ≤ open, close`);
    out.push(c);
  }
  if (out.length === 0)
    throw new SimInputError(
      `${path}: no candles ${window.from !== undefined || window.to !== undefined ? 'in the period asked for' : headerless ? 'in the file' : 'after the header'}`,
    );
  const missing = gaps.reduce((n, g) => n + (g.to - g.from) / MINUTE, 0);
  for (const g of gaps.slice(0, MAX_NAMED_GAPS))
    onWarning(
      `${path}: ${(g.to - g.from) / MINUTE} minute(s) missing, ${iso(g.from)} to ${iso(g.to)} (the replay goes straight across)`,
    );
  if (gaps.length > MAX_NAMED_GAPS)
    onWarning(`${path}: ${gaps.length} gaps in all, ${missing} minute(s) missing`);
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
/** A time given on the command line: epoch ms, or ISO 8601, read as UTC unless it states its offset. */
export function parseTime(text: string, option: string): number {
  const local = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(text);
  const t = /^\d+$/.test(text)
    ? Number(text)
    : Date.parse(local ? (text.includes('T') ? `${text}Z` : `${text}T00:00:00Z`) : text);
  if (!Number.isSafeInteger(t))
    throw new SimInputError(
      `${option}: expected an ISO 8601 time (2025-06-01T00:00:00Z) or epoch ms, got "${text}"`,
    );
  return t;
}

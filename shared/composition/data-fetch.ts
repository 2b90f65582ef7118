/**
 * `gridbot data fetch`: downloads 1-minute candles with ccxt into the CSV the simulator replays
 * (`open_time_ms,open,high,low,close,volume`), and the funding rates of the same period into the funding
 * CSV (`funding_time_ms,funding_rate`) the simulator finds next to it. On Binance USD-M the raw
 * `GET /fapi/v1/klines` and `GET /fapi/v1/fundingRate` rows are used, so prices and rates go from Binance's
 * strings to the file without passing through a float; other ccxt venues go through `fetchOHLCV` and
 * `fetchFundingRateHistory`, whose numbers are written in shortest round-trip form (exact for the decimal
 * prices exchanges quote). Public data only: no credentials. `GRIDBOT_API_URLS` points ccxt at another
 * server (tests use the local Binance protocol server).
 */

import ccxt, { type Exchange } from 'ccxt';
import { dec } from '../domain/money.js';
import { apiUrlsFor } from './exchanges.js';

const MINUTE = 60_000;

/** A bad `data fetch` argument (unknown exchange or market, empty period): the CLI exits 1. */
export class FetchInputError extends Error {
  override readonly name = 'FetchInputError';
}
const PAGE = 1500;
export const CANDLE_CSV_HEADER = 'open_time_ms,open,high,low,close,volume';

export interface FetchCandlesOptions {
  readonly exchange: string;
  readonly symbol: string;
  readonly from: number;
  readonly to: number;
  readonly apiUrls?: Readonly<Record<string, unknown>> | undefined;
  readonly onPage?: (rows: number, lastOpenTime: number) => void;
}

type Row = [number, string, string, string, string, string];

function client(opts: FetchCandlesOptions): Exchange {
  const Cls = (ccxt as unknown as Record<string, (new (c: Record<string, unknown>) => Exchange) | undefined>)[
    opts.exchange
  ];
  if (!Cls)
    throw new FetchInputError(`--exchange ${opts.exchange}: not a ccxt exchange id (e.g. binanceusdm, okx)`);
  const urls = apiUrlsFor(opts.apiUrls, opts.exchange);
  const ex = new Cls({ enableRateLimit: urls === undefined, options: { fetchCurrencies: false } });
  if (urls) Object.assign(ex.urls.api as Record<string, unknown>, urls);
  return ex;
}

const text = (v: unknown, what: string): string => {
  if (typeof v === 'string') return dec(v, what).toFixed();
  if (typeof v === 'number' && Number.isFinite(v)) return dec(String(v), what).toFixed();
  throw new Error(`${what}: unexpected value ${JSON.stringify(v)} from the exchange`);
};

async function page(ex: Exchange, id: string, opts: FetchCandlesOptions, since: number): Promise<Row[]> {
  if (opts.exchange === 'binanceusdm') {
    const klines = (ex as unknown as Record<string, ((p: unknown) => Promise<unknown[][]>) | undefined>)
      .fapiPublicGetKlines;
    if (!klines) throw new Error('this ccxt build has no fapiPublicGetKlines');
    const raw = (await klines.call(ex, {
      symbol: id,
      interval: '1m',
      startTime: since,
      endTime: opts.to - 1,
      limit: PAGE,
    })) as unknown[][];
    return raw.map((k) => [
      Number(k[0]),
      text(k[1], 'open'),
      text(k[2], 'high'),
      text(k[3], 'low'),
      text(k[4], 'close'),
      text(k[5], 'volume'),
    ]);
  }
  const rows = await ex.fetchOHLCV(opts.symbol, '1m', since, PAGE);
  return rows.map((k) => [
    Number(k[0]),
    text(k[1], 'open'),
    text(k[2], 'high'),
    text(k[3], 'low'),
    text(k[4], 'close'),
    text(k[5], 'volume'),
  ]);
}

export const FUNDING_CSV_HEADER = 'funding_time_ms,funding_rate';
const FUNDING_PAGE = 1000;

async function fundingPage(
  ex: Exchange,
  id: string,
  opts: FetchCandlesOptions,
  since: number,
): Promise<[number, string][] | null> {
  if (opts.exchange === 'binanceusdm') {
    const rates = (ex as unknown as Record<string, ((p: unknown) => Promise<unknown[]>) | undefined>)
      .fapiPublicGetFundingRate;
    if (!rates) throw new Error('this ccxt build has no fapiPublicGetFundingRate');
    const raw = (await rates.call(ex, {
      symbol: id,
      startTime: since,
      endTime: opts.to - 1,
      limit: FUNDING_PAGE,
    })) as { fundingTime?: unknown; fundingRate?: unknown }[];
    return raw.map((r) => [Number(r.fundingTime), text(r.fundingRate, 'fundingRate')]);
  }
  if (!ex.has.fetchFundingRateHistory) return null;
  const rows = await ex.fetchFundingRateHistory(opts.symbol, since, FUNDING_PAGE);
  return rows.map((r) => [Number(r.timestamp), text(r.fundingRate, 'fundingRate')]);
}

/**
 * The funding rates of [from, to) as CSV text (`funding_time_ms,funding_rate`, the format of
 * `../shared/data/funding`), or null when the venue publishes no funding history through ccxt.
 */
export async function fetchFundingCsv(
  opts: FetchCandlesOptions,
): Promise<{ csv: string; rows: number } | null> {
  return withMarket(opts, async (ex, marketId) => {
    const lines = [FUNDING_CSV_HEADER];
    let since = opts.from;
    let last = -1;
    for (;;) {
      const page = await fundingPage(ex, marketId, opts, since);
      if (page === null) return null;
      const rows = page
        .filter((r) => Number.isSafeInteger(r[0]) && r[0] > last && r[0] >= opts.from && r[0] < opts.to)
        .sort((a, b) => a[0] - b[0]);
      if (rows.length === 0) break;
      for (const r of rows) lines.push(r.join(','));
      last = rows[rows.length - 1]![0];
      since = last + 1;
      if (since >= opts.to) break;
    }
    return { csv: `${lines.join('\n')}\n`, rows: lines.length - 1 };
  });
}

/** The candles of [from, to) as CSV text, header first. */
export async function fetchCandlesCsv(opts: FetchCandlesOptions): Promise<{ csv: string; rows: number }> {
  return withMarket(opts, async (ex, marketId) => {
    const lines = [CANDLE_CSV_HEADER];
    let since = Math.floor(opts.from / MINUTE) * MINUTE;
    let last = -1;
    for (;;) {
      const rows = (await page(ex, marketId, opts, since)).filter((r) => r[0] > last && r[0] < opts.to);
      if (rows.length === 0) break;
      for (const r of rows) lines.push(r.join(','));
      last = rows[rows.length - 1]![0];
      opts.onPage?.(lines.length - 1, last);
      since = last + MINUTE;
      if (since >= opts.to) break;
    }
    return { csv: `${lines.join('\n')}\n`, rows: lines.length - 1 };
  });
}

/** Checks the period, opens a public client, finds the market, runs `fn`, and always closes the client. */
async function withMarket<T>(
  opts: FetchCandlesOptions,
  fn: (ex: Exchange, marketId: string) => Promise<T>,
): Promise<T> {
  if (!(opts.to > opts.from)) throw new FetchInputError('--to must be after --from');
  const ex = client(opts);
  try {
    await ex.loadMarkets();
    const market = ex.markets?.[opts.symbol];
    if (!market?.id) throw new FetchInputError(`${opts.exchange} has no market ${opts.symbol}`);
    return await fn(ex, market.id);
  } finally {
    await ex.close();
  }
}

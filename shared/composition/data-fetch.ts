/**
 * `gridbot data fetch`: downloads 1-minute candles with ccxt into the CSV the simulator replays
 * (`open_time_ms,open,high,low,close,volume`). On Binance USD-M the raw `GET /fapi/v1/klines` rows are
 * used, so prices go from Binance's strings to the file without passing through a float; other ccxt
 * venues go through `fetchOHLCV`, whose numbers are written in shortest round-trip form (exact for the
 * decimal prices exchanges quote). Public data only: no credentials. `GRIDBOT_API_URLS` points ccxt at
 * another server (tests use the local Binance protocol server).
 */
import ccxt, { type Exchange } from 'ccxt';
import { dec } from '../domain/money.js';

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
  const ex = new Cls({ enableRateLimit: opts.apiUrls === undefined, options: { fetchCurrencies: false } });
  if (opts.apiUrls) Object.assign(ex.urls.api as Record<string, unknown>, opts.apiUrls);
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

/** The candles of [from, to) as CSV text, header first. */
export async function fetchCandlesCsv(opts: FetchCandlesOptions): Promise<{ csv: string; rows: number }> {
  if (!(opts.to > opts.from)) throw new FetchInputError('--to must be after --from');
  const ex = client(opts);
  try {
    await ex.loadMarkets();
    const market = ex.markets?.[opts.symbol];
    if (!market) throw new FetchInputError(`${opts.exchange} has no market ${opts.symbol}`);
    const lines = [CANDLE_CSV_HEADER];
    let since = Math.floor(opts.from / MINUTE) * MINUTE;
    let last = -1;
    for (;;) {
      const rows = (await page(ex, market.id!, opts, since)).filter((r) => r[0] > last && r[0] < opts.to);
      if (rows.length === 0) break;
      for (const r of rows) lines.push(r.join(','));
      last = rows[rows.length - 1]![0];
      opts.onPage?.(lines.length - 1, last);
      since = last + MINUTE;
      if (since >= opts.to) break;
    }
    return { csv: `${lines.join('\n')}\n`, rows: lines.length - 1 };
  } finally {
    await ex.close();
  }
}

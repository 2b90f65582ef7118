/**
 * A paper Lighter venue for tests: the paper engine on the real Binance exchangeInfo subset (BTCUSDT,
 * ETHUSDT), real BTCUSDT candles to start from, and the Lighter protocol server in front of it with two
 * accounts (created in hedge mode, as `paper-venue.ts` does; the server puts them in one-way mode).
 *
 *   const venue = await startLighterVenue();
 *   venue.server.ccxtApiUrls();          // urls.api for ccxt `lighter`
 *   venue.moveTo('BTCUSDT', '95000.0');  // a candle that trades through to that price
 *   await venue.stop();
 */
import { resolve } from 'node:path';
import { SystemClock } from '../../shared/adapters/clock/index.js';
import {
  type CandleInput,
  loadCandles,
  loadExchangeInfo,
  PaperExchange,
} from '../../shared/adapters/paper/index.js';
import {
  createPaperLighterServer,
  type LighterServerOptions,
  type PaperLighterServer,
} from '../../shared/adapters/paper/lighter-server/server.js';
import { EXCHANGE_INFO_SUBSET, fixturesDir, sharedData } from './binance/fixtures.js';
import { candleThrough } from './binance/paper-venue.js';

export const LIGHTER_ACCOUNTS = [
  { account: 'lighter-a', index: 777, apiKeys: [2, 3, 5] },
  { account: 'lighter-b', index: 778, apiKeys: [4] },
] as const;

export interface LighterVenue {
  readonly engine: PaperExchange;
  readonly server: PaperLighterServer;
  /** Applies a one-minute candle from the last close that trades through `price` and closes there. */
  moveTo(symbol: string, price: string): void;
  /** The open time of the first real candle fed. */
  readonly firstCandleTime: number;
  stop(): Promise<void>;
}

export async function startLighterVenue(
  options: Partial<Omit<LighterServerOptions, 'accounts'>> = {},
): Promise<LighterVenue> {
  const engine = new PaperExchange({
    clock: new SystemClock(),
    exchangeInfo: loadExchangeInfo(resolve(fixturesDir, EXCHANGE_INFO_SUBSET)),
    symbols: ['BTCUSDT', 'ETHUSDT'],
  });
  for (const a of LIGHTER_ACCOUNTS)
    engine.createAccount({ id: a.account, balances: { USDT: '100000' }, dualSidePosition: true });
  const real = loadCandles(
    resolve(sharedData, 'ohlcv_1m/binance_usdm_BTCUSDT_1m_2025-05-04_2025-06-24.csv'),
  ).slice(0, 60);
  for (const c of real) engine.applyCandle('BTCUSDT', c);
  const last = new Map<string, CandleInput>([['BTCUSDT', real[real.length - 1]!]]);
  const server = await createPaperLighterServer(engine, {
    ...options,
    accounts: LIGHTER_ACCOUNTS.map((a) => ({ ...a, apiKeys: [...a.apiKeys] })),
  }).start();
  return {
    engine,
    server,
    firstCandleTime: real[0]!.openTime,
    moveTo(symbol, price) {
      const candle = candleThrough(last.get(symbol), price, real[real.length - 1]!.openTime);
      engine.applyCandle(symbol, candle);
      last.set(symbol, candle);
    },
    stop: () => server.stop(),
  };
}

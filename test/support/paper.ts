/**
 * Builders for paper-exchange tests: the real exchangeInfo fixture, a virtual clock, candles from text.
 * Market data lives outside the repo in `../shared/data` (resolved from the repo root).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VirtualClock } from '../../shared/adapters/clock/virtual-clock.js';
import { loadExchangeInfo } from '../../shared/adapters/paper/data-files.js';
import {
  type NewAccount,
  PaperExchange,
  type PaperExchangeConfig,
} from '../../shared/adapters/paper/engine.js';
import type { CandleInput } from '../../shared/adapters/paper/market-driver.js';
import { dec } from '../../shared/domain/money.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
export const sharedData = resolve(repoRoot, '../shared/data');
export const exchangeInfoPath = resolve(
  sharedData,
  'fixtures/binance_usdm_exchangeInfo_2025-11-26_subset.json',
);

let cachedInfo: unknown;
export function exchangeInfoFixture(): unknown {
  cachedInfo ??= loadExchangeInfo(exchangeInfoPath);
  return cachedInfo;
}

export const T0 = Date.UTC(2025, 5, 1);

export function paperExchange(
  overrides: Partial<PaperExchangeConfig> = {},
  clock = new VirtualClock(T0),
): { ex: PaperExchange; clock: VirtualClock } {
  const ex = new PaperExchange({ clock, exchangeInfo: exchangeInfoFixture(), ...overrides });
  return { ex, clock };
}

/** An exchange with one account `a` (1000 USDC and 1000 USDT), optionally in hedge mode. */
export function withAccount(
  account: Partial<NewAccount> = {},
  config: Partial<PaperExchangeConfig> = {},
  clock = new VirtualClock(T0),
): { ex: PaperExchange; clock: VirtualClock } {
  const built = paperExchange(config, clock);
  built.ex.createAccount({ id: 'a', balances: { USDC: '1000', USDT: '1000' }, ...account });
  return built;
}

/** `candle(t, '0.2 0.21 0.19 0.205')`: open high low close, volume 1000. */
export function candle(openTime: number, ohlc: string, volume = '1000'): CandleInput {
  const [o, h, l, c] = ohlc.trim().split(/\s+/);
  return { openTime, open: dec(o!), high: dec(h!), low: dec(l!), close: dec(c!), volume: dec(volume) };
}

/** Feeds candles one minute apart starting at `start`, advancing the clock to each candle's close. */
export async function feed(
  ex: PaperExchange,
  clock: VirtualClock,
  symbol: string,
  start: number,
  ohlcs: readonly string[],
): Promise<number> {
  let t = start;
  for (const o of ohlcs) {
    await clock.advanceTo(Math.max(clock.now(), t + 60_000));
    ex.applyCandle(symbol, candle(t, o));
    t += 60_000;
  }
  return t;
}

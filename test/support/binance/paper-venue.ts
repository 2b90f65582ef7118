/**
 * A paper venue for tests and benches: the paper engine (Binance: the real exchangeInfo subset; OKX: the
 * real instruments payload, one engine market per swap), real BTCUSDT candles to start from, the venue's
 * protocol server in front of it, and ccxt-backed ExchangePorts for its accounts. One per test file:
 *
 *   const venue = await startPaperVenue();               // Binance USD-M; { venue: 'okx' } for OKX
 *   const port = venue.port('acct-a');           // a CcxtExchange (the real ccxt client inside)
 *   venue.moveTo('BTCUSDT', '95000.0');          // a candle that trades through to that price
 *   await venue.stop();
 */
import { resolve } from 'node:path';
import {
  type CcxtAccountSettings,
  type CcxtExchange,
  createCcxtExchange,
} from '../../../shared/adapters/ccxt/ccxt-exchange.js';
import { SystemClock } from '../../../shared/adapters/clock/index.js';
import {
  createPaperBinanceServer,
  type PaperBinanceServer,
} from '../../../shared/adapters/paper/binance-server/paper-server.js';
import {
  type CandleInput,
  loadCandles,
  loadExchangeInfo,
  PaperExchange,
} from '../../../shared/adapters/paper/index.js';
import {
  OkxInstruments,
  okxEngineExchangeInfo,
} from '../../../shared/adapters/paper/okx-server/instruments.js';
import {
  createPaperOkxServer,
  type PaperOkxServer,
} from '../../../shared/adapters/paper/okx-server/server.js';
import { dec, maxDec, minDec } from '../../../shared/domain/money.js';
import type { Clock } from '../../../shared/ports/clock.js';
import { EXCHANGE_INFO_SUBSET, fixturesDir, sharedData } from './fixtures.js';

export type VenueId = 'binanceusdm' | 'okx';
export const VENUES: readonly VenueId[] = ['binanceusdm', 'okx'];

export interface PaperAccount {
  readonly id: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly passphrase: string;
}

/** The next one-minute candle after `prev` (or after `fallbackOpenTime`) that trades through `price` and closes there. */
export function candleThrough(
  prev: CandleInput | undefined,
  price: string,
  fallbackOpenTime: number,
): CandleInput {
  const target = dec(price);
  const open = prev?.close ?? target;
  return {
    openTime: (prev?.openTime ?? fallbackOpenTime) + 60_000,
    open,
    high: maxDec(open, target),
    low: minDec(open, target),
    close: target,
    volume: dec('1'),
  };
}

/** `n` more paper accounts (`pair-1` … `pair-n`), each with its own keys. */
export function moreAccounts(n: number, stem = 'pair'): PaperAccount[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${stem}-${i + 1}`,
    apiKey: `paperkey-${stem}-${i + 1}-`.padEnd(64, '0'),
    apiSecret: `paper-secret-${stem}-${i + 1}`,
    passphrase: `paper-passphrase-${stem}-${i + 1}`,
  }));
}

export interface PaperVenueOptions {
  readonly venue?: VenueId;
  /** Accounts besides `ACCOUNTS` (hedge mode, 100 000 USDT and USDC each). */
  readonly extraAccounts?: readonly PaperAccount[];
  readonly hedgeMode?: boolean;
  readonly weightLimitPerMinute?: number;
  readonly weightWindowMs?: number;
  /** OKX: multiplies every route's request limit (per 2 s), e.g. for benchmarks that loop fast. */
  readonly okxLimitScale?: number;
  readonly clock?: Clock;
}

export const ACCOUNTS = [
  {
    id: 'acct-a',
    apiKey: 'paperkey-acct-a-0000000000000000000000000000000000000000000000000',
    apiSecret: 'paper-secret-a',
    passphrase: 'paper-passphrase-a',
  },
  {
    id: 'acct-b',
    apiKey: 'paperkey-acct-b-0000000000000000000000000000000000000000000000000',
    apiSecret: 'paper-secret-b',
    passphrase: 'paper-passphrase-b',
  },
] as const;

export const BTC = 'BTC/USDT:USDT';

/** What tests use of either venue's protocol server. */
export type VenueServer = PaperBinanceServer | PaperOkxServer;

export interface PaperVenue<S extends VenueServer = PaperBinanceServer> {
  readonly venue: VenueId;
  readonly engine: PaperExchange;
  readonly server: S;
  /** The secret record of an account as Secrets Manager would hold it (with OKX's passphrase). */
  credentials(accountId: string): { apiKey: string; secret: string; password?: string };
  readonly clock: Clock;
  /** A ccxt-backed ExchangePort for an account, pointed at the server. */
  port(accountId?: string, overrides?: Partial<CcxtAccountSettings>): CcxtExchange;
  /** Applies a one-minute candle from the last close that trades through `price` and closes there. */
  moveTo(symbol: string, price: string): void;
  stop(): Promise<void>;
}

export async function startPaperVenue(
  options?: PaperVenueOptions & { venue?: 'binanceusdm' },
): Promise<PaperVenue<PaperBinanceServer>>;
export async function startPaperVenue(
  options: PaperVenueOptions & { venue: 'okx' },
): Promise<PaperVenue<PaperOkxServer>>;
export async function startPaperVenue(options: PaperVenueOptions): Promise<PaperVenue<VenueServer>>;
export async function startPaperVenue(options: PaperVenueOptions = {}): Promise<PaperVenue<VenueServer>> {
  const clock = options.clock ?? new SystemClock();
  const venue = options.venue ?? 'binanceusdm';
  const engine =
    venue === 'okx'
      ? new PaperExchange({ clock, exchangeInfo: okxEngineExchangeInfo(new OkxInstruments()) })
      : new PaperExchange({
          clock,
          exchangeInfo: loadExchangeInfo(resolve(fixturesDir, EXCHANGE_INFO_SUBSET)),
          symbols: ['BTCUSDT', 'ETHUSDT', 'DOGEUSDC'],
        });
  const accounts: readonly PaperAccount[] = [...ACCOUNTS, ...(options.extraAccounts ?? [])];
  for (const a of accounts) {
    engine.createAccount({
      ...a,
      balances: { USDT: '100000', USDC: '100000' },
      dualSidePosition: options.hedgeMode ?? true,
    });
  }
  // Start from real market history: the first hour of the 2025 BTCUSDT file.
  const real = loadCandles(
    resolve(sharedData, 'ohlcv_1m/binance_usdm_BTCUSDT_1m_2025-05-04_2025-06-24.csv'),
  ).slice(0, 60);
  for (const c of real) engine.applyCandle('BTCUSDT', c);
  const last = new Map<string, CandleInput>([['BTCUSDT', real[real.length - 1]!]]);
  const server: VenueServer =
    venue === 'okx'
      ? await createPaperOkxServer(engine, {
          passphraseOf: (id) => accounts.find((a) => a.id === id)?.passphrase ?? '',
          limitScale: options.okxLimitScale,
        }).start()
      : await createPaperBinanceServer(engine, {
          weightLimitPerMinute: options.weightLimitPerMinute,
          weightWindowMs: options.weightWindowMs,
        }).start();
  const ports: CcxtExchange[] = [];
  const accountOf = (accountId: string) => {
    const account = accounts.find((a) => a.id === accountId);
    if (!account) throw new Error(`no paper account ${accountId}`);
    return account;
  };
  return {
    venue,
    engine,
    server,
    clock,
    credentials(accountId) {
      const a = accountOf(accountId);
      return {
        apiKey: a.apiKey,
        secret: a.apiSecret,
        ...(venue === 'okx' ? { password: a.passphrase } : {}),
      };
    },
    port(accountId = 'acct-a', overrides = {}) {
      const account = accountOf(accountId);
      const port = createCcxtExchange({
        venue,
        accountId,
        apiKey: account.apiKey,
        secret: account.apiSecret,
        password: venue === 'okx' ? account.passphrase : undefined,
        apiUrls: server.ccxtApiUrls(),
        clock,
        baseBackoffMs: 50,
        maxBackoffMs: 500,
        stream: { baseBackoffMs: 50, maxBackoffMs: 500, watchdogMs: 5_000 },
        keepAliveMs: 1_000,
        enableRateLimit: false,
        ...overrides,
      });
      ports.push(port);
      return port;
    },
    moveTo(symbol, price) {
      const candle = candleThrough(last.get(symbol), price, real[real.length - 1]!.openTime);
      engine.applyCandle(symbol, candle);
      last.set(symbol, candle);
    },
    async stop() {
      await Promise.all(ports.map((p) => p.close()));
      await server.stop();
    },
  };
}

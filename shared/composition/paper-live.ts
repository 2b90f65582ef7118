/**
 * Paper trading on live prices (`gridbot run --paper`): the venue's real public market streams drive our
 * paper matching engine, and the production services trade it through the same ccxt client and the same
 * protocol a real account uses (Freqtrade's dry-run, with the real order path in it).
 *
 * Per venue the deployment's accounts use (Binance USD-M, OKX):
 *  1. the venue's symbol rules, read from its public REST API (exchangeInfo; OKX's swap instruments);
 *  2. a paper engine hosting the traded symbols, seeded with the recent 1-minute candles the strategies
 *     need (their `historyNeededMs`), so ATR and key levels have history from the first pass;
 *  3. the paper accounts: restored from `<dataDir>/paper-<venue>.json` when a previous run left one (the
 *     same wallets, positions, resting orders, stops and history), else new, with `balance` of each
 *     quote asset the deployment trades, in hedge mode;
 *  4. the venue's protocol server (ours, on 127.0.0.1) in front of the engine; the accounts' API URLs point
 *     at it and their keys are the paper keys, so no real credential is read or needed;
 *  5. the live feed: the real venue's public trades and mark price, through our ccxt adapter's market
 *     streams (reconnects and watchdog included), applied to the engine as they come.
 * The engine is saved every `saveEveryMs` (10 s) and on close (written to a temporary file, flushed, then
 * renamed: a crash mid-write leaves the previous snapshot). A restore moves every id a million past the
 * snapshot's, so ids handed out between the last save and a crash are never handed out again.
 *
 * Telegram commands are off in paper trading (paperDeployment): a paper run and a live one must not both
 * poll one bot, and a command must not reach the paper bot when it was meant for the live one.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { createCcxtExchange } from '../adapters/ccxt/ccxt-exchange.js';
import { type CcxtVenue, createCcxtClient } from '../adapters/ccxt/client.js';
import { createPaperBinanceServer } from '../adapters/paper/binance-server/paper-server.js';
import { PaperExchange } from '../adapters/paper/engine.js';
import { OkxInstruments, okxEngineExchangeInfo } from '../adapters/paper/okx-server/instruments.js';
import { createPaperOkxServer } from '../adapters/paper/okx-server/server.js';
import { credentialVariables } from '../adapters/secrets/index.js';
import type { DeploymentConfig } from '../domain/config/deployment.js';
import { type Decimal, dec } from '../domain/money.js';
import { legsOf, strategyOf } from '../domain/strategies/index.js';
import type { Clock } from '../ports/clock.js';
import type { ExchangePort, StreamSubscription } from '../ports/exchange.js';
import type { Logger } from '../ports/logger.js';

export type PaperVenueId = Extract<CcxtVenue, 'binanceusdm' | 'okx'>;
const PAPER_VENUES: readonly string[] = ['binanceusdm', 'okx'];

/** The venue an account papers on: its own, or Binance USD-M for a `paper` account. */
export function paperVenueOf(exchange: string): string {
  return exchange === 'paper' ? 'binanceusdm' : exchange;
}

/**
 * The deployment as the paper runtime trades it: `paper` accounts on Binance USD-M, no proxy (the paper
 * venues are on this machine), and Telegram for alerts only (no commands: one bot polled by a paper run and
 * a live one would answer either).
 */
export function paperDeployment(d: DeploymentConfig): DeploymentConfig {
  return {
    ...d,
    ...(d.telegram ? { telegram: { ...d.telegram, commands: false } } : {}),
    proxies: [],
    accounts: d.accounts.map(({ proxy: _, ...a }) => ({
      ...a,
      exchange: paperVenueOf(a.exchange) as DeploymentConfig['accounts'][number]['exchange'],
    })),
  };
}

export class PaperSetupError extends Error {
  override readonly name = 'PaperSetupError';
}

export interface PaperLiveOptions {
  readonly deployment: DeploymentConfig;
  /** Where the paper venues keep their snapshots (`paper-<venue>.json`). */
  readonly dataDir: string;
  /** Starting wallet of each quote asset traded, for accounts a previous run did not leave. */
  readonly balance: Decimal;
  readonly clock: Clock;
  readonly logger: Logger;
  /** ccxt `urls.api` entries of the market source per venue (tests point it at a local server). */
  readonly marketUrls?: Readonly<Record<string, unknown>> | undefined;
  /** How often the engines are saved (default every 10 s; and on close). */
  readonly saveEveryMs?: number;
  /** How much history to seed at least (default what the strategies need, at least a day). */
  readonly historyMs?: number;
  /** How long to wait for each symbol's first live trade before starting anyway (default 15 s). */
  readonly firstTradeWaitMs?: number;
}

export interface PaperLive {
  /** Variables that give every account its paper keys and points it at its paper venue. */
  readonly env: Readonly<Record<string, string>>;
  readonly venues: readonly { readonly venue: PaperVenueId; readonly engine: PaperExchange }[];
  /** Writes every engine's snapshot now. */
  save(): void;
  /** Stops the feeds, saves, stops the servers. Idempotent. */
  close(): Promise<void>;
}

const MINUTE = 60_000;
const DAY = 1_440 * MINUTE;

interface VenueRig {
  readonly venue: PaperVenueId;
  readonly engine: PaperExchange;
  readonly file: string;
  readonly feeds: StreamSubscription[];
  readonly market: ExchangePort;
  /** The ccxt `urls.api` entries of the paper venue's protocol server. */
  readonly apiUrls: Readonly<Record<string, unknown>>;
  readonly stop: () => Promise<void>;
}

/** The paper key pair of an account: fixed, so a restored snapshot's accounts keep answering to them. */
const paperKeys = (accountId: string) => ({
  apiKey: `paper-${accountId}-`.padEnd(64, '0'),
  apiSecret: `paper-secret-${accountId}`,
  passphrase: `paper-passphrase-${accountId}`,
});

/** The raw rules body the paper engine hosts markets from, read from the venue's public API. */
async function venueRules(venue: PaperVenueId, urls: Readonly<Record<string, unknown>> | undefined) {
  const client = createCcxtClient(
    { venue, apiKey: '', secret: '', ...(urls ? { apiUrls: urls, enableRateLimit: false } : {}) },
    { onMessage: () => {} },
  );
  try {
    await client.loadMarkets();
    const raw = client as unknown as Record<string, (params?: object) => Promise<unknown>>;
    if (venue === 'okx') {
      const instruments = new OkxInstruments(await raw.publicGetPublicInstruments!({ instType: 'SWAP' }));
      return {
        info: okxEngineExchangeInfo(instruments),
        engineSymbol: (s: string) => instruments.find(String(client.market(s).id))?.engineSymbol,
        instruments,
      };
    }
    const info = await raw.fapiPublicGetExchangeInfo!();
    return {
      info,
      engineSymbol: (s: string) => client.market(s).id as string | undefined,
      instruments: null,
    };
  } finally {
    await client.close();
  }
}

async function startVenue(venue: PaperVenueId, o: PaperLiveOptions): Promise<VenueRig> {
  const accounts = o.deployment.accounts.filter((a) => paperVenueOf(a.exchange) === venue);
  const instances = o.deployment.instances.filter((i) =>
    legsOf(i).some((l) => accounts.some((a) => a.id === l.account)),
  );
  const symbols = [...new Set(instances.flatMap((i) => legsOf(i).map((l) => l.symbol)))];
  const urls = o.marketUrls?.[venue] as Readonly<Record<string, unknown>> | undefined;
  const rules = await venueRules(venue, urls);
  const engineOf = new Map<string, string>();
  for (const s of symbols) {
    const id = rules.engineSymbol(s);
    if (!id) throw new PaperSetupError(`${venue} lists no perpetual ${s}: check the symbol in the config`);
    engineOf.set(s, id);
  }
  const engine = new PaperExchange({
    clock: o.clock,
    exchangeInfo: rules.info,
    symbols: [...engineOf.values()],
  });
  // The live market, through our own adapter (public streams and candles need no key).
  const market = createCcxtExchange({
    venue,
    accountId: `paper-market-${venue}`,
    apiKey: '',
    secret: '',
    clock: o.clock,
    logger: o.logger,
    ...(urls ? { apiUrls: urls, enableRateLimit: false } : {}),
  });
  // History first, while no account rests an order that old prices could fill.
  const historyMs = Math.max(
    o.historyMs ?? DAY,
    ...instances.map((i) => strategyOf(i).simulation.historyNeededMs(i)),
  );
  const now = o.clock.now();
  for (const [symbol, id] of engineOf) {
    let since = Math.floor((now - historyMs) / MINUTE) * MINUTE;
    let seeded = 0;
    while (since < now - MINUTE) {
      const page = await market.candles(symbol, '1m', since, 1000);
      // Only closed minutes: the one in progress comes from the trades.
      const closed = page.filter((k) => k.openTime >= since && k.openTime + MINUTE <= now);
      for (const k of closed) engine.applyCandle(id, k);
      seeded += closed.length;
      if (closed.length === 0) break;
      since = closed[closed.length - 1]!.openTime + MINUTE;
    }
    o.logger.info('paper venue seeded', { venue, symbol, candles: seeded });
  }
  const file = join(o.dataDir, `paper-${venue}.json`);
  if (existsSync(file)) {
    // Ids jump a million ahead: a run that crashed after its last save handed out ids this snapshot
    // does not know, and the bot's store may remember them.
    engine.restore(JSON.parse(readFileSync(file, 'utf8')), { idGap: 1_000_000 });
    o.logger.info('paper venue restored', { venue, file, accounts: engine.accountIds().length });
  }
  const quotes = [...new Set(symbols.map((s) => s.split(':')[1] ?? s.split('/')[1]!))];
  for (const a of accounts) {
    if (engine.accountIds().includes(a.id)) continue;
    const keys = paperKeys(a.id);
    engine.createAccount({
      id: a.id,
      apiKey: keys.apiKey,
      apiSecret: keys.apiSecret,
      balances: Object.fromEntries(quotes.map((q) => [q, o.balance.toFixed()])),
      dualSidePosition: true,
    });
  }
  const server =
    venue === 'okx'
      ? await createPaperOkxServer(engine, {
          passphraseOf: (id) => paperKeys(id).passphrase,
          ...(rules.instruments ? { instruments: rules.instruments } : {}),
        }).start()
      : await createPaperBinanceServer(engine).start();
  const feeds: StreamSubscription[] = [];
  const priced: Promise<void>[] = [];
  for (const [symbol, id] of engineOf) {
    let firstTrade!: () => void;
    priced.push(new Promise<void>((resolve) => (firstTrade = resolve)));
    feeds.push(
      await market.subscribeMarket(symbol, ['trades', 'markPrice'], (e) => {
        try {
          if (e.type === 'trade' && e.qty.greaterThan(0)) {
            engine.applyTrade(id, { price: e.price, qty: e.qty, buyerIsMaker: e.takerSide === 'sell' });
            firstTrade();
          } else if (e.type === 'markPrice' && e.mark.greaterThan(0)) engine.setMarkPrice(id, e.mark);
        } catch (err) {
          // A bad message is dropped, counted in the log; the feed goes on.
          o.logger.warn('paper venue dropped a market message', { venue, symbol, error: String(err) });
        }
      }),
    );
  }
  // The bot starts on a venue with a price: the first live trade of each symbol (or a warning after a while).
  let waited: ReturnType<typeof setTimeout> | undefined;
  const late = await Promise.race([
    Promise.all(priced).then(() => false),
    new Promise<boolean>((resolve) => {
      waited = setTimeout(() => resolve(true), o.firstTradeWaitMs ?? 15_000);
    }),
  ]);
  clearTimeout(waited);
  if (late)
    o.logger.warn('paper venue: no live trade yet on some symbol; prices come with the first', { venue });
  return {
    venue,
    engine,
    file,
    feeds,
    market,
    stop: async () => {
      await Promise.allSettled(feeds.map((f) => f.close()));
      await market.close();
      await server.stop();
    },
    apiUrls: server.ccxtApiUrls(),
  };
}

/** Written whole to a temporary file, flushed to disk, then renamed over the last one (readable by this user only). */
function save(rig: VenueRig, dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  const tmp = `${rig.file}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(rig.engine.snapshot()));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, rig.file);
}

export async function startPaperLive(o: PaperLiveOptions): Promise<PaperLive> {
  const venues = [...new Set(o.deployment.accounts.map((a) => paperVenueOf(a.exchange)))];
  const unsupported = venues.filter((v) => !PAPER_VENUES.includes(v));
  if (unsupported.length > 0)
    throw new PaperSetupError(
      `paper trading runs on ${PAPER_VENUES.join(' and ')}; accounts on ${unsupported.join(', ')} cannot be papered: drop them from this config`,
    );
  const rigs: VenueRig[] = [];
  try {
    for (const v of venues) rigs.push(await startVenue(v as PaperVenueId, o));
  } catch (e) {
    await Promise.allSettled(rigs.map((r) => r.stop()));
    throw e;
  }
  const env: Record<string, string> = {};
  for (const a of o.deployment.accounts) {
    const names = credentialVariables(a.id);
    const keys = paperKeys(a.id);
    env[names.apiKey] = keys.apiKey;
    env[names.secret] = keys.apiSecret;
    env[names.password] = keys.passphrase;
  }
  env.GRIDBOT_API_URLS = JSON.stringify(Object.fromEntries(rigs.map((r) => [r.venue, r.apiUrls])));
  const saveAll = () => {
    for (const r of rigs) save(r, o.dataDir);
  };
  const timer = setInterval(() => {
    try {
      saveAll();
    } catch (e) {
      o.logger.error('paper venue snapshot failed', { error: String(e) });
    }
  }, o.saveEveryMs ?? 10_000);
  timer.unref();
  let closed: Promise<void> | null = null;
  return {
    env,
    venues: rigs.map((r) => ({ venue: r.venue, engine: r.engine })),
    save: saveAll,
    close: () => {
      closed ??= (async () => {
        clearInterval(timer);
        await Promise.allSettled(rigs.flatMap((r) => r.feeds.map((f) => f.close())));
        try {
          saveAll();
        } finally {
          await Promise.allSettled(rigs.map((r) => r.stop()));
        }
      })();
      return closed;
    },
  };
}

export const PAPER_DEFAULT_BALANCE = dec('10000');

/**
 * Builds the ccxt (pro) client for one account: credentials, per-account proxies, `fetchCurrencies` off
 * (a private call ccxt would make on every market load), time-difference adjustment on (signed calls carry
 * the venue's clock, not ours), no REST snapshots behind ccxt pro's back, optional URL overrides (tests point the client at a local server), and a
 * raw-message tap so the adapter parses stream messages from their original strings.
 *
 * The tap is a subclass hook (`handleMessage` / `onConnected` call through to ccxt unchanged); ccxt itself
 * is not modified.
 */
import ccxt, { type Exchange } from 'ccxt';
import { type LighterCredentials, lighterClientClass, lighterOptions } from './lighter-client.js';

export type CcxtClient = Exchange;

export type CcxtVenue = 'binanceusdm' | 'okx' | 'lighter';

export interface ProxySettings {
  readonly httpsProxy?: string | undefined;
  readonly socksProxy?: string | undefined;
  readonly wsProxy?: string | undefined;
  readonly wssProxy?: string | undefined;
  readonly wsSocksProxy?: string | undefined;
}

export interface CcxtClientConfig {
  readonly venue: CcxtVenue;
  readonly apiKey: string;
  readonly secret: string;
  /** OKX passphrase. */
  readonly password?: string | undefined;
  /** Lighter: the account and API key indices (the API private key is `secret`). */
  readonly lighter?: LighterCredentials | undefined;
  readonly proxy?: ProxySettings | undefined;
  /** Venue demo / sandbox environment. */
  readonly testnet?: boolean | undefined;
  /** Replacement `urls.api` entries, merged over ccxt's (e.g. `fapiPublic`, `ws.future`). */
  readonly apiUrls?: Readonly<Record<string, unknown>> | undefined;
  readonly timeoutMs?: number | undefined;
  /** Extra ccxt options (merged last). */
  readonly options?: Readonly<Record<string, unknown>> | undefined;
  /** ccxt pro ping interval for stream liveness (ms). */
  readonly keepAliveMs?: number | undefined;
  /** ccxt's own request throttle (default on; the local test server needs no pacing). */
  readonly enableRateLimit?: boolean | undefined;
}

export interface RawTap {
  /** `current`: from the socket ccxt now holds for `url` (false: a late frame of one it has dropped). */
  onMessage(url: string, message: unknown, current: boolean): void;
  onConnected?(url: string): void;
}

interface WsClientLike {
  readonly url: string;
}

type ExchangeCtor = new (config: Record<string, unknown>) => Exchange;

function baseClass(venue: CcxtVenue): ExchangeCtor {
  const cls = (ccxt.pro as unknown as Record<string, ExchangeCtor | undefined>)[venue];
  if (!cls) throw new Error(`ccxt pro has no exchange class ${venue}`);
  return venue === 'lighter' ? lighterClientClass(cls) : cls;
}

function deepMerge(target: Record<string, unknown>, source: Readonly<Record<string, unknown>>): void {
  for (const [k, v] of Object.entries(source)) {
    const cur = target[k];
    if (
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      cur &&
      typeof cur === 'object' &&
      !Array.isArray(cur)
    ) {
      deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>);
    } else {
      target[k] = v;
    }
  }
}

export function createCcxtClient(config: CcxtClientConfig, tap: RawTap): CcxtClient {
  const Base = baseClass(config.venue);
  const timers = new Set<ReturnType<typeof setTimeout>>();
  class Tapped extends Base {
    /**
     * ccxt schedules listen-key keep-alives with plain timers; keep them from holding the process open and
     * drop them on `close()`, so a closed adapter leaves nothing running.
     */
    override delay(timeout: number, method: unknown, ...args: unknown[]): void {
      const timer = setTimeout(() => {
        timers.delete(timer);
        (this as unknown as { spawn(m: unknown, ...a: unknown[]): unknown }).spawn(method, ...args);
      }, timeout);
      timer.unref?.();
      timers.add(timer);
    }
    override async close(cleanInstanceCache?: boolean): Promise<void> {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await super.close(cleanInstanceCache);
    }
    override handleMessage(client: WsClientLike, message: unknown): unknown {
      try {
        const clients = (this as unknown as { clients?: Record<string, unknown> }).clients;
        tap.onMessage(client.url, message, clients?.[client.url] === client);
      } catch {
        // The tap reports its own failures; a bug there must not break ccxt's bookkeeping.
      }
      return (
        Base.prototype as unknown as { handleMessage(c: WsClientLike, m: unknown): unknown }
      ).handleMessage.call(this, client, message);
    }
    override onConnected(client: WsClientLike, message?: unknown): unknown {
      tap.onConnected?.(client.url);
      return (
        Base.prototype as unknown as { onConnected(c: WsClientLike, m?: unknown): unknown }
      ).onConnected.call(this, client, message);
    }
  }
  const ex = new Tapped({
    apiKey: config.apiKey,
    secret: config.secret,
    password: config.password,
    enableRateLimit: config.enableRateLimit ?? true,
    timeout: config.timeoutMs ?? 10_000,
    options: {
      fetchCurrencies: false,
      adjustForTimeDifference: true,
      defaultType: 'swap',
      // ccxt pro would fetch a positions / balance snapshot over REST on every user-stream connect and
      // leave an unawaited future behind; the adapter does its own REST resync instead.
      watchPositions: { fetchPositionsSnapshot: false, awaitPositionsSnapshot: false },
      watchBalance: { fetchBalanceSnapshot: false, awaitBalanceSnapshot: false },
      // Perpetual swaps only: OKX would otherwise load spot, futures and options instruments too.
      ...(config.venue === 'okx' ? { fetchMarkets: { types: ['swap'] } } : {}),
      ...(config.venue === 'lighter' && config.lighter ? lighterOptions(config.lighter) : {}),
      ...(config.options ?? {}),
    },
    ...(config.keepAliveMs !== undefined ? { streaming: { keepAlive: config.keepAliveMs } } : {}),
  });
  // `has.fetchCurrencies` drives loadMarkets directly in ccxt 4.5; the option alone is not enough for okx.
  (ex.has as Record<string, unknown>).fetchCurrencies = false;
  if (config.testnet) ex.setSandboxMode(true);
  if (config.apiUrls) deepMerge(ex.urls.api as Record<string, unknown>, config.apiUrls);
  if (config.proxy) applyProxy(ex, config.proxy);
  return ex;
}

/**
 * Routes the client's REST calls and streams through a proxy (or none): every proxy field is set anew,
 * so a failover never leaves two conflicting settings (ccxt refuses those). A stream already open keeps its
 * connection until it reconnects.
 */
export function applyProxy(ex: Exchange, proxy: ProxySettings | null): void {
  const fields = ['httpsProxy', 'socksProxy', 'wsProxy', 'wssProxy', 'wsSocksProxy'] as const;
  const target = ex as unknown as Record<(typeof fields)[number], string | undefined>;
  for (const f of fields) target[f] = proxy?.[f] || undefined;
}

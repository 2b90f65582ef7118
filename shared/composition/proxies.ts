/**
 * Each account's proxy (`domain/config/proxies.ts`): the ccxt settings for a proxy of the pool, its login
 * from the Secrets port, and the failover. An account's REST calls (undici's proxy agent) and streams
 * (a CONNECT tunnel, or SOCKS5) all go through it. When a call fails for the network and the proxy itself
 * does not answer, the proxy is reported (log and `ProxyFailures` metric, never its login) and, with
 * failover, the account moves to the next proxy of the pool that answers, and the call is tried once more.
 */
import { connect } from 'node:net';
import type { CcxtExchange } from '../adapters/ccxt/ccxt-exchange.js';
import { applyProxy, type ProxySettings } from '../adapters/ccxt/client.js';
import type { ProxyConfig } from '../domain/config/proxies.js';
import { ExchangeError, type ExchangePort } from '../ports/exchange.js';
import type { Logger } from '../ports/logger.js';
import type { Metrics } from '../ports/metrics.js';
import type { Login, Secrets } from '../ports/secrets.js';

/** The ccxt settings for a proxy, its login (if any) in its URL. */
export function proxySettingsOf(proxy: ProxyConfig, login: Login | null): ProxySettings {
  const u = new URL(proxy.url);
  if (login) {
    u.username = encodeURIComponent(login.username);
    u.password = encodeURIComponent(login.password);
  }
  const url = u.toString().replace(/\/$/, '');
  return u.protocol.startsWith('socks')
    ? { socksProxy: url, wsSocksProxy: url }
    : { httpsProxy: url, wssProxy: url };
}

/** The settings of a proxy with its login read from the secrets (when it asks for one). */
export async function resolveProxy(proxy: ProxyConfig, secrets: Secrets): Promise<ProxySettings> {
  return proxySettingsOf(proxy, proxy.auth ? await secrets.login(`proxy/${proxy.id}`) : null);
}

/** Whether something listens at the proxy's address (a TCP connect within `timeoutMs`). */
export function proxyAnswers(proxy: ProxyConfig, timeoutMs = 1_000): Promise<boolean> {
  const u = new URL(proxy.url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface ProxyFailoverOptions {
  /** The account's proxies in order: the one in use first. */
  readonly proxies: readonly ProxyConfig[];
  readonly secrets: Secrets;
  readonly logger: Logger;
  readonly metrics?: Metrics | undefined;
  /** Told when the account moves (for an alert). */
  readonly onFailover?: (account: string, from: string, to: string | null) => void;
}

const REST_METHODS = [
  'loadRules',
  'fetchPrice',
  'openOrders',
  'order',
  'position',
  'balance',
  'tradesSince',
  'candles',
  'submit',
  'cancel',
  'amend',
  'setLeverage',
  'hedgeMode',
  'setHedgeMode',
  'leverageBrackets',
] as const;

/**
 * The port with its proxy watched: a call failing for the network while the proxy does not answer reports
 * the proxy and moves the account to the next one that does (then tries the call once more). Without a
 * next proxy the error goes to the caller as it came.
 */
export function withProxyFailover(
  port: CcxtExchange,
  o: ProxyFailoverOptions,
): ExchangePort & { proxy(): string } {
  let at = 0;
  let moving: Promise<boolean> | null = null;
  const current = () => o.proxies[at]!;
  const move = async (): Promise<boolean> => {
    const dead = current();
    if (await proxyAnswers(dead)) return false;
    o.logger.error('proxy not answering', { account: port.accountId, proxy: dead.id });
    o.metrics?.put('ProxyFailures', 1, 'Count', { proxy: dead.id });
    for (let k = at + 1; k < o.proxies.length; k++) {
      const next = o.proxies[k]!;
      if (!(await proxyAnswers(next))) continue;
      applyProxy(port.client, await resolveProxy(next, o.secrets));
      at = k;
      o.logger.warn('account moved to another proxy', {
        account: port.accountId,
        from: dead.id,
        to: next.id,
      });
      o.onFailover?.(port.accountId, dead.id, next.id);
      return true;
    }
    o.onFailover?.(port.accountId, dead.id, null);
    return false;
  };
  const watched =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } catch (e) {
        if (!(e instanceof ExchangeError) || e.kind !== 'retryable') throw e;
        moving ??= move().finally(() => {
          moving = null;
        });
        if (!(await moving)) throw e;
        return call(...args);
      }
    };
  const wrapped: Record<string, unknown> = {};
  for (const m of REST_METHODS) {
    const fn = (port[m] as (...a: unknown[]) => Promise<unknown>).bind(port);
    wrapped[m] = watched(fn);
  }
  return {
    get accountId() {
      return port.accountId;
    },
    get venue() {
      return port.venue;
    },
    get supportsAmend() {
      return port.supportsAmend;
    },
    ...(wrapped as Pick<ExchangePort, (typeof REST_METHODS)[number]>),
    subscribeUser: (handler) => port.subscribeUser(handler),
    subscribeMarket: (symbol, channels, handler) => port.subscribeMarket(symbol, channels, handler),
    close: () => port.close(),
    proxy: () => current().id,
  };
}

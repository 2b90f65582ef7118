/**
 * Building the Exchange port of every account a process trades: ccxt for real venues (credentials from the
 * Secrets port, per-account proxy), all created up front so the resolver handed to the application is
 * synchronous. An account whose credentials cannot be loaded gets a stand-in port that retries
 * (`DeferredExchangePort`), so one bad secret never stops the process for the other accounts. `GRIDBOT_API_URLS` (JSON of ccxt `urls.api` entries, one set
 * or one per venue) points the accounts at another server, e.g. the local Binance or OKX protocol server of
 * the tests.
 */

import { createCcxtExchange, dialectFor } from '../adapters/ccxt/ccxt-exchange.js';
import { credentialVariables } from '../adapters/secrets/env-secrets.js';
import {
  type AccountConfig,
  breakerPolicyOf,
  type DeploymentConfig,
  lighterInstances,
} from '../domain/config/deployment.js';
import { type ProxyConfig, proxyPlan } from '../domain/config/proxies.js';
import { legsOf } from '../domain/strategies/index.js';
import type { Clock } from '../ports/clock.js';
import type { ExchangePort, ExchangeResolver } from '../ports/exchange.js';
import type { Logger } from '../ports/logger.js';
import type { Metrics } from '../ports/metrics.js';
import type { Secrets } from '../ports/secrets.js';
import { type BreakerChange, withBreaker } from './breaker-exchange.js';
import { DeferredExchangePort } from './deferred-exchange.js';
import { resolveProxy, withProxyFailover } from './proxies.js';

export interface ExchangeSetup {
  readonly accounts: readonly AccountConfig[];
  readonly secrets: Secrets;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly apiUrls?: Readonly<Record<string, unknown>> | undefined;
  /**
   * What an account whose credentials cannot be loaded gets: `defer` (AWS: a stand-in port that retries, so
   * one bad secret never stops the others) or `throw` (one machine, `gridbot run`: refuse to start, with the
   * reason). Default `throw`.
   */
  readonly onUnavailable?: 'defer' | 'throw';
  /** Symbols per account whose fills are re-read over REST after a stream reconnect. */
  readonly resyncSymbols?: Readonly<Record<string, readonly string[]>>;
  /** Put every account's REST calls behind a circuit breaker, told of each change (`breaker-exchange.ts`). */
  readonly breaker?: BreakerChange;
  /** Each account's proxies of the pool, in order (`proxyPlan`); failover moves along them. */
  readonly proxies?: ReadonlyMap<string, readonly ProxyConfig[]>;
  readonly metrics?: Metrics;
  /** The instance each Lighter account carries (`lighterInstances`): its client ids pack without it. */
  readonly lighterInstances?: Readonly<Record<string, string>>;
}

/**
 * What a trading process (the Fargate worker, `gridbot run`) connects to: every account an instance trades,
 * each re-reading its instances' symbols over REST after a stream reconnect.
 */
export function tradedAccounts(
  deployment: DeploymentConfig,
): Pick<ExchangeSetup, 'accounts' | 'resyncSymbols' | 'proxies' | 'lighterInstances'> {
  const legs = deployment.instances.flatMap((i) => legsOf(i));
  const traded = deployment.accounts.filter((a) => legs.some((l) => l.account === a.id));
  return {
    accounts: traded,
    proxies: proxyPlan(deployment),
    lighterInstances: lighterInstances(deployment),
    resyncSymbols: Object.fromEntries(
      traded.map((a) => [a.id, [...new Set(legs.filter((l) => l.account === a.id).map((l) => l.symbol))]]),
    ),
  };
}

export async function buildExchanges(
  setup: ExchangeSetup,
): Promise<{ resolve: ExchangeResolver; all: ExchangePort[] }> {
  const ports = new Map<string, ExchangePort>();
  for (const account of setup.accounts) {
    if (account.exchange === 'paper') {
      throw new Error(
        `account ${account.id} is a paper account: run it with gridbot sim, or paper trading on this machine with gridbot run`,
      );
    }
    const venue = account.exchange;
    const build = async (): Promise<ExchangePort> => {
      const creds = await setup.secrets.credentials(account.id);
      if (venue === 'okx' && !creds.password)
        throw new Error(
          `account ${account.id} trades on OKX, whose API keys carry a passphrase: add "password" to its secret (${credentialVariables(account.id).password} for gridbot run)`,
        );
      const pool = setup.proxies?.get(account.id);
      const lighter =
        venue === 'lighter' && account.lighter
          ? {
              accountIndex: account.lighter.account_index,
              apiKeyIndex: account.lighter.api_key_index,
              instanceId: setup.lighterInstances?.[account.id],
            }
          : undefined;
      const inline = typeof account.proxy === 'object' ? account.proxy : undefined;
      const port = createCcxtExchange({
        venue,
        apiKey: creds.apiKey,
        secret: creds.secret,
        password: creds.password,
        lighter,
        testnet: account.testnet,
        proxy: pool?.[0]
          ? await resolveProxy(pool[0], setup.secrets)
          : inline
            ? { httpsProxy: inline.https, socksProxy: inline.socks, wsProxy: inline.ws }
            : undefined,
        apiUrls: apiUrlsFor(setup.apiUrls, venue),
        enableRateLimit: apiUrlsFor(setup.apiUrls, venue) === undefined,
        accountId: account.id,
        clock: setup.clock,
        logger: setup.logger.child({ account: account.id }),
        resyncSymbols: setup.resyncSymbols?.[account.id],
      });
      return pool?.[0]
        ? withProxyFailover(port, {
            proxies: pool,
            secrets: setup.secrets,
            logger: setup.logger.child({ account: account.id }),
            metrics: setup.metrics,
          })
        : port;
    };
    try {
      ports.set(account.id, await build());
    } catch (e) {
      if (setup.onUnavailable !== 'defer') throw e;
      // One account's bad secret must not stop the others: it gets a stand-in that retries.
      setup.logger.error('account unavailable at start; the others go on', {
        account: account.id,
        error: e instanceof Error ? e.message : String(e),
      });
      ports.set(
        account.id,
        new DeferredExchangePort(
          account.id,
          venue,
          venue !== 'lighter' && dialectFor({ venue }).supportsAmend,
          build,
          setup.clock,
          e,
        ),
      );
    }
  }
  if (setup.breaker)
    for (const account of setup.accounts) {
      const port = ports.get(account.id);
      if (port)
        ports.set(account.id, withBreaker(port, setup.clock, setup.breaker, breakerPolicyOf(account)));
    }
  return {
    all: [...ports.values()],
    resolve: (accountId) => {
      const port = ports.get(accountId);
      if (!port) throw new Error(`no exchange for account "${accountId}": declare it under accounts`);
      return port;
    },
  };
}

const VENUE_KEYS = new Set(['binanceusdm', 'okx', 'lighter']);

/**
 * The `urls.api` entries for one venue: `GRIDBOT_API_URLS` is either one set for every account (a
 * single-venue deployment) or keyed by venue (`{"binanceusdm": {...}, "okx": {"rest": ..., "ws": ...}}`).
 */
export function apiUrlsFor(
  apiUrls: Readonly<Record<string, unknown>> | undefined,
  venue: string,
): Readonly<Record<string, unknown>> | undefined {
  if (!apiUrls) return undefined;
  const venues = Object.keys(apiUrls).filter((k) => VENUE_KEYS.has(k));
  if (venues.length === 0) return apiUrls;
  const own = apiUrls[venue];
  // Keyed by venue but not this one: never fall back to the venue's production endpoints silently.
  if (!own || typeof own !== 'object' || Array.isArray(own))
    throw new Error(
      `GRIDBOT_API_URLS names URLs for ${venues.join(', ')} but not for ${venue}: add "${venue}": {...} or drop the per-venue keys`,
    );
  return own as Record<string, unknown>;
}

export function apiUrlsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, unknown> | undefined {
  const raw = env.GRIDBOT_API_URLS?.trim();
  if (!raw) return undefined;
  const parsed: unknown = JSON.parse(raw);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('GRIDBOT_API_URLS must be a JSON object');
  return parsed as Record<string, unknown>;
}

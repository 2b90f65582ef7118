/**
 * The local composition root: the same runtime as AWS on one machine (SPEC §6 "Local": "the same code can
 * run live on one machine for users who prefer that"). Differences from `live.ts`, and only these:
 *  - credentials from the environment or a `.env` file (`GRIDBOT_<ACCOUNT>_API_KEY`, `..._SECRET`,
 *    `..._PASSWORD`), registered with the log redactor;
 *  - state in an embedded DynamoDB-compatible store persisted under `dataDir` (or a DynamoDB endpoint);
 *  - alerts to the log, JSON logs on stderr, metrics kept in memory.
 * `buildLocalRuntime` either returns a runtime the caller must `close()`, or rejects having closed
 * everything it opened (the embedded store above all).
 */

import { SystemClock } from '../adapters/clock/system-clock.js';
import { createDynamoClient, createDynamoStateStore, ensureStateTable } from '../adapters/dynamodb/index.js';
import { startEmbeddedStateStore } from '../adapters/embedded/dynalite-server.js';
import { JsonConsoleLogger } from '../adapters/logging/index.js';
import { RecordingMetrics } from '../adapters/metrics/index.js';
import { LogNotifier } from '../adapters/notify/index.js';
import { EnvSecrets, registeringSecrets } from '../adapters/secrets/index.js';
import type { AppContext } from '../application/context.js';
import type { DeploymentConfig } from '../domain/config/deployment.js';
import type { Decimal } from '../domain/money.js';
import type { TradingEvent } from '../ports/events.js';
import type { ExchangePort } from '../ports/exchange.js';
import type { StateStore } from '../ports/state-store.js';
import { breakerAlerts } from './breaker-exchange.js';
import { loadDeploymentConfigFile } from './deployment-source.js';
import { apiUrlsFromEnv, buildExchanges, tradedAccounts } from './exchanges.js';
import {
  PAPER_DEFAULT_BALANCE,
  type PaperLive,
  PaperSetupError,
  paperDeployment,
  startPaperLive,
} from './paper-live.js';
import { reportsFor, withMailedAlerts } from './reports.js';
import { runtimeContext } from './runtime-context.js';
import { type TelegramLink, telegramLink, withTelegramAlerts } from './telegram.js';

export interface LocalOptions {
  readonly configPath: string;
  /** Where the embedded store (and paper venues) keep their data (default `.gridbot-data`; paper `.gridbot-paper`). */
  readonly dataDir?: string;
  /** Use a DynamoDB (Local) server instead of the embedded store. */
  readonly dynamoEndpoint?: string;
  readonly envFile?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Told every batch of trading events once journaled (`gridbot run` prints one line per order and fill). */
  readonly onEvents?: (events: readonly TradingEvent[]) => void;
  /**
   * Paper trading on live prices (paper-live.ts): every account trades a paper venue fed by the real
   * venue's public market streams, with paper keys (no real credential is read), without proxies.
   */
  readonly paper?: {
    readonly balance: Decimal;
    /** The market source's ccxt `urls.api` per venue (default the real venue). */
    readonly marketUrls?: Readonly<Record<string, unknown>> | undefined;
  };
}

export interface LocalRuntime {
  readonly ctx: AppContext;
  readonly deployment: DeploymentConfig;
  readonly metrics: RecordingMetrics;
  readonly exchanges: readonly ExchangePort[];
  /** The paper venues, when the runtime trades on paper. */
  readonly paper?: PaperLive | undefined;
  /** Where the embedded store and the paper venues keep their data. */
  readonly dataDir: string;
  /** The store's DynamoDB endpoint and table (admin commands next to a running `gridbot run` use them). */
  readonly storeAt: { readonly endpoint: string; readonly table: string };
  /** The Telegram bot, when the deployment has one (`gridbot run` polls it). */
  readonly telegram?: TelegramLink | undefined;
  /** Closes the exchanges, then the store (always, even if an exchange fails to close). Idempotent. */
  close(): Promise<void>;
}

/** `GRIDBOT_PAPER_MARKET_URLS`: the paper market source's ccxt `urls.api` per venue (tests; default the real venue). */
function paperMarketUrls(env: Readonly<Record<string, string | undefined>>) {
  const raw = env.GRIDBOT_PAPER_MARKET_URLS?.trim();
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new PaperSetupError('GRIDBOT_PAPER_MARKET_URLS must be JSON: {"binanceusdm": {...ccxt urls.api}}');
  }
}

export async function buildLocalRuntime(opts: LocalOptions): Promise<LocalRuntime> {
  const baseEnv = opts.env ?? process.env;
  const clock = new SystemClock();
  const logger = new JsonConsoleLogger({ level: 'INFO' });
  const metrics = new RecordingMetrics();
  const loaded = loadDeploymentConfigFile(opts.configPath);
  // `exchange: paper` accounts are paper trading on live prices too; mixed with real ones, refused.
  const paperAccounts = loaded.accounts.filter((a) => a.exchange === 'paper');
  if (paperAccounts.length > 0 && paperAccounts.length < loaded.accounts.length && !opts.paper)
    throw new PaperSetupError(
      `accounts ${paperAccounts.map((a) => a.id).join(', ')} are paper accounts and the others are not: run with --paper to paper every account, or split the config`,
    );
  const paperOpts = opts.paper ?? (paperAccounts.length > 0 ? { balance: PAPER_DEFAULT_BALANCE } : undefined);
  // Paper trading goes to the local paper venues directly: no account's proxy applies.
  const deployment: DeploymentConfig = paperOpts ? paperDeployment(loaded) : loaded;
  const dataDir = opts.dataDir ?? (paperOpts ? '.gridbot-paper' : '.gridbot-data');
  let store: StateStore;
  let stopStore = async () => {};
  let storeAt: { endpoint: string; table: string };
  if (opts.dynamoEndpoint) {
    const tableName = 'gridbot-state';
    await ensureStateTable(createDynamoClient({ endpoint: opts.dynamoEndpoint }), tableName);
    store = createDynamoStateStore({ tableName, endpoint: opts.dynamoEndpoint });
    storeAt = { endpoint: opts.dynamoEndpoint, table: tableName };
  } else {
    const embedded = await startEmbeddedStateStore({ path: dataDir });
    store = embedded.store;
    stopStore = () => embedded.stop();
    storeAt = { endpoint: embedded.endpoint, table: embedded.tableName };
  }
  let exchanges: ExchangePort[] = [];
  let paper: PaperLive | undefined;
  let closed: Promise<void> | null = null;
  // Idempotent; the store is closed even when closing an exchange or a paper venue fails.
  const close = (): Promise<void> => {
    closed ??= (async () => {
      try {
        await Promise.allSettled(exchanges.map((x) => x.close()));
        await paper?.close();
      } finally {
        await stopStore();
      }
    })();
    return closed;
  };
  try {
    paper = paperOpts
      ? await startPaperLive({
          deployment,
          dataDir,
          balance: paperOpts.balance,
          marketUrls: paperOpts.marketUrls ?? paperMarketUrls(baseEnv),
          clock,
          logger,
        })
      : undefined;
    // The paper keys and URLs come last, over anything the environment says; no .env is read for them.
    const env = paper ? { ...baseEnv, ...paper.env } : baseEnv;
    const secrets = registeringSecrets(
      new EnvSecrets({ env, ...(opts.envFile ? { envFile: opts.envFile } : {}) }),
    );
    const reports = reportsFor(deployment, secrets, env);
    const telegram = telegramLink(deployment, secrets, logger, env);
    const notifier = withTelegramAlerts(
      withMailedAlerts(new LogNotifier(logger), reports, logger),
      telegram,
      clock,
      logger,
      metrics,
    );
    const built = await buildExchanges({
      ...tradedAccounts(deployment),
      secrets,
      clock,
      logger,
      apiUrls: apiUrlsFromEnv(env),
      breaker: breakerAlerts(deployment, notifier, logger, metrics),
      metrics,
    });
    exchanges = built.all;
    const ctx = await runtimeContext(
      { store, exchanges: built.resolve, clock, notifier, metrics, logger, reports, onEvents: opts.onEvents },
      deployment,
    );
    return { ctx, deployment, metrics, exchanges, paper, dataDir, storeAt, telegram, close };
  } catch (e) {
    // Nothing opened here outlives a failed start: the embedded store would keep the process alive.
    await close();
    throw e;
  }
}

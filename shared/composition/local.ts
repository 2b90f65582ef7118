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
import type { ExchangePort } from '../ports/exchange.js';
import type { StateStore } from '../ports/state-store.js';
import { breakerAlerts } from './breaker-exchange.js';
import { loadDeploymentConfigFile } from './deployment-source.js';
import { apiUrlsFromEnv, buildExchanges, tradedAccounts } from './exchanges.js';
import { type PaperLive, startPaperLive } from './paper-live.js';
import { reportsFor, withMailedAlerts } from './reports.js';
import { runtimeContext } from './runtime-context.js';
import { type TelegramLink, telegramLink, withTelegramAlerts } from './telegram.js';

export interface LocalOptions {
  readonly configPath: string;
  /** Where the embedded store keeps its data (default `.gridbot-data`). */
  readonly dataDir?: string;
  /** Use a DynamoDB (Local) server instead of the embedded store. */
  readonly dynamoEndpoint?: string;
  readonly envFile?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
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
  /** The Telegram bot, when the deployment has one (`gridbot run` polls it). */
  readonly telegram?: TelegramLink | undefined;
  /** Closes the exchanges, then the store (always, even if an exchange fails to close). Idempotent. */
  close(): Promise<void>;
}

export async function buildLocalRuntime(opts: LocalOptions): Promise<LocalRuntime> {
  const baseEnv = opts.env ?? process.env;
  const clock = new SystemClock();
  const logger = new JsonConsoleLogger({ level: 'INFO' });
  const metrics = new RecordingMetrics();
  const loaded = loadDeploymentConfigFile(opts.configPath);
  // Paper trading goes to the local paper venues directly: no account's proxy applies.
  const deployment: DeploymentConfig = opts.paper
    ? { ...loaded, proxies: [], accounts: loaded.accounts.map(({ proxy: _, ...a }) => a) }
    : loaded;
  let store: StateStore;
  let stopStore = async () => {};
  if (opts.dynamoEndpoint) {
    const tableName = 'gridbot-state';
    await ensureStateTable(createDynamoClient({ endpoint: opts.dynamoEndpoint }), tableName);
    store = createDynamoStateStore({ tableName, endpoint: opts.dynamoEndpoint });
  } else {
    const embedded = await startEmbeddedStateStore({ path: opts.dataDir ?? '.gridbot-data' });
    store = embedded.store;
    stopStore = () => embedded.stop();
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
    paper = opts.paper
      ? await startPaperLive({
          deployment,
          dataDir: opts.dataDir ?? '.gridbot-paper',
          balance: opts.paper.balance,
          marketUrls: opts.paper.marketUrls,
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
      { store, exchanges: built.resolve, clock, notifier, metrics, logger, reports },
      deployment,
    );
    return { ctx, deployment, metrics, exchanges, paper, telegram, close };
  } catch (e) {
    // Nothing opened here outlives a failed start: the embedded store would keep the process alive.
    await close();
    throw e;
  }
}

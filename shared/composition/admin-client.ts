/**
 * Operator commands from the CLI (`gridbot status|pause|resume|rebuild|reset-counters|close-all`), run
 * either by invoking the deployed admin Lambda (`--aws`) or in this process against a DynamoDB endpoint
 * you run yourself (DynamoDB Local, dynalite) with the accounts of a deployment config — the same
 * `runAdminCommand` the Lambda runs. Exchange credentials come from the environment or `.env`
 * (`GRIDBOT_<ACCOUNT>_API_KEY` / `_SECRET`); `status` needs none.
 */
import { SystemClock } from '../adapters/clock/index.js';
import { createDynamoStateStore } from '../adapters/dynamodb/index.js';
import { JournalSink } from '../adapters/events/index.js';
import { JsonConsoleLogger } from '../adapters/logging/index.js';
import { RecordingMetrics } from '../adapters/metrics/index.js';
import { LogNotifier } from '../adapters/notify/index.js';
import { EnvSecrets, registeringSecrets } from '../adapters/secrets/index.js';
import { type AdminCommand, adminCommandSchema, runAdminCommand } from '../application/admin.js';
import type { AppContext } from '../application/context.js';
import { RulesCache } from '../application/market.js';
import { lighterInstances } from '../domain/config/deployment.js';
import { proxyPlan } from '../domain/config/proxies.js';
import { legsOf } from '../domain/strategies/index.js';
import type { ExchangePort } from '../ports/exchange.js';
import { loadDeploymentConfigFile } from './deployment-source.js';
import { apiUrlsFromEnv, buildExchanges } from './exchanges.js';
import { paperDeployment } from './paper-live.js';
import { reportsFor } from './reports.js';
import { guardsOf, secureToken } from './runtime-context.js';

export type { AdminReply } from './admin-invoke.js';
export { runAdminOnAws } from './admin-invoke.js';

import type { AdminReply } from './admin-invoke.js';

export function parseAdminCommand(input: unknown): AdminCommand {
  const parsed = adminCommandSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(
      parsed.error.issues.map((i) => `${i.path.join('.') || 'command'}: ${i.message}`).join('; '),
    );
  }
  return parsed.data;
}

/** Runs the command in this process against a DynamoDB endpoint and the config's exchange accounts. */
export async function runAdminLocally(opts: {
  readonly command: AdminCommand;
  readonly configPath: string;
  readonly endpoint: string;
  readonly table: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The run trades on paper: the accounts as `gridbot run --paper` builds them (env points at its venues). */
  readonly paper?: boolean;
  /** The credentials file (default `.env` in the working directory). */
  readonly envFile?: string | undefined;
}): Promise<AdminReply> {
  const loaded = loadDeploymentConfigFile(opts.configPath);
  const deployment = opts.paper ? paperDeployment(loaded) : loaded;
  const clock = new SystemClock();
  const logger = new JsonConsoleLogger({ level: 'WARN' });
  const store = createDynamoStateStore({ tableName: opts.table, endpoint: opts.endpoint });
  const needsExchange = opts.command.command !== 'status' && opts.command.command !== 'report';
  const secrets = registeringSecrets(
    new EnvSecrets({
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.envFile ? { envFile: opts.envFile } : {}),
    }),
  );
  const instance = deployment.instances.find((i) => i.id === opts.command.instanceId);
  if (!instance) {
    const known = deployment.instances.map((i) => i.id).join(', ');
    return {
      ok: false,
      error: `no instance "${opts.command.instanceId}" in ${opts.configPath} (known: ${known})`,
    };
  }
  let exchanges: ExchangePort[] = [];
  let resolve: AppContext['exchanges'] = (account) => {
    throw new Error(`status does not use the exchange (account ${account})`);
  };
  if (needsExchange) {
    const built = await buildExchanges({
      // Every account one of the instance's legs trades on (close-all closes each leg on its own account).
      accounts: deployment.accounts.filter((a) => legsOf(instance).some((l) => l.account === a.id)),
      proxies: proxyPlan(deployment),
      lighterInstances: lighterInstances(deployment),
      secrets,
      clock,
      logger,
      apiUrls: apiUrlsFromEnv(opts.env ?? process.env),
    });
    exchanges = built.all;
    resolve = built.resolve;
  }
  const ctx: AppContext = {
    store,
    exchanges: resolve,
    clock,
    notifier: new LogNotifier(logger),
    metrics: new RecordingMetrics(),
    logger,
    events: new JournalSink(store),
    random: Math.random,
    newToken: secureToken,
    instanceIds: deployment.instances.map((i) => i.id),
    rules: new RulesCache(),
    guards: guardsOf(deployment),
    reports: reportsFor(deployment, secrets, opts.env ?? process.env),
  };
  try {
    return await runAdminCommand(ctx, opts.command);
  } finally {
    await Promise.all(exchanges.map((x) => x.close()));
  }
}

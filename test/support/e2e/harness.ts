/**
 * The end-to-end rig (issue 6) on real parts: the Binance protocol server on the paper engine, dynalite,
 * a local Secrets Manager, the real Lambda handlers in process and the real stream worker as a child
 * process, exactly as Fargate runs it. One per test file (the handlers cache their runtime per process):
 *
 *   const rig = await startE2e({ table: 'gridbot-e2e', deployment, account });
 *   await rig.handlers.recon({ instanceId: '*', scheduledTime: rig.tick() });
 *   rig.startWorker(); await until('healthy', () => rig.healthy());
 *   await rig.stop();
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import {
  createDynamoClient,
  createDynamoStateStore,
  ensureStateTable,
} from '../../../shared/adapters/dynamodb/index.js';
import {
  type EmbeddedDynamo,
  startEmbeddedDynamo,
} from '../../../shared/adapters/embedded/dynalite-server.js';
import type { JournalEntry, StateStore } from '../../../shared/ports/state-store.js';
import { type LocalSecretsManager, startLocalSecretsManager } from '../aws/secrets-manager-server.js';
import {
  ACCOUNTS,
  type PaperAccount,
  type PaperVenue,
  startPaperVenue,
  type VenueId,
  type VenueServer,
} from '../binance/paper-venue.js';

const repoRoot = resolve(import.meta.dirname, '../../..');

export type HandlerResult = { ok: boolean; outcomes: readonly { status: string; result?: unknown }[] };

export interface E2e {
  readonly venue: PaperVenue<VenueServer>;
  readonly store: StateStore;
  /** Every line the handlers and the worker wrote. */
  readonly captured: string[];
  readonly handlers: {
    recon(e: unknown): Promise<HandlerResult>;
    admin(e: unknown): Promise<unknown>;
  };
  /** A fresh EventBridge scheduled time (each call one minute later), so schedules are never duplicates. */
  tick(): string;
  startWorker(): ChildProcess;
  healthy(): Promise<boolean>;
  /**
   * The protocol server has a user stream of `accountId` open (OKX: logged in and subscribed to its
   * positions). `/healthz` answers before the worker's streams are subscribed: a test that acts on the
   * account and expects the worker to hear it waits for this too.
   */
  userStreamLive(accountId: string): boolean;
  /** Journal lines of a kind for an instance, all time. */
  journal(instanceId: string, kind: JournalEntry['kind']): Promise<JournalEntry[]>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

export async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 15_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startE2e(opts: {
  readonly table: string;
  readonly deployment: unknown;
  /** The protocol server the accounts trade on (default Binance USD-M). */
  readonly venue?: VenueId;
  /** Where each symbol's market starts. */
  readonly prices?: Readonly<Record<string, string>>;
  /** Paper accounts besides `ACCOUNTS`, their keys in the local Secrets Manager like theirs. */
  readonly extraAccounts?: readonly PaperAccount[];
  /** More secrets by name (a proxy's or the mail server's login), as JSON text. */
  readonly secrets?: Readonly<Record<string, string>>;
}): Promise<E2e> {
  const venue = await startPaperVenue({
    venue: opts.venue ?? 'binanceusdm',
    ...(opts.extraAccounts ? { extraAccounts: opts.extraAccounts } : {}),
  });
  for (const [symbol, price] of Object.entries(opts.prices ?? {})) venue.moveTo(symbol, price);
  const dynamo: EmbeddedDynamo = await startEmbeddedDynamo();
  await ensureStateTable(createDynamoClient({ endpoint: dynamo.endpoint }), opts.table);
  const store = createDynamoStateStore({ tableName: opts.table, endpoint: dynamo.endpoint });
  const secrets: LocalSecretsManager = await startLocalSecretsManager();
  for (const a of [...ACCOUNTS, ...(opts.extraAccounts ?? [])])
    secrets.putSecret(`gridbot/${a.id}`, JSON.stringify(venue.credentials(a.id)));
  for (const [name, value] of Object.entries(opts.secrets ?? {})) secrets.putSecret(name, value);
  const healthPort = await freePort();
  const env: Record<string, string> = {
    GRIDBOT_CONFIG: JSON.stringify(opts.deployment),
    GRIDBOT_TABLE: opts.table,
    GRIDBOT_DYNAMO_ENDPOINT: dynamo.endpoint,
    GRIDBOT_SECRETS_ENDPOINT: secrets.endpoint,
    GRIDBOT_API_URLS: JSON.stringify(venue.server.ccxtApiUrls()),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'e2etestkey',
    AWS_SECRET_ACCESS_KEY: 'e2etestsecret',
    POWERTOOLS_METRICS_NAMESPACE: 'Gridbot',
  };
  Object.assign(process.env, env);
  const captured: string[] = [];
  // Keep every line the handlers write, errors and warnings too (and keep them out of the test report).
  const keep = ((chunk: string | Uint8Array) => {
    captured.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = keep;
  process.stderr.write = keep;
  const [r, a] = await Promise.all([
    import('../../../functions/recon/handler.js'),
    import('../../../functions/admin/handler.js'),
  ]);
  const workers: ChildProcess[] = [];
  let minute = 0;
  return {
    venue,
    store,
    captured,
    handlers: { recon: r.handler as E2e['handlers']['recon'], admin: a.handler },
    tick: () => {
      minute += 1;
      return new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString().replace('.000', '');
    },
    startWorker() {
      const child = spawn(process.execPath, ['--import', 'tsx', 'functions/stream-worker/main.ts'], {
        cwd: repoRoot,
        env: { ...process.env, ...env, GRIDBOT_HEALTH_PORT: String(healthPort) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.on('data', (b: Buffer) => captured.push(b.toString()));
      child.stderr?.on('data', (b: Buffer) => captured.push(b.toString()));
      workers.push(child);
      return child;
    },
    userStreamLive: (accountId) => venue.server.hub.userStreamsOf(accountId) > 0,
    async healthy() {
      try {
        const res = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
        return res.status === 200;
      } catch {
        return false;
      }
    },
    journal: (instanceId, kind) => store.queryJournal(instanceId, kind, 0, Date.now() + 86_400_000),
    async stop() {
      // The workers are gone before the store stops: none is still writing to it.
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.exitCode !== null || w.signalCode !== null) return resolve();
              w.once('exit', () => resolve());
              w.kill('SIGKILL');
            }),
        ),
      );
      const { resetLiveRuntime } = await import('../../../shared/composition/live.js');
      await resetLiveRuntime();
      await venue.stop();
      await secrets.stop();
      await dynamo.stop();
    },
  };
}

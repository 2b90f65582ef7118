/**
 * An embedded DynamoDB-compatible server: dynalite, in process, in memory, started and stopped by code.
 * Nothing to install or manage: `startEmbeddedDynamo()` listens on 127.0.0.1 on a free port and returns
 * its endpoint; `stop()` closes it and drops the data.
 *
 * `startEmbeddedStateStore()` also creates the table and returns a DynamoDB StateStore on it: the simulator's
 * default store, running the production adapter.
 */
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import type { StateStore } from '../../ports/state-store.js';
import { createDynamoClient, createDynamoStateStore, ensureStateTable } from '../dynamodb/index.js';

export interface EmbeddedDynamo {
  /** e.g. `http://127.0.0.1:49152`. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** How long `stop` waits for requests to finish, and how quiet the server must have been before it closes. */
const STOP_DRAIN_MS = 5_000;
const STOP_QUIET_MS = 100;

export async function startEmbeddedDynamo(
  options: { port?: number; host?: string; path?: string } = {},
): Promise<EmbeddedDynamo> {
  const host = options.host ?? '127.0.0.1';
  // With `path` the data lives on disk (LevelDB) and survives restarts: a local live run keeps its grid.
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  // Requests being answered, and when the last one came: dynalite closes its database as the server
  // closes, so a write still on its way in (a client killed mid-request, whose socket is gone but whose
  // request is still being handled) would hit a closed database and throw where nobody can catch it.
  let inFlight = 0;
  let lastRequestAt = 0;
  server.on('request', (_req: unknown, res: { once(event: 'close', f: () => void): void }) => {
    inFlight += 1;
    lastRequestAt = Date.now();
    res.once('close', () => {
      inFlight -= 1;
    });
  });
  let stopped: Promise<void> | null = null;
  return {
    endpoint: `http://${host}:${port}`,
    stop() {
      stopped ??= (async () => {
        // Quiet first: nothing being answered and nothing new for a moment (at most STOP_DRAIN_MS).
        const deadline = Date.now() + STOP_DRAIN_MS;
        while (Date.now() < deadline && (inFlight > 0 || Date.now() - lastRequestAt < STOP_QUIET_MS))
          await new Promise((r) => setTimeout(r, 10));
        await new Promise<void>((resolve, reject) => {
          server.close((err?: Error) => (err ? reject(err) : resolve()));
          // Keep-alive sockets of SDK clients would otherwise hold the close open.
          server.closeAllConnections();
        });
      })();
      return stopped;
    },
  };
}

export interface EmbeddedStateStore {
  readonly store: StateStore;
  readonly endpoint: string;
  readonly tableName: string;
  stop(): Promise<void>;
}

export async function startEmbeddedStateStore(
  options: { tableName?: string; now?: () => number; journalTtlSeconds?: number; path?: string } = {},
): Promise<EmbeddedStateStore> {
  const server = await startEmbeddedDynamo(options.path ? { path: options.path } : {});
  const tableName = options.tableName ?? 'gridbot-state';
  const client = createDynamoClient({ endpoint: server.endpoint });
  try {
    await ensureStateTable(client, tableName);
  } catch (e) {
    client.destroy();
    await server.stop();
    throw e;
  }
  const store = createDynamoStateStore({
    tableName,
    client,
    ...(options.now ? { now: options.now } : {}),
    ...(options.journalTtlSeconds ? { journalTtlSeconds: options.journalTtlSeconds } : {}),
  });
  return {
    store,
    endpoint: server.endpoint,
    tableName,
    async stop() {
      client.destroy();
      await server.stop();
    },
  };
}

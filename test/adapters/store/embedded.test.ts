import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStateStore, StoreItemTooLargeError } from '../../../shared/adapters/dynamodb/index.js';
import {
  type EmbeddedStateStore,
  startEmbeddedDynamo,
  startEmbeddedStateStore,
} from '../../../shared/adapters/embedded/dynalite-server.js';
import { createMemoryStateStore } from '../../../shared/adapters/memory/index.js';
import type { KlgState as GridState } from '../../../shared/domain/strategies/klg/state.js';
import { type StateStore, StoreUnavailableError } from '../../../shared/ports/state-store.js';
import { loadKlg } from '../../support/strategies/klg/state.js';
import { busyGridState, T0 } from './builders.js';

/** A grid whose document exceeds DynamoDB's 400 KB item limit. */
const oversized = (id: string): GridState => ({
  ...busyGridState(id),
  recentTrades: Array.from({ length: 12_000 }, (_, i) => ({ id: `${9_000_000_000 + i}`, time: T0 + i })),
});

describe('embedded DynamoDB (dynalite in process)', () => {
  let embedded: EmbeddedStateStore;
  beforeAll(async () => {
    embedded = await startEmbeddedStateStore({ tableName: 'gridbot-test' });
  });
  afterAll(async () => {
    await embedded?.stop();
  });

  it('serves a ready-to-use store on a table it created', async () => {
    expect(embedded.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await embedded.store.saveGrid(busyGridState('emb'), 0)).toEqual({ ok: true, version: 1 });
    expect((await loadKlg(embedded.store, 'emb'))?.version).toBe(1);
  });

  it('refuses a grid document over the item limit, naming the key, and writes nothing', async () => {
    await expect(embedded.store.saveGrid(oversized('huge'), 0)).rejects.toThrow(StoreItemTooLargeError);
    await expect(embedded.store.saveGrid(oversized('huge'), 0)).rejects.toThrow(/INST#huge\/GRID.*bytes/);
    expect(await loadKlg(embedded.store, 'huge')).toBeNull();
  });

  it('runs independent servers side by side, each with its own data', async () => {
    const other = await startEmbeddedStateStore({ tableName: 'gridbot-test' });
    try {
      expect(other.endpoint).not.toBe(embedded.endpoint);
      await other.store.saveGrid(busyGridState('only'), 0);
      expect(await loadKlg(embedded.store, 'only')).toBeNull();
    } finally {
      await other.stop();
    }
  });
});

describe('store failures', () => {
  it('refuses an oversized grid in the memory store that keeps documents as DynamoDB would', async () => {
    const store = createMemoryStateStore({ encode: true });
    await expect(store.saveGrid(oversized('huge'), 0)).rejects.toThrow(StoreItemTooLargeError);
  });

  it('reports an unreachable server as a retryable StoreUnavailableError naming the operation', async () => {
    const server = await startEmbeddedDynamo();
    await server.stop();
    const store: StateStore = createDynamoStateStore({ tableName: 'gone', endpoint: server.endpoint });
    const error = await loadKlg(store, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).retryable).toBe(true);
    expect((error as Error).message).toMatch(/GetItem INST#x\/GRID failed/);
  });

  it('reports a missing table as a non-retryable StoreUnavailableError', async () => {
    const server = await startEmbeddedDynamo();
    try {
      const store = createDynamoStateStore({ tableName: 'missing', endpoint: server.endpoint });
      const error = await store.saveGrid(busyGridState('x'), 0).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).retryable).toBe(false);
      expect((error as Error).message).toMatch(/ResourceNotFoundException/);
    } finally {
      await server.stop();
    }
  });
});

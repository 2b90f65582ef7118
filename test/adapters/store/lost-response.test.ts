/**
 * A conditional write whose response is lost but which landed: the SDK retries it, and the retry fails the
 * condition against our own item. The store must report the write as done, not as a lost race.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoItemTable } from '../../../shared/adapters/dynamodb/dynamo-item-table.js';
import { createDynamoClient, ensureStateTable } from '../../../shared/adapters/dynamodb/index.js';
import type { ItemTable, WriteCondition, WriteItem } from '../../../shared/adapters/dynamodb/item-table.js';
import {
  DEFAULT_JOURNAL_TTL_SECONDS,
  TableStateStore,
} from '../../../shared/adapters/dynamodb/table-state-store.js';
import {
  type EmbeddedDynamo,
  startEmbeddedDynamo,
} from '../../../shared/adapters/embedded/dynalite-server.js';
import { MemoryItemTable } from '../../../shared/adapters/memory/memory-item-table.js';
import { busyGridState, paramsRecord, T0 } from './builders.js';

/** Delivers every conditional put twice, as an SDK retry after a lost response does; returns the second answer. */
class RetryingTable implements ItemTable {
  constructor(private readonly inner: ItemTable) {}
  get: ItemTable['get'] = (key) => this.inner.get(key);
  putMany: ItemTable['putMany'] = (items) => this.inner.putMany(items);
  query: ItemTable['query'] = (pk, range, options) => this.inner.query(pk, range, options);
  async put(item: WriteItem, condition?: WriteCondition): Promise<boolean> {
    await this.inner.put(item, condition);
    return this.inner.put(item, condition);
  }
}

const storeOn = (table: ItemTable) =>
  new TableStateStore(new RetryingTable(table), {
    now: () => T0,
    journalTtlSeconds: DEFAULT_JOURNAL_TTL_SECONDS,
  });

describe('a conditional write retried after its response was lost', () => {
  let server: EmbeddedDynamo;
  let client: ReturnType<typeof createDynamoClient>;
  beforeAll(async () => {
    server = await startEmbeddedDynamo();
    client = createDynamoClient({ endpoint: server.endpoint });
    await ensureStateTable(client, 'retries');
  });
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  });

  const tables = (): [string, ItemTable][] => [
    ['memory', new MemoryItemTable()],
    ['dynalite', new DynamoItemTable(DynamoDBDocumentClient.from(client), 'retries')],
  ];

  it('counts the grid save that landed as saved, on every backend', async () => {
    for (const [name, table] of tables()) {
      const store = storeOn(table);
      const id = `lost${name.length}`;
      expect(await store.saveGrid(busyGridState(id), 0)).toEqual({ ok: true, version: 1 });
      const v1 = await store.loadGrid(id);
      expect(await store.saveGrid({ ...(v1 as NonNullable<typeof v1>), nextSeq: 42 }, 1)).toEqual({
        ok: true,
        version: 2,
      });
      expect((await store.loadGrid(id))?.nextSeq).toBe(42);
    }
  });

  it('still reports a real conflict as a conflict', async () => {
    for (const [name, table] of tables()) {
      const store = storeOn(table);
      const id = `real${name.length}`;
      await store.saveGrid(busyGridState(id), 0);
      expect(await store.saveGrid(busyGridState(id), 0)).toEqual({
        ok: false,
        conflict: true,
        currentVersion: 1,
      });
    }
  });

  it('counts the params version and the claim that landed as ours', async () => {
    for (const [name, table] of tables()) {
      const store = storeOn(table);
      expect(await store.saveParams(paramsRecord(`p${name.length}`), 0)).toEqual({ ok: true, version: 1 });
      expect(await store.claimOnce(`recon#${name}#1`, 60)).toBe(true);
      expect(await storeOn(table).claimOnce(`recon#${name}#1`, 60)).toBe(false);
    }
  });
});

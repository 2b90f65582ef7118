/**
 * The store backends the contract suite runs on. Each `fresh()` gives an empty store (its own table on a
 * server, or its own memory) and a way to plant raw items as another writer, or corruption, would.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  createDynamoClient,
  createDynamoStateStore,
  ensureStateTable,
} from '../../../shared/adapters/dynamodb/index.js';
import { createMemoryStateStoreWithTable } from '../../../shared/adapters/memory/index.js';
import type { StateStore } from '../../../shared/ports/state-store.js';

export interface StoreHarness {
  readonly store: StateStore;
  putRaw(attributes: Record<string, unknown>): Promise<void>;
}

export interface StoreBackend {
  readonly name: string;
  /** Whether the backend talks over the network (the suite runs fewer property cases there). */
  readonly remote: boolean;
  fresh(now: () => number): Promise<StoreHarness>;
}

export function memoryBackend(options: { encode: boolean }): StoreBackend {
  return {
    name: options.encode ? 'memory (encoded)' : 'memory',
    remote: false,
    async fresh(now) {
      const { store, table } = createMemoryStateStoreWithTable({ now, encode: options.encode });
      return { store, putRaw: async (attributes) => table.putRawItem(attributes) };
    },
  };
}

/** A backend on a DynamoDB-compatible server; `close()` releases the client. */
export function dynamoBackend(name: string, endpoint: string): StoreBackend & { close(): void } {
  const client: DynamoDBClient = createDynamoClient({ endpoint });
  const documents = DynamoDBDocumentClient.from(client);
  let tables = 0;
  return {
    name,
    remote: true,
    async fresh(now) {
      const tableName = `contract-${++tables}`;
      await ensureStateTable(client, tableName);
      const store = createDynamoStateStore({ tableName, client, now });
      return {
        store,
        putRaw: async (attributes) => {
          await documents.send(new PutCommand({ TableName: tableName, Item: attributes }));
        },
      };
    },
    close: () => client.destroy(),
  };
}

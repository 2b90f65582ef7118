/**
 * The DynamoDB StateStore. In AWS: `createDynamoStateStore({ tableName })` (region and credentials from the
 * Lambda / Fargate environment). Locally: pass the `endpoint` of dynalite or DynamoDB Local; fixed dummy
 * credentials are used unless you pass a client of your own.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StateStore } from '../../ports/state-store.js';
import { SystemClock } from '../clock/system-clock.js';
import { DynamoItemTable } from './dynamo-item-table.js';
import { DEFAULT_JOURNAL_TTL_SECONDS, TableStateStore } from './table-state-store.js';

export { ensureStateTable } from './create-table.js';
export { StoreItemTooLargeError } from './items.js';
export { KEY_ATTRIBUTES, TTL_ATTRIBUTE } from './keys.js';
export { DEFAULT_JOURNAL_TTL_SECONDS } from './table-state-store.js';

export interface DynamoClientOptions {
  /** e.g. `http://127.0.0.1:8000` for a local server; omit in AWS. */
  readonly endpoint?: string;
  readonly region?: string;
}

export interface DynamoStateStoreOptions extends DynamoClientOptions {
  readonly tableName: string;
  /** A client to reuse (connection pooling, custom retries); otherwise one is made from the options. */
  readonly client?: DynamoDBClient;
  /** Clock for TTL decisions (ms since the epoch); default wall time. The simulator passes its virtual clock. */
  readonly now?: () => number;
  readonly journalTtlSeconds?: number;
}

/** A low-level client; local endpoints get dummy credentials (local servers accept any). */
export function createDynamoClient(options: DynamoClientOptions = {}): DynamoDBClient {
  if (options.endpoint === undefined) {
    return new DynamoDBClient(options.region === undefined ? {} : { region: options.region });
  }
  return new DynamoDBClient({
    endpoint: options.endpoint,
    region: options.region ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export function createDynamoStateStore(options: DynamoStateStoreOptions): StateStore {
  const client = options.client ?? createDynamoClient(options);
  const documents = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: false, convertEmptyValues: false },
  });
  return new TableStateStore(new DynamoItemTable(documents, options.tableName), {
    now: options.now ?? (() => systemClock.now()),
    journalTtlSeconds: options.journalTtlSeconds ?? DEFAULT_JOURNAL_TTL_SECONDS,
  });
}

const systemClock = new SystemClock();

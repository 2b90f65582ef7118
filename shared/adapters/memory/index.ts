/**
 * The in-memory StateStore: the same store logic as DynamoDB over `MemoryItemTable`.
 * `createMemoryStateStore()` for fast simulation; `{ encode: true }` to store documents exactly as DynamoDB
 * would (size limit included); `putRawItem` (on the returned `table`) to load exported or corrupt items.
 */
import type { StateStore } from '../../ports/state-store.js';
import { SystemClock } from '../clock/system-clock.js';
import { DEFAULT_JOURNAL_TTL_SECONDS, TableStateStore } from '../dynamodb/table-state-store.js';
import { MemoryItemTable } from './memory-item-table.js';

export { MemoryItemTable } from './memory-item-table.js';

export interface MemoryStateStoreOptions {
  /** Clock for TTL decisions (ms since the epoch); default wall time. The simulator passes its virtual clock. */
  readonly now?: () => number;
  readonly journalTtlSeconds?: number;
  /** Store JSON documents instead of decoded values (slower; exact DynamoDB parity). */
  readonly encode?: boolean;
  /** Answer each call on a later event-loop turn, like a network store (default true). */
  readonly yieldTurn?: boolean;
}

export function createMemoryStateStore(options: MemoryStateStoreOptions = {}): StateStore {
  return createMemoryStateStoreWithTable(options).store;
}

/** The store and its table, for callers that plant raw items (tests, importing an export). */
export function createMemoryStateStoreWithTable(options: MemoryStateStoreOptions = {}): {
  store: StateStore;
  table: MemoryItemTable;
} {
  const table = new MemoryItemTable({
    encode: options.encode ?? false,
    yieldTurn: options.yieldTurn ?? true,
  });
  const store = new TableStateStore(table, {
    now: options.now ?? (() => systemClock.now()),
    journalTtlSeconds: options.journalTtlSeconds ?? DEFAULT_JOURNAL_TTL_SECONDS,
  });
  return { store, table };
}

const systemClock = new SystemClock();

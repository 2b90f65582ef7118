/**
 * The seam between the store's logic (`TableStateStore`) and where items live: DynamoDB (`DynamoItemTable`)
 * or process memory (`MemoryItemTable`). Both implement exactly these operations with the same meaning, so
 * one implementation of the store's rules serves every backend and the contract suite proves they agree.
 *
 * Invariants every table keeps:
 *  1. `put` with a condition is atomic: the condition and the write happen as one step, and a failed
 *     condition writes nothing and returns false.
 *  2. Reads are strongly consistent: a read after a successful `put` sees it.
 *  3. `query` returns items of one partition in sort-key order (ascending unless `descending`).
 */
import type { ItemKey, ItemType } from './keys.js';

/** An item to write. `encode` produces the stored document; a table that keeps values may skip it. */
export interface WriteItem {
  readonly key: ItemKey;
  readonly type: ItemType;
  /** Optimistic-concurrency version of versioned items (GRID, PARAMS). */
  readonly version?: number;
  /** TTL, epoch seconds. */
  readonly expiresAt?: number;
  /**
   * Unique per write attempt, stored as `writeToken`: after a failed condition, finding our own token means
   * the write landed and only its response was lost (the SDK then retried into our own item).
   */
  readonly token?: string;
  /** The decoded value the document encodes (already validated by the store). */
  readonly value: unknown;
  readonly encode: () => string;
}

/**
 * An item as read. `attributes` are the stored top-level attributes (`pk`, `sk`, `type`, `version`,
 * `expiresAt` and, when stored encoded, `doc`). `value` is present only when the table kept the decoded
 * value it was given, which is then trusted as is.
 */
export interface ReadItem {
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly value?: unknown;
}

export type WriteCondition =
  | { readonly kind: 'absent' }
  | { readonly kind: 'versionIs'; readonly version: number }
  /** Absent, or its `expiresAt` is at or before `nowSec` (DynamoDB deletes expired items only lazily). */
  | { readonly kind: 'absentOrExpired'; readonly nowSec: number };

/** Sort-key selection: inclusive bounds, or a prefix. */
export type SortKeyRange = { readonly from: string; readonly to: string } | { readonly prefix: string };

export interface QueryOptions {
  readonly descending?: boolean;
  readonly limit?: number;
  /** Skip items whose `expiresAt` is at or before this (epoch seconds). */
  readonly liveAtSec?: number;
}

export interface ItemTable {
  get(key: ItemKey): Promise<ReadItem | null>;
  /** Writes `item` if `condition` holds (always when absent); returns whether it wrote. */
  put(item: WriteItem, condition?: WriteCondition): Promise<boolean>;
  /** Unconditional writes of distinct keys (order not guaranteed). */
  putMany(items: readonly WriteItem[]): Promise<void>;
  query(pk: string, range: SortKeyRange, options?: QueryOptions): Promise<ReadItem[]>;
}

export const WRITE_TOKEN_ATTRIBUTE = 'writeToken';

/** The expiry rule shared by every table: an item is live until its `expiresAt` second. */
export function isLive(attributes: Readonly<Record<string, unknown>>, nowSec: number): boolean {
  const expiresAt = attributes.expiresAt;
  return typeof expiresAt !== 'number' || expiresAt > nowSec;
}

/**
 * `ItemTable` in process memory, for fast simulation and tests. Same operations and meaning as the DynamoDB
 * table (conditional puts, strongly consistent reads, sort-key-ordered queries, TTL filtering), proven by
 * the same contract suite.
 *
 * By default it keeps the decoded value it was given (no JSON round trip per save: a month of recon
 * decisions replays in seconds). With `encode: true` it stores the documents exactly as DynamoDB would,
 * which also enforces the item size limit; use it when parity matters more than speed.
 *
 * Every method is async and by default completes on a later turn of the event loop, like a network call,
 * so concurrent writers interleave between their read and their write exactly as they can against
 * DynamoDB. `yieldTurn: false` skips that turn for a caller that already schedules every answer itself
 * (the simulator's serial store queue does).
 *
 * Sort keys compare as JavaScript strings (UTF-16 units); DynamoDB compares UTF-8 bytes. They agree for the
 * ASCII keys this store writes.
 */
import {
  type ItemTable,
  isLive,
  type QueryOptions,
  type ReadItem,
  type SortKeyRange,
  WRITE_TOKEN_ATTRIBUTE,
  type WriteCondition,
  type WriteItem,
} from '../dynamodb/item-table.js';
import { type ItemKey, TTL_ATTRIBUTE } from '../dynamodb/keys.js';

interface Partition {
  readonly cells: Map<string, ReadItem>;
  /** Sort keys in ascending order (kept sorted on insert; appends at the end are the common case). */
  readonly order: string[];
}

export class MemoryItemTable implements ItemTable {
  private readonly partitions = new Map<string, Partition>();

  readonly #yield: boolean;

  constructor(private readonly options: { readonly encode?: boolean; readonly yieldTurn?: boolean } = {}) {
    this.#yield = options.yieldTurn ?? true;
  }

  async get(key: ItemKey): Promise<ReadItem | null> {
    if (this.#yield) await tick();
    return this.partitions.get(key.pk)?.cells.get(key.sk) ?? null;
  }

  async put(item: WriteItem, condition?: WriteCondition): Promise<boolean> {
    if (this.#yield) await tick();
    const cell = this.toCell(item);
    if (condition && !holds(condition, this.partitions.get(item.key.pk)?.cells.get(item.key.sk))) {
      return false;
    }
    this.store(item.key, cell);
    return true;
  }

  async putMany(items: readonly WriteItem[]): Promise<void> {
    if (this.#yield) await tick();
    const cells = items.map((it) => [it.key, this.toCell(it)] as const);
    for (const [key, cell] of cells) this.store(key, cell);
  }

  async query(pk: string, range: SortKeyRange, options: QueryOptions = {}): Promise<ReadItem[]> {
    if (this.#yield) await tick();
    const partition = this.partitions.get(pk);
    if (!partition) return [];
    // Keys are ASCII, so every key with the prefix sorts below prefix + U+FFFF.
    const { from, to } = 'prefix' in range ? { from: range.prefix, to: `${range.prefix}\uffff` } : range;
    const first = lowerBound(partition.order, from);
    const end = upperBound(partition.order, to);
    const results: ReadItem[] = [];
    const step = options.descending ? -1 : 1;
    for (let i = options.descending ? end - 1 : first; i >= first && i < end; i += step) {
      const cell = partition.cells.get(partition.order[i] as string) as ReadItem;
      if (options.liveAtSec !== undefined && !isLive(cell.attributes, options.liveAtSec)) continue;
      results.push(cell);
      if (options.limit !== undefined && results.length >= options.limit) break;
    }
    return results;
  }

  /**
   * Stores an item given as DynamoDB attributes (`pk`, `sk`, `type`, `doc`, ...), e.g. from a table export;
   * it is parsed on read like any stored item. Tests use it to plant corrupt items.
   */
  putRawItem(attributes: Readonly<Record<string, unknown>>): void {
    const { pk, sk } = attributes;
    if (typeof pk !== 'string' || typeof sk !== 'string')
      throw new TypeError('a raw item needs string pk and sk');
    this.store({ pk, sk }, { attributes: { ...attributes } });
  }

  private toCell(item: WriteItem): ReadItem {
    const attributes: Record<string, unknown> = { pk: item.key.pk, sk: item.key.sk, type: item.type };
    if (item.version !== undefined) attributes.version = item.version;
    if (item.expiresAt !== undefined) attributes[TTL_ATTRIBUTE] = item.expiresAt;
    if (item.token !== undefined) attributes[WRITE_TOKEN_ATTRIBUTE] = item.token;
    if (this.options.encode) {
      attributes.doc = item.encode();
      return { attributes };
    }
    return { attributes, value: item.value };
  }

  private store(key: ItemKey, cell: ReadItem): void {
    let partition = this.partitions.get(key.pk);
    if (!partition) {
      partition = { cells: new Map(), order: [] };
      this.partitions.set(key.pk, partition);
    }
    if (!partition.cells.has(key.sk)) {
      const at = lowerBound(partition.order, key.sk);
      partition.order.splice(at, 0, key.sk);
    }
    partition.cells.set(key.sk, cell);
  }
}

function holds(condition: WriteCondition, existing: ReadItem | undefined): boolean {
  switch (condition.kind) {
    case 'absent':
      return existing === undefined;
    case 'versionIs':
      return existing !== undefined && existing.attributes.version === condition.version;
    case 'absentOrExpired':
      return existing === undefined || !isLive(existing.attributes, condition.nowSec);
  }
}

/** First index whose sort key is ≥ `sk` (binary search; checks the end first, where appends land). */
function lowerBound(order: readonly string[], sk: string): number {
  const last = order[order.length - 1];
  if (last === undefined || last < sk) return order.length;
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((order[mid] as string) < sk) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose sort key is > `sk`. */
function upperBound(order: readonly string[], sk: string): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((order[mid] as string) <= sk) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Yields to other tasks so that concurrent callers interleave as they would over a network. */
function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

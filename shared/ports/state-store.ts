/**
 * The StateStore port (ARCHITECTURE.md "State and concurrency"). The recon Lambda and the stream worker
 * change the same instance, so every write of grid state is conditional on its version: a lost race is a
 * typed `conflict` result and the caller re-reads and re-decides; nobody blind-overwrites.
 *
 * Contract (one suite runs it against every implementation):
 *  - `saveGrid(state, expectedVersion)` writes `state` with `version = expectedVersion + 1` only if the stored
 *    version is `expectedVersion` (0 = the item must not exist yet). Fill idempotency rides in the same write
 *    (the state carries its recent trade ids). `state.version` must equal `expectedVersion` (the state was
 *    derived from what was loaded); anything else is a caller bug and throws, because saving a stale
 *    decision under a fresh version would blind-overwrite another writer.
 *  - Reads parse every item; a corrupt or foreign item throws `StoreParseError` naming its key.
 *  - Journal items expire (TTL); nothing the strategy needs for correctness is journal-only.
 */
import type { InstanceConfig } from '../domain/config/deployment.js';
import type { GridState } from '../domain/grid-state.js';
import type { ParamsRecord } from '../domain/params.js';

export type SaveResult =
  | { readonly ok: true; readonly version: number }
  | { readonly ok: false; readonly conflict: true; readonly currentVersion: number | null };

export type JournalKind = 'order' | 'fill' | 'action' | 'alert' | 'equity';

/** One journal line. `data` values are strings (Decimals as text), numbers (ms, counts) or booleans. */
export interface JournalEntry {
  readonly instanceId: string;
  readonly kind: JournalKind;
  readonly time: number;
  /** Unique within (instance, kind, time): e.g. a client order id or trade id. */
  readonly id: string;
  readonly data: Readonly<Record<string, string | number | boolean | null>>;
}

export interface Heartbeat {
  readonly accountId: string;
  readonly at: number;
  /** Which process wrote it (task id / host), and stream status. */
  readonly writer: string;
  readonly status: 'connected' | 'resyncing' | 'disconnected' | 'draining';
  /**
   * How often its writer writes one, ms (the stream worker: 15 s live; the simulator's
   * `heartbeat_interval_sec`). Absent in heartbeats written before it was recorded.
   */
  readonly everyMs?: number;
}

/** Per-instance risk memory (equity peak for drawdown), written only by the risk check. */
export interface RiskState {
  readonly instanceId: string;
  readonly equityPeak: string;
  readonly lastEquity: string;
  readonly level: 'ok' | 'warning' | 'breach';
  readonly checkedAt: number;
}

/**
 * A confirmation token an operator must echo to carry out a command that changes what the bot holds or
 * remembers: unguessable, bound to the command, the instance and the state version it was issued for, and
 * dead after `expiresAt` or its first use.
 */
export interface Confirmation {
  readonly instanceId: string;
  readonly token: string;
  readonly command: string;
  readonly stateVersion: number;
  /** Epoch ms. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Who asked for it (as the caller named itself), or null. */
  readonly caller: string | null;
}

/** A stored item that cannot be read back: corrupt, from another version, or not ours. `key` names it. */
export class StoreParseError extends Error {
  override readonly name = 'StoreParseError';
  constructor(
    message: string,
    readonly key?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The store could not be reached or refused the request (throttling, network, service error): nothing is
 * known to have changed, and the caller may retry the whole decision later.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * An instance's positions handed to the stream worker to flatten (through the closer), one per account its
 * legs trade on: the worker polls its accounts' requests and marks each `done` when every leg is flat.
 */
export interface FlattenRequest {
  readonly instanceId: string;
  readonly account: string;
  /** `normal`: maker first; `emergency`: the panic tiers (forced aggressive slices). */
  readonly urgency: 'normal' | 'emergency';
  readonly reason: string;
  readonly requestedAt: number;
  /** The instance's legs on this account. */
  readonly legs: readonly {
    readonly role: string;
    readonly symbol: string;
    readonly positionSide: 'LONG' | 'SHORT' | 'BOTH';
  }[];
  readonly status: 'pending' | 'done';
  readonly doneAt: number | null;
}

export interface StateStore {
  putConfig(config: InstanceConfig): Promise<void>;
  getConfig(instanceId: string): Promise<InstanceConfig | null>;

  loadGrid(instanceId: string): Promise<GridState | null>;
  saveGrid(state: GridState, expectedVersion: number): Promise<SaveResult>;

  /** The parameters in force (highest version), or a given version. */
  loadParams(instanceId: string, version?: number): Promise<ParamsRecord | null>;
  /** Writes `params` as version `expectedVersion + 1` if the latest is `expectedVersion`. */
  saveParams(params: ParamsRecord, expectedVersion: number): Promise<SaveResult>;

  /** Idempotent: an entry with the same (instance, kind, time, id) replaces the earlier one. */
  appendJournal(entries: readonly JournalEntry[]): Promise<void>;
  /** Entries with `fromMs ≤ time < toMs`, oldest first, at most `limit`; expired entries are never returned. */
  queryJournal(
    instanceId: string,
    kind: JournalKind,
    fromMs: number,
    toMs: number,
    limit?: number,
  ): Promise<JournalEntry[]>;

  /**
   * Writes (or replaces) the flatten request of an instance on an account; a `done` one expires in a day.
   * With `ifRequestedAt`, only over the request made at that time (marking one done never overwrites a
   * newer request written meanwhile); false when that condition failed.
   */
  putFlatten(request: FlattenRequest, opts?: { readonly ifRequestedAt?: number }): Promise<boolean>;
  /** The flatten requests on an account (pending and recently done). */
  listFlattens(accountId: string): Promise<FlattenRequest[]>;

  putHeartbeat(heartbeat: Heartbeat): Promise<void>;
  getHeartbeat(accountId: string): Promise<Heartbeat | null>;

  loadRisk(instanceId: string): Promise<RiskState | null>;
  saveRisk(state: RiskState): Promise<void>;

  /** Stores a confirmation token (it expires at `expiresAt`). */
  saveConfirmation(confirmation: Confirmation): Promise<void>;
  /** The confirmation `token` of the instance, or null when there is none or it has expired. */
  loadConfirmation(instanceId: string, token: string): Promise<Confirmation | null>;

  /** Atomically claims a key (e.g. `recon#<instance>#<scheduledTime>`); false if it was already claimed. */
  claimOnce(key: string, ttlSeconds: number): Promise<boolean>;
}

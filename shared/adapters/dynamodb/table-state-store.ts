/**
 * The StateStore's rules, written once over an `ItemTable` (DynamoDB or memory), so every backend has the
 * same semantics by construction. Key layout: `keys.ts`; documents: `items.ts`.
 *
 * Invariants:
 *  1. GRID writes are conditional on the stored version (`absent` for version 0): a lost race writes
 *     nothing and returns `{ ok: false, conflict: true, currentVersion }`; the caller re-reads, re-decides.
 *  2. PARAMS versions are immutable items created in sequence: version v + 1 is written only if it does not
 *     exist and v does. Since v exists only if every earlier version was written before it, "v exists and
 *     v + 1 does not" means v is the latest at the moment of the write, without a transaction.
 *  3. Journal lines and claims expire (TTL). DynamoDB deletes expired items lazily, so reads and claims
 *     treat an item past its `expiresAt` as absent on every backend.
 *  4. Every read is parsed (`items.ts`); inputs are validated before anything is written.
 *  5. A conditional write whose response was lost but which landed is reported as written: each attempt
 *     carries a unique `writeToken`, checked when the condition fails.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { type InstanceConfig, instanceConfigSchema } from '../../domain/config/deployment.js';
import { type GridState, gridStateToJson } from '../../domain/grid-state.js';
import { type ParamsRecord, paramsRecordSchema, paramsToJson } from '../../domain/params.js';
import type {
  Confirmation,
  FlattenRequest,
  Heartbeat,
  JournalEntry,
  JournalKind,
  RiskState,
  SaveResult,
  StateStore,
} from '../../ports/state-store.js';
import { type ItemTable, type ReadItem, WRITE_TOKEN_ATTRIBUTE, type WriteItem } from './item-table.js';
import {
  configToJson,
  confirmationSchema,
  encodeDoc,
  flattenSchema,
  heartbeatSchema,
  journalEntrySchema,
  parseConfigItem,
  parseConfirmationItem,
  parseFlattenItem,
  parseGridItem,
  parseHeartbeatItem,
  parseJournalItem,
  parseParamsItem,
  parseRiskItem,
  riskStateSchema,
  storedVersion,
} from './items.js';
import {
  claimKey,
  configKey,
  confirmationKey,
  FLATTEN_PREFIX,
  flattenKey,
  gridKey,
  heartbeatKey,
  type ItemKey,
  type ItemType,
  instancePartition,
  journalKey,
  journalRange,
  PARAMS_PREFIX,
  paramsKey,
  riskKey,
} from './keys.js';

export interface TableStateStoreOptions {
  /** Milliseconds since the epoch; the simulator passes its virtual clock. Used for TTL decisions. */
  readonly now: () => number;
  /** How long journal lines are kept after the time they describe. */
  readonly journalTtlSeconds: number;
}

export const DEFAULT_JOURNAL_TTL_SECONDS = 90 * 24 * 3600;

export class TableStateStore implements StateStore {
  constructor(
    private readonly table: ItemTable,
    private readonly options: TableStateStoreOptions,
  ) {}

  async putConfig(config: InstanceConfig): Promise<void> {
    // Store exactly what reads will return: the config as it re-parses from its JSON form.
    const value = validate(instanceConfigSchema, configToJson(config), `config of instance ${config.id}`);
    const key = configKey(value.id);
    await this.table.put(item(key, 'CONFIG', value, () => configToJson(value)));
  }

  async getConfig(instanceId: string): Promise<InstanceConfig | null> {
    const key = configKey(instanceId);
    const found = await this.table.get(key);
    return found ? parseConfigItem(found, key, instanceId) : null;
  }

  async loadGrid(instanceId: string): Promise<GridState | null> {
    const key = gridKey(instanceId);
    const found = await this.table.get(key);
    return found ? parseGridItem(found, key, instanceId) : null;
  }

  async saveGrid(state: GridState, expectedVersion: number): Promise<SaveResult> {
    checkVersion(expectedVersion);
    if (state.version !== expectedVersion) {
      throw new Error(
        `saveGrid(${state.instanceId}): state.version ${state.version} differs from expectedVersion ${expectedVersion}; save only a state derived from the version you loaded`,
      );
    }
    const key = gridKey(state.instanceId);
    const next: GridState = { ...state, version: expectedVersion + 1 };
    const token = randomUUID();
    const written = await this.table.put(
      { ...item(key, 'GRID', next, () => gridStateToJson(next)), version: next.version, token },
      expectedVersion === 0 ? { kind: 'absent' } : { kind: 'versionIs', version: expectedVersion },
    );
    if (written) return { ok: true, version: next.version };
    const current = await this.table.get(key);
    if (ownWrite(current, token)) return { ok: true, version: next.version };
    return {
      ok: false,
      conflict: true,
      currentVersion: current ? storedVersion(current, key, 'GRID') : null,
    };
  }

  async loadParams(instanceId: string, version?: number): Promise<ParamsRecord | null> {
    if (version !== undefined) {
      const key = paramsKey(instanceId, version);
      const found = await this.table.get(key);
      return found ? parseParamsItem(found, key, instanceId) : null;
    }
    const latest = await this.latestParamsItem(instanceId);
    return latest ? parseParamsItem(latest.item, latest.key, instanceId) : null;
  }

  async saveParams(params: ParamsRecord, expectedVersion: number): Promise<SaveResult> {
    checkVersion(expectedVersion);
    const { instanceId } = params;
    const conflict = async (): Promise<SaveResult> => {
      const latest = await this.latestParamsItem(instanceId);
      const currentVersion = latest ? storedVersion(latest.item, latest.key, 'PARAMS') : null;
      return { ok: false, conflict: true, currentVersion };
    };
    if (expectedVersion > 0 && !(await this.table.get(paramsKey(instanceId, expectedVersion)))) {
      return conflict();
    }
    const next = validate(
      paramsRecordSchema,
      paramsToJson({ ...params, version: expectedVersion + 1 }),
      `params of instance ${instanceId}`,
    ) as ParamsRecord;
    const key = paramsKey(instanceId, next.version);
    const token = randomUUID();
    const written = await this.table.put(
      { ...item(key, 'PARAMS', next, () => paramsToJson(next)), version: next.version, token },
      { kind: 'absent' },
    );
    if (written || ownWrite(await this.table.get(key), token)) return { ok: true, version: next.version };
    return conflict();
  }

  async appendJournal(entries: readonly JournalEntry[]): Promise<void> {
    const byKey = new Map<string, WriteItem>();
    for (const [i, entry] of entries.entries()) {
      const value = validate(journalEntrySchema, entry, `journal entry ${i}`);
      const key = journalKey(value.instanceId, value.kind, value.time, value.id);
      const expiresAt = Math.floor(value.time / 1000) + this.options.journalTtlSeconds;
      // A replayed entry has the same key; the last one wins (DynamoDB refuses duplicates in one batch).
      byKey.set(`${key.pk}\n${key.sk}`, { ...item(key, 'JOURNAL', value, () => value), expiresAt });
    }
    if (byKey.size > 0) await this.table.putMany([...byKey.values()]);
  }

  async queryJournal(
    instanceId: string,
    kind: JournalKind,
    fromMs: number,
    toMs: number,
    limit?: number,
  ): Promise<JournalEntry[]> {
    if (toMs <= fromMs || limit === 0) return [];
    const found = await this.table.query(instancePartition(instanceId), journalRange(kind, fromMs, toMs), {
      liveAtSec: this.nowSec(),
      ...(limit === undefined ? {} : { limit }),
    });
    return found.map((f) => parseJournalItem(f, instanceId));
  }

  async putFlatten(request: FlattenRequest, opts: { ifRequestedAt?: number } = {}): Promise<boolean> {
    const value = validate(flattenSchema, request, 'flatten request');
    const key = flattenKey(value.account, value.instanceId);
    // The request's time is its version: a conditional write names the request it means.
    return this.table.put(
      {
        ...item(key, 'FLATTEN', value, () => value),
        version: value.requestedAt,
        // A finished request stays a day for the record; a pending one until it is done.
        ...(value.status === 'done'
          ? { expiresAt: Math.ceil((value.doneAt ?? this.options.now()) / 1000) + 86_400 }
          : {}),
      },
      opts.ifRequestedAt === undefined ? undefined : { kind: 'versionIs', version: opts.ifRequestedAt },
    );
  }

  async listFlattens(accountId: string): Promise<FlattenRequest[]> {
    const items = await this.table.query(
      flattenKey(accountId, '').pk,
      { prefix: FLATTEN_PREFIX },
      { liveAtSec: Math.floor(this.options.now() / 1000) },
    );
    // One bad item must not hide the others (nor stop recon): it is skipped, the rest are read.
    const out: FlattenRequest[] = [];
    for (const i of items) {
      try {
        out.push(parseFlattenItem(i));
      } catch {
        // Not carried out: the operator sees the flatten did not start (no flatten_started follow-up).
      }
    }
    return out;
  }

  async putHeartbeat(heartbeat: Heartbeat): Promise<void> {
    const value = validate(heartbeatSchema, heartbeat, 'heartbeat');
    await this.table.put(item(heartbeatKey(value.accountId), 'HEARTBEAT', value, () => value));
  }

  async getHeartbeat(accountId: string): Promise<Heartbeat | null> {
    const key = heartbeatKey(accountId);
    const found = await this.table.get(key);
    return found ? parseHeartbeatItem(found, key, accountId) : null;
  }

  async loadRisk(instanceId: string): Promise<RiskState | null> {
    const key = riskKey(instanceId);
    const found = await this.table.get(key);
    return found ? parseRiskItem(found, key, instanceId) : null;
  }

  async saveRisk(state: RiskState): Promise<void> {
    const value = validate(riskStateSchema, state, 'risk state');
    await this.table.put(item(riskKey(value.instanceId), 'RISK', value, () => value));
  }

  async saveConfirmation(confirmation: Confirmation): Promise<void> {
    const value = validate(confirmationSchema, confirmation, 'confirmation');
    const key = confirmationKey(value.instanceId, value.token);
    await this.table.put({
      ...item(key, 'CONFIRMATION', value, () => value),
      expiresAt: Math.ceil(value.expiresAt / 1000),
    });
  }

  async loadConfirmation(instanceId: string, token: string): Promise<Confirmation | null> {
    // A token that could not have been issued is not looked up (and never reaches a key).
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(token)) return null;
    const key = confirmationKey(instanceId, token);
    const found = await this.table.get(key);
    if (!found) return null;
    const c = parseConfirmationItem(found, key, instanceId);
    return c.expiresAt > this.options.now() ? c : null;
  }

  async claimOnce(key: string, ttlSeconds: number): Promise<boolean> {
    if (key.length === 0 || key.length > 1000) {
      throw new RangeError(`claim key must be 1 to 1000 characters, got ${key.length}`);
    }
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) {
      throw new RangeError(`claim ttlSeconds must be a positive whole number, got ${ttlSeconds}`);
    }
    const nowSec = this.nowSec();
    const value = { key, claimedAt: this.options.now() };
    const token = randomUUID();
    const written = await this.table.put(
      { ...item(claimKey(key), 'CLAIM', value, () => value), expiresAt: nowSec + ttlSeconds, token },
      { kind: 'absentOrExpired', nowSec },
    );
    return written || ownWrite(await this.table.get(claimKey(key)), token);
  }

  private nowSec(): number {
    return Math.floor(this.options.now() / 1000);
  }

  private async latestParamsItem(instanceId: string) {
    const [latest] = await this.table.query(
      instancePartition(instanceId),
      { prefix: PARAMS_PREFIX },
      { descending: true, limit: 1 },
    );
    if (!latest) return null;
    return { item: latest, key: { pk: instancePartition(instanceId), sk: String(latest.attributes.sk) } };
  }
}

function item(key: ItemKey, type: ItemType, value: unknown, toJson: () => unknown): WriteItem {
  return { key, type, value, encode: () => encodeDoc(key, toJson()) };
}

/** Parses `value` before it is written; a bad field fails here, naming it, not on a later read. */
function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new TypeError(
    `${what} is invalid: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown'}`,
  );
}

/**
 * Whether the stored item is the one we just tried to write: the SDK retries a request whose response was
 * lost, and the retry then fails the condition against our own write. Counting that as a conflict would
 * make the caller drop a decision that is in fact saved.
 */
function ownWrite(current: ReadItem | null, token: string): boolean {
  return current?.attributes[WRITE_TOKEN_ATTRIBUTE] === token;
}

function checkVersion(expectedVersion: number): void {
  if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
    throw new RangeError(`expectedVersion must be a whole number ≥ 0, got ${expectedVersion}`);
  }
}

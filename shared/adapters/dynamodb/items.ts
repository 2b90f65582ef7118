/**
 * Item codecs: how each domain record becomes a stored document and how a stored item is parsed back.
 * Documents are JSON text in the `doc` attribute, written by the domain codecs (Decimals as strings), so a
 * grid state reads back exactly as it was saved and one zod schema guards every read.
 *
 * Entry points: `encodeDoc` (with the item size limit), `decodeItem` and the per-type `parse*` functions.
 * Invariants:
 *  1. Every read is parsed; a corrupt item, an item of another type, or one whose document names another
 *     instance/account than its key throws `StoreParseError` naming the key.
 *  2. A versioned item's `version` attribute equals the version inside its document.
 */
import { z } from 'zod';
import { configToJson, type InstanceConfig, instanceConfigSchema } from '../../domain/config/deployment.js';
import { type GridState, parseGridState } from '../../domain/grid-state.js';
import { dec } from '../../domain/money.js';
import { type ParamsRecord, paramsRecordSchema } from '../../domain/params.js';
import {
  type Confirmation,
  type FlattenRequest,
  type Heartbeat,
  type JournalEntry,
  type RiskState,
  StoreParseError,
} from '../../ports/state-store.js';
import type { ReadItem } from './item-table.js';
import { type ItemKey, type ItemType, keyText } from './keys.js';

/** DynamoDB's item limit is 400 KB; keep headroom for the key and the other attributes. */
export const MAX_DOC_BYTES = 390 * 1024;

export class StoreItemTooLargeError extends Error {
  override readonly name = 'StoreItemTooLargeError';
}

export function encodeDoc(key: ItemKey, json: unknown): string {
  const doc = JSON.stringify(json);
  // Characters are at most 3 UTF-8 bytes each (4 for a surrogate pair = 2 characters); measure only near the limit.
  if (doc.length * 3 > MAX_DOC_BYTES && Buffer.byteLength(doc, 'utf8') > MAX_DOC_BYTES) {
    throw new StoreItemTooLargeError(
      `${keyText(key)}: document is ${Buffer.byteLength(doc, 'utf8')} bytes, over the ${MAX_DOC_BYTES}-byte limit of one DynamoDB item; bound the lists it holds (levels, recent trades)`,
    );
  }
  return doc;
}

export { configToJson };

const decimalText = z.string().refine(
  (s) => {
    try {
      dec(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a decimal string like "1234.5"' },
);

const journalValue = z.union([z.string(), z.number().refine(Number.isFinite), z.boolean(), z.null()]);

export const journalEntrySchema = z.object({
  instanceId: z.string().min(1),
  kind: z.enum(['order', 'fill', 'action', 'alert', 'equity']),
  time: z.number().int().nonnegative(),
  id: z.string().min(1),
  data: z.record(z.string(), journalValue),
});

export const heartbeatSchema = z.object({
  accountId: z.string().min(1),
  at: z.number().int(),
  writer: z.string(),
  status: z.enum(['connected', 'resyncing', 'disconnected', 'draining']),
  everyMs: z.number().int().positive().optional(),
});

export const flattenSchema = z
  .object({
    instanceId: z.string().min(1),
    account: z.string().min(1),
    urgency: z.enum(['normal', 'emergency']),
    reason: z.string().max(500),
    requestedAt: z.number().int().nonnegative(),
    legs: z
      .array(
        z.object({
          role: z.string().min(1),
          symbol: z.string().min(1),
          positionSide: z.enum(['LONG', 'SHORT', 'BOTH']),
        }),
      )
      .min(1)
      .max(50),
    status: z.enum(['pending', 'done']),
    doneAt: z.number().int().nonnegative().nullable(),
  })
  .strict();

export function parseFlattenItem(item: ReadItem): FlattenRequest {
  const key = { pk: String(item.attributes.pk), sk: String(item.attributes.sk) };
  return decodeItem(item, key, 'FLATTEN', (json) => flattenSchema.parse(json) as FlattenRequest);
}

export const confirmationSchema = z.object({
  instanceId: z.string().min(1),
  token: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  command: z.string().min(1).max(40),
  stateVersion: z.number().int().nonnegative(),
  issuedAt: z.number().int().nonnegative(),
  expiresAt: z.number().int().nonnegative(),
  caller: z.string().max(200).nullable(),
});

export const riskStateSchema = z.object({
  instanceId: z.string().min(1),
  equityPeak: decimalText,
  lastEquity: decimalText,
  level: z.enum(['ok', 'warning', 'breach']),
  checkedAt: z.number().int(),
});

const envelopeSchema = z.object({
  pk: z.string(),
  sk: z.string(),
  type: z.string(),
  version: z.number().int().nonnegative().optional(),
  expiresAt: z.number().int().optional(),
  doc: z.string().optional(),
});

type Envelope = z.infer<typeof envelopeSchema>;

function corrupt(key: ItemKey, detail: string, cause?: unknown): StoreParseError {
  return new StoreParseError(
    `${keyText(key)} is not a valid gridbot item (${detail}); repair or delete it`,
    keyText(key),
    { cause },
  );
}

function zodDetail(error: z.ZodError): string {
  const first = error.issues[0];
  return first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unknown';
}

/** The top-level attributes of an item, checked to be the expected type at the expected key. */
export function readEnvelope(item: ReadItem, key: ItemKey, type: ItemType): Envelope {
  const parsed = envelopeSchema.safeParse(item.attributes);
  if (!parsed.success) throw corrupt(key, `attribute ${zodDetail(parsed.error)}`);
  const env = parsed.data;
  if (env.pk !== key.pk || env.sk !== key.sk) throw corrupt(key, `its key is ${env.pk}/${env.sk}`);
  if (env.type !== type) throw corrupt(key, `type is ${JSON.stringify(env.type)}, expected ${type}`);
  return env;
}

/** Parses an item with `parse` (the domain codec), or returns the value a memory table kept. */
export function decodeItem<T>(item: ReadItem, key: ItemKey, type: ItemType, parse: (json: unknown) => T): T {
  if (item.value !== undefined) return item.value as T;
  const env = readEnvelope(item, key, type);
  if (env.doc === undefined) throw corrupt(key, 'it has no doc attribute');
  let json: unknown;
  try {
    json = JSON.parse(env.doc);
  } catch (e) {
    throw corrupt(key, 'doc is not JSON', e);
  }
  let value: T;
  try {
    value = parse(json);
  } catch (e) {
    if (e instanceof StoreParseError) throw e;
    const detail = e instanceof z.ZodError ? zodDetail(e) : (e as Error).message;
    throw corrupt(key, detail, e);
  }
  return value;
}

function expectSame(key: ItemKey, what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) {
    throw corrupt(key, `${what} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

function versionOf(item: ReadItem, key: ItemKey, type: ItemType): number {
  const env = readEnvelope(item, key, type);
  if (env.version === undefined) throw corrupt(key, 'it has no version attribute');
  return env.version;
}

/** The stored version of a GRID or PARAMS item, without parsing its document. */
export function storedVersion(item: ReadItem, key: ItemKey, type: 'GRID' | 'PARAMS'): number {
  return versionOf(item, key, type);
}

export function parseGridItem(item: ReadItem, key: ItemKey, instanceId: string): GridState {
  const state = decodeItem(item, key, 'GRID', (json) => parseGridState(json, 'grid state'));
  if (item.value === undefined) {
    expectSame(key, 'instanceId', state.instanceId, instanceId);
    expectSame(key, 'document version', state.version, versionOf(item, key, 'GRID'));
  }
  return state;
}

export function parseParamsItem(item: ReadItem, key: ItemKey, instanceId: string): ParamsRecord {
  const params = decodeItem(item, key, 'PARAMS', (json) => paramsRecordSchema.parse(json) as ParamsRecord);
  if (item.value === undefined) {
    expectSame(key, 'instanceId', params.instanceId, instanceId);
    expectSame(key, 'document version', params.version, versionOf(item, key, 'PARAMS'));
  }
  return params;
}

export function parseConfigItem(item: ReadItem, key: ItemKey, instanceId: string): InstanceConfig {
  const config = decodeItem(item, key, 'CONFIG', (json) => instanceConfigSchema.parse(json));
  expectSame(key, 'id', config.id, instanceId);
  return config;
}

export function parseConfirmationItem(item: ReadItem, key: ItemKey, instanceId: string): Confirmation {
  const c = decodeItem(item, key, 'CONFIRMATION', (json) => confirmationSchema.parse(json));
  expectSame(key, 'instanceId', c.instanceId, instanceId);
  return c;
}

export function parseRiskItem(item: ReadItem, key: ItemKey, instanceId: string): RiskState {
  const risk = decodeItem(item, key, 'RISK', (json) => riskStateSchema.parse(json));
  expectSame(key, 'instanceId', risk.instanceId, instanceId);
  return risk;
}

export function parseHeartbeatItem(item: ReadItem, key: ItemKey, accountId: string): Heartbeat {
  const heartbeat = decodeItem(item, key, 'HEARTBEAT', (json) => heartbeatSchema.parse(json));
  expectSame(key, 'accountId', heartbeat.accountId, accountId);
  return heartbeat;
}

export function parseJournalItem(item: ReadItem, instanceId: string): JournalEntry {
  const key = { pk: String(item.attributes.pk), sk: String(item.attributes.sk) };
  const entry = decodeItem(item, key, 'JOURNAL', (json) => journalEntrySchema.parse(json));
  expectSame(key, 'instanceId', entry.instanceId, instanceId);
  return entry;
}

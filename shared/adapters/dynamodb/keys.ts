/**
 * The single-table key layout (README "State on DynamoDB"). One table, string keys `pk` / `sk`, TTL on
 * `expiresAt` (epoch seconds), no indexes. Every access pattern is a GetItem, a conditional PutItem or a
 * Query on one partition:
 *
 *   item        pk                 sk                                 written by
 *   CONFIG      INST#<instance>    CONFIG                             every process at start (deployment)
 *   GRID        INST#<instance>    GRID                               recon, stream worker (versioned)
 *   PARAMS      INST#<instance>    PARAMS#<version, 10 digits>        recompute (immutable versions)
 *   RISK        INST#<instance>    RISK                               risk check
 *   JOURNAL     INST#<instance>    J#<kind>#<time, 15 digits>#<id>    everyone (TTL)
 *   CONFIRM     INST#<instance>    CONFIRM#<token>                    admin (TTL: confirmation tokens)
 *   HEARTBEAT   ACCOUNT#<account>  HEARTBEAT                          stream worker
 *   FLATTEN     ACCOUNT#<account>  FLATTEN#<instance>                 admin (a flatten handed to the worker)
 *   CLAIM       CLAIM#<key>        CLAIM                              scheduled functions (TTL)
 *
 * Numbers in sort keys are zero-padded so that string order is numeric order.
 *
 * Every item of an instance lives in its partition, and every other partition names its account or its
 * instance, so IAM can confine a function to the items of its own instances with a leading-key condition
 * (`leadingKeyPatterns`, used by the CDK roles): a function of one account cannot read or change another's.
 */
import type { JournalKind } from '../../ports/state-store.js';

export const KEY_ATTRIBUTES = { partition: 'pk', sort: 'sk' } as const;
export const TTL_ATTRIBUTE = 'expiresAt';

export type ItemType =
  | 'CONFIG'
  | 'GRID'
  | 'PARAMS'
  | 'RISK'
  | 'JOURNAL'
  | 'HEARTBEAT'
  | 'CLAIM'
  | 'CONFIRMATION'
  | 'FLATTEN';

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

const VERSION_DIGITS = 10;
const TIME_DIGITS = 15;
const MAX_VERSION = 10 ** VERSION_DIGITS - 1;
const MAX_TIME = 10 ** TIME_DIGITS - 1;

export const INSTANCE_PREFIX = 'INST#';
export const ACCOUNT_PREFIX = 'ACCOUNT#';
export const CLAIM_PREFIX = 'CLAIM#';
export const PARAMS_PREFIX = 'PARAMS#';

/** `pk/sk`, how errors and logs name an item. */
export function keyText(key: ItemKey): string {
  return `${key.pk}/${key.sk}`;
}

export function instancePartition(instanceId: string): string {
  return `${INSTANCE_PREFIX}${instanceId}`;
}

export function configKey(instanceId: string): ItemKey {
  return { pk: instancePartition(instanceId), sk: 'CONFIG' };
}

export function confirmationKey(instanceId: string, token: string): ItemKey {
  return { pk: instancePartition(instanceId), sk: `CONFIRM#${token}` };
}

export function gridKey(instanceId: string): ItemKey {
  return { pk: instancePartition(instanceId), sk: 'GRID' };
}

export function paramsKey(instanceId: string, version: number): ItemKey {
  return {
    pk: instancePartition(instanceId),
    sk: `${PARAMS_PREFIX}${pad(version, VERSION_DIGITS, MAX_VERSION, 'version')}`,
  };
}

export function riskKey(instanceId: string): ItemKey {
  return { pk: instancePartition(instanceId), sk: 'RISK' };
}

export function journalPrefix(kind: JournalKind): string {
  return `J#${kind}#`;
}

export function journalKey(instanceId: string, kind: JournalKind, time: number, id: string): ItemKey {
  return { pk: instancePartition(instanceId), sk: `${journalPrefix(kind)}${journalTime(time)}#${id}` };
}

/**
 * Inclusive sort-key bounds selecting `fromMs ≤ time < toMs`: every key at time `t` is
 * `J#kind#<t>#<id>`, which sorts at or after `J#kind#<t>#` and before `J#kind#<t + 1>`.
 */
export function journalRange(kind: JournalKind, fromMs: number, toMs: number): { from: string; to: string } {
  return {
    from: `${journalPrefix(kind)}${journalTime(Math.max(0, fromMs))}#`,
    to: `${journalPrefix(kind)}${journalTime(Math.min(MAX_TIME, Math.max(0, toMs)))}`,
  };
}

export function heartbeatKey(accountId: string): ItemKey {
  return { pk: `${ACCOUNT_PREFIX}${accountId}`, sk: 'HEARTBEAT' };
}

export const FLATTEN_PREFIX = 'FLATTEN#';

/** A flatten request lives in its account's partition (the worker of that account reads it). */
export function flattenKey(accountId: string, instanceId: string): ItemKey {
  return { pk: `${ACCOUNT_PREFIX}${accountId}`, sk: `${FLATTEN_PREFIX}${instanceId}` };
}

export function claimKey(key: string): ItemKey {
  return { pk: `${CLAIM_PREFIX}${key}`, sk: 'CLAIM' };
}

/**
 * The partition keys a process serving `instances` of `accounts` may touch, as IAM `StringLike` patterns
 * (`*` is the only wildcard; instance and account ids hold neither `*`, `?` nor `#`): each instance's
 * partition, each account's heartbeat, and the claims its jobs take (`<job>#<instance>#…`, see
 * `application/scheduled.ts` and the admin confirmations).
 */
export function leadingKeyPatterns(scope: {
  readonly accounts: readonly string[];
  readonly instances: readonly string[];
  readonly claims: readonly string[];
}): string[] {
  return [
    ...scope.instances.map(instancePartition),
    ...scope.accounts.map((a) => `${ACCOUNT_PREFIX}${a}`),
    ...scope.claims.flatMap((job) => scope.instances.map((i) => `${CLAIM_PREFIX}${job}#${i}#*`)),
  ];
}

function journalTime(time: number): string {
  return pad(time, TIME_DIGITS, MAX_TIME, 'journal time');
}

function pad(n: number, digits: number, max: number, what: string): string {
  if (!Number.isSafeInteger(n) || n < 0 || n > max) {
    throw new RangeError(`${what} must be a whole number between 0 and ${max}, got ${n}`);
  }
  return String(n).padStart(digits, '0');
}

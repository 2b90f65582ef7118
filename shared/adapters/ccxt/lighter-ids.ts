/**
 * Lighter names an order by an integer `client_order_index` (1 … 2^48 − 1), where our client order ids are
 * strings (`client-order-id.ts`). A Lighter account carries one instance (the config checks it), so the
 * instance id need not travel: what follows it packs into 48 bits and unpacks again.
 *
 *   bits 47–45  kind: 1 level, 2 stop (T), 3 protective close (X), 4 protective stop (P), 5 closer slice
 *   level       level (10 bits) · side (1: sell) · seq (34 bits)
 *   stop, close seq (45 bits)
 *   protective  side (1: short) · seq (44 bits)
 *   slice       run (13-bit hash) · seq (32 bits)
 *
 * A slice's run id is hashed: the ids this process packs are remembered, so its own runs unpack exactly;
 * a run seen only on the venue (an earlier process's) unpacks as `z` + its hash, which is another run
 * than any live one's unless two runs share a hash (1 in 8 192), and then the closer's own-run checks
 * treat that earlier run's slices as its own (it would cancel them at shutdown: they are closes as well).
 * An index that is not one of ours (0, another bot's, a hand-placed order) unpacks as `lighter<index>` or
 * '' — never as an id of ours.
 *
 * Entry points: `toLighterIndex`, `fromLighterIndex`.
 * Invariants: fromLighterIndex(toLighterIndex(id)) = id for every id of the account's instance within the
 * ranges above (property-tested); an id outside them is refused with the reason, never truncated.
 */
import {
  closeOrderId,
  type DecodedOrderId,
  decodeClientOrderId,
  levelOrderId,
  protectiveStopOrderId,
  sliceOrderId,
  stopOrderId,
} from '../../domain/client-order-id.js';

const KIND_SHIFT = 45n;
const MAX_INDEX = (1n << 48n) - 1n;
const KINDS = { level: 1n, stop: 2n, close: 3n, protective_stop: 4n, slice: 5n } as const;
const runs = new Map<number, string>();

export class LighterIdError extends Error {
  override readonly name = 'LighterIdError';
}

function runHash(run: string): number {
  let h = 2166136261;
  for (const ch of run) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h & 0x1fff;
}

function bounded(what: string, n: number, bits: number, id: string): bigint {
  if (n >= 2 ** bits)
    throw new LighterIdError(
      `${what} ${n} of ${id} does not fit Lighter's client order index (${bits} bits)`,
    );
  return BigInt(n);
}

/** The client order index of one of our ids, for the account's one instance. */
export function toLighterIndex(clientOrderId: string, instanceId: string): number {
  const d = decodeClientOrderId(clientOrderId);
  if (!d) throw new LighterIdError(`${clientOrderId} is not a client order id of ours`);
  if (d.instanceId !== instanceId)
    throw new LighterIdError(
      `${clientOrderId} belongs to instance ${d.instanceId}; this Lighter account carries ${instanceId} only`,
    );
  let payload: bigint;
  switch (d.kind) {
    case 'level':
      payload =
        (bounded('level', d.level, 10, clientOrderId) << 35n) |
        (BigInt(d.side === 'sell' ? 1 : 0) << 34n) |
        bounded('seq', d.seq, 34, clientOrderId);
      break;
    case 'stop':
    case 'close':
      payload = bounded('seq', d.seq, 45, clientOrderId);
      break;
    case 'protective_stop':
      payload =
        (BigInt(d.positionSide === 'SHORT' ? 1 : 0) << 44n) | bounded('seq', d.seq, 44, clientOrderId);
      break;
    case 'slice': {
      const h = runHash(d.run);
      runs.set(h, d.run);
      payload = (BigInt(h) << 32n) | bounded('seq', d.seq, 32, clientOrderId);
      break;
    }
  }
  return Number((KINDS[d.kind] << KIND_SHIFT) | payload);
}

const mask = (bits: bigint) => (1n << bits) - 1n;

/** Our client order id for a client order index read from the venue ('' for none). */
export function fromLighterIndex(index: number | string, instanceId: string): string {
  const text = String(index);
  if (!/^\d{1,16}$/.test(text)) return '';
  const n = BigInt(text);
  if (n === 0n) return '';
  if (n > MAX_INDEX) return `lighter${text}`;
  const kind = n >> KIND_SHIFT;
  const p = n & mask(KIND_SHIFT);
  const decoded = unpack(kind, p, instanceId);
  return decoded ?? `lighter${text}`;
}

function unpack(kind: bigint, p: bigint, instanceId: string): string | null {
  switch (kind) {
    case KINDS.level:
      return levelOrderId(
        instanceId,
        Number(p >> 35n),
        ((p >> 34n) & 1n) === 1n ? 'sell' : 'buy',
        Number(p & mask(34n)),
      );
    case KINDS.stop:
      return stopOrderId(instanceId, Number(p));
    case KINDS.close:
      return closeOrderId(instanceId, Number(p));
    case KINDS.protective_stop:
      return protectiveStopOrderId(
        instanceId,
        ((p >> 44n) & 1n) === 1n ? 'SHORT' : 'LONG',
        Number(p & mask(44n)),
      );
    case KINDS.slice: {
      const h = Number(p >> 32n);
      const run = runs.get(h) ?? `z${h.toString(36)}`;
      return sliceOrderId(instanceId, run, Number(p & mask(32n)));
    }
    default:
      return null;
  }
}

export type { DecodedOrderId };

/**
 * Deterministic client order ids: a pure function of (instance, level, side, sequence), so a retry or a
 * replay of the same decision can never double-place, and recon can adopt orders it finds on the exchange.
 *
 * Format (alphanumeric, ≤ 32 characters: OKX's limit; Binance allows 36):
 *   grid order  `gb` + instanceId + `L` + level(base 36) + `B`|`S` + seq(base 36)   e.g. `gbdogeklgL7B2s`
 *   stop order  `gb` + instanceId + `T` + seq(base 36)                                e.g. `gbdogeklgT2t`
 *   protective close (market, reduce only) `gb` + instanceId + `X` + seq(base 36)   e.g. `gbdogeklgX2u`
 *   closer slice `gb` + instanceId + `C` + run + `R` + seq(base 36)                  e.g. `gbbtccloseCk3x9R1b`
 *     (`run`: 1–6 lowercase alphanumerics chosen per process start: shutdown cancels only its own run's)
 *   closer protective stop `gb` + instanceId + `P` + `L`|`S` + seq(base 36)         e.g. `gbbtcclosePL4`
 *     (a stable prefix per position side: a restart finds and adopts it)
 * Instance ids are lowercase alphanumeric (1–12 chars) and the field separators are uppercase, so decoding
 * is unambiguous; `seq` is the instance-wide order sequence, so an id is never reused, even across rebuilds.
 *
 * Entry points: `levelOrderId`, `stopOrderId`, `closeOrderId`, `sliceOrderId`, `protectiveStopOrderId`,
 * `decodeClientOrderId`, `INSTANCE_ID_PATTERN`, `RUN_ID_PATTERN`.
 * Invariants: decode(encode(x)) = x; every id matches /^[A-Za-z0-9]{1,32}$/; ids of other instances
 * (including ones whose id starts with ours) never decode as ours.
 */
import type { Side } from './symbol-rules.js';

export const INSTANCE_ID_PATTERN = /^[a-z0-9]{1,12}$/;
const MAX_LEN = 32;

export type DecodedOrderId =
  | {
      readonly kind: 'level';
      readonly instanceId: string;
      readonly level: number;
      readonly side: Side;
      readonly seq: number;
    }
  | { readonly kind: 'stop'; readonly instanceId: string; readonly seq: number }
  | { readonly kind: 'close'; readonly instanceId: string; readonly seq: number }
  | { readonly kind: 'slice'; readonly instanceId: string; readonly run: string; readonly seq: number }
  | {
      readonly kind: 'protective_stop';
      readonly instanceId: string;
      readonly positionSide: 'LONG' | 'SHORT';
      readonly seq: number;
    };

/** A run id: what a process start stamps on the closer's slices (lowercase alphanumerics, 1–6). */
export const RUN_ID_PATTERN = /^[a-z0-9]{1,6}$/;

export class ClientOrderIdError extends Error {
  override readonly name = 'ClientOrderIdError';
}

function checkInstance(instanceId: string): void {
  if (!INSTANCE_ID_PATTERN.test(instanceId)) {
    throw new ClientOrderIdError(
      `instance id ${JSON.stringify(instanceId)} must match ${INSTANCE_ID_PATTERN}`,
    );
  }
}

function checkCount(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new ClientOrderIdError(`${what} must be a non-negative integer, got ${n}`);
}

function finish(id: string): string {
  if (id.length > MAX_LEN) throw new ClientOrderIdError(`client order id ${id} is longer than ${MAX_LEN}`);
  return id;
}

export function levelOrderId(instanceId: string, level: number, side: Side, seq: number): string {
  checkInstance(instanceId);
  checkCount('level', level);
  checkCount('seq', seq);
  return finish(`gb${instanceId}L${level.toString(36)}${side === 'buy' ? 'B' : 'S'}${seq.toString(36)}`);
}

export function stopOrderId(instanceId: string, seq: number): string {
  checkInstance(instanceId);
  checkCount('seq', seq);
  return finish(`gb${instanceId}T${seq.toString(36)}`);
}

export function closeOrderId(instanceId: string, seq: number): string {
  checkInstance(instanceId);
  checkCount('seq', seq);
  return finish(`gb${instanceId}X${seq.toString(36)}`);
}

export function sliceOrderId(instanceId: string, run: string, seq: number): string {
  checkInstance(instanceId);
  if (!RUN_ID_PATTERN.test(run))
    throw new ClientOrderIdError(`run id ${JSON.stringify(run)} must match ${RUN_ID_PATTERN}`);
  checkCount('seq', seq);
  return finish(`gb${instanceId}C${run}R${seq.toString(36)}`);
}

export function protectiveStopOrderId(
  instanceId: string,
  positionSide: 'LONG' | 'SHORT',
  seq: number,
): string {
  checkInstance(instanceId);
  checkCount('seq', seq);
  return finish(`gb${instanceId}P${positionSide === 'LONG' ? 'L' : 'S'}${seq.toString(36)}`);
}

const SLICE_RE = /^gb([a-z0-9]{1,12})C([a-z0-9]{1,6})R([0-9a-z]{1,12})$/;
const PSTOP_RE = /^gb([a-z0-9]{1,12})P([LS])([0-9a-z]{1,12})$/;
const LEVEL_RE = /^gb([a-z0-9]{1,12})L([0-9a-z]{1,8})([BS])([0-9a-z]{1,12})$/;
const STOP_RE = /^gb([a-z0-9]{1,12})([TX])([0-9a-z]{1,12})$/;

/** Decodes one of our ids; anything else (a foreign order, another bot) is `null`. */
export function decodeClientOrderId(id: string): DecodedOrderId | null {
  const level = LEVEL_RE.exec(id);
  if (level) {
    const [, instanceId, lvl, side, seq] = level as unknown as [string, string, string, string, string];
    return {
      kind: 'level',
      instanceId,
      level: Number.parseInt(lvl, 36),
      side: side === 'B' ? 'buy' : 'sell',
      seq: Number.parseInt(seq, 36),
    };
  }
  const slice = SLICE_RE.exec(id);
  if (slice) {
    const [, instanceId, run, seq] = slice as unknown as [string, string, string, string];
    return { kind: 'slice', instanceId, run, seq: Number.parseInt(seq, 36) };
  }
  const pstop = PSTOP_RE.exec(id);
  if (pstop) {
    const [, instanceId, side, seq] = pstop as unknown as [string, string, string, string];
    return {
      kind: 'protective_stop',
      instanceId,
      positionSide: side === 'L' ? 'LONG' : 'SHORT',
      seq: Number.parseInt(seq, 36),
    };
  }
  const stop = STOP_RE.exec(id);
  if (stop) {
    const [, instanceId, tag, seq] = stop as unknown as [string, string, string, string];
    return { kind: tag === 'T' ? 'stop' : 'close', instanceId, seq: Number.parseInt(seq, 36) };
  }
  return null;
}

/** Is this id one of `instanceId`'s orders? (Exact instance match, not a string prefix.) */
export function isOwnOrder(id: string, instanceId: string): boolean {
  return decodeClientOrderId(id)?.instanceId === instanceId;
}

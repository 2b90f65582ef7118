/**
 * The closer's per-side state as stored: its execution state (`SideExec`) and its tape, as plain JSON
 * (decimals as strings) and back. What `parseCloserSide` accepts is exactly what `closerSideToJson`
 * writes; anything else is refused with the field named, never half read.
 */
import { z } from 'zod';
import { decimalString, plainJson } from '../../schema-helpers.js';
import type { SideExec } from './engine.js';
import type { Tape } from './tape.js';

const side = z.enum(['LONG', 'SHORT']);
const mode = z.enum(['MAKER_ONLY', 'AGGRESSIVE_LIMIT']);
const time = z.number().int().nonnegative();
const nullableDecimal = decimalString.nullable();

const order = z
  .object({
    clientOrderId: z.string().regex(/^[A-Za-z0-9]{1,36}$/),
    price: decimalString,
    qty: decimalString,
    filled: decimalString,
    placedAt: time,
    ttlMs: z.number().int().positive(),
    mode,
    risk: z.boolean(),
  })
  .strict();

const exec = z
  .object({
    side,
    state: z.enum(['IDLE', 'PLACING', 'WAITING', 'CANCELING', 'COOLDOWN']),
    since: time,
    mode,
    order: order.nullable(),
    makerTimeouts: z.number().int().nonnegative(),
    aggrTimeouts: z.number().int().nonnegative(),
    aggrFills: z.number().int().nonnegative(),
    aggressiveOnce: z.boolean(),
    lastSignalAt: time.nullable(),
    seq: z.number().int().nonnegative(),
    stopTrigger: nullableDecimal,
  })
  .strict()
  .refine((e) => (e.order === null) === (e.state === 'IDLE' || e.state === 'COOLDOWN'), {
    message: 'an order is held exactly while PLACING, WAITING or CANCELING',
    path: ['order'],
  });

const tape = z
  .object({
    bid: nullableDecimal,
    ask: nullableDecimal,
    bookAt: time.nullable(),
    prev: nullableDecimal,
    last: nullableDecimal,
    tradeAt: time.nullable(),
    mark: nullableDecimal,
    window: z.array(z.object({ at: time, price: decimalString }).strict()).max(10_000),
    resyncing: z.boolean(),
  })
  .strict();

const closerSide = z.object({ exec, tape }).strict();

export interface CloserSideState {
  readonly exec: SideExec;
  readonly tape: Tape;
}

export function parseCloserSide(input: unknown): CloserSideState {
  return closerSide.parse(input) as CloserSideState;
}

export function closerSideToJson(state: CloserSideState): unknown {
  return plainJson(state);
}

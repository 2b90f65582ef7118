/**
 * Versioned grid parameters written by the recompute function and read by every executor: the levels a
 * grid trades on and, for ATR-driven strategies, the channel and sizing they came from. One version is in
 * force at a time (SPEC §3.1: never two sets in flight). `audit` keeps the inputs of every computed value.
 */
import { z } from 'zod';
import type { Decimal } from './money.js';
import { decimalString } from './schema-helpers.js';

export interface ParamsRecord {
  readonly instanceId: string;
  readonly version: number;
  readonly computedAt: number;
  readonly source: 'manual' | 'range' | 'atr' | 'keyLevels';
  /** Level prices, ascending, on the tick. */
  readonly levelPrices: readonly Decimal[];
  /** Price the levels were computed around (drift rebuilds compare against it). */
  readonly anchorPrice: Decimal;
  /** ATR-grid figures when the source computed them (spacing, count, leverage, amount per level...). */
  readonly grid?: Readonly<Record<string, string>> | undefined;
  /** Inputs and intermediate values, as strings, for the audit trail. */
  readonly audit: Readonly<Record<string, string>>;
}

export const paramsRecordSchema = z.object({
  instanceId: z.string().min(1),
  version: z.number().int().nonnegative(),
  computedAt: z.number().int(),
  source: z.enum(['manual', 'range', 'atr', 'keyLevels']),
  levelPrices: z.array(decimalString),
  anchorPrice: decimalString,
  grid: z.record(z.string(), z.string()).optional(),
  audit: z.record(z.string(), z.string()),
});

export function paramsToJson(p: ParamsRecord): unknown {
  return JSON.parse(JSON.stringify(p));
}

export function parseParams(json: unknown): ParamsRecord {
  return paramsRecordSchema.parse(json) as ParamsRecord;
}

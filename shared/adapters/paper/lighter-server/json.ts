/**
 * JSON for the Lighter protocol server: Lighter sends some money fields as JSON numbers (candles, the
 * `last_trade_price` and daily statistics of `orderBookDetails`), and a JavaScript `number` never carries
 * money here. A `RawNumber` holds the decimal text and is written into the JSON as a number literal,
 * unchanged; everything else is serialized as `JSON.stringify` would.
 *
 * Entry points: `RawNumber` (via `num`), `toJson`.
 * Invariant: the text inside a `RawNumber` is plain decimal text (no exponent), so the output is valid JSON
 * and a Decimal-aware reader gets back exactly the value that was written.
 */
import { type Decimal, fmt } from '../../../domain/money.js';

export class RawNumber {
  constructor(readonly text: string) {
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`RawNumber: not a plain decimal: ${text}`);
  }
}

/** A Decimal as a JSON number literal. */
export function num(value: Decimal): RawNumber {
  return new RawNumber(fmt(value));
}

/** `JSON.stringify` with `RawNumber`s written as number literals. */
export function toJson(value: unknown): string {
  if (value instanceof RawNumber) return value.text;
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : toJson(v))).join(',')}]`;
  if (typeof value === 'object') {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      parts.push(`${JSON.stringify(k)}:${toJson(v)}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value);
}

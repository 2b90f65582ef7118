/**
 * Reading venue JSON at the edge without letting a float touch money. Money fields must arrive as decimal
 * strings (Binance and OKX send them so); a JSON number is accepted only when it is a safe integer (ids,
 * times, counts), converted through `String(n)`, which is exact for those. Anything else is malformed.
 */
import { type Decimal, dec } from '../../domain/money.js';

export class MalformedPayloadError extends Error {
  override readonly name = 'MalformedPayloadError';
}

export type Raw = Readonly<Record<string, unknown>>;

export function asRaw(value: unknown, what: string): Raw {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MalformedPayloadError(`${what} must be an object`);
  }
  return value as Raw;
}

export function rawList(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new MalformedPayloadError(`${what} must be an array`);
  return value;
}

/** Venues send plain decimals: no exponent, no `NaN`, no `Infinity`, no blanks. */
const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;

/** A decimal field: a plain decimal string, or a safe-integer number. */
export function decField(o: Raw, key: string, what = key): Decimal {
  const v = o[key];
  if (typeof v === 'string') {
    if (!PLAIN_DECIMAL.test(v))
      throw new MalformedPayloadError(
        `${what} must be a plain decimal, got ${JSON.stringify(v.slice(0, 40))}`,
      );
    try {
      return dec(v, what);
    } catch (e) {
      throw new MalformedPayloadError(`${what}: ${(e as Error).message}`);
    }
  }
  if (typeof v === 'number' && Number.isSafeInteger(v)) return dec(String(v), what);
  throw new MalformedPayloadError(
    `${what} must be a decimal string, got ${v === undefined ? 'nothing' : typeof v}`,
  );
}

/** A decimal that must be greater than zero (a fill's price and quantity, a limit price). */
export function positiveDecField(o: Raw, key: string, what = key): Decimal {
  const d = decField(o, key, what);
  if (!d.greaterThan(0))
    throw new MalformedPayloadError(`${what} must be greater than 0, got ${d.toFixed()}`);
  return d;
}

/** A decimal that must not be negative (an order's quantity and filled quantity). */
export function nonNegativeDecField(o: Raw, key: string, what = key): Decimal {
  const d = decField(o, key, what);
  if (d.isNegative()) throw new MalformedPayloadError(`${what} must not be negative, got ${d.toFixed()}`);
  return d;
}

/** A numeric id (Binance trade and order ids): a safe integer, or a string of digits. */
export function numericIdField(o: Raw, key: string, what = key): string {
  const id = idField(o, key, what);
  if (!/^\d{1,20}$/.test(id))
    throw new MalformedPayloadError(`${what} must be a numeric id, got ${JSON.stringify(id.slice(0, 40))}`);
  return id;
}

export function optDecField(o: Raw, key: string, what = key): Decimal | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') return undefined;
  return decField(o, key, what);
}

/** Ids may be numbers (Binance order ids) or strings; both become strings exactly. */
export function idField(o: Raw, key: string, what = key): string {
  const v = o[key];
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  throw new MalformedPayloadError(`${what} must be an id, got ${JSON.stringify(v)}`);
}

export function strField(o: Raw, key: string, what = key): string {
  const v = o[key];
  if (typeof v !== 'string')
    throw new MalformedPayloadError(`${what} must be a string, got ${JSON.stringify(v)}`);
  return v;
}

export function optStrField(o: Raw, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

export function timeField(o: Raw, key: string, what = key): number {
  const v = o[key];
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  throw new MalformedPayloadError(`${what} must be a millisecond time, got ${JSON.stringify(v)}`);
}

export function boolField(o: Raw, key: string): boolean {
  const v = o[key];
  return v === true || v === 'true';
}

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

/** A decimal field: a decimal string, or a safe-integer number. */
export function decField(o: Raw, key: string, what = key): Decimal {
  const v = o[key];
  if (typeof v === 'string') {
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

/**
 * Request parameters read the way Binance validates them: a missing mandatory parameter is -1102, a
 * malformed value -1100 / -1130, enumerations -1115 / -1116 / -1117 through the engine's catalogue.
 * Decimal parameters are parsed from their text, never through `number`.
 */
import { type Decimal, dec } from '../../../domain/money.js';
import { apiErrors, BinanceApiError } from './api-error.js';

const illegal = (name: string) =>
  new BinanceApiError(
    400,
    -1100,
    `Illegal characters found in parameter '${name}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`,
  );

export class Params {
  constructor(private readonly p: URLSearchParams) {}

  has(name: string): boolean {
    const v = this.p.get(name);
    return v !== null && v !== '';
  }

  str(name: string): string {
    const v = this.p.get(name);
    if (v === null || v === '') throw apiErrors.mandatory(name);
    return v;
  }

  optStr(name: string): string | undefined {
    const v = this.p.get(name);
    return v === null || v === '' ? undefined : v;
  }

  dec(name: string): Decimal {
    const v = this.str(name);
    if (!/^-?\d{1,20}(\.\d{1,20})?$/.test(v)) throw illegal(name);
    return dec(v, name);
  }

  optDec(name: string): Decimal | undefined {
    return this.has(name) ? this.dec(name) : undefined;
  }

  optInt(name: string): number | undefined {
    const v = this.optStr(name);
    if (v === undefined) return undefined;
    if (!/^\d{1,19}$/.test(v) || !Number.isSafeInteger(Number(v))) throw illegal(name);
    return Number(v);
  }

  /** `true` / `false` as sent, undefined when absent (Binance distinguishes "not sent"). */
  optBool(name: string): boolean | undefined {
    const v = this.optStr(name);
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false') throw apiErrors.badParam(name);
    return v === 'true';
  }

  oneOf<T extends string>(name: string, values: readonly T[], err: () => Error): T {
    const v = this.str(name);
    if (!(values as readonly string[]).includes(v)) throw err();
    return v as T;
  }

  optOneOf<T extends string>(name: string, values: readonly T[], err: () => Error): T | undefined {
    return this.has(name) ? this.oneOf(name, values, err) : undefined;
  }

  /** Binance's time window parameters. */
  window(): { startTime?: number; endTime?: number; limit?: number } {
    const out: { startTime?: number; endTime?: number; limit?: number } = {};
    const startTime = this.optInt('startTime');
    const endTime = this.optInt('endTime');
    const limit = this.optInt('limit');
    if (startTime !== undefined) out.startTime = startTime;
    if (endTime !== undefined) out.endTime = endTime;
    if (limit !== undefined) out.limit = limit;
    return out;
  }
}

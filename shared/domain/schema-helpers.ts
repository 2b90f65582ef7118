/**
 * zod building blocks shared by every schema in the domain: decimals travel as strings (lossless), and a
 * number in a config file is accepted only where it is exact (see `configDecimal`).
 */
import { z } from 'zod';
import { Decimal, dec } from './money.js';

const decimalFromString = (label: string) =>
  z.string().transform((s, ctx): Decimal => {
    try {
      return dec(s, label);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  });

/** A decimal written as a string (how state, journal and exchange payloads carry money). */
export const decimalString = z
  .union([z.instanceof(Decimal), decimalFromString('decimal')])
  .transform((v) => dec(v));

export const positiveDecimalString = decimalString.refine((d) => d.greaterThan(0), {
  message: 'must be greater than 0',
});

export const nonNegativeDecimalString = decimalString.refine((d) => !d.isNegative() || d.isZero(), {
  message: 'must not be negative',
});

/** Metadata key marking `configDecimal`'s input, so the JSON Schema of a config can describe it (`config/json-schema.ts`). */
export const CONFIG_DECIMAL_MARK = 'x-gridbot-decimal';

/**
 * A decimal in a human-written config file. YAML and JSON turn `0.005` into a number before we see it; the
 * shortest round-trip text of that number (`String(0.005) === "0.005"`) is exactly what the user typed, so we
 * convert through it once, here at the edge, and never compute with the number.
 */
export const configDecimal = z
  .union([z.string(), z.number(), z.instanceof(Decimal)])
  .meta({ [CONFIG_DECIMAL_MARK]: true })
  .transform((v, ctx): Decimal => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      ctx.addIssue({ code: 'custom', message: `must be a finite number, got ${v}` });
      return z.NEVER;
    }
    try {
      return dec(typeof v === 'number' ? String(v) : v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  });

/** A config decimal above zero; its error reads `must be greater than 0` and then `hint` (an example, a why). */
export const positiveConfigDecimal = (hint: string) =>
  configDecimal.refine((d) => d.greaterThan(0), { message: `must be greater than 0${hint}` });

/** A config decimal in [min, max]; its error reads `must be between min and max` and then `hint`. */
export const boundedConfigDecimal = (min: string, max: string, hint: string) =>
  configDecimal.refine((d) => d.greaterThanOrEqualTo(min) && d.lessThanOrEqualTo(max), {
    message: `must be between ${min} and ${max}${hint}`,
  });

/** A field's description (its JSON Schema `description`) from the `what` of its error: capitalized, ending in a period. */
export const sentence = (what: string): string =>
  `${what.charAt(0).toUpperCase()}${what.slice(1)}${/[.!?)]$/.test(what) ? '' : '.'}`;

/** Serialize a Decimal for storage: plain text, no exponent. */
/** An instance's recon interval: the scheduler runs per minute (30 s is two runs a minute). */
export const reconIntervalSec = (defaultSec: number) =>
  z
    .number()
    .int()
    .refine((n) => n === 30 || (n >= 60 && n % 60 === 0), {
      message:
        'must be 30 or a whole number of minutes in seconds (60, 120, ...): the scheduler runs per minute',
    })
    .default(defaultSec);

export const decToJson = (d: Decimal): string => d.toFixed();

function isDecimal(v: unknown): v is Decimal {
  return typeof v === 'object' && v !== null && typeof (v as Decimal).toFixed === 'function' && 'd' in v;
}

/** A value as plain JSON, Decimals as plain text (configs, summaries). */
export function plainJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (isDecimal(v) ? v.toFixed() : v)));
}

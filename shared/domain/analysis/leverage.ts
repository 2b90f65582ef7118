/**
 * Maximum leverage for an ATR grid (SPEC §3.1) from the channel, the exchange's maintenance-margin brackets
 * and a safety factor:
 *   avg = (upper + lower) / 2
 *   L_long  = 1 / (1 + mmr − lower/avg)       (a long opened at avg survives a fall to lower)
 *   L_short = 1 / (upper/avg − 1 + mmr)       (a short opened at avg survives a rise to upper)
 *   lev = clamp(floor(min(L_long, L_short) × safety_factor), 1, min(max_leverage, bracket max))
 *
 * Entry points: `leverageBracketsSchema` (Binance `GET /fapi/v1/leverageBracket` brackets, numbers or
 * strings), `maxGridLeverage`.
 *
 * Bracket choice: the rate depends on the position's notional (usable balance × leverage), which depends on
 * the rate. We walk the brackets from the lowest and take the first whose cap holds the notional reached at
 * the leverage computed with its own rate and cap. Rates rise and caps fall with the tier, so this never
 * picks a rate lower than the one that applies: conservative by construction.
 */
import { z } from 'zod';
import { type Decimal, ONE } from '../money.js';
import { configDecimal } from '../schema-helpers.js';
import { AnalysisError } from './errors.js';

export interface LeverageBracket {
  readonly notionalFloor: Decimal;
  readonly notionalCap: Decimal;
  /** Highest initial leverage the exchange allows in this bracket (`initialLeverage`). */
  readonly maxLeverage: number;
  /** Maintenance-margin rate as a fraction (`maintMarginRatio`, 0.004 = 0.4%). */
  readonly maintMarginRatio: Decimal;
}

/**
 * Binance sends bracket figures as JSON numbers; they are short decimals, so their shortest round-trip text
 * (`String(n)`) is exactly what the exchange wrote, and `configDecimal` converts through it once here.
 */
const bracketSchema = z
  .object({
    notionalFloor: configDecimal,
    notionalCap: configDecimal,
    initialLeverage: z.number().int().min(1),
    maintMarginRatio: configDecimal,
  })
  .loose()
  .transform(
    (b): LeverageBracket => ({
      notionalFloor: b.notionalFloor,
      notionalCap: b.notionalCap,
      maxLeverage: b.initialLeverage,
      maintMarginRatio: b.maintMarginRatio,
    }),
  );

export const leverageBracketsSchema = z
  .array(bracketSchema)
  .min(1, { message: 'needs at least one bracket (GET /fapi/v1/leverageBracket for the symbol)' })
  .transform((bs) => [...bs].sort((a, b) => a.notionalFloor.comparedTo(b.notionalFloor)))
  .superRefine((bs, ctx) => {
    bs.forEach((b, i) => {
      if (!b.notionalCap.greaterThan(b.notionalFloor) || b.notionalFloor.isNegative()) {
        ctx.addIssue({ code: 'custom', path: [i], message: 'needs 0 ≤ notionalFloor < notionalCap' });
      }
      if (!b.maintMarginRatio.greaterThan(0) || !b.maintMarginRatio.lessThan(1)) {
        ctx.addIssue({ code: 'custom', path: [i], message: 'maintMarginRatio must be a fraction in (0, 1)' });
      }
    });
  });

export interface GridLeverage {
  readonly leverage: number;
  readonly bracket: LeverageBracket;
  readonly mid: Decimal;
  readonly longLimit: Decimal;
  readonly shortLimit: Decimal;
  /** Position notional at this leverage: usable balance × leverage. */
  readonly positionNotional: Decimal;
}

export interface GridLeverageInputs {
  readonly upper: Decimal;
  readonly lower: Decimal;
  readonly usableBalance: Decimal;
  readonly safetyFactor: Decimal;
  readonly maxLeverage: number;
  readonly brackets: readonly LeverageBracket[];
}

/** `undefined` when even the top bracket cannot hold the position at leverage 1. */
export function maxGridLeverage(inputs: GridLeverageInputs): GridLeverage | undefined {
  const { upper, lower, usableBalance, safetyFactor, maxLeverage } = inputs;
  if (!(lower.greaterThan(0) && upper.greaterThan(lower))) {
    throw new AnalysisError('invalid_channel', `channel needs 0 < lower < upper, got [${lower}, ${upper}]`);
  }
  if (!Number.isSafeInteger(maxLeverage) || maxLeverage < 1) {
    throw new AnalysisError('bad_input', `max_leverage must be a whole number ≥ 1, got ${maxLeverage}`);
  }
  if (!(safetyFactor.greaterThan(0) && safetyFactor.lessThanOrEqualTo(1))) {
    throw new AnalysisError('bad_input', `safety_factor must be in (0, 1], got ${safetyFactor}`);
  }
  const brackets = [...inputs.brackets].sort((a, b) => a.notionalFloor.comparedTo(b.notionalFloor));
  if (brackets.length === 0) throw new AnalysisError('bad_input', 'leverage brackets are empty');
  const mid = upper.plus(lower).dividedBy(2);
  for (const bracket of brackets) {
    const mmr = bracket.maintMarginRatio;
    const longLimit = ONE.dividedBy(ONE.plus(mmr).minus(lower.dividedBy(mid)));
    const shortLimit = ONE.dividedBy(upper.dividedBy(mid).minus(1).plus(mmr));
    const raw = (longLimit.lessThan(shortLimit) ? longLimit : shortLimit).times(safetyFactor).floor();
    const cap = Math.min(maxLeverage, bracket.maxLeverage);
    const leverage = Math.max(1, Math.min(cap, raw.greaterThan(cap) ? cap : raw.toNumber()));
    const positionNotional = usableBalance.times(leverage);
    if (positionNotional.lessThanOrEqualTo(bracket.notionalCap)) {
      return { leverage, bracket, mid, longLimit, shortLimit, positionNotional };
    }
  }
  return undefined;
}

/**
 * Grid parameters of SPEC §3.1, the single source of truth both executors read.
 *
 * Entry points: `atrGridLevels` (spacing, level count and level prices from a channel: what the `atr` level
 * source needs) and `gridParameters` (the same plus leverage, notional-driven level reduction and amount per
 * level, for the ATR hedge grid).
 *
 *   spacing  = (target_profit_rate + 2 × maker_fee) × upper
 *   levels   = clamp(floor((upper − lower) / spacing), min_levels 4, max_levels 100), then reduced until the
 *              order at the lowest level clears the exchange minimums (the reduced count is the one used;
 *              never below 2, a grid needs two lines)
 *   lev      = see leverage.ts
 *   amount   = usable_balance × lev / levels / price, floored to the step (coins)
 *   prices   = levels spread evenly from lower to upper inclusive, rounded to the nearest tick, de-duplicated
 *
 * Invariants: every output is Decimal (or a whole count) and every result carries `audit`, the inputs and
 * outputs as strings. The lowest level is where an order's notional is smallest, so if it clears the minimum
 * every level does. Expected outcomes (a balance too small for the exchange minimum) are typed results;
 * impossible inputs throw `AnalysisError`.
 */
import { type Decimal, dec } from '../money.js';
import { checkOrder, contractsToCoins, roundQty, type SymbolRules } from '../symbol-rules.js';
import { AnalysisError } from './errors.js';
import { type LeverageBracket, maxGridLeverage } from './leverage.js';
import { snapToTick } from './tick.js';

export interface AtrGridLevelInputs {
  readonly upper: Decimal;
  readonly lower: Decimal;
  readonly rules: SymbolRules;
  readonly targetProfitRate: Decimal;
  /** Defaults to `rules.makerFee`. */
  readonly makerFee?: Decimal | undefined;
  readonly minLevels?: number | undefined;
  readonly maxLevels?: number | undefined;
}

export interface AtrGridLevels {
  readonly spacing: Decimal;
  readonly levelsFromChannel: Decimal;
  readonly levelsClamped: number;
  readonly audit: Record<string, string>;
}

export function atrGridLevels(inputs: AtrGridLevelInputs): AtrGridLevels {
  const { upper, lower, rules, targetProfitRate } = inputs;
  const makerFee = inputs.makerFee ?? rules.makerFee;
  const minLevels = inputs.minLevels ?? 4;
  const maxLevels = inputs.maxLevels ?? 100;
  if (!(lower.greaterThan(0) && upper.greaterThan(lower))) {
    throw new AnalysisError(
      'invalid_channel',
      `ATR channel needs 0 < lower < upper, got [${lower}, ${upper}]: lower the atr_multiplier or use more candles`,
    );
  }
  if (
    !(
      Number.isSafeInteger(minLevels) &&
      Number.isSafeInteger(maxLevels) &&
      minLevels >= 2 &&
      maxLevels >= minLevels
    )
  ) {
    throw new AnalysisError(
      'bad_input',
      `need 2 ≤ min_levels ≤ max_levels, got ${minLevels} and ${maxLevels}`,
    );
  }
  if (!targetProfitRate.greaterThan(0) || makerFee.isNegative()) {
    throw new AnalysisError(
      'bad_input',
      `need target_profit_rate > 0 and maker fee ≥ 0, got ${targetProfitRate} and ${makerFee}`,
    );
  }
  const spacing = targetProfitRate.plus(makerFee.times(2)).times(upper);
  const levelsFromChannel = upper.minus(lower).dividedBy(spacing).floor();
  const levelsClamped = levelsFromChannel.lessThan(minLevels)
    ? minLevels
    : levelsFromChannel.greaterThan(maxLevels)
      ? maxLevels
      : levelsFromChannel.toNumber();
  return {
    spacing,
    levelsFromChannel,
    levelsClamped,
    audit: {
      upper: upper.toFixed(),
      lower: lower.toFixed(),
      target_profit_rate: targetProfitRate.toFixed(),
      maker_fee: makerFee.toFixed(),
      min_levels: String(minLevels),
      max_levels: String(maxLevels),
      tick_size: rules.tickSize.toFixed(),
      spacing: spacing.toFixed(),
      levels_from_channel: levelsFromChannel.toFixed(),
      levels_clamped: String(levelsClamped),
    },
  };
}

/** `count` prices spread evenly over [lower, upper], rounded to the nearest tick, ascending, de-duplicated. */
export function spreadLevels(lower: Decimal, upper: Decimal, count: number, tickSize: Decimal): Decimal[] {
  const gap = upper.minus(lower).dividedBy(count - 1);
  const raw: Decimal[] = [];
  for (let i = 0; i < count; i++) raw.push(i === count - 1 ? upper : lower.plus(gap.times(i)));
  return snapToTick(raw, tickSize);
}

export interface GridParameterInputs extends AtrGridLevelInputs {
  /** Current price: the amount per level is usable balance × leverage / levels / price. */
  readonly price: Decimal;
  /** Quote-currency balance the grid may use. */
  readonly usableBalance: Decimal;
  /** SPEC §3.1 default 0.8. */
  readonly safetyFactor?: Decimal | undefined;
  /** Our own cap (SPEC §3.3 `max_leverage`, default 10); the bracket's cap applies too. */
  readonly maxLeverage?: number | undefined;
  readonly brackets: readonly LeverageBracket[];
}

export interface GridParameters {
  readonly spacing: Decimal;
  readonly levelsFromChannel: Decimal;
  readonly levelsClamped: number;
  /** The count used, after the reduction for the exchange minimum. */
  readonly levels: number;
  readonly levelPrices: Decimal[];
  readonly leverage: number;
  readonly maintMarginRatio: Decimal;
  readonly amountPerLevel: Decimal;
  readonly notionalAtLowestLevel: Decimal;
  readonly audit: Record<string, string>;
}

export type GridParametersResult =
  | { readonly ok: true; readonly params: GridParameters }
  | {
      readonly ok: false;
      readonly reason: 'below_min_notional' | 'above_max_qty' | 'position_above_brackets';
      readonly detail: string;
      readonly audit: Record<string, string>;
    };

export function gridParameters(inputs: GridParameterInputs): GridParametersResult {
  const { price, usableBalance, rules } = inputs;
  if (!price.greaterThan(0) || !usableBalance.greaterThan(0)) {
    throw new AnalysisError(
      'bad_input',
      `price and usable balance must be > 0, got ${price} and ${usableBalance}`,
    );
  }
  const base = atrGridLevels(inputs);
  const safetyFactor = inputs.safetyFactor ?? dec('0.8');
  const maxLeverage = inputs.maxLeverage ?? 10;
  const audit: Record<string, string> = {
    ...base.audit,
    price: price.toFixed(),
    usable_balance: usableBalance.toFixed(),
    safety_factor: safetyFactor.toFixed(),
    max_leverage: String(maxLeverage),
    step_size: rules.stepSize.toFixed(),
    min_qty: rules.minQty.toFixed(),
    min_notional: rules.minNotional.toFixed(),
    contract_size: rules.contractSize.toFixed(),
  };
  const lev = maxGridLeverage({ ...inputs, safetyFactor, maxLeverage });
  if (!lev) {
    return {
      ok: false,
      reason: 'position_above_brackets',
      detail: `usable balance ${usableBalance} exceeds the notional cap of every leverage bracket even at 1x`,
      audit,
    };
  }
  Object.assign(audit, {
    mid: lev.mid.toFixed(),
    maint_margin_ratio: lev.bracket.maintMarginRatio.toFixed(),
    bracket_notional_floor: lev.bracket.notionalFloor.toFixed(),
    bracket_notional_cap: lev.bracket.notionalCap.toFixed(),
    bracket_max_leverage: String(lev.bracket.maxLeverage),
    leverage_long_limit: lev.longLimit.toFixed(),
    leverage_short_limit: lev.shortLimit.toFixed(),
    leverage: String(lev.leverage),
  });
  const budget = usableBalance.times(lev.leverage).dividedBy(price);
  for (let levels = base.levelsClamped; levels >= 2; levels--) {
    // Rounding to a coarse tick can merge lines; the amount is split over the lines that remain.
    const levelPrices = spreadLevels(inputs.lower, inputs.upper, levels, rules.tickSize);
    if (levelPrices.length < 2) {
      throw new AnalysisError(
        'invalid_channel',
        `channel [${inputs.lower}, ${inputs.upper}] is narrower than two ticks`,
      );
    }
    const lowest = levelPrices[0]!;
    const amountPerLevel = roundQty(budget.dividedBy(levelPrices.length), rules);
    const verdict = checkOrder(lowest, amountPerLevel, rules);
    if (verdict.ok) {
      const notionalAtLowestLevel = lowest.times(amountPerLevel);
      Object.assign(audit, {
        levels: String(levelPrices.length),
        amount_per_level: amountPerLevel.toFixed(),
        lowest_level: lowest.toFixed(),
        notional_at_lowest_level: notionalAtLowestLevel.toFixed(),
      });
      return {
        ok: true,
        params: {
          spacing: base.spacing,
          levelsFromChannel: base.levelsFromChannel,
          levelsClamped: base.levelsClamped,
          levels: levelPrices.length,
          levelPrices,
          leverage: lev.leverage,
          maintMarginRatio: lev.bracket.maintMarginRatio,
          amountPerLevel,
          notionalAtLowestLevel,
          audit,
        },
      };
    }
    if (verdict.reason === 'above_max_qty') {
      return { ok: false, reason: 'above_max_qty', detail: `at ${levels} levels: ${verdict.detail}`, audit };
    }
  }
  return {
    ok: false,
    reason: 'below_min_notional',
    detail: `even 2 levels of ${roundQty(budget.dividedBy(2), rules)} coins miss the exchange minimum (${rules.minNotional} notional, ${contractsToCoins(rules.minQty, rules)} coins) at the lowest level: add balance or raise leverage`,
    audit,
  };
}
